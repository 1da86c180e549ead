import { createHash } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, openSync, writeSync, closeSync, readSync, fsyncSync } from 'node:fs';
import path from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import type { ParseOptions } from '../options.js';
import { JournalParser } from '../parser.js';
import type { JournalReport } from '../types.js';
import { CharCode, concatBytes } from '../internal/bytes.js';
import { MboxSplitter, startsWithFromLine } from './mbox.js';

/** One file to process: a single message, or an mbox holding many (decided by its first bytes). */
export interface WorkUnit {
  file: string;
}

/** The outcome for one message of a batch. */
export interface BatchItem {
  file: string;
  /** Position of the message in an mbox file (1-based); absent for single-message files. */
  index?: number;
  bytes: number;
  report?: JournalReport;
  error?: { code: string; message: string };
  /** Where the archived original was written (with `outDir`). */
  stored?: string;
  /** With `outDir`: the store had that file already (from this run or an earlier one), so it was not written again. */
  duplicate?: boolean;
}

const READ_BYTES = 1024 * 1024;

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A file named `*.eml` holds one message, even when it starts with a `From ` line (some clients
 * save one before the headers): it is read whole, that line included, as standard input is.
 */
const SINGLE_MESSAGE_NAME = /\.eml$/i;

/**
 * An mbox's first line is a short `From sender date` line. A file that starts with "From " but
 * has no line break within this many bytes (a file with CR line ends, say) is one message: read
 * as an mbox, its whole content would be one framing line, dropped.
 */
const MBOX_HEAD_BYTES = 1024;

/** Whether the first bytes of a file are an mbox's: a "From " line that ends within MBOX_HEAD_BYTES. */
function isMboxHead(head: Uint8Array): boolean {
  if (!startsWithFromLine(head)) return false;
  const lf = head.indexOf(CharCode.LF);
  return lf !== -1 && lf < MBOX_HEAD_BYTES;
}

/** Whether a file starts like an mbox ("From " line); false when it cannot be read, and for `*.eml`. */
export function looksLikeMbox(file: string): boolean {
  if (SINGLE_MESSAGE_NAME.test(file)) return false;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    // Unreadable: processing it reports the error for that file.
    return false;
  }
  try {
    const head = Buffer.alloc(MBOX_HEAD_BYTES);
    return isMboxHead(head.subarray(0, readSync(fd, head, 0, MBOX_HEAD_BYTES, 0)));
  } catch {
    // A read error (EIO, say) likewise: reading the file again when it is processed reports it
    // for that file, instead of stopping the whole run here.
    return false;
  } finally {
    closeSync(fd);
  }
}

// Any case, as for *.eml (found by an audit: NOTES.TXT and x.ARCHIVED.EML were read as mail).
const SKIP = /(^|[/\\])\.|\.(json|md|txt)$|\.archived\.eml$/i;

/**
 * Folders inside a Maildir that hold no mail: Courier's keyword and ACL stores. (`tmp/` holds
 * deliveries in progress; the Maildir's own files are metadata: dovecot-uidlist and the like.)
 */
const MAILDIR_METADATA = new Set(['tmp', 'courierimapkeywords', 'courierimaphieracl', 'courierimapacl']);

/** A folder that could not be listed: it fails like a file that cannot be read. */
export interface UnreadableFolder {
  path: string;
  code: string;
  message: string;
}

/**
 * The work units under some paths: files as they are; directories recursively, each folder once
 * however many symbolic links lead to it (a link back up the tree would repeat it for ever); a
 * Maildir (a folder with cur/, new/ and tmp/) contributes the files in cur/ and new/ and its
 * subfolders — Maildir++ `.Sent`, a `Sent/` of Dovecot's fs layout, any other folder — but not
 * tmp/ (deliveries in progress), its metadata files or Courier's metadata folders. Files
 * starting with "From " are read as mbox. A folder that cannot be listed is in `unreadable`.
 */
