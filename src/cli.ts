import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, fstatSync, type ReadStream, lstatSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { checkInput, fuzz, SEED_BYTES_PER_INPUT } from './fuzz.js';
import { enumerate, looksLikeMbox, makeDirectory, prepareOutDir, runBatch, type UnreadableFolder } from './batch/run.js';
import { parseJournal } from './parse.js';
import { isJournalError } from './errors.js';
import type { JournalReport } from './types.js';
import type { ParseOptions } from './options.js';
import { assignMailboxes, domainEntryProblem, normaliseAddress, type ArchivePolicy } from './policy.js';

const USAGE = `Usage:
  mailjournal inspect [--jsonl] FILE...   print the report of each file as JSON
  mailjournal extract FILE [-o OUT]       write the archived original (stdout by default)
  mailjournal inspect|extract PATH... --out DIR [--jobs N]
                                          batch: PATHs may be directories (recursive), mbox
                                          files and Maildir folders; every message is processed
  mailjournal fuzz DIR... [--seconds N] [--seed N] [--out DIR]
                                          fuzz the parser with mutations of your own mail
  mailjournal fuzz --replay FILE...       check failures a fuzz run wrote, again
  mailjournal --help | --version

FILE may be "-" for standard input. A long option's value may follow it or be joined with "="
(--mode=mailbox); an option of another command is an error.

Options:
  --jsonl            one JSON document per line (the default for several files)
  -o, --output OUT   where extract writes the archived original
  --remove-header H  remove header H from the original (repeatable; replaces the default
                     X-MS-Exchange-Organization-BCC and X-MS-Exchange-CrossPremises-BCC)

NDRs and protected mail:
  --mode endpoint|mailbox    how NDRs are archived (default endpoint: a journal endpoint)
  --prefer-clear-text        archive the decrypted copy of an IRM-protected original

Trust and delivery headers:
  --trusted                  the input comes from an authenticated journal endpoint
  --journal-sender ADDR      a journal wrapper from ADDR (From/Sender/Return-Path) is trusted;
                             /REGEX/flags for a pattern (repeatable)
  --archive-address ADDR     the archive's own mailbox: not a recipient; its sub-addresses
                             (archive+user=domain@...) decode to user@domain (repeatable)

Assignment (inspect adds an "assignment" object when --internal-domain is given):
  --internal-domain D        internal domain, or *.D for its subdomains (repeatable)
  --fold-plus                fold user+tag@ to user@ before comparing
  --journal-non-internal     keep messages with no internal address
  --journal-unknown-internal keep messages whose internal addresses are not known mailboxes
  --known-mailboxes FILE     known mailboxes, one address per line (default: all internal)
  --assign-forwarded         also assign Forwarded: originals
  --require-trusted          use a journal envelope only when the wrapper is trusted

Batch (directories, mbox files, Maildir folders, or --out/--jobs):
  --out DIR          write each archived original as DIR/<content key>.eml (a key already there
                     is counted as a duplicate, not written again); extract requires it
  A file named *.eml is one message, even when it starts with a "From " line.
  --jobs N           process up to N files at once in worker threads (default 1)
  inspect prints one JSON line per message (with "file", and "index" inside an mbox); a progress
  line on a terminal and a summary on stderr; a failed message is reported and counted, the
  batch goes on, and the exit status is 1 if any failed.

Fuzzing:
  --seconds N        how long to run (default 60)
  --seed N           PRNG seed, 0 to 4294967295; the same seed gives the same inputs
                     (default: time-based)
  --out DIR          where failing inputs are written, minimised (default ./mailjournal-fuzz)
  --replay           run the given failure files again (with the options and chunking saved
                     beside each), printing PASS or FAIL
  Seeds are the files under each DIR as a batch reads them (names starting with a dot, .json,
  .md, .txt and .archived.eml in any case skipped); only the first 1 MiB of each is used. Each failure is
  written as DIR/<hash>.eml with DIR/<hash>.replay.json, and printed with a one-line reason.
  The parse options given (--remove-header, --trusted ...) apply to every run.

Exit status: 0 when every file was parsed (fuzz: no failure), 1 when any failed, 2 on a usage
error.
`;

class UsageError extends Error {}

