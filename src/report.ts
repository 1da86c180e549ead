import { normaliseMessageId, parseAddressList } from './address.js';
import { readDelivery } from './delivery.js';
import type { Detection } from './detect.js';
import type { ParsedEnvelope } from './exchange/envelope.js';
import { addEnvelopeRecipients } from './exchange/recipients.js';
import type { HeaderBlock } from './mime/header-block.js';
import type { ResolvedOptions } from './options.js';
import { RecipientList, VisibleTypes } from './recipients.js';
import type { Envelope, JournalReport, MessageInfo, RecipientType, TrustLevel, WarningCode, WrapperInfo } from './types.js';

/** An envelope part that was read, with how it was found. @internal */
export interface EnvelopeCandidate {
  parsed: ParsedEnvelope & { badEntries?: number };
  part: Envelope['part'];
  truncated: boolean;
}

/** Everything the streaming pass found, handed to {@link buildReport}. @internal */
export interface ParseState {
  opts: ResolvedOptions;
  detection: Detection;
  /** Top-level header block (undefined only when it overflowed). */
  outer: HeaderBlock | undefined;
  /** The original's header block, when there was an original. */
  inner: HeaderBlock | undefined;
  hasOriginal: boolean;
  originalTransferEncoding: string | null;
  originalIrregular: boolean;
  removed: string[];
  outputContent: 'original' | 'unchanged';
  /** The envelope part with a Sender line, else the best part without one. */
  envelope: EnvelopeCandidate | undefined;
  notMultipart: boolean;
  extraMessages: number;
  warn(code: WarningCode, message: string): void;
  hasWarning(code: WarningCode): boolean;
}

/** Turn what the pass found into the report. @internal */
export function buildReport(s: ParseState, warnings: JournalReport['warnings']): JournalReport {
  if (s.originalIrregular) s.warn('TRANSFER_ENCODING_IRREGULAR', `the original's ${s.originalTransferEncoding ?? ''} encoding had invalid bytes; they were skipped`);
  return s.detection.kind === 'journal-report' ? journalReport(s, warnings) : messageReport(s, warnings);
}

function messageReport(s: ParseState, warnings: JournalReport['warnings']): JournalReport {
  const block = s.outer;
  const message = messageInfo(block);
  const list = new RecipientList();
  const delivery = block ? readDelivery(block, s.opts.archiveAddresses) : undefined;
  if (delivery && delivery.source !== 'headers') {
    // A routing or delivered copy: who it was delivered to is known, BCC included.
    addHeaderRecipients(list, block!, [['To', 'to'], ['Cc', 'cc']]);
    const visible = new VisibleTypes(
      message.to.map((m) => m.address),
      message.cc.map((m) => m.address),
    );
    for (const f of delivery.facts) list.add(f.address, { source: 'delivery-header', field: f.field, type: visible.infer(f.address), inferred: true });
  } else if (block) {
    addHeaderRecipients(list, block, [
      ['To', 'to'],
      ['Cc', 'cc'],
      ['Bcc', 'bcc'],
      ['Resent-To', 'to'],
      ['Resent-Cc', 'cc'],
      ['Resent-Bcc', 'bcc'],
    ]);
    s.warn('BCC_UNKNOWN', 'a plain message: recipients come from its headers, so blind (BCC) recipients cannot be known');
  }
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
    output: { content: 'unchanged' },
    warnings,
  };
}

