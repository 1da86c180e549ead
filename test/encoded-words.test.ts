import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import libmime from 'libmime';
import { decodeHeaderWords } from '../src/mime/encoded-words.js';

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

describe('decodeHeaderWords', () => {
  test.each([
    ['one UTF-8 B word', `=?utf-8?B?${b64('Résumé — ✓')}?=`, 'Résumé — ✓'],
    ['text around a word is kept', `Re: =?UTF-8?B?${b64('naïve')}?= (2)`, 'Re: naïve (2)'],
    ['adjacent words are joined, a character split between them comes out whole', `=?utf-8?B?${b64(Buffer.from('é').subarray(0, 1))}?=\r\n =?utf-8?B?${b64(Buffer.from('é').subarray(1))}?=`, 'é'],
    ['Q with underscores and escapes', '=?utf8?q?caf=C3=A9_au_lait?=', 'café au lait'],
    ['words apart keep the text between them', `=?utf-8?B?${b64('a')}?= x =?utf-8?B?${b64('b')}?=`, 'a x b'],
    ['a BOM in the payload is kept', `=?utf-8?B?${b64('\ufeffx')}?=`, '\ufeffx'],
    ['another charset goes to libmime', '=?iso-8859-1?Q?caf=E9?=', 'café'],
    ['B and Q mixed go to libmime', `=?utf-8?B?${b64('a')}?= =?utf-8?Q?b?=`, 'ab'],
    ['invalid UTF-8 goes to libmime', `=?utf-8?B?${b64(Buffer.from([0xc3]))}?=`, libmime.decodeWords(`=?utf-8?B?${b64(Buffer.from([0xc3]))}?=`)],
    ['no word at all', 'plain subject', 'plain subject'],
  ])('%s', (_what, input, expected) => {
    expect(decodeHeaderWords(input)).toBe(expected);
    expect(decodeHeaderWords(input)).toBe(libmime.decodeWords(input));
  });

  test('property: always what libmime gives', () => {
    // Words in UTF-8 and other charsets, B and Q, well-formed and not, with split characters,
    // white space of every kind between them, and plain text (with stray "=?") around them.
    const text = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '_', '=', '?', '=?', '\t', '\r\n ', '✓'), maxLength: 6 });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 6 }),
      fc.string({ unit: fc.constantFrom('a', 'é', '✓', '😀', '\ufeff', ' '), maxLength: 4 }).map((s) => new Uint8Array(Buffer.from(s))),
    );
    const word = fc
      .tuple(fc.constantFrom('utf-8', 'UTF-8', 'utf8', 'Utf-8', 'iso-8859-1', 'utf-8*en', 'x y'), fc.constantFrom('B', 'b', 'Q', 'q'), bytes, fc.constantFrom('ok', 'unpadded', 'spaced', 'lone='))
      .map(([charset, enc, data, shape]) => {
        let payload =
          enc.toUpperCase() === 'B'
            ? b64(data)
            : Array.from(data, (b) => (b >= 0x21 && b <= 0x7e && b !== 0x3d && b !== 0x3f && b !== 0x5f ? String.fromCharCode(b) : b === 0x20 ? '_' : `=${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
        if (shape === 'unpadded') payload = payload.replace(/=+$/, '');
        if (shape === 'spaced') payload = `${payload.slice(0, 2)} ${payload.slice(2)}`;
        if (shape === 'lone=') payload += '=';
        return `=?${charset}?${enc}?${payload}?=`;
      });
    const value = fc.array(fc.oneof(word, word, text), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeHeaderWords(v)).toBe(libmime.decodeWords(v));
      }),
      { numRuns: 5000 },
    );
  });
});
