import { concatBytes, indexOfBytes, toBytes } from '../internal/bytes.js';

/**
 * Watches a byte stream for a fixed marker (e.g. `message.rpmsg`) across chunk edges, with the
 * native byte search and a carry of `marker.length - 1` bytes. @internal
 */
export class MarkerScanner {
  private readonly needle: Uint8Array;
  private carry: Uint8Array = new Uint8Array(0);
  found = false;

  constructor(marker: string) {
    this.needle = toBytes(marker);
  }

  write(chunk: Uint8Array): void {
    if (this.found || chunk.length === 0) return;
    const keep = this.needle.length - 1;
    // Only the seam needs copying: the carry plus the first bytes of the chunk.
    const seam = concatBytes(this.carry, chunk.subarray(0, keep));
    if (indexOfBytes(seam, this.needle, 0) !== -1 || indexOfBytes(chunk, this.needle, 0) !== -1) {
      this.found = true;
      return;
    }
    const tail = chunk.length >= keep ? chunk.subarray(chunk.length - keep) : concatBytes(this.carry, chunk).subarray(-keep);
    this.carry = tail.slice();
  }
}
