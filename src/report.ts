import { addressKey, normaliseMessageId, parseAddressList, testPattern } from './address.js';
import { readDelivery } from './delivery.js';
import type { Detection } from './detect.js';
import type { ParsedEnvelope } from './exchange/envelope.js';
import { addEnvelopeRecipients } from './exchange/recipients.js';
import { listPart, type HeaderBlock } from './mime/header-block.js';
import { LIMIT_WARNINGS, type ResolvedOptions } from './options.js';
import { RecipientList, VisibleTypes } from './recipients.js';
import { messageIdKey, type ContentHasher } from './dedup.js';
import type { MarkerScanner } from './mime/marker.js';
import type { TransferDecoder } from './mime/transfer-decoding.js';
import type { DeliveryStatus } from './ndr.js';
import type { HeaderStripper } from './strip.js';
import type { Envelope, JournalReport, MessageInfo, NdrAction, NdrSignal, RecipientFact, RecipientType, Rendition, TrustLevel, WarningCode, WrapperInfo } from './types.js';

/** An envelope part that was read, with how it was found. @internal */
export interface EnvelopeCandidate {
  parsed: ParsedEnvelope;
  part: Envelope['part'];
  truncated: boolean;
  /** The part's charset was known (else it was decoded as UTF-8/Latin-1: CHARSET_UNKNOWN). */
  charsetKnown: boolean;
  /** The envelope text is ASCII (see decodeCharset): its addresses have ASCII domains. */
  ascii: boolean;
}

/** The text parts of a journal report that may be its envelope part. @internal */
export interface EnvelopeCandidates {
  /** The first with a Sender line. */
  first?: EnvelopeCandidate;
  /** When `first` has no Message-ID: the first later one with a Sender line and a Message-ID. */
  withId?: EnvelopeCandidate;
  /** Without any Sender line: the first that names recipients or a Message-ID. */
  fallback?: EnvelopeCandidate;
  /**
   * The first part cut at maxEnvelopeBytes without a Sender line in what fitted: its Sender (and
   * any recipients after the cut) may lie beyond the limit.
   */
  cut?: EnvelopeCandidate;
}

/**
 * The envelope part, as Microsoft's parser chooses it: the first text part with a Sender line;
 * but when it has no Message-ID and neither has the original (`inner`), the first later part
 * with both (it needs a Message-ID for the original from one or the other). An empty
 * `Message-Id:` line gives no Message-ID.
 */
function chooseEnvelope(c: EnvelopeCandidates, inner: HeaderBlock | undefined): EnvelopeCandidate | undefined {
  if (c.first === undefined) return c.fallback;
  if (c.first.parsed.messageId || c.withId === undefined) return c.first;
  return inner?.get('message-id')?.trim() ? c.first : c.withId;
}

/** One embedded message of a journal report as the pass saw it. @internal */
export interface EmbeddedState {
  stripper: HeaderStripper;
  transferEncoding: string;
  decoder: TransferDecoder | undefined;
  /** Marked protected in its own headers (Content-Class: rpmsg.message). */
  protectedHeader: boolean;
  /** Its header block exceeded maxHeaderBytes: nothing of it was stripped or read. */
  headerOverflow: boolean;
  /** Watches its bytes for an application/x-microsoft-rpmsg-message part (the message.rpmsg attachment). */
  rpmsg: MarkerScanner;
  /** Its content key, when keys are on. */
  hasher: ContentHasher | undefined;
}

/**
 * Whether an embedded message is IRM-protected: marked so in its own headers, or holding an
 * application/x-microsoft-rpmsg-message part (the message.rpmsg attachment). A part needs a
 * multipart message: in any other body the type can only be quoted text. @internal
 */
export function isProtectedMessage(e: EmbeddedState): boolean {
  return e.protectedHeader || (e.rpmsg.found && e.stripper.block?.contentType().type === 'multipart');
}

/**
 * The LINE_LIMIT warning, one text for the parser's reading and the content key's (so that the
 * two give one warning). The padding is too long for a delimiter line; whether the line would
 * otherwise have been one is not looked at. @internal
 */