function journalReport(s: ParseState, warnings: JournalReport['warnings']): JournalReport {
  const message = messageInfo(s.inner);
  message.removedHeaders = s.outputContent === 'original' ? [...s.removed] : [];
  message.transferEncoding = s.originalTransferEncoding;
  const outer = s.outer;
  const wrapper: WrapperInfo = {
    messageId: outer?.get('message-id')?.trim() || null,
    from: parseAddressList(outer?.get('from'))[0] ?? null,
    subject: outer?.getDecoded('subject') ?? null,
    parentMessageId: outer?.get('x-ms-exchange-parent-message-id')?.trim() || null,
  };
  const trust = trustOf(s.opts, outer);
  if (trust === 'untrusted') s.warn('JOURNAL_UNTRUSTED', 'the journal wrapper does not come from a trusted journal sender; its envelope must not be used for assignment');

  // A report that is not multipart has one root cause; it is not also reported as "no envelope"
  // and "no original".
  let defective = s.notMultipart || s.hasWarning('MIME_UNCLOSED');
  if (!s.hasOriginal && !s.notMultipart) {
    defective = true;
    s.warn('ORIGINAL_MISSING', 'the journal report has no message/rfc822 part; the whole report is archived unchanged');
  }
  if (s.extraMessages > 0) s.warn('EXTRA_MESSAGE', `${s.extraMessages} further message/rfc822 part(s) after the original were not archived`);

  const list = new RecipientList();
  let envelope: Envelope | null = null;
  if (s.envelope === undefined) {
    defective = true;
    if (!s.notMultipart) s.warn('ENVELOPE_MISSING', 'no envelope part was found');
  } else {
    const { parsed: p, part, truncated } = s.envelope;
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
      s.warn('ENVELOPE_NO_SENDER', 'the envelope part has no Sender line; the recipients it names are used');
    } else if (p.sender === '') {
      s.warn('ENVELOPE_NULL_SENDER', 'the envelope Sender is the null reverse path <>');
    }
    if (truncated) {
      defective = true;
      s.warn('ENVELOPE_TRUNCATED', `the envelope part exceeds maxEnvelopeBytes=${s.opts.maxEnvelopeBytes}; recipients after that point are missing`);
    }
    if ((p.badEntries ?? 0) > 0) {
      defective = true;
      s.warn('ENVELOPE_BAD_ENTRY', `${p.badEntries} envelope recipient entr(y/ies) could not be read and were skipped`);
    }
    if (p.unknownLines.length > 0) s.warn('ENVELOPE_UNKNOWN_LINE', `${p.unknownLines.length} envelope line(s) not understood, e.g. ${JSON.stringify(p.unknownLines[0]!.slice(0, 80))}`);
    if (p.duplicateFields.length > 0) s.warn('ENVELOPE_DUPLICATE_FIELD', `envelope field(s) repeated, first kept: ${[...new Set(p.duplicateFields)].join(', ')}`);
    const visible = new VisibleTypes(
      message.to.map((m) => m.address),
      message.cc.map((m) => m.address),
    );
    const dropped = addEnvelopeRecipients(list, p.recipients, visible);
    if (dropped > 0) s.warn('ENVELOPE_NULL_RECIPIENT', `${dropped} envelope recipient line(s) with the null address <> were dropped`);
    if (list.size === 0) {
      defective = true;
      s.warn('ENVELOPE_NO_RECIPIENTS', 'the envelope names no recipients');
    }
    checkMessageId(s, message, envelope.messageId, wrapper.parentMessageId);
  }
  if (defective) {
    // Step down: keep what the envelope gave and add the visible recipients from the headers of
    // the original (or, without one, of the wrapper), marked as header-derived.
    const headers = s.inner ?? outer;
    if (headers) addHeaderRecipients(list, headers, [['To', 'to'], ['Cc', 'cc']]);
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
    output: { content: s.outputContent },
    warnings,
  };
}

function trustOf(opts: ResolvedOptions, outer: HeaderBlock | undefined): TrustLevel {
  if (opts.trusted !== undefined) return opts.trusted ? 'trusted' : 'untrusted';
  if (opts.journalSenders === undefined) return 'unverified';
  const candidates = ['from', 'sender', 'return-path'].flatMap((h) => (outer ? outer.getAll(h).flatMap((v) => parseAddressList(v)) : [])).map((m) => m.address.toLowerCase());
  const match = opts.journalSenders.some((p) => candidates.some((a) => (typeof p === 'string' ? a === p.toLowerCase() : p.test(a))));
  return match ? 'trusted' : 'untrusted';
}

function addHeaderRecipients(list: RecipientList, block: HeaderBlock, fields: [string, RecipientType][]): void {
  for (const [name, type] of fields) {
    for (const f of block.fields) {
      if (f.key !== name.toLowerCase()) continue;
      for (const m of parseAddressList(f.value)) list.add(m.address, { source: 'header', field: f.name, type, inferred: false });
    }
  }
}

function checkMessageId(s: ParseState, message: MessageInfo, envelopeId: string | null, parentId: string | null): void {
  if (message.messageId === null && envelopeId !== null) {
    message.messageId = envelopeId;
    message.messageIdSource = 'envelope';
    if (s.inner !== undefined) s.warn('MESSAGE_ID_MISSING', 'the original has no Message-ID; the envelope Message-ID is reported');
  }
  const own = normaliseMessageId(message.messageIdSource === 'header' ? (message.messageId ?? undefined) : undefined);
  if (own === undefined) return;
  const env = normaliseMessageId(envelopeId ?? undefined);
  if (env !== undefined && env !== own) s.warn('MESSAGE_ID_MISMATCH', `envelope Message-ID ${env} differs from the original's ${own}`);
  const parent = normaliseMessageId(parentId ?? undefined);
  if (parent !== undefined && parent !== own) s.warn('MESSAGE_ID_MISMATCH', `X-MS-Exchange-Parent-Message-Id ${parent} differs from the original's ${own}`);
}

/** Facts of a message's own headers. @internal */
export function messageInfo(block: HeaderBlock | undefined): MessageInfo {
  const messageId = block?.get('message-id')?.trim() || null;
  const dateHeader = block?.get('date');
  const time = dateHeader === undefined ? NaN : Date.parse(dateHeader.replace(/\([^()]*\)/g, ' ').trim());
  return {
    messageId,
    messageIdSource: messageId === null ? null : 'header',
    from: parseAddressList(block?.get('from'))[0] ?? null,
    to: block ? block.getAll('to').flatMap((v) => parseAddressList(v)) : [],
    cc: block ? block.getAll('cc').flatMap((v) => parseAddressList(v)) : [],
    subject: block?.getDecoded('subject') ?? null,
    date: Number.isNaN(time) ? null : new Date(time).toISOString(),
    removedHeaders: [],
    transferEncoding: null,
  };
}