export function enumerate(paths: string[]): { units: WorkUnit[]; missing: string[]; unreadable: UnreadableFolder[] } {
  const units: WorkUnit[] = [];
  const missing: string[] = [];
  const unreadable: UnreadableFolder[] = [];
  const walked = new Set<string>();
  // One stat per entry; whether a file is an mbox is seen in its first chunk when it is read, so
  // that a tree of many small files is not opened twice.
  const addFile = (file: string) => units.push({ file });
  const walk = (dir: string, st: { dev: number; ino: number }): void => {
    const id = `${st.dev}:${st.ino}`;
    if (walked.has(id)) return;
    walked.add(id);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      unreadable.push({ path: dir, ...describeError(e) });
      return;
    }
    const maildir = ['cur', 'new', 'tmp'].every((d) => names.includes(d));
    for (const name of names) {
      const full = path.join(dir, name);
      if (maildir ? MAILDIR_METADATA.has(name) : SKIP.test(name)) continue;
      let entry: ReturnType<typeof statSync>;
      try {
        entry = statSync(full);
      } catch {
        // A dangling link or a vanished file: keep it, so that its failure is reported and counted.
        if (!maildir) addFile(full);
        continue;
      }
      if (entry.isDirectory()) walk(full, entry);
      // A Maildir's own files are metadata (dovecot-uidlist, maildirfolder …), not mail.
      else if (entry.isFile() && !maildir) addFile(full);
    }
  };
  for (const p of paths) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      // A file where a folder should be ("a.eml/x"): that path does not exist either. Another
      // error (a permission error on a parent folder …): reading it reports the real error.
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') missing.push(p);
      else addFile(p);
      continue;
    }
    if (st === undefined) missing.push(p);
    else if (st.isDirectory()) walk(p, st);
    else addFile(p);
  }
  return { units, missing, unreadable };
}

/**
 * `mkdir -p` one level at a time. Not Node's `mkdirSync(dir, { recursive: true })`: given a path
 * under /proc it never returns (Node 20), and a CLI must fail, not hang, on a bad --out.
 */
export function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && isDirectory(dir)) return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw e;
    makeDirectory(parent);
  }
  try {
    mkdirSync(dir);
  } catch (e) {
    // Made meanwhile by another worker: fine.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(dir)) throw e;
  }
}

/**
 * Make the store directory and check that a file can be written in it, once, before a batch:
 * otherwise every message would fail on its own with the same error. Throws the error to report.
 */
