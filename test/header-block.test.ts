import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeUndeclared } from '../src/internal/bytes.js';
import { findHeaderEnd, HeaderCollector, parseHeaderBlock } from '../src/mime/header-block.js';
import { bytes, chunk, runAs, text } from './helpers/run.js';
import { SAMPLE_REPORT } from './helpers/sample.js';
import { parseJournal } from '../src/parse.js';

describe('findHeaderEnd', () => {
  const table: [string, number | undefined][] = [
    ['A: 1\n\nbody', 6],
    ['A: 1\r\n\r\nbody', 8],
    ['A: 1\n\r\nbody', 7],
    ['A: 1\r\n\nbody', 7],
    ['\nbody', 1],
    ['\r\nbody', 2],
    ['A: 1\nB: 2\n', undefined],
    ['A: 1\r\n\r', undefined],
  ];
  for (const [input, end] of table) {
    test(JSON.stringify(input), () => {
      expect(findHeaderEnd(bytes(input), 0)?.end).toBe(end);
    });
  }
});

describe('parseHeaderBlock', () => {
  test('keeps the byte range of folded fields and unfolds values', () => {
    const raw = bytes('To: a@x,\r\n\tb@x\r\nSubject:  hi \r\n\r\n');
    const block = parseHeaderBlock(raw, findHeaderEnd(raw, 0)!.bodyOffset);
    expect(block.fields.map((f) => [f.name, f.value, text(raw.subarray(f.start, f.end))])).toEqual([
      ['To', 'a@x,\tb@x', 'To: a@x,\r\n\tb@x\r\n'],
      ['Subject', 'hi', 'Subject:  hi \r\n'],
    ]);
    expect(block.get('TO')).toBe('a@x,\tb@x');
  });

  test('a line without a colon is kept as a nameless field', () => {
    const raw = bytes('garbage line\nA: 1\n\n');
    const block = parseHeaderBlock(raw, findHeaderEnd(raw, 0)!.bodyOffset);
    expect(block.fields.map((f) => f.key)).toEqual(['', 'a']);
  });

  test('decodes RFC 2047 words on request', () => {
    const raw = bytes('Subject: =?iso-8859-1?q?caf=E9?=\n\n');
    expect(parseHeaderBlock(raw, raw.length - 1).getDecoded('subject')).toBe('café');
  });
});

