import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DeferredSha256 } from '../../src/internal/hash.js';

describe('DeferredSha256 (a hash object only past a few small pieces)', () => {
  test('equals SHA-256 of the concatenation for any pieces, and an unstable piece changed afterwards does not count', () => {
    fc.assert(
      // Small and kilobyte pieces: one piece, a few joined at the end (up to 4 KiB), and the hash
      // object made for a fifth piece or for more than 4 KiB.
      fc.property(fc.array(fc.tuple(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 900, maxLength: 3000 })), fc.boolean()), { maxLength: 8 }), (pieces) => {
        const h = new DeferredSha256();
        const expected = createHash('sha256');
        for (const [bytes, stable] of pieces) {
          const given = bytes.slice();
          h.update(given, stable);
          expected.update(bytes);
          // The caller reuses its buffer: allowed only when it said the bytes were not stable.
          if (!stable) given.fill(0x55);
        }
        expect(h.digestHex()).toBe(expected.digest('hex'));
      }),
      { numRuns: 500 },
    );
  });

  test('a copied piece has memory of its own, not a view of a shared slab (review finding: a held preamble pinned 64 KiB)', () => {
    const h = new DeferredSha256();
    h.update(Buffer.from('This is a multi-part message in MIME format, held until the multipart ends.'), false);
    const held = (h as unknown as { pieces: Uint8Array[] }).pieces[0]!;
    expect(held.byteOffset).toBe(0);
    expect(held.buffer.byteLength).toBe(held.length);
  });

  test('a Buffer piece that is not stable is copied, not viewed (Buffer#slice would only view it)', () => {
    const h = new DeferredSha256();
    const buf = Buffer.from('first piece');
    h.update(buf, false);
    buf.fill(0);
    expect(h.digestHex()).toBe(createHash('sha256').update('first piece').digest('hex'));
  });
});
