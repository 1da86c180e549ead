import { parseAddressList, type Mailbox } from '../address.js';
import { parseContentType, type ContentType } from './content-type.js';
import { decodeHeaderWords } from './encoded-words.js';
import { lowerCase } from '../internal/text.js';
import { allAscii, allocTemp, asciiRange, ByteBuffer, CharCode, decodeUndeclared } from '../internal/bytes.js';

/**
 * One header field as it sits in the raw block. The value is decoded from the bytes only when
 * read: most fields of a block (Received, X-MS-Exchange-*, DKIM …) are never looked at.
 * @internal
 */
export class RawHeaderField {
  private decoded: string | undefined;

  constructor(
    private readonly raw: Uint8Array,
    /** Field name as written (without the colon). Empty for a malformed line with no colon. */
    readonly name: string,
    /** Lower-case name, for lookups. */
    readonly key: string,
    /** Where the value starts in the block (after the colon; the whole line for a nameless field). */
    private readonly valueStart: number,
    /** Byte range of the whole field in the block, continuation lines and line ending included. */
    readonly start: number,
    readonly end: number,
    /** The whole block is ASCII (checked once for all its fields): values need no check of their own. */
    private readonly ascii = false,
  ) {}

  /** Unfolded value, surrounding white space removed, not RFC 2047-decoded. */
  get value(): string {
    if (this.decoded === undefined) {
      // The blanks around the value (the space after the colon, the line ending) are left out
      // before decoding, which gives the same text as trimming afterwards (they are ASCII, one
      // character each whatever the decoding) but a flat string: trimmed, it would be a slice
      // of a longer one, slower to read character by character (the address lists are).
      const raw = this.raw;
      let start = this.valueStart;
      let end = this.end;
      while (start < end && isAsciiSpace(raw[start]!)) start++;
      while (end > start && isAsciiSpace(raw[end - 1]!)) end--;
      const unfolded = unfoldedCopy(raw, start, end);
      const bytes = unfolded ?? raw;
      if (unfolded !== undefined) {
        start = 0;
        end = unfolded.length;
      }
      // trim() still removes what only the decoded text shows as white space (U+00A0 …).
      this.decoded = (this.ascii ? asciiRange(bytes, start, end) : decodeUndeclared(bytes, start, end)).trim();
    }
    return this.decoded;
  }
}

/** A parsed header block with lookup helpers. @internal */
export class HeaderBlock {
  constructor(
    /** The raw bytes of the block, the terminating empty line included when there was one. */
    readonly raw: Uint8Array,
    readonly fields: RawHeaderField[],
    /** Where the terminating empty line starts (raw.length when the block ended at end of input). */
    readonly bodyOffset: number,
    /** Every field byte is ASCII (so are the addresses read from them); false when not known. */
    readonly ascii = false,
  ) {}

  /** First value of a field (case-insensitive name), or undefined. */
  get(name: string): string | undefined {
    // Callers mostly pass the lower-case key itself: it is lower-cased only after a miss (a
    // toLowerCase per call was a third of a look-up's cost).
    for (const f of this.fields) if (f.key === name) return f.value;
    const key = name.toLowerCase();
    if (key === name) return undefined;
    for (const f of this.fields) if (f.key === key) return f.value;
    return undefined;
  }

  /** Every value of a field, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (const f of this.fields) if (f.key === key) out.push(f.value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * The mailboxes of every field of this name, parsed once and remembered (the report and the
   * content key both need the original's From, To and Cc).
   */
  addresses(name: string): Mailbox[] {
    const key = name.toLowerCase();
    let list = this.addressCache?.get(key);
    if (list === undefined) {
      // Usually one field: its parsed list is used as it is. More are appended in place (a concat
      // per field copied the list each time: 149,000 `To:` fields took minutes, found by an audit).
      let own = false;
      for (const f of this.fields) {
        if (f.key !== key) continue;
        const parsed = parseAddressList(listPart(f.value));
        if (list === undefined) list = parsed;
        else {
          if (!own) list = [...list];
          own = true;
          for (const m of parsed) list.push(m);
        }
      }
      list ??= [];
      (this.addressCache ??= new Map()).set(key, list);
    }
    return list;
  }

