import type { Mailbox } from './address.js';

export type { Mailbox };

/** What the input turned out to be. */
export type ReportKind = 'journal-report' | 'message' | 'ndr';

/**
 * Where the facts about this copy come from: a journal wrapper (`exchange`, `exchange-2003`,
 * `workmail`), a routing copy's delivery headers (`google`, `delivery-header`), or only the
 * message's own headers (`headers`).
 */
export type JournalSource = 'exchange' | 'exchange-2003' | 'workmail' | 'google' | 'delivery-header' | 'headers';

/** Where one recipient fact came from. */
export type RecipientSource = 'envelope' | 'header' | 'delivery-header';

/** Whether a journal wrapper's envelope may be believed (see the `trusted` and `journalSenders` options). */
export type TrustLevel = 'trusted' | 'untrusted' | 'unverified';

/** Visible (to, cc) or blind (bcc) delivery. */
export type RecipientType = 'to' | 'cc' | 'bcc';

/** Envelope line field name, as the journal wrapper writes it (`Recipients` is Exchange 2003's list). */
export type EnvelopeField = 'To' | 'Cc' | 'Bcc' | 'Recipient' | 'Recipients';

/** One line or header that names a recipient: the raw facts plus the type resolved for it. */
export interface RecipientFact {
  /** What kind of source named it. */
  source: RecipientSource;
  /**
   * The envelope field (`To`, `Cc`, `Bcc`, `Recipient`, `Recipients`) or the header name
   * (`To`, `Resent-Cc`, `X-Gm-Original-To`, `Delivered-To` …) as written.
   */
  field: string;
  /** Type for this fact: the field itself, or inferred from the original's To/Cc. */
  type: RecipientType;
  /** True when `type` was inferred (a `Recipient:` or `Recipients:` line, a delivery header). */
  inferred: boolean;
  /** Group this address was expanded from (`, Expanded: group`), if any. */
  expanded?: string;
  /** Original address that was redirected to this one (`, Forwarded: original`), if any. */
  forwarded?: string;
}

/** A recipient of this copy, with every fact that named it. */
export interface JournalRecipient {
  /** The address as first written (envelope, delivery header or header). */
  address: string;
  /** Strongest type over all its facts: to, then cc, then bcc. */
  type: RecipientType;
  /** True when no explicit field gave that type (it was inferred from `Recipient:` lines or delivery headers). */
  typeInferred: boolean;
  /**
   * Strongest source over its facts: `envelope` (the journal envelope), then `delivery-header`
   * (this copy's delivery headers), then `header` (the message's To/Cc/Bcc, which do not say
   * who received this copy).
   */
  source: RecipientSource;
  /** Groups it was expanded from (addresses), in envelope order, without duplicates. */
  expandedFrom: string[];
  /** Original addresses redirected to it, in envelope order, without duplicates. */
  forwardedFrom: string[];
  /** Every fact naming this recipient, in order (a fact repeated word for word is listed once). */
  lines: RecipientFact[];
}

/** The envelope part of a journal report. */
export interface Envelope {
  /** `Sender:` address; null when missing or the null reverse path `<>`. */
  sender: string | null;
  /** `On-Behalf-Of:` address: a participant on the sending side, never a recipient. */
  onBehalfOf: string | null;
  subject: string | null;
  /** `Message-ID:` as written in the envelope (trimmed). */
  messageId: string | null;
  label: string | null;
  mailbox: string | null;
  sentUtc: string | null;
  receivedUtc: string | null;
  /** How the envelope part was encoded. */
  part: { contentType: string; charset: string | null; transferEncoding: string };
}

/** Facts about the message itself (the embedded original, or the plain message). */
export interface MessageInfo {
  /** Message-ID of the original (or the envelope's when the original has none), trimmed. */
  messageId: string | null;
  /** Where `messageId` came from. */
  messageIdSource: 'header' | 'envelope' | null;
  from: Mailbox | null;
  to: Mailbox[];
  cc: Mailbox[];
  /** Subject, RFC 2047-decoded. */
  subject: string | null;
  /** Date header as ISO 8601 (UTC), or null when missing or unparseable. */
  date: string | null;
  /** Names of the header lines removed from the archived output, one entry per removed field. */
  removedHeaders: string[];
  /** Content-Transfer-Encoding of the `message/rfc822` part that carried it (journal reports only). */
  transferEncoding: string | null;
}

/** The journal wrapper's own header facts. Never the message's: Exchange copies or invents them. */
export interface WrapperInfo {
  messageId: string | null;
  from: Mailbox | null;
  subject: string | null;
  /** `X-MS-Exchange-Parent-Message-Id`: the original's Message-ID as Exchange saw it. */
  parentMessageId: string | null;
  /**
   * The wrapper's To and Cc: on premises the journal mailbox, in Exchange Online the original's
   * visible recipients. Never recipients of the report; `assignMailboxes` reads them only for a
   * report with no original (archived whole: the wrapper is then the message kept).
   */
  to: Mailbox[];
  cc: Mailbox[];
  /**
   * The wrapper address (From, Sender or Return-Path, lower-cased) that matched `journalSenders`;
   * null when none did or no `journalSenders` were given. The journal agent, never a participant.
   */
  journalSender: string | null;
}

/** Which signal made a message an NDR, strongest first. */
export type NdrSignal =
  | 'delivery-status'
  | 'exchange-ndr-header'
  | 'report-type'
  | 'null-return-path'
  | 'x-failed-recipients'
  | 'mailer-daemon-sender'
  | 'undeliverable-subject'
  | 'content-class-dsn';

/** What was archived for an NDR. */
export type NdrAction = 'archive-journal-report' | 'archive-attached' | 'archive-unchanged';

