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

  test('Node Transform surfaces limit errors as stream errors', async () => {
    const t = new JournalTransform({ maxHeaderBytes: 400 });
    const big = SAMPLE_REPORT.replace('Subject: Quarterly numbers\nMessage-ID', `Subject: ${'x'.repeat(500)}\nMessage-ID`);
    await expect(pipeline(Readable.from([bytes(big)]), t, async function* (s) { for await (const _ of s) {} })).rejects.toMatchObject({ code: 'ERR_LIMIT_EXCEEDED' });
  });

  test('web TransformStream outputs the archived original and resolves the report', async () => {
    const t = createJournalStream();
    const archived = new Response(new Blob([Buffer.from(SAMPLE_REPORT)]).stream().pipeThrough(t));
    expect(text(new Uint8Array(await archived.arrayBuffer()))).toBe(SAMPLE_ARCHIVED);
    expect((await t.report).recipients.map((r) => r.address)).toEqual(['bob@contoso.com', 'carol@fabrikam.com', 'dave@contoso.com', 'erin@contoso.com']);
  });
});