export function lineLimitMessage(max: number): string {
  return `a line that starts like a MIME delimiter has more than maxLineBytes=${max} bytes of padding after the boundary; it was read as body text`;
}

/** What the pass learnt about an NDR. @internal */
export interface NdrState {
  /** Strongest header signal, if any. */
  headerSignal: NdrSignal | undefined;
  /** multipart/report; report-type=delivery-status. */
  structural: boolean;
  /** X-MS-Exchange-Message-Is-Ndr is present (decides MailStore's endpoint rule). */
  hasNdrHeader: boolean;
  returned: 'message' | 'headers' | 'none';
  /** The returned message started in time: the decision waits for its headers. */
  awaitingChild: boolean;
  status?: DeliveryStatus;
  action?: NdrAction;
  childReport?: JournalReport;
}

/** Everything the streaming pass found, handed to {@link buildReport}. @internal */
export interface ParseState {
  opts: ResolvedOptions;
  detection: Detection;
  /** Top-level header block (undefined only when it overflowed). */
  outer: HeaderBlock | undefined;
  /** Embedded messages of a journal report, in order (at most two are read). */
  embedded: EmbeddedState[];
  /** Index of the archived embedded message, if the output is one. */
  selected: number | undefined;
  outputContent: 'original' | 'unchanged';
  /** The envelope part with a Sender line, else the best part without one. */
  envelopes: EnvelopeCandidates;
  notMultipart: boolean;
  extraMessages: number;
  /** A TNEF (winmail.dat) part was seen at the first level. */
  tnef: boolean;
  ndr: NdrState | undefined;
  /** Content key of a plain message or an NDR, when keys are on. */
  topContentKey: string | undefined;
  /** The hasher of that key (its limits are reported), undefined when keys are off. */
  topHasher: ContentHasher | undefined;
  warn(code: WarningCode, message: string): void;
  hasWarning(code: WarningCode): boolean;
}

/** Turn what the pass found into the report. @internal */
export function buildReport(s: ParseState, warnings: JournalReport['warnings']): JournalReport {
  const report = buildUnsorted(s, warnings);
  // Warnings are sorted so that the report does not depend on when, in the stream, each was noticed.
  report.warnings.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return report;
}

function buildUnsorted(s: ParseState, warnings: JournalReport['warnings']): JournalReport {
  const hashers = [s.topHasher, ...s.embedded.map((e) => e.hasher)];
  if (hashers.some((h) => h?.partLimited)) {
    s.warn('PART_LIMIT', `a message has more than maxParts=${s.opts.maxParts} MIME parts; the content key hashed the rest as raw bytes`);
  }
  if (hashers.some((h) => h?.lineLimited)) s.warn('LINE_LIMIT', lineLimitMessage(s.opts.maxLineBytes));
  // Found by an audit: such a part in the message the key reads changed the key without a word,
  // and onLimit 'throw' did not throw.
  // Said once: the top hasher reads the input the parser reads itself (an NDR kept whole), whose
  // parts the parser named already; an embedded message's parts only the hasher reads.
  const topLimited = s.topHasher?.headerLimited === true && !s.hasWarning('PART_HEADER_LIMIT');
  if (topLimited || s.embedded.some((e) => e.hasher?.headerLimited)) {
    s.warn('PART_HEADER_LIMIT', `a MIME part header block of a message exceeds maxHeaderBytes=${s.opts.maxHeaderBytes}; the content key hashed that part as raw bytes`);
  }
  if (hashers.some((h) => h?.depthLimited)) {
    s.warn('DEPTH_LIMIT', `a message nests multiparts deeper than maxDepth=${s.opts.maxDepth}; the content key hashed the deeper ones as leaves`);
  }
  for (const e of s.embedded) {
    if (e.decoder?.irregular) s.warn('TRANSFER_ENCODING_IRREGULAR', `an embedded message's ${e.transferEncoding} encoding had invalid bytes; they were skipped`);
  }
  if (s.detection.kind === 'journal-report') return journalReport(s, warnings);
  if (s.ndr !== undefined) return ndrReport(s, s.ndr, warnings);
  return messageReport(s, warnings, true);
}

