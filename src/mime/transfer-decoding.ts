import { CharCode, concatBytes, concatTemp, EMPTY_BYTES } from '../internal/bytes.js';
import { decodeBase64Lines } from './base64-simd.js';
import { withoutComments } from './content-type.js';

/** Receives decoded bytes (possibly several pieces per input chunk, never copied together). */
export type ByteSink = (bytes: Uint8Array) => void;

/** A streaming Content-Transfer-Encoding decoder. @internal */
export interface TransferDecoder {
  /** Decode a chunk into `sink`; bytes may be held back until the next chunk. */
  write(chunk: Uint8Array, sink: ByteSink): void;
  /** Flush what is held back at end of input. */
  end(sink: ByteSink): void;
  /**
   * Decode a whole body given in one piece, on a decoder nothing was written to: the bytes that
   * `write` then `end` would give, as one array (for a transient decoder, valid until the next
   * decoding).
   */
  decodeWhole(body: Uint8Array): Uint8Array;
  /** Set when the input had bytes the encoding does not allow (they were skipped). */
  readonly irregular: boolean;
}

function emit(sink: ByteSink, bytes: Uint8Array): void {
  if (bytes.length > 0) sink(bytes);
}

/** Lower-cased, trimmed Content-Transfer-Encoding, `7bit` when absent. @internal */
export function normaliseTransferEncoding(value: string | undefined): string {
  if (value === undefined) return '7bit';
  // Nearly every value is a lower-case token already (`base64`, `7bit`, `quoted-printable`):
  // returned as it is, without the comment, trim, case and quote passes below (read for every
  // part, by the parser and by the content key, they were a visible share of a small report).
  if (PLAIN_TOKEN.test(value)) return value;
  // `base64 (gateway)`: RFC 2045 allows a comment; read with it, the body went undecoded.
  const v = withoutComments(value).trim().toLowerCase().replace(/^"|"$/g, '');
  return v === '' ? '7bit' : v;
}

/** A value normaliseTransferEncoding would give back unchanged: lower-case letters, digits and dashes. */
const PLAIN_TOKEN = /^[a-z0-9-]+$/;

/**
 * The decoder for an encoding, or undefined for identity encodings (7bit, 8bit, binary, unknown).
 * `forContentKey`: the content key's decoder, whose sink never keeps a piece it is given (base64:
 * transient, see {@link Base64Decoder}) and wants the content, not its stored form
 * (quoted-printable: canonical, see {@link QuotedPrintableDecoder}).
 * @internal
 */
export function createTransferDecoder(encoding: string, forContentKey = false): TransferDecoder | undefined {
  if (encoding === 'base64') return new Base64Decoder(forContentKey);
  if (encoding === 'quoted-printable') return new QuotedPrintableDecoder(forContentKey);
  return undefined;
}

const B64 = new Int16Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => {
  B64[c.charCodeAt(0)] = i;
});

/**
 * Lenient streaming base64 decoder: skips line breaks, white space and any other byte outside
 * the alphabet, stops a quantum at '=' padding, and decodes a dangling partial quantum at the
 * end as far as it goes (missing padding is common in the wild).
 * @internal
 */
export class Base64Decoder implements TransferDecoder {
  /**
   * `transient`: the sink is done with each piece when it returns (the content key hashes or
   * copies it), so the native path decodes into one buffer shared by all such decoders instead
   * of a new one per region: on a large attachment the new buffers were most of the garbage.
   */
  constructor(private readonly transient = false) {}

  private acc = 0;
  private bits = 0;
  /** Bytes after the last line break, kept for the native path. */
  private carry: Uint8Array = EMPTY_BYTES;
  irregular = false;

  write(chunk: Uint8Array, sink: ByteSink): void {
    if (NativeBuffer === undefined || this.bits !== 0) {
      const data = this.carry.length > 0 ? concatBytes(this.carry, chunk) : chunk;
      this.carry = EMPTY_BYTES;
      emit(sink, this.decodeJs(data));
      return;
    }
    // Native path: whole lines only, so that a chunk never ends inside a base64 quantum. The
    // partial line held from the last chunk is completed with this chunk's first line on its
    // own, so the chunk itself is never copied.
    const lf = chunk.lastIndexOf(CharCode.LF);
    if (lf === -1) {
      this.carry = concatBytes(this.carry, chunk).slice();
      if (this.carry.length < MAX_CARRY) return;
      const long = this.carry;
      this.carry = EMPTY_BYTES;
      emit(sink, this.decodeJs(long));
      return;
    }
    let from = 0;
    if (this.carry.length > 0) {
      const first = chunk.indexOf(CharCode.LF) + 1;
      emit(sink, this.decodeNative(concatTemp(this.carry, chunk.subarray(0, first))));
      from = first;
    }
    // A large region goes in slices of whole lines, as if read in smaller chunks: each slice's
    // decoded bytes (and, on Node's path, its Latin-1 copy) stay in the CPU's cache until they
    // are hashed, and each slice fits the SIMD module's input (see decodeBase64Lines).
    for (let start = from; start < lf + 1; ) {
      let stop = lf + 1;
      if (stop - start > NATIVE_SLICE) {
        const cut = chunk.lastIndexOf(CharCode.LF, start + NATIVE_SLICE - 1);
        if (cut >= start) stop = cut + 1;
      }
      const region = chunk.subarray(start, stop);
      emit(sink, this.bits === 0 ? this.decodeNative(region) : this.decodeJs(region));
      start = stop;
    }
    this.carry = chunk.slice(lf + 1);
  }

