import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { decodeCharset } from '../src/mime/charset.js';

describe('decodeCharset', () => {
  test('property: UTF-8 gives what iconv-lite gives, BOM, invalid and truncated sequences included', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '✓', '😀', '\ufeff', '\r\n'), maxLength: 8 }).map((s) => new Uint8Array(Buffer.from(s)));
    const input = fc.oneof(
      text,
      text.map((b) => new Uint8Array([0xef, 0xbb, 0xbf, ...b])),
      text.map((b) => b.subarray(0, Math.max(0, b.length - 1))),
      fc.uint8Array({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(input, fc.constantFrom('utf-8', 'UTF-8', ' "utf8" '), (bytes, name) => {
        const text = iconv.decode(Buffer.from(bytes), 'utf-8');
        // ascii: true only when it is so (the envelope's addresses then skip the non-ASCII scan).
        expect(decodeCharset(bytes, name)).toEqual({ text, known: true, ascii: bytes.every((b) => b < 0x80) });
        if (decodeCharset(bytes, name).ascii) expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  test('an unknown charset is decoded as UTF-8/Latin-1 and says so', () => {
    expect(decodeCharset(new Uint8Array(Buffer.from('café')), 'x-unknown')).toEqual({ text: 'café', known: false, ascii: false });
    expect(decodeCharset(new Uint8Array([0x63, 0xe9]), 'x-unknown')).toEqual({ text: 'cé', known: false, ascii: false });
  });

  test('ascii is claimed only for undeclared, ASCII and UTF-8 parts: UTF-16 and UTF-7 read ASCII bytes as other characters', () => {
    const ab = new Uint8Array([0x41, 0x42]);
    expect(decodeCharset(ab, undefined)).toEqual({ text: 'AB', known: true, ascii: true });
    expect(decodeCharset(ab, 'US-ASCII')).toEqual({ text: 'AB', known: true, ascii: true });
    expect(decodeCharset(ab, 'utf-16be')).toEqual({ text: '\u4142', known: true, ascii: false });
    expect(decodeCharset(new Uint8Array(Buffer.from('+AOQ-')), 'utf-7')).toEqual({ text: 'ä', known: true, ascii: false });
    expect(decodeCharset(ab, 'iso-8859-1')).toEqual({ text: 'AB', known: true, ascii: false });
  });
});
