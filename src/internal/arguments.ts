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
