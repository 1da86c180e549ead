import { isJournalError } from './errors.js';
import { concatAll, latin1 } from './internal/bytes.js';
import { detectJournalReport } from './detect.js';
import { parseEnvelope } from './exchange/envelope.js';
import { parseEnvelope2003 } from './exchange/envelope-2003.js';
import { htmlToText } from './mime/html-text.js';
import { Base64Decoder, QuotedPrintableDecoder, type TransferDecoder } from './mime/transfer-decoding.js';
import { parseDeliveryStatus } from './ndr.js';
import { DEFAULT_REMOVE_HEADERS, type ParseOptions } from './options.js';
import { JournalParser } from './parser.js';
import { stripHeaders } from './strip.js';
import type { JournalReport } from './types.js';

/** One input that broke a guarantee, minimised. @internal */
export interface FuzzFailure {
  /** One line: which guarantee failed and how. */
  reason: string;
  /** The smallest input found that still fails the same way. */
  input: Uint8Array;
  /** The options it fails with, beyond the caller's (a tiny-limit or mode variant); `{}` for none. */
  options: ParseOptions;
  /** Where the chunked run cut the input (for a replay with {@link checkInput}). */
  cuts: number[];
}

/**
 * Seeds are cut to this many times the largest input tried: a mutation keeps at most that much
 * of its input's start, and a 150 MB seed copied by every mutation exhausted the heap.
 */
export const SEED_BYTES_PER_INPUT = 4;

/** Failures kept per kind of reason (digits ignored): one frequent failure must not hide the next. */
const FAILURES_PER_REASON = 3;

/** Options of {@link fuzz}. @internal */
export interface FuzzOptions {
  /** Seed inputs (fixtures, a user's journal mail). */
  seeds: Uint8Array[];
  /** How long to run. */
  seconds: number;
  /** PRNG seed: the same seed gives the same sequence of inputs. */
  seed: number;
  /** Largest mutated input tried. */
  maxBytes?: number;
  /** Parser options (limits) used for every run. */
  parseOptions?: ParseOptions;
  /** Called for each new failure (at most FAILURES_PER_REASON per kind of reason, minimised inputs distinct). */
  onFailure?: (failure: FuzzFailure) => void;
  /** Called about once a second. */
  onProgress?: (runs: number, failures: number) => void;
}

/** Option sets mixed into the runs (the first, no change, most often). */
const VARIANTS: ParseOptions[] = [
  {},
  {},
  {},
  { maxBufferedBytes: 300, maxHeaderBytes: 200, maxEnvelopeBytes: 100 },
  { maxNesting: 1, maxDepth: 2, maxParts: 3, maxRecipients: 2 },
  { preferClearText: true, maxBufferedBytes: 2000 },
  { mode: 'mailbox' },
];

/** mulberry32: small, fast, deterministic. @internal */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();
// Bytes that make MIME structure: mapping random bytes onto them reaches the parsers' branches.
const ALPHABET = enc.encode('0123456789abcdefghijklm:=- \r\n<>@,;"\t');
const TOKENS = [
  '\r\n--',
  '\n--',
  '--\r\n',
  'Content-Type: message/rfc822\r\n',
  'Content-Type: multipart/mixed; boundary="b"\r\n',
  'Content-Transfer-Encoding: base64\r\n',
  'Content-Transfer-Encoding: quoted-printable\r\n',
  'X-MS-Journal-Report:\r\n',
  'X-MS-Exchange-Message-Is-Ndr:\r\n',
  'Content-Identifer: ExJournalReport\r\n',
  'X-MS-Exchange-Organization-BCC: x@y\r\n',
  'Sender: <>\r\n',
  'Recipient: a@b, Expanded: g@b\r\n',
  '\r\n\r\n',
  '=\r\n',
  '==',
  '\0',
  '\xff\xfe',
  '\r',
  // Names of Object.prototype members: a lookup of a field name in a plain object finds them.
  'Constructor: x@y\r\n',
  '__proto__: x@y\r\n',
  'toString: x\r\n',
  'hasOwnProperty=x; constructor=y',
].map((t) => Uint8Array.from(t, (c) => c.charCodeAt(0) & 0xff));

