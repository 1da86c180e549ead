// An SMTP journal endpoint built on mailjournal: it accepts journal reports (and NDRs, Google
// routing copies, plain messages) for a few journal addresses, archives each message once under
// its content key, indexes every delivery, and answers 250 only once both are on disk.
//
// Plain ESM JavaScript, no build step. See README.md beside this file.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, readFileSync, realpathSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { finished, Transform, Writable } from 'node:stream';
import { finished as finishedStream } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
// In a project of your own: `import { parseJournal, mergeReports } from 'mailjournal';`.
// Inside this repository the example uses the build of the package it sits in.
import { mergeReports, parseJournal } from '../../dist/index.js';

/**
 * @typedef {import('../../dist/index.js').JournalReport} JournalReport
 * @typedef {import('../../dist/index.js').MergedReport} MergedReport
 * @typedef {import('smtp-server').SMTPServerSession} SMTPServerSession
 */

/**
 * @typedef {object} EndpointConfig
 * @property {string[]} journalAddresses RCPT TO addresses accepted (case-insensitive); others get 550.
 * @property {string} storeDir Where messages/, tmp/ and index.jsonl live.
 * @property {{ key: string, cert: string }} [tls] PEM text or file paths, for STARTTLS.
 * @property {boolean} [requireTls] Refuse MAIL FROM before STARTTLS with 530 (default true).
 * @property {{ users: Record<string, string> }} [auth] Enables AUTH PLAIN/LOGIN and requires it.
 * @property {string[]} [allowedNetworks] CIDR ranges (IPv4, IPv6) allowed to connect; others get 554.
 * @property {number} [maxMessageBytes] Largest message accepted (default 200 MiB); announced via SIZE, larger → 552.
 * @property {string} [hostname] Name used in the greeting (default: the OS host name).
 * @property {number} [socketTimeout] Idle time in ms before a client is dropped (default 5 minutes).
 * @property {number} [closeTimeout] How long close() waits for open sessions in ms (default 30 s).
 * @property {(info: CommitInfo) => void | Promise<void>} [beforeCommit] Test hook: runs after the
 *   message is parsed and its temporary file synced, before anything becomes visible. Throwing
 *   simulates a crash before durability (the sender gets 451).
 * @property {(level: 'info' | 'warn' | 'error', message: string, fields?: object) => void} [log]
 */

/**
 * @typedef {object} CommitInfo
 * @property {string} key The store key (file name without `.eml`).
 * @property {string} tmpPath The synced temporary file.
 * @property {JournalReport} report
 * @property {SMTPServerSession} session
 */

/**
 * @typedef {object} IndexLine
 * @property {string} receivedAt ISO 8601 time the delivery was committed.
 * @property {string} key
 * @property {string} file Path of the archived message, relative to storeDir.
 * @property {boolean} duplicate True when the key had already been indexed.
 * @property {{ mailFrom: string, rcptTo: string[] }} envelope The SMTP envelope.
 * @property {{ address: string, user: string | null, tls: string | null }} client
 * @property {JournalReport} report This delivery's report.
 * @property {MergedReport} merged Every delivery of this key so far, this one included, merged.
 */

const MiB = 1024 * 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 200 * MiB;

/** An SMTP reply carried by an Error, as smtp-server reads it. */
function smtpError(code, message) {
  const err = /** @type {Error & { responseCode: number }} */ (new Error(message));
  err.responseCode = code;
  return err;
}