export function prepareOutDir(dir: string): void {
  makeDirectory(dir);
  const probe = path.join(dir, `.tmp-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  closeSync(openSync(probe, 'wx'));
  unlinkSync(probe);
}

function describeError(e: unknown): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err?.code === 'string' ? err.code : 'ERROR', message: typeof err?.message === 'string' ? err.message : String(e) };
}

/**
 * The start of the temp files a thread writes: the thread is named so that, when a batch worker
 * dies mid-message, the files it left can be told apart from the other workers' and removed.
 */
const tempPrefix = (thread: number): string => `.tmp-${process.pid}-${thread}-`;

/** Remove the temp files a dead batch worker left in `dir`. */
function removeTempFiles(dir: string | undefined, thread: number): void {
  if (dir === undefined) return;
  const prefix = tempPrefix(thread);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no directory, no temp files
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    try {
      unlinkSync(path.join(dir, name));
    } catch {
      // Gone already, or not ours to remove: nothing to do.
    }
  }
}

/** Writes one archived original to a temp file, then under its content key (temp + rename). */
class StoreWriter {
  private fd: number | undefined;
  private readonly temp: string;
  private readonly hash = createHash('sha256');

  constructor(private readonly dir: string) {
    // The directory is made once per unit (processUnit), not once per message.
    this.temp = path.join(dir, `${tempPrefix(threadId)}${Math.random().toString(36).slice(2)}`);
    this.fd = openSync(this.temp, 'w');
  }

  write(bytes: Uint8Array): void {
    this.hash.update(bytes);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd!, bytes, off);
  }

  /**
   * Name the file by the content key when the stored bytes are the message that key describes
   * (an archived original, an NDR's returned message, a plain message); otherwise (a report kept
   * whole) by the SHA-256 of the bytes. A name already stored is a duplicate.
   */
  commit(report: JournalReport): { file: string; duplicate: boolean } {
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
    const keyed = report.dedup.contentKey !== null && (report.output.content !== 'unchanged' || report.kind === 'message');
    // ck1 keys go without their prefix; another version (ck2:…) becomes ck2-…, so that versions
    // never collide and a name never holds a colon (as in the SMTP endpoint example).
    const key = keyed ? report.dedup.contentKey!.replace(/^ck1:/, '').replace(':', '-') : `sha256-${this.hash.digest('hex')}`;
    const file = path.join(this.dir, `${key}.eml`);
    // link() creates the name only if it does not exist, atomically: two workers storing the same
    // message at once cannot both count it as new. Where hard links are not supported, rename.
    try {
      linkSync(this.temp, file);
      unlinkSync(this.temp);
      return { file, duplicate: false };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        unlinkSync(this.temp);
        return { file, duplicate: true };
      }
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw e;
    }
    if (existsSync(file)) {
      unlinkSync(this.temp);
      return { file, duplicate: true };
    }
    renameSync(this.temp, file);
    return { file, duplicate: false };
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    try {
      unlinkSync(this.temp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/**
 * Process one work unit in this thread; calls `emit` for every message. Errors on one message
 * are reported for that message; the rest of an mbox goes on.
 */
export async function processUnit(unit: WorkUnit, parse: ParseOptions, outDir: string | undefined, onItem: ItemSink): Promise<void> {
  // What the consumer of the items asked to wait for (its output is full): the next slice (see
  // SINK_SLICE) is read only after that, so a slow consumer bounds what is held to one slice's
  // items.
  let waiting: Promise<unknown> | undefined;
  const emit = (item: BatchItem): void => {
    const wait = waitOf(onItem(item));
    // A rejection counts as settled (the consumer's own failure, which it reports itself), the
    // same with worker threads; every promise is handled, not only the last one awaited.
    if (wait !== undefined) waiting = Promise.resolve(wait).then(noop, noop);
  };
  const settle = async (): Promise<void> => {
    while (waiting !== undefined) {
      const w = waiting;
      waiting = undefined;
      await w;
    }
  };
  let parser: JournalParser | undefined;
  let store: StoreWriter | undefined;
  let item: BatchItem | undefined;
  let failed: unknown;
  let index = 0;
  let dirMade = false;
  let mbox = false;
  const start = (): void => {
    index++;
    item = { file: unit.file, bytes: 0, ...(mbox ? { index } : {}) };
    failed = undefined;
    try {
      if (outDir !== undefined && !dirMade) {
        makeDirectory(outDir);
        dirMade = true;
      }
      store = outDir ? new StoreWriter(outDir) : undefined;
      parser = new JournalParser(parse, undefined, (b) => store?.write(b));
    } catch (e) {
      failed = e;
    }
  };
  const data = (bytes: Uint8Array): void => {
    item!.bytes += bytes.length;
    if (failed !== undefined) return;
    try {
      parser!.write(bytes);
    } catch (e) {
      failed = e;
    }
  };
  const finish = (): void => {
    const done = item!;
    try {
      if (failed !== undefined) throw failed;
      done.report = parser!.end();
      if (store) {
        const { file, duplicate } = store.commit(done.report);
        done.stored = file;
        if (duplicate) done.duplicate = true;
      }
    } catch (e) {
      store?.abort();
      done.error = describeError(e);
    }
    emit(done);
  };
  try {
    // The first bytes decide: a file that starts with a "From " line is an mbox. They are held
    // until its first line ends (a first read that short is rare, but possible).
    let head: Uint8Array = new Uint8Array(0);
    let sink: { write(b: Uint8Array): void; end(): void } | undefined;
    const decide = (): { write(b: Uint8Array): void; end(): void } => {
      mbox = !SINGLE_MESSAGE_NAME.test(unit.file) && isMboxHead(head);
      if (mbox) {
        const splitter = new MboxSplitter({ onMessageStart: start, onMessageData: data, onMessageEnd: finish });
        return { write: (b) => splitter.write(b), end: () => splitter.end() };
      }
      start();
      return { write: data, end: finish };
    };
    // In slices, waiting between them when the consumer asks to: a 1 MiB read of tiny mbox
    // messages is thousands of results, too many to hold at once for a full pipe.
    const feed = async (bytes: Uint8Array): Promise<void> => {
      for (let at = 0; at < bytes.length; at += SINK_SLICE) {
        sink!.write(bytes.subarray(at, at + SINK_SLICE));
        if (waiting !== undefined) await settle();
      }
    };
    for await (const chunk of createReadStream(unit.file, { highWaterMark: READ_BYTES })) {
      if (sink !== undefined) {
        await feed(chunk as Buffer);
        continue;
      }
      head = concatBytes(head, chunk as Buffer);
      if (head.length < MBOX_HEAD_BYTES && head.indexOf(CharCode.LF) === -1) continue;
      sink = decide();
      await feed(head);
    }
    if (sink === undefined) {
      sink = decide();
      await feed(head);
    }
    sink.end();
  } catch (e) {
    // The file itself could not be read: drop what was started for it.
    store?.abort();
    emit({ file: unit.file, bytes: item?.bytes ?? 0, error: describeError(e), ...(mbox && index > 0 ? { index } : {}) });
  }
  await settle();
}

/** Bytes handed to the parser or the mbox splitter between two looks at the consumer's wait. */
const SINK_SLICE = 16 * 1024;

const noop = (): void => {};

/**
 * Takes each message's result; may return a promise to say "read no further until this
 * settles" (its output is full). A rejected promise counts as settled.
 */
export type ItemSink = (item: BatchItem) => unknown;

/** The promise an {@link ItemSink} returned, if it returned one. */
function waitOf(value: unknown): PromiseLike<unknown> | undefined {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function' ? (value as PromiseLike<unknown>) : undefined;
}

/** Options of {@link runBatch}. */
export interface BatchOptions {
  parse: ParseOptions;
  outDir: string | undefined;
  /** Worker threads; 1 processes in this thread. */
  jobs: number;
  /** Each message's result; a returned promise holds back further reading until it settles. */
  onItem: ItemSink;
  /** @internal The worker script (tests substitute one that fails on purpose). */
  workerFile?: URL;
}

/**
 * Process work units, up to `jobs` at a time in worker threads (a unit — a file or an mbox — is
 * the grain, so an mbox stays in order). A worker that fails or exits fails only the unit it was
 * reading (an error item, code `ERR_WORKER`); a new worker takes the next units.
 */
export async function runBatch(units: WorkUnit[], options: BatchOptions): Promise<void> {
  const jobs = Math.max(1, Math.min(options.jobs, units.length || 1));
  if (jobs === 1) {
    for (const unit of units) await processUnit(unit, options.parse, options.outDir, options.onItem);
    return;
  }
  let next = 0;
  const workerFile = options.workerFile ?? new URL('./batch-worker.js', import.meta.url);
  const spawn = (): Worker => new Worker(workerFile, { workerData: { parse: options.parse, outDir: options.outDir } });
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      let worker = spawn();
      // Read while the thread runs: an exited worker's threadId is -1.
      let thread = worker.threadId;
      try {
        while (next < units.length) {
          const unit = units[next++]!;
          const failure = await runUnit(worker, unit, options.onItem);
          if (failure !== undefined) {
            options.onItem({ file: unit.file, bytes: 0, error: { code: 'ERR_WORKER', message: failure } });
            await worker.terminate();
            // What it was writing will never be renamed into place.
            removeTempFiles(options.outDir, thread);
            worker = spawn();
            thread = worker.threadId;
          }
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
}

/** One unit on a worker: resolves with undefined when it is done, or with why the worker failed. */
function runUnit(worker: Worker, unit: WorkUnit, onItem: (item: BatchItem) => void): Promise<string | undefined> {
  return new Promise((resolve) => {
    let items = 0;
    const settle = (failure: string | undefined): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(failure);
    };
    const onMessage = (msg: { item?: BatchItem; done?: boolean }): void => {
      if (msg.item) {
        items++;
        // Acknowledged once the output took it (see ACK_WINDOW).
        const wait = waitOf(onItem(msg.item));
        const ack = (): void => worker.postMessage({ ack: true });
        if (wait === undefined) ack();
        else wait.then(ack, ack);
      }
      if (msg.done) settle(undefined);
    };
    const after = (): string => (items > 0 ? ` after ${items} message(s)` : '');
    const onError = (e: Error): void => settle(`the batch worker failed while reading ${unit.file}${after()}: ${e.message}`);
    // A worker that stops without an error must not leave the batch waiting for ever.
    const onExit = (code: number): void => settle(`the batch worker exited (code ${code}) while reading ${unit.file}${after()}`);
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage({ unit });
  });
}

/** Results a batch worker posts before it waits for the main thread to acknowledge them. @internal */
export const ACK_WINDOW = 64;
