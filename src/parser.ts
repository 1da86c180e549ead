import { ContentHasher } from './dedup.js';
import { detectFromBlock, type Detection } from './detect.js';
import { InvalidInputError, LimitExceededError, messageOf, ParserStateError } from './errors.js';
import { parseEnvelope } from './exchange/envelope.js';
import { parseEnvelope2003 } from './exchange/envelope-2003.js';
import { asNodeBuffer, ByteBuffer } from './internal/bytes.js';
import { HeldBytes } from './internal/held-bytes.js';
import { decodeCharset } from './mime/charset.js';
import type { ContentType } from './mime/content-type.js';
import { HeaderCollector, type HeaderBlock } from './mime/header-block.js';
import { htmlToText } from './mime/html-text.js';
import { MarkerScanner } from './mime/marker.js';
import { PartsReader, type MultipartScanner } from './mime/multipart.js';
import { createTransferDecoder, normaliseTransferEncoding, type TransferDecoder } from './mime/transfer-decoding.js';
import { headerNdrSignal, isDeliveryStatusReport, isReadReceipt, parseDeliveryStatus } from './ndr.js';
import { LIMIT_WARNINGS, refuseSinkOptions, resolveOptions, type ParseOptions, type ResolvedOptions } from './options.js';
import { HeaderStripper } from './strip.js';
import { buildReport, isProtectedMessage, lineLimitMessage, type EmbeddedState, type EnvelopeCandidate, type EnvelopeCandidates, type NdrState } from './report.js';
import type { JournalReport, JournalWarning, NdrAction, WarningCode } from './types.js';

/** Options of {@link JournalParser}: the parse options plus where the archived bytes go. */
export interface JournalParserOptions extends ParseOptions {
  /**
   * Receives the archived message, in order, as views into the input chunks or into buffers the
   * parser owns; copy them if you keep them past the call.
   */
  onOutput?: (bytes: Uint8Array) => void;
}

/**
 * How a parser nested inside an NDR reports back to its parent: once, as early as it is known,
 * whether what it will archive is a journal report's original (`journal`) or not (`other`).
 * @internal
 */
interface NestedContext {
  nesting: number;
  /** The parent's options, as resolved when the parent was made. */
  options: ResolvedOptions;
  onContent(content: 'journal' | 'other'): void;
}

/** Sink for the body of one MIME entity. */
interface BodySink {
  write(bytes: Uint8Array): void;
  end(): void;
}

const NULL_SINK: BodySink = { write() {}, end() {} };

/** `instanceof Uint8Array`, false where asking throws (a revoked Proxy, found by review). */
function isBytes(value: unknown): value is Uint8Array {
  try {
    return value instanceof Uint8Array;
  } catch {
    return false;
  }
}

/**
 * What comes before the rpmsg media type when it is a part's Content-Type (folding allowed): the
 * field at the start of a line, so that the type quoted within a line of text (`> Content-Type:`,
 * `see Content-Type: …`) does not make a message protected.
 * @internal
 */
export const RPMSG_CONTENT_TYPE = /\ncontent-type:[ \t]*(?:\r?\n[ \t]+)?$/i;

/** Outlook/Exchange mark an IRM-protected message so; its attachment is named message.rpmsg. */
function isProtectedHeader(block: HeaderBlock): boolean {
  const cls = block.get('content-class')?.trim().toLowerCase();
  const ct = block.contentType();
  return cls === 'rpmsg.message' || (ct.type === 'application' && ct.subtype === 'x-microsoft-rpmsg-message');
}

/**
 * The push parser at the core of mailjournal: feed it bytes with {@link JournalParser.write}, call
 * {@link JournalParser.end}, get the report. The archived message streams out through
 * `onOutput` as the input arrives. It imports nothing from Node, buffers only header blocks,
 * the envelope and delivery-status parts and the bytes before the part it will archive, each
 * under a limit, and gives the same report and output bytes however the input is chunked.
 *
 * @example
 * const parser = new JournalParser({ onOutput: (b) => out.push(b) });
 * for (const chunk of chunks) parser.write(chunk);
 * const report = parser.end();
 */
export class JournalParser {
  private readonly opts: ResolvedOptions;
  private readonly onOutput: (bytes: Uint8Array) => void;
  private readonly nested: NestedContext | undefined;
  private readonly warnings: JournalWarning[] = [];
  private readonly top: EntityReader;
  private ended = false;
  /** Input bytes received so far (limit errors report it as their offset). */
  private offset = 0;

