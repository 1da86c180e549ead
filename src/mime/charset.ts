import iconv from 'iconv-lite';
import { allAscii, asciiRange, decodeStrictUtf8, decodeUndeclared } from '../internal/bytes.js';

/**
 * Decode text in a declared charset with iconv-lite. Unknown charset names fall back to
 * UTF-8/Latin-1 detection and report that they did, so the caller can warn. `ascii`: the text is
 * known to be ASCII (ASCII bytes in an undeclared, ASCII or UTF-8 part), so that addresses read
 * from it need no check for non-ASCII domains; false when unknown.
 * @internal
 */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): { text: string; known: boolean; ascii: boolean } {
  // Most labels are written as a plain lower-case token: taken as they are, without the trim,
  // quote and case passes (a few hundred ns per text part).
  const name = charset === undefined ? '' : LABEL_TOKEN.test(charset) ? charset : charset.trim().replace(/^"|"$/g, '').toLowerCase();
  const undeclared = name === '' || name === 'us-ascii' || name === 'ascii';
  const utf8 = name === 'utf-8' || name === 'utf8';
  // Other charsets are not assumed ASCII-compatible (UTF-16, UTF-7 and EBCDIC read ASCII bytes
  // as other characters): only these are trusted to give ASCII text for ASCII bytes. Without the
  // native check (allAscii undefined) the text is decoded as before and not claimed ASCII.
  if ((undeclared || utf8) && allAscii(bytes) === true) return { text: asciiRange(bytes, 0, bytes.length), known: true, ascii: true };
  if (undeclared) return { text: decodeUndeclared(bytes), known: true, ascii: false };
  if (utf8) {
    // Valid UTF-8 decodes the same in every decoder (a leading BOM dropped, as iconv-lite drops
    // it); the native one costs a fraction of iconv-lite's set-up per call. Invalid bytes are
    // left to iconv-lite, whose replacement characters are what users have seen so far.
    const text = decodeStrictUtf8(bytes);
    if (text !== undefined) return { text, known: true, ascii: false };
  }
  if (!iconv.encodingExists(name)) return { text: decodeUndeclared(bytes), known: false, ascii: false };
  try {
    return { text: iconv.decode(toBuffer(bytes), name), known: true, ascii: false };
  } catch {
    return { text: decodeUndeclared(bytes), known: false, ascii: false };
  }
}

/** A charset label written as its normalised form already: lower-case letters, digits, `-_.:`. */
const LABEL_TOKEN = /^[a-z0-9_.:-]+$/;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