class MessageTooLargeError extends Error {
  constructor(limit) {
    super(`message larger than ${limit} bytes`);
    this.name = 'MessageTooLargeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Allowed networks

/** The IPv4 form of an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`), else the address. */
function unmapIPv4(address) {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m && net.isIPv4(m[1]) ? m[1] : address;
}

/**
 * A matcher for a list of CIDR ranges (`192.0.2.0/24`, `2001:db8::/32`; a bare address is a
 * single host). Built on `net.BlockList`; IPv4-mapped IPv6 client addresses, as a dual-stack
 * listener reports them, are compared in their IPv4 form.
 *
 * @param {string[]} cidrs
 * @returns {(address: string) => boolean}
 */
export function createNetworkMatcher(cidrs) {
  if (!Array.isArray(cidrs)) throw new TypeError('allowedNetworks must be an array of CIDR strings');
  const list = new net.BlockList();
  for (const entry of cidrs) {
    if (typeof entry !== 'string') throw new TypeError(`allowedNetworks: not a string: ${String(entry)}`);
    const [rawAddress = '', prefixText, ...rest] = entry.trim().split('/');
    const address = unmapIPv4(rawAddress);
    const family = net.isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (family === 0 || rest.length > 0 || !(prefix >= 0 && prefix <= max)) {
      throw new TypeError(`allowedNetworks: not a CIDR range: ${entry}`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return (remote) => {
    const address = unmapIPv4(String(remote ?? ''));
    const family = net.isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

// ---------------------------------------------------------------------------------------------
// Config

/** PEM text as given, or read from a file path (once, at start-up). */
function readPem(value, what) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`tls.${what} must be PEM text or a file path`);
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

/** Checks the config and fills in defaults. */
function normaliseConfig(config) {
  if (config === null || typeof config !== 'object') throw new TypeError('createJournalEndpoint: config must be an object');
  const { journalAddresses, storeDir } = config;
  if (!Array.isArray(journalAddresses) || journalAddresses.length === 0 || !journalAddresses.every((a) => typeof a === 'string' && a.includes('@'))) {
    throw new TypeError('journalAddresses must be a non-empty array of addresses');
  }
  if (typeof storeDir !== 'string' || storeDir === '') throw new TypeError('storeDir must be a directory path');
  const requireTls = config.requireTls ?? true;
  if (typeof requireTls !== 'boolean') throw new TypeError('requireTls must be a boolean');
  if (config.tls !== undefined && (config.tls === null || typeof config.tls !== 'object')) throw new TypeError('tls must be { key, cert }');
  if (requireTls && !config.tls) throw new TypeError('requireTls is on (the default) but no tls { key, cert } is configured');
  let users = null;
  if (config.auth !== undefined) {
    const u = config.auth?.users;
    if (u === null || typeof u !== 'object' || Object.keys(u).length === 0 || !Object.values(u).every((p) => typeof p === 'string' && p !== '')) {
      throw new TypeError('auth.users must map user names to non-empty passwords');
    }
    users = new Map(Object.entries(u));
    if (!config.tls) throw new TypeError('auth needs tls: passwords are only accepted after STARTTLS');
  }
  const allowedNetworks = config.allowedNetworks === undefined ? null : createNetworkMatcher(config.allowedNetworks);
  // The parser is told the input is trusted (trusted: true), which is only true when the endpoint
  // itself knows who is sending: by AUTH or by the source network.
  if (users === null && allowedNetworks === null) {
    throw new TypeError('configure auth or allowedNetworks (or both): reports are parsed as trusted, so the endpoint must authenticate its senders');
  }
  const maxMessageBytes = config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes <= 0) throw new TypeError('maxMessageBytes must be a positive integer');
  for (const hook of ['beforeCommit', 'log']) {
    if (config[hook] !== undefined && typeof config[hook] !== 'function') throw new TypeError(`${hook} must be a function`);
  }
  return {
    journalAddresses: new Set(journalAddresses.map((a) => a.trim().toLowerCase())),
    storeDir: path.resolve(storeDir),
    tls: config.tls ? { key: readPem(config.tls.key, 'key'), cert: readPem(config.tls.cert, 'cert') } : null,
    requireTls,
    users,
    allowedNetworks,
    maxMessageBytes,
    hostname: config.hostname,
    socketTimeout: config.socketTimeout ?? 5 * 60_000,
    closeTimeout: config.closeTimeout ?? 30_000,
    beforeCommit: config.beforeCommit ?? null,
    log: config.log ?? (() => {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Durable file operations

/** fsync a file, or a directory so that a rename or a new file in it survives a crash. */
async function syncPath(p) {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes every byte of a buffer at the file's current position. */
async function writeAll(fh, data) {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

async function exists(file) {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return false;
    throw err;
  }
}

/** Runs tasks one after another (the commit step: rename, index append). */
function createQueue() {
  let tail = Promise.resolve();
  return (task) => {
    const run = tail.then(task);
    tail = run.catch(() => {});
    return run;
  };
}

/**
 * The append-only index: one JSON line per delivery, fsynced before the delivery is answered.
 * A line cut short by a crash is cut off at start; a failed append is truncated away.
 */
async function openIndex(file, log) {
  /** @type {Map<string, JournalReport[]>} */
  const reportsByKey = new Map();
  let size = 0;
  if (await exists(file)) {
    size = (await stat(file)).size;
    // Drop a torn last line (a crash during an append before it was acknowledged).
    if (size > 0) {
      const fh = await open(file, 'r+');
      try {
        const tailBytes = Math.min(size, 1 << 16);
        let end = size;
        while (end > 0) {
          const from = Math.max(0, end - tailBytes);
          const buf = Buffer.alloc(end - from);
          await fh.read(buf, 0, buf.length, from);
          const nl = buf.lastIndexOf(0x0a);
          if (nl >= 0) {
            end = from + nl + 1;
            break;
          }
          end = from;
        }
        if (end !== size) {
          log('warn', 'index: dropping a torn last line', { bytes: size - end });
          await fh.truncate(end);
          await fh.sync();
          size = end;
        }
      } finally {
        await fh.close();
      }
    }
    const lines = size === 0 ? [] : createInterface({ input: createReadStream(file, { end: size - 1 }), crlfDelay: Infinity });
    let n = 0;
    for await (const text of lines) {
      n++;
      if (text.trim() === '') continue;
      try {
        const line = JSON.parse(text);
        const list = reportsByKey.get(line.key) ?? [];
        list.push(line.report);
        reportsByKey.set(line.key, list);
      } catch {
        log('warn', 'index: skipping a line that is not JSON', { line: n });
      }
    }
  }
  const fh = await open(file, 'a', 0o640);
  return {
    reportsByKey,
    /** Appends one line and fsyncs it; on failure the partial line is removed. */
    async append(line) {
      const data = Buffer.from(JSON.stringify(line) + '\n', 'utf8');
      const before = size;
      try {
        await writeAll(fh, data);
        await fh.sync();
        size += data.length;
      } catch (err) {
        await fh.truncate(before).catch(() => {});
        throw err;
      }
      const list = reportsByKey.get(line.key) ?? [];
      list.push(line.report);
      reportsByKey.set(line.key, list);
    },
    close: () => fh.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// The endpoint

/**
 * The name a message is stored under: its content key without the `ck1:` prefix (another
 * version, `ck2:…`, becomes `ck2-…` so that versions never collide) when the stored bytes are
 * the message that key describes; otherwise (a report kept whole: its key describes the
 * original inside it) `sha256-` and the SHA-256 of the archived bytes. The same rule as
 * `mailjournal extract --out`.
 */
function storeKey(report, sha256) {
  const ck = report.dedup?.contentKey;
  const keyed = report.output?.content !== 'unchanged' || report.kind === 'message';
  if (keyed && typeof ck === 'string') {
    const v1 = /^ck1:([0-9a-f]{64})$/.exec(ck);
    if (v1) return v1[1];
    const other = /^(ck\d+):([0-9a-f]{64})$/.exec(ck);
    if (other) return `${other[1]}-${other[2]}`;
  }
  return `sha256-${sha256}`;
}

/** Constant-time password check (both sides hashed first, so lengths do not leak). */
function passwordMatches(expected, given) {
  const a = createHash('sha256').update(String(expected)).digest();
  const b = createHash('sha256').update(String(given ?? '')).digest();
  return timingSafeEqual(a, b) && expected === given;
}

/**
 * Creates an SMTP journal endpoint. Nothing listens until `listen()`.
 *
 * @param {EndpointConfig} config
 * @returns {{ server: SMTPServer, listen(port?: number, host?: string): Promise<net.AddressInfo>, close(): Promise<void> }}
 */
export function createJournalEndpoint(config) {
  const cfg = normaliseConfig(config);
  const dirs = {
    messages: path.join(cfg.storeDir, 'messages'),
    tmp: path.join(cfg.storeDir, 'tmp'),
    index: path.join(cfg.storeDir, 'index.jsonl'),
  };
  const commit = createQueue();

  /** @type {Awaited<ReturnType<typeof openIndex>> | null} */
  let index = null;
  /** @type {Promise<void> | null} */
  let ready = null;
  const init = async () => {
    await mkdir(dirs.messages, { recursive: true });
    await mkdir(dirs.tmp, { recursive: true });
    // Leftovers of deliveries that were never acknowledged: the senders retry them.
    for (const name of await readdir(dirs.tmp)) await rm(path.join(dirs.tmp, name), { force: true, recursive: true });
    index = await openIndex(dirs.index, cfg.log);
    await syncPath(cfg.storeDir);
  };
  const whenReady = () => (ready ??= init());

  /** Parses the DATA stream into a synced temporary file; removes the file on failure. */
  async function stage(input) {
    const tmpPath = path.join(dirs.tmp, `${Date.now()}-${randomBytes(8).toString('hex')}.eml`);
    const fh = await open(tmpPath, 'wx', 0o640);
    const hash = createHash('sha256');
    // The archived bytes are hashed as they are written; the file is fsynced when they end.
    const out = new Writable({
      highWaterMark: MiB,
      write(chunk, _encoding, done) {
        hash.update(chunk);
        writeAll(fh, chunk).then(() => done(), done);
      },
      final(done) {
        fh.sync().then(() => done(), done);
      },
    });
    let ok = false;
    try {
      const report = await parseJournal(input, { trusted: true, output: out });
      await finishedStream(out);
      ok = true;
      return { tmpPath, report, sha256: hash.digest('hex') };
    } finally {
      if (!ok) out.destroy();
      await fh.close().catch(() => {});
      if (!ok) await rm(tmpPath, { force: true });
    }
  }

  /**
   * Makes one delivery durable: the message under messages/ (once per key) and its index line.
   * Runs in the commit queue, one delivery at a time, so that the duplicate check, the rename
   * and the append cannot interleave.
   *
   * @returns {Promise<IndexLine>}
   */
  async function commitDelivery(staged, session) {
    const { tmpPath, report, sha256 } = staged;
    const key = storeKey(report, sha256);
    const file = path.join(dirs.messages, `${key}.eml`);
    const idx = /** @type {NonNullable<typeof index>} */ (index);
    try {
      if (cfg.beforeCommit) await cfg.beforeCommit({ key, tmpPath, report, session });
      const prior = idx.reportsByKey.get(key) ?? [];
      if (await exists(file)) {
        // Stored before: by an earlier delivery, or by one that crashed between the rename and
        // its index line. Keep the stored bytes; make sure they are durable.
        await rm(tmpPath, { force: true });
        await syncPath(file);
      } else {
        await rename(tmpPath, file);
      }
      await syncPath(dirs.messages);
      const reports = [...prior, report];
      /** @type {IndexLine} */
      const line = {
        receivedAt: new Date().toISOString(),
        key,
        file: path.posix.join('messages', `${key}.eml`),
        duplicate: prior.length > 0,
        envelope: {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
        },
        client: {
          address: unmapIPv4(session.remoteAddress),
          user: session.user || null,
          tls: session.tlsOptions ? session.tlsOptions.version ?? session.tlsOptions.name : null,
        },
        report,
        merged: mergeReports(reports),
      };
      await idx.append(line);
      return line;
    } finally {
      await rm(tmpPath, { force: true }).catch(() => {});
    }
  }

  /** Handles one DATA transaction; resolves to the 250 text, rejects with an SMTP error. */
  async function receive(stream, session) {
    let seen = 0;
    let tooLarge = false;
    const limiter = new Transform({
      transform(chunk, _encoding, done) {
        seen += chunk.length;
        if (seen > cfg.maxMessageBytes) tooLarge = true;
        // Past the limit, bytes are read off the connection and dropped.
        done(null, tooLarge ? undefined : chunk);
      },
      flush(done) {
        done(tooLarge ? new MessageTooLargeError(cfg.maxMessageBytes) : null);
      },
    });
    stream.pipe(limiter);
    // The reply must wait until the whole message has been read off the connection. A sender
    // that goes away mid-message ends the parse with an error (and its temporary file).
    const drained = new Promise((resolve) =>
      finished(stream, (err) => {
        if (err) limiter.destroy(err);
        resolve(undefined);
      }),
    );
    try {
      await whenReady();
      const staged = await stage(limiter);
      const line = await commit(() => commitDelivery(staged, session));
      cfg.log('info', line.duplicate ? 'duplicate indexed' : 'stored', { key: line.key, kind: line.report.kind, session: session.id });
      return `OK ${line.duplicate ? 'duplicate' : 'stored'} ${line.key}`;
    } catch (err) {
      if (tooLarge) throw smtpError(552, `Message exceeds the maximum size of ${cfg.maxMessageBytes} bytes`);
      cfg.log('error', 'delivery not stored', { session: session.id, error: err instanceof Error ? err.message : String(err) });
      throw smtpError(451, 'Temporary failure: the message was not stored, try again later');
    } finally {
      stream.unpipe(limiter);
      stream.resume();
      await drained;
    }
  }

  /** @type {string[]} */
  const disabledCommands = [];
  if (!cfg.tls) disabledCommands.push('STARTTLS');
  if (!cfg.users) disabledCommands.push('AUTH');

  /** DATA transactions still running (see onData). */
  const inFlight = new Set();
  /** @type {import('smtp-server').SMTPServerOptions} */
  const options = {
    name: cfg.hostname,
    banner: 'mailjournal journal endpoint',
    size: cfg.maxMessageBytes,
    disabledCommands,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !cfg.users,
    allowInsecureAuth: false,
    disableReverseLookup: true,
    minVersion: 'TLSv1.2',
    socketTimeout: cfg.socketTimeout,
    closeTimeout: cfg.closeTimeout,
    logger: false,
    ...(cfg.tls ?? {}),

    onConnect(session, callback) {
      if (cfg.allowedNetworks && !cfg.allowedNetworks(session.remoteAddress)) {
        cfg.log('warn', 'connection refused: source not in allowedNetworks', { address: session.remoteAddress });
        return callback(smtpError(554, 'Connection refused: this endpoint does not accept mail from your address'));
      }
      callback();
    },

    onAuth(auth, _session, callback) {
      const users = /** @type {Map<string, string>} */ (cfg.users);
      const name = auth.username ?? '';
      const expected = users.get(name);
      // Compare even for an unknown user, so the answer takes the same time.
      const ok = passwordMatches(expected ?? randomBytes(16).toString('hex'), auth.password) && expected !== undefined;
      if (!ok) return callback(smtpError(535, 'Authentication failed'));
      callback(null, { user: name });
    },

    onMailFrom(_address, session, callback) {
      if (cfg.requireTls && !session.secure) return callback(smtpError(530, 'Must issue a STARTTLS command first'));
      callback();
    },

    onRcptTo(address, _session, callback) {
      if (!cfg.journalAddresses.has(address.address.trim().toLowerCase())) {
        return callback(smtpError(550, `<${address.address}>: not a journal address of this endpoint`));
      }
      callback();
    },

    onData(stream, session, callback) {
      const delivery = receive(stream, session).then(
        (reply) => callback(null, reply),
        (err) => callback(err),
      );
      // close() waits for it: a sender that drops mid-DATA during shutdown still gets its
      // temporary file removed and its "not stored" log line before the process exits.
      inFlight.add(delivery);
      const done = () => inFlight.delete(delivery);
      delivery.then(done, done);
    },
  };

  const server = new SMTPServer(options);
  server.on('error', (err) => cfg.log('error', 'smtp server error', { error: err.message }));

  return {
    server,
    async listen(port = 25, host) {
      await whenReady();
      return new Promise((resolve, reject) => {
        const onError = (err) => reject(err);
        server.server.once('error', onError);
        server.listen(port, host, () => {
          server.server.off('error', onError);
          resolve(/** @type {net.AddressInfo} */ (server.server.address()));
        });
      });
    },
    async close() {
      if (server.server.listening) await new Promise((resolve) => server.close(() => resolve(undefined)));
      // The sessions are gone, but a delivery whose sender dropped may still be cleaning up.
      await Promise.allSettled([...inFlight]);
      await commit(async () => {}); // let a commit in progress finish
      if (ready) {
        await ready.catch(() => {});
        await index?.close().catch(() => {});
        index = null;
        ready = null;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Command line: node server.js config.json

async function main(argv) {
  if (argv.length !== 1 || argv[0] === '--help' || argv[0] === '-h') {
    console.error('usage: node server.js config.json');
    return 2;
  }
  const configFile = path.resolve(argv[0]);
  const base = path.dirname(configFile);
  const raw = JSON.parse(await readFile(configFile, 'utf8'));
  const resolvePath = (p) => (typeof p === 'string' && !p.includes('-----BEGIN') ? path.resolve(base, p) : p);
  const config = {
    ...raw,
    storeDir: resolvePath(raw.storeDir),
    tls: raw.tls ? { key: resolvePath(raw.tls.key), cert: resolvePath(raw.tls.cert) } : undefined,
    log: (level, message, fields) => console.error(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })),
  };
  const endpoint = createJournalEndpoint(config);
  const address = await endpoint.listen(raw.port ?? 25, raw.host);
  console.error(`journal endpoint listening on ${address.address}:${address.port}, storing in ${path.resolve(config.storeDir)}`);
  const stop = async () => {
    console.error('closing…');
    await endpoint.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return null;
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== null) process.exitCode = code;
    },
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
