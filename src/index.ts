export { parseJournal } from './parse.js';
export type { JournalInput, OutputSink, OutputCallback, NodeWritableLike, ParseJournalOptions } from './parse.js';
export { JournalParser } from './parser.js';
export type { JournalParserOptions } from './parser.js';
export { detectJournalReport, EXCHANGE_JOURNAL_MARKERS } from './detect.js';
export type { Detection, WrapperSource } from './detect.js';
export { parseEnvelope } from './exchange/envelope.js';
export type { ParsedEnvelope, EnvelopeRecipientLine } from './exchange/envelope.js';
export { stripHeaders } from './strip.js';
export { normaliseMessageId } from './address.js';
export {
  DEFAULT_REMOVE_HEADERS,
  MAX_HEADER_BYTES,
  MAX_ENVELOPE_BYTES,
  MAX_BUFFERED_BYTES,
  MAX_DEPTH,
  MAX_LINE_BYTES,
  MAX_NESTING,
  MAX_LEVELS,
  MAX_RECIPIENTS,
  MAX_PARTS,
} from './options.js';
export type { ParseOptions } from './options.js';
export { JournalError, LimitExceededError, ParserStateError, InvalidInputError, OutputError, isJournalError } from './errors.js';
export type { JournalErrorCode } from './errors.js';
export type {
  JournalReport,
  ReportKind,
  JournalSource,
  RecipientType,
  EnvelopeField,
  RecipientFact,
  RecipientSource,
  TrustLevel,
  DeliveryInfo,
  JournalRecipient,
  Envelope,
  MessageInfo,
  WrapperInfo,
  OutputInfo,
  JournalWarning,
  WarningCode,
  Mailbox,
} from './types.js';
export { assignMailboxes, normaliseAddress } from './policy.js';
export type { ArchivePolicy, Assignment, AssignmentReason, Participant, ParticipantRole } from './policy.js';
export { mergeReports } from './merge.js';
export type { MergedReport, MergedRecipient, MergedProvenance } from './merge.js';
export { messageIdKey, MESSAGE_ID_KEY_VERSION, CONTENT_KEY_VERSION } from './dedup.js';
export type { DedupKeys, Rendition, NdrInfo, NdrSignal, NdrAction, DeliveryStatusRecipient } from './types.js';
