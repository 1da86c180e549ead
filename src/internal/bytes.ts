/** Byte values the parsers look for. @internal */
export const enum CharCode {
  Tab = 0x09,
  LF = 0x0a,
  CR = 0x0d,
  Space = 0x20,
  Dash = 0x2d,
  Colon = 0x3a,
  Equals = 0x3d,
}

const encoder = new TextEncoder();

/** Whether data[at..] starts with `prefix`. @internal */
export function startsWithBytes(data: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (data.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[at + i] !== prefix[i]) return false;
  return true;
}

/** ASCII/UTF-8 encode a string. @internal */
export function toBytes(text: string): Uint8Array {
  // Boundaries and markers are short ASCII: copying the char codes beats a TextEncoder call.
  if (text.length <= 256) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return encoder.encode(text);
      out[i] = c;
    }
    return out;
  }
  return encoder.encode(text);
}

/**
 * What the API reads as bytes: a `Uint8Array` as it is, an `ArrayBuffer` as a view, a string
 * encoded as UTF-8; undefined for anything else (each caller throws its own error). @internal
 */
export function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return toBytes(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return undefined;
}

/** What indexOfBytes uses of Node's Buffer: a view over the same memory, and its byte-string search. */
interface BufferSearch {
  indexOf(needle: Uint8Array, from: number): number;
}
const NodeBuffer: (abstract new () => BufferSearch) & { from(b: ArrayBufferLike, o: number, l: number): BufferSearch } | undefined =
  (globalThis as unknown as { Buffer?: never }).Buffer;

/**
 * The same bytes as a Node Buffer (a view, no copy) where Node's Buffer exists, else `bytes`.
 * {@link indexOfBytes} searches a Buffer as it is but must make a view of any other array on
 * every call, and the parser's views of a Buffer chunk are Buffers too: a plain `Uint8Array`
 * input (a web stream's chunks, an encoded string) made small reports about 6 % slower than the
 * same bytes as a Buffer until the parser took one view per chunk.
 * @internal
 */
export function asNodeBuffer(bytes: Uint8Array): Uint8Array {
  if (NodeBuffer === undefined || bytes instanceof NodeBuffer) return bytes;
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as Uint8Array;
}

/**
 * Index of `needle` in `haystack` at or after `from`, or -1.
 * Uses Node's native Buffer search when it exists (much faster than a JS loop on large bodies);
 * the core stays free of Node imports and falls back to a first-byte scan elsewhere.
 * @internal
 */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  if (NodeBuffer !== undefined) {
    // A Buffer (Node's own input chunks and views of them) is searched as it is: making the view
    // cost twice the search itself on a small report's parts.
    return (asNodeBuffer(haystack) as unknown as BufferSearch).indexOf(needle, from);
  }
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Size of the shared slab that {@link allocTemp} carves from, and the largest piece it carves. */
const SLAB_BYTES = 65536;
const SLAB_MAX_PIECE = 4096;
let slab: ArrayBuffer | undefined;
let slabUsed = 0;

/**
 * A zeroed byte array for a copy that is dropped before the call that made it returns (an
 * unfolded header value on its way to a string, pieces joined for one hash call), carved from a
 * shared 64 KiB slab. A `new Uint8Array(n)` longer than 64 bytes gets a backing store of its
 * own, which was measured at 0.6–1.7 µs against 0.2–0.4 µs for a view of a slab. Each piece is
 * fresh memory (the slab is never reused, only dropped when full). Never for bytes that are kept
 * or handed out: a view keeps its whole slab alive, with every other piece carved from it.
 * @internal
 */
export function allocTemp(length: number): Uint8Array {
  if (length > SLAB_MAX_PIECE) return new Uint8Array(length);
  if (slab === undefined || slabUsed + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, length);
  // 8-byte steps keep every piece aligned like a fresh allocation.
  slabUsed += (length + 7) & ~7;
  return out;
}

/** Concatenate two byte arrays (returns one of them when the other is empty). @internal */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * {@link concatBytes} into an {@link allocTemp} piece: for the few bytes around a chunk edge that
 * are searched or decoded and dropped before the caller returns (per chunk of a large message,
 * a fresh array of their size was a few percent of its cost).
 * @internal
 */