interface Args {
  command: string;
  files: string[];
  jsonl: boolean;
  output: string | undefined;
  removeHeaders: string[] | undefined;
  parse: ParseOptions;
  policy: ArchivePolicy | undefined;
  knownMailboxes: string | undefined;
  seconds: number;
  seed: number | undefined;
  /** fuzz --replay: check written failures again instead of fuzzing. */
  replay: boolean;
  out: string | undefined;
  jobs: number | undefined;
}

const POLICY_FLAGS: Record<string, 'foldPlusAddressing' | 'journalNonInternal' | 'journalUnknownInternal' | 'assignForwardedFrom' | 'requireTrustedJournal'> = {
  '--fold-plus': 'foldPlusAddressing',
  '--journal-non-internal': 'journalNonInternal',
  '--journal-unknown-internal': 'journalUnknownInternal',
  '--assign-forwarded': 'assignForwardedFrom',
  '--require-trusted': 'requireTrustedJournal',
};

/** `/re/flags` is a RegExp, anything else a literal address. */
function addressOrPattern(value: string): string | RegExp {
  const m = /^\/(.+)\/([a-z]*)$/.exec(value);
  if (!m) return value;
  try {
    return new RegExp(m[1]!, m[2]);
  } catch (e) {
    throw new UsageError(`invalid pattern ${value}: ${(e as Error).message}`);
  }
}

/** Options that take a value, which may also be written `--name=value`. */
const VALUED = new Set(['--seconds', '--seed', '--out', '--jobs', '--mode', '--journal-sender', '--archive-address', '--internal-domain', '--known-mailboxes', '--output', '--remove-header']);

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Options that take no value. */
const FLAGS = new Set(['--jsonl', '--trusted', '--replay', '--prefer-clear-text', '--help', '--version', ...Object.keys(POLICY_FLAGS)]);

/**
 * The commands an option means something to: given to another, it is a usage error rather than
 * ignored (found by an audit: `inspect --seconds 5` and `extract --internal-domain x` ran as if
 * they were not there). Options not listed apply to every command.
 */
const ONLY_FOR: Record<string, readonly string[]> = {
  '--jsonl': ['inspect'],
  '-o': ['extract'],
  '--output': ['extract'],
  '--seconds': ['fuzz'],
  '--seed': ['fuzz'],
  '--replay': ['fuzz'],
  '--jobs': ['inspect', 'extract'],
  '--internal-domain': ['inspect'],
  '--known-mailboxes': ['inspect'],
  ...Object.fromEntries(Object.keys(POLICY_FLAGS).map((flag) => [flag, ['inspect']])),
};

/**
 * `--name=value` where an option is expected, as `--name` then `value` in `argv` (changed in
 * place). Only there: the value of the option before it may itself start with `--` and hold an
 * `=` (`-o --x=y.eml`, found by review), and is read as it is.
 */
function splitEquals(argv: string[], i: number): void {
  const a = argv[i]!;
  const eq = a.indexOf('=');
  if (!a.startsWith('--') || eq === -1) return;
  const name = a.slice(0, eq);
  if (!VALUED.has(name)) throw new UsageError(FLAGS.has(name) ? `${name} takes no value` : `unknown option ${name}`);
  argv.splice(i, 1, name, a.slice(eq + 1));
}

