import libmime from 'libmime';
import { normaliseMessageId, parseAddressList } from './address.js';
import { CharCode } from './internal/bytes.js';
import { createSha256, sha256Hex, type Hasher } from './internal/hash.js';
import { parseContentType, type ContentType } from './mime/content-type.js';
import { decodeHeaderWords, HeaderCollector, type HeaderBlock } from './mime/header-block.js';
import { MultipartScanner } from './mime/multipart.js';
import { createTransferDecoder, normaliseTransferEncoding } from './mime/transfer-decoding.js';

/** Prefix of Message-ID keys; bumped whenever their derivation changes. */
export const MESSAGE_ID_KEY_VERSION = 'mid1';
/** Prefix of content keys; bumped whenever the canonical form changes. */
export const CONTENT_KEY_VERSION = 'ck1';

/**
 * The Message-ID key: `mid1:` and the SHA-256 of the normalised Message-ID (angle brackets,
 * comments, white space and folding removed, domain part lower-cased). Undefined for an empty
 * Message-ID: a missing ID never becomes a shared placeholder.
 *
 * @example
 * messageIdKey('<Abc@EXAMPLE.com>') === messageIdKey(' <Abc@example.com> (copy)') // true
 */
export function messageIdKey(messageId: string | null | undefined): string | undefined {
  const id = normaliseMessageId(messageId ?? undefined);
  if (id === undefined) return undefined;
  return `${MESSAGE_ID_KEY_VERSION}:${sha256Hex(id.slice(1, -1))}`;
}

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

function addresses(block: HeaderBlock, name: string, sorted: boolean): string {
  const list = block.getAll(name).flatMap((v) => parseAddressList(v).map((m) => m.address.toLowerCase()));
  return (sorted ? [...new Set(list)].sort() : list).join(',');
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
export function canonicalHeaders(block: HeaderBlock): string {
  const date = block.get('date');
  const time = date === undefined ? NaN : Date.parse(date.replace(/\([^()]*\)/g, ' ').trim());
  const lines = [
    ['from', addresses(block, 'from', false)],
    ['sender', addresses(block, 'sender', false)],
    ['to', addresses(block, 'to', true)],
    ['cc', addresses(block, 'cc', true)],
    ['date', date === undefined ? '' : Number.isNaN(time) ? collapse(date) : String(Math.floor(time / 1000))],
    ['subject', collapse(decodeHeaderWords(block.get('subject') ?? ''))],
    ['message-id', normaliseMessageId(block.get('message-id'))?.slice(1, -1) ?? '(none)'],
    ['in-reply-to', ids(block.get('in-reply-to'))],
    ['references', ids(block.get('references'))],
  ];
  return lines.map(([k, v]) => `${k}:${v}\n`).join('');
}

function filenameOf(block: HeaderBlock, ct: ContentType): string {
  const disposition = block.get('content-disposition');
  let name: string | undefined;
  if (disposition !== undefined) {
    try {
      name = (libmime.parseHeaderValue(disposition) as { params: Record<string, string> }).params.filename;
    } catch {
      name = undefined;
    }
  }
  name ??= ct.params.name;
  return name === undefined ? '' : collapse(decodeHeaderWords(name)).replace(/[\t\n]/g, ' ');
}

/** Streams one leaf's decoded bytes into its own hash, CRLF → LF for text, trailing white space dropped. */
class LeafHasher {
  private readonly hash = createSha256();
  private pendingCr = false;
  /** Trailing white space held back until something else follows it. */
  private held: number[] = [];

  constructor(private readonly text: boolean) {}

  write(bytes: Uint8Array): void {
    if (!this.text) {
      this.hash.update(bytes);
      return;
    }
    let start = 0;
    const flushHeld = (): void => {
      if (this.held.length > 0) {
        this.hash.update(Uint8Array.from(this.held));
        this.held = [];
      }
    };
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        // A CR not followed by LF is content; CRLF becomes LF.
        if (c !== CharCode.LF) this.held.push(CharCode.CR);
      }
      if (c === CharCode.CR || c === CharCode.LF || c === CharCode.Space || c === CharCode.Tab) {
        if (i > start) {
          flushHeld();
          this.hash.update(bytes.subarray(start, i));
        }
        if (c === CharCode.CR) this.pendingCr = true;
        else this.held.push(c);
        start = i + 1;
        if (this.held.length > 4096) flushHeld();
        continue;
      }
    }
    if (bytes.length > start) {
      flushHeld();
      this.hash.update(bytes.subarray(start));
    }
  }

  digestHex(): string {
    return this.hash.digestHex();
  }
}

