import type { WarningCode } from './types.js';
import { checkOptionName } from './internal/arguments.js';

/** Default header names removed from the archived original (Mimecast's "Remove Journal Headers"). */
export const DEFAULT_REMOVE_HEADERS: readonly string[] = ['X-MS-Exchange-Organization-BCC', 'X-MS-Exchange-CrossPremises-BCC'];

/** Default for {@link ParseOptions.maxHeaderBytes}: 1 MiB. */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** Default for {@link ParseOptions.maxEnvelopeBytes}: 16 MiB (room for ~200,000 recipient lines). */
export const MAX_ENVELOPE_BYTES = 16 * 1024 * 1024;
/** Default for {@link ParseOptions.maxBufferedBytes}: 16 MiB. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Default for {@link ParseOptions.maxDepth}. */
export const MAX_DEPTH = 8;
/** Default for {@link ParseOptions.maxRecipients}. */
export const MAX_RECIPIENTS = 200_000;
/** Default for {@link ParseOptions.maxParts}. */
export const MAX_PARTS = 10_000;
/** Default for {@link ParseOptions.maxNesting}: NDR and journal levels unwrapped. */
export const MAX_NESTING = 4;
/**
 * Largest {@link ParseOptions.maxDepth} and {@link ParseOptions.maxNesting} accepted. The parser
 * descends by recursion, one level of calls per level of nesting: hostile input 2,000 multipart
 * levels deep (or 1,000 NDRs deep) overflowed the call stack when a limit let it in, and a
 * `RangeError` is no typed error. 100 of each, together, stay far from that (checked with 300).
 */
export const MAX_LEVELS = 100;
/** Default for {@link ParseOptions.maxLineBytes}: 998, RFC 5322's line length. */
export const MAX_LINE_BYTES = 998;

/** Options of the parser. Every limit is a positive integer number of bytes (or levels). */
export interface ParseOptions {
  /** Header names to remove from the archived original, case-insensitive. Default: {@link DEFAULT_REMOVE_HEADERS}. */
  removeHeaders?: readonly string[];
  /** Largest header block (of the message, of a MIME part, of the original). Default 1 MiB. */
  maxHeaderBytes?: number;
  /** Largest envelope part (after transfer decoding) that is read; the rest is ignored with a warning. Default 16 MiB. */
  maxEnvelopeBytes?: number;
  /**
   * How far into a journal report the original may start. Bytes before it are held so that a
   * report without a usable original can be archived unchanged; past this offset the parser
   * gives up on the original and streams the report unchanged. Default 16 MiB.
   */
  maxBufferedBytes?: number;
  /** Deepest multipart nesting searched for the envelope part. Default 8, at most {@link MAX_LEVELS}. */
  maxDepth?: number;
  /**
   * Longest white space after a boundary on its line (transport padding) before the line is no
   * longer taken as a delimiter. Default 998 (RFC 5322's line length).
   */
  maxLineBytes?: number;
  /**
   * The input comes from an authenticated journal endpoint: its journal wrappers are trusted
   * (`report.trust: 'trusted'`). `false` marks every wrapper untrusted.
   */
  trusted?: boolean;
  /**
   * Addresses (or patterns) of the system mailboxes that send your journal reports, e.g.
   * `/^MicrosoftExchange[0-9a-f]{32}@contoso\.com$/i`. A wrapper whose From, Sender or
   * Return-Path matches is trusted; one that does not is untrusted.
   */
  journalSenders?: readonly (string | RegExp)[];
  /**
   * The archive's own mailbox addresses (or patterns). A delivery header naming one of them is
   * not a recipient; a sub-address of one (`archive+bob=contoso.com@archive.example`) stands for
   * the address it encodes (`bob@contoso.com`).
   */
  archiveAddresses?: readonly (string | RegExp)[];
  /**
   * How NDRs are archived (MailStore's two modes): `endpoint` — the input is a journal
   * endpoint; `mailbox` — the input is a mailbox being archived. Default `endpoint`.
   */
  mode?: 'endpoint' | 'mailbox';
  /**
   * For a journal report that carries an IRM-protected original and its decrypted copy, archive
   * the decrypted copy (Mimecast's "Prefer Clear Text Version"). Default false.
   */
  preferClearText?: boolean;
  /** How many levels of messages inside NDRs are unwrapped. Default 4, at most {@link MAX_LEVELS}. */
  maxNesting?: number;
  /** Compute `dedup.messageIdKey` and `dedup.contentKey` while streaming. Default true. */
  dedupKeys?: boolean;
  /** Most distinct recipients kept per report; the rest are counted and dropped. Default 200,000. */
  maxRecipients?: number;
  /** Most MIME parts of a message read for its content key; later parts are hashed as raw bytes. Default 10,000. */
  maxParts?: number;
  /**
   * What a crossed limit does: `warn` (default) — a warning and the best-effort result the README
   * describes for that limit; `throw` — a {@link LimitExceededError} (fail closed).
   */
  onLimit?: 'warn' | 'throw';
}

