import libmime from 'libmime';
import { concatAll, validUtf8 } from '../internal/bytes.js';

/**
 * Decode RFC 2047 encoded-words; never throws (bad words are left as they were). The result is
 * always what libmime's `decodeWords` gives: the common shape (UTF-8 words, all B or all Q, with
 * well-formed payloads that decode to valid UTF-8) is decoded here, everything else by libmime,
 * whose five RegExp passes and charset look-ups cost about 8 µs per Subject (a test holds the
 * two to the same results).
 * @internal
 */
export function decodeHeaderWords(value: string): string {
  // No encoded-word: libmime would return the text as it is (its join marker has a NUL in it).
  if (!value.includes('=?') && !value.includes('\0')) return value;
  const simple = value.includes('\0') ? undefined : decodeUtf8Words(value);
  if (simple !== undefined) return simple;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/**
 * An encoded-word this module decodes itself: a UTF-8 charset name (libmime treats `utf8` the
 * same) and a payload of printable ASCII without `?`; the payload's own form is checked apart.
 */
const WORD = /=\?(utf-?8)\?([BQ])\?([\x21-\x3e\x40-\x7e]*)\?=/gi;
const ONLY_BLANKS = /^\s*$/;
/** Base64 with padding only at the end; with a length in whole quanta, that is well-formed. */
const BASE64_PAYLOAD = /^[A-Za-z0-9+/]*={0,2}$/;
/** Q: every `=` starts an escape of two hex digits. */
const Q_PAYLOAD = /^(?:[^=]|=[0-9A-Fa-f]{2})*$/;

/**
 * libmime's result for values whose words are all UTF-8 and all B or all Q, or undefined. As in
 * libmime, words with only white space between them are joined (the white space dropped) and
 * decoded as one byte sequence, so a character split across two words comes out whole; the
 * text around them is kept as it is. Any other `=?` in that text (a word with a space in its
 * payload, another charset, a language tag) leaves the whole value to libmime.
 */
function decodeUtf8Words(value: string): string | undefined {
  let out = '';
  let last = 0;
  let kind: string | undefined;
  let run: Uint8Array[] | undefined;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(value); m !== null; m = WORD.exec(value)) {
    const k = m[2]!.toUpperCase();
    if (kind !== undefined && k !== kind) return undefined;
    kind = k;
    const bytes = k === 'B' ? base64Payload(m[3]!) : qPayload(m[3]!);
    if (bytes === undefined) return undefined;
    const gap = value.slice(last, m.index);
    last = WORD.lastIndex;
    if (run !== undefined && ONLY_BLANKS.test(gap)) {
      run.push(bytes);
      continue;
    }
    if (gap.includes('=?')) return undefined;
    if (run !== undefined) {
      const text = utf8(run);
      if (text === undefined) return undefined;
      out += text;
    }
    out += gap;
    run = [bytes];
  }
  const tail = value.slice(last);
  if (run === undefined || tail.includes('=?')) return undefined;
  const text = utf8(run);
  return text === undefined ? undefined : out + text + tail;
}

function base64Payload(payload: string): Uint8Array | undefined {
  if (NativeBuffer === undefined || payload.length % 4 !== 0 || !BASE64_PAYLOAD.test(payload)) return undefined;
  return NativeBuffer.from(payload, 'base64');
}

function qPayload(payload: string): Uint8Array | undefined {
  if (!Q_PAYLOAD.test(payload)) return undefined;
  const out = new Uint8Array(payload.length);
  let o = 0;
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c === 0x3d) {
      out[o++] = Number.parseInt(payload.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[o++] = c === 0x5f ? 0x20 : c;
    }
  }
  return out.subarray(0, o);
}

/**
 * The words' bytes as text, only when they are valid UTF-8: then every decoder agrees with the
 * one libmime uses. A BOM is kept, as libmime keeps it.
 */
function utf8(pieces: Uint8Array[]): string | undefined {
  return validUtf8(pieces.length === 1 ? pieces[0]! : concatAll(pieces));
}

/** Node's Buffer, looked up at run time (the core imports nothing from Node). */
const NativeBuffer = (globalThis as unknown as { Buffer?: { from(text: string, encoding: 'base64'): Uint8Array } }).Buffer;