/** One mutation of an input. */
function mutate(input: Uint8Array, seeds: Uint8Array[], rnd: () => number, maxBytes: number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const at = () => pick(input.length + 1);
  let out: Uint8Array;
  switch (pick(8)) {
    case 0: {
      out = input.slice();
      for (let i = 0, n = 1 + pick(8); i < n && out.length > 0; i++) out[pick(out.length)] = pick(256);
      break;
    }
    case 1: {
      const other = seeds[pick(seeds.length)]!;
      const from = pick(other.length + 1);
      const piece = other.subarray(from, from + pick(4096));
      const p = at();
      out = concatAll([input.subarray(0, p), piece, input.subarray(p + pick(512))]);
      break;
    }
    case 2: {
      out = input.slice();
      const start = pick(out.length + 1);
      for (let i = start, end = Math.min(out.length, start + pick(256)); i < end; i++) out[i] = ALPHABET[out[i]! % ALPHABET.length]!;
      break;
    }
    case 3: {
      // Half the time right after a line break: field-like tokens only mean something at a line start.
      let p = at();
      if (rnd() < 0.5) {
        const lf = input.indexOf(0x0a, p);
        p = lf === -1 ? input.length : lf + 1;
      }
      out = concatAll([input.subarray(0, p), TOKENS[pick(TOKENS.length)]!, input.subarray(p)]);
      break;
    }
    case 4:
      out = input.subarray(0, at());
      break;
    case 5: {
      const p = at();
      const len = pick(2048);
      const seg = input.subarray(p, p + len);
      out = concatAll([input.subarray(0, p), seg, seg, input.subarray(p + len)]);
      break;
    }
    case 6: {
      // Line endings: LF → CRLF, CRLF → LF, or LF → CR.
      const text = latin1(input);
      const mode = pick(3);
      const changed = mode === 0 ? text.replace(/\r?\n/g, '\r\n') : mode === 1 ? text.replace(/\r\n/g, '\n') : text.replace(/\r?\n/g, '\r');
      out = Uint8Array.from(changed, (c) => c.charCodeAt(0));
      break;
    }
    default: {
      const p = at();
      out = concatAll([input.subarray(0, p), input.subarray(p + pick(4096))]);
    }
  }
  return out.length > maxBytes ? out.subarray(0, maxBytes) : out;
}

interface Run {
  report?: JournalReport;
  output: Uint8Array;
  error?: unknown;
}

function run(input: Uint8Array, cuts: number[], options: ParseOptions): Run {
  const out: Uint8Array[] = [];
  try {
    const parser = new JournalParser(options, undefined, (b) => out.push(new Uint8Array(b)));
    for (const piece of pieces(input, cuts)) parser.write(piece);
    return { report: parser.end(), output: concatAll(out) };
  } catch (error) {
    return { output: concatAll(out), error };
  }
}

