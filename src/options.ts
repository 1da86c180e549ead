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
  /** Deepest multipart nesting searched for the envelope part. Default 8. */
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
  /** How many levels of messages inside NDRs are unwrapped. Default 4. */
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

function limit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  // 0, NaN or a string would silently weaken a limit: refuse them loudly.
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`mailjournal: option ${name} must be a positive integer, got ${String(value)}`);
  }
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
  const scalars = scalarSnapshot(options);
  if (scalars === undefined) return resolve(options);
  const { key, values } = scalars;
  let resolved = resolvedByKey.get(key);
  if (resolved === undefined) {
    // Resolved from the values the key was made of: a getter is read once, never twice.
    resolved = Object.freeze(resolve(values));
    if (resolvedByKey.size >= MAX_CACHED_COMBINATIONS) resolvedByKey.clear();
    resolvedByKey.set(key, resolved);
  }
  return resolved;
}

/** Keys that ride along in the options of parseJournal, JournalParser and the adapters. */
const SINK_KEYS = new Set(['onOutput', 'output', 'endOutput']);

/** Scalar option combinations remembered (a handful in practice; the cache is emptied when full). */
const MAX_CACHED_COMBINATIONS = 64;
const resolvedByKey = new Map<string, ResolvedOptions>();

/** Option names JSON-quoted, remembered (a JSON.stringify per name was most of a key's cost). */
const quotedNames = new Map<string, string>();

function quotedName(name: string): string {
  let q = quotedNames.get(name);
  if (q === undefined) {
    q = JSON.stringify(name);
    // Bounded: names come from callers' objects.
    if (quotedNames.size < 64) quotedNames.set(name, q);
  }
  return q;
}

/**
 * A plain object whose options are all booleans, numbers or strings, as a cache key ('' for none)
 * and the values read; else undefined: arrays and RegExps can change after the call, and a class
 * instance may compute its values, so those are resolved in full each time. Every name and string
 * is JSON-quoted, so no value can imitate another combination; an invalid value makes resolve()
 * throw before anything is cached.
 */
function scalarSnapshot(options: object): { key: string; values: ParseOptions } | undefined {
  const proto = Object.getPrototypeOf(options);
  if (proto !== Object.prototype && proto !== null) return undefined;
  let key = '';
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  // Own properties, enumerable or not: resolve() reads them all by name.
  for (const name of Object.getOwnPropertyNames(options)) {
    if (SINK_KEYS.has(name)) continue;
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const type = typeof value;
    const quoted = quotedName(name);
    if (type === 'string') key += `${quoted}=${JSON.stringify(value)};`;
    else if (type === 'number' || type === 'boolean') key += `${quoted}=${type[0]}${String(value)};`;
    else return undefined;
    values[name] = value;
  }
  return { key, values };
}

function resolve(options: ParseOptions): ResolvedOptions {
  return {
    removeHeaders: removeHeaderSet(options.removeHeaders),
    maxHeaderBytes: limit('maxHeaderBytes', options.maxHeaderBytes, MAX_HEADER_BYTES),
    maxEnvelopeBytes: limit('maxEnvelopeBytes', options.maxEnvelopeBytes, MAX_ENVELOPE_BYTES),
    maxBufferedBytes: limit('maxBufferedBytes', options.maxBufferedBytes, MAX_BUFFERED_BYTES),
    maxDepth: limit('maxDepth', options.maxDepth, MAX_DEPTH),
    maxLineBytes: limit('maxLineBytes', options.maxLineBytes, MAX_LINE_BYTES),
    trusted: booleanOption('trusted', options.trusted),
    journalSenders: addressList('journalSenders', options.journalSenders),
    archiveAddresses: addressList('archiveAddresses', options.archiveAddresses) ?? [],
    mode: modeOption(options.mode),
    preferClearText: booleanOption('preferClearText', options.preferClearText) ?? false,
    maxNesting: limit('maxNesting', options.maxNesting, MAX_NESTING),
    dedupKeys: booleanOption('dedupKeys', options.dedupKeys) ?? true,
    maxRecipients: limit('maxRecipients', options.maxRecipients, MAX_RECIPIENTS),
    maxParts: limit('maxParts', options.maxParts, MAX_PARTS),
    onLimit: onLimitOption(options.onLimit),
  };
}

// The default set is built once: a parser per small message would otherwise rebuild it each time.
let defaultRemoveSet: Set<string> | undefined;

function removeHeaderSet(value: unknown): Set<string> {
  if (value === undefined) return (defaultRemoveSet ??= new Set(DEFAULT_REMOVE_HEADERS.map((n) => n.toLowerCase())));
  if (!Array.isArray(value) || value.some((n) => typeof n !== 'string' || !/^[!-9;-~]+$/.test(n))) {
    throw new TypeError('mailjournal: option removeHeaders must be an array of header names');
  }
  return new Set((value as string[]).map((n) => n.toLowerCase()));
}

function booleanOption(name: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`mailjournal: option ${name} must be a boolean, got ${String(value)}`);
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
