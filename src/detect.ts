import { findHeaderEnd, parseHeaderBlock, type HeaderBlock } from './mime/header-block.js';
import { bytesArgument } from './internal/arguments.js';
import type { JournalSource } from './types.js';

/** The journal sources a wrapper marker can name. */
export type WrapperSource = Extract<JournalSource, 'exchange' | 'exchange-2003' | 'workmail'>;

/** Result of {@link detectJournalReport}. */
export type Detection =
  | { kind: 'journal-report'; source: WrapperSource; marker: string }
  | { kind: 'message'; source: null; marker: null };

/**
 * Exchange 2007+ journal markers, in the order they are checked. Presence is the signal: the
 * value is normally empty. The organisation and cross-premises names are the transport-internal
 * and hybrid forms of the same marker; the GCC name is the government-cloud variant.
 */
export const EXCHANGE_JOURNAL_MARKERS: readonly string[] = [
  'X-MS-Journal-Report',
  'X-MS-Exchange-Organization-Journal-Report',
  'X-MS-Exchange-CrossPremises-Journal-Report',
  'X-MS-Gcc-Journal-Report',
];

/**
 * Microsoft's order: the Exchange 2003 content identifier first (Exchange really writes the
 * misspelled `Content-Identifer`), then the 2007+ markers; then Amazon WorkMail's marker.
 * @internal
 */
export function detectFromBlock(block: HeaderBlock): Detection {
  for (const name of ['Content-Identifier', 'Content-Identifer']) {
    for (const value of block.getAll(name)) {
      if (value.trim().toLowerCase() === 'exjournalreport') return { kind: 'journal-report', source: 'exchange-2003', marker: name };
    }
  }
  for (const marker of EXCHANGE_JOURNAL_MARKERS) {
    if (block.has(marker)) return { kind: 'journal-report', source: 'exchange', marker };
  }
  if (block.getAll('X-WM-Journal-Report').some((v) => v.trim().toLowerCase() === 'journal')) {
    return { kind: 'journal-report', source: 'workmail', marker: 'X-WM-Journal-Report' };
  }
  return { kind: 'message', source: null, marker: null };
}

/**
 * Tell from a message's top-level header block whether it is a journal report: Exchange 2003
 * (`Content-Identif(i)er: ExJournalReport`), Exchange 2007+ ({@link EXCHANGE_JOURNAL_MARKERS})
 * or Amazon WorkMail (`X-WM-Journal-Report: journal`). Pure; never throws on any bytes; anything after the
 * header block is ignored. A wrong argument type is a `TypeError`.
 *
 * @param head the message's first bytes (at least the whole header block), as bytes or text
 * @example
 * detectJournalReport('X-MS-Journal-Report:\r\nFrom: a@b\r\n\r\n') // { kind: 'journal-report', source: 'exchange', marker: 'X-MS-Journal-Report' }
 */
export function detectJournalReport(head: Uint8Array | ArrayBuffer | string): Detection {
  const bytes = bytesArgument(head, 'detectJournalReport: head');
  const found = findHeaderEnd(bytes, 0);
  const block = parseHeaderBlock(bytes, found ? found.bodyOffset : bytes.length);
  return detectFromBlock(block);
}
