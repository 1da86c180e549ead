import { PassThrough, Readable, Writable } from 'node:stream';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseJournal } from '../src/parse.js';
import { JournalParser } from '../src/parser.js';
import { isJournalError, InvalidInputError, LimitExceededError, OutputError, ParserStateError } from '../src/errors.js';
import { bytes, chunk, concat, run, runAs, text } from './helpers/run.js';
import { stripHeaders } from '../src/strip.js';
import { SAMPLE_ARCHIVED, SAMPLE_REPORT } from './helpers/sample.js';
import { assignMailboxes, normaliseAddress } from '../src/policy.js';
import { FIXTURES } from './helpers/fixtures.js';

const input = bytes(SAMPLE_REPORT);

async function collect(make: () => unknown): Promise<{ out: string; recipients: string[] }> {
  const out: Uint8Array[] = [];
  const report = await parseJournal(make() as never, { output: (b) => void out.push(b.slice()) });
  return { out: text(concat(out)), recipients: report.recipients.map((r) => `${r.type}:${r.address}`) };
}

describe('parseJournal inputs', () => {
  const expected = { out: SAMPLE_ARCHIVED, recipients: ['to:bob@contoso.com', 'cc:carol@fabrikam.com', 'bcc:dave@contoso.com', 'to:erin@contoso.com'] };
  test.each([
    ['string', () => SAMPLE_REPORT],
    ['Uint8Array', () => input],
    ['Buffer', () => Buffer.from(input)],
    ['ArrayBuffer', () => input.slice().buffer],
    ['Node Readable', () => Readable.from(chunk(input, 5), { objectMode: false })],
    ['Node Readable of strings', () => Readable.from([SAMPLE_REPORT.slice(0, 100), SAMPLE_REPORT.slice(100)])],
    ['web ReadableStream', () => new Blob([Buffer.from(input)]).stream()],
    ['async iterable', () => (async function* () { yield* chunk(input, 3); })()],
    ['iterable', () => chunk(input, 'bytes')],
  ])('%s', async (_name, make) => {
    expect(await collect(make)).toEqual(expected);
  });

  test('rejects unreadable input with InvalidInputError', async () => {
    await expect(parseJournal(42 as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(parseJournal([1, 2] as never)).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    const failing = new Readable({ read() { this.destroy(new Error('disk on fire')); } });
    await expect(parseJournal(failing)).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
  });

  test('odd inputs are an InvalidInputError too, never a plain TypeError (audit, session 23)', async () => {
    const detached = new ArrayBuffer(8);
    structuredClone(detached, { transfer: [detached] });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    let returned = 0;
    const cases: [string, unknown, RegExp][] = [
      ['a detached ArrayBuffer', detached, /cannot be read: .*detached/],
      ['a revoked Proxy', revoked.proxy, /cannot be read: .*revoked/],
      ['an iterator whose next() gives null', { [Symbol.iterator]: () => ({ next: () => null }) }, /iterator gave null instead of a result object/],
      ['an iterator whose next() gives 5', { [Symbol.asyncIterator]: () => ({ next: async () => 5 }) }, /iterator gave number/],
      // The chunk's error is the one reported, not that of the return() it is owed.
      ['a chunk that is no bytes, then a failing return()', { [Symbol.iterator]: () => ({ next: () => ({ done: false, value: 7 }), return: () => { returned++; throw new Error('from return()'); } }) }, /input chunks must be Uint8Array or string, got number/],
    ];
    for (const [what, input, message] of cases) {
      const error = await parseJournal(input as never, { output: () => {} }).then(() => undefined, (e: unknown) => e);
      expect(error, what).toBeInstanceOf(InvalidInputError);
      expect(String((error as Error).message), what).toMatch(message);
    }
    expect(returned).toBe(1);
    // JournalParser.write refuses one too, as any chunk that is no bytes (review).
    expect(() => new JournalParser({ onOutput: () => {} }).write(revoked.proxy as never)).toThrow(InvalidInputError);
  });

  test('rejects bad options with a TypeError naming the option', async () => {
    await expect(parseJournal(input, { maxHeaderBytes: 0 })).rejects.toThrow(/maxHeaderBytes/);
    await expect(parseJournal(input, { maxDepth: 1.5 })).rejects.toBeInstanceOf(TypeError);
    await expect(parseJournal(input, { removeHeaders: ['bad name:'] })).rejects.toThrow(/removeHeaders/);
    await expect(parseJournal(input, { output: 5 as never })).rejects.toThrow(/output/);
  });

  test('an onOutput key in its options is refused (it used to be ignored, and the output with it); an undefined one is no sink', async () => {
    let stray = 0;
    await expect(parseJournal(input, { output: () => {}, onOutput: () => stray++ } as never)).rejects.toThrow(/parseJournal does not take option onOutput/);
    await expect(parseJournal(input, { onOutput: 5 } as never)).rejects.toThrow(TypeError);
    expect(stray).toBe(0);
    const seen: Uint8Array[] = [];
    await parseJournal(input, { output: (b: Uint8Array) => void seen.push(b), onOutput: undefined } as never);
    expect(seen.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(0);
  });
});

describe('parseJournal outputs', () => {
  test('Node Writable with backpressure, ended at the end', async () => {
    const got: Buffer[] = [];
    let finished = false;
    const sink = new Writable({
      highWaterMark: 4,
      write(c: Buffer, _e, cb) {
        got.push(c);
        setTimeout(cb, 0);
      },
    });
    sink.on('finish', () => (finished = true));
    await parseJournal(Readable.from(chunk(input, 7)), { output: sink });
    expect(Buffer.concat(got).toString('latin1')).toBe(SAMPLE_ARCHIVED);
    expect(finished).toBe(true);
  });

  test('endOutput: false leaves the Writable open, with every byte written to it', async () => {
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (c: Buffer) => got.push(c));
    await parseJournal(input, { output: sink, endOutput: false });
    expect(sink.writableEnded).toBe(false);
    expect(Buffer.concat(got).toString('latin1')).toBe(SAMPLE_ARCHIVED);
    sink.end('after');
    await new Promise((resolve) => sink.on('end', resolve));
    expect(Buffer.concat(got).toString('latin1')).toBe(`${SAMPLE_ARCHIVED}after`);
  });

  test('web WritableStream', async () => {
    const got: Uint8Array[] = [];
    await parseJournal(input, { output: new WritableStream({ write: (c) => void got.push(c) }) });
    expect(text(concat(got))).toBe(SAMPLE_ARCHIVED);
  });

  test('a failing sink rejects with OutputError', async () => {
    const err = await parseJournal(input, { output: () => Promise.reject(new Error('full')) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect(isJournalError(err)).toBe(true);
  });

  test('a callback that is sometimes synchronous and sometimes not: every piece, in order, each promise awaited', async () => {
    // Sync returns are not awaited (no promise per piece); the first promise and everything queued
    // after it must still be written in order, and the report must wait for the last one.
    const got: string[] = [];
    let calls = 0;
    let settled = 0;
    const report = await parseJournal(chunk(input, 5), {
      output: (b) => {
        const piece = text(b.slice());
        if (calls++ % 2 === 0) {
          got.push(piece);
          return undefined;
        }
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            got.push(piece);
            settled++;
            resolve();
          }, 1),
        );
      },
    });
    expect(calls).toBeGreaterThan(2);
    expect(settled).toBe(Math.floor(calls / 2));
    expect(got.join('')).toBe(SAMPLE_ARCHIVED);
    expect(report.output.content).toBe('original');
  });

  test('a callback that throws synchronously, and a Writable whose write throws, reject with OutputError', async () => {
    const thrown = await parseJournal(input, {
      output: () => {
        throw new Error('disk gone');
      },
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OutputError);
    expect((thrown as OutputError).message).toContain('disk gone');
    const sink = new PassThrough();
    sink.write = () => {
      throw new Error('write refused');
    };
    const refused = await parseJournal(input, { output: sink }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutputError);
    // A returned object whose `then` getter throws is the sink failing too (found by review).
    const getter = await parseJournal(input, {
      output: () =>
        ({
          get then() {
            throw new Error('then getter');
          },
        }) as unknown as Promise<void>,
    }).catch((e: unknown) => e);
    expect(getter).toBeInstanceOf(OutputError);
    expect((getter as OutputError).message).toContain('then getter');
  });
});

describe('parseJournal closes an input it stops reading early', () => {
  // Before this was done, a file stream whose parse failed stayed open: one file descriptor lost
  // per failed message in an archiver that reads thousands.
  const failAfter = (n: number) => {
    let pieces = 0;
    return () => {
      if (++pieces > n) throw new Error('sink full');
    };
  };
  const long = bytes(`Subject: long\r\n\r\n${'body line\r\n'.repeat(20_000)}`);

  test('a Node file stream is destroyed and its file closed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mj-close-'));
    const file = path.join(dir, 'long.eml');
    writeFileSync(file, long);
    const stream = createReadStream(file, { highWaterMark: 1024 });
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    await expect(parseJournal(stream, { output: failAfter(3) })).rejects.toBeInstanceOf(OutputError);
    await closed;
    expect(stream.destroyed).toBe(true);
    expect(stream.bytesRead).toBeLessThan(long.length);
  });

  test("an iterator's return() is called once when the parse stops, never when it ends or fails itself", async () => {
    const make = (fail: boolean) => {
      const log = { returned: 0, yielded: 0 };
      const pieces = Array.from({ length: Math.ceil(long.length / 4096) }, (_, i) => long.subarray(i * 4096, (i + 1) * 4096));
      const it: AsyncIterableIterator<Uint8Array> = {
        [Symbol.asyncIterator]: () => it,
        next: async () => {
          if (fail && log.yielded === 2) throw new Error('source broke');
          return log.yielded < pieces.length ? { done: false, value: pieces[log.yielded++]! } : { done: true, value: undefined };
        },
        return: async () => {
          log.returned++;
          return { done: true, value: undefined };
        },
      };
      return { it, log };
    };
    const stopped = make(false);
    await expect(parseJournal(stopped.it, { output: failAfter(2) })).rejects.toBeInstanceOf(OutputError);
    expect(stopped.log.returned).toBe(1);
    expect(stopped.log.yielded).toBeLessThan(10);
    const finished = make(false);
    await parseJournal(finished.it);
    expect(finished.log).toMatchObject({ returned: 0, yielded: Math.ceil(long.length / 4096) });
    const broken = make(true);
    await expect(parseJournal(broken.it)).rejects.toBeInstanceOf(InvalidInputError);
    expect(broken.log.returned).toBe(0);
  });

  test('a stream read through getReader() alone (no async iterator) is cancelled and unlocked', async () => {
    let cancelled = 0;
    let pulled = 0;
    const web = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(long.subarray(pulled * 1000, ++pulled * 1000)),
      cancel: () => void cancelled++,
    });
    // Only getReader: the path for web streams of runtimes whose streams are not async iterable.
    const readerOnly = { getReader: () => web.getReader() };
    await expect(parseJournal(readerOnly as never, { output: failAfter(2) })).rejects.toBeInstanceOf(OutputError);
    expect(cancelled).toBe(1);
    expect(web.locked).toBe(false);
  });

  test('a web ReadableStream is cancelled, and a failing return() does not hide the error that stopped the parse', async () => {
    let cancelled = 0;
    let pulled = 0;
    const web = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(long.subarray(pulled * 1000, ++pulled * 1000));
      },
      cancel() {
        cancelled++;
      },
    });
    await expect(parseJournal(web, { output: failAfter(2) })).rejects.toBeInstanceOf(OutputError);
    expect(cancelled).toBe(1);
    expect(web.locked).toBe(false);
    const rude: AsyncIterableIterator<Uint8Array> = {
      [Symbol.asyncIterator]: () => rude,
      next: async () => ({ done: false, value: long.subarray(0, 4096) }),
      return: async () => {
        throw new Error('return failed');
      },
    };
    const thrown = await parseJournal(rude, { output: failAfter(2) }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OutputError);
    expect((thrown as Error).message).toContain('sink full');
  });
});