function parseArgs(rawArgv: string[]): Args {
  const argv = [...rawArgv];
  const given: string[] = [];
  const args: Args = { command: '', files: [], jsonl: false, output: undefined, removeHeaders: undefined, parse: {}, policy: undefined, knownMailboxes: undefined, seconds: 60, seed: undefined, replay: false, out: undefined, jobs: undefined };
  const number = (v: string, a: string): number => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${a} takes a whole number, not ${v}`);
    return Number(v);
  };
  const flags: Partial<ArchivePolicy> = {};
  const domains: string[] = [];
  const senders: (string | RegExp)[] = [];
  const archive: (string | RegExp)[] = [];
  const value = (i: number, a: string): string => {
    const v = argv[i];
    // Empty too (`--out=` with an unset variable): a usage error, not a failure later.
    if (v === undefined || v === '') throw new UsageError(`${a} needs a value`);
    return v;
  };
  let optionsEnd = false;
  for (let i = 0; i < argv.length; i++) {
    // After `--` every argument is a command or a file name, even one that starts with '-'.
    if (!optionsEnd) splitEquals(argv, i);
    const a = argv[i]!;
    if (optionsEnd || a === '--') {
      if (!optionsEnd) optionsEnd = true;
      else if (args.command === '') args.command = a;
      else args.files.push(a);
      continue;
    }
    if (a.startsWith('-') && a !== '-') given.push(a);
    if (a === '--jsonl') args.jsonl = true;
    else if (a === '--trusted') args.parse.trusted = true;
    else if (a === '--seconds') args.seconds = number(value(++i, a), a);
    else if (a === '--seed') {
      args.seed = number(value(++i, a), a);
      // The PRNG takes 32 bits: a larger seed would silently stand for another.
      if (args.seed > 0xffffffff) throw new UsageError(`--seed takes a whole number up to ${0xffffffff}`);
    }
    else if (a === '--replay') args.replay = true;
    else if (a === '--out') args.out = value(++i, a);
    else if (a === '--jobs') {
      args.jobs = number(value(++i, a), a);
      if (args.jobs < 1) throw new UsageError('--jobs takes a whole number of at least 1');
    }
    else if (a === '--prefer-clear-text') args.parse.preferClearText = true;
    else if (a === '--mode') {
      const v = value(++i, a);
      if (v !== 'endpoint' && v !== 'mailbox') throw new UsageError(`--mode takes endpoint or mailbox, not ${v}`);
      args.parse.mode = v;
    }
    else if (a === '--journal-sender') senders.push(addressOrPattern(value(++i, a)));
    else if (a === '--archive-address') archive.push(addressOrPattern(value(++i, a)));
    else if (a === '--internal-domain') {
      const v = value(++i, a).trim();
      const problem = v === '' ? 'it is empty' : domainEntryProblem(v);
      if (problem !== undefined) throw new UsageError(`--internal-domain takes a domain name (or *.domain), not ${JSON.stringify(v)}: ${problem}`);
      domains.push(v);
    }
    else if (a === '--known-mailboxes') args.knownMailboxes = value(++i, a);
    else if (Object.hasOwn(POLICY_FLAGS, a)) flags[POLICY_FLAGS[a]!] = true;
    else if (a === '-o' || a === '--output') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${a} needs a file name`);
      args.output = v;
    } else if (a === '--remove-header') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new UsageError('--remove-header needs a header name');
      (args.removeHeaders ??= []).push(v);
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else if (args.command === '') args.command = a;
    else args.files.push(a);
  }
  for (const a of given) {
    const commands = ONLY_FOR[a];
    if (commands !== undefined && args.command !== '' && !commands.includes(args.command)) throw new UsageError(`${a} is an option of ${commands.join(' and ')}, not of ${args.command}`);
  }
  if (args.removeHeaders) args.parse.removeHeaders = args.removeHeaders;
  if (senders.length > 0) args.parse.journalSenders = senders;
  if (archive.length > 0) args.parse.archiveAddresses = archive;
  const wantsPolicy = Object.keys(flags).length > 0 || args.knownMailboxes !== undefined;
  if (wantsPolicy && domains.length === 0) throw new UsageError('assignment options need --internal-domain');
  if (domains.length > 0) args.policy = { internalDomains: domains, ...flags };
  return args;
}

function loadKnownMailboxes(args: Args): void {
  if (args.policy === undefined || args.knownMailboxes === undefined) return;
  const known = new Set(
    readFileSync(args.knownMailboxes, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => normaliseAddress(l, { foldPlusAddressing: args.policy?.foldPlusAddressing === true })),
  );
  args.policy.isKnownMailbox = (address) => known.has(address);
}

function open(file: string): NodeJS.ReadableStream | AsyncIterable<Uint8Array> {
  if (file === '-') return process.stdin;
  // Opened now, synchronously: a missing or unreadable file fails here with a clear message, not
  // later as a stream error (after extract has opened, and so truncated, its output).
  const fd = openSync(file, 'r');
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new Error(`${file} is a directory`);
  }
  // Large reads: the parser's cost per chunk is small, the syscall count is not.
  return createReadStream(file, { fd, highWaterMark: 1024 * 1024 });
}

function describe(e: unknown): string {
  if (isJournalError(e)) return `${e.code}: ${e.message}`;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return `no such file: ${err.path ?? ''}`;
  if (err?.code === 'EACCES') return `permission denied: ${err.path ?? ''}`;
  return err?.message ?? String(e);
}

/** Directories, mbox files, --out or --jobs: process every message as a batch. */
function isBatch(args: Args): boolean {
  if (args.out !== undefined || args.jobs !== undefined) return true;
  return args.files.some((f) => {
    if (f === '-') return false;
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(f, { throwIfNoEntry: false });
    } catch {
      return false;
    }
    return st !== undefined && (st.isDirectory() || (st.isFile() && looksLikeMbox(f)));
  });
}