/** One MIME entity of the message being hashed. */
class Entity {
  private collector: HeaderCollector | undefined;
  private body: { write(b: Uint8Array): void; end(): void } | undefined;

  constructor(
    private readonly owner: ContentHasher,
    private readonly depth: number,
  ) {
    this.collector = new HeaderCollector(owner.maxHeaderBytes);
  }

  write(bytes: Uint8Array): void {
    if (this.body !== undefined) return this.body.write(bytes);
    if (this.collector === undefined) return;
    const r = this.collector.push(bytes);
    if (r.done === false) return;
    if (r.done === 'overflow') {
      // Hash the bytes as they are: the key stays deterministic, it just loses the canonical form.
      const raw = this.collector.drain();
      this.collector = undefined;
      this.owner.overflowed = true;
      this.body = this.owner.leaf('application/x-unparsed', '', false);
      this.body.write(raw);
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

  private open(block: HeaderBlock): void {
    if (this.depth === 0) this.owner.record(`H\n${canonicalHeaders(block)}`);
    const ct = parseContentType(block.get('content-type'));
    const kind = `${ct.type}/${ct.subtype}`;
    if (ct.type === 'multipart' && ct.boundary !== undefined && this.depth < this.owner.maxDepth) {
      this.owner.record(`M ${kind}\n`);
      let part: Entity | undefined;
      const scanner = new MultipartScanner(
        ct.boundary,
        {
          onPartStart: () => {
            part = new Entity(this.owner, this.depth + 1);
          },
          onPartData: (b) => part?.write(b),
          onPartEnd: () => {
            part?.end();
            part = undefined;
          },
        },
        this.owner.maxLineBytes,
      );
      this.body = {
        write: (b) => scanner.write(b),
        end: () => {
          scanner.end();
          this.owner.record(`/M ${kind}\n`);
        },
      };
      return;
    }
    // Leaves: the transfer encoding is undone, so 7bit, 8bit, quoted-printable and base64 copies
    // of the same content agree; text (and embedded messages) also ignore CRLF vs LF.
    const decoder = createTransferDecoder(normaliseTransferEncoding(block.get('content-transfer-encoding')));
    const leaf = this.owner.leaf(kind, filenameOf(block, ct), ct.type === 'text' || ct.type === 'message' || ct.type === 'multipart');
    this.body = {
      write: (b) => leaf.write(decoder ? decoder.write(b) : b),
      end: () => {
        if (decoder) leaf.write(decoder.end());
        leaf.end();
      },
    };
  }
}

/**
 * Streaming content key (v1) of one message. Feed it the message's bytes; `end()` gives
 * `ck1:<sha256>`. The canonical form is documented in the README ("Dedup keys").
 * @internal
 */
export class ContentHasher {
  private readonly main: Hasher = createSha256();
  private readonly top: Entity;
  /** Set when a header block was too large to read: that part was hashed raw. */
  overflowed = false;

  constructor(
    readonly maxHeaderBytes: number,
    readonly maxDepth: number,
    readonly maxLineBytes: number,
  ) {
    this.main.update(new TextEncoder().encode(`${CONTENT_KEY_VERSION}\n`));
    this.top = new Entity(this, 0);
  }

  write(bytes: Uint8Array): void {
    this.top.write(bytes);
  }

  end(): string {
    this.top.end();
    return `${CONTENT_KEY_VERSION}:${this.main.digestHex()}`;
  }

  /** @internal */
  record(text: string): void {
    this.main.update(new TextEncoder().encode(text));
  }

  /** A leaf whose own digest goes into the main hash, with its type and filename, at its end. @internal */
  leaf(kind: string, filename: string, text: boolean): { write(b: Uint8Array): void; end(): void } {
    const h = new LeafHasher(text);
    return {
      write: (b) => h.write(b),
      end: () => this.record(`P ${kind}\t${filename}\t${h.digestHex()}\n`),
    };
  }
}