function ndrReport(s: ParseState, ndr: NdrState, warnings: JournalReport['warnings']): JournalReport {
  const action = ndr.action ?? 'archive-unchanged';
  const child = ndr.childReport;
  const unwrapped = action !== 'archive-unchanged' && child !== undefined;
  if (!unwrapped && ndr.returned === 'headers') {
    s.warn('NDR_HEADERS_ONLY', 'the NDR returns only the headers of the failed message (text/rfc822-headers): its content is gone; the NDR is archived unchanged');
  }
  const base = unwrapped ? child : messageReport(s, [], false);
  if ((ndr.status?.dropped ?? 0) > 0) s.warn('RECIPIENT_LIMIT', `${ndr.status!.dropped} delivery-status recipient(s) past maxRecipients=${s.opts.maxRecipients} were not listed`);
  const merged = [...warnings];
  // An NDR archived unchanged keeps its returned message's limit warnings: a limit met in there
  // (maxNesting, say) may be why the NDR was not unwrapped.
  const childLimits = !unwrapped && child !== undefined ? child.warnings.filter((w) => LIMIT_WARNINGS[w.code] !== undefined) : [];
  for (const w of [...base.warnings, ...childLimits]) if (!merged.some((m) => m.code === w.code && m.message === w.message)) merged.push(w);
  // The README's order: status part, Exchange's marker, the report type, then the weak signals.
  const signal: NdrSignal =
    ndr.structural && ndr.status !== undefined
      ? 'delivery-status'
      : ndr.headerSignal === 'exchange-ndr-header' || !ndr.structural
        ? (ndr.headerSignal ?? 'report-type')
        : 'report-type';
  return {
    ...base,
    kind: 'ndr',
    // The unwrapped journal report's own "unchanged" (no usable original) means its bytes as they
    // came, which for the NDR is the attached message.
    output: { content: action === 'archive-unchanged' ? 'unchanged' : action === 'archive-journal-report' && base.output.content === 'original' ? 'original' : 'attached' },
    ndr: {
      signal,
      action,
      mode: s.opts.mode,
      chain: unwrapped ? ['ndr', ...(child.ndr?.chain ?? [child.kind])] : ['ndr'],
      returned: ndr.returned,
      reportingMta: ndr.status?.reportingMta ?? null,
      deliveryStatus: ndr.status?.recipients ?? [],
    },
    warnings: merged,
  };
}

function messageReport(s: ParseState, warnings: JournalReport['warnings'], warnBcc: boolean): JournalReport {
  const block = s.outer;
  const message = messageInfo(block);
  const list = new RecipientList(s.opts.maxRecipients);
  const delivery = block ? readDelivery(block, s.opts.archiveAddresses) : undefined;
  if (delivery && delivery.source !== 'headers') {
    // A routing or delivered copy: who it was delivered to is known, BCC included.
    addHeaderRecipients(list, block!, [['To', 'to'], ['Cc', 'cc']]);
    const visible = new VisibleTypes(block);
    for (const f of delivery.facts) {
      // A mailbox rewritten from another address takes that address's type, as a Forwarded: line.
      const fact: RecipientFact = { source: 'delivery-header', field: f.field, type: visible.of(f.forwarded) ?? visible.infer(f.address), inferred: true };
      if (f.forwarded !== undefined) fact.forwarded = f.forwarded;
      list.add(f.address, fact);
    }
  } else if (block && !block.fields.some((f) => f.key !== '')) {
    // Nothing that reads as a header field (an empty file, a PDF or a ZIP in a batch folder):
    // archived unchanged as any input is, but said, so that a caller can tell it from mail
    // (found by an audit: only BCC_UNKNOWN was said, as for any message).
    s.warn('NO_HEADER_FIELDS', 'the message has no header field: it is empty, or no mail message');
  } else if (block) {
    addHeaderRecipients(list, block, [
      ['To', 'to'],
      ['Cc', 'cc'],
      ['Bcc', 'bcc'],
      ['Resent-To', 'to'],
      ['Resent-Cc', 'cc'],
      ['Resent-Bcc', 'bcc'],
    ]);
    if (warnBcc) s.warn('BCC_UNKNOWN', 'a plain message: recipients come from its headers, so blind (BCC) recipients cannot be known');
  }
  if (list.dropped > 0) s.warn('RECIPIENT_LIMIT', `${list.dropped} recipient(s) past maxRecipients=${s.opts.maxRecipients} were dropped`);
  return {
    kind: 'message',
    source: delivery?.source ?? 'headers',
    marker: null,
    defective: false,
    trust: null,
    envelope: null,
    delivery: delivery && delivery.headers.length > 0 ? { sender: delivery.sender, headers: delivery.headers } : null,
    recipients: list.list(),
    message,
    wrapper: null,
    renditions: [],
    ndr: null,
    dedup: keysOf(s, message.messageId, s.topContentKey ?? null),
    output: { content: 'unchanged' },
    warnings,
  };
}