/** The JSON line of a file (or an mbox message, by index) that failed: `{ file, index?, error }`. */
function printError(file: string, error: { code: string; message: string }, index?: number): void {
  process.stdout.write(JSON.stringify({ file, ...(index ? { index } : {}), error }) + '\n');
}

/** Make and try `--out DIR` (when given); false after one line on stderr naming it. */
function outDirUsable(dir: string | undefined): boolean {
  if (dir === undefined) return true;
  try {
    prepareOutDir(dir);
    return true;
  } catch (e) {
    process.stderr.write(`mailjournal: cannot write ${dir}: ${(e as NodeJS.ErrnoException).code ?? describe(e)}\n`);
    return false;
  }
}

async function batch(args: Args, printReports: boolean): Promise<number> {
  // Standard input is one message, read by the single-file commands; in a batch it was left out
  // without a word (found by an audit).
  if (args.files.includes('-')) throw new UsageError('"-" (standard input) cannot be part of a batch (directories, mbox files, --out, --jobs): pass files, or pipe one message without them');
  const { units, missing, unreadable } = enumerate(args.files);
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  // A path that does not exist is a failure like a file that cannot be read: a JSON line with
  // its error (inspect) and a count in the summary.
  const totals = { messages: 0, bytes: 0, errors: missing.length, duplicates: 0 };
  for (const m of missing) {
    process.stderr.write(`mailjournal: ${m}: no such file or directory\n`);
    if (printReports) printError(m, { code: 'ENOENT', message: 'no such file or directory' });
  }
  // A folder that cannot be listed fails like a file that cannot be read; the rest goes on.
  totals.errors += unreadable.length;
  for (const u of unreadable) {
    process.stderr.write(`mailjournal: ${u.path}: ${u.message.startsWith(u.code) ? u.message : `${u.code}: ${u.message}`}\n`);
    if (printReports) printError(u.path, { code: u.code, message: u.message });
  }
  // Once, before any message: an output that cannot be written is one line, exit 1.
  if (!outDirUsable(args.out)) return 1;
  const kinds = new Map<string, number>();
  const warnings = new Map<string, number>();
  const seen = new Set<string>();
  let drained: Promise<unknown> | undefined;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let lastProgress = 0;
  const progress = (force = false): void => {
    if (!tty || (!force && Date.now() - lastProgress < 250)) return;
    lastProgress = Date.now();
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    process.stderr.write(`\r${plural(totals.messages, 'message')}, ${(totals.bytes / 1e6).toFixed(1)} MB, ${(totals.messages / secs).toFixed(0)} msg/s, ${plural(totals.errors, 'error')}`);
  };
  await runBatch(units, {
    parse: args.parse,
    outDir: args.out,
    jobs: args.jobs ?? 1,
    onItem: (item) => {
      // Set when stdout is full: read no further until it drains (lines would pile up in memory).
      let wait: Promise<unknown> | undefined;
      totals.messages++;
      totals.bytes += item.bytes;
      const where = item.index === undefined ? item.file : `${item.file}#${item.index}`;
      if (item.error) {
        totals.errors++;
        process.stderr.write(`${tty ? '\n' : ''}mailjournal: ${where}: ${item.error.message.startsWith(item.error.code) ? item.error.message : `${item.error.code}: ${item.error.message}`}\n`);
        if (printReports) printError(item.file, item.error, item.index);
      } else {
        const r = item.report!;
        bump(kinds, `${r.kind}/${r.source}`);
        for (const w of r.warnings) bump(warnings, w.code);
        if (args.out !== undefined) {
          // What the store says: the file was there already (this run or an earlier one).
          if (item.duplicate === true) totals.duplicates++;
        } else {
          const key = r.dedup.contentKey;
          if (key !== null) {
            if (seen.has(key)) totals.duplicates++;
            else seen.add(key);
          }
        }
        if (printReports) {
          const withPolicy = args.policy ? { ...r, assignment: assignMailboxes(r, args.policy) } : r;
          const stored = item.stored !== undefined ? { stored: item.stored, duplicate: item.duplicate === true } : {};
          const line = JSON.stringify({ file: item.file, ...(item.index ? { index: item.index } : {}), ...stored, ...withPolicy }) + '\n';
          // One wait shared by every line written meanwhile: a listener per line made a run
          // quadratic (found by review).
          if (!process.stdout.write(line)) wait = drained ??= once(process.stdout, 'drain').finally(() => (drained = undefined));
        }
      }
      progress();
      return wait;
    },
  });
  progress(true);
  if (tty) process.stderr.write('\n');
  const secs = (Date.now() - started) / 1000;
  const list = (m: Map<string, number>) => [...m.entries()].sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  process.stderr.write(
    `summary: ${plural(totals.messages, 'message')}, ${(totals.bytes / 1e6).toFixed(1)} MB in ${secs.toFixed(1)} s; ${totals.errors} failed; ${plural(totals.duplicates, 'duplicate')} (${args.out !== undefined ? `already in ${args.out}` : 'same content key'})\n` +
      `  kinds: ${list(kinds)}\n  warnings: ${list(warnings)}\n`,
  );
  return totals.errors > 0 ? 1 : 0;
}

