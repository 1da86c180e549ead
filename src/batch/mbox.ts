import { CharCode, concatBytes, EMPTY_BYTES, indexOfBytes, startsWithBytes, toBytes } from '../internal/bytes.js';

/** Callbacks of an {@link MboxSplitter}. */
export interface MboxHandler {
  onMessageStart(): void;
  onMessageData(bytes: Uint8Array): void;
  onMessageEnd(): void;
}

const FROM_LINE = toBytes('\nFrom ');
const FROM_WORD = toBytes('From ');
const LF_GT = toBytes('\n>');

/** Chunks at least this large get their seam with the held bytes glued, not the whole chunk. */
const SEAM_MIN_CHUNK = 4096;

/** Whether data[at..] starts with "From " (how an mbox file, and each of its messages, begins). @internal */
export function startsWithFromLine(data: Uint8Array, at = 0): boolean {
  return startsWithBytes(data, at, FROM_WORD);
}

/**
 * Most '>' an escaped `>…>From ` line may start with. Longer runs are content, whatever the
 * chunking: without a bound, holding a partial run across chunks would hold any amount.
 */
const MAX_QUOTES = 1024;

/** data[pos..] is 1 to MAX_QUOTES '>' followed by a proper prefix of "From " (the rest may come in the next chunk). */
function isPartialEscape(data: Uint8Array, pos: number): boolean {
  if (pos >= data.length || data[pos] !== 0x3e) return false;
  let i = pos;
  while (i < data.length && data[i] === 0x3e) i++;
  if (i - pos > MAX_QUOTES) return false;
  for (let k = 0; i + k < data.length; k++) if (k >= FROM_WORD.length || data[i + k] !== FROM_WORD[k]) return false;
  return true;
}

/** data[pos..] is a proper prefix of "From " (the rest may come in the next chunk). */
function isPartialFromWord(data: Uint8Array, pos: number): boolean {
  if (data.length - pos >= FROM_WORD.length) return false;
  for (let k = 0; pos + k < data.length; k++) if (data[pos + k] !== FROM_WORD[k]) return false;
  return true;
}

/**
 * Streaming mbox splitter. A line that starts with `From ` begins a message (the line itself is
 * mbox framing, not message content). The blank line mbox writers put before the next `From `
 * line is framing too, and is dropped; the message keeps its own final line break. Inside a message, `>From ` lines are un-escaped by one `>`
 * (the mboxrd convention, which also reads mboxo files correctly for their escaped lines).
 * Bytes are passed on as views; only a line's worth is held across chunks.
 * @internal
 */
export class MboxSplitter {
  private carry: Uint8Array = EMPTY_BYTES;
  private inMessage = false;
  private inFromLine = false;
  private skipCarriedLf = false;
  /** Whether a message has started (the first From line needs no LF before it). */
  private started = false;

  constructor(private readonly handler: MboxHandler) {}

  write(chunk: Uint8Array): void {
    // Nothing new: the state (a carried LF that is not content, above all) stays as it is.
    if (chunk.length === 0) return;
    if (this.carry.length === 0) return this.split(chunk, 0);
    // The held bytes (a line start that may begin a separator) are usually few, and gluing them
    // to the whole chunk would copy every chunk of the file. Only the seam is glued: the held
    // bytes and the chunk up to the end of a line far enough in for any separator or escaped
    // line that starts in them to end there. What that leaves held is then part of this chunk,
    // so splitting carries on in the chunk itself from there.
    const lf = chunk.length >= SEAM_MIN_CHUNK ? chunk.indexOf(CharCode.LF, MAX_QUOTES + FROM_WORD.length + 4) : -1;
    if (lf === -1) {
      const data = concatBytes(this.carry, chunk);
      this.carry = EMPTY_BYTES;
      return this.split(data, 0);
    }
    const head = concatBytes(this.carry, chunk.subarray(0, lf + 1));
    this.carry = EMPTY_BYTES;
    this.split(head, 0);
    // A head that ends with a line break holds at most that LF and the three bytes before it.
    const start = lf + 1 - this.carry.length;
    const rest = this.carry;
    this.carry = EMPTY_BYTES;
    if (start >= 0) return this.split(chunk, start);
    // Not reached (see above); kept so that the bytes are never lost if that ever changes.
    this.split(concatBytes(rest, chunk.subarray(lf + 1)), 0);
  }

