import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createJournalEndpoint, createNetworkMatcher, type EndpointConfig, type IndexLine, type JournalEndpoint } from '../examples/smtp-endpoint/server.js';
import { parseJournal } from '../src/index.js';
import { FIXTURES } from './helpers/fixtures.js';
import { toCRLF } from './helpers/run.js';

// End to end: the example journal endpoint in examples/smtp-endpoint, with nodemailer as the
// sending MTA over STARTTLS on the loopback interface. The endpoint imports the built package
// (dist/), which `npm test` builds first.

/** Can this machine listen on the loopback interface? (Some sandboxes cannot.) */
const canBind = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '127.0.0.1', () => probe.close(() => resolve(true)));
});
if (!canBind) console.warn('smtp-endpoint.test.ts: skipped, cannot listen on 127.0.0.1');

const JOURNAL = 'journal@archive.example';
const USER = { user: 'exchange-online', pass: 'correct horse battery staple' };

const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));
/** What the endpoint receives: SMTP carries lines ending in CRLF (nodemailer converts bare LF). */
const onTheWire = (name: string) => Buffer.from(toCRLF(new Uint8Array(fixture(name))));

/** The archived bytes and report that mailjournal gives for the bytes the endpoint received. */
async function expected(name: string) {
  const chunks: Buffer[] = [];
  const report = await parseJournal(onTheWire(name), { trusted: true, output: (b) => void chunks.push(Buffer.from(b)) });
  return { report, bytes: Buffer.concat(chunks), key: report.dedup.contentKey!.replace(/^ck1:/, '') };
}

interface Reply {
  code: number | undefined;
  response: string;
}

/** Sends one message as an MTA would: STARTTLS (unless ignoreTLS), AUTH when given, raw bytes. */
async function deliver(port: number, raw: Buffer, opts: { to?: string[]; from?: string; auth?: { user: string; pass: string } | null; ignoreTLS?: boolean } = {}): Promise<Reply> {
  const auth = opts.auth === undefined ? USER : opts.auth;
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: !opts.ignoreTLS,
    ignoreTLS: opts.ignoreTLS ?? false,
    tls: { rejectUnauthorized: false },
    ...(auth ? { auth } : {}),
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 5000,
  });
  try {
    const info = await transport.sendMail({ envelope: { from: opts.from ?? '', to: opts.to ?? [JOURNAL] }, raw });
    return { code: Number(String(info.response).slice(0, 3)), response: String(info.response) };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    return { code: e.responseCode, response: e.response ?? e.message };
  } finally {
    transport.close();
  }
}

const readIndex = (storeDir: string): IndexLine[] => {
  const file = path.join(storeDir, 'index.jsonl');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  if (text !== '') expect(text.endsWith('\n')).toBe(true);
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as IndexLine);
};
const stored = (storeDir: string) => readdirSync(path.join(storeDir, 'messages')).sort();
const tmpFiles = (storeDir: string) => readdirSync(path.join(storeDir, 'tmp'));
const addresses = (line: IndexLine) => line.merged.recipients.map((r) => `${r.type}:${r.address}`).sort();

const work = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-smtp-'));
let tls: { key: string; cert: string };
const open: JournalEndpoint[] = [];

async function start(config: Partial<EndpointConfig> & { storeDir: string }) {
  const endpoint = createJournalEndpoint({ journalAddresses: ['Journal@Archive.example'], tls, ...config });
  open.push(endpoint);
  const { port } = await endpoint.listen(0, '127.0.0.1');
  return { endpoint, port };
}
async function stop(endpoint: JournalEndpoint) {
  await endpoint.close();
  open.splice(open.indexOf(endpoint), 1);
}

beforeAll(async () => {
  if (!canBind) return;
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  tls = { key: pems.private, cert: pems.cert };
});