describe('parseJournal and an output that fails, or a parse that fails', () => {
  const failingInput = () => {
    let n = 0;
    return new Readable({
      read() {
        if (n++ < 2) this.push(input.subarray((n - 1) * 50, n * 50));
        else this.destroy(new Error('disk on fire'));
      },
    });
  };

  test("a Node output that errors between writes (a file that cannot be opened): OutputError, no crash for want of a listener, the input closed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mj-out-'));
    const output = createWriteStream(path.join(dir, 'no-such-dir', 'out.eml'));
    const file = path.join(dir, 'in.eml');
    writeFileSync(file, Buffer.concat([Buffer.from(input), Buffer.alloc(300_000, 0x61)]));
    const source = createReadStream(file, { highWaterMark: 4096 });
    const thrown = await parseJournal(source, { output }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OutputError);
    expect((thrown as OutputError).cause).toMatchObject({ code: 'ENOENT' });
    expect(source.destroyed).toBe(true);
  });

  test('a Node output destroyed before or during the parse: OutputError, never a hang', async () => {
    const gone = new PassThrough();
    gone.destroy();
    await expect(parseJournal(input, { output: gone })).rejects.toThrow(/destroyed/);
    // A sink that never finishes its first write: the parse waits for 'drain', and the owner
    // destroys the sink meanwhile ('close' comes, never 'drain' or 'error').
    const stuck = new Writable({ highWaterMark: 16, write: () => void setImmediate(() => stuck.destroy()) });
    await expect(parseJournal(Readable.from(chunk(input, 11)), { output: stuck })).rejects.toThrow(/closed before 'drain'/);
  });

  test('a Node output that has already ended (and was kept): OutputError, not a wait for a finish that came before', async () => {
    const ended = new Writable({ autoDestroy: false, write: (_c, _e, cb) => cb() });
    ended.end();
    await new Promise((r) => ended.once('finish', r));
    await expect(parseJournal(new Uint8Array(0), { output: ended })).rejects.toThrow(/already ended/);
  });

  test('when the input fails, a Node output is destroyed (its file closed), unless endOutput is false', async () => {
    const owned = new PassThrough();
    await expect(parseJournal(failingInput(), { output: owned })).rejects.toBeInstanceOf(InvalidInputError);
    expect(owned.destroyed).toBe(true);
    const kept = new PassThrough();
    await expect(parseJournal(failingInput(), { output: kept, endOutput: false })).rejects.toBeInstanceOf(InvalidInputError);
    expect(kept.destroyed).toBe(false);
    expect(kept.listenerCount('error')).toBe(0);
  });

  test('when the parse fails, a WritableStream output is aborted and unlocked, or only unlocked with endOutput false', async () => {
    const make = () => {
      const seen = { aborted: undefined as unknown, closed: false };
      const ws = new WritableStream<Uint8Array>({ write() {}, close: () => void (seen.closed = true), abort: (reason) => void (seen.aborted = reason) });
      return { ws, seen };
    };
    const owned = make();
    const thrown = await parseJournal(failingInput(), { output: owned.ws }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(owned.seen).toEqual({ aborted: thrown, closed: false });
    expect(owned.ws.locked).toBe(false);
    const kept = make();
    await expect(parseJournal(failingInput(), { output: kept.ws, endOutput: false })).rejects.toBeInstanceOf(InvalidInputError);
    expect(kept.seen).toEqual({ aborted: undefined, closed: false });
    expect(kept.ws.locked).toBe(false);
  });
});