function keysOf(s: ParseState, messageId: string | null, contentKey: string | null): JournalReport['dedup'] {
  if (!s.opts.dedupKeys) return { messageIdKey: null, contentKey: null };
  return { messageIdKey: messageIdKey(messageId) ?? null, contentKey };
}

function journalReport(s: ParseState, warnings: JournalReport['warnings']): JournalReport {
  const shown = s.embedded[s.selected ?? 0];
  const inner = shown?.stripper.block;
  const message = messageInfo(inner);
  // The header removal applies only when the output is the shown original.
  const stripped = s.selected !== undefined && s.outputContent === 'original' ? shown!.stripper : undefined;
  message.removedHeaders = stripped !== undefined ? [...stripped.removed] : [];
  const kept = stripped?.notRemoved;
  if (kept !== undefined) {
    s.warn('HEADER_NOT_REMOVED', `the original breaks header lines with bare CRs, which are no line breaks: ${kept} could not be removed on its own and is in the archived output`);
  }
  message.transferEncoding = shown?.transferEncoding ?? null;
  const renditions = renditionsOf(s);
  const outer = s.outer;
  const { trust, matched } = trustOf(s.opts, outer);
  const wrapper: WrapperInfo = {
    messageId: outer?.get('message-id')?.trim() || null,
    from: outer?.addresses('from')[0] ?? null,
    subject: outer?.getDecoded('subject') ?? null,
    parentMessageId: outer?.get('x-ms-exchange-parent-message-id')?.trim() || null,
    to: outer ? [...outer.addresses('to')] : [],
    cc: outer ? [...outer.addresses('cc')] : [],
    journalSender: matched ?? null,
  };
  if (trust === 'untrusted') s.warn('JOURNAL_UNTRUSTED', 'the journal wrapper does not come from a trusted journal sender; its envelope must not be used for assignment');

  // A report that is not multipart has one root cause; it is not also reported as "no envelope"
  // and "no original".
  let defective = s.notMultipart || s.hasWarning('MIME_UNCLOSED') || s.hasWarning('EMBEDDED_EMPTY') || s.hasWarning('ORIGINAL_HEADER_LIMIT');
  if (s.embedded.length === 0 && !s.notMultipart) {
    defective = true;
    if (s.tnef) s.warn('ORIGINAL_TNEF', 'the original is attached TNEF-encapsulated (application/ms-tnef, winmail.dat), not as message/rfc822; the whole report is archived unchanged');
    else s.warn('ORIGINAL_MISSING', 'the journal report has no message/rfc822 part; the whole report is archived unchanged');
  }
  const extra = s.extraMessages + (s.embedded.length > 1 && renditions[1]!.role !== 'decrypted' ? 1 : 0);
  if (extra > 0) s.warn('EXTRA_MESSAGE', `${extra} further message/rfc822 part(s) after the original were not archived`);

  const list = new RecipientList(s.opts.maxRecipients);
  let envelope: Envelope | null = null;
  const chosen = chooseEnvelope(s.envelopes, inner);
  // No Sender line anywhere, but a part was cut at the limit: the envelope may be that part (an
  // HTML one whose <head> fills the limit, say), so the limit is named rather than a missing
  // envelope, and with onLimit 'throw' it throws, as a cut envelope does.
  const cutUnread = s.envelopes.cut !== undefined && chosen?.parsed.sender === undefined && chosen?.truncated !== true;
  if (cutUnread) {
    defective = true;
    s.warn('ENVELOPE_TRUNCATED', `a text part exceeds maxEnvelopeBytes=${s.opts.maxEnvelopeBytes} and names no Sender within it; the envelope may lie beyond the limit`);
  }
  if (chosen === undefined) {
    defective = true;
    if (!s.notMultipart && !cutUnread) s.warn('ENVELOPE_MISSING', 'no envelope part was found');
  } else {
    if (!chosen.charsetKnown) s.warn('CHARSET_UNKNOWN', `envelope part charset "${chosen.part.charset ?? ''}" is unknown; decoded as UTF-8/Latin-1`);
    const { parsed: p, part, truncated } = chosen;
    envelope = {
      sender: p.sender || null,
      onBehalfOf: p.onBehalfOf || null,
      subject: p.subject ?? null,
      messageId: p.messageId || null,
      label: p.label ?? null,
      mailbox: p.mailbox || null,
      sentUtc: p.sentUtc ?? null,
      receivedUtc: p.receivedUtc ?? null,
      part,
    };
    if (p.sender === undefined) {
      defective = true;
      // A Sender line whose value is no address is named by ENVELOPE_BAD_ENTRY below.
      if (!p.badFields?.some((f) => f.toLowerCase() === 'sender')) s.warn('ENVELOPE_NO_SENDER', 'the envelope part has no Sender line; the recipients it names are used');
    } else if (p.sender === '') {
      s.warn('ENVELOPE_NULL_SENDER', 'the envelope Sender is the null reverse path <>');
    }
    if (truncated) {
      defective = true;
      s.warn('ENVELOPE_TRUNCATED', `the envelope part exceeds maxEnvelopeBytes=${s.opts.maxEnvelopeBytes}; recipients after that point are missing`);
    }
    if ((p.badEntries ?? 0) > 0) {
      defective = true;
      const what = p.badFields === undefined ? 'recipient entr(y/ies)' : `entr(y/ies) (${p.badFields.join(', ')} among them)`;
      s.warn('ENVELOPE_BAD_ENTRY', `${p.badEntries} envelope ${what} could not be read and were skipped`);
    }
    if (p.unknownLines.length > 0) s.warn('ENVELOPE_UNKNOWN_LINE', `${p.unknownLines.length} envelope line(s) not understood, e.g. ${JSON.stringify(p.unknownLines[0]!.slice(0, 80))}`);
    if (p.duplicateFields.length > 0) s.warn('ENVELOPE_DUPLICATE_FIELD', `envelope field(s) repeated, first kept: ${[...new Set(p.duplicateFields)].join(', ')}`);
    const visible = new VisibleTypes(inner);
    const dropped = addEnvelopeRecipients(list, p.recipients, visible, chosen.ascii);
    if (dropped > 0) s.warn('ENVELOPE_NULL_RECIPIENT', `${dropped} envelope recipient line(s) with the null address <> were dropped`);
    if (list.size === 0) {
      defective = true;
      s.warn('ENVELOPE_NO_RECIPIENTS', 'the envelope names no recipients');
    }
    checkMessageId(s, message, inner !== undefined, envelope.messageId, wrapper.parentMessageId);
  }
  // The envelope itself read whole: a Sender, recipients, nothing cut or skipped.
  const envelopeWhole = chosen !== undefined && !cutUnread && chosen.parsed.sender !== undefined && !chosen.truncated && (chosen.parsed.badEntries ?? 0) === 0 && list.size > 0;
  if (defective && (inner !== undefined || !envelopeWhole)) {
    // Step down: keep what the envelope gave and add the visible recipients from the headers of
    // the original, marked as header-derived. Without an original the wrapper's stand in, but
    // only for an envelope that is itself broken: the wrapper's To is the journal mailbox,
    // which a whole envelope would only gain as a false recipient.
    const headers = inner ?? outer;
    if (headers) addHeaderRecipients(list, headers, [['To', 'to'], ['Cc', 'cc']]);
  }
  if (list.dropped > 0) {
    defective = true;
    s.warn('RECIPIENT_LIMIT', `${list.dropped} recipient(s) past maxRecipients=${s.opts.maxRecipients} were dropped`);
  }
  return {
    kind: 'journal-report',
    source: s.detection.source ?? 'exchange',
    marker: s.detection.marker,
    defective,
    trust,
    envelope,
    delivery: null,
    recipients: list.list(),
    message,
    wrapper,
    renditions,
    ndr: null,
    // An empty original is archived as the whole report: the empty message's key would be shared
    // by every such report (found by an audit), so there is none, as for ORIGINAL_MISSING.
    dedup: keysOf(s, message.messageId, s.hasWarning('EMBEDDED_EMPTY') ? null : (renditions[s.selected ?? 0]?.contentKey ?? null)),
    output: { content: s.outputContent },
    warnings,
  };
}

