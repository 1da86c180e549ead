import { LimitExceededError } from './errors.js';
import { CharCode, concatAll, indexOfBytes, latin1 } from './internal/bytes.js';
import { HeaderCollector, type HeaderBlock } from './mime/header-block.js';
import { bytesArgument } from './internal/arguments.js';
import { limit, removeHeaderSet } from './options.js';

/**
 * Streaming header remover. Buffers only the header block (under a limit), writes every field
 * whose name is not in `names` as its original bytes (folded continuation lines and line endings
 * untouched), then passes the body through. A field is removed with all of its continuation
 * lines. Names are matched exactly, case-insensitively: `X-MS-Exchange-Organization-BCCx` stays.
 * @internal
 */
export class HeaderStripper {
  private collector: HeaderCollector | undefined;
  /** Names of removed fields, as written, in order. */
  readonly removed: string[] = [];
  /** The header block once complete. */
  block: HeaderBlock | undefined;
  /**
   * A field to remove that was left in, since the block breaks lines with bare CRs (which RFC
   * 5322 forbids, and which this parser does not take for line breaks): its name, as written.
   * Either it follows a bare CR inside another field, or its own line ends in one, so that it
   * runs on into the fields after it and removing it would remove them too.
   */
  notRemoved: string | undefined;

  constructor(
    private readonly names: ReadonlySet<string>,
    private readonly maxHeaderBytes: number,
    private readonly output: (bytes: Uint8Array) => void,
    /** Absolute offset of this stream's first byte in the parser input, for error messages. */
    private readonly baseOffset = 0,
    /** Called with the header block once it is complete, before any of it is output. */
    private readonly onBlock?: (block: HeaderBlock) => void,
    /** Called with every body byte (after the header block), as it is output. */
    private readonly onBody?: (bytes: Uint8Array) => void,
  ) {
    this.collector = new HeaderCollector(maxHeaderBytes);
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.collector === undefined) {
      this.output(chunk);
      this.onBody?.(chunk);
      return;
    }
    const r = this.collector.push(chunk);
    if (r.done === false) return;
    if (r.done === 'overflow') {
      throw new LimitExceededError('maxHeaderBytes', this.maxHeaderBytes, this.baseOffset + this.collector.size, 'the header block of the embedded original');
    }
    this.collector = undefined;
    this.emitBlock(r.block);
    if (r.rest.length > 0) {
      this.output(r.rest);
      this.onBody?.(r.rest);
    }
  }

  end(): void {
    if (this.collector === undefined) return;
    const block = this.collector.finish();
    this.collector = undefined;
    this.emitBlock(block);
  }

  private emitBlock(block: HeaderBlock): void {
    this.block = block;
    this.onBlock?.(block);
    const raw = block.raw;
    let runStart = 0;
    /** Where the first field kept for its own bare CR starts. */
    let keptAt = -1;
    for (const f of block.fields) {
      if (f.key !== '' && this.names.has(f.key)) {
        if (hasBareCr(raw, f.start, f.end)) {
          // Its "value" runs on into the next fields (From, To …): kept whole, and said.
          if (keptAt === -1) {
            keptAt = f.start;
            this.notRemoved = f.name;
          }
          continue;
        }
        if (f.start > runStart) this.output(raw.subarray(runStart, f.start));
        runStart = f.end;
        this.removed.push(f.name);
      }
    }
    if (raw.length > runStart) this.output(raw.subarray(runStart));
    // Looked for even when a field was removed at a line start: a second one hidden behind a bare
    // CR in the same block is still in the output and must be said (it was missed when this
    // search ran only for blocks with nothing removed). The first kept in the block is named.
    const hidden = fieldBehindBareCr(raw, this.names);
    if (hidden !== undefined && (keptAt === -1 || hidden.at < keptAt)) this.notRemoved = hidden.name;
  }
}

/** Whether raw[start..end) holds a CR that no LF follows. */
function hasBareCr(raw: Uint8Array, start: number, end: number): boolean {
  for (let cr = raw.indexOf(CharCode.CR, start); cr !== -1 && cr < end; cr = raw.indexOf(CharCode.CR, cr + 1)) {
    if (raw[cr + 1] !== CharCode.LF) return true;
  }
  return false;
}