afterAll(async () => {
  for (const endpoint of [...open]) await stop(endpoint);
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!canBind)('SMTP journal endpoint (examples/smtp-endpoint)', () => {
  describe('with AUTH and an allow-listed network', () => {
    const storeDir = path.join(work, 'main');
    let port = 0;
    beforeAll(async () => {
      ({ port } = await start({ storeDir, auth: { users: { [USER.user]: USER.pass } }, allowedNetworks: ['127.0.0.0/8', '::1/128'] }));
    });

    test('a journal report is archived under its content key, bytes as mailjournal outputs them, and indexed', async () => {
      const want = await expected('exchange/bcc-expanded-dl.eml');
      const reply = await deliver(port, fixture('exchange/bcc-expanded-dl.eml'), { to: ['JOURNAL@archive.EXAMPLE'] });
      expect(reply).toEqual({ code: 250, response: `250 OK stored ${want.key}` });
      expect(stored(storeDir)).toEqual([`${want.key}.eml`]);
      expect(readFileSync(path.join(storeDir, 'messages', `${want.key}.eml`)).equals(want.bytes)).toBe(true);
      const [line, ...rest] = readIndex(storeDir);
      expect(rest).toEqual([]);
      expect(line).toMatchObject({
        key: want.key,
        file: `messages/${want.key}.eml`,
        duplicate: false,
        envelope: { mailFrom: '', rcptTo: ['JOURNAL@archive.example'] }, // nodemailer lower-cases the domain
        client: { address: '127.0.0.1', user: USER.user },
      });
      expect(Date.parse(line!.receivedAt)).not.toBeNaN();
      expect(line!.report).toEqual(want.report);
      expect(line!.report).toMatchObject({ kind: 'journal-report', trust: 'trusted', output: { content: 'original' } });
      expect(line!.report.message.removedHeaders).toContain('X-MS-Exchange-Organization-BCC');
      expect(addresses(line!)).toEqual(['bcc:dave@contoso.com', 'cc:carol@fabrikam.com', 'to:bob@contoso.com', 'to:erin@contoso.com', 'to:frank@contoso.com']);
      expect(tmpFiles(storeDir)).toEqual([]);
    });

    test('an NDR returning that journal report: its original has the same content key, so it is indexed as a duplicate', async () => {
      const want = await expected('ndr/is-ndr-returns-journal.eml');
      const first = await expected('exchange/bcc-expanded-dl.eml');
      expect(want.key).toBe(first.key);
      expect(want.bytes.equals(first.bytes)).toBe(true);
      const reply = await deliver(port, fixture('ndr/is-ndr-returns-journal.eml'));
      expect(reply).toEqual({ code: 250, response: `250 OK duplicate ${want.key}` });
      expect(stored(storeDir)).toEqual([`${want.key}.eml`]);
      expect(readFileSync(path.join(storeDir, 'messages', `${want.key}.eml`)).equals(want.bytes)).toBe(true);
      const line = readIndex(storeDir).at(-1)!;
      expect(line).toMatchObject({ key: want.key, duplicate: true });
      expect(line.report).toEqual(want.report);
      expect(line.report).toMatchObject({ kind: 'ndr', ndr: { action: 'archive-journal-report' }, output: { content: 'original' } });
      expect(line.merged).toMatchObject({ reports: 2, conflict: false, contentKey: `ck1:${want.key}` });
    });

    test('a Google Workspace routing copy and a plain message are stored as they came', async () => {
      for (const [name, source] of [['sources/google-single-original-to.eml', 'google'], ['sources/headers-to-cc-only.eml', 'headers']] as const) {
        const want = await expected(name);
        const reply = await deliver(port, fixture(name), { from: 'alice@contoso.com' });
        expect(reply, name).toEqual({ code: 250, response: `250 OK stored ${want.key}` });
        const bytes = readFileSync(path.join(storeDir, 'messages', `${want.key}.eml`));
        expect(bytes.equals(want.bytes), name).toBe(true);
        expect(bytes.equals(onTheWire(name)), name).toBe(true); // output.content is 'unchanged'
        const line = readIndex(storeDir).at(-1)!;
        expect(line).toMatchObject({ key: want.key, duplicate: false, envelope: { mailFrom: 'alice@contoso.com', rcptTo: [JOURNAL] } });
        expect(line.report).toMatchObject({ kind: 'message', source, output: { content: 'unchanged' } });
      }
      const google = readIndex(storeDir).at(-2)!;
      expect(google.report.recipients.find((r) => r.address === 'dave@contoso.com')).toMatchObject({ type: 'bcc', source: 'delivery-header' });
      expect(stored(storeDir)).toHaveLength(3);
    });

    test('an input archived whole is stored under the SHA-256 of its bytes, not under a content key', async () => {
      // An NDR archived unchanged: the same naming rule as `mailjournal extract --out`.
      const want = await expected('ndr/heuristic-mailer-daemon.eml');
      expect(want.report.output.content).toBe('unchanged');
      expect(want.report.dedup.contentKey).not.toBeNull();
      const sha = createHash('sha256').update(want.bytes).digest('hex');
      // A store of its own: the tests below count what the shared one holds.
      const own = path.join(work, 'whole');
      const { endpoint, port: ownPort } = await start({ storeDir: own, auth: { users: { [USER.user]: USER.pass } }, allowedNetworks: ['127.0.0.0/8', '::1/128'] });
      const reply = await deliver(ownPort, fixture('ndr/heuristic-mailer-daemon.eml'));
      await stop(endpoint);
      expect(reply).toEqual({ code: 250, response: `250 OK stored sha256-${sha}` });
      expect(stored(own)).toEqual([`sha256-${sha}.eml`]);
    });

    test('the same journal report again is stored once; the new index line carries the merged recipients', async () => {
      const want = await expected('exchange/bcc-expanded-dl.eml');
      const reply = await deliver(port, fixture('exchange/bcc-expanded-dl.eml'));
      expect(reply).toEqual({ code: 250, response: `250 OK duplicate ${want.key}` });
      expect(stored(storeDir)).toHaveLength(3);
      const lines = readIndex(storeDir).filter((l) => l.key === want.key);
      expect(lines.map((l) => l.duplicate)).toEqual([false, true, true]);
      expect(lines.at(-1)!.merged).toMatchObject({ reports: 3, conflict: false });
      expect(addresses(lines.at(-1)!)).toEqual(addresses(lines[0]!));
    });

    test('partial journal reports of one message (one per premises) merge into the full recipient set', async () => {
      const a = await expected('dedup/q2-partial-cloud-internal.eml');
      const b = await expected('dedup/q2-partial-cloud-external.eml');
      expect(a.key).toBe(b.key);
      expect(await deliver(port, fixture('dedup/q2-partial-cloud-internal.eml'))).toEqual({ code: 250, response: `250 OK stored ${a.key}` });
      expect(await deliver(port, fixture('dedup/q2-partial-cloud-external.eml'))).toEqual({ code: 250, response: `250 OK duplicate ${a.key}` });
      // The first copy's bytes are kept.
      expect(readFileSync(path.join(storeDir, 'messages', `${a.key}.eml`)).equals(a.bytes)).toBe(true);
      const [first, second] = readIndex(storeDir).filter((l) => l.key === a.key);
      expect(addresses(first!)).toEqual(['bcc:dave@contoso.com', 'to:bob@contoso.com']);
      expect(second!.duplicate).toBe(true);
      expect(addresses(second!)).toEqual(['bcc:dave@contoso.com', 'cc:carol@fabrikam.com', 'to:bob@contoso.com']);
      expect(second!.merged.recipients.find((r) => r.address === 'carol@fabrikam.com')!.provenance).toEqual([{ report: 1, source: 'envelope', type: 'cc', fields: ['Cc'] }]);
      expect(stored(storeDir)).toHaveLength(4);
    });

    test('refusals: a non-journal recipient (550), no AUTH (530), a wrong password (535); nothing is stored', async () => {
      const before = readIndex(storeDir).length;
      const raw = fixture('exchange/bcc-expanded-dl.eml');
      const wrongRcpt = await deliver(port, raw, { to: ['bob@contoso.com'] });
      expect(wrongRcpt.code).toBe(550);
      expect(wrongRcpt.response).toMatch(/not a journal address/);
      expect((await deliver(port, raw, { auth: null })).code).toBe(530);
      expect((await deliver(port, raw, { auth: { user: USER.user, pass: 'wrong' } })).code).toBe(535);
      expect((await deliver(port, raw, { auth: { user: 'nobody', pass: USER.pass } })).code).toBe(535);
      expect(readIndex(storeDir)).toHaveLength(before);
      expect(stored(storeDir)).toHaveLength(4);
      expect(tmpFiles(storeDir)).toEqual([]);
    });
  });

  test('a connection from outside allowedNetworks is refused at connect with 554', async () => {
    const storeDir = path.join(work, 'elsewhere');
    const { endpoint, port } = await start({ storeDir, auth: { users: { [USER.user]: USER.pass } }, allowedNetworks: ['10.0.0.0/8', '2001:db8::/32'] });
    const reply = await deliver(port, fixture('exchange/bcc-expanded-dl.eml'));
    expect(reply.code).toBe(554);
    expect(reply.response).toMatch(/does not accept mail from your address/);
    expect(stored(storeDir)).toEqual([]);
    expect(readIndex(storeDir)).toEqual([]);
    await stop(endpoint);
  });

  describe('without AUTH (network allow-list only)', () => {
    const storeDir = path.join(work, 'restart');
    const network = { storeDir, allowedNetworks: ['127.0.0.1/32', '::1'], maxMessageBytes: 64 * 1024 };

    test('STARTTLS is required before MAIL FROM (530)', async () => {
      const { endpoint, port } = await start(network);
      const reply = await deliver(port, fixture('exchange/bcc-to-dl.eml'), { auth: null, ignoreTLS: true });
      expect(reply.code).toBe(530);
      expect(reply.response).toMatch(/STARTTLS/);
      expect(readIndex(storeDir)).toEqual([]);
      await stop(endpoint);
    });

    test('a message over maxMessageBytes is refused with 552 and leaves nothing behind', async () => {
      const { endpoint, port } = await start(network);
      const big = Buffer.from('From: a@contoso.com\r\nTo: b@contoso.com\r\nSubject: big\r\n\r\n' + `${'y'.repeat(76)}\r\n`.repeat(1200)); // ~94 KB
      const reply = await deliver(port, big, { auth: null, from: 'a@contoso.com' });
      expect(reply.code).toBe(552);
      expect(stored(storeDir)).toEqual([]);
      expect(tmpFiles(storeDir)).toEqual([]);
      expect(readIndex(storeDir)).toEqual([]);
      await stop(endpoint);
    });

    test('a crash before durability answers 451 and stores nothing; the retry after a restart is stored exactly once', async () => {
      const name = 'exchange/bcc-to-dl.eml';
      const want = await expected(name);
      let crashes = 1;
      const first = await start({
        ...network,
        beforeCommit: () => {
          if (crashes-- > 0) throw new Error('simulated crash before the message is durable');
        },
      });
      const reply = await deliver(first.port, fixture(name), { auth: null });
      expect(reply.code).toBe(451);
      expect(stored(storeDir)).toEqual([]);
      expect(tmpFiles(storeDir)).toEqual([]);
      expect(readIndex(storeDir)).toEqual([]);
      await stop(first.endpoint);

      // What a real crash leaves: a temporary file and a torn index line. A restart clears both.
      writeFileSync(path.join(storeDir, 'tmp', 'left-by-crash.eml'), 'half a message');
      appendFileSync(path.join(storeDir, 'index.jsonl'), '{"receivedAt":"2026-01-01T00:00:00.000Z","key":"');
      const second = await start(network);
      expect(tmpFiles(storeDir)).toEqual([]);
      // The sending server retries the delivery it got 451 for.
      expect(await deliver(second.port, fixture(name), { auth: null })).toEqual({ code: 250, response: `250 OK stored ${want.key}` });
      expect(stored(storeDir)).toEqual([`${want.key}.eml`]);
      expect(readFileSync(path.join(storeDir, 'messages', `${want.key}.eml`)).equals(want.bytes)).toBe(true);
      expect(readIndex(storeDir).map((l) => [l.key, l.duplicate])).toEqual([[want.key, false]]);
      await stop(second.endpoint);

      // A retry after a 250 that the sender never saw: still one file; the index (read back
      // after another restart) knows the key.
      const third = await start(network);
      expect(await deliver(third.port, fixture(name), { auth: null })).toEqual({ code: 250, response: `250 OK duplicate ${want.key}` });
      expect(stored(storeDir)).toEqual([`${want.key}.eml`]);
      const lines = readIndex(storeDir);
      expect(lines.map((l) => [l.key, l.duplicate])).toEqual([[want.key, false], [want.key, true]]);
      expect(lines[1]!.merged.reports).toBe(2);
      expect(lines[1]!.client.user).toBeNull();
      await stop(third.endpoint);
    });

    test('a message renamed into place whose index line was lost in a crash is indexed on the retry, not stored again', async () => {
      const name = 'exchange/bcc-lookalikes-kept.eml';
      const want = await expected(name);
      writeFileSync(path.join(storeDir, 'messages', `${want.key}.eml`), want.bytes);
      const { endpoint, port } = await start(network);
      expect(await deliver(port, fixture(name), { auth: null })).toEqual({ code: 250, response: `250 OK stored ${want.key}` });
      expect(readIndex(storeDir).filter((l) => l.key === want.key).map((l) => l.duplicate)).toEqual([false]);
      expect(readFileSync(path.join(storeDir, 'messages', `${want.key}.eml`)).equals(want.bytes)).toBe(true);
      await stop(endpoint);
    });

    /** A plain-text SMTP dialogue up to DATA, then part of a message and no more: the socket. */
    async function stallInData(port: number): Promise<ReturnType<typeof connect>> {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (received += d));
      const reply = async (code: number) => {
        const until = Date.now() + 5000;
        while (!new RegExp(`^${code} `, 'm').test(received)) {
          if (Date.now() > until) throw new Error(`no ${code} reply; got: ${received}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        received = '';
      };
      await reply(220);
      for (const [command, code] of [['EHLO mta.contoso.com', 250], ['MAIL FROM:<>', 250], [`RCPT TO:<${JOURNAL}>`, 250], ['DATA', 354]] as const) {
        socket.write(`${command}\r\n`);
        await reply(code);
      }
      socket.write(onTheWire('exchange/bcc-expanded-dl.eml').subarray(0, 1500));
      await new Promise((r) => setTimeout(r, 50));
      return socket;
    }

    test('a sender that disconnects in the middle of DATA leaves nothing behind', async () => {
      const store = path.join(work, 'disconnect');
      let failed: () => void = () => {};
      const notStored = new Promise<void>((resolve) => (failed = resolve));
      const { endpoint, port } = await start({
        storeDir: store,
        allowedNetworks: ['127.0.0.1/32'],
        requireTls: false,
        log: (level, message) => {
          if (level === 'error' && message === 'delivery not stored') failed();
        },
      });
      const socket = await stallInData(port);
      socket.destroy();
      await notStored;
      expect(stored(store)).toEqual([]);
      expect(tmpFiles(store)).toEqual([]);
      expect(readIndex(store)).toEqual([]);
      await stop(endpoint);
    });

    test('close() during a stalled DATA waits for that delivery to clean up before it resolves', async () => {
      // Found by a user trial: SIGTERM, then the stalled sender drops; the process exited with
      // the temporary file left behind and no "delivery not stored" line.
      const store = path.join(work, 'close-mid-data');
      let logged = false;
      const { endpoint, port } = await start({
        storeDir: store,
        allowedNetworks: ['127.0.0.1/32'],
        requireTls: false,
        log: (level, message) => {
          if (level === 'error' && message === 'delivery not stored') logged = true;
        },
      });
      const socket = await stallInData(port);
      expect(tmpFiles(store)).toHaveLength(1);
      let closed = false;
      const closing = endpoint.close().then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(closed).toBe(false);
      socket.destroy();
      await closing;
      expect(logged).toBe(true);
      expect(tmpFiles(store)).toEqual([]);
      expect(stored(store)).toEqual([]);
    });
  });
});

test('createNetworkMatcher: IPv4 and IPv6 CIDR ranges, single hosts, IPv4-mapped addresses', () => {
  const match = createNetworkMatcher(['192.0.2.0/24', '198.51.100.7', '2001:db8::/32', '::1', '10.0.0.0/8']);
  expect(['192.0.2.0', '192.0.2.255', '198.51.100.7', '10.255.1.2', '::ffff:192.0.2.9', '2001:db8::1', '2001:db8:ffff::25', '::1'].map(match)).toEqual(Array(8).fill(true));
  expect(['192.0.3.0', '198.51.100.8', '11.0.0.1', '::ffff:192.0.3.1', '2001:db9::1', '::2', 'not-an-ip', ''].map(match)).toEqual(Array(8).fill(false));
  expect(createNetworkMatcher(['0.0.0.0/0'])('203.0.113.1')).toBe(true);
  expect(createNetworkMatcher(['0.0.0.0/0'])('2001:db8::1')).toBe(false);
  for (const bad of ['192.0.2.0/33', '2001:db8::/129', 'example.com/24', '192.0.2.0/24/1', '192.0.2.0/x']) {
    expect(() => createNetworkMatcher([bad]), bad).toThrow(TypeError);
  }
});

test('createJournalEndpoint refuses a config that would parse untrusted senders as trusted', () => {
  const base = { journalAddresses: [JOURNAL], storeDir: path.join(work, 'unused'), requireTls: false };
  expect(() => createJournalEndpoint(base)).toThrow(/auth or allowedNetworks/);
  expect(() => createJournalEndpoint({ ...base, requireTls: true, allowedNetworks: ['127.0.0.1'] })).toThrow(/no tls/);
  expect(() => createJournalEndpoint({ ...base, auth: { users: { a: 'b' } } })).toThrow(/auth needs tls/);
});
