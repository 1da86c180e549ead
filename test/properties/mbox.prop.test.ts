import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MboxSplitter } from '../../src/batch/mbox.js';
import { bytes, text } from '../helpers/run.js';

/** Split `input` written as the given pieces; every message as text, plus the pieces' bytes that were copies. */
function splitPieces(input: Uint8Array, cuts: number[]): { messages: string[]; copied: number } {
  const messages: string[] = [];
  let cur = '';
  let copied = 0;
  const s = new MboxSplitter({
    onMessageStart: () => (cur = ''),
    onMessageData: (b) => {
      if (b.buffer !== input.buffer) copied += b.length;
      cur += text(b);
    },
    onMessageEnd: () => messages.push(cur),
  });
  let pos = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    s.write(input.subarray(pos, Math.max(pos, cut)));
    pos = Math.max(pos, cut);
  }
  s.write(input.subarray(pos));
  s.end();
  return { messages, copied };
}

// Lines that frame, escape or only look like it, and long filler, so that chunks of several KiB
// (the splitter glues only their seam to held bytes) meet separators and escapes at every offset.
const line = fc.oneof(
  fc.constantFrom('From a@b Mon Jun  3 09:00:00 2024', 'From ', 'From: header', '>From x', '>>From y', 'Fro', '>', '>>>', '', '\r', 'body text'),
  fc.integer({ min: 1, max: 1100 }).map((n) => `${'>'.repeat(n)}From z`),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'x'.repeat(n)),
);
const mbox = fc.tuple(fc.array(line, { minLength: 1, maxLength: 60 }), fc.constantFrom('\n', '\r\n')).map(([lines, eol]) => bytes(lines.join(eol)));

describe('mbox splitting properties', () => {
  test('any chunking, small or large pieces, gives the messages of the whole input', () => {
    fc.assert(
      fc.property(
        mbox.chain((input) => fc.tuple(fc.constant(input), fc.array(fc.integer({ min: 0, max: input.length }), { maxLength: 12 }))),
        ([input, cuts]) => {
          expect(splitPieces(input, cuts).messages).toEqual(splitPieces(input, []).messages);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('large chunks pass through as views: only the seams are copied', () => {
    const message = (i: number) => `Subject: ${i}\n\n${'line of body text, long enough to look like mail\n'.repeat(400)}>From escaped\n`;
    const input = bytes(Array.from({ length: 60 }, (_, i) => `From a@b Mon Jun  3 09:00:00 2024\n${message(i)}`).join('\n'));
    const cuts = Array.from({ length: Math.floor(input.length / 65536) }, (_, i) => (i + 1) * 65536);
    const { messages, copied } = splitPieces(input, cuts);
    expect(messages).toEqual(splitPieces(input, []).messages);
    expect(messages).toHaveLength(60);
    // About 1.2 MB in 64 KiB chunks: each seam copies at most about a kilobyte (the whole chunk was
    // copied before).
    expect(copied).toBeLessThan(cuts.length * 2048);
  });
});
