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
        expect(decodeCharset(bytes, name)).toEqual({ text: iconv.decode(Buffer.from(bytes), 'utf-8'), known: true });
      }),
      { numRuns: 3000 },
    );
  });

  test('an unknown charset is decoded as UTF-8/Latin-1 and says so', () => {
    expect(decodeCharset(new Uint8Array(Buffer.from('café')), 'x-unknown')).toEqual({ text: 'café', known: false });
    expect(decodeCharset(new Uint8Array([0x63, 0xe9]), 'x-unknown')).toEqual({ text: 'cé', known: false });
  });
});
