import libmime from 'libmime';
import { normaliseMessageId } from './address.js';
import { CharCode, EMPTY_BYTES, startsWithBytes, toBytes } from './internal/bytes.js';
import { stringArgument } from './internal/arguments.js';
import { createSha256, DeferredSha256, sha256Hex, sha256HexOfBytes, type Hasher } from './internal/hash.js';
import { parseSimpleValue, type ContentType } from './mime/content-type.js';
import { decodeHeaderWords } from './mime/encoded-words.js';
import { HeaderCollector, type HeaderBlock } from './mime/header-block.js';
import { PartsReader, type PartSink } from './mime/multipart.js';
import { createTransferDecoder, normaliseTransferEncoding, type TransferDecoder } from './mime/transfer-decoding.js';

/** Prefix of Message-ID keys; bumped whenever their derivation changes. */
export const MESSAGE_ID_KEY_VERSION = 'mid1';
/** Prefix of content keys; bumped whenever the canonical form changes. */
export const CONTENT_KEY_VERSION = 'ck1';

/**
 * The Message-ID key: `mid1:` and the SHA-256 of the normalised Message-ID (angle brackets,
 * comments, white space and folding removed, domain part lower-cased). Undefined for an empty
 * Message-ID (`report.dedup.messageIdKey` is then `null`): a missing ID never becomes a shared
 * placeholder.
 *
 * @example
 * messageIdKey('<Abc@EXAMPLE.com>') === messageIdKey(' <Abc@example.com> (copy)') // true
 */
export function messageIdKey(messageId: string | null | undefined): string | undefined {
  // Checked here, so that the TypeError names this function rather than the one it calls.
  if (messageId !== undefined && messageId !== null) stringArgument(messageId, 'messageIdKey: messageId');
  const id = normaliseMessageId(messageId ?? undefined);
  if (id === undefined) return undefined;
  return `${MESSAGE_ID_KEY_VERSION}:${sha256Hex(id.slice(1, -1))}`;
}

/** White space runs to one space, trimmed. Most values have only single spaces: no new string. */
const collapse = (s: string): string => (/[^\S ]| \s/.test(s) ? s.replace(/\s+/g, ' ') : s).trim();

function addresses(block: HeaderBlock, name: string, sorted: boolean): string {
  const lower = block.lowerAddresses(name);
  if (lower.length === 0) return '';
  if (lower.length === 1) return lower[0]!;
  if (!sorted) return lower.join(',');
  // Sorted (a copy: the block's list keeps header order), then each address once: duplicates are
  // neighbours after sorting (no Set needed).
  const list = sortedCopy(lower);
  let out = list[0]!;
  for (let i = 1; i < list.length; i++) if (list[i] !== list[i - 1]) out += `,${list[i]}`;
  return out;
}

/**
 * Up to this many entries an insertion sort beats Array#sort, whose comparisons cost more: on the
 * benchmark's To/Cc lists (2–18 addresses) 0.6–0.7 µs per report against 1.7 µs with a JavaScript
 * comparison loop, about half that since it compares with `>` (ten addresses: 396 → 186 ns);
 * past about 32 the quadratic moves catch up.
 */
const SHORT_LIST = 32;

/** A sorted copy, in the order Array#sort gives strings (UTF-16 code units). @internal */
export function sortedCopy(list: readonly string[]): string[] {
  const out = list.slice();
  if (out.length > SHORT_LIST) return out.sort();
  for (let i = 1; i < out.length; i++) {
    const v = out[i]!;
    let j = i - 1;
    // `>` on two strings compares their UTF-16 code units, as Array#sort does, natively.
    for (; j >= 0 && out[j]! > v; j--) out[j + 1] = out[j]!;
    out[j + 1] = v;
  }
  return out;
}

function ids(value: string | undefined): string {
  if (value === undefined) return '';
  return (value.match(/<[^<>]*>/g) ?? [])
    .map((id) => normaliseMessageId(id))
    .filter((id): id is string => id !== undefined)
    .join(' ');
}

