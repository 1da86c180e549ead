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
