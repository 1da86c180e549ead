import { ByteBuffer, CharCode, concatBytes, concatTemp, EMPTY_BYTES, indexOfBytes, toBytes } from '../internal/bytes.js';

/** Chunks at least this large are scanned in place (see write). */
const SEAM_MIN_CHUNK = 4096;

/** A recognised delimiter line: whether it closes the multipart, and the offset after it. */
interface Delimiter {
  close: boolean;
  next: number;
}

/** Callbacks of a {@link MultipartScanner}. @internal */
export interface MultipartHandler {
  /** A new body part begins (after its delimiter line) at this absolute input offset. */
  onPartStart(offset: number): void;
  /** Bytes of the current part (headers and body, delimiter excluded). */
  onPartData(bytes: Uint8Array): void;
  /** The current part ended at a delimiter (or at end of input). */
  onPartEnd(): void;
  /** Bytes before the first delimiter (optional; most callers ignore the preamble). */
  onPreamble?(bytes: Uint8Array): void;
  /**
   * A line that starts like a delimiter was taken for body text because its padding ran past
   * maxLineBytes (optional; may be called more than once for one line).
   */
  onLongDelimiterLine?(): void;
}

/** What a multipart body hands each of its parts to. @internal */
export interface PartSink {
  write(bytes: Uint8Array): void;
  end(): void;
}

/**
 * A multipart body read by a {@link MultipartScanner} whose handler it is: each part goes to the
 * object `onPartStart` makes. Written to and ended like a part itself.
 * @internal
 */
export abstract class PartsReader<P extends PartSink> implements MultipartHandler {
  readonly scanner: MultipartScanner;
  protected part: P | undefined;

  constructor(boundary: string, maxLineBytes: number, startOffset = 0) {
    this.scanner = new MultipartScanner(boundary, this, maxLineBytes, startOffset);
  }

  /** Make the reader of the part that begins at this absolute offset (set {@link part}). */
  abstract onPartStart(offset: number): void;

  onPartData(bytes: Uint8Array): void {
    this.part?.write(bytes);
  }

  onPartEnd(): void {
    this.part?.end();
    this.part = undefined;
  }

  write(bytes: Uint8Array): void {
    this.scanner.write(bytes);
  }

  end(): void {
    this.scanner.end();
  }
}

/**
 * Streaming RFC 2046 §5.1.1 boundary scanner.
 *
 * It searches for `LF "--" boundary` with the native byte search instead of looking at every
 * line, so part bodies pass through at close to memory speed. The CRLF (or LF) before a
 * delimiter belongs to the delimiter, so a part's bytes never include it; to get that right
 * across chunk edges, the last needleLength bytes are held back until the next chunk.
 * Preamble and epilogue are skipped. @internal
 */
export class MultipartScanner {
  /**
   * `"--" boundary`, searched for (the LF before it is checked apart: "--" never occurs in
   * base64, so the native search skips fast). Its own array, never a view of a longer one: a
   * view of a small new array makes V8 move it out of its heap, which measured about 1 µs, as
   * much as the rest of a scanner's setup ten times over.
   */
  private readonly dashes: Uint8Array;
  /** The length of the whole delimiter start, `LF "--" boundary`. */
  private readonly needleLength: number;
  private carry: Uint8Array = EMPTY_BYTES;
  /** Absolute input offset of the first byte of the next `data` (= of carry[0]). */
  private base: number;
  private state: 'preamble' | 'part' | 'epilogue' = 'preamble';
  /** True until the first byte: the body may open with a delimiter that has no LF before it. */
  private atStart = true;
  /** Set by end(): end of input counts as the end of a line. */
  private final = false;
  /** Whether the close delimiter was seen. */
  closed = false;
  /**
   * The carry is a possible delimiter whose line has not ended yet (boundary, then only white
   * space so far). Its bytes grow in this buffer, so that a long padded line in small chunks
   * costs each byte once instead of a copy of the whole held line per chunk.
   */
  private paddedLine: ByteBuffer | undefined;

