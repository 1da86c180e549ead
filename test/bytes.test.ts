import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { allocTemp, asNodeBuffer, decodeUndeclared, indexOfBytes, validUtf8 } from '../src/internal/bytes.js';

describe('allocTemp', () => {
  test('gives zeroed pieces of the asked length that never share bytes, across slab refills', () => {
    const pieces: Uint8Array[] = [];
    // Enough pieces to fill several 64 KiB slabs, with odd lengths and the largest carved size.
    for (let i = 0; i < 300; i++) {
      const length = [0, 1, 7, 65, 999, 4096][i % 6]!;
      const p = allocTemp(length);
      expect(p.length).toBe(length);
      expect(p.every((b) => b === 0)).toBe(true);
      p.fill(0xff);
      pieces.push(p);
    }
    // Writing every piece full left every other piece as it was: no two overlap.
    for (const p of pieces) expect(p.every((b) => b === 0xff)).toBe(true);
    const inSameBuffer = pieces.filter((p) => p.buffer === pieces[1]!.buffer);
    const ranges = inSameBuffer.map((p) => [p.byteOffset, p.byteOffset + p.length] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  });

  test('a piece larger than the carved size is an array of its own', () => {
    const big = allocTemp(4097);
    expect(big.length).toBe(4097);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(4097);
  });
});

describe('asNodeBuffer', () => {
  test('a view of the same memory, never a copy (the parser hands out views of the input)', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const plain = backing.subarray(2, 5);
    const view = asNodeBuffer(plain);
    expect(Buffer.isBuffer(view)).toBe(true);
    expect([...view]).toEqual([3, 4, 5]);
    backing[3] = 99;
    expect(view[1]).toBe(99);
    const buffer = Buffer.from([7, 8]);
    expect(asNodeBuffer(buffer)).toBe(buffer);
  });
});

describe('indexOfBytes', () => {
  /** The plain definition: first i >= from where needle starts. */
  function reference(hay: Uint8Array, needle: Uint8Array, from: number): number {
    outer: for (let i = Math.max(0, from); i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }

  test('finds what the plain definition finds, in Buffers, views of Buffers and plain arrays', () => {
    const small = fc.uint8Array({ minLength: 0, maxLength: 200 }).map((a) => a.map((b) => b % 3));
    fc.assert(
      fc.property(small, fc.uint8Array({ minLength: 1, maxLength: 4 }).map((a) => a.map((b) => b % 3)), fc.nat(210), fc.nat(5), (hay, needle, from, cut) => {
        const want = reference(hay.subarray(cut), needle, from);
        const buf = Buffer.from(hay);
        expect(indexOfBytes(new Uint8Array(hay).subarray(cut), needle, from)).toBe(want);
        expect(indexOfBytes(buf.subarray(cut), needle, from)).toBe(want);
        // A plain Uint8Array view over a Buffer's memory, offset into it.
        expect(indexOfBytes(new Uint8Array(buf.buffer, buf.byteOffset + Math.min(cut, buf.length), Math.max(0, buf.length - cut)), needle, from)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('UTF-8 decoding with Node checks', () => {
  const fatal = (bomKept: boolean, b: Uint8Array): string | undefined => {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: bomKept }).decode(b);
    } catch {
      return undefined;
    }
  };
  const input = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'é', '✓', '😀', '\ufeff'), maxLength: 8 }).map((s) => new Uint8Array(Buffer.from(s))),
    fc.uint8Array({ maxLength: 12 }),
  );

  test('property: validUtf8 and decodeUndeclared read every range as fatal TextDecoders do', () => {
    fc.assert(
      fc.property(input, fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        const range = bytes.slice(start, end);
        expect(validUtf8(bytes, start, end)).toBe(fatal(true, range));
        expect(decodeUndeclared(bytes, start, end)).toBe(fatal(false, range) ?? new TextDecoder('latin1').decode(range));
      }),
      { numRuns: 3000 },
    );
  });
});