  // Output. 'pending': input bytes held until it is known what will be archived; 'passthrough':
  // every input byte is the output; 'selected': the output comes from one embedded message.
  private outMode: 'pending' | 'passthrough' | 'selected' = 'pending';
  /** The input, held while the output is undecided (see HeldBytes for what it costs). */
  private readonly pending = new HeldBytes();
  /**
   * An embedded message (or an NDR's returned message) that starts in time is on its way: the
   * held bytes are kept until it outputs its first byte, so an empty or unreadable one can
   * still fall back to archiving the input unchanged.
   */
  private awaitingOutput = false;

  // What the parse found.
  private detection: Detection = { kind: 'message', source: null, marker: null };
  private role: 'head' | 'message' | 'journal' | 'ndr' = 'head';
  private outer: HeaderBlock | undefined;
  private outerScanner: MultipartScanner | undefined;
  /** The text parts that may be the envelope part; the report chooses (see chooseEnvelope). */
  private readonly envelopes: EnvelopeCandidates = {};
  private embedded: EmbeddedState[] = [];
  private extraMessages = 0;
  private tnef = false;
  // Which embedded message is archived, and the first one held back for preferClearText.
  private selected: number | undefined;
  private holding: HeldBytes | undefined;
  /**
   * preferClearText: the first embedded message, not marked protected in its headers, outgrew
   * the hold and was archived; if its message.rpmsg attachment shows later, that is too late.
   */
  private releasedUnmarked = false;
  private ndr: NdrState | undefined;
  private contentResolved = false;
  /** Content key of a plain message or an NDR (journal reports key their embedded messages). */
  private topHasher: ContentHasher | undefined;
  /** onLimit 'throw': the BUFFER_LIMIT error, thrown by end() (see warn). */
  private bufferLimitError: LimitExceededError | undefined;

  /** A parser with these options; `options.onOutput` receives the archived bytes. */
  constructor(options?: JournalParserOptions);
  /** @internal A nested parser (an NDR's returned message), or a wrapper's own sink. */
  constructor(options: JournalParserOptions | undefined, nested: NestedContext | undefined, onOutput?: (bytes: Uint8Array) => void);
  constructor(
    options: JournalParserOptions = {},
    nested?: NestedContext,
    /**
     * @internal Takes the place of `options.onOutput`, so that a wrapper (parseJournal, the
     * adapters) need not copy the caller's options to add its own sink: a spread per small message
     * cost about 0.6 µs.
     */
    onOutput?: (bytes: Uint8Array) => void,
  ) {
    this.opts = nested?.options ?? resolveOptions(options);
    // Called by the user (no wrapper sink): `output` here would be dropped. A wrapper checks its own.
    if (onOutput === undefined && nested === undefined) refuseSinkOptions('JournalParser', options, ['onOutput']);
    const sink = onOutput ?? options.onOutput;
    if (sink !== undefined && typeof sink !== 'function') throw new TypeError('mailjournal: option onOutput must be a function');
    this.onOutput = sink ?? (() => {});
    this.nested = nested;
    this.top = new EntityReader(this, 0, 0);
  }