  /** The addresses of {@link addresses}, lower-cased, in the same order; remembered. */
  lowerAddresses(name: string): string[] {
    const key = name.toLowerCase();
    let list = this.lowerCache?.get(key);
    if (list === undefined) {
      list = this.addresses(key).map((m) => lowerCase(m.address));
      (this.lowerCache ??= new Map()).set(key, list);
    }
    return list;
  }

  // Made on first use: most blocks (part headers, the wrapper) are never asked for addresses.
  private addressCache: Map<string, Mailbox[]> | undefined;
  private lowerCache: Map<string, string[]> | undefined;
  private parsedContentType: ContentType | undefined;

  /** The parsed Content-Type (text/plain when absent), parsed once. */
  contentType(): ContentType {
    this.parsedContentType ??= parseContentType(this.get('content-type'));
    return this.parsedContentType;
  }

  /** First value, RFC 2047 encoded-words decoded; remembered (the report, its renditions and the content key all read the Subject). */
  getDecoded(name: string): string | undefined {
    const key = name.toLowerCase();
    if (this.decodedCache?.has(key)) return this.decodedCache.get(key);
    const v = this.get(key);
    const decoded = v === undefined ? undefined : decodeHeaderWords(v);
    (this.decodedCache ??= new Map()).set(key, decoded);
    return decoded;
  }

  private decodedCache: Map<string, string | undefined> | undefined;
  private parsedDate: number | undefined;

  /** {@link parseDateHeader} of the first Date field, parsed once (NaN when missing or unreadable). */
  date(): number {
    this.parsedDate ??= parseDateHeader(this.get('date'));
    return this.parsedDate;
  }
}

/**
 * An address field's value up to a bare CR that starts another field (`<CR>Name:`): a bare CR is
 * no line break (RFC 5322), but what such a one is followed by is no part of the list either —
 * `From: a@x<CR>X-MS-Exchange-Organization-BCC: dave@x` read whole gave the BCC address as the
 * sender (a group "a@x X-MS-…-BCC:" holding dave). A bare CR before a blank (line endings
 * converted twice, `\r\r\n`, then unfolded) leaves the list whole. @internal
 */
export function listPart(value: string): string {
  if (!value.includes('\r')) return value;
  const at = value.search(CR_FIELD);
  return at === -1 ? value : value.slice(0, at);
}

const CR_FIELD = /\r[\x21-\x39\x3b-\x7e]+[ \t]*:/;

/**
 * Milliseconds since the epoch of a Date header value (comments removed), NaN when it cannot be
 * parsed. One definition for the report's `message.date` and the content key's `date` line.
 * A date without a zone (RFC 5322 requires one) is read as UTC: `Date.parse` would read it in
 * the host's time zone, and the same message would get another date and another content key on
 * another machine.
 * @internal
 */
export function parseDateHeader(value: string | undefined): number {
  if (value === undefined) return NaN;
  const text = (value.includes('(') ? value.replace(/\([^()]*\)/g, ' ') : value).trim();
  const time = Date.parse(text);
  if (Number.isNaN(time) || hasZone(text) || ISO_DATE_ONLY.test(text)) return time;
  // No zone (an ISO date alone is UTC already): the wall-clock time as UTC. ISO with a time takes
  // `Z`, the other forms ` GMT`. Unreadable so: no date rather than one that depends on the host.
  return Date.parse(ISO_WITH_TIME.test(text) ? `${text}Z` : `${text} GMT`);
}

/**
 * Whether a date names its zone: right after the time of day (`10:52:37 +0200`, `9:5:3 EST`,
 * `…58Z`, `GMT+2`, `+0200.`, `PM EST`; also before the year, `Mon Dec 22 14:45:23 EST 2008`), or
 * as its last word (`… 2008 EST`, `… 2008 +01:00`, `… 2008 UTC+1`, and a date without a time,
 * `Mon, 22 Dec 2008 EST`). A `-12` in a date after the time (`14:45 22-Dec-2008`, `2008-12-22`)
 * is no zone.
 */
