import { detectFromBlock, type Detection } from './detect.js';
import { ParserStateError } from './errors.js';
import { parseEnvelope } from './exchange/envelope.js';
import { parseEnvelope2003 } from './exchange/envelope-2003.js';
import { ByteBuffer } from './internal/bytes.js';
import { decodeCharset } from './mime/charset.js';
import { parseContentType, type ContentType } from './mime/content-type.js';
import { HeaderCollector, type HeaderBlock } from './mime/header-block.js';
import { htmlToText } from './mime/html-text.js';
import { MultipartScanner } from './mime/multipart.js';
import { createTransferDecoder, normaliseTransferEncoding, type TransferDecoder } from './mime/transfer-decoding.js';
import { resolveOptions, type ParseOptions, type ResolvedOptions } from './options.js';
import { HeaderStripper } from './strip.js';
import { buildReport, type EnvelopeCandidate } from './report.js';
import type { JournalReport, JournalWarning, WarningCode } from './types.js';

/** Options of {@link JournalParser}: the parse options plus where the archived bytes go. */
export interface JournalParserOptions extends ParseOptions {
  /**
   * Receives the archived message, in order, as views into the input chunks or into buffers the
   * parser owns; copy them if you keep them past the call.
   */
  onOutput?: (bytes: Uint8Array) => void;
}

/** Sink for the body of one MIME entity. */
interface BodySink {
  write(bytes: Uint8Array): void;
  end(): void;
}

const NULL_SINK: BodySink = { write() {}, end() {} };

/**
 * The push parser at the core of mailjournal: feed it bytes with {@link JournalParser.write}, call
 * {@link JournalParser.end}, get the report. The archived message streams out through
 * `onOutput` as the input arrives. It imports nothing from Node, buffers only header blocks,
 * the envelope part and (for journal reports) the bytes before the original, each under a
 * limit, and gives the same report and output bytes however the input is chunked.
 *
 * @example
 * const parser = new JournalParser({ onOutput: (b) => out.push(b) });
 * for (const chunk of chunks) parser.write(chunk);
 * const report = parser.end();
 */
export class JournalParser {
  private readonly opts: ResolvedOptions;
  private readonly onOutput: (bytes: Uint8Array) => void;
  private readonly warnings: JournalWarning[] = [];
  private readonly top: EntityReader;
  private ended = false;
  private offset = 0;

  // Output state. 'pending': bytes held until we know whether the original will be used.
  private outMode: 'pending' | 'passthrough' | 'original' = 'pending';
  private pending: Uint8Array[] = [];

  // What the parse found.
  private detection: Detection = { kind: 'message', source: null, marker: null };
  private outer: HeaderBlock | undefined;
  private outerScanner: MultipartScanner | undefined;
  private envelope: EnvelopeCandidate | undefined;
  private envelopeFallback: EnvelopeCandidate | undefined;
  private original: { stripper: HeaderStripper; transferEncoding: string; decoder: TransferDecoder | undefined } | undefined;
  private extraMessages = 0;

  constructor(options: JournalParserOptions = {}) {
    this.opts = resolveOptions(options);
    if (options.onOutput !== undefined && typeof options.onOutput !== 'function') throw new TypeError('mailjournal: option onOutput must be a function');
    this.onOutput = options.onOutput ?? (() => {});
    this.top = new EntityReader(this, 0, 0);
  }

  /**
   * Feed the next chunk. Chunks must not be modified afterwards while the parser may hold them.
   * @throws {LimitExceededError} when the original's header block exceeds `maxHeaderBytes`
   * @throws {ParserStateError} after {@link JournalParser.end}
   */
  write(chunk: Uint8Array): void {
    if (this.ended) throw new ParserStateError('write() after end()');
    if (chunk.length === 0) return;
    if (this.outMode === 'pending') {
      this.pending.push(chunk);
    } else if (this.outMode === 'passthrough') {
      this.onOutput(chunk);
    }
    this.offset += chunk.length;
    this.top.write(chunk);
    this.checkBuffered();
  }

  /**
   * Signal end of input and get the report.
   * @throws {ParserStateError} when called twice
   */
  end(): JournalReport {
    if (this.ended) throw new ParserStateError('end() called twice');
    this.ended = true;
    this.top.end();
    if (this.detection.kind === 'journal-report' && this.outerScanner !== undefined && !this.outerScanner.closed) {
      this.warn('MIME_UNCLOSED', 'the journal report ends before its closing MIME boundary (truncated?)');
    }
    if (this.outMode === 'pending') this.flushPending();
    return this.buildReport();
  }

  // ---- called by entity readers ------------------------------------------------------------