  /**
   * Feed the next chunk. Chunks must not be modified afterwards while the parser may hold them.
   * @throws {LimitExceededError} with `onLimit: 'throw'`, when a limit is crossed
   * @throws {InvalidInputError} when the chunk is not a Uint8Array
   * @throws {ParserStateError} after {@link JournalParser.end}, or after a call that threw
   *   midway (any error but a refused chunk ends the parse)
   */
  write(chunk: Uint8Array): void {
    if (this.failure !== undefined) throw this.afterFailure();
    if (this.ended) throw new ParserStateError('write() after end()');
    // Refused before anything is read: the parser is still whole and may take the next chunk.
    if (!isBytes(chunk)) throw new InvalidInputError(`write() takes a Uint8Array, got ${chunk === null ? 'null' : typeof chunk}`);
    if (chunk.length === 0) return;
    chunk = asNodeBuffer(chunk);
    try {
      this.offset += chunk.length;
      if (this.outMode === 'pending') {
        this.pending.push(chunk);
      } else if (this.outMode === 'passthrough') {
        this.onOutput(chunk);
      }
      this.top.write(chunk);
      this.checkBuffered();
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  /**
   * The error thrown by a write() or end() that failed midway (a limit, the output callback):
   * the parser's state is then whatever that call left, so every later call refuses.
   */
  private failure: unknown;

  private afterFailure(): ParserStateError {
    return new ParserStateError(`the parser failed earlier and cannot go on: ${messageOf(this.failure)}`, { cause: this.failure });
  }

  /**
   * Signal end of input and get the report.
   * @throws {ParserStateError} when called twice, or after a call that threw midway
   * @throws {LimitExceededError} with `onLimit: 'throw'`, for a limit crossed at the end, and for
   *   `maxBufferedBytes` when the part to archive did not start in time (see the README's Limits)
   */
  end(): JournalReport {
    if (this.failure !== undefined) throw this.afterFailure();
    if (this.ended) throw new ParserStateError('end() called twice');
    this.ended = true;
    try {
      return this.finish();
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  private finish(): JournalReport {
    this.top.end();
    if (this.role === 'journal' && this.outerScanner !== undefined && !this.outerScanner.closed) {
      this.warn('MIME_UNCLOSED', 'the journal report ends before its closing MIME boundary (truncated?)');
    }
    if (this.holding !== undefined) {
      // preferClearText, but no decrypted copy came: archive the first message after all. Only
      // a protected one is worth a warning; an ordinary original was held just in case.
      if (this.firstIsProtected()) this.warn('NO_CLEAR_TEXT', 'the protected original has no decrypted copy in the report; the protected original is archived');
      this.releaseHold();
    }
    if (this.ndr !== undefined && this.ndr.action === undefined) this.ndr.action = 'archive-unchanged';
    // The message to archive produced no byte: archive the input rather than nothing.
    if (this.outMode === 'pending' && this.awaitingOutput) this.onNothingToArchive();
    this.resolveContent('other');
    if (this.outMode === 'pending') this.flushPending();
    if (this.bufferLimitError !== undefined) throw this.bufferLimitError;
    return this.buildReport();
  }

  // ---- called by entity readers ------------------------------------------------------------

  /** @internal */
  get options(): ResolvedOptions {
    return this.opts;
  }

  /**
   * Record a warning; with `onLimit: 'throw'`, a crossed limit is a LimitExceededError instead.
   * @internal
   */
  warn(code: WarningCode, message: string): void {
    const limit = LIMIT_WARNINGS[code];
    if (limit !== undefined && this.opts.onLimit === 'throw') {
      const error = new LimitExceededError(limit, this.opts[limit] as number, this.offset, message);
      // BUFFER_LIMIT is noticed when a write() ends (checkBuffered), so where in the input that
      // happens depends on how the input was cut: thrown at once, it would pre-empt a limit that
      // a later byte of the same chunk crosses in one chunking and not in another. It is thrown
      // by end() instead, and until then the parser goes on as with 'warn' (the input streams out
      // unchanged), so that every chunking throws the same error: the first limit crossed while
      // reading, else this one.
      if (code !== 'BUFFER_LIMIT') throw error;
      this.bufferLimitError ??= error;
    }
    if (!this.warnings.some((w) => w.code === code && w.message === message)) this.warnings.push({ code, message });
  }

  /** Body sink for an entity whose headers are complete. @internal */
  openBody(block: HeaderBlock, depth: number, bodyOffset: number): BodySink {
    const ct = block.contentType();
    if (depth === 0) return this.openTopBody(block, ct, bodyOffset);
    if (ct.type === 'multipart') {
      if (depth >= this.opts.maxDepth) {
        this.warn('DEPTH_LIMIT', `multipart nesting deeper than maxDepth=${this.opts.maxDepth} was not searched`);
        return NULL_SINK;
      }
      // Nested multiparts (e.g. multipart/alternative) are searched for the envelope and the
      // delivery status, and an NDR's for its returned message; a journal report's embedded
      // messages count only at the first level.
      return this.multipartSink(ct, depth, bodyOffset);
    }
    const cte = normaliseTransferEncoding(block.get('content-transfer-encoding'));
    const isMessage = ct.type === 'message' && (ct.subtype === 'rfc822' || ct.subtype === 'global');
    if (this.role === 'ndr') {
      // At any depth: a gateway that adds a disclaimer wraps the whole multipart/report in a
      // multipart/mixed, and the journal report it returns must still be unwrapped.
      if (isMessage && this.ndr!.returned !== 'message') return this.openReturnedMessage(cte, bodyOffset);
      if (ct.type === 'message' && (ct.subtype === 'delivery-status' || ct.subtype === 'global-delivery-status') && this.ndr!.status === undefined) {
        return this.bufferedSink(cte, this.opts.maxEnvelopeBytes, (bytes) => {
          this.ndr!.status = parseDeliveryStatus(decodeCharset(bytes, undefined).text, this.opts.maxRecipients);
        });
      }
      if (ct.type === 'text' && ct.subtype === 'rfc822-headers' && this.ndr!.returned === 'none') this.ndr!.returned = 'headers';
      return NULL_SINK;
    }
    if (isMessage) {
      if (depth !== 1) return NULL_SINK;
      if (this.embedded.length >= 2) {
        this.extraMessages++;
        return NULL_SINK;
      }
      return this.openEmbedded(cte, bodyOffset);
    }
    if (depth === 1 && ((ct.type === 'application' && ct.subtype === 'ms-tnef') || /winmail\.dat/i.test(block.get('content-disposition') ?? '') || ct.params.name?.toLowerCase() === 'winmail.dat')) {
      this.tnef = true;
      return NULL_SINK;
    }
    if (ct.type === 'text' && (ct.subtype === 'plain' || ct.subtype === 'html') && this.seekingEnvelope()) {
      return this.envelopeSink(ct, cte);
    }
    return NULL_SINK;
  }

  /** The top-level header block is over the limit: no detection is possible. @internal */
  onTopHeaderOverflow(): void {
    this.warn('HEADER_LIMIT', `the header block exceeds maxHeaderBytes=${this.opts.maxHeaderBytes}; treated as a plain message and archived unchanged`);
    this.role = 'message';
    this.resolveContent('other');
    this.startPassthrough();
  }

  /** Tell a parent NDR what this parser archives; a parent decides before any output of ours. */
  private resolveContent(content: 'journal' | 'other'): void {
    if (this.contentResolved) return;
    this.contentResolved = true;
    this.nested?.onContent(content);
  }

  private openTopBody(block: HeaderBlock, ct: ContentType, bodyOffset: number): BodySink {
    this.outer = block;
    this.detection = detectFromBlock(block);
    if (this.detection.kind === 'journal-report') {
      this.role = 'journal';
      this.resolveContent('journal');
      if (ct.type !== 'multipart' || ct.boundary === undefined) {
        this.warn('MIME_NOT_MULTIPART', 'the journal report is not a multipart message: no original can be taken out of it (a text body is read as the envelope); archived unchanged');
        this.startPassthrough();
        // A body that is text may be the envelope on its own (a report whose original was
        // dropped, flattened on the way): its Sender and recipients are still the facts.
        return ct.type === 'text' && (ct.subtype === 'plain' || ct.subtype === 'html') ? this.envelopeSink(ct, normaliseTransferEncoding(block.get('content-transfer-encoding'))) : NULL_SINK;
      }
      return this.multipartSink(ct, 0, bodyOffset);
    }
    // Not a journal report (a journal report is never an NDR container, even with the NDR
    // marker Exchange copies onto it). An NDR? Read receipts are reports too, but not NDRs.
    const structural = isDeliveryStatusReport(ct);
    const signal = isReadReceipt(ct) ? undefined : headerNdrSignal(block);
    const hasher = this.newHasher();
    hasher?.begin(block);
    this.topHasher = hasher;
    if (!structural && signal === undefined) {
      this.role = 'message';
      this.resolveContent('other');
      this.startPassthrough();
      return hasher ? { write: (b) => hasher.write(b), end: () => {} } : NULL_SINK;
    }
    // An NDR: what it archives is known once its returned message is (see decideNdr).
    this.role = 'ndr';
    this.ndr = { headerSignal: signal, structural, hasNdrHeader: block.has('x-ms-exchange-message-is-ndr'), returned: 'none', awaitingChild: false };
    if (ct.type !== 'multipart' || ct.boundary === undefined) {
      this.ndr.action = 'archive-unchanged';
      this.resolveContent('other');
      this.startPassthrough();
      return hasher ? { write: (b) => hasher.write(b), end: () => {} } : NULL_SINK;
    }
    const parts = this.multipartSink(ct, 0, bodyOffset);
    if (!hasher) return parts;
    return {
      write: (b) => {
        hasher.write(b);
        parts.write(b);
      },
      end: () => parts.end(),
    };
  }

  private newHasher(): ContentHasher | undefined {
    return this.opts.dedupKeys ? new ContentHasher(this.opts.maxHeaderBytes, this.opts.maxDepth, this.opts.maxLineBytes, this.opts.maxParts) : undefined;
  }

  private multipartSink(ct: ContentType, depth: number, bodyOffset: number): BodySink {
    if (ct.boundary === undefined) return NULL_SINK;
    const reader = new MultipartReader(this, ct.boundary, depth, bodyOffset);
    if (depth === 0) this.outerScanner = reader.scanner;
    return reader;
  }

  /** Collect a part's decoded body under a limit and hand it over at its end. */
  private bufferedSink(cte: string, max: number, done: (bytes: Uint8Array, truncated: boolean) => void): BodySink {
    return new BufferedBody(createTransferDecoder(cte), max, done);
  }

  /** Whether a text part could still be the envelope part (see chooseEnvelope). */
  private seekingEnvelope(): boolean {
    const { first, withId } = this.envelopes;
    return first === undefined || (!first.parsed.messageId && withId === undefined);
  }

  private envelopeSink(ct: ContentType, cte: string): BodySink {
    return this.bufferedSink(cte, this.opts.maxEnvelopeBytes, (bytes, truncated) => {
      if (!this.seekingEnvelope()) return;
      const { text, known, ascii } = decodeCharset(bytes, ct.charset);
      let plain = ct.subtype === 'html' ? htmlToText(text) : text;
      // Cut at maxEnvelopeBytes: the last line is whatever part of it fitted (`eve@contoso.com`
      // of `eve@contoso.com.au`), so it is dropped rather than read as an address.
      if (truncated) plain = plain.slice(0, plain.lastIndexOf('\n') + 1);
      const parsed = this.detection.source === 'exchange-2003' ? parseEnvelope2003(plain) : parseEnvelope(plain);
      const candidate: EnvelopeCandidate = {
        parsed,
        part: { contentType: `${ct.type}/${ct.subtype}`, charset: ct.charset ?? null, transferEncoding: cte },
        truncated,
        charsetKnown: known,
        // HTML entities may stand for any character: only a plain-text part is known ASCII.
        ascii: ascii && ct.subtype !== 'html',
      };
      const found = this.envelopes;
      if (parsed.sender !== undefined) {
        // Microsoft's parser takes the first text part that yields a Sender line (and, when the
        // original has no Message-ID, a Message-ID: see chooseEnvelope).
        if (found.first === undefined) found.first = candidate;
        else if (parsed.messageId) found.withId = candidate;
      } else if (found.fallback === undefined && (parsed.recipients.length > 0 || parsed.messageId !== undefined)) {
        // Kept in case no part has a Sender line: a broken envelope still names recipients.
        found.fallback = candidate;
      }
      if (truncated && parsed.sender === undefined) found.cut ??= candidate;
    });
  }

  /**
   * An embedded message of a journal report: the original, or (journal report decryption) the
   * decrypted copy that follows a protected original.
   */
  private openEmbedded(cte: string, bodyOffset: number): BodySink {
    const index = this.embedded.length;
    if (index === 0 && this.outMode === 'pending' && bodyOffset <= this.opts.maxBufferedBytes) this.awaitingOutput = true;
    if (index === 1 && this.holding !== undefined) {
      // A first message still held is protected (one that is not was released at its end): the
      // clear copy the caller prefers is archived. The held protected original is dropped once
      // the copy has produced a byte, and archived after all if the copy turns out unusable.
      this.selected = 1;
    }
    // The protected attachment's media type as a part's Content-Type, not its file name and not
    // the type quoted in some text: a message that merely mentions either is not protected.
    const rpmsg = new MarkerScanner('application/x-microsoft-rpmsg-message', RPMSG_CONTENT_TYPE);
    const state: EmbeddedState = {
      stripper: new HeaderStripper(
        this.opts.removeHeaders,
        this.opts.maxHeaderBytes,
        (b) => this.emitEmbedded(index, b),
        bodyOffset,
        (block) => {
          // The content key starts from the block parsed here, not from a second parse.
          state.hasher?.begin(block);
          this.onEmbeddedHeaders(index, block);
        },
        (body) => state.hasher?.write(body),
      ),
      transferEncoding: cte,
      decoder: createTransferDecoder(cte),
      protectedHeader: false,
      headerOverflow: false,
      rpmsg,
      hasher: this.newHasher(),
    };
    this.embedded.push(state);
    const decoder: TransferDecoder | undefined = state.decoder;
    const strip = (f: () => void): void => {
      if (state.headerOverflow) return;
      try {
        f();
      } catch (e) {
        // Only the stripper's own limit, while it still collects the header block: a limit that
        // onLimit: 'throw' raises from the output path (the preferClearText hold, say) is not a
        // header overflow and goes to the caller as it is.
        if (!(e instanceof LimitExceededError) || state.stripper.block !== undefined) throw e;
        this.onEmbeddedHeaderOverflow(index);
      }
    };
    const push = (b: Uint8Array): void => {
      rpmsg.write(b);
      strip(() => state.stripper.write(b));
    };
    return {
      write: (b) => (decoder ? decoder.write(b, push) : push(b)),
      end: () => {
        decoder?.end(push);
        strip(() => state.stripper.end());
        // preferClearText held the first message in case it was protected; now that all of it
        // has been seen, one that is not is archived at once (an empty one falls back below).
        if (index === 0 && this.holding !== undefined && !this.firstIsProtected()) this.releaseHold();
        if (index === 0) this.warnIfProtectedTooLate();
        // The message chosen for the output ended without a byte: fall back now, not at the end
        // of the input, so that nothing more piles up in the held bytes.
        if (index === 1 && this.selected === 1 && this.holding !== undefined) this.onClearCopyUnusable();
        else if (this.outMode === 'pending' && this.awaitingOutput && this.holding === undefined && (index === 0 || this.selected === index)) this.onNothingToArchive();
      },
    };
  }

  /** The decrypted copy gave nothing to archive: the held protected original is archived. */
  private onClearCopyUnusable(): void {
    this.warn('NO_CLEAR_TEXT', 'the decrypted copy is empty or unreadable; the protected original is archived');
    this.releaseHold();
  }

  /** The message to archive is empty: archive the input unchanged, say so. */
  private onNothingToArchive(): void {
    this.warn('EMBEDDED_EMPTY', 'the message to archive is empty; the input is archived unchanged');
    if (this.ndr !== undefined) this.ndr.action = 'archive-unchanged';
    this.selected = undefined;
    this.flushPending();
  }

  /**
   * The embedded message's header block is too large to remove the BCC headers from. If it was
   * to be archived, archive the whole input unchanged instead (nothing is lost; the report says
   * so); otherwise only its report facts are missing.
   */
  private onEmbeddedHeaderOverflow(index: number): void {
    this.embedded[index]!.headerOverflow = true;
    // Its headers were never read: no content key rather than the key of an empty message.
    this.embedded[index]!.hasher = undefined;
    this.warn('ORIGINAL_HEADER_LIMIT', `an embedded message's header block exceeds maxHeaderBytes=${this.opts.maxHeaderBytes}; its headers could not be read or removed`);
    if (index === 1 && this.selected === 1 && this.holding !== undefined) {
      this.onClearCopyUnusable();
      return;
    }
    // Only a message that was going to be archived changes the output; otherwise the usual
    // maxBufferedBytes rule decides, at an offset that does not depend on chunking.
    const wasCandidate = this.outMode === 'pending' && this.awaitingOutput && (index === 0 || this.selected === index);
    if (!wasCandidate) return;
    this.selected = undefined;
    this.holding = undefined;
    this.awaitingOutput = false;
    this.flushPending();
  }

  private onEmbeddedHeaders(index: number, block: HeaderBlock): void {
    const state = this.embedded[index]!;
    state.protectedHeader = isProtectedHeader(block);
    if (index !== 0 || !this.awaitingOutput) return;
    // preferClearText holds the first message back whether or not its headers mark it protected:
    // protection may show only in its body (a message.rpmsg attachment), after its headers.
    if (this.opts.preferClearText) this.holding = new HeldBytes();
    else this.selected = 0;
  }

  /** Whether the first embedded message is protected, as far as its bytes seen so far tell. */
  private firstIsProtected(): boolean {
    const first = this.embedded[0];
    return first !== undefined && isProtectedMessage(first);
  }

  /** The first message outgrew the hold before its protection showed: say so, once. */
  private warnIfProtectedTooLate(): void {
    if (!this.releasedUnmarked || !this.firstIsProtected()) return;
    this.releasedUnmarked = false;
    this.warn('CLEAR_TEXT_TOO_LATE', `the protected original exceeds maxBufferedBytes=${this.opts.maxBufferedBytes}; it is archived, not a decrypted copy`);
  }

  private emitEmbedded(index: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.selected === index) {
      if (index === 1) this.holding = undefined;
      this.commitOutput();
      if (this.outMode === 'selected') this.onOutput(bytes);
      return;
    }
    if (index !== 0 || this.holding === undefined) return;
    // The protected original has bytes, so the input itself will not be archived: stop holding it.
    this.commitOutput();
    this.holding.push(bytes);
    // The hold is bounded: past the limit the protected original is archived after all.
    if (this.holding.size > this.opts.maxBufferedBytes) {
      // Said when it happens for a message known to be protected (whether or not a decrypted
      // copy follows), so it is never missed; for one not known to be, when protection shows.
      if (this.firstIsProtected()) this.warn('CLEAR_TEXT_TOO_LATE', `the protected original exceeds maxBufferedBytes=${this.opts.maxBufferedBytes}; it is archived, not a decrypted copy`);
      else this.releasedUnmarked = true;
      this.releaseHold();
    }
  }

  private releaseHold(): void {
    const held = this.holding!;
    this.holding = undefined;
    this.selected = 0;
    for (const b of held.drain()) this.emitEmbedded(0, b);
  }

  /** The first archived byte is here: the held input is no longer needed. */
  private commitOutput(): void {
    if (this.outMode !== 'pending' || !this.awaitingOutput) return;
    this.pending.clear();
    this.outMode = 'selected';
    this.awaitingOutput = false;
  }

  /** The message an NDR returns: parsed by a nested parser, which may be a journal report. */
  private openReturnedMessage(cte: string, bodyOffset: number): BodySink {
    const ndr = this.ndr!;
    ndr.returned = 'message';
    const nesting = (this.nested?.nesting ?? 0) + 1;
    if (nesting > this.opts.maxNesting) {
      this.warn('NESTING_LIMIT', `messages nested deeper than maxNesting=${this.opts.maxNesting} are not unwrapped; the NDR is archived unchanged`);
      ndr.action = 'archive-unchanged';
      this.resolveContent('other');
      this.startPassthrough();
      return NULL_SINK;
    }
    // Wait for the returned message's headers before deciding, if its body starts in time.
    ndr.awaitingChild = this.outMode === 'pending' && bodyOffset <= this.opts.maxBufferedBytes;
    this.awaitingOutput = ndr.awaitingChild;
    const child = new JournalParser(
      {
        onOutput: (b) => {
          if (b.length === 0 || ndr.action === undefined || ndr.action === 'archive-unchanged') return;
          this.commitOutput();
          if (this.outMode === 'selected') this.onOutput(b);
        },
      },
      { nesting, options: this.opts, onContent: (c) => this.decideNdr(c) },
    );
    const decoder = createTransferDecoder(cte);
    // A limit the child crosses is reported at this parser's input offset, not the child's.
    const inChild = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw e instanceof LimitExceededError ? e.atOffset(this.offset) : e;
      }
    };
    return {
      write: (b) => inChild(() => (decoder ? decoder.write(b, (d) => child.write(d)) : child.write(b))),
      end: () => {
        inChild(() => decoder?.end((d) => child.write(d)));
        ndr.childReport = inChild(() => child.end());
        if (this.outMode === 'pending' && this.awaitingOutput) this.onNothingToArchive();
      },
    };
  }

  /**
   * MailStore's NDR rules. Journal endpoint: an NDR with X-MS-Exchange-Message-Is-Ndr archives
   * the attached message; any NDR that carries a journal report archives that report, processed
   * as one (journal information is never thrown away); other NDRs are archived unchanged.
   * Mailbox archiving: only an NDR carrying a journal report is unwrapped.
   */
  private decideNdr(content: 'journal' | 'other'): void {
    const ndr = this.ndr!;
    if (ndr.action !== undefined) return;
    const journal = content === 'journal';
    let action: NdrAction = 'archive-unchanged';
    if (journal) action = 'archive-journal-report';
    else if (this.opts.mode === 'endpoint' && ndr.hasNdrHeader) action = 'archive-attached';
    if (!ndr.awaitingChild) {
      // Started past the limit: said whatever the action would have been, since with other
      // chunk sizes checkBuffered says it before the returned message is even seen.
      this.warn('BUFFER_LIMIT', `the returned message does not start within maxBufferedBytes=${this.opts.maxBufferedBytes}; the NDR is archived unchanged`);
      action = 'archive-unchanged';
    }
    ndr.awaitingChild = false;
    ndr.action = action;
    this.resolveContent(action === 'archive-journal-report' ? 'journal' : 'other');
    if (action === 'archive-unchanged') {
      this.awaitingOutput = false;
      this.startPassthrough();
    }
  }

  private startPassthrough(): void {
    if (this.outMode !== 'pending') return;
    this.flushPending();
  }

  private flushPending(): void {
    const held = this.pending.drain();
    this.outMode = 'passthrough';
    this.awaitingOutput = false;
    for (const c of held) this.onOutput(c);
  }

  /**
   * Give up on the part to archive once every byte up to maxBufferedBytes has been looked at
   * without it starting. Measured on absolute offsets (not on what happens to be buffered), so
   * the decision does not depend on chunking.
   */
  private checkBuffered(): void {
    if (this.outMode !== 'pending' || this.outerScanner === undefined || this.awaitingOutput) return;
    if (this.outerScanner.processedOffset > this.opts.maxBufferedBytes) {
      const what = this.role === 'ndr' ? 'the returned message' : 'the original';
      this.warn('BUFFER_LIMIT', `${what} does not start within maxBufferedBytes=${this.opts.maxBufferedBytes}; the ${this.role === 'ndr' ? 'NDR' : 'report'} is archived unchanged`);
      if (this.ndr !== undefined) this.ndr.action = 'archive-unchanged';
      this.resolveContent('other');
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
        embedded: this.embedded,
        selected: this.outMode === 'selected' ? this.selected : undefined,
        outputContent: this.outMode === 'selected' && this.role === 'journal' ? 'original' : 'unchanged',
        envelopes: this.envelopes,
        notMultipart: this.role === 'journal' && this.outerScanner === undefined,
        extraMessages: this.extraMessages,
        tnef: this.tnef,
        ndr: this.ndr,
        topContentKey: this.topHasher?.end(),
        topHasher: this.topHasher,
        warn: (code, message) => this.warn(code, message),
        hasWarning: (code) => this.warnings.some((w) => w.code === code),
      },
      this.warnings,
    );
  }
}