function hasZone(text: string): boolean {
  if (LAST_WORD_ZONE.test(text)) return true;
  const clock = CLOCK.exec(text);
  return clock !== null && ZONE_FIRST.test(text.slice(clock.index + clock[0].length));
}

/** A time of day with its seconds and fraction; then blanks and an AM/PM marker, if any. */
const CLOCK = /\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d+)?\s*(?:[AP]\.?M\.?(?![A-Z])\s*)?/i;
const ZONE_FIRST = /^(?:[+-]\d|(?:UTC?|GMT|[ECMP][SD]T)(?![A-Z])|Z(?![A-Z]))/i;
const LAST_WORD_ZONE = /(?:^|\s)(?:(?:UTC?|GMT)?[+-]\d{1,2}(?::?\d\d)?|UTC?|GMT|[ECMP][SD]T|Z)$/i;
const ISO_DATE_ONLY = /^\d{4}-\d\d-\d\d$/;
const ISO_WITH_TIME = /^\d{4}-\d\d-\d\dT\d/i;

/**
 * Split a complete header block into fields, keeping each field's byte range so that a caller
 * can drop fields without touching any other byte. Only LF ends a line; a CR before it belongs
 * to the line (RFC 5322 §2.2.3 folding: a line starting with SP or HTAB continues the field).
 * @internal
 */
export function parseHeaderBlock(raw: Uint8Array, bodyOffset: number): HeaderBlock {
  const fields: RawHeaderField[] = [];
  let pos = 0;
  const limit = bodyOffset;
  // One native check for the whole block instead of a byte loop per value read. The fields only:
  // bytes after them are included only when they are just the empty line (ASCII), which saves
  // making a view.
  const ascii = allAscii(raw.length - bodyOffset <= 2 ? raw : raw.subarray(0, bodyOffset)) === true;
  while (pos < limit) {
    // Field start: find the end of this line and of its continuation lines.
    let end = pos;
    // The first line's LF (the first search below) also bounds where the name's colon may be.
    let firstLf = -2;
    for (;;) {
      const lf = raw.indexOf(CharCode.LF, end);
      if (firstLf === -2) firstLf = lf;
      end = lf === -1 || lf >= limit ? limit : lf + 1;
      if (end >= limit) break;
      const next = raw[end];
      if (next !== CharCode.Space && next !== CharCode.Tab) break;
    }
    const lineEnd = firstLf === -1 || firstLf >= end ? end : firstLf;
    // The colon is looked for on the first line only: a search to the end of the block made a
    // block of lines without colons quadratic (a 1 MiB one took seconds). Names are short, so a
    // loop that stops at the colon is also cheaper than a native search.
    let colon = pos;
    while (colon < lineEnd && raw[colon] !== CharCode.Colon) colon++;
    // No colon, or white space inside the name (an mbox "From " line, garbage): not a field.
    const named = colon < lineEnd;
    const known = named ? knownName(raw, pos, colon) : undefined;
    const name = known !== undefined ? known.name : named ? fieldName(raw, pos, colon) : undefined;
    if (name === undefined) {
      fields.push(new RawHeaderField(raw, '', '', pos, pos, end, ascii));
    } else {
      fields.push(new RawHeaderField(raw, name, known !== undefined ? known.key : name.toLowerCase(), colon + 1, pos, end, ascii));
    }
    pos = end;
  }
  return new HeaderBlock(raw, fields, bodyOffset, ascii);
}

/**
 * Field names as mail software writes them. A block's names are compared against these bytes
 * first, so that the common ones cost no new strings (two per field, name and lower-case key,
 * were a visible share of what a small report allocates).
 */