  end(sink: ByteSink): void {
    const rest = this.carry;
    this.carry = EMPTY_BYTES;
    if (rest.length > 0) emit(sink, this.decodeJs(rest));
    this.acc = 0;
    this.bits = 0;
  }

  /**
   * One region, the last line (without its line break) included: the native path accepts it on
   * the same terms as a region of whole lines (its count of base64 characters predicts the
   * result), anything else goes through the loop, which `end` uses for the last line anyway.
   */
  decodeWhole(body: Uint8Array): Uint8Array {
    const out = NativeBuffer === undefined ? this.decodeJs(body) : this.decodeNative(body);
    this.acc = 0;
    this.bits = 0;
    return out;
  }

  /**
   * A region of whole lines (or a whole body). A transient decoder's caller is done with each
   * piece before the next call, which is what the SIMD module's output (a view of its memory)
   * needs: the module takes the regular lines at the start, the rest goes below, from the clean
   * quantum such lines leave.
   */
  private decodeNative(region: Uint8Array): Uint8Array {
    if (this.transient) {
      const simd = decodeBase64Lines(region, (rest) => this.decodeNodeOrLoop(rest));
      if (simd !== undefined) return simd;
    }
    return this.decodeNodeOrLoop(region);
  }

  /**
   * Node's decoder is several times faster than a JavaScript loop, but it skips bytes outside
   * the alphabet and stops at the first "=", where this decoder is defined to go on. So the
   * number of base64 characters on the lines is counted (line length minus CR), and the native
   * result is used only when its length is exactly what that count predicts; any other region
   * (garbage, padding in the middle, lines that are not whole quanta) goes through the loop.
   */
  private decodeNodeOrLoop(region: Uint8Array): Uint8Array {
    const count = base64Chars(region);
    let pads = 0;
    let back = region.length - 1;
    while (back >= 0 && (region[back] === CharCode.LF || region[back] === CharCode.CR)) back--;
    while (back >= 0 && region[back] === CharCode.Equals && pads < 2) {
      pads++;
      back--;
    }
    const firstPad = region.indexOf(CharCode.Equals);
    // Node also reads the URL-safe alphabet ("-", "_"), which MIME base64 does not have.
    const urlSafe = region.indexOf(CharCode.Dash) !== -1 || region.indexOf(UNDERSCORE) !== -1;
    if (count % 4 !== 0 || urlSafe || (firstPad !== -1 && firstPad <= back)) return this.decodeJs(region);
    const expected = (count / 4) * 3 - pads;
    const text = NativeBuffer!.from(region.buffer, region.byteOffset, region.length).toString('latin1');
    if (this.transient && expected <= MAX_SHARED_OUTPUT) {
      // Room for more than expected, so that a longer native result is seen and refused too.
      const target = sharedOutput(expected + 3);
      const written = target.write(text, 0, expected + 3, 'base64');
      return written === expected ? target.subarray(0, written) : this.decodeJs(region);
    }
    const out = NativeBuffer!.from(text, 'base64');
    if (out.length !== expected) return this.decodeJs(region);
    return out;
  }

  private decodeJs(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(Math.ceil((chunk.length * 3) / 4) + 3);
    let o = 0;
    let acc = this.acc;
    let bits = this.bits;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      const v = B64[c]!;
      if (v < 0) {
        if (c === CharCode.Equals) {
          // Padding ends the quantum: drop the partial bits.
          acc = 0;
          bits = 0;
        } else if (c !== CharCode.LF && c !== CharCode.CR && c !== CharCode.Space && c !== CharCode.Tab) {
          this.irregular = true;
        }
        continue;
      }
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >> bits) & 0xff;
        acc &= (1 << bits) - 1;
      }
    }
    this.acc = acc;
    this.bits = bits;
    return out.subarray(0, o);
  }
}

