import iconv from 'iconv-lite';
import { decodeStrictUtf8, decodeUndeclared } from '../internal/bytes.js';

/**
 * Decode text in a declared charset with iconv-lite. Unknown charset names fall back to
 * UTF-8/Latin-1 detection and report that they did, so the caller can warn.
 * @internal
 */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): { text: string; known: boolean } {
  const name = (charset ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
  if (name === '' || name === 'us-ascii' || name === 'ascii') return { text: decodeUndeclared(bytes), known: true };
  if (name === 'utf-8' || name === 'utf8') {
    // Valid UTF-8 decodes the same in every decoder (a leading BOM dropped, as iconv-lite drops
    // it); the native one costs a fraction of iconv-lite's set-up per call. Invalid bytes are
    // left to iconv-lite, whose replacement characters are what users have seen so far.
    const text = decodeStrictUtf8(bytes);
    if (text !== undefined) return { text, known: true };
  }
  if (!iconv.encodingExists(name)) return { text: decodeUndeclared(bytes), known: false };
  try {
    return { text: iconv.decode(toBuffer(bytes), name), known: true };
  } catch {
    return { text: decodeUndeclared(bytes), known: false };
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