/**
 * The embedded messages: with journal report decryption the first is the protected original
 * (Content-Class: rpmsg.message, or an application/x-microsoft-rpmsg-message part, the message.rpmsg
 * attachment) and the second its decrypted copy.
 */
function renditionsOf(s: ParseState): Rendition[] {
  const pair = s.embedded.length === 2 && isProtectedMessage(s.embedded[0]!);
  return s.embedded.map((e, i) => ({
    contentKey: e.hasher?.end() ?? null,
    role: pair ? (i === 0 ? 'protected' : 'decrypted') : isProtectedMessage(e) ? 'protected' : 'original',
    messageId: e.stripper.block?.get('message-id')?.trim() || null,
    subject: e.stripper.block?.getDecoded('subject') ?? null,
    archived: s.selected === i && s.outputContent === 'original',
  }));
}

function trustOf(opts: ResolvedOptions, outer: HeaderBlock | undefined): { trust: TrustLevel; matched?: string | undefined } {
  // `trusted` decides the trust level when given, but the journal agent is still looked for: with
  // `trusted: true` and `journalSenders` (an authenticated endpoint that also names its system
  // mailbox), an unmatched agent became a participant of every report (found by an audit).
  const matched = opts.journalSenders === undefined ? undefined : journalAgent(opts.journalSenders, outer);
  if (opts.trusted !== undefined) return { trust: opts.trusted ? 'trusted' : 'untrusted', matched };
  if (opts.journalSenders === undefined) return { trust: 'unverified' };
  return matched === undefined ? { trust: 'untrusted' } : { trust: 'trusted', matched };
}

