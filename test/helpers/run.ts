import { prng } from '../../src/fuzz.js';
import { concatAll } from '../../src/internal/bytes.js';
import { JournalParser, type JournalParserOptions } from '../../src/parser.js';
import type { JournalReport } from '../../src/types.js';

const enc = new TextEncoder();
const dec = new TextDecoder('latin1');

/** Bytes of a string (UTF-8). */
export function bytes(text: string): Uint8Array {
  return enc.encode(text);
}

/** Latin-1 view of bytes: one char per byte, for readable assertions. */
export function text(b: Uint8Array): string {
  return dec.decode(b);
}

/** Every LF that is not already part of CRLF becomes CRLF. */
export function toCRLF(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a && (i === 0 || b[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(b[i]!);
  }
  return Uint8Array.from(out);
}

/** Every CRLF becomes LF (bare CRs stay). */
export function toLF(b: Uint8Array): Uint8Array {
  return b.filter((c, i) => !(c === 0x0d && b[i + 1] === 0x0a));
}

/** Split into chunks: 'whole', 1-byte, or random sizes from a seed. */
export function chunk(b: Uint8Array, how: 'whole' | 'bytes' | number): Uint8Array[] {
  if (how === 'whole') return [b];
  if (how === 'bytes') return Array.from(b, (_, i) => b.subarray(i, i + 1));
  const rnd = prng(how);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < b.length) {
    // Mostly small chunks, sometimes large ones, so edges land everywhere.
    const size = rnd() < 0.8 ? 1 + Math.floor(rnd() * 40) : 1 + Math.floor(rnd() * 4000);
    out.push(b.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

/** Concatenate byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** Run the push parser over chunks; returns the report and the archived bytes. */
export function run(chunks: Uint8Array[], options: Omit<JournalParserOptions, 'onOutput'> = {}): { report: JournalReport; output: Uint8Array } {
  const out: Uint8Array[] = [];
  const parser = new JournalParser({ ...options, onOutput: (b) => out.push(new Uint8Array(b)) });
  for (const c of chunks) parser.write(c);
  const report = parser.end();
  return { report, output: concat(out) };
}

/** Run over a whole input with a given chunking. */
export function runAs(input: Uint8Array, how: 'whole' | 'bytes' | number, options: Omit<JournalParserOptions, 'onOutput'> = {}) {
  return run(chunk(input, how), options);
}

/** JSON with sorted keys and a final newline, for golden files. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2) + '\n';
}