/** Options with defaults applied. @internal */
export interface ResolvedOptions {
  removeHeaders: ReadonlySet<string>;
  maxHeaderBytes: number;
  maxEnvelopeBytes: number;
  maxBufferedBytes: number;
  maxDepth: number;
  maxLineBytes: number;
  trusted: boolean | undefined;
  journalSenders: readonly (string | RegExp)[] | undefined;
  archiveAddresses: readonly (string | RegExp)[];
  mode: 'endpoint' | 'mailbox';
  preferClearText: boolean;
  maxNesting: number;
  dedupKeys: boolean;
  maxRecipients: number;
  maxParts: number;
  onLimit: 'warn' | 'throw';
}

function addressList(name: string, value: unknown): readonly (string | RegExp)[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' && !(v instanceof RegExp))) {
    throw new TypeError(`mailjournal: option ${name} must be an array of strings and RegExps`);
  }
  return value;
}

/** A value as an error message shows it: a string quoted, so that `"5"` and 5 read apart. */
const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * A limit option: `fallback` when undefined, else a positive integer up to `max`.
 * @throws {TypeError} naming the option otherwise
 * @internal
 */
export function limit(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  // 0, NaN or a string would silently weaken a limit: refuse them loudly.
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`mailjournal: option ${name} must be a positive integer, got ${shown(value)}`);
  }
  if (value > max) throw new TypeError(`mailjournal: option ${name} must be at most ${max}, got ${value}`);
  return value;
}

/**
 * Apply defaults and validate.
 * @throws {TypeError} naming the option when a value is invalid
 * @internal
 */
export function resolveOptions(options: ParseOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('mailjournal: options must be an object');
  // Most parsers run with the defaults or with a few scalar settings (`{ dedupKeys: false }`): those
  // resolve to one frozen object per combination, not to a fresh resolve per parser of every small
  // message (measured: 2.4 µs of a tiny message's 10 µs).
  //
  // Only a plain object whose options are all booleans, numbers or strings is looked up: arrays
  // and RegExps can change after the call, and a class instance may compute its values, so those
  // are resolved in full each time. Each option is read once, and a new combination is resolved
  // from the values read: a getter is never read twice.
  const proto: unknown = Object.getPrototypeOf(options);
  if (proto !== Object.prototype && proto !== null) {
    // resolve() reads inherited options too (a class's getters): every name on the way up is checked.
    for (let o: object | null = options; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
      for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') checkOptionName(name, OPTION_NAMES, 'option');
    }
    return resolve(options);
  }
  let node: CacheNode | undefined = cacheRoot;
  let count = 0;
  // Own properties, enumerable or not: resolve() reads them all by name.
  for (const name of Object.getOwnPropertyNames(options)) {
    checkOptionName(name, OPTION_NAMES, 'option');
    if (SINK_KEYS.has(name)) continue;
    const value: unknown = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return resolve(options);
    readNames[count] = name;
    readValues[count] = value;
    count++;
    node = node?.next?.get(name)?.get(value);
  }
  if (node?.resolved !== undefined) return node.resolved;
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < count; i++) values[readNames[i]!] = readValues[i];
  // An invalid value makes resolve() throw before anything is remembered.
  const resolved = Object.freeze(resolve(values));
  remember(Object.keys(values), values, resolved);
  return resolved;
}