  /**
   * Split data[start..], data[start] being where held bytes (or a new chunk) begin; bytes before
   * `start` were handled already and are never looked at. Whatever may begin a separator at the
   * end is copied to `carry`.
   */
  private split(data: Uint8Array, start: number): void {
    if (!this.started && !this.inMessage && !this.inFromLine) {
      // The file starts with its first From line (no LF before it).
      if (data.length - start < 5) {
        this.carry = data.slice(start);
        return;
      }
      if (startsWithFromLine(data, start)) {
        this.inFromLine = true;
      } else {
        this.startMessage();
      }
    }
    // A From line that ended the last chunk left its LF here, only so that an escaped first line
    // (">From …") can be recognised: it is not message content.
    let pos = this.skipCarriedLf ? start + 1 : start;
    this.skipCarriedLf = false;
    // Next separator and next escaped line, searched again only once passed (rescanning the
    // chunk on every message would make a file of small messages quadratic).
    let from = -2;
    let gt = -2;
    while (pos < data.length) {
      if (this.inFromLine) {
        const lf = data.indexOf(CharCode.LF, pos);
        if (lf === -1) return;
        pos = lf + 1;
        this.inFromLine = false;
        this.startMessage();
        if (pos === data.length) {
          this.carry = data.slice(lf);
          this.skipCarriedLf = true;
          return;
        }
        continue;
      }
      // Next "\nFrom " (a new message) or "\n>…From " (a line to un-escape), whichever comes first.
      // From pos - 1 when that is the LF that ended a From line: a From line right after it frames
      // an empty message (it was taken for the first line of the message's content).
      if (from !== -1 && from < pos) from = indexOfBytes(data, FROM_LINE, pos > start && data[pos - 1] === CharCode.LF ? pos - 1 : pos);
      // From pos - 1: the LF that ends the From line (or the previous line) starts the first
      // line of what follows, which may itself be an escaped ">From ".
      if (gt !== -1 && gt < pos - 1) gt = this.findEscaped(data, pos > start ? pos - 1 : pos);
      const next = from === -1 ? gt : gt === -1 ? from : Math.min(from, gt);
      if (next === -1) {
        // At the start of a line whose LF is already handled, a partial ">…>From " is held with
        // that LF (skipped on the next write), so that it can still be un-escaped; so is a
        // partial "From " (a From line right after a From line).
        if (pos > start && data[pos - 1] === CharCode.LF && (isPartialEscape(data, pos) || isPartialFromWord(data, pos))) {
          this.carry = data.slice(pos - 1);
          this.skipCarriedLf = true;
          return;
        }
        // Keep a possible partial separator ("\nFro", "\n>>>Fr", or a CR/LF before it) for the next chunk.
        const keep = this.tailToKeep(data, pos);
        if (data.length - keep > pos) this.emit(data.subarray(pos, data.length - keep));
        this.carry = data.slice(data.length - keep);
        return;
      }
      if (next === from) {
        // mbox writers put a blank line before the separator: then the LF found here (with its CR)
        // is that blank line and the message keeps its own last line break; without a blank line
        // the LF found here is the message's own.
        let end = from;
        let before = end;
        if (before > pos && data[before - 1] === CharCode.CR) before--;
        if (before > pos && data[before - 1] === CharCode.LF) end = before;
        else end = from + 1;
        if (end > pos) this.emit(data.subarray(pos, end));
        this.endMessage();
        this.inFromLine = true;
        pos = from + 1;
        continue;
      }
      // "\n>…>From ": emit through the LF, then skip one '>'.
      this.emit(data.subarray(pos, next + 1));
      pos = next + 2;
    }
  }

  end(): void {
    // A From line that the input ends in, without its LF, still frames a (empty) message, as it
    // does with the LF.
    if (this.inFromLine) {
      this.inFromLine = false;
      this.startMessage();
      this.carry = EMPTY_BYTES;
    }
    // A carried LF that ended the previous line is not content (see skipCarriedLf).
    const rest = this.skipCarriedLf ? this.carry.subarray(1) : this.carry;
    this.skipCarriedLf = false;
    if (rest.length > 0) {
      if (!this.inMessage) this.startMessage();
      // mbox writers end the file as they end every message, with a blank line: framing, as the
      // one before a From line is (a message kept it only when it came last). The bytes held
      // back reach far enough to see it (see tailToKeep).
      this.emit(withoutFinalBlankLine(rest));
    }
    this.carry = EMPTY_BYTES;
    if (this.inMessage) this.endMessage();
  }

  /**
   * Index of an LF followed by one or more '>' and "From ", or -1. The native search finds each
   * "\n>" (one loop turn per candidate, not per line).
   */
  private findEscaped(data: Uint8Array, from: number): number {
    for (let i = indexOfBytes(data, LF_GT, from); i !== -1; i = indexOfBytes(data, LF_GT, i + 1)) {
      let j = i + 1;
      while (j < data.length && data[j] === 0x3e) j++;
      if (j - (i + 1) > MAX_QUOTES) continue;
      if (j + 5 > data.length) return -1;
      if (startsWithFromLine(data, j)) return i;
    }
    return -1;
  }

  /** How many bytes at the end could start a separator or an escaped line. */
  private tailToKeep(data: Uint8Array, pos: number): number {
    const lf = data.lastIndexOf(CharCode.LF);
    if (lf < pos) return 0;
    const tail = data.length - lf;
    // A line start within reach of "From " or ">>>From ": hold it (bounded by MAX_QUOTES).
    // Plus up to three bytes before the LF: the "\r\n\r" of a blank line that is mbox framing.
    return tail <= 64 || isPartialEscape(data, lf + 1) ? Math.min(tail + 3, data.length - pos) : 0;
  }

  private startMessage(): void {
    this.inMessage = true;
    this.started = true;
    this.handler.onMessageStart();
  }

  private endMessage(): void {
    this.inMessage = false;
    this.handler.onMessageEnd();
  }

  private emit(bytes: Uint8Array): void {
    if (!this.inMessage) this.startMessage();
    if (bytes.length > 0) this.handler.onMessageData(bytes);
  }
}

/** `bytes` without a final blank line (LF or CRLF) when the line before it ends in it too. */
function withoutFinalBlankLine(bytes: Uint8Array): Uint8Array {
  let k = bytes.length - 1;
  if (k < 0 || bytes[k] !== CharCode.LF) return bytes;
  if (k > 0 && bytes[k - 1] === CharCode.CR) k--;
  return k > 0 && bytes[k - 1] === CharCode.LF ? bytes.subarray(0, k) : bytes;
}
