import type { Mailbox } from './address.js';

export type { Mailbox };

/** What the input turned out to be. */
export type ReportKind = 'journal-report' | 'message';

/** Which system produced the journal wrapper. */
export type JournalSource = 'exchange';

/** Visible (to, cc) or blind (bcc) delivery. */
export type RecipientType = 'to' | 'cc' | 'bcc';

/** Envelope line field name, as Exchange writes it. */
export type EnvelopeField = 'To' | 'Cc' | 'Bcc' | 'Recipient';

/** One envelope line that names a recipient: the raw facts plus the type resolved for it. */
export interface EnvelopeLineFact {
  /** The line's field (`Recipient` means Exchange could not verify the addressing). */
  field: EnvelopeField;
  /** Type for this line: the field itself, or inferred from the original's To/Cc for `Recipient`. */
  type: RecipientType;
  /** True when `type` was inferred (a `Recipient:` line). */
  inferred: boolean;
  /** Group this address was expanded from (`, Expanded: group`), if any. */
  expanded?: string;
  /** Original address that was redirected to this one (`, Forwarded: original`), if any. */
  forwarded?: string;
}

/** A recipient that received this copy, with every envelope line that named it. */
export interface JournalRecipient {
  /** The delivered address as first written in the envelope. */
  address: string;
  /** Strongest type over all its lines: to, then cc, then bcc. */
  type: RecipientType;
  /** True when no explicit To/Cc/Bcc line gave that type (it was inferred from `Recipient:` lines). */
  typeInferred: boolean;
  /** Where the recipient came from: the journal envelope. */
  source: 'envelope';
  /** Groups it was expanded from (addresses), in envelope order, without duplicates. */
  expandedFrom: string[];
  /** Original addresses redirected to it, in envelope order, without duplicates. */
  forwardedFrom: string[];
  /** Every envelope line naming this recipient, in order. */
  lines: EnvelopeLineFact[];
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
}

/** What the archived output stream contains. */
export interface OutputInfo {
  /**
   * `original`: the embedded original with the configured headers removed;
   * `unchanged`: every input byte as it came (plain messages, and reports whose original could not be used).
   */
  content: 'original' | 'unchanged';
}

/** A recoverable oddity. `code` is stable; `message` is for people. */
export interface JournalWarning {
  code: WarningCode;
  message: string;
}

/** Stable warning codes. */
export type WarningCode =
  | 'ENVELOPE_MISSING'
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
  /** Journal system that produced the wrapper; null for a plain message. */
  source: JournalSource | null;
  /** The header that marked the journal report (e.g. `X-MS-Journal-Report`); null for a plain message. */
  marker: string | null;
  /** True when a journal report was broken (envelope or original missing, MIME damaged). */
  defective: boolean;
  envelope: Envelope | null;
  /** Recipients that received this copy (journal reports). Empty for plain messages for now. */
  recipients: JournalRecipient[];
  message: MessageInfo;
  /** The wrapper's own headers (journal reports only). */
  wrapper: WrapperInfo | null;
  output: OutputInfo;
  warnings: JournalWarning[];
}
