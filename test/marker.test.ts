import fc from 'fast-check';
import { expect, test } from 'vitest';
import { MarkerScanner } from '../src/mime/marker.js';
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

test('with a line prefix, an occurrence counts only after "Content-Type:", however the stream is chunked', () => {
  const TYPE = 'application/x-microsoft-rpmsg-message';
  const PREFIX = /content-type:[ \t]*(?:\r?\n[ \t]+)?$/i;
  // Reference: every occurrence in the whole text, judged by the 64 characters before it.
  const reference = (s: string): boolean => {
    for (let at = s.indexOf(TYPE); at !== -1; at = s.indexOf(TYPE, at + 1)) if (PREFIX.test(s.slice(Math.max(0, at - 64), at))) return true;
    return false;
  };
  const piece = fc.constantFrom(TYPE, 'application/x-', 'microsoft-rpmsg-message', 'Content-Type:', 'content-type: ', 'CONTENT-TYPE:\t', 'Content-Type:\r\n\t', 'Type:', ' ', '\r\n', 'x'.repeat(70), 'QUJD', 'see ', '-');
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
