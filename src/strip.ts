import { LimitExceededError } from './errors.js';
import { CharCode, concatAll, latin1 } from './internal/bytes.js';
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
   * A field to remove that could not be, since the block breaks its lines with bare CRs (which
   * RFC 5322 forbids, and which this parser does not take for line breaks): its name, as written.
   */
  behindBareCr: string | undefined;

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
    for (const f of block.fields) {
      if (f.key !== '' && this.names.has(f.key)) {
        if (f.start > runStart) this.output(raw.subarray(runStart, f.start));
        runStart = f.end;
        this.removed.push(f.name);
      }
    }
    if (raw.length > runStart) this.output(raw.subarray(runStart));
    this.behindBareCr = fieldBehindBareCr(raw, this.names);
  }
}

/**
 * A field of `names` that starts right after a bare CR in the block, as written; undefined when
 * there is none. The block's first CR decides whether to look: a CRLF or LF block (the first CR
 * ends a CRLF, or there is none) costs one native search, and only a block that uses bare CRs is
 * read as text.
 */
function fieldBehindBareCr(raw: Uint8Array, names: ReadonlySet<string>): string | undefined {
  const cr = raw.indexOf(CharCode.CR);
  if (cr === -1 || raw[cr + 1] === CharCode.LF || names.size === 0) return undefined;
  const text = latin1(raw);
  const at = /\r([!-9;-~]+)[ \t]*:/g;
  for (let m = at.exec(text); m !== null; m = at.exec(text)) {
    if (names.has(m[1]!.toLowerCase())) return m[1];
  }
  return undefined;
}

/**
 * Remove header fields from a whole message held in memory, byte-exactly (see the streaming
 * parser for large input). Returns the new bytes and the names removed. `names` defaults to
 * {@link DEFAULT_REMOVE_HEADERS}; a string is encoded as UTF-8 (pass bytes for 8-bit mail).
 *
 * @throws {TypeError} for a message that is not bytes or a string, names that are not header
 *   names, or a `maxHeaderBytes` that is not a positive integer
 * @throws {LimitExceededError} when the header block is longer than an explicit `maxHeaderBytes`
 *
 * @example
 * stripHeaders(bytes).removed // ['X-MS-Exchange-Organization-BCC']
 */
export function stripHeaders(
  message: Uint8Array | ArrayBuffer | string,
  names?: readonly string[],
  maxHeaderBytes?: number,
): { bytes: Uint8Array; removed: string[] } {
  const bytes = bytesArgument(message, 'stripHeaders: message');
  const set = removeHeaderSet(names, 'stripHeaders: names');
  const headerLimit = limit('maxHeaderBytes', maxHeaderBytes, bytes.length + 1);
  const parts: Uint8Array[] = [];
  const s = new HeaderStripper(set, headerLimit, (b) => parts.push(b));
  s.write(bytes);
  s.end();
  return { bytes: concatAll(parts), removed: s.removed };
}
