import { afterEach, describe, expect, test, vi } from 'vitest';
import { checkInput, fuzz, type FuzzFailure } from '../src/fuzz.js';
import { bytes } from './helpers/run.js';
import { SAMPLE_ORIGINAL, SAMPLE_REPORT } from './helpers/sample.js';

// The fuzzer is only as good as its checks: a check that never fires finds nothing. Each reason
// checkInput (src/fuzz.ts) can give is made to fire here, alone, by a deliberately broken piece
// that the check must notice, and a good input gives no reason at all.
//
// checkInput takes no parse function to stub: it builds `new JournalParser(…)` and calls the
// sub-parsers and decoders it imports. So the modules it imports are replaced (vi.mock) by
// pass-through wrappers of the real code, which break on purpose only while `sabotage.mode` names
// a way to break. With no mode set they behave exactly as the real modules.

type Mode =
  | 'sub-parser-throws'
  | 'base64-depends-on-chunking'
  | 'qp-depends-on-chunking'
  | 'transient-base64-differs'
  | 'slow'
  | 'untyped-throw'
  | 'typed-throw-whole-only'
  | 'typed-throw-other-limit-chunked'
  | 'empty-output'
  | 'unchanged-output-differs'
  | 'bcc-left'
  | 'chunked-throws'
  | 'chunked-report-differs'
  | 'chunked-bytes-differ'
  | 'chunked-report-differs-for-odd-lengths';

const sabotage = vi.hoisted(() => ({
  mode: undefined as Mode | undefined,
  /** When set, every input a parser is given (its pieces joined), in order. */
  seen: undefined as Uint8Array[] | undefined,
}));

vi.mock('../src/parser.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/parser.js')>();
  const { InvalidInputError, LimitExceededError: Limit } = await import('../src/errors.js');
  type Options = ConstructorParameters<typeof actual.JournalParser>[0];
  type Nested = ConstructorParameters<typeof actual.JournalParser>[1];
  class JournalParser extends actual.JournalParser {
    private readonly pieces: Uint8Array[] = [];
    private readonly mode: Mode | undefined;
    private readonly sink: ((b: Uint8Array) => void) | undefined;
    constructor(options?: Options, nested?: Nested, onOutput?: (b: Uint8Array) => void) {
      const mode = sabotage.mode;
      // A parser told to remove a field no message has: the BCC headers stay in the original.
      const opts = mode === 'bcc-left' ? { ...options, removeHeaders: ['X-Not-In-Any-Message'] } : options;
      const sink =
        onOutput === undefined
          ? undefined
          : (b: Uint8Array) => {
              if (mode === 'empty-output') return;
              if (mode === 'unchanged-output-differs') {
                const copy = new Uint8Array(b);
                copy[0] = 0x23;
                return onOutput(copy);
              }
              onOutput(b);
            };
      super(opts, nested, sink);
      this.mode = mode;
      this.sink = sink;
    }
    override write(chunk: Uint8Array): void {
      this.pieces.push(chunk);
      if (this.mode === 'untyped-throw') throw new Error('parser exploded');
      if (this.mode === 'chunked-throws' && this.pieces.length > 1) throw new Error('only in pieces');
      super.write(chunk);
    }
    override end() {
      const chunked = this.pieces.length > 1;
      if (sabotage.seen !== undefined) sabotage.seen.push(new Uint8Array(Buffer.concat(this.pieces)));
      if (this.mode === 'slow') vi.setSystemTime(Date.now() + 10_000);
      if (this.mode === 'typed-throw-whole-only' && !chunked) throw new InvalidInputError('a typed error, whole runs only');
      if (this.mode === 'typed-throw-other-limit-chunked') throw new Limit(chunked ? 'maxDepth' : 'maxHeaderBytes', 1, 0, 'a limit');
      const report = super.end();
      const length = this.pieces.reduce((n, p) => n + p.length, 0);
      if (chunked && (this.mode === 'chunked-report-differs' || (this.mode === 'chunked-report-differs-for-odd-lengths' && length % 2 === 1))) {
        return { ...report, message: { ...report.message, subject: 'not the same' } };
      }
      if (chunked && this.mode === 'chunked-bytes-differ') this.sink?.(Uint8Array.of(0x21));
      return report;
    }
  }
  return { ...actual, JournalParser };
});

