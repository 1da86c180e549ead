import { concatBytes, indexOfBytes, toBytes } from '../internal/bytes.js';

/**
 * Watches a byte stream for a fixed marker (e.g. `message.rpmsg`) across chunk edges. @internal
 *
 * Bodies are mostly base64, where letters are everywhere, so the native search is anchored on
 * the marker's first character that base64 never uses (the `.` of `message.rpmsg`) and the
 * rest is checked around each hit: this keeps the extra pass over an original near memchr speed.
 */
export class MarkerScanner {
  private readonly needle: Uint8Array;
  private readonly anchor: number;
  private readonly tail: Uint8Array;
  private carry: Uint8Array = new Uint8Array(0);
  found = false;

  constructor(marker: string) {
    this.needle = toBytes(marker);
    const a = marker.search(/[^A-Za-z0-9+/]/);
    this.anchor = a === -1 ? 0 : a;
    this.tail = this.needle.subarray(this.anchor);
  }

  write(chunk: Uint8Array): void {
    if (this.found || chunk.length === 0) return;
    const keep = this.needle.length - 1;
    // A marker across the edge lies within the carry plus the first bytes of the chunk.
    if (this.carry.length > 0 && indexOfBytes(concatBytes(this.carry, chunk.subarray(0, keep)), this.needle, 0) !== -1) {
      this.found = true;
      return;
    }
    for (let at = indexOfBytes(chunk, this.tail, this.anchor); at !== -1; at = indexOfBytes(chunk, this.tail, at + 1)) {
      const start = at - this.anchor;
      let ok = true;
      for (let i = 0; i < this.anchor && ok; i++) ok = chunk[start + i] === this.needle[i];
      if (ok) {
        this.found = true;
        return;
      }
    }
    this.carry = (chunk.length >= keep ? chunk.subarray(chunk.length - keep) : concatBytes(this.carry, chunk).subarray(-keep)).slice();
  }
}