async function inspect(args: Args): Promise<number> {
  if (args.files.length === 0) throw new UsageError('inspect needs at least one FILE');
  if (isBatch(args)) return batch(args, true);
  const lines = args.jsonl || args.files.length > 1;
  let failed = 0;
  for (const file of args.files) {
    try {
      const report: JournalReport = await parseJournal(open(file) as AsyncIterable<Uint8Array>, args.parse);
      const withPolicy = args.policy ? { ...report, assignment: assignMailboxes(report, args.policy) } : report;
      const doc = lines ? { file, ...withPolicy } : withPolicy;
      process.stdout.write(lines ? JSON.stringify(doc) + '\n' : JSON.stringify(doc, null, 2) + '\n');
    } catch (e) {
      failed++;
      process.stderr.write(`mailjournal: ${file}: ${describe(e)}\n`);
      if (lines) printError(file, { code: (e as { code?: string }).code ?? 'ERROR', message: describe(e) });
    }
  }
  return failed > 0 ? 1 : 0;
}

/** A regular file that holds one message (not an mbox), as a batch would read it. */
function isOneMessageFile(file: string): boolean {
  try {
    return file !== '-' && statSync(file).isFile() && !looksLikeMbox(file);
  } catch {
    return false;
  }
}

/** Whether `file` is a regular file or does not exist (without following a symlink). */
function isFileOrAbsent(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return true;
  }
}

async function extract(args: Args): Promise<number> {
  // `extract f.eml --out new.eml` made a directory named new.eml (found by an audit). Only for one
  // message in one file: a folder or an mbox may well be stored into a directory named so.
  if (args.out !== undefined && /\.eml$/i.test(args.out) && args.files.length === 1 && args.output === undefined && isOneMessageFile(args.files[0]!)) {
    throw new UsageError(`--out takes a directory (each original is stored as DIR/<content key>.eml); to write one file, use -o ${args.out}`);
  }
  if (isBatch(args) || args.files.length > 1) {
    if (args.out === undefined) throw new UsageError('extract of several messages (directories, mbox files, several FILEs) needs --out DIR');
    return batch(args, false);
  }
  if (args.files.length !== 1) throw new UsageError('extract needs a FILE');
  const file = args.files[0]!;
  const target = args.output === undefined || args.output === '-' ? undefined : args.output;
  // A regular file (or a new one) is written beside the destination, then renamed: a parse that
  // fails leaves neither a partial message under the name asked for nor a damaged file that was
  // there before. Anything else (a symlink, a FIFO, a device) is written as it is: a rename would
  // replace it.
  const temp = target !== undefined && isFileOrAbsent(target) ? `${target}.tmp-${process.pid}` : undefined;
  // The input is opened first: an input that cannot be read must leave OUT untouched (a symlink
  // or a device is written directly, so opening it would truncate it).
  let input: ReturnType<typeof open>;
  try {
    input = open(file);
  } catch (e) {
    process.stderr.write(`mailjournal: ${file}: ${describe(e)}\n`);
    return 1;
  }
  // Then OUT, synchronously: a parse that fails at once must not race the stream's own
  // asynchronous open, which could create the temp file after its removal. A failure is the
  // output's (a missing directory, a directory given as OUT), and is named so.
  const written = temp ?? target;
  let fd: number | undefined;
  try {
    if (written !== undefined) fd = openSync(written, 'w');
  } catch (e) {
    if (input !== process.stdin) (input as ReadStream).destroy();
    process.stderr.write(`mailjournal: cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? describe(e)}\n`);
    return 1;
  }
  try {
    const out = fd === undefined ? process.stdout : createWriteStream(written!, { fd });
    const report = await parseJournal(input as AsyncIterable<Uint8Array>, { ...args.parse, output: out, endOutput: out !== process.stdout });
    if (temp !== undefined) renameSync(temp, target!);
    for (const w of report.warnings) process.stderr.write(`mailjournal: ${file}: warning ${w.code}: ${w.message}\n`);
    return 0;
  } catch (e) {
    if (temp !== undefined) rmSync(temp, { force: true });
    process.stderr.write(`mailjournal: ${file}: ${describe(e)}\n`);
    return 1;
  }
}