describe('choosing the envelope part among text parts with a Sender line', () => {
  // The fixture's first text part has a Sender line and no Message-ID; the second is the envelope.
  const report = readFileSync(path.join(FIXTURES, 'exchange', 'envelope-second-sender-part-has-message-id.eml'), 'latin1');

  test('the original has no Message-ID: the first part that also has one is taken (as Microsoft does)', () => {
    const r = runAs(bytes(report), 'whole').report;
    expect([r.envelope?.sender, r.message.messageId, r.message.messageIdSource]).toEqual(['alice@contoso.com', '<SN7PR11MB6750PRINTER3@SN7PR11MB6750.namprd11.prod.outlook.com>', 'envelope']);
    expect(r.recipients.map((x) => `${x.type}:${x.address}`)).toEqual(['to:bob@contoso.com', 'bcc:dave@contoso.com']);
  });

  test('CHARSET_UNKNOWN is about the part used, and an empty Message-Id line is no Message-ID', () => {
    const bogusFirst = report.replace('Content-Type: text/plain; charset="us-ascii"\n\nTicket', 'Content-Type: text/plain; charset="x-bogus"\n\nTicket');
    expect(bogusFirst).not.toBe(report);
    const r1 = runAs(bytes(bogusFirst), 'whole').report;
    expect(r1.envelope?.sender).toBe('alice@contoso.com');
    expect(r1.warnings.map((w) => w.code)).toEqual(['MESSAGE_ID_MISSING']);
    const bogusUsed = report.replace('Content-Type: text/plain; charset="us-ascii"\nContent-Transfer-Encoding: 7bit\n\nSender: alice', 'Content-Type: text/plain; charset="x-bogus"\nContent-Transfer-Encoding: 7bit\n\nSender: alice');
    expect(bogusUsed).not.toBe(report);
    expect(runAs(bytes(bogusUsed), 'whole').report.warnings.map((w) => w.code)).toEqual(['CHARSET_UNKNOWN', 'MESSAGE_ID_MISSING']);
    const emptyId = report.replace('Sender: helpdesk@contoso.com\n', 'Sender: helpdesk@contoso.com\nMessage-Id:\n');
    expect(emptyId).not.toBe(report);
    expect(runAs(bytes(emptyId), 'whole').report.envelope?.sender).toBe('alice@contoso.com');
  });

  test('the original has a Message-ID: the first part with a Sender line is the envelope part, as Microsoft takes it', () => {
    const withId = report.replace('Date: Tue, 18 Jun 2024 14:20:30 +0000\n', 'Date: Tue, 18 Jun 2024 14:20:30 +0000\nMessage-ID: <own@contoso.com>\n');
    expect(withId).not.toBe(report);
    const r = runAs(bytes(withId), 'whole').report;
    expect(r.envelope?.sender).toBe('helpdesk@contoso.com');
    expect(r.defective).toBe(true);
    expect(r.warnings.map((w) => w.code)).toContain('ENVELOPE_NO_RECIPIENTS');
  });
});

