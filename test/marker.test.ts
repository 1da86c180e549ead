import fc from 'fast-check';
import { expect, test } from 'vitest';
import { MarkerScanner } from '../src/mime/marker.js';
import { RPMSG_CONTENT_TYPE } from '../src/parser.js';
import { bytes, chunk, text } from './helpers/run.js';

test('MarkerScanner finds the marker exactly when the stream holds it, however it is chunked', () => {
  const piece = fc.constantFrom('message', '.rpmsg', 'message.rpmsg', 'messag', 'e.rp', 'msg', 'x', '.', 'QUJD', '\r\n');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), fc.integer({ min: 1, max: 500 }), (pieces, seed) => {
      const input = bytes(pieces.join(''));
      const s = new MarkerScanner('message.rpmsg');
      for (const c of chunk(input, seed)) s.write(c);
      expect(s.found).toBe(text(input).includes('message.rpmsg'));
    }),
    { numRuns: 500 },
  );
});

test('with a line prefix, an occurrence counts only after "Content-Type:" at a line start, however the stream is chunked', () => {
  const TYPE = 'application/x-microsoft-rpmsg-message';
  const PREFIX = RPMSG_CONTENT_TYPE;
  // Reference: every occurrence in the whole text, judged by the 64 characters before it (with a
  // line break in front when they reach the start of the text, which is a line start).
  const reference = (s: string): boolean => {
    for (let at = s.indexOf(TYPE); at !== -1; at = s.indexOf(TYPE, at + 1)) if (PREFIX.test(at <= 64 ? `\n${s.slice(0, at)}` : s.slice(at - 64, at))) return true;
    return false;
  };
  const piece = fc.constantFrom(TYPE, 'application/x-', 'microsoft-rpmsg-message', 'Content-Type:', 'content-type: ', 'CONTENT-TYPE:\t', 'Content-Type:\r\n\t', 'Type:', ' ', '\r\n', '\n', '> ', 'x'.repeat(70), 'QUJD', 'see ', '-');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), fc.integer({ min: 1, max: 500 }), (pieces, seed) => {
      const input = bytes(pieces.join(''));
      const whole = new MarkerScanner(TYPE, PREFIX);
      whole.write(input);
      const cut = new MarkerScanner(TYPE, PREFIX);
      for (const c of chunk(input, seed)) cut.write(c);
      expect(whole.found).toBe(reference(text(input)));
      expect(cut.found).toBe(whole.found);
    }),
    { numRuns: 2000 },
  );
});

test('the media type quoted within a line is not a part header; at a line start (or the stream start) it is', () => {
  const TYPE = 'application/x-microsoft-rpmsg-message';
  const found = (t: string): boolean => {
    const s = new MarkerScanner(TYPE, RPMSG_CONTENT_TYPE);
    s.write(bytes(t));
    return s.found;
  };
  expect(found(`text\n> Content-Type: ${TYPE}\n`)).toBe(false);
  expect(found(`see Content-Type: ${TYPE} for details\n`)).toBe(false);
  expect(found(`--b\r\nContent-Type: ${TYPE}; name=message.rpmsg\r\n`)).toBe(true);
  expect(found(`--b\r\nContent-Type:\r\n\t${TYPE}\r\n`)).toBe(true);
  expect(found(`Content-Type: ${TYPE}\r\n`)).toBe(true);
  expect(found(`${'x'.repeat(100)}Content-Type: ${TYPE}\r\n`)).toBe(false);
});