/** Keys that ride along in the options of parseJournal, JournalParser and the adapters. */
const SINK_KEYS = new Set(['onOutput', 'output', 'endOutput']);

/** Where each sink option belongs, for the error given when another entry point receives it. */
const SINK_HOME: Record<string, string> = {
  onOutput: 'onOutput is an option of JournalParser (parseJournal takes output)',
  output: 'output is an option of parseJournal (JournalParser takes onOutput)',
  endOutput: 'endOutput is an option of parseJournal',
};

/**
 * Refuse the sink options an entry point does not take. Every entry point accepts every name (one
 * list of known names), so without this a sink given to the wrong one was silently dropped, and
 * the archived message with it (found by an audit: `parseJournal(input, { onOutput })` delivered
 * nothing). A sink set to `undefined` is no sink and passes.
 * @internal
 */
export function refuseSinkOptions(entry: string, options: object, takes: readonly string[] = []): void {
  for (const name of SINK_KEYS) {
    if (takes.includes(name) || (options as Record<string, unknown>)[name] === undefined) continue;
    throw new TypeError(`mailjournal: ${entry} does not take option ${name}: ${SINK_HOME[name]}${takes.length === 0 ? `; ${entry} streams its output itself` : ''}`);
  }
}

/**
 * Every option name an entry point takes: any other is a TypeError, never silently ignored. A
 * record over `keyof ParseOptions`, so that an option added to the interface and not here (which
 * would then be refused) does not compile.
 */
const PARSE_OPTION_KEYS: Record<keyof ParseOptions, true> = {
  removeHeaders: true,
  maxHeaderBytes: true,
  maxEnvelopeBytes: true,
  maxBufferedBytes: true,
  maxDepth: true,
  maxLineBytes: true,
  trusted: true,
  journalSenders: true,
  archiveAddresses: true,
  mode: true,
  preferClearText: true,
  maxNesting: true,
  dedupKeys: true,
  maxRecipients: true,
  maxParts: true,
  onLimit: true,
};
const OPTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(PARSE_OPTION_KEYS), ...SINK_KEYS]);

/**
 * Resolved scalar combinations, as a tree: one level per option, by name and then by value (Map
 * keys compare by SameValueZero, so `5` and `'5'` are different values and no value can stand for
 * another). Looking a combination up costs two Map look-ups per option instead of a string key
 * built and hashed per call, which was most of what a small message paid for its options.
 */
interface CacheNode {
  resolved?: ResolvedOptions;
  next?: Map<string, Map<unknown, CacheNode>>;
}

/** Tree nodes kept at most (a handful of combinations in practice; the tree is dropped when full). */
const MAX_CACHE_NODES = 256;
let cacheRoot: CacheNode = {};
let cacheNodes = 0;
/**
 * The names and values read by the current look-up, up to its count (module-level: no array per
 * call; only primitives are left behind in them).
 */
const readNames: string[] = [];
const readValues: unknown[] = [];

function remember(names: string[], values: Record<string, unknown>, resolved: ResolvedOptions): void {
  if (cacheNodes + names.length > MAX_CACHE_NODES) {
    cacheRoot = {};
    cacheNodes = 0;
  }
  let node = cacheRoot;
  for (const name of names) {
    const next = (node.next ??= new Map());
    let byValue = next.get(name);
    if (byValue === undefined) next.set(name, (byValue = new Map()));
    let child = byValue.get(values[name]);
    if (child === undefined) {
      child = {};
      byValue.set(values[name], child);
      cacheNodes++;
    }
    node = child;
  }
  node.resolved = resolved;
}

