import fc from 'fast-check';
import { expect, test } from 'vitest';
import { HeldBytes } from '../src/internal/held-bytes.js';
import { runAs } from './helpers/run.js';

const concat = (pieces: Uint8Array[]) => Buffer.concat(pieces.map((p) => Buffer.from(p)));

test('HeldBytes gives back every byte in order, in few pieces whatever the chunking (audit, session 23)', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 9000 }), { maxLength: 60 }), (pieces) => {
      const held = new HeldBytes();
      for (const p of pieces) held.push(p);
      expect(held.size).toBe(pieces.reduce((n, p) => n + p.length, 0));
      const out = held.drain();
      expect(concat(out).equals(concat(pieces))).toBe(true);
      // Small pieces after the first are copied together: at most one run between large ones.
      const large = pieces.filter((p, i) => i === 0 || p.length >= 4096).length;
      expect(out.length).toBeLessThanOrEqual(2 * large + 1);
      expect(held.size).toBe(0);
      expect(held.drain()).toEqual([]);
    }),
  );
  // One-byte pieces (a preferClearText original fed byte by byte held a view per byte: about
  // 190 bytes of heap per byte held) end up as one or two pieces.
  const held = new HeldBytes();
  for (let i = 0; i < 100_000; i++) held.push(new Uint8Array([i & 0xff]));
  expect(held.drain().length).toBeLessThanOrEqual(2);
});

test('preferClearText: an original held in one-byte chunks comes out whole', () => {
  const report = [
    'X-MS-Journal-Report:', 'Content-Type: multipart/mixed; boundary=B', '', '--B', 'Content-Type: text/plain', '', 'Sender: a@x.com', 'To: b@x.com', '',
    '--B', 'Content-Type: message/rfc822', '', 'From: a@x.com', 'Subject: hi', '', 'body '.repeat(2000), '--B--', '',
  ].join('\r\n');
  const whole = runAs(new TextEncoder().encode(report), 1 << 20, { preferClearText: true });
  const bytewise = runAs(new TextEncoder().encode(report), 1, { preferClearText: true });
  expect(Buffer.from(bytewise.output).equals(Buffer.from(whole.output))).toBe(true);
  expect(bytewise.output.length).toBeGreaterThan(10_000);
  expect(bytewise.report).toEqual(whole.report);
});
