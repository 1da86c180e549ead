import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { lowerCase } from '../src/internal/text.js';
import { normaliseTransferEncoding } from '../src/mime/transfer-decoding.js';
import { withoutComments } from '../src/mime/content-type.js';
import { decodeCharset } from '../src/mime/charset.js';

// Shortcuts taken for speed must give what the general code gives, for every input.

/** Strings of the characters that matter here: letters of both cases, digits, specials, blanks, non-ASCII. */
const tricky = fc.string({ unit: fc.constantFrom('a', 'Z', 'q', '7', '-', '_', '.', ':', '"', '(', ')', ' ', '\t', 'É', 'ß', 'İ', 'ſ', 'K', '\u00a0', '😀'), maxLength: 12 });

describe('fast paths agree with the general code', () => {
  test('property: lowerCase is String#toLowerCase', () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 16 })), (s) => {
        expect(lowerCase(s)).toBe(s.toLowerCase());
      }),
      { numRuns: 5000 },
    );
    // Every UTF-16 code unit, alone and inside an address (the KELVIN SIGN U+212A, fullwidth
    // capitals, lone surrogates …), and astral capitals (Deseret 𐐀 lower-cases to 𐐨).
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      expect(lowerCase(ch)).toBe(ch.toLowerCase());
      expect(lowerCase(`a${ch}b@x.org`)).toBe(`a${ch}b@x.org`.toLowerCase());
    }
    for (const s of ['İstanbul', '\u212aelvin', '\uff21\uff22', '\u{10400}@x.org', 'ΣΑΣ', 'plain@example.org', '']) expect(lowerCase(s)).toBe(s.toLowerCase());
  });

  test('property: normaliseTransferEncoding returns a plain token as the full normalisation would', () => {
    const general = (v: string | undefined): string => {
      const n = withoutComments(v ?? '').trim().toLowerCase().replace(/^"|"$/g, '');
      return n === '' ? '7bit' : n;
    };
    fc.assert(
      fc.property(fc.option(fc.oneof(tricky, fc.constantFrom('base64', 'Base64', ' base64', '"base64"', 'base64 (gateway)', 'quoted-printable', '7bit', '8BIT', '')), { nil: undefined }), (v) => {
        expect(normaliseTransferEncoding(v)).toBe(general(v));
      }),
      { numRuns: 5000 },
    );
  });

  test('property: decodeCharset reads a label as its normal form (trimmed, unquoted, lower-cased), however it is written', () => {
    // Labels already trimmed and without quotes of their own, whose normal form is then a fixed
    // point (that of a lone quote or of a quoted tab is not).
    const label = fc.oneof(fc.constantFrom('utf-8', 'us-ascii', 'iso-8859-1', 'windows-1252', 'utf8', 'ascii', 'x-unknown', 'koi8-r', 'utf-8.', 'ucs-2'), tricky.filter((t) => !t.includes('"') && t.trim() === t));
    const bytes = fc.constantFrom(new Uint8Array([0x41, 0x42]), new Uint8Array([0x63, 0xc3, 0xa9]), new Uint8Array([0xe9]), new Uint8Array(0));
    // What the label is read as (the general normalisation), decoded by the same function.
    const normal = (l: string): string => l.trim().replace(/^"|"$/g, '').toLowerCase();
    fc.assert(
      fc.property(bytes, label, fc.constantFrom('', ' ', '\t', '\u00a0', '\ufeff', '\n'), fc.boolean(), fc.constantFrom('same', 'upper', 'dotted-i'), (b, name, pad, quoted, spelling) => {
        const spelt = spelling === 'upper' ? name.toUpperCase() : spelling === 'dotted-i' ? name.replace(/i/g, 'İ') : name;
        const written = `${pad}${quoted ? '"' : ''}${spelt}${quoted ? '"' : ''}${pad}`;
        expect(decodeCharset(b, written)).toEqual(decodeCharset(b, normal(written)));
      }),
      { numRuns: 4000 },
    );
  });
});
