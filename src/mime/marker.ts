import { concatBytes, concatTemp, EMPTY_BYTES, indexOfBytes, latin1, toBytes } from '../internal/bytes.js';

/**
 * Watches a byte stream for a fixed marker (e.g. a media type) across chunk edges. @internal
 *
 * Bodies are mostly base64, where letters are everywhere, so the native search is anchored on
 * the marker's first character that base64 never uses (the `-` of `x-microsoft`) and the rest is
 * checked around each hit: this keeps the extra pass over an original near memchr speed.
 *
 * With `linePrefix`, an occurrence counts only when the bytes before it (up to `maxPrefix` of
 * them) match the pattern, which is anchored at its end: a line break then `Content-Type:` before
 * a media type, so that a message merely quoting the type in its text does not count. The start
 * of the stream counts as a line start (the bytes before an occurrence are read with an LF in
 * front when they reach back to it). The decision depends on the bytes before each occurrence,
 * never on where the chunks were cut.
 */
export class MarkerScanner {
  private readonly needle: Uint8Array;
  private readonly anchor: number;
  private readonly tail: Uint8Array;
  private readonly prefixBytes: number;
  private carry: Uint8Array = EMPTY_BYTES;
  /** Bytes of the stream before the current chunk. */
  private seen = 0;
  found = false;

  constructor(
    marker: string,
    private readonly linePrefix?: RegExp,
    maxPrefix = 64,
  ) {
    const m = markerBytes(marker);
    this.needle = m.needle;
    this.anchor = m.anchor;
    this.tail = m.tail;
    this.prefixBytes = linePrefix === undefined ? 0 : maxPrefix;
  }

  write(chunk: Uint8Array): void {
    if (this.found || chunk.length === 0) return;
    const keep = this.needle.length - 1 + this.prefixBytes;
    // A marker across the edge lies within the carry plus the first bytes of the chunk; the carry
    // also holds the bytes before it that the prefix check reads.
    if (this.carry.length > 0) {
      const seam = concatTemp(this.carry, chunk.subarray(0, this.needle.length - 1));
      const seamStart = this.seen - this.carry.length;
      for (let at = indexOfBytes(seam, this.needle, 0); at !== -1 && at < this.carry.length; at = indexOfBytes(seam, this.needle, at + 1)) {
        if (this.accepts(seam.subarray(Math.max(0, at - this.prefixBytes), at), seamStart + at)) {
          this.found = true;
          return;
        }
      }
    }
    for (let at = indexOfBytes(chunk, this.tail, this.anchor); at !== -1; at = indexOfBytes(chunk, this.tail, at + 1)) {
      const start = at - this.anchor;
      let ok = true;
      for (let i = 0; i < this.anchor && ok; i++) ok = chunk[start + i] === this.needle[i];
      if (ok && this.accepts(this.before(chunk, start), this.seen + start)) {
        this.found = true;
        return;
      }
    }
    this.seen += chunk.length;
    this.carry = (chunk.length >= keep ? chunk.subarray(chunk.length - keep) : concatBytes(this.carry, chunk).subarray(-keep)).slice();
  }

  /** Up to prefixBytes bytes before chunk[start], reaching into the carry when needed. */
  private before(chunk: Uint8Array, start: number): Uint8Array {
    if (this.prefixBytes === 0) return chunk.subarray(start, start);
    if (start >= this.prefixBytes) return chunk.subarray(start - this.prefixBytes, start);
    return concatBytes(this.carry, chunk.subarray(0, start)).subarray(-this.prefixBytes);
  }

  /** `position`: where the occurrence starts in the stream; `prefix` holds the bytes before it. */
  private accepts(prefix: Uint8Array, position: number): boolean {
    if (this.linePrefix === undefined) return true;
    this.linePrefix.lastIndex = 0;
    const before = latin1(prefix);
    return this.linePrefix.test(prefix.length === position ? `\n${before}` : before);
  }
}

/**
 * A marker's bytes and anchor, worked out once per marker: every embedded message of every
 * report makes a scanner for the same media type, and encoding it and finding its anchor each
 * time was about 1 µs of a small report's cost. The arrays are shared and never written.
 */
function markerBytes(marker: string): { needle: Uint8Array; anchor: number; tail: Uint8Array } {
  let m = markers.get(marker);
  if (m === undefined) {
    const needle = toBytes(marker);
    const a = marker.search(/[^A-Za-z0-9+/]/);
    const anchor = a === -1 ? 0 : a;
    m = { needle, anchor, tail: needle.subarray(anchor) };
    // Bounded: the library uses one marker; a caller making scanners for many keeps at most these.
    if (markers.size >= 16) markers.clear();
    markers.set(marker, m);
  }
  return m;
}

const markers = new Map<string, { needle: Uint8Array; anchor: number; tail: Uint8Array }>();
