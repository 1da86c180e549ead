import iconv from 'iconv-lite';
import { decodeUndeclared } from '../internal/bytes.js';

/**
 * Decode text in a declared charset with iconv-lite. Unknown charset names fall back to
 * UTF-8/Latin-1 detection and report that they did, so the caller can warn.
 * @internal
 */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): { text: string; known: boolean } {
  const name = (charset ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
  if (name === '' || name === 'us-ascii' || name === 'ascii') return { text: decodeUndeclared(bytes), known: true };
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