/**
 * Number of bytes that are not line breaks (LF, and a CR before an LF or at the very end). MIME
 * writes base64 in lines of one length, maybe with a shorter last line: that case is checked
 * with a strided look at the line ends; anything else is counted line by line. (A wrong count
 * costs speed only: the native result is then refused and the loop decodes.)
 */
function base64Chars(region: Uint8Array): number {
  const first = region.indexOf(CharCode.LF) + 1;
  if (first > 0) {
    const whole = region.length - (region.length % first);
    const crlf = first >= 2 && region[first - 2] === CharCode.CR;
    let uniform = true;
    for (let end = first - 1; end < whole && uniform; end += first) {
      uniform = region[end] === CharCode.LF && (!crlf || region[end - 1] === CharCode.CR);
    }
    // A last line shorter than the others, without its line break (a body read whole).
    if (uniform && (whole === region.length || region.indexOf(CharCode.LF, whole) === -1)) {
      const rest = region.length - whole - (whole < region.length && region[region.length - 1] === CharCode.CR ? 1 : 0);
      return (whole / first) * (first - (crlf ? 2 : 1)) + rest;
    }
  }
  let count = 0;
  for (let pos = 0; pos < region.length; ) {
    let e = region.indexOf(CharCode.LF, pos);
    if (e === -1) e = region.length;
    let len = e - pos;
    if (len > 0 && region[e - 1] === CharCode.CR) len--;
    count += len;
    pos = e + 1;
  }
  return count;
}


const UNDERSCORE = 0x5f;

/** Longest partial line held for the native base64 path; longer lines go through the loop. */
const MAX_CARRY = 64 * 1024;

/** A Node Buffer, as far as the native base64 path uses it. */
interface NativeBytes extends Uint8Array {
  write(text: string, offset: number, length: number, encoding: 'base64'): number;
}
interface BufferLike {
  from(b: ArrayBufferLike, offset: number, length: number): { toString(enc: 'latin1'): string };
  from(s: string, enc: 'base64'): Uint8Array;
  allocUnsafeSlow(size: number): NativeBytes;
}
const NativeBuffer: BufferLike | undefined = (globalThis as unknown as { Buffer?: BufferLike }).Buffer;

/** Largest decoded region written into the shared buffer (a 1 MiB read of base64 decodes to 768 KiB). */
const MAX_SHARED_OUTPUT = 1024 * 1024;
/** Largest region of whole lines decoded in one call (see write); at most the SIMD module's 128 KiB input. */
const NATIVE_SLICE = 64 * 1024;
let shared: NativeBytes | undefined;

/** The buffer transient base64 decoders share, at least `size` bytes long. */
function sharedOutput(size: number): NativeBytes {
  if (shared === undefined || shared.length < size) shared = NativeBuffer!.allocUnsafeSlow(Math.max(size, 2 * (shared?.length ?? 0), 4096));
  return shared;
}