export function concatTemp(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = allocTemp(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Concatenate any number of byte arrays. @internal */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The empty byte array, shared: nothing can be written into it, and a new one per reset cost an allocation. @internal */
export const EMPTY_BYTES = new Uint8Array(0);

/**
 * Append-only byte buffer with amortised doubling, so that many tiny writes (1-byte chunking)
 * stay linear. @internal
 */
export class ByteBuffer {
  // Allocated on first use: most parsers never buffer anything in some of their buffers.
  private data = EMPTY_BYTES;
  length = 0;

  append(bytes: Uint8Array): void {
    const need = this.length + bytes.length;
    if (need > this.data.length) {
      let size = Math.max(256, this.data.length * 2);
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    this.data.set(bytes, this.length);
    this.length = need;
  }

  /** A view of the current contents (valid until the next append). */
  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  /** A copy of the contents. */
  take(): Uint8Array {
    return this.data.slice(0, this.length);
  }

  clear(): void {
    this.length = 0;
    if (this.data.length > 65536) this.data = EMPTY_BYTES;
  }
}

const latin1Decoder = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });
/**
 * Node's Buffer.prototype.latin1Slice works on any Uint8Array and takes a range: one native
 * call, about 100 ns at any header length, where a TextDecoder call needs a view of the range
 * and String.fromCharCode.apply grows with the length (measured: 280 ns at 46 bytes).
 */
const latin1Slice = (globalThis as unknown as { Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } } }).Buffer?.prototype
  .latin1Slice;

/**
 * Node's SIMD check, looked up at run time so the core imports nothing from Node (through
 * process.getBuiltinModule: Node >= 20.16; older versions use the loop below).
 */
const nativeIsAscii = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.('node:buffer') as { isAscii?: (b: Uint8Array) => boolean } | undefined)?.isAscii;
  } catch {
    return undefined;
  }
})();

/**
 * Whether bytes[start..end) are all below 0x80. Long ranges (an envelope part, a status part)
 * go to the native check, which needs a view but reads many bytes per step; short ones (header
 * values) are cheaper to loop over than to make a view of (measured: an envelope part of 1–2 KB
 * cost about 1 µs per KB in the loop).
 */
function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  if (nativeIsAscii !== undefined && end - start > 96) return nativeIsAscii(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/**
 * Whether a whole array is ASCII, by Node's SIMD check in one call; undefined where that check
 * does not exist (callers then check the ranges they decode). For a header block: one call per
 * block instead of a byte loop per value read. @internal
 */
export function allAscii(bytes: Uint8Array): boolean | undefined {
  return nativeIsAscii === undefined ? undefined : nativeIsAscii(bytes);
}

/**
 * bytes[start..end) as a string, one char per byte, for bytes known to be ASCII (where every
 * decoding gives the same text). @internal
 */
export function asciiRange(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice !== undefined ? latin1Slice.call(bytes, start, end) : latin1Decoder.decode(bytes.subarray(start, end));
}

/**
 * Bytes as a string of the same length, one char per byte (ISO-8859-1 proper: TextDecoder's
 * "latin1" is windows-1252 and would change bytes 0x80–0x9F). @internal
 */
export function latin1(bytes: Uint8Array): string {
  if (latin1Slice !== undefined) return latin1Slice.call(bytes, 0, bytes.length);
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return out;
}

const utf8KeepBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * bytes[start..end) as UTF-8, a BOM kept, or undefined when they are not valid UTF-8 (then every
 * decoder reads them alike). Node's isUtf8 check and utf8Slice were measured no faster. @internal
 */
export function validUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string | undefined {
  return strictDecode(utf8KeepBom, bytes, start, end);
}

/** The bytes as UTF-8 with a leading BOM dropped (as iconv-lite drops it), undefined when they are not valid UTF-8. @internal */
export function decodeStrictUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string | undefined {
  return strictDecode(utf8, bytes, start, end);
}

function strictDecode(decoder: TextDecoder, bytes: Uint8Array, start: number, end: number): string | undefined {
  try {
    return decoder.decode(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

/**
 * Decode raw header or envelope bytes whose charset nobody declared: UTF-8 when the bytes are
 * valid UTF-8 (what modern clients put in raw 8-bit headers), otherwise Latin-1 so that no byte
 * is lost. Reads bytes[start..end) without a view of it where it can. @internal
 */
export function decodeUndeclared(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (isAscii(bytes, start, end)) return asciiRange(bytes, start, end);
  return decodeStrictUtf8(bytes, start, end) ?? latin1Decoder.decode(bytes.subarray(start, end));
}