describe('an envelope part cut at maxEnvelopeBytes', () => {
  test('the line the cut falls in is dropped, never read as a shorter address', () => {
    const head = 'Sender: alice@fabrikam.com\r\nTo: bob@fabrikam.com\r\n';
    const last = 'Bcc: eve@contoso.com.au\r\n';
    const input = bytes(`X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n${head}${last}\r\n--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: alice@fabrikam.com\r\nTo: bob@fabrikam.com\r\n\r\nbody\r\n--B--\r\n`);
    // Every cut inside the last line (the whole line included: its CRLF may be what was cut off).
    for (let n = head.length + 1; n < head.length + last.length; n++) {
      const r = runAs(input, 'whole', { maxEnvelopeBytes: n }).report;
      expect(r.recipients.filter((x) => x.source === 'envelope').map((x) => x.address), `cut at ${n}`).toEqual(['bob@fabrikam.com']);
      expect(r.warnings.map((w) => w.code), `cut at ${n}`).toEqual(['ENVELOPE_TRUNCATED']);
    }
    // The whole part fits: nothing is dropped.
    const whole = runAs(input, 'whole', { maxEnvelopeBytes: head.length + last.length }).report;
    expect(whole.recipients.map((x) => x.address)).toEqual(['bob@fabrikam.com', 'eve@contoso.com.au']);
  });

  test('a part whose Sender line lies past the cut names the limit, not a missing envelope, and throws with onLimit throw', () => {
    // An HTML envelope whose <head> fills the limit: nothing of the envelope is within it.
    const style = `<style>${'p{margin:0}\r\n'.repeat(200)}</style>`;
    const input = bytes(`X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/html\r\n\r\n<html><head>${style}</head><body>Sender: alice@fabrikam.com<br>To: bob@fabrikam.com<br>Bcc: dave@fabrikam.com<br></body></html>\r\n--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: alice@fabrikam.com\r\nTo: bob@fabrikam.com\r\nMessage-ID: <m@fabrikam.com>\r\n\r\nbody\r\n--B--\r\n`);
    for (const how of ['whole', 'bytes', 7] as const) {
      const r = runAs(input, how, { maxEnvelopeBytes: 1024 }).report;
      expect(r.warnings.map((w) => w.code), String(how)).toEqual(['ENVELOPE_TRUNCATED']);
      expect(r.defective).toBe(true);
      // The step-down keeps the headers' recipients; the blind one was beyond the limit.
      expect(r.recipients.map((x) => `${x.type}:${x.address}:${x.source}`)).toEqual(['to:bob@fabrikam.com:header']);
      expect(() => runAs(input, how, { maxEnvelopeBytes: 1024, onLimit: 'throw' })).toThrow(LimitExceededError);
    }
    // Within the default limit the whole envelope is read, the blind recipient included.
    const full = runAs(input, 'whole').report;
    expect(full.warnings).toEqual([]);
    expect(full.recipients.map((x) => `${x.type}:${x.address}`)).toEqual(['to:bob@fabrikam.com', 'bcc:dave@fabrikam.com']);
  });

  test('a cut part before a later part without a Sender line: both the limit and the missing Sender are named', () => {
    const input = bytes(`X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(300)}\r\nSender: alice@fabrikam.com\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nTo: bob@fabrikam.com\r\n\r\n--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: alice@fabrikam.com\r\nTo: bob@fabrikam.com\r\nMessage-ID: <m@fabrikam.com>\r\n\r\nbody\r\n--B--\r\n`);
    const r = runAs(input, 'whole', { maxEnvelopeBytes: 100 }).report;
    expect(r.warnings.map((w) => w.code)).toEqual(['ENVELOPE_NO_SENDER', 'ENVELOPE_TRUNCATED']);
  });
});

describe('maxLineBytes', () => {
  const padded = (pad: number) =>
    bytes(`X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B${' '.repeat(pad)}\r\nContent-Type: text/plain\r\n\r\nSender: a@x.com\r\nTo: b@x.com\r\n\r\n--B${' '.repeat(pad)}\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@x.com\r\n\r\nbody\r\n--B--\r\n`);

  test('a boundary line padded past it is body text, with a LINE_LIMIT warning, in every chunking', () => {
    for (const how of ['whole', 'bytes', 3, 17] as const) {
      const r = runAs(padded(20), how, { maxLineBytes: 10 }).report;
      expect(r.warnings.map((w) => w.code), String(how)).toContain('LINE_LIMIT');
      expect(r.output.content).toBe('unchanged');
      // Within the limit the padding is allowed (RFC 2046 transport padding), without a warning.
      const ok = runAs(padded(5), how, { maxLineBytes: 10 }).report;
      expect(ok.warnings, String(how)).toEqual([]);
      expect(ok.output.content).toBe('original');
    }
  });

  test('the content key too: a message whose own boundary line is padded past it warns, in a plain message and in an original', () => {
    const message = `From: a@x.com\r\nTo: b@x.com\r\nContent-Type: multipart/mixed; boundary=P\r\n\r\n--P${' '.repeat(20)}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--P--\r\n`;
    const journal = `X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSender: a@x.com\r\nTo: b@x.com\r\n\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n${message}\r\n--B--\r\n`;
    for (const input of [message, journal]) {
      const limited = runAs(bytes(input), 'whole', { maxLineBytes: 10 }).report;
      expect(limited.warnings.map((w) => w.code)).toContain('LINE_LIMIT');
      expect(limited.dedup.contentKey).not.toBe(runAs(bytes(input), 'whole').report.dedup.contentKey);
      expect(() => runAs(bytes(input), 'whole', { maxLineBytes: 10, onLimit: 'throw' })).toThrow(expect.objectContaining({ limit: 'maxLineBytes' }));
    }
  });

  test("with onLimit: 'throw' it is a LimitExceededError naming maxLineBytes", () => {
    expect(() => runAs(padded(20), 'whole', { maxLineBytes: 10, onLimit: 'throw' })).toThrow(expect.objectContaining({ limit: 'maxLineBytes', value: 10 }));
  });
});