/**
 * The canonical header lines of a message (content key v1): only the fields that identify the
 * message, each normalised so that transport and export do not change it.
 * @internal
 */
function canonicalHeaders(block: HeaderBlock): string {
  const time = block.date();
  // The raw value only when it is not a date (or absent): one header search less per message.
  const date = Number.isNaN(time) ? block.get('date') : '';
  return (
    `from:${addresses(block, 'from', false)}\n` +
    `sender:${addresses(block, 'sender', false)}\n` +
    `to:${addresses(block, 'to', true)}\n` +
    `cc:${addresses(block, 'cc', true)}\n` +
    `date:${date === undefined ? '' : Number.isNaN(time) ? collapse(date) : String(Math.floor(time / 1000))}\n` +
    `subject:${collapse(block.getDecoded('subject') ?? '')}\n` +
    `message-id:${normaliseMessageId(block.get('message-id'))?.slice(1, -1) ?? '(none)'}\n` +
    `in-reply-to:${ids(block.get('in-reply-to'))}\n` +
    `references:${ids(block.get('references'))}\n`
  );
}

function filenameOf(block: HeaderBlock, ct: ContentType): string {
  const disposition = block.get('content-disposition');
  let name: string | undefined;
  if (disposition !== undefined) {
    try {
      name = (parseSimpleValue(disposition) ?? (libmime.parseHeaderValue(disposition) as { params: Record<string, string> })).params.filename;
    } catch {
      name = undefined;
    }
  }
  name ??= ct.params.name;
  // collapse() also turns tabs and line breaks into spaces, so the name cannot break the record.
  return name === undefined ? '' : collapse(decodeHeaderWords(name));
}

/**
 * `application/*` types that are text in all but name. An LF mbox export of a PGP-signed
 * message must keep the key of its CRLF journal copy, signature part included.
 */
const TEXTUAL_APPLICATION = new Set(['pgp-signature', 'pgp-encrypted', 'pgp-keys', 'ics', 'json', 'xml', 'javascript', 'ecmascript']);

/** Whether a leaf is compared as lines (CRLF = LF, trailing white space ignored). */
function isLineOriented(ct: ContentType): boolean {
  if (ct.type === 'text' || ct.type === 'message' || ct.type === 'multipart') return true;
  return ct.type === 'application' && (TEXTUAL_APPLICATION.has(ct.subtype) || ct.subtype.endsWith('+xml') || ct.subtype.endsWith('+json'));
}

/** Longest trailing white-space run that is held back (and dropped if it ends the text). */
const MAX_HELD_BLANKS = 4096;

const isBlank = (c: number): boolean => c === CharCode.Space || c === CharCode.Tab || c === CharCode.LF || c === CharCode.CR;

/**
 * Streams one leaf's decoded bytes into its own hash. Text: CRLF becomes LF and white space at
 * the very end is dropped (up to MAX_HELD_BLANKS bytes: a longer final run is hashed whole, a
 * rule that depends on the run, never on the chunking). Work is done on whole chunks, one hash
 * update each.
 */
class LeafHasher {
  private readonly hash = new DeferredSha256();
  /** The previous chunk ended with CR: dropped if this one starts with LF. */
  private pendingCr = false;
  /** Blanks held back at the end of what was seen; `spilling` once a run outgrew the hold. */
  private held: Uint8Array | undefined;
  private heldLength = 0;
  private spilling = false;

  /**
   * `stable`: the bytes written are views of the input, which callers must not change while the
   * parser may hold them; a decoder's pieces are not (a transient decoder reuses its buffer), so
   * whatever is kept of them is copied.
   */
  constructor(
    private readonly text: boolean,
    private readonly stable = true,
  ) {}