/** The wrapper address (lower-cased) that one of `journalSenders` matches, if any. */
function journalAgent(journalSenders: readonly (string | RegExp)[], outer: HeaderBlock | undefined): string | undefined {
  // Every From and Sender mailbox, but only the topmost Return-Path: the delivering MTA writes
  // that one; any below it came with the message and may be the sender's.
  // Read as HeaderBlock.addresses reads a list (listPart: a forged `From: x@evil<CR>X: <system
  // mailbox>` names no journal sender).
  const mailboxes = outer ? [...outer.addresses('from'), ...outer.addresses('sender'), ...parseAddressList(listPart(outer.get('return-path') ?? ''))] : [];
  const written = mailboxes.map((m) => m.address);
  const candidates = written.map((a) => a.toLowerCase());
  // A string entry is compared as archiveAddresses entries are (addressKey: trimmed, brackets
  // removed, any case, the domain's Unicode and ASCII forms alike); a pattern is tried on the
  // address as written and lower-cased, so that one copied from a real report matches without
  // an `i` flag (`/^MicrosoftExchange[0-9a-f]{32}@…$/` failed closed: the BCC went unassigned).
  const keys = candidates.map((a) => addressKey(a));
  for (const p of journalSenders) {
    const at = typeof p === 'string' ? keys.indexOf(addressKey(p)) : candidates.findIndex((a, i) => testPattern(p, written[i]!) || testPattern(p, a));
    if (at !== -1) return candidates[at]!;
  }
  return undefined;
}

