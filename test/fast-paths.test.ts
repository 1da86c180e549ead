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
    // Characters whose lower case is longer, or outside ASCII although the capital is in it.
    for (const s of ['İstanbul', 'KELVIN', 'ΣΑΣ', 'plain@example.org', '']) expect(lowerCase(s)).toBe(s.toLowerCase());
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

  test('property: decodeCharset reads a label written as a token as it reads the same label quoted, padded or in capitals', () => {
    const label = fc.constantFrom('utf-8', 'us-ascii', 'iso-8859-1', 'windows-1252', 'utf8', 'ascii', 'x-unknown', 'koi8-r');
    const bytes = fc.uint8Array({ maxLength: 12 });
    fc.assert(
      fc.property(bytes, label, fc.constantFrom('', ' ', '\t'), fc.boolean(), fc.boolean(), (b, name, pad, quoted, upper) => {
        const written = `${pad}${quoted ? '"' : ''}${upper ? name.toUpperCase() : name}${quoted ? '"' : ''}${pad}`;
        expect(decodeCharset(b, written)).toEqual(decodeCharset(b, name));
      }),
      { numRuns: 2000 },
    );
  });
});
