import { CharCode } from '../internal/bytes.js';

/** A streaming Content-Transfer-Encoding decoder. @internal */
export interface TransferDecoder {
  /** Decode a chunk; may return an empty array while bytes are held back. */
  write(chunk: Uint8Array): Uint8Array;
  /** Flush what is held back at end of input. */
  end(): Uint8Array;
  /** Set when the input had bytes the encoding does not allow (they were skipped). */
  readonly irregular: boolean;
}

/** Lower-cased, trimmed Content-Transfer-Encoding, `7bit` when absent. @internal */
export function normaliseTransferEncoding(value: string | undefined): string {
  const v = (value ?? '').trim().toLowerCase().replace(/^"|"$/g, '');
  return v === '' ? '7bit' : v;
}

/** The decoder for an encoding, or undefined for identity encodings (7bit, 8bit, binary, unknown). @internal */
export function createTransferDecoder(encoding: string): TransferDecoder | undefined {
  if (encoding === 'base64') return new Base64Decoder();
  if (encoding === 'quoted-printable') return new QuotedPrintableDecoder();
  return undefined;
}

const B64 = new Int16Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => {
  B64[c.charCodeAt(0)] = i;
});
// URL-safe alphabet too: some broken encoders use it, and it costs nothing to accept.
B64['-'.charCodeAt(0)] = 62;
B64['_'.charCodeAt(0)] = 63;

/**
 * Lenient streaming base64 decoder: skips line breaks, white space and any other byte outside
 * the alphabet, stops a quantum at '=' padding, and decodes a dangling partial quantum at the
 * end as far as it goes (missing padding is common in the wild).
 * @internal
 */
export class Base64Decoder implements TransferDecoder {
  private acc = 0;
  private bits = 0;
  irregular = false;

  write(chunk: Uint8Array): Uint8Array {
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

  end(): Uint8Array {
    this.acc = 0;
    this.bits = 0;
    return new Uint8Array(0);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Streaming quoted-printable decoder (RFC 2045 §6.7). Soft line breaks (`=` before CRLF/LF,
 * with optional trailing white space) are removed; an `=` not followed by two hex digits is
 * kept literally, as most decoders do. Up to three bytes are held back across chunks.
 * @internal
 */
export class QuotedPrintableDecoder implements TransferDecoder {
  private held: Uint8Array = new Uint8Array(0);
  irregular = false;

  write(chunk: Uint8Array): Uint8Array {
    let data = chunk;
    if (this.held.length > 0) {
      data = new Uint8Array(this.held.length + chunk.length);
      data.set(this.held);
      data.set(chunk, this.held.length);
      this.held = new Uint8Array(0);
    }
    return this.decode(data, false);
  }

  end(): Uint8Array {
    const data = this.held;
    this.held = new Uint8Array(0);
    return this.decode(data, true);
  }

  private decode(data: Uint8Array, final: boolean): Uint8Array {
    const out = new Uint8Array(data.length);
    let o = 0;
    let i = 0;
    while (i < data.length) {
      const c = data[i]!;
      if (c !== CharCode.Equals) {
        out[o++] = c;
        i++;
        continue;
      }
      // Soft break: "=" [white space] (CRLF | LF). Find the first non-white byte after "=".
      let j = i + 1;
      while (j < data.length && (data[j] === CharCode.Space || data[j] === CharCode.Tab)) j++;
      if (j >= data.length || (data[j] === CharCode.CR && j + 1 >= data.length) || (j === i + 1 && i + 2 >= data.length)) {
        // Hold the tail for the next chunk, unless it is absurdly long white space.
        if (!final && data.length - i <= 1024) {
          this.held = data.slice(i);
          break;
        }
        if (!final) {
          out[o++] = c;
          i++;
          continue;
        }
        // "=" at end of input: drop it (a soft break with nothing after).
        break;
      }
      if (data[j] === CharCode.LF) {
        i = j + 1;
        continue;
      }
      if (data[j] === CharCode.CR && data[j + 1] === CharCode.LF) {
        i = j + 2;
        continue;
      }
      const hi = hexValue(data[i + 1]!);
      const lo = hexValue(data[i + 2] ?? 0);
      if (hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 3;
      } else {
        this.irregular = true;
        out[o++] = c;
        i++;
      }
    }
    return out.subarray(0, o);
  }
}