describe("onLimit: 'throw' and the limits judged when the report is built", () => {
  const env = `Sender: alice@contoso.com\r\nTo: bob@contoso.com\r\n${Array.from({ length: 50 }, (_, i) => `Bcc: u${i}@contoso.com\r\n`).join('')}`;
  const input = bytes(`X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n${env}\r\n--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: alice@contoso.com\r\n\r\nbody\r\n--B--\r\n`);
  const thrown = (options: object, how: 'whole' | 'bytes'): { limit: string; offset: number; atEnd: boolean } => {
    const p = new JournalParser({ ...options, onLimit: 'throw' });
    let atEnd = false;
    try {
      for (const c of chunk(input, how)) p.write(c);
      atEnd = true;
      p.end();
    } catch (e) {
      return { limit: (e as LimitExceededError).limit, offset: (e as LimitExceededError).offset, atEnd };
    }
    throw new Error('nothing thrown');
  };

  test('maxEnvelopeBytes and maxRecipients are thrown by end(), at the input length, in every chunking', () => {
    for (const how of ['whole', 'bytes'] as const) {
      expect(thrown({ maxEnvelopeBytes: 200 }, how)).toEqual({ limit: 'maxEnvelopeBytes', offset: input.length, atEnd: true });
      expect(thrown({ maxRecipients: 5 }, how)).toEqual({ limit: 'maxRecipients', offset: input.length, atEnd: true });
    }
  });

  test('with maxBufferedBytes crossed too, the error names maxBufferedBytes, in every chunking', () => {
    for (const how of ['whole', 'bytes'] as const) expect(thrown({ maxBufferedBytes: 500, maxRecipients: 5 }, how).limit).toBe('maxBufferedBytes');
  });
});

describe('the message, not the wrapper (edge cases 28 and 53)', () => {
  const report = (originalHeaders: string, envelopeId: string) =>
    bytes(`From: MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com\nDate: Fri, 14 Jun 2024 09:00:30 +0000\nMessage-ID: <wrapper@contoso.com>\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nSender: a@contoso.com\n${envelopeId}To: b@contoso.com\n\n--B\nContent-Type: message/rfc822\n\nFrom: a@contoso.com\nTo: b@contoso.com\n${originalHeaders}\nbody\n--B--\n`);

  test("the report's date is the original's Date, never the wrapper's", () => {
    const r = runAs(report('Date: Thu, 13 Jun 2024 17:45:00 +0200\nMessage-ID: <m@contoso.com>\n', 'Message-Id: <m@contoso.com>\n'), 'whole').report;
    expect(r.message.date).toBe('2024-06-13T15:45:00.000Z');
    expect(r.message.messageId).toBe('<m@contoso.com>');
  });

  test('no Message-ID in the original nor in the envelope: no Message-ID key (never a shared placeholder), a content key all the same', () => {
    const r = runAs(report('', ''), 'whole').report;
    expect(r.message.messageId).toBeNull();
    expect(r.message.date).toBeNull();
    expect(r.dedup.messageIdKey).toBeNull();
    expect(r.dedup.contentKey).toMatch(/^ck1:[0-9a-f]{64}$/);
    expect(r.output.content).toBe('original');
  });
});