vi.mock('../src/ndr.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/ndr.js')>();
  return {
    ...actual,
    parseDeliveryStatus: (...args: Parameters<typeof actual.parseDeliveryStatus>) => {
      if (sabotage.mode === 'sub-parser-throws') throw new Error('status parser exploded');
      return actual.parseDeliveryStatus(...args);
    },
  };
});

vi.mock('../src/mime/transfer-decoding.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/mime/transfer-decoding.js')>();
  type Sink = (b: Uint8Array) => void;
  // One extra byte per write: the decoded bytes then depend on how many pieces there were.
  class Base64Decoder extends actual.Base64Decoder {
    private readonly isTransient: boolean;
    constructor(transient = false) {
      super(transient);
      this.isTransient = transient;
    }
    override write(chunk: Uint8Array, sink: Sink): void {
      super.write(chunk, sink);
      const broken = this.isTransient ? sabotage.mode === 'transient-base64-differs' : sabotage.mode === 'base64-depends-on-chunking';
      if (broken) sink(Uint8Array.of(0x21));
    }
  }
  class QuotedPrintableDecoder extends actual.QuotedPrintableDecoder {
    override write(chunk: Uint8Array, sink: Sink): void {
      super.write(chunk, sink);
      if (sabotage.mode === 'qp-depends-on-chunking') sink(Uint8Array.of(0x21));
    }
  }
  return { ...actual, Base64Decoder, QuotedPrintableDecoder };
});