  /** @internal */
  get options(): ResolvedOptions {
    return this.opts;
  }

  /** @internal */
  warn(code: WarningCode, message: string): void {
    if (!this.warnings.some((w) => w.code === code && w.message === message)) this.warnings.push({ code, message });
  }

  /** Body sink for an entity whose headers are complete. @internal */
  openBody(block: HeaderBlock, depth: number, bodyOffset: number): BodySink {
    const ct = parseContentType(block.get('content-type'));
    if (depth === 0) return this.openTopBody(block, ct, bodyOffset);
    if (ct.type === 'multipart') {
      if (depth >= this.opts.maxDepth) {
        this.warn('DEPTH_LIMIT', `multipart nesting deeper than maxDepth=${this.opts.maxDepth} was not searched`);
        return NULL_SINK;
      }
      // Nested multiparts (e.g. multipart/alternative) are searched for the envelope only.
      return this.multipartSink(ct, depth, bodyOffset);
    }
    const cte = normaliseTransferEncoding(block.get('content-transfer-encoding'));
    if (ct.type === 'message' && (ct.subtype === 'rfc822' || ct.subtype === 'global')) {
      if (depth !== 1) return NULL_SINK;
      if (this.original !== undefined) {
        this.extraMessages++;
        return NULL_SINK;
      }
      return this.openOriginal(cte, bodyOffset);
    }
    if (ct.type === 'text' && (ct.subtype === 'plain' || ct.subtype === 'html') && this.envelope === undefined) {
      return this.envelopeSink(ct, cte);
    }
    return NULL_SINK;
  }

  /** The top-level header block is over the limit: no detection is possible. @internal */
  onTopHeaderOverflow(): void {
    this.warn('HEADER_LIMIT', `the header block exceeds maxHeaderBytes=${this.opts.maxHeaderBytes}; treated as a plain message and archived unchanged`);
    this.startPassthrough();
  }

  private openTopBody(block: HeaderBlock, ct: ContentType, bodyOffset: number): BodySink {
    this.outer = block;
    this.detection = detectFromBlock(block);
    if (this.detection.kind === 'message') {
      this.startPassthrough();
      return NULL_SINK;
    }
    if (ct.type !== 'multipart' || ct.boundary === undefined) {
      this.warn('MIME_NOT_MULTIPART', 'the journal report is not a multipart message: no envelope or original can be found; archived unchanged');
      this.startPassthrough();
      return NULL_SINK;
    }
    return this.multipartSink(ct, 0, bodyOffset);
  }

  private multipartSink(ct: ContentType, depth: number, bodyOffset: number): BodySink {
    if (ct.boundary === undefined) return NULL_SINK;
    let part: EntityReader | undefined;
    const scanner = new MultipartScanner(
      ct.boundary,
      {
        onPartStart: (offset) => {
          part = new EntityReader(this, depth + 1, offset);
        },
        onPartData: (bytes) => part?.write(bytes),
        onPartEnd: () => {
          part?.end();
          part = undefined;
        },
      },
      this.opts.maxLineBytes,
      bodyOffset,
    );
    if (depth === 0) this.outerScanner = scanner;
    return { write: (b) => scanner.write(b), end: () => scanner.end() };
  }

  private envelopeSink(ct: ContentType, cte: string): BodySink {
    const buf = new ByteBuffer();
    let truncated = false;
    const max = this.opts.maxEnvelopeBytes;
    const decoder = createTransferDecoder(cte);
    const add = (bytes: Uint8Array): void => {
      if (truncated) return;
      if (buf.length + bytes.length > max) {
        buf.append(bytes.subarray(0, max - buf.length));
        truncated = true;
      } else {
        buf.append(bytes);
      }
    };
    return {
      write: (b) => add(decoder ? decoder.write(b) : b),
      end: () => {
        if (decoder) add(decoder.end());
        if (this.envelope !== undefined) return;
        const { text, known } = decodeCharset(buf.view(), ct.charset);
        const plain = ct.subtype === 'html' ? htmlToText(text) : text;
        const parsed = this.detection.source === 'exchange-2003' ? parseEnvelope2003(plain) : parseEnvelope(plain);
        const candidate: EnvelopeCandidate = {
          parsed,
          part: { contentType: `${ct.type}/${ct.subtype}`, charset: ct.charset ?? null, transferEncoding: cte },
          truncated,
        };
        if (parsed.sender !== undefined) {
          // Microsoft's parser takes the first text part that yields a Sender line.
          if (!known) this.warn('CHARSET_UNKNOWN', `envelope part charset "${ct.charset ?? ''}" is unknown; decoded as UTF-8/Latin-1`);
          this.envelope = candidate;
        } else if (this.envelopeFallback === undefined && (parsed.recipients.length > 0 || parsed.messageId !== undefined)) {
          // Kept in case no part has a Sender line: a broken envelope still names recipients.
          this.envelopeFallback = candidate;
        }
      },
    };
  }

