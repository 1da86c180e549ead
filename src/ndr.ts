import { parseAddressList } from './address.js';
import { splitLines } from './internal/lines.js';
import type { ContentType } from './mime/content-type.js';
import type { HeaderBlock } from './mime/header-block.js';
import type { DeliveryStatusRecipient, NdrSignal } from './types.js';

// Localised "Undeliverable" subject prefixes Exchange writes (DSN language settings), plus the
// usual ones of other MTAs. Lower case; matched at the start of the decoded subject.
const UNDELIVERABLE_PREFIXES = [
  'undeliverable:',
  'undelivered mail returned to sender',
  'delivery status notification (failure)',
  'mail delivery failed',
  'returned mail:',
  'non remis',
  'non recapitabile',
  'unzustellbar:',
  'onbestelbaar:',
  'no se puede entregar:',
  'não é possível entregar:',
  'nie można dostarczyć:',
  'kan inte levereras:',
  'ikke levert:',
  'kan ikke leveres:',
  'toimittamaton:',
  'nedoručitelné:',
  '配信不能:',
];

/** Whether a message is a delivery-status report by its Content-Type (RFC 6522 / RFC 3464). @internal */
export function isDeliveryStatusReport(ct: ContentType): boolean {
  return ct.type === 'multipart' && ct.subtype === 'report' && ct.params['report-type']?.toLowerCase() === 'delivery-status';
}

/** A read receipt (RFC 8098 MDN) is a report too, but never an NDR. @internal */
export function isReadReceipt(ct: ContentType): boolean {
  return ct.type === 'multipart' && ct.subtype === 'report' && ct.params['report-type']?.toLowerCase() === 'disposition-notification';
}

/**
 * The strongest NDR signal in a top-level header block, after the structural one
 * (`delivery-status`, decided from the parts). In order: Exchange's own marker, then the
 * lower-confidence signals. Undefined when none applies. Journal reports are excluded by the
 * caller before this is asked (Exchange copies the marker onto the report of an NDR).
 * @internal
 */
export function headerNdrSignal(block: HeaderBlock): NdrSignal | undefined {
  if (block.has('x-ms-exchange-message-is-ndr')) return 'exchange-ndr-header';
  const returnPath = block.get('return-path');
  const autoSubmitted = block.get('auto-submitted')?.trim().toLowerCase();
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath.trim()) && autoSubmitted !== undefined && autoSubmitted !== 'no') return 'null-return-path';
  if (block.has('x-failed-recipients')) return 'x-failed-recipients';
  const from = parseAddressList(block.get('from'))[0]?.address.toLowerCase() ?? '';
  const local = from.slice(0, from.lastIndexOf('@') === -1 ? from.length : from.lastIndexOf('@'));
  if (local === 'postmaster' || local === 'mailer-daemon' || /^microsoftexchange[0-9a-f]{32}$/.test(local)) return 'mailer-daemon-sender';
  const subject = (block.getDecoded('subject') ?? '').trim().toLowerCase();
  if (UNDELIVERABLE_PREFIXES.some((p) => subject.startsWith(p))) return 'undeliverable-subject';
  if (block.get('content-class')?.trim().toLowerCase() === 'urn:content-classes:dsn') return 'content-class-dsn';
  return undefined;
}

/** Parsed `message/delivery-status` content. @internal */
export interface DeliveryStatus {
  reportingMta: string | null;
  recipients: DeliveryStatusRecipient[];
  /** Recipient blocks past `maxRecipients`, not listed. */
  dropped: number;
}

/**
 * `rfc822; bob@x` → `bob@x`, and so for `utf-8;` (RFC 6533, the address type of a global DSN);
 * other address types are kept whole.
 */
function typedValue(value: string | undefined): string | null {
  if (value === undefined) return null;
  const v = value.trim();
  // `([^]*)$`, not `(.*)$`: a lone CR in the value made the blanks before it backtrack (quadratic).
  const m = /^(?:rfc822|utf-8)\s*;([^]*)$/i.exec(v);
  return (m ? m[1]! : v).trim().replace(/^<|>$/g, '') || null;
}

/**
 * Parse a `message/delivery-status` body (RFC 3464 §2.1): a per-message block, then one block
 * per recipient, blocks separated by empty lines, fields possibly folded. Never throws.
 * @internal
 */
export function parseDeliveryStatus(text: string, maxRecipients = Number.MAX_SAFE_INTEGER): DeliveryStatus {
  // A lone CR ends a line too (`Final-Recipient: …<CR>Action: failed` is two fields, found by
  // review).
  const blocks = splitLines(text)
    .join('\n')
    .split(/\n[ \t]*\n/)
    .map((b) => b.replace(/\n(?=[ \t])/g, ''))
    .filter((b) => b.trim() !== '');
  const fields = (block: string): Map<string, string> => {
    const map = new Map<string, string>();
    for (const line of block.split('\n')) {
      // The value is the rest of the line, whatever it holds: with `(.*)$`, a line separator in it
      // (a lone CR then, U+2028 still) failed the match after the blanks before it were tried one
      // by one, each time rescanning the rest (quadratic, found by an audit).
      const m = /^([A-Za-z0-9-]+)\s*:([^]*)$/.exec(line);
      if (m && !map.has(m[1]!.toLowerCase())) map.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    return map;
  };
  // One block at a time, and at most maxRecipients listed: a 16 MiB status part of 266,000
  // recipient blocks kept a Map and an entry for each (300 MB, found by an audit).
  let perMessage: Map<string, string> | undefined;
  const recipients: DeliveryStatusRecipient[] = [];
  let dropped = 0;
  for (const block of blocks) {
    const f = fields(block);
    if (perMessage === undefined && (f.has('reporting-mta') || f.has('received-from-mta') || f.has('arrival-date'))) perMessage = f;
    if (!f.has('final-recipient') && !f.has('original-recipient')) continue;
    if (recipients.length >= maxRecipients) {
      dropped++;
      continue;
    }
    recipients.push({
      finalRecipient: typedValue(f.get('final-recipient')),
      originalRecipient: typedValue(f.get('original-recipient')),
      action: f.get('action')?.toLowerCase() ?? null,
      status: f.get('status') ?? null,
      diagnosticCode: f.get('diagnostic-code') ?? null,
      remoteMta: typedValue(f.get('remote-mta')?.replace(/^dns\s*;\s*/i, '')),
    });
  }
  return { reportingMta: perMessage?.get('reporting-mta')?.replace(/^dns\s*;\s*/i, '') ?? null, recipients, dropped };
}