/** The input cut at `cuts` (ascending, possibly repeated), as non-empty pieces. */
function* pieces(input: Uint8Array, cuts: number[]): Generator<Uint8Array> {
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    if (c > prev) yield input.subarray(prev, c);
    prev = Math.max(prev, c);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** JSON with sorted keys, so that two reports compare by content. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

function decodeAll(d: TransferDecoder, input: Uint8Array, cuts: number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  // Copies: a transient decoder's pieces are valid only until its next decode, and Buffer#slice
  // (its native pieces are Buffers) would only view them.
  const keep = (b: Uint8Array): number => parts.push(new Uint8Array(b));
  for (const piece of pieces(input, cuts)) d.write(piece, keep);
  d.end(keep);
  return concatAll(parts);
}

/** Slow-input threshold: far above linear cost, so only a hang or a blow-up trips it. */
function slowLimitMs(bytes: number): number {
  return 2000 + bytes / 100;
}

/**
 * Check one input against every guarantee; the reason of the first that fails, or undefined.
 * @internal
 */
export function checkInput(input: Uint8Array, cuts: number[], options: ParseOptions = {}): string | undefined {
  const text = latin1(input.subarray(0, 1 << 20));
  // Every sub-parser: no exception at all on any input.
  try {
    detectJournalReport(input);
    parseEnvelope(text);
    parseEnvelope2003(text);
    parseDeliveryStatus(text);
    htmlToText(text);
    stripHeaders(input, options.removeHeaders ?? DEFAULT_REMOVE_HEADERS);
  } catch (e) {
    return `sub-parser threw: ${(e as Error)?.message ?? String(e)}`;
  }
  for (const make of [() => new Base64Decoder(), () => new QuotedPrintableDecoder(), () => new QuotedPrintableDecoder(true)]) {
    if (!equalBytes(decodeAll(make(), input, []), decodeAll(make(), input, cuts))) return `${make().constructor.name} depends on chunking`;
  }
  // The content key's decoder (transient: the SIMD module takes its regular lines) reads the
  // same bytes, the chunked pieces being regions that start at line ends.
  if (!equalBytes(decodeAll(new Base64Decoder(true), input, cuts), decodeAll(new Base64Decoder(), input, []))) return 'the transient Base64Decoder reads differently';
  const started = Date.now();
  const whole = run(input, [], options);
  const ms = Date.now() - started;
  if (ms > slowLimitMs(input.length)) return `slow: ${ms} ms for ${input.length} bytes`;
  if (whole.error !== undefined) {
    if (!isJournalError(whole.error)) return `untyped exception: ${(whole.error as Error)?.message ?? String(whole.error)}`;
    const chunkedError = run(input, cuts, options).error;
    // The code, and for a limit which one it was: a limit taken for another once depended on
    // the chunking with the same code (found by review).
    const what = (e: unknown): string => `${(e as { code?: string }).code}/${(e as { limit?: string }).limit ?? ''}`;
    if (chunkedError === undefined || what(chunkedError) !== what(whole.error)) return 'typed error depends on chunking';
    return undefined;
  }
  const report = whole.report!;
  // Never lose a message: the output is the input, or what the report says it is, never nothing.
  if (input.length > 0 && whole.output.length === 0) return `empty output (${report.kind}, ${report.output.content})`;
  if (report.output.content === 'unchanged' && !equalBytes(whole.output, input)) return 'output.content is "unchanged" but the output differs from the input';
  if (report.output.content === 'original') {
    // The fields the run was asked to remove (--remove-header), not the default list.
    const again = stripHeaders(whole.output, options.removeHeaders ?? DEFAULT_REMOVE_HEADERS);
    if (again.removed.length > 0) return `archived original still has ${again.removed.join(', ')}`;
  }
  const chunked = run(input, cuts, options);
  if (chunked.error !== undefined) return `chunked run threw where the whole run did not: ${(chunked.error as Error)?.message}`;
  if (stable(chunked.report) !== stable(report)) return 'report depends on chunking';
  if (!equalBytes(chunked.output, whole.output)) return 'output bytes depend on chunking';
  return undefined;
}

/** Smallest input (by greedy removal of slices) that still fails with the same reason. */
function minimise(input: Uint8Array, cuts: (len: number) => number[], reason: string, options: ParseOptions, deadline: number): Uint8Array {
  let best = input;
  const same = (candidate: Uint8Array) => checkInput(candidate, cuts(candidate.length), options) === reason;
  for (let size = Math.floor(best.length / 2); size >= 1 && Date.now() < deadline; size = Math.floor(size / 2)) {
    for (let start = 0; start < best.length && Date.now() < deadline; ) {
      const candidate = concatAll([best.subarray(0, start), best.subarray(start + size)]);
      if (same(candidate)) best = candidate;
      else start += size;
    }
  }
  return best;
}

/**
 * Coverage-free mutation fuzzing of every sub-parser and the whole pipeline. Runs for
 * `seconds`, checking: no untyped exception, no hang, bounded memory, chunking invariance,
 * byte-exact unchanged output, no BCC header left in an archived original, and that no input
 * yields an empty archive without saying so. Deterministic for a seed (how far it gets depends on the machine).
 * @internal
 */
export async function fuzz(options: FuzzOptions): Promise<{ runs: number; failures: FuzzFailure[] }> {
  const rnd = prng(options.seed);
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const seedCap = SEED_BYTES_PER_INPUT * maxBytes;
  const given = options.seeds.map((s) => (s.length > seedCap ? s.subarray(0, seedCap) : s));
  const seeds = given.length > 0 ? given : [enc.encode('X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nSender: a@b\r\n--b--\r\n')];
  const parseOptions = options.parseOptions ?? {};
  const failures: FuzzFailure[] = [];
  const seen = new Map<string, number>();
  const deadline = Date.now() + options.seconds * 1000;
  // Memory: inputs are at most maxBytes, so the parser's working set must stay far below this.
  const proc = (globalThis as { process?: { memoryUsage?: () => { rss: number } } }).process;
  const rss = () => proc?.memoryUsage?.().rss ?? 0;
  const baseline = rss();
  const memoryBudget = 512 * 1024 * 1024 + 64 * maxBytes;
  let runs = 0;
  let lastProgress = Date.now();
  const cutsFor = (len: number, r: () => number) => {
    const n = Math.floor(r() * 12);
    return Array.from({ length: n }, () => Math.floor(r() * (len + 1))).sort((a, b) => a - b);
  };
  while (Date.now() < deadline) {
    let input = seeds[Math.floor(rnd() * seeds.length)]!;
    for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) input = mutate(input, seeds, rnd, maxBytes);
    const cuts = cutsFor(input.length, rnd);
    // Most runs use the caller's options; some use tiny limits and the other modes, so that the
    // fallback paths (buffer limits, nesting, held protected originals) are fuzzed too.
    const variant = VARIANTS[Math.floor(rnd() * VARIANTS.length)]!;
    let reason = checkInput(input, cuts, { ...parseOptions, ...variant });
    if (reason === undefined && rss() - baseline > memoryBudget) reason = `memory: resident set grew by ${Math.round((rss() - baseline) / 1048576)} MiB`;
    runs++;
    if (reason !== undefined) {
      const kind = reason.replace(/\d+/g, 'N');
      const count = seen.get(kind) ?? 0;
      if (count < FAILURES_PER_REASON) {
        seen.set(kind, count + 1);
        const cutSeed = Math.floor(rnd() * 1e9);
        // Minimised under the options it failed with (a variant's tiny limits, say).
        const small = minimise(input, (len) => cutsFor(len, prng(cutSeed)), reason, { ...parseOptions, ...variant }, Date.now() + 10_000);
        if (!failures.some((f) => f.reason === reason && equalBytes(f.input, small))) {
          // The cuts it failed with: minimise checked a shorter input with cuts from cutSeed; an
          // input it could not shorten failed with the run's own cuts.
          const failure = { reason, input: small, options: variant, cuts: small === input ? cuts : cutsFor(small.length, prng(cutSeed)) };
          failures.push(failure);
          options.onFailure?.(failure);
        }
      }
    }
    if (Date.now() - lastProgress > 1000) {
      lastProgress = Date.now();
      options.onProgress?.(runs, failures.length);
      // Let I/O (progress output) happen.
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return { runs, failures };
}
