import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Base64Decoder, QuotedPrintableDecoder, type TransferDecoder } from '../src/mime/transfer-decoding.js';
import { bytes, chunk, concat, text } from './helpers/run.js';

function decodeAll(d: TransferDecoder, input: Uint8Array, how: 'whole' | 'bytes' | number): Uint8Array {
  const out: Uint8Array[] = [];
  for (const c of chunk(input, how)) d.write(c, (b) => out.push(b.slice()));
  d.end((b) => out.push(b.slice()));
  return concat(out);
}

function decodeAllIrregular(input: Uint8Array, how: number): boolean {
  const d = new Base64Decoder();
  decodeAll(d, input, how);
  return d.irregular;
}

describe('Base64Decoder', () => {
  test('matches Buffer for any bytes, line length and chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 4, max: 100 }), fc.integer({ min: 1, max: 1000 }), (data, lineLen, seed) => {
        const b64 = Buffer.from(data).toString('base64');
        const lines = b64.match(new RegExp(`.{1,${lineLen}}`, 'g'))?.join('\r\n') ?? '';
        expect(Buffer.from(decodeAll(new Base64Decoder(), bytes(lines), seed))).toEqual(Buffer.from(data));
      }),
    );
  });

  test('a transient decoder gives the same bytes, its pieces valid until the next decode', () => {
    // Lines of base64 and sometimes garbage, "=" in the middle or URL-safe characters, so that
    // both the native path (into the shared buffer) and the loop are taken.
    const line = fc.oneof(
      fc.uint8Array({ minLength: 3, maxLength: 57 }).map((d) => Buffer.from(d).toString('base64')),
      fc.constantFrom('a*b=', 'QQ==', 'ab-_', ' QUJD', ''),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.integer({ min: 1, max: 1000 }), (lines, eol, seed) => {
        const input = bytes(lines.join(eol));
        const plain = decodeAll(new Base64Decoder(), input, seed);
        // A second transient decoder between the pieces overwrites the shared buffer: whatever
        // the first one's sink kept without copying would change.
        const other = new Base64Decoder(true);
        const out: Uint8Array[] = [];
        const t = new Base64Decoder(true);
        const take = (b: Uint8Array): void => {
          // A copy (Buffer#slice would only view the shared buffer).
          out.push(new Uint8Array(b));
          other.write(bytes('////\n'), () => {});
        };
        for (const c of chunk(input, seed)) t.write(c, take);
        t.end(take);
        expect(Buffer.from(concat(out))).toEqual(Buffer.from(plain));
        expect(t.irregular).toBe(decodeAllIrregular(input, seed));
      }),
      { numRuns: 500 },
    );
  });

  test('a chunk of many lines is decoded in slices with the same result, aligned or not', () => {
    // Past 64 KiB of whole lines the native path decodes slice by slice. Lines of 76 characters
    // are whole quanta; lines of 75 are not, so a slice can end inside a quantum and the next one
    // must continue its bits (the loop takes over there).
    for (const [length, lineLen] of [[300_000, 76], [300_000, 64], [300_000, 75], [299_700, 75], [299_775, 75], [299_850, 75]] as const) {
      // With 75-character lines the last slice of a region is whole quanta or not depending on
      // the length: the lengths above give both.
      const data = new Uint8Array(length).map((_, i) => (i * 2654435761) >>> 24);
      for (const eol of ['\r\n', '\n']) {
        const b64 = Buffer.from(data).toString('base64');
        const input = bytes(b64.match(new RegExp(`.{1,${lineLen}}`, 'g'))!.join(eol));
        for (const transient of [false, true]) {
          // Whole, then in fixed-size pieces (each past the slice size), then one piece in two.
          for (const size of [input.length, 1 << 20, 100_000, 65_537, 250_001]) {
            const pieces: Uint8Array[] = [];
            for (let at = 0; at < input.length; at += size) pieces.push(input.subarray(at, at + size));
            const out: Uint8Array[] = [];
            const d = new Base64Decoder(transient);
            for (const c of pieces) d.write(c, (b) => out.push(new Uint8Array(b)));
            d.end((b) => out.push(new Uint8Array(b)));
            expect(Buffer.from(concat(out)).equals(Buffer.from(data)), `${lineLen} ${JSON.stringify(eol)} ${transient} ${size}`).toBe(true);
            expect(d.irregular).toBe(false);
          }
        }
      }
    }
  });

  test('decodeWhole gives what write then end give, as one piece', () => {
    // Whole lines, a last line without its break, missing padding, garbage and URL-safe bytes:
    // the native path takes some inputs whole, the loop the others.
    const line = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 57 }).map((d) => Buffer.from(d).toString('base64')),
      fc.uint8Array({ minLength: 1, maxLength: 57 }).map((d) => Buffer.from(d).toString('base64').replace(/=+$/, '')),
      fc.constantFrom('a*b=', 'QQ==', 'ab-_', ' QUJD', '', '='),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30, size: 'max' }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean(), (lines, eol, lastBreak, transient) => {
        const input = bytes(lines.join(eol) + (lastBreak ? eol : ''));
        const streamed = new Base64Decoder();
        const expected = decodeAll(streamed, input, 'whole');
        const whole = new Base64Decoder(transient);
        expect(Buffer.from(whole.decodeWhole(input))).toEqual(Buffer.from(expected));
        expect(whole.irregular).toBe(streamed.irregular);
      }),
      { numRuns: 1000 },
    );
  });

  test('tolerates missing padding and flags garbage', () => {
    const d = new Base64Decoder();
    expect(text(decodeAll(d, bytes('aGVsbG8'), 'whole'))).toBe('hello');
    const g = new Base64Decoder();
    expect(text(decodeAll(g, bytes('aGV*sbG8='), 'bytes'))).toBe('hello');
    expect(g.irregular).toBe(true);
  });
});

