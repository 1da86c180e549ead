import { asBytes } from './bytes.js';

/**
 * Checks for the arguments of the exported helper functions: a wrong type is a `TypeError` that
 * names the function and the argument, never an internal failure further in ("Cannot read
 * properties of null") or a silently wrong result (a string read as zero bytes).
 */

const kind = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * Bytes as parseJournal reads them (see {@link asBytes}).
 * @throws {TypeError} for anything else
 * @internal
 */
export function bytesArgument(value: unknown, what: string): Uint8Array {
  const bytes = asBytes(value);
  if (bytes !== undefined) return bytes;
  throw new TypeError(`mailjournal: ${what} must be a Uint8Array, an ArrayBuffer or a string, got ${kind(value)}`);
}

/**
 * @throws {TypeError} unless `value` is a string
 * @internal
 */
export function stringArgument(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`mailjournal: ${what} must be a string, got ${kind(value)}`);
}

/**
 * A report as parseJournal returns it (or as JSON gives it back): an object with a recipients array.
 * @throws {TypeError} for anything else
 * @internal
 */
export function reportArgument<T>(value: T, what: string): T {
  const r = value as { recipients?: unknown } | null;
  if (typeof r === 'object' && r !== null && Array.isArray(r.recipients)) return value;
  throw new TypeError(`mailjournal: ${what} must be a report from parseJournal, got ${kind(value)}`);
}

/**
 * Refuse an option name that `known` does not hold: a misspelt option (`ouptut`) would otherwise
 * be ignored and the call would silently do something else than asked (no output written).
 * @throws {TypeError} naming the option, and the known name it is closest to when one is a slip away
 * @internal
 */
export function checkOptionName(name: string, known: ReadonlySet<string>, what: string): void {
  if (known.has(name)) return;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = name.toLowerCase() === k.toLowerCase() ? 0 : editDistance(name, k, bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  throw new TypeError(`mailjournal: unknown ${what} "${name}"${best === undefined ? '' : ` (did you mean "${best}"?)`}`);
}

/** Levenshtein distance, or `cap` once it is clear the distance is at least that (names are short). */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = row;
  }
  return Math.min(prev[b.length]!, cap);
}