  write(bytes: Uint8Array): void {
    if (!this.text) {
      this.hash.update(bytes, this.stable);
      return;
    }
    if (bytes.length === 0) return;
    const data = this.lineEndings(bytes);
    // Everything up to the last non-blank byte is content; the blanks after it are held.
    const last = lastNonBlank(data);
    if (last >= 0) {
      this.flushHeld();
      this.spilling = false;
      // `data` may be the shared scratch buffer: not stable.
      this.hash.update(data.subarray(0, last + 1), false);
    }
    this.hold(data.subarray(last + 1));
  }

  digestHex(): string {
    // Held blanks (and a CR still pending) are trailing white space: they are not hashed.
    return this.hash.digestHex();
  }

  /**
   * The digest when `bytes` is the whole content and nothing was written before: what `write`
   * then `digestHex` give, hashed in one call without holding or copying anything, so `bytes`
   * may be scratch memory (a transient decoder's output).
   */
  digestOfWhole(bytes: Uint8Array): string {
    if (!this.text || bytes.length === 0) return sha256HexOfBytes(bytes);
    const data = this.lineEndings(bytes);
    const last = lastNonBlank(data);
    // A final blank run longer than write holds back is hashed, as write does.
    return sha256HexOfBytes(data.length - 1 - last > MAX_HELD_BLANKS ? data : data.subarray(0, last + 1));
  }

  /**
   * CRLF to LF across writes: a CR that ends a write is held until the next one shows whether an
   * LF follows. The result may be the shared scratch buffer.
   */
  private lineEndings(bytes: Uint8Array): Uint8Array {
    let data = bytes;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (data[0] !== CharCode.LF) data = prepend(CharCode.CR, data);
    }
    if (data[data.length - 1] === CharCode.CR) {
      this.pendingCr = true;
      data = data.subarray(0, data.length - 1);
    }
    return data.indexOf(CharCode.CR) !== -1 ? withoutCrBeforeLf(data) : data;
  }

  private hold(blanks: Uint8Array): void {
    if (blanks.length === 0) return;
    if (this.spilling) {
      this.hash.update(blanks, false);
      return;
    }
    if (this.heldLength + blanks.length > MAX_HELD_BLANKS) {
      this.flushHeld();
      this.hash.update(blanks, false);
      this.spilling = true;
      return;
    }
    // Usually a final line break or two: start small (a zeroed 4 KiB per text part was a
    // measurable share of a small report's allocation) and grow up to the cap.
    const need = this.heldLength + blanks.length;
    if (this.held === undefined || this.held.length < need) {
      const grown = new Uint8Array(Math.min(MAX_HELD_BLANKS, Math.max(64, need, (this.held?.length ?? 0) * 2)));
      if (this.held !== undefined) grown.set(this.held.subarray(0, this.heldLength));
      this.held = grown;
    }
    this.held.set(blanks, this.heldLength);
    this.heldLength += blanks.length;
  }

  private flushHeld(): void {
    if (this.heldLength === 0 || this.held === undefined) return;
    this.hash.update(this.held.subarray(0, this.heldLength), false);
    this.heldLength = 0;
  }
}

/** Index of the last byte that is not white space, -1 when there is none. */
function lastNonBlank(data: Uint8Array): number {
  let last = data.length - 1;
  while (last >= 0 && isBlank(data[last]!)) last--;
  return last;
}

function prepend(byte: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out[0] = byte;
  out.set(data, 1);
  return out;
}

/** Reused by withoutCrBeforeLf: its result is hashed (or copied) before the next call. */
let scratch = new Uint8Array(0);
const MAX_SCRATCH = 65536;

/**
 * Without each CR that directly precedes an LF. The result may be a shared scratch buffer,
 * valid only until the next call.
 */
