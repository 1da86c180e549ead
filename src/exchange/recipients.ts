import { RecipientList, VisibleTypes } from '../recipients.js';
import type { RecipientFact, RecipientType } from '../types.js';
import type { EnvelopeRecipientLine } from './envelope.js';

/**
 * Add envelope lines to a recipient list.
 *
 * - Explicit `To/Cc/Bcc` lines keep their type. A `Recipient:` line (unverified addressing) or an
 *   Exchange 2003 `Recipients:` entry is typed by the original's headers: an `Expanded:` member
 *   takes its group's type, a `Forwarded:` recipient the original address's type, otherwise the
 *   address's own; an address in neither To nor Cc is bcc.
 * - Groups and forwarded-from addresses are not recipients; they are listed on the member.
 * - Lines whose delivered address is empty (the null path `<>`) are dropped; the count is returned.
 * @internal
 */
export function addEnvelopeRecipients(list: RecipientList, lines: EnvelopeRecipientLine[], visible: VisibleTypes): number {
  let dropped = 0;
  for (const line of lines) {
    let fact: RecipientFact;
    if (line.field === 'Recipient' || line.field === 'Recipients') {
      const type = visible.of(line.expanded) ?? visible.of(line.forwarded) ?? visible.infer(line.address);
      fact = { source: 'envelope', field: line.field, type, inferred: true };
    } else {
      fact = { source: 'envelope', field: line.field, type: line.field.toLowerCase() as RecipientType, inferred: false };
    }
    if (line.expanded !== undefined) fact.expanded = line.expanded;
    if (line.forwarded !== undefined) fact.forwarded = line.forwarded;
    if (!list.add(line.address, fact)) dropped++;
  }
  return dropped;
}