describe('QuotedPrintableDecoder', () => {
  const table: [string, string][] = [
    ['caf=E9', 'caf\xe9'],
    ['soft=\nbreak', 'softbreak'],
    ['soft=\r\nbreak', 'softbreak'],
    ['soft=  \r\nbreak', 'softbreak'],
    ['a=3D=3d', 'a=='],
    ['bad=ZZ', 'bad=ZZ'],
    ['end=', 'end'],
    ['line\r\nnext', 'line\r\nnext'],
  ];
  for (const [input, expected] of table) {
    test(JSON.stringify(input), () => {
      for (const how of ['whole', 'bytes', 2] as const) expect(text(decodeAll(new QuotedPrintableDecoder(), bytes(input), how))).toBe(expected);
    });
  }
});

describe('QuotedPrintableDecoder edge cases (chunking-independent)', () => {
  const table: [string, string][] = [
    ['abc=4', 'abc=4'],
    ['abc=', 'abc'],
    ['abc=  ', 'abc'],
    [`x=${' '.repeat(80)}\ny`, `x=${' '.repeat(80)}\ny`],
    [`x=${' '.repeat(76)}\ny`, 'xy'],
    ['a=\r', 'a=\r'],
  ];
  for (const [input, expected] of table) {
    test(JSON.stringify(input.length > 20 ? `${input.slice(0, 10)}…` : input), () => {
      for (const how of ['whole', 'bytes', 2, 3, 5] as const) expect(text(decodeAll(new QuotedPrintableDecoder(), bytes(input), how)), `chunking ${how}`).toBe(expected);
    });
  }

  test('property: decodeWhole gives what write then end give', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('=', ' ', '\r', '\n', 'A', '3', 'd', 'x'), maxLength: 60 }), (s) => {
        const streamed = new QuotedPrintableDecoder();
        const expected = text(decodeAll(streamed, bytes(s), 'whole'));
        const whole = new QuotedPrintableDecoder();
        expect(text(whole.decodeWhole(bytes(s)))).toBe(expected);
        expect(whole.irregular).toBe(streamed.irregular);
      }),
      { numRuns: 1000 },
    );
  });

  test('property: any chunking gives the same bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('=', ' ', '\r', '\n', 'A', '3', 'd', 'x'), maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), (s, seed) => {
        expect(text(decodeAll(new QuotedPrintableDecoder(), bytes(s), seed))).toBe(text(decodeAll(new QuotedPrintableDecoder(), bytes(s), 'whole')));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('QuotedPrintableDecoder, canonical (the content key decodes to the content)', () => {
  const canonical = (input: string, how: 'whole' | 'bytes' | number) => text(decodeAll(new QuotedPrintableDecoder(true), bytes(input), how));
  const table: [string, string, string][] = [
    ['a hard break written as LF is a CRLF', 'one\ntwo\n', 'one\r\ntwo\r\n'],
    ['a hard break written as CRLF stays one', 'one\r\ntwo\r\n', 'one\r\ntwo\r\n'],
    ['=0D before an LF break and before a CRLF break give the same', 'a=0D\nb=0D\r\nc', 'a\r\r\nb\r\r\nc'],
    ['blanks that end a line were added on the way', 'a \t \r\nb  \nc', 'a\r\nb\r\nc'],
    ['blanks at the very end of the body go too', 'a\r\nb   ', 'a\r\nb'],
    ['=20 before a break is content', 'a=20\r\nb =20\n', 'a \r\nb  \r\n'],
    ['blanks before a soft break are content', 'a  =\r\nb', 'a  b'],
    ['blanks inside a line are content', 'a  b\r\n', 'a  b\r\n'],
    ['a bare CR is kept', 'a\rb\r\n', 'a\rb\r\n'],
    ['a CR after blanks is not a break, the blanks stay', 'a  \rb', 'a  \rb'],
    [`a run of more than 76 blanks is kept whole`, `a${' '.repeat(77)}\r\nb`, `a${' '.repeat(77)}\r\nb`],
    ['a run of 76 blanks goes', `a${' '.repeat(76)}\r\nb`, 'a\r\nb'],
  ];
  for (const [what, input, expected] of table) {
    test(what, () => {
      for (const how of ['whole', 'bytes', 2, 3, 5, 40] as const) expect(canonical(input, how), `chunking ${how}`).toBe(expected);
    });
  }

  test('the default decoder keeps line breaks and blanks as written (the archived original)', () => {
    expect(text(decodeAll(new QuotedPrintableDecoder(), bytes('one\ntwo  \r\n'), 'whole'))).toBe('one\ntwo  \r\n');
  });

  const qpUnit = fc.constantFrom('=', ' ', '\t', '\r', '\n', 'A', '3', 'd', 'x');

  test('property: the LF and the CRLF copy decode to the same bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: qpUnit, maxLength: 80 }), (s) => {
        const lf = s.replace(/\r\n/g, '\n').replace(/\r/g, '');
        expect(canonical(lf.replace(/\n/g, '\r\n'), 'whole')).toBe(canonical(lf, 'whole'));
      }),
      { numRuns: 1000 },
    );
  });

  test('property: any chunking gives the same bytes, decodeWhole too', () => {
    const long = fc.oneof(fc.string({ unit: qpUnit, maxLength: 60 }), fc.tuple(fc.nat(200), fc.nat(200)).map(([a, b]) => `x${' '.repeat(a)}\r\ny${'\t'.repeat(b)}\nz`));
    fc.assert(
      fc.property(long, fc.integer({ min: 1, max: 1000 }), (s, seed) => {
        const whole = canonical(s, 'whole');
        expect(canonical(s, seed)).toBe(whole);
        expect(canonical(s, 'bytes')).toBe(whole);
        expect(text(new QuotedPrintableDecoder(true).decodeWhole(bytes(s)))).toBe(whole);
      }),
      { numRuns: 1000 },
    );
  });
});