function withoutCrBeforeLf(data: Uint8Array): Uint8Array {
  if (scratch.length < data.length && data.length <= MAX_SCRATCH) scratch = new Uint8Array(Math.max(4096, data.length));
  const out = data.length <= scratch.length ? scratch : new Uint8Array(data.length);
  // One copy, then each line is moved down in place: copyWithin creates no view per line.
  out.set(data, 0);
  let o = 0;
  let from = 0;
  for (let cr = data.indexOf(CharCode.CR); cr !== -1; cr = data.indexOf(CharCode.CR, cr + 1)) {
    if (data[cr + 1] !== CharCode.LF) continue;
    if (o !== from) out.copyWithin(o, from, cr);
    o += cr - from;
    from = cr + 1;
  }
  if (o !== from) out.copyWithin(o, from, data.length);
  return out.subarray(0, o + data.length - from);
}

/** Largest encoded body decoded in one call (see LeafBody). */
const MAX_WHOLE_DECODE = 64 * 1024;

/**
 * The SHA-256 of a block's lines that are no field, read as text (CRLF = LF, final white space
 * dropped), undefined when there are none (every well-formed block: no record, no key changed).
 * In the message's own block, such lines before its first field are framing an export put there
 * (an mbox `From ` line, Outlook's `Microsoft Mail Internet Headers Version 2.0`), not text: the
 * copy exported with them keys as the copy without.
 */
function strayLinesDigest(block: HeaderBlock, top: boolean): string | undefined {
  const fields = block.fields;
  let i = 0;
  // Only the known framing lines: any other line before the first field is text (found by
  // review: skipping every such line made "Invoice 1001 approved" and "Invoice 1002 rejected"
  // above an `Amount:` line one key).
  if (top) while (i < fields.length && fields[i]!.key === '' && isFramingLine(block.raw, fields[i]!.start)) i++;
  let hasher: LeafHasher | undefined;
  for (; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.key === '') (hasher ??= new LeafHasher(true)).write(block.raw.subarray(f.start, f.end));
  }
  return hasher?.digestHex();
}

/** An mbox `From ` line, or the banner Outlook writes above exported headers. */
function isFramingLine(raw: Uint8Array, at: number): boolean {
  return startsWithBytes(raw, at, FROM_WORD) || startsWithBytes(raw, at, OUTLOOK_BANNER);
}

const FROM_WORD = toBytes('From ');
const OUTLOOK_BANNER = toBytes('Microsoft Mail Internet Headers Version');

/** One MIME entity of the message being hashed. */
class Entity {
  private collector: HeaderCollector | undefined;
  /** Where the body bytes go once the header block is read. */
  private body: PartSink | undefined;

  constructor(
    private readonly owner: ContentHasher,
    private readonly depth: number,
    /** Past maxParts: hash the part's bytes as they are, without reading its structure. */
    raw = false,
  ) {
    if (raw) this.body = LeafBody.unparsed(owner);
    else this.collector = new HeaderCollector(owner.maxHeaderBytes);
  }

  /** Open with a header block someone else already parsed (the bytes that follow are the body). */
  openWith(block: HeaderBlock): void {
    this.collector = undefined;
    this.open(block);
  }

  write(bytes: Uint8Array): void {
    if (this.body !== undefined) return this.body.write(bytes);
    if (this.collector === undefined) return;
    const r = this.collector.push(bytes);
    if (r.done === false) return;
    if (r.done === 'overflow') {
      // Hash the bytes as they are: the key stays deterministic, it just loses the canonical form.
      // Said (PART_HEADER_LIMIT) for a part; the message's own block is the parser's to name.
      if (this.depth > 0) this.owner.headerLimited = true;
      const pieces = this.collector.drain();
      this.collector = undefined;
      this.body = LeafBody.unparsed(this.owner);
      for (const piece of pieces) this.body.write(piece);
      return;
    }
    this.collector = undefined;
    this.open(r.block);
    if (r.rest.length > 0) this.body!.write(r.rest);
  }

  end(): void {
    if (this.collector !== undefined) {
      const block = this.collector.finish();
      this.collector = undefined;
      this.open(block);
    }
    this.body?.end();
  }

