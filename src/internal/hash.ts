import { sha256 } from '@noble/hashes/sha256';
import { allocTemp, EMPTY_BYTES } from './bytes.js';

/** An incremental SHA-256. @internal */
export interface Hasher {
  update(bytes: Uint8Array): void;
  /** Hash a string's UTF-8 bytes (without an intermediate copy where the platform allows). */
  updateText(text: string): void;
  /** Lower-case hex digest; the hasher cannot be used afterwards. */
  digestHex(): string;
}

interface NodeCrypto {
  createHash(name: 'sha256'): { update(b: Uint8Array | string, enc?: 'utf8'): unknown; digest(enc: 'hex'): string };
  /** One-shot digest (Node >= 20.12): cheaper than a Hash object for short inputs. */
  hash?(name: 'sha256', data: string | Uint8Array, enc: 'hex'): string;
}

// Node's own SHA-256 is several times faster than any JavaScript one. It is looked up at run
// time, so the core still imports nothing from Node; elsewhere @noble/hashes does the work.
const nodeCrypto: NodeCrypto | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
})();

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A new SHA-256 hasher. @internal */
export function createSha256(): Hasher {
  if (nodeCrypto !== undefined) {
    const h = nodeCrypto.createHash('sha256');
    return { update: (b) => void h.update(b), updateText: (t) => void h.update(t, 'utf8'), digestHex: () => h.digest('hex') };
  }
  const h = sha256.create();
  return { update: (b) => void h.update(b), updateText: (t) => void h.update(encoder.encode(t)), digestHex: () => hex(h.digest()) };
}

const encoder = new TextEncoder();

/** SHA-256 of a string's UTF-8 bytes, as hex. @internal */
export function sha256Hex(text: string): string {
  if (nodeCrypto?.hash !== undefined) return nodeCrypto.hash('sha256', text, 'hex');
  const h = createSha256();
  h.updateText(text);
  return h.digestHex();
}

/** SHA-256 of bytes, as hex, in one call where the platform has one. @internal */
export function sha256HexOfBytes(bytes: Uint8Array): string {
  if (nodeCrypto?.hash !== undefined) return nodeCrypto.hash('sha256', bytes, 'hex');
  const h = createSha256();
  h.update(bytes);
  return h.digestHex();
}

/**
 * A copy as a plain Uint8Array of its own. Not `slice`: on a Buffer it only views, and
 * `Uint8Array.prototype.slice` called on a Buffer goes through Buffer's species constructor,
 * which measured as slow as hashing the bytes. Not a slab piece either: a copy may be held as
 * long as its part lasts (a multipart's preamble, until the multipart ends), and a slab view
 * would keep the whole slab, other parsers' pieces included, alive that long.
 */
function copyOf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** Pieces held before a hash object is made, and the total size up to which they are joined. */
const MAX_HELD_PIECES = 4;
const MAX_JOINED_BYTES = 4096;

/**
 * A SHA-256 whose hash object is made only when the content outgrows a few small pieces: content
 * that comes in one piece (a small part of a message read into memory) is hashed by one call at
 * the end, and so is content of a few pieces that together fit one slab piece (a base64
 * attachment whose last line, without its line break, is decoded at the part's end). A content
 * key needs a digest per part, and a Node Hash object per part was a visible share of a small
 * message's cost and allocation. @internal
 */
export class DeferredSha256 {
  private pieces: Uint8Array[] | undefined;
  private size = 0;
  private hash: Hasher | undefined;

  /**
   * `stable`: the caller never changes these bytes afterwards, so they can be kept as they are;
   * otherwise they are copied.
   */
  update(bytes: Uint8Array, stable: boolean): void {
    if (bytes.length === 0) return;
    if (this.hash !== undefined) return this.hash.update(bytes);
    const piece = stable ? bytes : copyOf(bytes);
    if (this.pieces === undefined) this.pieces = [piece];
    else this.pieces.push(piece);
    this.size += piece.length;
    if (this.pieces.length > MAX_HELD_PIECES || (this.pieces.length > 1 && this.size > MAX_JOINED_BYTES)) {
      this.hash = createSha256();
      for (const p of this.pieces) this.hash.update(p);
      this.pieces = undefined;
    }
  }

  digestHex(): string {
    if (this.hash !== undefined) return this.hash.digestHex();
    const pieces = this.pieces;
    if (pieces === undefined) return sha256HexOfBytes(EMPTY_BYTES);
    if (pieces.length === 1) return sha256HexOfBytes(pieces[0]!);
    // A few pieces of at most MAX_JOINED_BYTES in all: one slab copy, hashed and dropped at once.
    const joined = allocTemp(this.size);
    let o = 0;
    for (const p of pieces) {
      joined.set(p, o);
      o += p.length;
    }
    return sha256HexOfBytes(joined);
  }
}
