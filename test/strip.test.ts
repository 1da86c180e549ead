import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { HeaderStripper, stripHeaders } from '../src/strip.js';
import { DEFAULT_REMOVE_HEADERS } from '../src/options.js';
import { bytes, chunk, concat, text, toCRLF } from './helpers/run.js';
import { referenceStrip } from './helpers/reference.js';

const ORIGINAL = [
  'Received: from a by b',
  'From: Alice <alice@contoso.com>',
  'X-MS-Exchange-Organization-BCC: dave@contoso.com,',
  '\terin@contoso.com,',
  ' "Frank F" <frank@fabrikam.com>',
  'To: bob@contoso.com',
  'X-MS-Exchange-CrossPremises-BCC:',
  'X-MS-Exchange-Organization-BCCx: stays',
  'x-ms-exchange-organization-bcc: lower@contoso.com',
  'Subject: hello',
  '',
  'X-MS-Exchange-Organization-BCC: body-lookalike@contoso.com',
  'body',
  '',
].join('\n');

const EXPECTED = [
  'Received: from a by b',
  'From: Alice <alice@contoso.com>',
  'To: bob@contoso.com',
  'X-MS-Exchange-Organization-BCCx: stays',
  'Subject: hello',
  '',
  'X-MS-Exchange-Organization-BCC: body-lookalike@contoso.com',
  'body',
  '',
].join('\n');

function streamStrip(input: Uint8Array, how: 'whole' | 'bytes' | number, names = DEFAULT_REMOVE_HEADERS) {
  const out: Uint8Array[] = [];
  const s = new HeaderStripper(new Set(names.map((n) => n.toLowerCase())), 1 << 20, (b) => out.push(b.slice()));
  for (const c of chunk(input, how)) s.write(c);
  s.end();
  return { bytes: concat(out), removed: s.removed };
}

describe('header removal', () => {
  test('removes folded, empty and lower-case BCC fields and nothing else (LF)', () => {
    const r = stripHeaders(bytes(ORIGINAL));
    expect(text(r.bytes)).toBe(EXPECTED);
    expect(r.removed).toEqual(['X-MS-Exchange-Organization-BCC', 'X-MS-Exchange-CrossPremises-BCC', 'x-ms-exchange-organization-bcc']);
  });

  test('is byte-exact with CRLF and with mixed line endings', () => {
    expect(text(stripHeaders(toCRLF(bytes(ORIGINAL))).bytes)).toBe(text(toCRLF(bytes(EXPECTED))));
    const mixed = ORIGINAL.split('\n')
      .map((l, i) => l + (i % 3 === 0 ? '\r\n' : '\n'))
      .join('');
    expect(text(stripHeaders(bytes(mixed)).bytes)).toBe(text(referenceStrip(bytes(mixed), [...DEFAULT_REMOVE_HEADERS])));
  });

  test('gives the same bytes for every chunking', () => {
    const crlf = toCRLF(bytes(ORIGINAL));
    const whole = streamStrip(crlf, 'whole');
    for (const how of ['bytes', 1, 2, 3, 4, 5] as const) expect(streamStrip(crlf, how)).toEqual(whole);
  });

  test('an empty name list leaves the bytes identical', () => {
    expect(text(stripHeaders(bytes(ORIGINAL), []).bytes)).toBe(ORIGINAL);
  });

  test('a message without a body or without a final newline', () => {
    expect(text(stripHeaders(bytes('A: 1\nX-MS-Exchange-Organization-BCC: x')).bytes)).toBe('A: 1\n');
    expect(text(stripHeaders(bytes('X-MS-Exchange-Organization-BCC: x\n')).bytes)).toBe('');
    expect(text(stripHeaders(bytes('\nbody')).bytes)).toBe('\nbody');
  });

  test('property: idempotent, and equal to the naive reference on generated header blocks', () => {
    const name = fc.constantFrom('X-MS-Exchange-Organization-BCC', 'x-ms-exchange-crosspremises-bcc', 'X-MS-Exchange-Organization-BCCx', 'To', 'Subject', 'X-Other');
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '@', ',', ' ', ':', '<', '>'), maxLength: 20 });
    const field = fc.tuple(name, value, fc.array(value, { maxLength: 3 })).map(([n, v, cont]) => [`${n}:${v}`, ...cont.map((c) => `\t${c}`)]);
    const eol = fc.constantFrom('\n', '\r\n');
    fc.assert(
      fc.property(fc.array(field, { maxLength: 8 }), fc.array(eol, { minLength: 40, maxLength: 40 }), fc.string({ maxLength: 30 }), fc.integer({ min: 1, max: 1000 }), (fields, eols, body, seed) => {
        const lines = [...fields.flat(), ''];
        const message = bytes(lines.map((l, i) => l + eols[i % eols.length]).join('') + body);
        const once = streamStrip(message, seed).bytes;
        expect(text(once)).toBe(text(referenceStrip(message, [...DEFAULT_REMOVE_HEADERS])));
        expect(text(stripHeaders(once).bytes)).toBe(text(once));
      }),
      { numRuns: 300 },
    );
  });
});