/**
 * Seed files under some paths: the files the batch commands would read (same walk, same skipped
 * names), minus the `.actual.` files a failed golden test leaves behind.
 */
function seedFiles(paths: string[]): { files: string[]; missing: string[]; unreadable: UnreadableFolder[] } {
  const { units, missing, unreadable } = enumerate(paths);
  return { files: units.map((u) => u.file).filter((f) => !/\.actual\./.test(path.basename(f))), missing, unreadable };
}

/** The largest input the fuzzer tries, and how much of each seed file it reads. */
const FUZZ_MAX_BYTES = 256 * 1024;
const SEED_BYTES = SEED_BYTES_PER_INPUT * FUZZ_MAX_BYTES;

/** The first `max` bytes of a file, without reading the rest (a seed may be a 150 MB message). */
function readHead(file: string, max: number): { bytes: Uint8Array; cut: boolean } {
  const fd = openSync(file, 'r');
  try {
    const buf = new Uint8Array(max + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    return { bytes: buf.subarray(0, Math.min(n, max)), cut: n > max };
  } finally {
    closeSync(fd);
  }
}

/** The `.replay.json` beside a failure's `.eml`: what `fuzz --replay` needs to run it again. */
const replayFile = (eml: string): string => eml.replace(/\.eml$/, '') + '.replay.json';

/** RegExp options (`--journal-sender /re/`) as JSON: `{ "regexp": source, "flags": flags }`. */
const saveRegExp = (_key: string, value: unknown): unknown => (value instanceof RegExp ? { regexp: value.source, flags: value.flags } : value);
const loadRegExp = (_key: string, value: unknown): unknown => {
  const v = value as { regexp?: unknown; flags?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.regexp === 'string' && typeof v.flags === 'string' && Object.keys(v).length === 2 ? new RegExp(v.regexp, v.flags) : value;
};

/** A `.replay.json` as a fuzz run writes it; throws when it is something else. */
function readReplay(file: string): { options: ParseOptions; cuts: number[] } {
  const saved = JSON.parse(readFileSync(file, 'utf8'), loadRegExp) as { options?: unknown; cuts?: unknown } | null;
  const options = saved?.options ?? {};
  const cuts = saved?.cuts ?? [];
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved) || typeof options !== 'object' || options === null || Array.isArray(options) || !Array.isArray(cuts) || !cuts.every((c) => Number.isInteger(c) && c >= 0)) {
    throw new Error(`${file} is not a replay file a fuzz run wrote ({ "options": {…}, "cuts": [numbers] })`);
  }
  return { options: options as ParseOptions, cuts: [...(cuts as number[])].sort((a, b) => a - b) };
}

/** `fuzz --replay FILE...`: check each written failure again, with its options and chunking. */
function replayFailures(args: Args): number {
  if (args.files.length === 0) throw new UsageError('fuzz --replay needs the .eml files a fuzz run wrote');
  let failing = 0;
  for (const file of args.files) {
    let input: Uint8Array;
    let saved: { options: ParseOptions; cuts: number[] } = { options: {}, cuts: [] };
    try {
      input = new Uint8Array(readFileSync(file));
      if (existsSync(replayFile(file))) saved = readReplay(replayFile(file));
      else process.stderr.write(`mailjournal: fuzz: ${file}: no ${path.basename(replayFile(file))}: replayed with the options given, unchunked\n`);
    } catch (e) {
      failing++;
      process.stdout.write(`FAIL ${file}: cannot replay: ${describe(e)}\n`);
      continue;
    }
    // The saved options are those the failing run had, the command line's included.
    const options = { ...args.parse, ...saved.options };
    const reason = checkInput(input, saved.cuts, options);
    if (reason !== undefined) failing++;
    process.stdout.write(`${reason === undefined ? 'PASS' : 'FAIL'} ${file}${reason === undefined ? '' : `: ${reason}`}\n`);
  }
  return failing > 0 ? 1 : 0;
}