/** One per-recipient block of a `message/delivery-status` part (RFC 3464). */
export interface DeliveryStatusRecipient {
  finalRecipient: string | null;
  originalRecipient: string | null;
  /** `failed`, `delayed`, `delivered`, `relayed`, `expanded`. */
  action: string | null;
  /** Enhanced status code, e.g. `5.1.1`. */
  status: string | null;
  diagnosticCode: string | null;
  remoteMta: string | null;
}

/** NDR facts (kind `ndr`). */
export interface NdrInfo {
  signal: NdrSignal;
  action: NdrAction;
  /** The archiving mode the action was decided under. */
  mode: 'endpoint' | 'mailbox';
  /** `kind` of each level, outermost first, e.g. `['ndr', 'journal-report']`. */
  chain: ReportKind[];
  /** What the NDR returned of the failed message. */
  returned: 'message' | 'headers' | 'none';
  reportingMta: string | null;
  deliveryStatus: DeliveryStatusRecipient[];
}

/** One embedded message of a journal report (two with journal report decryption). */
export interface Rendition {
  /** `protected`: the IRM-protected original; `decrypted`: the clear copy Exchange added; `original` otherwise. */
  role: 'original' | 'protected' | 'decrypted';
  messageId: string | null;
  subject: string | null;
  /** Whether this rendition is the archived output. */
  archived: boolean;
  /** Its content key (see {@link DedupKeys}); null when keys are off. */
  contentKey: string | null;
}

/** Keys that identify the message across its copies (README: "Dedup keys"). */
export interface DedupKeys {
  /** `mid1:<sha256>` of the normalised Message-ID; null when there is none. */
  messageIdKey: string | null;
  /** `ck1:<sha256>` of the message's canonical content; null when keys are off or nothing was archived. */
  contentKey: string | null;
}

/** Delivery facts of a routing or delivered copy. */
export interface DeliveryInfo {
  /** Envelope sender from `X-Envelope-From` (Zimbra) or the topmost `Return-Path`, or null. */
  sender: string | null;
  /** Names of the delivery headers that were used, in order, without duplicates. */
  headers: string[];
}

/** What the archived output stream contains. */
export interface OutputInfo {
  /**
   * `original`: the embedded original of a journal report with the configured headers removed
   * (also when the report came inside an NDR); `attached`: the message an NDR returned, as it
   * came; `unchanged`: every input byte as it came (plain messages, NDRs archived whole, and
   * reports whose original could not be used).
   */
  content: 'original' | 'attached' | 'unchanged';
}

/** A recoverable oddity. `code` is stable; `message` is for people. */
export interface JournalWarning {
  code: WarningCode;
  message: string;
}

/** Stable warning codes. */
export type WarningCode =
  | 'ENVELOPE_MISSING'
  | 'ENVELOPE_NO_SENDER'
  | 'ENVELOPE_BAD_ENTRY'
  | 'BCC_UNKNOWN'
  | 'NO_HEADER_FIELDS'
  | 'JOURNAL_UNTRUSTED'
  | 'NDR_HEADERS_ONLY'
  | 'EMBEDDED_EMPTY'
  | 'RECIPIENT_LIMIT'
  | 'PART_LIMIT'
  | 'LINE_LIMIT'
  | 'ORIGINAL_HEADER_LIMIT'
  | 'HEADER_NOT_REMOVED'
  | 'NESTING_LIMIT'
  | 'ORIGINAL_TNEF'
  | 'NO_CLEAR_TEXT'
  | 'CLEAR_TEXT_TOO_LATE'
  | 'ENVELOPE_TRUNCATED'
  | 'ENVELOPE_NULL_SENDER'
  | 'ENVELOPE_NULL_RECIPIENT'
  | 'ENVELOPE_UNKNOWN_LINE'
  | 'ENVELOPE_NO_RECIPIENTS'
  | 'ENVELOPE_DUPLICATE_FIELD'
  | 'CHARSET_UNKNOWN'
  | 'ORIGINAL_MISSING'
  | 'EXTRA_MESSAGE'
  | 'MESSAGE_ID_MISSING'
  | 'MESSAGE_ID_MISMATCH'
  | 'MIME_NOT_MULTIPART'
  | 'MIME_UNCLOSED'
  | 'TRANSFER_ENCODING_IRREGULAR'
  | 'HEADER_LIMIT'
  | 'PART_HEADER_LIMIT'
  | 'BUFFER_LIMIT'
  | 'DEPTH_LIMIT';

/** The JSON-serialisable result of parsing one input. */
export interface JournalReport {
  kind: ReportKind;
  /** Where the recipient facts come from (see {@link JournalSource}). */
  source: JournalSource;
  /** The header that marked the journal report (e.g. `X-MS-Journal-Report`); null for a message. */
  marker: string | null;
  /** True when a journal report was broken (envelope or original missing, MIME damaged). */
  defective: boolean;
  /** Whether the journal wrapper may be believed; null for a message. */
  trust: TrustLevel | null;
  envelope: Envelope | null;
  /** This copy's delivery facts for routing and delivery-header copies; null otherwise. */
  delivery: DeliveryInfo | null;
  /** Recipients with provenance; see {@link JournalRecipient.source}. */
  recipients: JournalRecipient[];
  message: MessageInfo;
  /** The wrapper's own headers (journal reports only). */
  wrapper: WrapperInfo | null;
  /** Embedded messages of a journal report: one, or two with journal report decryption. */
  renditions: Rendition[];
  /** NDR facts when `kind` is `ndr`, else null. */
  ndr: NdrInfo | null;
  /** Keys of the message described (the archived rendition, the unwrapped message, or the message itself). */
  dedup: DedupKeys;
  output: OutputInfo;
  warnings: JournalWarning[];
}