  open(block: HeaderBlock): void {
    if (this.depth === 0) this.owner.record(`H\n${canonicalHeaders(block)}`);
    // Lines that are no field among the fields (no colon, or blanks in the name): the empty line
    // that ends the header block was left out, and they are body text a reader sees. Their digest
    // is a record of its own, so that two such messages whose text differs do not share a key;
    // the fields around them still count as fields (those after them too: a Subject, a
    // Message-ID, or the Status field an mbox export appends).
    const stray = strayLinesDigest(block, this.depth === 0);
    if (stray !== undefined) this.owner.record(`X ${stray}\n`);
    const ct = block.contentType();
    const kind = `${ct.type}/${ct.subtype}`;
    if (ct.type === 'multipart' && ct.boundary !== undefined) {
      if (this.depth < this.owner.maxDepth) {
        this.body = new MultipartBody(this.owner, this.depth, kind, ct.boundary);
        return;
      }
      // Deeper than maxDepth: hashed as a leaf below, and said (DEPTH_LIMIT).
      this.owner.depthLimited = true;
    }
    // Leaves: the transfer encoding is undone, so 7bit, 8bit, quoted-printable and base64 copies
    // of the same content agree; text (and embedded messages) also ignore CRLF vs LF.
    // Transient: the leaf hashes or copies each decoded piece at once (see LeafHasher).
    const decoder = createTransferDecoder(normaliseTransferEncoding(block.get('content-transfer-encoding')), true);
    // Text is compared by its lines, whose endings exports and gateways rewrite. Decided by the
    // type alone, never by the transfer encoding: the base64 and the quoted-printable copy of one
    // part must give the same digest.
    this.body = new LeafBody(this.owner, kind, filenameOf(block, ct), isLineOriented(ct), decoder);
  }
}

/**
 * A multipart body: its parts become entities one level down; it records where it opens and
 * closes. One object is the scanner's handler and the entity's body (closures for each were a
 * visible share of a small report's allocation).
 */
class MultipartBody extends PartsReader<Entity> implements PartSink {
  private parts = 0;
  /**
   * A multipart whose boundary never shows has all its bytes in the preamble, which is otherwise
   * left out: hash it, so that such messages do not all share one key. Read as lines (CRLF = LF,
   * final white space dropped), as its text would be: an LF export keys as the CRLF copy.
   */
  private readonly preamble = new LeafHasher(true);

  constructor(
    private readonly owner: ContentHasher,
    private readonly depth: number,
    private readonly kind: string,
    boundary: string,
  ) {
    super(boundary, owner.maxLineBytes);
    owner.record(`M ${kind}\n`);
  }

  onPreamble(bytes: Uint8Array): void {
    this.preamble.write(bytes);
  }

  onLongDelimiterLine(): void {
    this.owner.lineLimited = true;
  }

  onPartStart(): void {
    this.parts++;
    const owner = this.owner;
    this.part = new Entity(owner, this.depth + 1, ++owner.parts > owner.maxParts);
    if (owner.parts > owner.maxParts) owner.partLimited = true;
  }

  override end(): void {
    super.end();
    if (this.parts === 0) this.owner.record(`U ${this.preamble.digestHex()}\n`);
    this.owner.record(`/M ${this.kind}\n`);
  }
}

/**
 * A leaf's body: decoded (when a decoder is given) and hashed by a {@link LeafHasher}, whose
 * digest goes into the main hash with the type and filename at the end.
 *
 * A body that comes as one piece (a message in memory, or a part within one read) is held as that
 * view and decoded and hashed at its end in one go: streamed, its decoded or CR-less pieces would
 * have to be copied to be held for one hash call. A second piece streams both.
 */
class LeafBody implements PartSink {
  private readonly hasher: LeafHasher;
  private only: Uint8Array | undefined;
  private streaming = false;
  /** The decoder's sink, made once (only a streamed body uses it). */
  private toHasher: ((decoded: Uint8Array) => void) | undefined;