const COMMON_NAMES = [
  'Received', 'From', 'To', 'Cc', 'Bcc', 'Subject', 'Date', 'Message-ID', 'Message-Id', 'MIME-Version', 'Mime-Version',
  'Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition', 'Content-ID', 'Content-Description', 'Content-Language',
  'Content-Class', 'Sender', 'Reply-To', 'Return-Path', 'In-Reply-To', 'References', 'Thread-Topic', 'Thread-Index',
  'Accept-Language', 'Importance', 'Delivered-To', 'DKIM-Signature', 'Authentication-Results', 'Received-SPF', 'X-Mailer',
  'X-Originating-IP', 'X-MS-Journal-Report', 'X-MS-Exchange-Organization-BCC', 'X-MS-Exchange-CrossPremises-BCC',
  'X-MS-Exchange-Parent-Message-Id', 'X-MS-Exchange-Message-Is-Ndr', 'X-MS-Has-Attach', 'X-MS-TNEF-Correlator',
  'X-Gm-Original-To', 'Auto-Submitted', 'X-Auto-Response-Suppress',
  // The other journal markers, and what Exchange Online and its filters add to most messages (the
  // most frequent names in the journal reports and NDRs of ../shared/corpus).
  'X-MS-Exchange-Organization-Journal-Report', 'X-MS-Exchange-CrossPremises-Journal-Report', 'X-MS-Gcc-Journal-Report',
  'Content-Identifier', 'Content-Identifer', 'X-WM-Journal-Report', 'X-Microsoft-Exchange-Diagnostics', 'X-OriginatorOrg',
  'X-MS-Exchange-Transport-CrossTenantHeadersStamped', 'X-MS-Exchange-CrossTenant-Network-Message-Id',
  'X-MS-Exchange-CrossTenant-Id', 'X-MS-Exchange-CrossTenant-id', 'X-MS-Exchange-CrossTenant-OriginalArrivalTime',
  'X-MS-Exchange-CrossTenant-originalarrivaltime', 'X-MS-Exchange-CrossTenant-FromEntityHeader',
  'X-MS-Exchange-CrossTenant-fromentityheader', 'X-MS-Exchange-CrossTenant-AuthAs', 'X-MS-Exchange-CrossTenant-AuthSource',
  'X-MS-Exchange-CrossTenant-RMS-PersistedConsumerOrg', 'X-MS-Office365-Filtering-Correlation-Id', 'X-MS-PublicTrafficType',
  'X-MS-TrafficTypeDiagnostic', 'X-Microsoft-Antispam', 'X-Microsoft-Antispam-Message-Info',
  'X-Microsoft-Antispam-Mailbox-Delivery', 'X-Forefront-Antispam-Report', 'X-MS-Exchange-Organization-SCL',
  'X-MS-Exchange-Organization-AuthAs', 'X-MS-Exchange-Organization-AuthSource', 'X-MS-Exchange-Organization-AuthMechanism',
  'X-MS-Exchange-Organization-Network-Message-Id', 'X-MS-Exchange-Organization-MessageDirectionality', 'Precedence',
  'List-Unsubscribe', 'Reporting-MTA', 'Received-From-MTA', 'Arrival-Date', 'Final-Recipient', 'Original-Recipient',
  'Action', 'Status', 'Remote-MTA', 'Diagnostic-Code', 'Last-Attempt-Date',
];

interface KnownName {
  bytes: Uint8Array;
  name: string;
  key: string;
}

/**
 * Known names by length, then by first byte: two array reads instead of a hash look-up in a Map
 * keyed by both (measured over the bench reports' header blocks: 96–100 → 91–95 ns per field).
 */
const KNOWN: (KnownName[] | undefined)[][] = [];
for (const name of COMMON_NAMES) {
  const bytes = new Uint8Array(Array.from(name, (c) => c.charCodeAt(0)));
  const byFirst = (KNOWN[bytes.length] ??= new Array<KnownName[] | undefined>(128).fill(undefined));
  (byFirst[bytes[0]!] ??= []).push({ bytes, name, key: interned(name.toLowerCase()) });
}
// Lengths no known name has: an empty table, so that a look-up never reads a hole.
for (let i = 0; i < KNOWN.length; i++) KNOWN[i] ??= [];

