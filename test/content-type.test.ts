import fc from 'fast-check';
import libmime from 'libmime';
import { describe, expect, test } from 'vitest';
import { parseContentType, parseSimpleValue, withoutComments } from '../src/mime/content-type.js';
import { bytes, runAs, text } from './helpers/run.js';

/** libmime's result with only what parseSimpleValue returns (own enumerable params). */
function viaLibmime(value: string): { value: string; params: Record<string, string> } {
  const r = libmime.parseHeaderValue(value) as { value: string; params: Record<string, string> };
  return { value: r.value, params: { ...r.params } };
}

describe('parseSimpleValue (the Content-Type fast path)', () => {
  // Pieces that real Content-Type and Content-Disposition values are made of, plus the blanks,
  // empty segments, repeated names and '=' inside values that a splitter can get wrong.
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'+.^_`{|}~-]{1,10}$/);
  const blank = fc.constantFrom('', ' ', '  ', '\t', ' \t');
  const quoted = fc.stringMatching(/^[A-Za-z0-9 =;:,.\/?_\t-]{0,12}$/).map((v) => `"${v}"`);
  const unquoted = fc.oneof(token, token.map((t) => `${t}=x`), fc.tuple(token, token).map(([a, b]) => `${a} ${b}`));
  const param = fc.oneof(
    fc.tuple(token, blank, blank, fc.oneof(quoted, unquoted), blank).map(([k, b1, b2, v, b3]) => `${k}${b1}=${b2}${v}${b3}`),
    token, // a name without a value
    fc.constant(''),
    fc.constantFrom('boundary="a"', 'BOUNDARY=b', 'charset=utf-8', 'Charset = "ISO-8859-1" '),
  );
  const value = fc
    .tuple(blank, fc.constantFrom('text/plain', 'multipart/mixed', 'Message/RFC822', 'application/octet-stream', 'text / html', 'attachment'), fc.array(fc.tuple(blank, param), { maxLength: 5 }))
    .map(([b, head, params]) => b + head + params.map(([pb, p]) => `;${pb}${p}`).join(''));

  test('agrees with libmime.parseHeaderValue wherever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(value, (v) => {
        const fast = parseSimpleValue(v);
        if (fast === undefined) return;
        answered++;
        expect(fast).toEqual(viaLibmime(v));
      }),
      { numRuns: 2000 },
    );
    // The generator is built from the shapes the fast path is for: most of them must take it.
    expect(answered).toBeGreaterThan(1500);
  });

  test('leaves everything unusual to libmime', () => {
    for (const v of [
      'text/plain; name*=utf-8\'\'caf%C3%A9.txt', // RFC 2231
      'text/plain; name*0="a"; name*1="b"',
      'text/plain; name="a\\"b"', // escaped quote
      'multipart/mixed; boundary=(c)b', // a "(" libmime reads as part of a token
      'text/plain (comment); charset=utf-8',
      'text/plain; name="unterminated',
      'text/plain; name="a"b', // junk after a quoted string
      'text/plain; name=x"y"',
      'text/"plain"',
      'text/plain; =value',
      'text/plain; name="=?utf-8?q?Caf=C3=A9?="'.replace('"', '\u00e9'), // non-ASCII
    ]) {
      expect(parseSimpleValue(v), v).toBeUndefined();
      // ... and the full parse still gives libmime's answer for those.
      const lib = viaLibmime(v);
      const ct = parseContentType(v);
      expect(ct.boundary, v).toBe(lib.params.boundary || undefined);
      expect(ct.charset, v).toBe(lib.params.charset?.trim() || undefined);
    }
  });

  test('the parsed Content-Type is the same through either path', () => {
    const cases = ['multipart/mixed;\tboundary="----=_Part_1"', 'text/plain; charset = "utf-8" ; format=flowed', 'TEXT/HTML', 'multipart/alternative; boundary=abc; boundary=def'];
    for (const v of cases) {
      const lib = viaLibmime(v);
      const ct = parseContentType(v);
      expect(`${ct.type}/${ct.subtype}`).toBe(lib.value.toLowerCase().replace(/\s/g, ''));
      expect(ct.boundary).toBe(lib.params.boundary);
      expect(ct.charset).toBe(lib.params.charset?.trim());
    }
    expect(parseContentType('multipart/alternative; boundary=abc; boundary=def').boundary).toBe('abc');
  });
});

describe('comments in Content-Type and Content-Transfer-Encoding (RFC 2045; audit, session 22)', () => {
  const original = 'From: a@contoso.com\nTo: b@contoso.com\nMessage-ID: <c1@x>\nX-MS-Exchange-Organization-BCC: d@contoso.com\n\nhello\n';
  const report = (ct: string, cte: string, body: string) =>
    `From: j@x.com\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSender: a@contoso.com\nTo: b@contoso.com\nBcc: d@contoso.com\n--b\nContent-Type: ${ct}\nContent-Transfer-Encoding: ${cte}\n\n${body}\n--b--\n`;
  const b64 = Buffer.from(original).toString('base64');

  test('a commented type or encoding is the type or encoding: the original is found and decoded', () => {
    const plain = runAs(bytes(report('message/rfc822', '7bit', original)), 'whole');
    for (const [ct, cte, body] of [
      ['message/rfc822 (the original)', '7bit', original],
      ['message/rfc822', 'base64 (re-encoded by a gateway)', b64],
      ['message/(x)rfc822', '(note) base64', b64],
    ] as const) {
      const { report: r, output } = runAs(bytes(report(ct, cte, body)), 3);
      expect(r.output.content, ct).toBe('original');
      expect(text(output)).toBe(text(plain.output));
      expect(r.dedup.contentKey).toBe(plain.report.dedup.contentKey);
    }
  });

  test('withoutComments keeps quoted strings and nests', () => {
    expect(withoutComments('text/plain (a (nested) comment)')).toBe('text/plain  ');
    expect(withoutComments('a "(not a comment)" b')).toBe('a "(not a comment)" b');
    expect(withoutComments('base64 (esc \\) still) x')).toBe('base64   x');
    expect(parseContentType('multipart/mixed (c); boundary=abc(1)').boundary).toBe('abc(1)');
  });
});
