import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from 'vitest';
import { JournalTransform } from '../src/adapters/node.js';
import { createJournalStream } from '../src/adapters/web.js';
import { chunk, bytes, text } from './helpers/run.js';
import { SAMPLE_ARCHIVED, SAMPLE_REPORT } from './helpers/sample.js';

describe('adapters', () => {
  test('Node Transform outputs the archived original and emits the report', async () => {
    const t = new JournalTransform();
    let fromEvent: unknown;
    t.on('report', (r) => (fromEvent = r));
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunk(bytes(SAMPLE_REPORT), 4)), t, async function* (source) {
      for await (const c of source) out.push(c as Buffer);
    });
    expect(Buffer.concat(out).toString('latin1')).toBe(SAMPLE_ARCHIVED);
    expect(t.report?.envelope?.sender).toBe('alice@contoso.com');
    expect(fromEvent).toBe(t.report);
  });

  test('Node Transform: invalid options throw a TypeError; a failing input errors the pipeline', async () => {
    expect(() => new JournalTransform({ maxDepth: 0 })).toThrow(TypeError);
    const failing = new Readable({ read() { this.destroy(new Error('disk on fire')); } });
    await expect(pipeline(failing, new JournalTransform(), async function* (s) { for await (const _ of s) {} })).rejects.toThrow(/disk on fire/);
  });

  test('web TransformStream outputs the archived original and resolves the report', async () => {
    const t = createJournalStream();
    const archived = new Response(new Blob([Buffer.from(SAMPLE_REPORT)]).stream().pipeThrough(t));
    expect(text(new Uint8Array(await archived.arrayBuffer()))).toBe(SAMPLE_ARCHIVED);
    expect((await t.report).recipients.map((r) => r.address)).toEqual(['bob@contoso.com', 'carol@fabrikam.com', 'dave@contoso.com', 'erin@contoso.com']);
  });

  test('web TransformStream: every output piece is a copy with memory of its own (a byte stream may detach it)', async () => {
    const input = bytes(SAMPLE_REPORT);
    const t = createJournalStream();
    const pieces: Uint8Array[] = [];
    const done = t.readable.pipeTo(new WritableStream({ write: (c) => void pieces.push(c) }));
    const writer = t.writable.getWriter();
    await writer.write(input);
    await writer.close();
    await done;
    expect(pieces.length).toBeGreaterThan(0);
    for (const p of pieces) {
      expect(p.buffer).not.toBe(input.buffer);
      expect(p.byteLength).toBe(p.buffer.byteLength);
    }
    expect(text(new Uint8Array(Buffer.concat(pieces)))).toBe(SAMPLE_ARCHIVED);
  });

  test("web TransformStream: the report rejects (never hangs) when the stream is cancelled, aborted, or its source fails", async () => {
    const settled = (p: Promise<unknown>) => Promise.race([p.then(() => 'resolved', (e: unknown) => e), new Promise((r) => setTimeout(() => r('pending'), 1000))]);
    const cancelled = createJournalStream();
    const writer = cancelled.writable.getWriter();
    void writer.write(bytes(SAMPLE_REPORT.slice(0, 200))).catch(() => {});
    await cancelled.readable.cancel(new Error('consumer gone'));
    expect(await settled(cancelled.report)).toMatchObject({ code: 'ERR_INVALID_INPUT', cause: { message: 'consumer gone' } });

    const aborted = createJournalStream();
    await aborted.writable.getWriter().abort(new Error('producer aborted'));
    expect(await settled(aborted.report)).toMatchObject({ code: 'ERR_INVALID_INPUT', cause: { message: 'producer aborted' } });

    const piped = createJournalStream();
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) c.error(new Error('network reset'));
        else c.enqueue(bytes(SAMPLE_REPORT.slice(0, 300)));
        sent = true;
      },
    });
    await expect(new Response(source.pipeThrough(piped)).arrayBuffer()).rejects.toThrow(/network reset/);
    expect(await settled(piped.report)).toMatchObject({ code: 'ERR_INVALID_INPUT', cause: { message: 'network reset' } });
  });
});