function addHeaderRecipients(list: RecipientList, block: HeaderBlock, fields: [string, RecipientType][]): void {
  for (const [name, type] of fields) {
    for (const f of block.fields) {
      if (f.key !== name.toLowerCase()) continue;
      for (const m of parseAddressList(f.value)) list.add(m.address, { source: 'header', field: f.name, type, inferred: false });
    }
  }
}

function checkMessageId(s: ParseState, message: MessageInfo, haveOriginal: boolean, envelopeId: string | null, parentId: string | null): void {
  if (message.messageId === null && envelopeId !== null) {
    message.messageId = envelopeId;
    message.messageIdSource = 'envelope';
    if (haveOriginal) s.warn('MESSAGE_ID_MISSING', 'the original has no Message-ID; the envelope Message-ID is reported');
  }
  const own = normaliseMessageId(message.messageIdSource === 'header' ? (message.messageId ?? undefined) : undefined);
  if (own === undefined) return;
  const env = normaliseMessageId(envelopeId ?? undefined);
  if (env !== undefined && env !== own) s.warn('MESSAGE_ID_MISMATCH', `envelope Message-ID ${env} differs from the original's ${own}`);
  const parent = normaliseMessageId(parentId ?? undefined);
  if (parent !== undefined && parent !== own) s.warn('MESSAGE_ID_MISMATCH', `X-MS-Exchange-Parent-Message-Id ${parent} differs from the original's ${own}`);
}

/**
 * `new Date(time).toISOString()` for years 0000–9999, worked out with integer arithmetic (a Date
 * object and its formatting were about 1 µs of a small report's cost); other years go to Date.
 * Days to a civil date as in H. Hinnant's `civil_from_days`. @internal
 */
export function isoDate(time: number): string {
  if (!(time >= MIN_ISO_TIME && time <= MAX_ISO_TIME) || !Number.isInteger(time)) return new Date(time).toISOString();
  const days = Math.floor(time / 86_400_000);
  let ms = time - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(ms / 3_600_000);
  ms -= hours * 3_600_000;
  const minutes = Math.floor(ms / 60_000);
  ms -= minutes * 60_000;
  const seconds = Math.floor(ms / 1000);
  ms -= seconds * 1000;
  // Two-digit fields from a table, the others padded by hand: seven padStart calls were most of
  // this function's cost.
  const year4 = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  const ms3 = ms >= 100 ? String(ms) : ms >= 10 ? `0${ms}` : `00${ms}`;
  return `${year4}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${ms3}Z`;
}

/** '00' to '99'. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years toISOString writes with four digits. */
const MIN_ISO_TIME = -62_167_219_200_000;
const MAX_ISO_TIME = 253_402_300_799_999;

/** Facts of a message's own headers. @internal */
function messageInfo(block: HeaderBlock | undefined): MessageInfo {
  const messageId = block?.get('message-id')?.trim() || null;
  const time = block === undefined ? NaN : block.date();
  return {
    messageId,
    messageIdSource: messageId === null ? null : 'header',
    from: block?.addresses('from')[0] ?? null,
    to: block ? [...block.addresses('to')] : [],
    cc: block ? [...block.addresses('cc')] : [],
    subject: block?.getDecoded('subject') ?? null,
    date: Number.isNaN(time) ? null : isoDate(time),
    removedHeaders: [],
    transferEncoding: null,
  };
}