  constructor(
    boundary: string,
    private readonly handler: MultipartHandler,
    /** How far to look for the end of a delimiter line before deciding it is not one. */
    private readonly maxLineBytes: number,
    /** Absolute input offset of the body's first byte. */
    startOffset = 0,
  ) {
    this.dashes = toBytes(`--${boundary}`);
    this.needleLength = this.dashes.length + 1;
    this.base = startOffset;
  }

  /** Every input byte before this absolute offset has been fully processed (not held back). */
  get processedOffset(): number {
    return this.base;
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.state === 'epilogue') {
      this.base += chunk.length;
      return;
    }
    if (this.paddedLine !== undefined) {
      // More white space on the held line, still within maxLineBytes: the decision is still
      // 'more', as scanning the whole carry again would find (the carry starts at the candidate).
      if (this.carry.length + chunk.length <= this.maxLineBytes && onlyPadding(chunk)) {
        this.paddedLine.append(chunk);
        this.carry = this.paddedLine.view();
        return;
      }
      this.paddedLine = undefined;
    }
    const carry = this.carry;
    // Small chunks take the copying path: it is cheap for them, and it hands the part one piece
    // instead of two (held tail, then chunk). Nested multiparts each split again, so two pieces
    // per level would multiply by 2^depth.
    if (carry.length > 0 && !this.atStart && chunk.length >= Math.max(this.needleLength, SEAM_MIN_CHUNK)) {
      // The held-back tail is usually not a delimiter: check the seam alone instead of copying
      // the whole chunk behind it. A match at or before carry.length starts in the tail (or its
      // CR is the tail's last byte), so that rare case takes the copying path.
      const at = this.find(concatTemp(carry, chunk.subarray(0, this.needleLength)), 0);
      if (at === -1 || at > carry.length) {
        this.carry = EMPTY_BYTES;
        this.emit(carry);
        this.base += carry.length;
        this.scan(chunk, 0, 0);
        return;
      }
    }
    const data = concatBytes(carry, chunk);
    this.carry = EMPTY_BYTES;
    this.process(data);
  }

  /** End of input: what was held back is processed with end of input counting as a line end. */
  end(): void {
    if (this.state !== 'epilogue' && this.carry.length > 0) {
      this.final = true;
      const data = this.carry;
      this.carry = EMPTY_BYTES;
      this.process(data);
    }
    if (this.state === 'part') {
      if (this.carry.length > 0) this.handler.onPartData(this.carry);
      this.handler.onPartEnd();
    }
    this.carry = EMPTY_BYTES;
    this.state = 'epilogue';
  }

  private process(data: Uint8Array): void {
    if (this.atStart) {
      // Pretend the body starts after a line break, so "--boundary" on the first line matches.
      if (data.length < this.needleLength - 1 && !this.final) {
        this.carry = data;
        return;
      }
      this.atStart = false;
      const head = this.dashes;
      let match = data.length >= head.length;
      for (let i = 0; match && i < head.length; i++) if (data[i] !== head[i]) match = false;
      if (match) {
        const r = this.delimiterAt(data, head.length);
        if (r === 'more') {
          this.holdLine(data, data.length - head.length >= 2);
          this.atStart = true;
          return;
        }
        if (r !== 'no') {
          const next = this.onDelimiter(r);
          if (this.closed) {
            this.base += data.length;
            return;
          }
          this.scan(data, next, next - 1);
          return;
        }
      }
    }
    this.scan(data, 0, 0);
  }

  /**
   * `searchFrom` may be `pos - 1`: right after a delimiter line, its LF can also start the next
   * delimiter (an empty part written without the blank line RFC 2046 asks for).
   */
  private scan(data: Uint8Array, pos: number, searchFrom: number): void {
    const needleLength = this.needleLength;
    for (;;) {
      const at = this.find(data, searchFrom);
      if (at === -1) {
        // Hold back what could be the start of a delimiter (and the CR before it).
        const emitEnd = this.final ? data.length : Math.max(pos, data.length - needleLength);
        if (emitEnd > pos) this.emit(data.subarray(pos, emitEnd));
        this.carry = data.slice(emitEnd);
        this.base += emitEnd;
        // Still right after a delimiter line: its LF is gone, so let the next write match a
        // delimiter at the very start again.
        if (emitEnd === pos && searchFrom === pos - 1) this.atStart = true;
        return;
      }
      const start = at > pos && data[at - 1] === CharCode.CR ? at - 1 : Math.max(at, pos);
      const r = this.delimiterAt(data, at + needleLength);
      if (r === 'more') {
        if (start > pos) this.emit(data.subarray(pos, start));
        this.holdLine(data.subarray(start), data.length - (at + needleLength) >= 2);
        this.base += start;
        if (at < pos) this.atStart = true;
        return;
      }
      if (r === 'no') {
        // "--boundaryX": not a delimiter, keep it as data and search on.
        const next = at + 1;
        if (next > pos) this.emit(data.subarray(pos, next));
        pos = Math.max(pos, next);
        searchFrom = next;
        continue;
      }
      if (start > pos) this.emit(data.subarray(pos, start));
      pos = this.onDelimiter(r);
      if (this.closed) {
        this.base += data.length;
        return;
      }
      searchFrom = pos - 1;
    }
  }

  /**
   * Index of the next `LF "--" boundary` at or after `from`, like indexOf with the full needle,
   * but searching for `"--" boundary` and checking the LF before it: a leading LF would make the
   * native search stop at every line of a base64 body.
   */
  private find(data: Uint8Array, from: number): number {
    for (let i = indexOfBytes(data, this.dashes, from + 1); i !== -1; i = indexOfBytes(data, this.dashes, i + 1)) {
      if (data[i - 1] === CharCode.LF) return i - 1;
    }
    return -1;
  }

  /**
   * Decide whether the boundary text ending at `after` is a delimiter line. Returns the offset of
   * the first byte after the delimiter line, 'more' when the line is not complete yet, or 'no'.
   * A delimiter is followed by optional white space and a line end, or by "--" (close).
   */
  private delimiterAt(data: Uint8Array, after: number): Delimiter | 'more' | 'no' {
    if (after + 2 > data.length && !this.final) return 'more';
    const close = data[after] === CharCode.Dash && data[after + 1] === CharCode.Dash;
    let i = close ? after + 2 : after;
    // Transport padding (RFC 2046 §5.1.1): only white space may follow, up to the line end. The
    // padding length decides "not a delimiter", never the buffer size, so chunking cannot matter.
    const limit = i + this.maxLineBytes;
    while (i < data.length && i <= limit && (data[i] === CharCode.Space || data[i] === CharCode.Tab || data[i] === CharCode.CR)) i++;
    if (i > limit) {
      this.handler.onLongDelimiterLine?.();
      return 'no';
    }
    if (i >= data.length) return this.final ? { close, next: data.length } : 'more';
    if (data[i] === CharCode.LF) return { close, next: i + 1 };
    // "--B--x" and "--Bx" are not delimiters, as in RFC 2046 and Python's email package.
    return 'no';
  }

  /**
   * Hold a possible delimiter line that has not ended yet. `padded`: two or more bytes follow the
   * boundary, all white space, so only a line end or more padding can decide it (see
   * paddedLine); otherwise the next byte may decide it on its own ("--" or LF) and the line is
   * held as before.
   */
  private holdLine(bytes: Uint8Array, padded: boolean): void {
    if (!padded) {
      this.carry = bytes.slice();
      return;
    }
    // A new buffer for each such line: views of an earlier one may still be held downstream.
    this.paddedLine = new ByteBuffer();
    this.paddedLine.append(bytes);
    this.carry = this.paddedLine.view();
  }

  /** Apply a delimiter: end the current part, start the next one (or the epilogue). */
  private onDelimiter({ close, next }: Delimiter): number {
    if (this.state === 'part') this.handler.onPartEnd();
    if (close) {
      this.closed = true;
      this.state = 'epilogue';
    } else {
      this.state = 'part';
      this.handler.onPartStart(this.base + next);
    }
    return next;
  }

  private emit(bytes: Uint8Array): void {
    if (this.state === 'part') this.handler.onPartData(bytes);
    else if (this.state === 'preamble') this.handler.onPreamble?.(bytes);
  }
}

/** Only transport padding (blanks, and the CR of a line end still to come). */
function onlyPadding(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c !== CharCode.Space && c !== CharCode.Tab && c !== CharCode.CR) return false;
  }
  return true;
}