describe('JournalParser', () => {
  test('write after end and double end are ParserStateError', () => {
    const p = new JournalParser();
    p.write(input);
    p.end();
    expect(() => p.write(input)).toThrow(ParserStateError);
    expect(() => p.end()).toThrow(ParserStateError);
  });

  test('after a call that failed midway (a limit, the output callback), every later call is a ParserStateError with that cause', () => {
    // Found by review: the parser took more writes and ended with a report whose warning was
    // wrong (EMBEDDED_EMPTY) and without the limit that had been crossed.
    const limited = new JournalParser({ onLimit: 'throw', maxHeaderBytes: 64 });
    const crossed = (() => {
      try {
        limited.write(input);
      } catch (e) {
        return e;
      }
    })();
    expect(crossed).toBeInstanceOf(LimitExceededError);
    expect(() => limited.write(input)).toThrow(ParserStateError);
    expect(() => limited.end()).toThrow(expect.objectContaining({ code: 'ERR_WRITE_AFTER_END', cause: crossed }));
    let calls = 0;
    const sinkFails = new JournalParser({
      onOutput: () => {
        if (++calls === 1) throw new Error('sink full');
      },
    });
    sinkFails.write(input.subarray(0, 100));
    expect(() => sinkFails.end()).toThrow('sink full');
    expect(() => sinkFails.end()).toThrow(/failed earlier.*sink full/);
    // A chunk refused for its type is not a failure midway: the parser goes on.
    const p = new JournalParser();
    expect(() => p.write('text' as never)).toThrow(InvalidInputError);
    p.write(input);
    expect(p.end().recipients.length).toBe(4);
  });

  test('an original whose header block exceeds maxHeaderBytes: the report is archived unchanged, with a warning', () => {
    const big = SAMPLE_REPORT.replace('Subject: Quarterly numbers\nMessage-ID', `Subject: ${'x'.repeat(5000)}\nMessage-ID`);
    for (const how of ['whole', 'bytes', 7] as const) {
      const { report, output } = runAs(bytes(big), how, { maxHeaderBytes: 4096 });
      expect(report.output.content).toBe('unchanged');
      expect(report.defective).toBe(true);
      expect(report.warnings.map((w) => w.code)).toContain('ORIGINAL_HEADER_LIMIT');
      expect(text(output)).toBe(big);
    }
  });

  test('an empty original: the report is archived unchanged, never an empty output', () => {
    for (const body of ['', '\n', '\n\n']) {
      const empty = SAMPLE_REPORT.replace(/Content-Transfer-Encoding: binary\n\n[\s\S]*?\n--jr1--/, `Content-Transfer-Encoding: binary\n${body}--jr1--`);
      const { report, output } = run(chunk(bytes(empty), 3));
      expect(report.output.content).toBe('unchanged');
      expect(report.warnings.map((w) => w.code)).toContain('EMBEDDED_EMPTY');
      expect(text(output)).toBe(empty);
      // Archived whole: no content key (that of an empty message was shared by every such
      // report and merged unrelated ones; found by an audit). The Message-ID key stays.
      expect(report.dedup.contentKey).toBeNull();
      expect(report.dedup.messageIdKey).not.toBeNull();
    }
  });

  test('maxDepth: multiparts nested deeper are hashed as leaves, with DEPTH_LIMIT (found by an audit)', async () => {
    // The content key changed without a word, and onLimit 'throw' did not throw.
    const nested = 'From: a@x\nTo: b@x\nContent-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\nContent-Type: text/plain\n\nhi\n--i--\n--o--\n';
    const deep = await parseJournal(bytes(nested), { maxDepth: 1 });
    expect(deep.warnings.map((w) => w.code)).toEqual(['BCC_UNKNOWN', 'DEPTH_LIMIT']);
    expect(deep.dedup.contentKey).not.toBe((await parseJournal(bytes(nested))).dedup.contentKey);
    expect((await parseJournal(bytes(nested))).warnings.map((w) => w.code)).toEqual(['BCC_UNKNOWN']);
    await expect(parseJournal(bytes(nested), { maxDepth: 1, onLimit: 'throw' })).rejects.toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', limit: 'maxDepth' });
  });

  test('maxHeaderBytes: a part of the keyed message whose header block passes it is hashed raw, with PART_HEADER_LIMIT (audit, session 23)', async () => {
    // The content key changed without a word, and onLimit 'throw' did not throw.
    const message = (pad: string) => `From: a@x.com\nMessage-ID: <m1@x.com>\nContent-Type: multipart/mixed; boundary=Q\n\n--Q\nContent-Type: text/plain\n${pad}\nbody\n--Q--\n`;
    const big = message(`X-Pad: ${'a'.repeat(400)}\n`);
    const inReport = (original: string) =>
      `From: j@x.com\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSender: a@x.com\nTo: b@x.com\n--b\nContent-Type: message/rfc822\n\n${original}\n--b--\n`;
    for (const [what, input, small] of [['plain', big, message('')], ['original', inReport(big), inReport(message(''))]] as const) {
      for (const chunk of [1, 7, 1 << 20]) {
        const { report } = runAs(bytes(input), chunk, { maxHeaderBytes: 300 });
        expect(report.warnings.map((w) => w.code), `${what} ${chunk}`).toContain('PART_HEADER_LIMIT');
        expect(report.dedup.contentKey, what).not.toBe(runAs(bytes(small), chunk, { maxHeaderBytes: 300 }).report.dedup.contentKey);
      }
      await expect(parseJournal(bytes(input), { maxHeaderBytes: 300, onLimit: 'throw' }), what).rejects.toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', limit: 'maxHeaderBytes' });
      expect((await parseJournal(bytes(input))).warnings.map((w) => w.code), what).not.toContain('PART_HEADER_LIMIT');
    }
    // A part both the parser and the content key read (an NDR kept whole): said once (review).
    const ndr = ['From: postmaster@contoso.com', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '', '--b', 'Content-Type: text/plain', `X-Pad: ${'p'.repeat(400)}`, '', 'failed', '--b',
      'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx', '', 'Final-Recipient: rfc822; bob@contoso.com', 'Action: failed', '', '--b--', ''].join('\r\n');
    const once = (await parseJournal(bytes(ndr), { maxHeaderBytes: 300 })).warnings.filter((w) => w.code === 'PART_HEADER_LIMIT');
    expect(once).toHaveLength(1);
    // A part of the report the parser skips and a part of the original the key hashes raw are
    // two things, both said (second review: the second was hidden by the first).
    const both = inReport(big).replace('--b\nContent-Type: text/plain\n', `--b\nContent-Type: text/plain\nX-Pad: ${'q'.repeat(400)}\n`);
    const messages = (await parseJournal(bytes(both), { maxHeaderBytes: 300 })).warnings.filter((w) => w.code === 'PART_HEADER_LIMIT').map((w) => w.message);
    expect(messages).toHaveLength(2);
    expect(messages.join(' ')).toMatch(/content key hashed that part/);
  });

  test('an input with no header field (empty, a PDF) says NO_HEADER_FIELDS and is archived unchanged (audit, session 23)', () => {
    for (const input of ['', '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'no colon here\n\nbody\n', '\n\nbody after an empty line\n']) {
      for (const chunk of [1, 5, 1 << 20]) {
        const { report, output } = runAs(bytes(input), chunk);
        expect(report.kind, JSON.stringify(input)).toBe('message');
        expect(report.warnings.map((w) => w.code), JSON.stringify(input)).toEqual(['NO_HEADER_FIELDS']);
        expect(report.recipients).toEqual([]);
        expect(text(output)).toBe(text(bytes(input)));
      }
    }
    // A message with fields, even behind an mbox From_ line, is mail.
    expect(runAs(bytes('From a@b Mon Jun  3 09:00:00 2024\nSubject: hi\n\nbody\n'), 3).report.warnings.map((w) => w.code)).toEqual(['BCC_UNKNOWN']);
  });

  test('stripHeaders with an explicit limit throws LimitExceededError', () => {
    expect(() => stripHeaders(bytes(`Subject: ${'x'.repeat(100)}\n\nbody`), ['Subject'], 50)).toThrow(LimitExceededError);
  });

  test('write() of something that is not bytes is an InvalidInputError', () => {
    const p = new JournalParser();
    expect(() => p.write(null as never)).toThrow(InvalidInputError);
    expect(() => p.write('abc' as never)).toThrow(InvalidInputError);
  });

  test('a top-level header block over the limit is archived unchanged with a warning', () => {
    const big = `X-Big: ${'y'.repeat(3000)}\n${SAMPLE_REPORT}`;
    const { report, output } = runAs(bytes(big), 9, { maxHeaderBytes: 1024 });
    expect(report.kind).toBe('message');
    expect(report.warnings.map((w) => w.code)).toEqual(['HEADER_LIMIT']);
    expect(text(output)).toBe(big);
  });

  test('an original starting past maxBufferedBytes: the report is archived unchanged, same for any chunking', () => {
    const padded = SAMPLE_REPORT.replace('--jr1\nContent-Type: text/plain', `${'preamble line\n'.repeat(200)}--jr1\nContent-Type: text/plain`);
    for (const how of ['whole', 'bytes', 5, 6] as const) {
      const { report, output } = runAs(bytes(padded), how, { maxBufferedBytes: 1500 });
      expect(report.output.content).toBe('unchanged');
      expect(report.warnings.map((w) => w.code)).toContain('BUFFER_LIMIT');
      expect(report.recipients).toHaveLength(4);
      expect(text(output)).toBe(padded);
    }
  });

  test('isJournalError works across copies (duck typing on name and code)', () => {
    expect(isJournalError({ name: 'LimitExceededError', code: 'ERR_LIMIT_EXCEEDED' })).toBe(true);
    expect(isJournalError(new Error('x'))).toBe(false);
    expect(isJournalError(null)).toBe(false);
  });
});

describe('an original whose header lines end in bare CRs', () => {
  const original = 'From: a@fabrikam.com\rTo: b@fabrikam.com\rX-MS-Exchange-Organization-BCC: dave@fabrikam.com\rSubject: hi\r\rbody\r';
  const input = bytes(`X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSender: a@fabrikam.com\r\nTo: b@fabrikam.com\r\nBcc: dave@fabrikam.com\r\n\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n${original}\r\n--B--\r\n`);

  test('the BCC field it keeps is named in a HEADER_NOT_REMOVED warning, in every chunking; the output is the original as it came', () => {
    for (const how of ['whole', 'bytes', 5] as const) {
      const { report, output } = runAs(input, how);
      expect(report.warnings.map((w) => w.code), String(how)).toEqual(['HEADER_NOT_REMOVED']);
      expect(report.warnings[0]!.message).toContain('X-MS-Exchange-Organization-BCC');
      expect(report.message.removedHeaders).toEqual([]);
      expect(text(output)).toBe(original);
    }
  });

  test('a BCC field whose own line ends in a bare CR is kept, never removed with the fields it runs on into', () => {
    // Found by review: removing it dropped From, To and Subject from the archived original.
    const own = 'X-MS-Exchange-Organization-BCC: dave@fabrikam.com\rFrom: a@fabrikam.com\rTo: b@fabrikam.com\rSubject: hi\r\n\r\nbody\r\n';
    const { report, output } = runAs(bytes(text(input).replace(original, own)), 'whole');
    expect(report.warnings.map((w) => w.code)).toEqual(['HEADER_NOT_REMOVED']);
    expect(report.message.removedHeaders).toEqual([]);
    expect(text(output)).toBe(own);
  });

  test('bare CRs between CRLF lines (a relay put a CRLF field on top) are found too', () => {
    const mixed = `Received: from mx by ex\r\n${original.replace('\r\rbody\r', '\r\n\r\nbody\r\n')}`;
    const r = runAs(bytes(text(input).replace(original, mixed)), 'whole').report;
    expect(r.warnings.map((w) => w.code)).toEqual(['HEADER_NOT_REMOVED']);
  });

  test('a second BCC field behind a bare CR is said even when a proper one was removed at a line start', () => {
    // Left open by session 23: the search behind bare CRs ran only when nothing was removed.
    const both = 'X-MS-Exchange-Organization-BCC: carol@fabrikam.com\r\nFrom: a@fabrikam.com\rX-MS-Exchange-CrossPremises-BCC: dave@fabrikam.com\r\nSubject: hi\r\n\r\nbody\r\n';
    const kept = both.slice(both.indexOf('From:'));
    for (const how of ['whole', 'bytes', 5] as const) {
      const { report, output } = runAs(bytes(text(input).replace(original, both)), how);
      expect(report.warnings.map((w) => w.code), String(how)).toEqual(['HEADER_NOT_REMOVED']);
      expect(report.warnings[0]!.message).toContain('X-MS-Exchange-CrossPremises-BCC');
      expect(report.message.removedHeaders).toEqual(['X-MS-Exchange-Organization-BCC']);
      expect(text(output)).toBe(kept);
    }
    const r = stripHeaders(bytes(both));
    expect(r.removed).toEqual(['X-MS-Exchange-Organization-BCC']);
    expect(r.notRemoved).toBe('X-MS-Exchange-CrossPremises-BCC');
    expect(text(r.bytes)).toBe(kept);
  });

  test('the field named is the first kept in the block, whichever way it was kept (review)', () => {
    const names = ['X-MS-Exchange-Organization-BCC', 'Bcc'];
    // Two hidden fields: the needles were searched one after the other, so the later one won.
    expect(stripHeaders(bytes('From: a@x\rBcc: earlier@x\r\nTo: q\rX-MS-Exchange-Organization-BCC: later@x\r\n\r\nbody'), names).notRemoved).toBe('Bcc');
    // A hidden field before one kept for its own bare CR, and the other way round.
    expect(stripHeaders(bytes('From: a@x\rBcc: h@x\r\nX-MS-Exchange-Organization-BCC: own@x\rTo: q\r\n\r\nbody'), names).notRemoved).toBe('Bcc');
    expect(stripHeaders(bytes('Bcc: own@x\rTo: q\r\nFrom: a@x\rX-MS-Exchange-Organization-BCC: h@x\r\n\r\nbody'), names).notRemoved).toBe('Bcc');
    expect(stripHeaders(bytes('X-MS-Exchange-Organization-BCC: own@x\rTo: q\r\nFrom: a@x\rBcc: h@x\r\n\r\nbody'), names).notRemoved).toBe('X-MS-Exchange-Organization-BCC');
  });

  test('stripHeaders says the same in notRemoved, for both cases; a proper field gives undefined', () => {
    // Found by the session-19 note: the in-memory API kept the field without saying so.
    const own = 'X-MS-Exchange-Organization-BCC: dave@fabrikam.com\rFrom: a@fabrikam.com\rSubject: hi\r\n\r\nbody\r\n';
    for (const message of [original, own]) {
      const r = stripHeaders(bytes(message));
      expect(r.notRemoved).toBe('X-MS-Exchange-Organization-BCC');
      expect(r.removed).toEqual([]);
      expect(text(r.bytes)).toBe(message);
    }
    const proper = stripHeaders(bytes(original.replace(/\r/g, '\r\n')));
    expect(proper.notRemoved).toBeUndefined();
    expect(proper.removed).toEqual(['X-MS-Exchange-Organization-BCC']);
  });

  test('CRLF and LF originals, and a bare CR inside a value, give no such warning', () => {
    for (const eol of ['\r\n', '\n']) {
      const r = runAs(bytes(text(input).replace(original, original.replace(/\r/g, eol))), 'whole').report;
      expect(r.warnings, JSON.stringify(eol)).toEqual([]);
      expect(r.message.removedHeaders).toEqual(['X-MS-Exchange-Organization-BCC']);
    }
    const strayCr = text(input).replace(original, 'From: a@fabrikam.com\nSubject: one\rtwo\nX-MS-Exchange-Organization-BCC: dave@fabrikam.com\n\nbody\n');
    const r = runAs(bytes(strayCr), 'whole').report;
    expect(r.warnings).toEqual([]);
    expect(r.message.removedHeaders).toEqual(['X-MS-Exchange-Organization-BCC']);
  });
});

/** A small journal report from alice@contoso.com: its envelope lines after Sender, its original's To (LF). */
function smallReport(envelope: string[], to: string): string {
  const wrapper = ['X-MS-Journal-Report:', 'Content-Type: multipart/mixed; boundary="B"', '', '--B', 'Content-Type: text/plain', ''];
  const original = ['--B', 'Content-Type: message/rfc822', '', 'From: alice@contoso.com', `To: ${to}`, '', 'Hi', '--B--', ''];
  return [...wrapper, 'Sender: alice@contoso.com', ...envelope, ...original].join('\n');
}

describe('one address written two ways is one recipient (found by an edge-case audit, session 20)', () => {
  // The report compared addresses by case only, mergeReports and assignMailboxes also by the
  // domain's Unicode/ASCII form and a final dot: a report disagreed with its own merge, and a
  // Recipient: line whose domain the header spelt in Unicode was taken for a Bcc.
  const report = smallReport(['Recipient: m@xn--bcher-kva.example', 'To: bob@contoso.com', 'Cc: Bob@Contoso.com.'], 'm@bücher.example, bob@contoso.com');

  test('an IDN domain in its two forms, and a final dot, in every chunking and with CRLF', () => {
    for (const input of [report, report.replace(/\n/g, '\r\n')]) {
      for (const how of ['whole', 'bytes', 7] as const) {
        const r = runAs(bytes(input), how).report;
        expect(r.recipients.map((x) => [x.address, x.type, x.typeInferred]), String(how)).toEqual([
          ['m@xn--bcher-kva.example', 'to', true],
          ['bob@contoso.com', 'to', false],
        ]);
        expect(r.recipients[1]!.lines.map((l) => l.field)).toEqual(['To', 'Cc']);
      }
    }
  });

  test('the other way round: the Unicode form in a UTF-8 envelope, the ASCII form in the header', () => {
    const swapped = report
      .replace('Recipient: m@xn--bcher-kva.example', 'Recipient: M@Bücher.example')
      .replace('To: m@bücher.example', 'To: m@xn--bcher-kva.example')
      .replace('Content-Type: text/plain', 'Content-Type: text/plain; charset=utf-8');
    const r = runAs(bytes(swapped), 'whole').report;
    expect(r.recipients.map((x) => [x.address, x.type, x.typeInferred])).toEqual([
      ['M@Bücher.example', 'to', true],
      ['bob@contoso.com', 'to', false],
    ]);
  });

  test('a delivery header naming the ASCII form takes the type of the Unicode form in To', () => {
    const copy = 'Delivered-To: archive@journal.example\nX-Gm-Original-To: m@xn--bcher-kva.example\nFrom: alice@contoso.com\nTo: m@bücher.example\n\nHi\n';
    const r = runAs(bytes(copy), 'whole').report;
    expect(r.recipients.map((x) => [x.address, x.type, x.source])).toEqual([['m@bücher.example', 'to', 'delivery-header']]);
  });

  test('journalSenders: a string entry matches the wrapper sender in the other form of its domain', () => {
    const wrapped = `From: journal@xn--bcher-kva.example\n${report}`;
    expect(runAs(bytes(wrapped), 'whole', { journalSenders: ['Journal@Bücher.example'] }).report.trust).toBe('trusted');
    expect(runAs(bytes(wrapped), 'whole', { journalSenders: ['journal@other.example'] }).report.trust).toBe('untrusted');
  });

  test('normaliseAddress is unchanged: punycode, no final dot, optional plus-folding', () => {
    expect(normaliseAddress('<Bob+News@Bücher.Example.>', { foldPlusAddressing: true })).toBe('bob@xn--bcher-kva.example');
    expect(normaliseAddress(' Bob+News@Contoso.COM ')).toBe('bob+news@contoso.com');
    expect(normaliseAddress('+tag@x.example', { foldPlusAddressing: true })).toBe('+tag@x.example');
    expect(normaliseAddress('EX:/O=ORG/CN=BOB')).toBe('ex:/o=org/cn=bob');
    expect(normaliseAddress('bob@contoso.com/ü')).toBe('bob@contoso.com/ü');
  });
});

describe('a quoted local part (found by an audit, session 20)', () => {
  // addressparser gives "bob+x"@x without its quotes when bare and with them in angle brackets,
  // and plus-folding cut at the "+" whatever came after it: '"bob+x"@x' became '"bob@x'.
  test('normaliseAddress: quotes a dot-atom does not need go; the tag is cut inside needed ones', () => {
    const fold = (a: string) => normaliseAddress(a, { foldPlusAddressing: true });
    expect(fold('"bob+x"@contoso.com')).toBe('bob@contoso.com');
    expect(fold('<"Bob+x"@Contoso.com>')).toBe('bob@contoso.com');
    expect(normaliseAddress('"bob+x"@contoso.com')).toBe('bob+x@contoso.com');
    expect(normaliseAddress('"Bob.Smith"@contoso.com')).toBe('bob.smith@contoso.com');
    expect(fold('"bob smith+x"@contoso.com')).toBe('"bob smith"@contoso.com');
    expect(fold('"bob+x y"@contoso.com')).toBe('bob@contoso.com');
    expect(normaliseAddress('"bob smith"@contoso.com')).toBe('"bob smith"@contoso.com');
    expect(normaliseAddress('"a..b"@contoso.com')).toBe('"a..b"@contoso.com');
    expect(fold('"+x"@contoso.com')).toBe('+x@contoso.com');
    expect(fold('""@contoso.com')).toBe('""@contoso.com');
  });

  const report = (recipient: string, to: string) => bytes(smallReport([`Recipient: ${recipient}`], to).replace(/\n/g, '\r\n'));

  test('the envelope and the header naming one mailbox with and without quotes are one recipient', () => {
    const r = runAs(report('"bob.smith"@contoso.com', 'Bob <bob.smith@contoso.com>'), 'whole').report;
    expect(r.recipients.map((x) => [x.address, x.type, x.typeInferred])).toEqual([['"bob.smith"@contoso.com', 'to', true]]);
  });

  test('assignMailboxes asks isKnownMailbox for the folded address', () => {
    const asked: string[] = [];
    const r = runAs(report('"bob+news"@contoso.com', 'Bob <"bob+news"@contoso.com>'), 'whole').report;
    const a = assignMailboxes(r, {
      internalDomains: ['contoso.com'],
      foldPlusAddressing: true,
      isKnownMailbox: (x) => {
        asked.push(x);
        return x === 'bob@contoso.com' || x === 'alice@contoso.com';
      },
    });
    expect(asked).toContain('bob@contoso.com');
    expect(asked.some((x) => x.includes('"'))).toBe(false);
    expect(a.mailboxes).toEqual(['alice@contoso.com', 'bob@contoso.com']);
  });
});