  constructor(
    private readonly owner: ContentHasher,
    private readonly kind: string,
    private readonly filename: string,
    text: boolean,
    private readonly decoder: TransferDecoder | undefined,
  ) {
    // A decoder's pieces are its reused buffer (transient): the hasher copies what it keeps.
    this.hasher = new LeafHasher(text, decoder === undefined);
  }

  /** A part hashed as the bytes it is, its structure not read (past maxParts or maxHeaderBytes). */
  static unparsed(owner: ContentHasher): LeafBody {
    return new LeafBody(owner, 'application/x-unparsed', '', false, undefined);
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.streaming) return this.feed(bytes);
    if (this.only === undefined) {
      this.only = bytes;
      return;
    }
    this.streaming = true;
    this.feed(this.only);
    this.only = undefined;
    this.feed(bytes);
  }

  end(): void {
    const body = this.only ?? EMPTY_BYTES;
    this.only = undefined;
    const decoder = this.decoder;
    // A large base64 body that the native decoder refuses whole (no final padding, say) would
    // go through the loop whole: streamed, only its last line does.
    if (!this.streaming && (decoder === undefined || body.length <= MAX_WHOLE_DECODE)) {
      this.done(this.hasher.digestOfWhole(decoder === undefined ? body : decoder.decodeWhole(body)));
      return;
    }
    if (body.length > 0) this.feed(body);
    decoder?.end(this.sink());
    this.done(this.hasher.digestHex());
  }

  private feed(bytes: Uint8Array): void {
    if (this.decoder === undefined) this.hasher.write(bytes);
    else this.decoder.write(bytes, this.sink());
  }

  private sink(): (decoded: Uint8Array) => void {
    return (this.toHasher ??= (d) => this.hasher.write(d));
  }

  private done(digest: string): void {
    this.owner.record(`P ${this.kind}\t${this.filename}\t${digest}\n`);
  }
}

/**
 * Streaming content key (v1) of one message. Feed it the message's bytes; `end()` gives
 * `ck1:<sha256>`. The canonical form is documented in the README ("Dedup keys").
 * @internal
 */
export class ContentHasher {
  /**
   * The hash of the records, made only when they outgrow one flush: a small message's records
   * are hashed in one call at the end, without a hash object.
   */
  private main: Hasher | undefined;
  private readonly top: Entity;
  /** Parts seen so far, and whether maxParts was reached (later parts were hashed raw). */
  parts = 0;
  partLimited = false;
  /** A line that starts like a delimiter was read as content: its padding passed maxLineBytes. */
  lineLimited = false;
  /** A multipart nested deeper than maxDepth was hashed as a leaf. */
  depthLimited = false;
  /** A part's header block passed maxHeaderBytes: the part was hashed as raw bytes. */
  headerLimited = false;

  constructor(
    readonly maxHeaderBytes: number,
    readonly maxDepth: number,
    readonly maxLineBytes: number,
    readonly maxParts = Number.MAX_SAFE_INTEGER,
  ) {
    this.record(`${CONTENT_KEY_VERSION}\n`);
    this.top = new Entity(this, 0);
  }

  /**
   * Start from the message's header block, already parsed by the caller (the header remover or
   * the top-level reader), so it is not parsed twice; then write only the body.
   */
  begin(block: HeaderBlock): void {
    this.top.openWith(block);
  }

  write(bytes: Uint8Array): void {
    this.top.write(bytes);
  }

  end(): string {
    this.top.end();
    if (this.main === undefined) return `${CONTENT_KEY_VERSION}:${sha256Hex(this.pending)}`;
    this.flushRecords();
    return `${CONTENT_KEY_VERSION}:${this.main.digestHex()}`;
  }

  /** Records not yet hashed: a message's few short records go to the hash in one update. */
  private pending = '';

  /** @internal */
  record(text: string): void {
    this.pending += text;
    // Bounded however many parts a message has.
    if (this.pending.length > 4096) this.flushRecords();
  }

  private flushRecords(): void {
    if (this.pending === '') return;
    (this.main ??= createSha256()).updateText(this.pending);
    this.pending = '';
  }
}