/** A multipart body: each part becomes an {@link EntityReader} one level down. @internal */
class MultipartReader extends PartsReader<EntityReader> implements BodySink {
  constructor(
    private readonly parser: JournalParser,
    boundary: string,
    private readonly depth: number,
    bodyOffset: number,
  ) {
    super(boundary, parser.options.maxLineBytes, bodyOffset);
  }

  onPartStart(offset: number): void {
    this.part = new EntityReader(this.parser, this.depth + 1, offset);
  }

  onLongDelimiterLine(): void {
    this.parser.warn('LINE_LIMIT', lineLimitMessage(this.parser.options.maxLineBytes));
  }
}

/**
 * A part's decoded body collected under a limit and handed to `done` at its end. A part that
 * comes as one piece (the usual case when the input is in memory or read in large chunks) is held
 * as that view, not copied: the input chunks and the decoders' output are never modified
 * afterwards.
 * @internal
 */
class BufferedBody implements BodySink {
  private single: Uint8Array | undefined;
  private readonly buf = new ByteBuffer();
  private size = 0;
  private truncated = false;
  /** The decoder's sink, made once when there is a decoder. */
  private readonly sink: ((bytes: Uint8Array) => void) | undefined;

  constructor(
    private readonly decoder: TransferDecoder | undefined,
    private readonly max: number,
    private readonly done: (bytes: Uint8Array, truncated: boolean) => void,
  ) {
    if (decoder !== undefined) this.sink = (b) => this.add(b);
  }

  write(bytes: Uint8Array): void {
    if (this.decoder === undefined) this.add(bytes);
    else this.decoder.write(bytes, this.sink!);
  }

  end(): void {
    this.decoder?.end(this.sink!);
    this.done(this.single ?? this.buf.view(), this.truncated);
  }

  private add(bytes: Uint8Array): void {
    if (this.truncated || bytes.length === 0) return;
    let piece = bytes;
    if (this.size + piece.length > this.max) {
      piece = piece.subarray(0, this.max - this.size);
      this.truncated = true;
    }
    this.size += piece.length;
    if (this.single === undefined && this.buf.length === 0) {
      this.single = piece;
      return;
    }
    if (this.single !== undefined) {
      this.buf.append(this.single);
      this.single = undefined;
    }
    this.buf.append(piece);
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