/**
 * The same string, internalised by V8 (a property name is): a look-up passes a lower-case literal,
 * which is internalised too, so comparing it with a known field's key is a pointer comparison
 * instead of a character one (measured: HeaderBlock.get 74-82 -> 43-53 ns on a wrapper block).
 * Equality never depends on it; only speed does.
 */
function interned(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** The known name spelt exactly by raw[start..colon), if any (no blanks around it). */
function knownName(raw: Uint8Array, start: number, colon: number): KnownName | undefined {
  const length = colon - start;
  if (length <= 0) return undefined;
  if (length >= KNOWN.length) return undefined;
  const list = KNOWN[length]![raw[start]!];
  if (list === undefined) return undefined;
  // From the end: names in one slot often share a long start ("X-MS-Exchange-Organization-").
  outer: for (const k of list) {
    for (let i = length - 1; i > 0; i--) if (raw[start + i] !== k.bytes[i]) continue outer;
    return k;
  }
  return undefined;
}

/**
 * The name before a colon, surrounding white space removed; undefined when white space sits
 * inside it (an mbox "From " line, garbage), which makes the line no field.
 */
function fieldName(raw: Uint8Array, start: number, colon: number): string | undefined {
  // Non-ASCII bytes anywhere before the colon (never a valid name): decode first and trim, so
  // that Unicode white space counts as it does in the text — "Bcc \u00a0:" is the field Bcc.
  for (let i = start; i < colon; i++) {
    if (raw[i]! >= 0x80) {
      const name = decodeUndeclared(raw, start, colon).trim();
      return /\S\s+\S/.test(name) ? undefined : name;
    }
  }
  let a = start;
  let b = colon;
  while (a < b && isAsciiSpace(raw[a]!)) a++;
  while (b > a && isAsciiSpace(raw[b - 1]!)) b--;
  for (let i = a; i < b; i++) if (isAsciiSpace(raw[i]!)) return undefined;
  return decodeUndeclared(raw, a, b);
}

const isAsciiSpace = (c: number): boolean => c === CharCode.Space || (c >= 0x09 && c <= 0x0d);

/**
 * The bytes of a field value without its folding (undefined when it is not folded): every LF
 * followed by a blank, and the CR before such an LF, are left out. Works on bytes, before
 * decoding, so a one-line value needs no copy and a folded one a single copy (the decoded text
 * is the same either way: only ASCII bytes are dropped, and a multi-byte sequence cannot
 * straddle a fold without the blank).
 */
function unfoldedCopy(raw: Uint8Array, start: number, end: number): Uint8Array | undefined {
  let lf = raw.indexOf(CharCode.LF, start);
  // No line break before the field's own final one: nothing is folded.
  if (lf === -1 || lf >= end - 1) return undefined;
  // Decoded into a string at once and dropped: a slab piece, not an allocation of its own.
  const out = allocTemp(end - start);
  let o = 0;
  let from = start;
  for (; lf !== -1 && lf < end; lf = raw.indexOf(CharCode.LF, lf + 1)) {
    const next = raw[lf + 1];
    if (lf + 1 >= end || (next !== CharCode.Space && next !== CharCode.Tab)) continue;
    const cut = lf > from && raw[lf - 1] === CharCode.CR ? lf - 1 : lf;
    out.set(raw.subarray(from, cut), o);
    o += cut - from;
    from = lf + 1;
  }
  out.set(raw.subarray(from, end), o);
  return out.subarray(0, o + end - from);
}

/**
 * Find where a header block ends in `buf`, scanning from `from`.
 * Returns `{ bodyOffset, end }`, `end` being the first byte after the empty line, or undefined
 * when more bytes are needed. An empty line at the very start means "no header fields".
 * @internal
 */
export function findHeaderEnd(buf: Uint8Array, from: number): { bodyOffset: number; end: number } | undefined {
  // A block that starts with the empty line.
  if (from === 0) {
    if (buf[0] === CharCode.LF) return { bodyOffset: 0, end: 1 };
    if (buf[0] === CharCode.CR && buf[1] === CharCode.LF) return { bodyOffset: 0, end: 2 };
    if (buf.length < 2 && buf[0] === CharCode.CR) return undefined;
  }
  let pos = from;
  for (;;) {
    const lf = buf.indexOf(CharCode.LF, pos);
    if (lf === -1) return undefined;
    const a = buf[lf + 1];
    if (a === undefined) return undefined;
    if (a === CharCode.LF) return { bodyOffset: lf + 1, end: lf + 2 };
    if (a === CharCode.CR) {
      const b = buf[lf + 2];
      if (b === undefined) return undefined;
      if (b === CharCode.LF) return { bodyOffset: lf + 1, end: lf + 3 };
    }
    pos = lf + 1;
  }
}

/** Result of feeding bytes to a {@link HeaderCollector}. @internal */
export type CollectResult =
  | { done: false }
  | { done: true; block: HeaderBlock; rest: Uint8Array }
  | { done: 'overflow' };

/** Bytes past the limit that HeaderCollector copies too, so that an end of block at the limit is seen. */
const LOOKAHEAD = 4;

/**
 * Accumulates bytes until a header block is complete, under a byte limit.
 * @internal
 */
export class HeaderCollector {
  private readonly buf = new ByteBuffer();
  private scanFrom = 0;
  /** Bytes pushed so far. */
  private pushed = 0;
  /** After an overflow, the rest of the last chunk, not copied: drain() hands it back as a view. */
  private uncopied: Uint8Array | undefined;

  constructor(private readonly maxBytes: number) {}

  /** Bytes pushed so far (copied or not). */
  get size(): number {
    return this.pushed;
  }

  push(chunk: Uint8Array): CollectResult {
    this.pushed += chunk.length;
    // Fast path: the whole block is in this chunk. Copy only the block; the rest stays a view.
    if (this.buf.length === 0) {
      const found = findHeaderEnd(chunk, 0);
      if (found !== undefined) {
        if (found.end > this.maxBytes) {
          // Kept for drain(), which hands back the same bytes whatever the chunking.
          this.uncopied = chunk;
          return { done: 'overflow' };
        }
        return { done: true, block: parseHeaderBlock(chunk.slice(0, found.end), found.bodyOffset), rest: chunk.subarray(found.end) };
      }
    }
    const before = this.buf.length;
    // Only the bytes that can still end a block within the limit are copied (and a few more,
    // more than an end needs to be recognised): a large chunk was copied whole, and a 300 MiB
    // message in memory behind an oversized header block cost 300 MiB more (found by an audit).
    const room = this.maxBytes + LOOKAHEAD - before;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (piece !== chunk) this.uncopied = chunk.subarray(room);
    this.buf.append(piece);
    const view = this.buf.view();
    const found = findHeaderEnd(view, this.scanFrom);
    if (found === undefined) {
      // Resume two bytes before the end: an LF there may still turn out to start the empty line
      // (its next bytes are not here yet); every earlier LF has been decided. Rescanning from the
      // last LF instead would make a long line in small chunks quadratic.
      this.scanFrom = view.length >= 2 ? view.length - 2 : 0;
      if (view.length > this.maxBytes) return { done: 'overflow' };
      return { done: false };
    }
    if (found.end > this.maxBytes) return { done: 'overflow' };
    this.uncopied = undefined;
    const raw = view.slice(0, found.end);
    // The block cannot have ended inside earlier chunks (it would have been found then), so the
    // rest is a view of this chunk.
    const rest = chunk.subarray(found.end - before);
    this.buf.clear();
    this.scanFrom = 0;
    return { done: true, block: parseHeaderBlock(raw, found.bodyOffset), rest };
  }

  /** End of input inside the header block: whatever is held is the block (no body). */
  finish(): HeaderBlock {
    const raw = this.buf.take();
    this.buf.clear();
    return parseHeaderBlock(raw, raw.length);
  }

  /** Hand back the bytes pushed, unparsed, in order (after an overflow). */
  drain(): Uint8Array[] {
    const raw = this.buf.take();
    this.buf.clear();
    const pieces = this.uncopied === undefined ? [raw] : [raw, this.uncopied];
    this.uncopied = undefined;
    return pieces;
  }
}