  private openOriginal(cte: string, bodyOffset: number): BodySink {
    const use = this.outMode === 'pending' && bodyOffset <= this.opts.maxBufferedBytes;
    if (use) {
      this.pending = [];
      this.outMode = 'original';
    }
    const emit = use ? this.onOutput : () => {};
    const stripper = new HeaderStripper(this.opts.removeHeaders, this.opts.maxHeaderBytes, emit, bodyOffset);
    const decoder = createTransferDecoder(cte);
    this.original = { stripper, transferEncoding: cte, decoder };
    return {
      write: (b) => stripper.write(decoder ? decoder.write(b) : b),
      end: () => {
        if (decoder) stripper.write(decoder.end());
        stripper.end();
      },
    };
  }

  private startPassthrough(): void {
    if (this.outMode !== 'pending') return;
    this.flushPending();
  }

  private flushPending(): void {
    const held = this.pending;
    this.pending = [];
    this.outMode = 'passthrough';
    for (const b of held) this.onOutput(b);
  }

  /**
   * Give up on the original once every byte up to maxBufferedBytes has been looked at without
   * it starting. Measured on absolute offsets (not on what happens to be buffered), so the
   * decision does not depend on chunking.
   */
  private checkBuffered(): void {
    if (this.outMode !== 'pending' || this.outerScanner === undefined) return;
    if (this.outerScanner.processedOffset > this.opts.maxBufferedBytes) {
      this.warn('BUFFER_LIMIT', `the original does not start within maxBufferedBytes=${this.opts.maxBufferedBytes}; the report is archived unchanged`);
      this.flushPending();
    }
  }

  // ---- report --------------------------------------------------------------------------------

  private buildReport(): JournalReport {
    return buildReport(
      {
        opts: this.opts,
        detection: this.detection,
        outer: this.outer,
        inner: this.original?.stripper.block,
        hasOriginal: this.original !== undefined,
        originalTransferEncoding: this.original?.transferEncoding ?? null,
        originalIrregular: this.original?.decoder?.irregular === true,
        removed: this.original?.stripper.removed ?? [],
        outputContent: this.outMode === 'original' ? 'original' : 'unchanged',
        envelope: this.envelope ?? this.envelopeFallback,
        notMultipart: this.detection.kind === 'journal-report' && this.outerScanner === undefined,
        extraMessages: this.extraMessages,
        warn: (code, message) => this.warn(code, message),
        hasWarning: (code) => this.warnings.some((w) => w.code === code),
      },
      this.warnings,
    );
  }
}

/**
 * One MIME entity being read: collects its header block under the limit, then hands the body to
 * the sink the parser picks for it.
 */
class EntityReader {
  private collector: HeaderCollector | undefined;
  private body: BodySink | undefined;

  constructor(
    private readonly parser: JournalParser,
    private readonly depth: number,
    /** Absolute input offset of this entity's first byte. */
    private readonly offset: number,
  ) {
    this.collector = new HeaderCollector(parser.options.maxHeaderBytes);
  }

  write(bytes: Uint8Array): void {
    if (this.body !== undefined) {
      this.body.write(bytes);
      return;
    }
    if (this.collector === undefined) return;
    const r = this.collector.push(bytes);
    if (r.done === false) return;
    if (r.done === 'overflow') {
      this.collector = undefined;
      this.onOverflow();
      return;
    }
    this.collector = undefined;
    const bodyOffset = this.offset + r.block.raw.length;
    this.body = this.parser.openBody(r.block, this.depth, bodyOffset);
    if (r.rest.length > 0) this.body.write(r.rest);
  }

  end(): void {
    if (this.collector !== undefined) {
      const block = this.collector.finish();
      this.collector = undefined;
      this.body = this.parser.openBody(block, this.depth, this.offset + block.raw.length);
    }
    this.body?.end();
  }

  private onOverflow(): void {
    if (this.depth === 0) {
      // Without a header block there is no detection: keep the message, as a plain one.
      this.parser.onTopHeaderOverflow();
      this.body = NULL_SINK;
    } else {
      this.parser.warn('PART_HEADER_LIMIT', `a MIME part header block exceeds maxHeaderBytes=${this.parser.options.maxHeaderBytes}; the part was skipped`);
      this.body = NULL_SINK;
    }
  }
}