function resolve(options: ParseOptions): ResolvedOptions {
  return {
    removeHeaders: removeHeaderSet(options.removeHeaders),
    maxHeaderBytes: limit('maxHeaderBytes', options.maxHeaderBytes, MAX_HEADER_BYTES),
    maxEnvelopeBytes: limit('maxEnvelopeBytes', options.maxEnvelopeBytes, MAX_ENVELOPE_BYTES),
    maxBufferedBytes: limit('maxBufferedBytes', options.maxBufferedBytes, MAX_BUFFERED_BYTES),
    maxDepth: limit('maxDepth', options.maxDepth, MAX_DEPTH, MAX_LEVELS),
    maxLineBytes: limit('maxLineBytes', options.maxLineBytes, MAX_LINE_BYTES),
    trusted: booleanOption('trusted', options.trusted),
    journalSenders: addressList('journalSenders', options.journalSenders),
    archiveAddresses: addressList('archiveAddresses', options.archiveAddresses) ?? [],
    mode: modeOption(options.mode),
    preferClearText: booleanOption('preferClearText', options.preferClearText) ?? false,
    maxNesting: limit('maxNesting', options.maxNesting, MAX_NESTING, MAX_LEVELS),
    dedupKeys: booleanOption('dedupKeys', options.dedupKeys) ?? true,
    maxRecipients: limit('maxRecipients', options.maxRecipients, MAX_RECIPIENTS),
    maxParts: limit('maxParts', options.maxParts, MAX_PARTS),
    onLimit: onLimitOption(options.onLimit),
  };
}

// The default set is built once: a parser per small message would otherwise rebuild it each time.
let defaultRemoveSet: Set<string> | undefined;

/**
 * Header names to remove as a lower-case set (the default list when undefined).
 * @throws {TypeError} naming `what` unless `value` is an array of field names
 * @internal
 */
export function removeHeaderSet(value: unknown, what = 'option removeHeaders'): ReadonlySet<string> {
  if (value === undefined) return (defaultRemoveSet ??= new Set(DEFAULT_REMOVE_HEADERS.map((n) => n.toLowerCase())));
  if (!Array.isArray(value) || value.some((n) => typeof n !== 'string' || !/^[!-9;-~]+$/.test(n))) {
    throw new TypeError(`mailjournal: ${what} must be an array of header names`);
  }
  return new Set((value as string[]).map((n) => n.toLowerCase()));
}

/** @internal */
export function booleanOption(name: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`mailjournal: option ${name} must be a boolean, got ${typeof value === 'object' && value !== null ? 'an object' : shown(value)}`);
}

function onLimitOption(value: unknown): 'warn' | 'throw' {
  if (value === undefined) return 'warn';
  if (value === 'warn' || value === 'throw') return value;
  throw new TypeError(`mailjournal: option onLimit must be 'warn' or 'throw', got ${String(value)}`);
}

function modeOption(value: unknown): 'endpoint' | 'mailbox' {
  if (value === undefined) return 'endpoint';
  if (value === 'endpoint' || value === 'mailbox') return value;
  throw new TypeError(`mailjournal: option mode must be 'endpoint' or 'mailbox', got ${String(value)}`);
}

/** Warnings that mean a limit was crossed, and the option that set it (for `onLimit: 'throw'`). @internal */
export const LIMIT_WARNINGS: Partial<Record<WarningCode, keyof ResolvedOptions>> = {
  HEADER_LIMIT: 'maxHeaderBytes',
  PART_HEADER_LIMIT: 'maxHeaderBytes',
  ORIGINAL_HEADER_LIMIT: 'maxHeaderBytes',
  ENVELOPE_TRUNCATED: 'maxEnvelopeBytes',
  BUFFER_LIMIT: 'maxBufferedBytes',
  CLEAR_TEXT_TOO_LATE: 'maxBufferedBytes',
  DEPTH_LIMIT: 'maxDepth',
  NESTING_LIMIT: 'maxNesting',
  RECIPIENT_LIMIT: 'maxRecipients',
  PART_LIMIT: 'maxParts',
  LINE_LIMIT: 'maxLineBytes',
};
