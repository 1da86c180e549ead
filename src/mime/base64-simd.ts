import { BASE64_SIMD_WASM } from './base64-simd-binary.js';

/*
 * Base64 decoding of whole lines in WebAssembly SIMD (source: base64-simd.wat), for the content
 * key's attachments: Node's own decoder needs the text as a Latin-1 string first, and making
 * that string costs as much as the decoding (see bench/README.md, session 16).
 */

/** Where the input goes in the module's memory (above its 256-byte table), and its largest size. */
const IN = 1024;
const MAX_INPUT = 128 * 1024;
/** Where the output goes: after the largest input. Its largest size is 3/4 of that, plus 4 bytes the module may overwrite. */
const OUT = IN + MAX_INPUT;
/**
 * Below this a region is left to the caller's decoder. The module is faster even for one line
 * (measured: 235 vs 1,275 ns for 66 characters, 503 vs 3,092 ns for 1,052), so only regions
 * too short for one of its steps are.
 */
const MIN_INPUT = 16;

interface Simd {
  bytes: Uint8Array;
  lines(input: number, length: number, output: number): number;
  produced: { value: number };
}

let simd: Simd | null | undefined;

/** The module, instantiated on first use; null where WebAssembly or its SIMD is not available. */
function simdModule(): Simd | null {
  if (simd !== undefined) return simd;
  simd = null;
  try {
    const wasm = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
    if (wasm === undefined || typeof atob !== 'function') return simd;
    const binary = Uint8Array.from(atob(BASE64_SIMD_WASM), (c) => c.charCodeAt(0));
    // validate() is false where SIMD is not supported: the caller's decoder is used instead.
    if (!wasm.validate(binary)) return simd;
    const exports = new wasm.Instance(new wasm.Module(binary)).exports as unknown as {
      memory: WebAssembly.Memory;
      lines: Simd['lines'];
      produced: WebAssembly.Global;
    };
    // The memory never grows, so one view serves every call.
    simd = { bytes: new Uint8Array(exports.memory.buffer), lines: exports.lines, produced: exports.produced };
  } catch {
    // A runtime that forbids compiling WebAssembly (a content security policy, say).
    simd = null;
  }
  return simd;
}

/**
 * Decode `region` (base64 text, whole lines or a whole body) in the module: the regular lines at
 * its start (a multiple of four alphabet characters, then LF or CRLF) in SIMD, the rest by
 * `decodeRest`, which starts from a clean quantum and must give what the caller's decoder gives
 * for those bytes. Returns all the decoded bytes as a view of the module's memory, valid until
 * the next call; undefined when the module is not available, the region is outside the sizes it
 * takes, or no line at its start is regular (the caller then decodes the region itself).
 * @internal
 */
export function decodeBase64Lines(region: Uint8Array, decodeRest: (rest: Uint8Array) => Uint8Array): Uint8Array | undefined {
  if (region.length < MIN_INPUT || region.length > MAX_INPUT) return undefined;
  const m = simdModule();
  if (m === null) return undefined;
  m.bytes.set(region, IN);
  const consumed = m.lines(IN, region.length, OUT);
  if (consumed === 0) return undefined;
  let produced = m.produced.value;
  if (consumed < region.length) {
    // Decoded by the caller before anything else uses its output (it may be a shared buffer).
    const rest = decodeRest(region.subarray(consumed));
    m.bytes.set(rest, OUT + produced);
    produced += rest.length;
  }
  return m.bytes.subarray(OUT, OUT + produced);
}