describe('HeaderCollector', () => {
  test('gives the same block and rest for any chunking', () => {
    const input = bytes('A: 1\r\nB: 2\r\n  folded\r\n\r\nbody\r\n');
    for (const how of ['whole', 'bytes', 3, 4] as const) {
      const c = new HeaderCollector(1000);
      let result: ReturnType<HeaderCollector['push']> | undefined;
      const rest: string[] = [];
      for (const piece of chunk(input, how)) {
        if (result?.done === true) {
          rest.push(text(piece));
          continue;
        }
        result = c.push(piece);
        if (result.done === true) rest.push(text(result.rest));
      }
      expect(result?.done).toBe(true);
      if (result?.done === true) expect(text(result.block.raw)).toBe('A: 1\r\nB: 2\r\n  folded\r\n\r\n');
      expect(rest.join('')).toBe('body\r\n');
    }
  });

  test('reports overflow past the limit', () => {
    const c = new HeaderCollector(10);
    expect(c.push(bytes('A: 0123456789'))).toEqual({ done: 'overflow' });
  });

  test('property: the block (within the limit) or, past it, every byte pushed comes back, for any chunking and limit', () => {
    const piece = fc.constantFrom('A: 1\r\n', 'Bb: two\n', ' folded\r\n', '\r\n', '\n', 'x', '\r');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 1, max: 120 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }), (parts, max, cuts) => {
        const input = bytes(parts.join('') + 'body');
        const c = new HeaderCollector(max);
        let at = 0;
        let result: ReturnType<HeaderCollector['push']> = { done: false };
        for (let i = 0; at < input.length && result.done === false; i++) {
          const n = cuts[i % cuts.length]!;
          result = c.push(input.subarray(at, at + n));
          at += n;
        }
        const whole = findHeaderEnd(input, 0);
        if (result.done === 'overflow') {
          expect(whole === undefined || whole.end > max).toBe(true);
          expect(c.size).toBe(Math.min(at, input.length));
          expect(text(Buffer.concat(c.drain()))).toBe(text(input.subarray(0, Math.min(at, input.length))));
        } else if (result.done === true) {
          expect(whole?.end).toBe(result.block.raw.length);
          expect(result.block.raw.length).toBeLessThanOrEqual(max);
        } else {
          expect(whole).toBeUndefined();
          expect(input.length).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('past the limit, a large chunk is handed back as a view, not copied (audit, session 23)', () => {
    // A 300 MiB message in memory behind an oversized header block cost 300 MiB more per copy.
    const big = new Uint8Array(8 << 20).fill(0x61);
    big.set(bytes('A: 1\r\n\r\n'), 4 << 20);
    for (const first of [undefined, bytes('X: 1\r\n')]) {
      const c = new HeaderCollector(1024);
      if (first !== undefined) expect(c.push(first).done).toBe(false);
      expect(c.push(big).done).toBe('overflow');
      const pieces = c.drain();
      expect(pieces.reduce((n, p) => n + p.length, 0)).toBe(big.length + (first?.length ?? 0));
      // The bytes past what the limit needed share the input's memory.
      expect(pieces.at(-1)!.buffer).toBe(big.buffer);
      expect(pieces.filter((p) => p.buffer !== big.buffer).reduce((n, p) => n + p.length, 0)).toBeLessThan(2048);
    }
  });
});

describe('field names', () => {
  test('a name followed by ASCII and non-ASCII blanks before the colon is still that name', () => {
    // Found by review: the ASCII shortcut gave up at the first blank, so "Bcc \u00a0:" was no field
    // and a BCC header with such a name stayed in the archived original.
    for (const name of [[0x42, 0x63, 0x63, 0x20, 0xa0], [0x42, 0x63, 0x63, 0x20, 0xc2, 0xa0], [0x42, 0x63, 0x63, 0xa0]]) {
      const block = new Uint8Array([...name, 0x3a, 0x20, 0x73, 0x40, 0x78, 0x0a, 0x0a]);
      const f = parseHeaderBlock(block, block.length - 1).fields[0]!;
      expect([f.name, f.key, f.value]).toEqual(['Bcc', 'bcc', 's@x']);
    }
  });
});

describe('field values', () => {
  // The value as first written: decode the raw bytes, then unfold and trim the text. The parser
  // now unfolds the bytes before decoding; the result must be the same for any bytes.
  const reference = (raw: Uint8Array): string =>
    decodeUndeclared(raw)
      .replace(/\r?\n(?=[ \t])/g, '')
      .replace(/\r?\n$/, '')
      .replace(/\r$/, '')
      .trim();

  test('unfolding the bytes before decoding gives what unfolding the text gave', () => {
    const piece = fc.oneof(
      fc.constantFrom('\r\n ', '\n\t', '\r\n', '\n', '\r', ' ', '\t', 'a@b.c, ', 'x', '\u00e9', '\u00a0', '\u20ac').map((t) => bytes(t)),
      fc.uint8Array({ minLength: 1, maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.boolean(), (pieces, crlf) => {
        const value = Uint8Array.from(pieces.flatMap((p) => [...p]));
        // A field ends with its line break, and a line inside it starts with a blank or it would be a new field.
        const block = new Uint8Array([...bytes('X-Test:'), ...value, ...(crlf ? [13, 10] : [10]), 10]);
        const parsed = parseHeaderBlock(block, block.length - 1);
        const fields = parsed.fields;
        const first = fields[0]!;
        const raw = block.subarray(7, first.end);
        expect(first.value).toBe(reference(raw));
      }),
      { numRuns: 3000 },
    );
  });

  test('a block whose bytes are all ASCII decodes its values as one whose other fields are not', () => {
    // An ASCII block skips the per-value check; a non-ASCII byte anywhere in the block (here in
    // a field before or after) sends every value through it. Both must read each value alike.
    const piece = fc.oneof(
      fc.constantFrom('\r\n ', '\n\t', ' ', 'a@b.c, ', 'x', '=?utf-8?q?x?=', '\u00e9', '\u20ac').map((t) => bytes(t)),
      fc.uint8Array({ minLength: 1, maxLength: 3 }),
    );
    const value = fc.array(piece, { maxLength: 8 }).map((ps) => Uint8Array.from(ps.flatMap((p) => [...p]).filter((b) => b !== 10 && b !== 13)));
    fc.assert(
      fc.property(value, value, fc.boolean(), (a, b, crlf) => {
        const eol = crlf ? [13, 10] : [10];
        const block = new Uint8Array([...bytes('A:'), ...a, ...eol, ...bytes('B:'), ...b, ...eol, ...eol]);
        const parsed = parseHeaderBlock(block, block.length - eol.length);
        const [fa, fb] = parsed.fields;
        expect(parsed.get('a') ?? '').toBe(reference(block.subarray(2, fa!.end)));
        expect(parsed.get('b') ?? '').toBe(reference(block.subarray(fb!.start + 2, fb!.end)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('a bare CR inside an address field (audit, session 22)', () => {
  test('what follows it is no part of the list: the sender is not the BCC address behind it', () => {
    const { report } = runAs(bytes('From: a@x.com\rX-MS-Exchange-Organization-BCC: dave@contoso.com\nTo: bob@contoso.com\nSubject: s\n\nhi\n'), 'whole');
    expect(report.message.from?.address).toBe('a@x.com');
  });

  test('a bare CR before a blank (line endings converted twice, then unfolded) keeps the list whole (review)', () => {
    const { report } = runAs(bytes('From: a@x.example\r\r\nTo: b@y.example,\r\r\n c@y.example\r\r\nCc: "Doe,\r\r\n John" <john@y.example>\r\r\nSubject: s\r\r\n\r\r\nbody\r\r\n'), 'whole');
    expect(report.message.to.map((m) => m.address)).toEqual(['b@y.example', 'c@y.example']);
    expect(report.message.cc.map((m) => m.address)).toEqual(['john@y.example']);
  });

  test('nor does a forged From name a journal sender behind one', async () => {
    const forged = SAMPLE_REPORT.replace(/^From:.*$/m, 'From: x@evil.example\rX: <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>');
    expect((await parseJournal(bytes(forged), { journalSenders: ['MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com'] })).trust).toBe('untrusted');
  });
});