/**
 * The first field of `names` that starts right after a bare CR in the block: its name as written
 * and its offset; undefined when there is none. Looked for with one native search per first
 * letter a name to remove may start with (a CR, then that letter in either case: `\rX`, `\rx`
 * for the default names), which never matches in a CRLF block, so a well-formed message pays a
 * few searches and no text.
 */
function fieldBehindBareCr(raw: Uint8Array, names: ReadonlySet<string>): { name: string; at: number } | undefined {
  if (names.size === 0 || raw.indexOf(CharCode.CR) === -1) return undefined;
  let first: { name: string; at: number } | undefined;
  // Each needle's first match that names a field to remove; the earliest of them wins (the
  // needles are searched one after the other, not in the block's order).
  for (const needle of crNeedles(names)) {
    for (let at = indexOfBytes(raw, needle, 0); at !== -1 && (first === undefined || at < first.at); at = indexOfBytes(raw, needle, at + 1)) {
      const name = nameAt(raw, at + 1);
      if (name !== undefined && names.has(name.toLowerCase())) {
        first = { name, at: at + 1 };
        break;
      }
    }
  }
  return first;
}

/** The field name at raw[pos..] (printable ASCII up to a colon, blanks before it allowed), or undefined. */
function nameAt(raw: Uint8Array, pos: number): string | undefined {
  let end = pos;
  while (end < raw.length && raw[end]! > 0x20 && raw[end]! < 0x7f && raw[end] !== CharCode.Colon) end++;
  let colon = end;
  while (raw[colon] === CharCode.Space || raw[colon] === CharCode.Tab) colon++;
  return end > pos && raw[colon] === CharCode.Colon ? latin1(raw.subarray(pos, end)) : undefined;
}

/** The `CR + first letter` needles of a set of names, made once per set. */
const needleCache = new WeakMap<ReadonlySet<string>, Uint8Array[]>();
function crNeedles(names: ReadonlySet<string>): Uint8Array[] {
  let needles = needleCache.get(names);
  if (needles === undefined) {
    const firsts = new Set<number>();
    for (const n of names) for (const c of [n[0]!.toLowerCase(), n[0]!.toUpperCase()]) firsts.add(c.charCodeAt(0));
    needles = [...firsts].map((c) => Uint8Array.of(CharCode.CR, c));
    needleCache.set(names, needles);
  }
  return needles;
}

/**
 * Remove header fields from a whole message held in memory, byte-exactly (see the streaming
 * parser for large input). Returns the new bytes, the names removed, and `notRemoved`: the name
 * of a field to remove that was kept because bare CRs (CR without LF, which RFC 5322 forbids)
 * hide it inside another field or end its own line, so that removing it would take the fields
 * after it too (the parser's `HEADER_NOT_REMOVED` warning); `undefined` otherwise. `names`
 * defaults to {@link DEFAULT_REMOVE_HEADERS}; a string is encoded as UTF-8 (pass bytes for 8-bit
 * mail).
 *
 * @throws {TypeError} for a message that is not bytes or a string, names that are not header
 *   names, or a `maxHeaderBytes` that is not a positive integer
 * @throws {LimitExceededError} when the header block is longer than an explicit `maxHeaderBytes`
 *
 * @example
 * stripHeaders(bytes).removed // ['X-MS-Exchange-Organization-BCC']
 * stripHeaders(bytes).notRemoved // undefined, or the name of a field kept behind a bare CR
 */
export function stripHeaders(
  message: Uint8Array | ArrayBuffer | string,
  names?: readonly string[],
  maxHeaderBytes?: number,
): { bytes: Uint8Array; removed: string[]; notRemoved: string | undefined } {
  const bytes = bytesArgument(message, 'stripHeaders: message');
  const set = removeHeaderSet(names, 'stripHeaders: names');
  const headerLimit = limit('maxHeaderBytes', maxHeaderBytes, bytes.length + 1);
  const parts: Uint8Array[] = [];
  const s = new HeaderStripper(set, headerLimit, (b) => parts.push(b));
  s.write(bytes);
  s.end();
  return { bytes: concatAll(parts), removed: s.removed, notRemoved: s.notRemoved };
}