async function runFuzz(args: Args): Promise<number> {
  if (args.replay) return replayFailures(args);
  if (args.files.length === 0) throw new UsageError('fuzz needs at least one DIR of seed messages');
  const { files, missing, unreadable } = seedFiles(args.files);
  for (const m of missing) process.stderr.write(`mailjournal: fuzz: ${m} does not exist, skipped\n`);
  for (const u of unreadable) process.stderr.write(`mailjournal: fuzz: ${u.path} cannot be listed (${u.code}), skipped\n`);
  // A seed that cannot be read (a dangling link, no permission) is skipped, as a missing one is.
  const seeds: Uint8Array[] = [];
  let cut = 0;
  for (const f of files) {
    try {
      const head = readHead(f, SEED_BYTES);
      seeds.push(head.bytes);
      if (head.cut) cut++;
    } catch (e) {
      process.stderr.write(`mailjournal: fuzz: ${f}: ${describe(e)}, skipped\n`);
    }
  }
  if (seeds.length === 0) throw new UsageError(`fuzz found no seed messages in ${args.files.join(', ')}`);
  if (cut > 0) process.stderr.write(`mailjournal: fuzz: ${cut} seed file(s) larger than ${SEED_BYTES / 1048576} MiB: only their first ${SEED_BYTES / 1048576} MiB are used\n`);
  const dir = args.out ?? 'mailjournal-fuzz';
  // Checked before the run: a failure found after minutes must have somewhere to go.
  if (!outDirUsable(args.out)) return 1;
  const seed = args.seed ?? Date.now() % 1_000_000_000;
  process.stderr.write(`mailjournal: fuzzing for ${args.seconds}s with seed ${seed} from ${seeds.length} seed file(s)\n`);
  const tty = process.stderr.isTTY === true;
  const { runs, failures } = await fuzz({
    seeds,
    seconds: args.seconds,
    seed,
    maxBytes: FUZZ_MAX_BYTES,
    parseOptions: args.parse,
    onProgress: (n, f) => {
      if (tty) process.stderr.write(`\r${n} inputs, ${f} failure(s)`);
    },
    onFailure: (failure) => {
      const name = createHash('sha256').update(failure.input).digest('hex').slice(0, 16);
      const file = path.join(dir, `${name}.eml`);
      const opts = Object.keys(failure.options).length > 0 ? ` (with options ${JSON.stringify(failure.options)})` : '';
      let unwritten = '';
      try {
        makeDirectory(dir);
        writeFileSync(file, failure.input);
        // Everything a replay needs: every option of the run and the chunking that failed.
        writeFileSync(replayFile(file), JSON.stringify({ reason: failure.reason, options: { ...args.parse, ...failure.options }, cuts: failure.cuts }, saveRegExp, 2) + '\n');
      } catch (e) {
        // The failure is still printed and counted; only its input is missing.
        unwritten = ` [input not written: ${(e as NodeJS.ErrnoException).code ?? describe(e)}]`;
      }
      process.stdout.write(`FAIL ${file}: ${failure.reason}${opts}${unwritten}\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  process.stdout.write(`${runs} inputs, ${failures.length} failure(s) (seed ${seed})\n`);
  return failures.length > 0 ? 1 : 0;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    process.stdout.write(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv.includes('--version')) {
    process.stdout.write(version() + '\n');
    return 0;
  }
  try {
    const args = parseArgs(argv);
    loadKnownMailboxes(args);
    if (args.command === 'inspect') return await inspect(args);
    if (args.command === 'extract') return await extract(args);
    if (args.command === 'fuzz') return await runFuzz(args);
    throw new UsageError(`unknown command ${JSON.stringify(args.command)}`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof TypeError) {
      // The one line that says what is wrong, not the whole help after it.
      process.stderr.write(`mailjournal: ${e.message.replace(/^mailjournal: /, '')}\nRun "mailjournal --help" for the options.\n`);
      return 2;
    }
    throw e;
  }
}

// A reader that stops early (`| head`) is not an error of ours. Any other failure to write the
// output (a full disk: ENOSPC) is reported in one line, not as a crash with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`mailjournal: cannot write the output: ${describe(e)}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mailjournal: ${describe(e)}\n`);
    process.exitCode = 1;
  },
);