afterEach(() => {
  sabotage.mode = undefined;
  sabotage.seen = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const REPORT = bytes(SAMPLE_REPORT); // a journal report: output.content 'original'
const PLAIN = bytes(SAMPLE_ORIGINAL); // a plain message (its BCC header included): 'unchanged'
const CUTS = [1, 40, 41, 300, 301, 777];

describe('checkInput: each failure reason fires, alone, when its guarantee is broken', () => {
  test('good inputs report nothing (the baseline every case below departs from)', () => {
    for (const input of [REPORT, PLAIN]) {
      expect(checkInput(input, CUTS)).toBeUndefined();
      expect(checkInput(input, [])).toBeUndefined();
    }
  });

  const cases: [Mode, Uint8Array, string][] = [
    ['sub-parser-throws', REPORT, 'sub-parser threw: status parser exploded'],
    ['base64-depends-on-chunking', REPORT, 'Base64Decoder depends on chunking'],
    ['qp-depends-on-chunking', REPORT, 'QuotedPrintableDecoder depends on chunking'],
    ['transient-base64-differs', REPORT, 'the transient Base64Decoder reads differently'],
    ['slow', REPORT, `slow: 10000 ms for ${REPORT.length} bytes`],
    ['untyped-throw', REPORT, 'untyped exception: parser exploded'],
    ['typed-throw-whole-only', REPORT, 'typed error depends on chunking'],
    ['typed-throw-other-limit-chunked', REPORT, 'typed error depends on chunking'],
    ['empty-output', REPORT, 'empty output (journal-report, original)'],
    ['unchanged-output-differs', PLAIN, 'output.content is "unchanged" but the output differs from the input'],
    ['bcc-left', REPORT, 'archived original still has X-MS-Exchange-Organization-BCC'],
    ['chunked-throws', REPORT, 'chunked run threw where the whole run did not: only in pieces'],
    ['chunked-report-differs', REPORT, 'report depends on chunking'],
    ['chunked-bytes-differ', REPORT, 'output bytes depend on chunking'],
  ];
  for (const [mode, input, reason] of cases) {
    test(`${mode} → "${reason}"`, () => {
      // Only the slow case needs a clock that moves: the broken parser moves it 10 s forward.
      if (mode === 'slow') vi.useFakeTimers({ toFake: ['Date'] });
      sabotage.mode = mode;
      expect(checkInput(input, CUTS)).toBe(reason);
    });
  }

  test('the same breakages are invisible where the check has nothing to compare: one piece, no chunking', () => {
    // Guards the cases above against passing for the wrong reason: with no cuts the whole and
    // the chunked run are the same run, so a chunking-dependent breakage cannot show. (Not the
    // broken Base64Decoder: the transient decoder's check compares it with an unbroken one.)
    for (const mode of ['qp-depends-on-chunking', 'chunked-throws', 'chunked-report-differs', 'chunked-bytes-differ'] as const) {
      sabotage.mode = mode;
      expect(checkInput(REPORT, []), mode).toBeUndefined();
    }
  });

  test('real code, crafted options: an untyped TypeError is reported; the same typed error whole and chunked is not', () => {
    // No stub: a bad option makes the real parser throw a TypeError, which is no JournalError.
    expect(checkInput(REPORT, CUTS, { maxDepth: -1 })).toBe('untyped exception: mailjournal: option maxDepth must be a positive integer, got -1');
    // onLimit 'throw' with a tiny header limit: the same LimitExceededError both ways, no failure.
    expect(checkInput(REPORT, CUTS, { maxHeaderBytes: 64, onLimit: 'throw' })).toBeUndefined();
  });
});

describe('fuzz: the memory check, judged over the run', () => {
  const seeds = [bytes('From: a@b\nTo: c@d\nSubject: s\n\nbody\n')];

  test('a resident set that grows past the budget is a failure of its own', async () => {
    let calls = 0;
    // The first reading is the baseline; every later one is 1 GiB above it.
    vi.spyOn(process, 'memoryUsage').mockImplementation(() => ({ rss: calls++ === 0 ? 100 << 20 : (100 << 20) + (1 << 30), heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }));
    const { runs, failures } = await fuzz({ seeds, seconds: 0.3, seed: 5, maxBytes: 256 });
    expect(runs).toBeGreaterThan(0);
    // At most three kept per kind of reason, all of this one kind.
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.length).toBeLessThanOrEqual(3);
    for (const f of failures) expect(f.reason).toBe('memory: resident set grew by 1024 MiB');
  });

  test('a steady resident set is no failure', async () => {
    vi.spyOn(process, 'memoryUsage').mockImplementation(() => ({ rss: 100 << 20, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }));
    const { runs, failures } = await fuzz({ seeds, seconds: 0.3, seed: 5, maxBytes: 256 });
    expect(runs).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});

describe('fuzz: the same seed gives the same inputs and the same failures', () => {
  // test/fuzz.test.ts ("a short seeded run finds nothing and is repeatable") runs once and checks
  // that nothing failed; it never compares two runs. fuzz() reports only its run count and its
  // failures, not the inputs it tried, so the inputs are recorded here as the (mocked) parser
  // receives them, and a parser broken for inputs of odd length makes failures to compare.
  // A run is time-limited, so one may get further than the other: the shorter sequence must be
  // the start of the longer one.
  const seeds = [bytes(SAMPLE_REPORT), bytes(SAMPLE_ORIGINAL)];
  async function recorded(seed: number): Promise<{ inputs: Uint8Array[]; failures: FuzzFailure[]; runs: number }> {
    sabotage.mode = 'chunked-report-differs-for-odd-lengths';
    sabotage.seen = [];
    const failures: FuzzFailure[] = [];
    const result = await fuzz({ seeds, seconds: 1.5, seed, maxBytes: 2048, onFailure: (f) => failures.push(f) });
    const inputs = sabotage.seen;
    sabotage.seen = undefined;
    // onFailure saw each failure the result lists, in order.
    expect(failures).toEqual(result.failures);
    return { inputs, failures, runs: result.runs };
  }
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const prefixOf = <T>(a: T[], b: T[]) => (a.length <= b.length ? [a, b.slice(0, a.length)] : [a.slice(0, b.length), b]);

  test('two runs with seed 7 agree input for input and failure for failure; seed 8 does not', async () => {
    const a = await recorded(7);
    const b = await recorded(7);
    // A run is time-limited: 1.5 s and a low bar, so that a busy CI machine still passes.
    expect(Math.min(a.inputs.length, b.inputs.length)).toBeGreaterThan(20);
    const [ia, ib] = prefixOf(a.inputs.map(hex), b.inputs.map(hex));
    expect(ia).toEqual(ib);
    expect(Math.min(a.failures.length, b.failures.length)).toBeGreaterThanOrEqual(1);
    const [fa, fb] = prefixOf(a.failures, b.failures);
    expect(fa).toEqual(fb);
    for (const f of a.failures) expect(f.reason).toBe('report depends on chunking');
    // Another seed tries other inputs (else the comparison above would prove nothing).
    const c = await recorded(8);
    const [ja, jc] = prefixOf(a.inputs.map(hex), c.inputs.map(hex));
    expect(ja).not.toEqual(jc);
  });
});