/** Blanks allowed between "=" and the line end of a soft break (RFC 2045 allows transport padding). */
const MAX_SOFT_BREAK_PADDING = 76;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Streaming quoted-printable decoder (RFC 2045 §6.7). Soft line breaks (`=` before CRLF/LF,
 * with optional trailing white space) are removed; an `=` not followed by two hex digits is
 * kept literally, as most decoders do. An undecided "=" sequence (and, canonical, a final CR or
 * blank run) is held back across chunks.
 *
 * `canonical` (the content key's decoder): the result is the content the encoding stands for,
 * whatever line endings the copy was stored with. Every hard line break, LF or CRLF, becomes
 * CRLF (§6.7 rule 4: a line break of the encoded text is a CRLF of the content), and blanks that
 * end an encoded line are dropped (rule 3: an encoder writes them as `=20`, so written ones were
 * added on the way), up to MAX_TRAILING_BLANKS: a longer run is kept whole, a rule that depends
 * on the run, never on the chunking. Without it the bytes stay as written (a quoted-printable
 * original is archived as its decoded bytes, line endings as the copy had them).
 * @internal
 */
export class QuotedPrintableDecoder implements TransferDecoder {
  constructor(private readonly canonical = false) {}

  private held: Uint8Array = EMPTY_BYTES;
  /** Canonical: the blank run that ends what was decoded outgrew MAX_TRAILING_BLANKS (kept). */
  private longRun = false;
  irregular = false;

  write(chunk: Uint8Array, sink: ByteSink): void {
    let data = chunk;
    if (this.held.length > 0) {
      data = new Uint8Array(this.held.length + chunk.length);
      data.set(this.held);
      data.set(chunk, this.held.length);
      this.held = EMPTY_BYTES;
    }
    emit(sink, this.decode(data, false));
  }

  end(sink: ByteSink): void {
    const data = this.held;
    this.held = EMPTY_BYTES;
    emit(sink, this.decode(data, true));
    this.longRun = false;
  }

  decodeWhole(body: Uint8Array): Uint8Array {
    const out = this.decode(body, true);
    this.longRun = false;
    return out;
  }

  private decode(data: Uint8Array, final: boolean): Uint8Array {
    const canonical = this.canonical;
    // A hard break written as LF grows by its CR.
    const out = new Uint8Array(canonical ? data.length + countLf(data) : data.length);
    let o = 0;
    let i = 0;
    // Canonical: where the literal blanks that end the output so far start (in the output and
    // in the input); -1 when the output does not end with such blanks.
    let blankOut = -1;
    let blankIn = -1;
    let longRun = this.longRun;
    while (i < data.length) {
      const c = data[i]!;
      if (c !== CharCode.Equals) {
        if (canonical) {
          const brk = c === CharCode.LF ? 1 : c === CharCode.CR && data[i + 1] === CharCode.LF ? 2 : 0;
          if (brk > 0) {
            if (blankOut !== -1) o = blankOut;
            out[o++] = CharCode.CR;
            out[o++] = CharCode.LF;
            i += brk;
            blankOut = -1;
            longRun = false;
            continue;
          }
          if (c === CharCode.CR && i + 1 >= data.length && !final) {
            // A CR that ends the chunk: the next one tells whether it is a line break.
            this.hold(data, blankOut === -1 ? i : blankIn);
            if (blankOut !== -1) o = blankOut;
            blankOut = -1;
            break;
          }
          if (c === CharCode.Space || c === CharCode.Tab) {
            if (blankOut === -1 && !longRun) {
              blankOut = o;
              blankIn = i;
            } else if (blankOut !== -1 && o - blankOut >= MAX_TRAILING_BLANKS) {
              // Too long a run to be transport padding: kept, whatever follows.
              blankOut = -1;
              longRun = true;
            }
          } else {
            blankOut = -1;
            longRun = false;
          }
        }
        out[o++] = c;
        i++;
        continue;
      }
      // Blanks before "=" are content (the "=" shields them, or ends an escape after them).
      blankOut = -1;
      longRun = false;
      // Soft line break: "=", at most MAX_SOFT_BREAK_PADDING blanks, then CRLF or LF. The padding
      // limit is a property of the input, not of the chunk, so chunking cannot change the result.
      let j = i + 1;
      while (j < data.length && j - i - 1 <= MAX_SOFT_BREAK_PADDING && (data[j] === CharCode.Space || data[j] === CharCode.Tab)) j++;
      const padding = j - i - 1;
      if (padding <= MAX_SOFT_BREAK_PADDING) {
        if (j < data.length && data[j] === CharCode.LF) {
          i = j + 1;
          continue;
        }
        if (j + 1 < data.length && data[j] === CharCode.CR && data[j + 1] === CharCode.LF) {
          i = j + 2;
          continue;
        }
        // Not enough bytes yet to tell (a soft break or "=XY" may complete in the next chunk).
        const undecided = j >= data.length || (data[j] === CharCode.CR && j + 1 >= data.length) || (padding === 0 && i + 2 >= data.length);
        if (undecided && !final) {
          this.hold(data, i);
          break;
        }
        // "=" (and blanks) at the very end: a soft break with nothing after it.
        if (final && j >= data.length) break;
      }
      const hi = hexValue(data[i + 1] ?? 0);
      const lo = hexValue(data[i + 2] ?? 0);
      if (i + 2 < data.length && hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 3;
      } else {
        // Kept literally, as most decoders do.
        this.irregular = true;
        out[o++] = c;
        i++;
      }
    }
    if (blankOut !== -1) {
      // Blanks end the chunk: whether they end a line is known only later; at the very end of
      // the body they end its last line and go.
      if (!final) this.hold(data, blankIn);
      o = blankOut;
    }
    this.longRun = longRun;
    return out.subarray(0, o);
  }

  /** Keep the input from `from` on for the next chunk (it is decoded again in front of it). */
  private hold(data: Uint8Array, from: number): void {
    this.held = data.slice(from);
  }
}

/** Longest run of blanks at the end of a quoted-printable line that canonical decoding drops. */
const MAX_TRAILING_BLANKS = 76;

function countLf(data: Uint8Array): number {
  let n = 0;
  for (let p = data.indexOf(CharCode.LF); p !== -1; p = data.indexOf(CharCode.LF, p + 1)) n++;
  return n;
}
