import { addressKey, asciiAddressKey } from '../address.js';
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
 *
 * `ascii`: the envelope text is known to be ASCII, so no address needs the non-ASCII domain scan.
 * @internal
 */
export function addEnvelopeRecipients(list: RecipientList, lines: EnvelopeRecipientLine[], visible: VisibleTypes, ascii = false): number {
  let dropped = 0;
  for (const line of lines) {
    // One key per line, shared by the type look-up and the list (each is a lower-cased copy).
    const key = ascii ? asciiAddressKey(line.address) : addressKey(line.address);
    let fact: RecipientFact;
    const explicit = EXPLICIT_TYPE.get(line.field);
    if (explicit === undefined) {
      const type = visible.of(line.expanded) ?? visible.of(line.forwarded) ?? visible.ofKey(key) ?? 'bcc';
      fact = { source: 'envelope', field: line.field, type, inferred: true };
    } else {
      fact = { source: 'envelope', field: line.field, type: explicit, inferred: false };
    }
    if (line.expanded !== undefined) fact.expanded = line.expanded;
    if (line.forwarded !== undefined) fact.forwarded = line.forwarded;
    if (!list.add(line.address, fact, key)) dropped++;
  }
  return dropped;
}

/** The envelope fields that state the type; `Recipient` and 2003's `Recipients` do not. */
const EXPLICIT_TYPE = new Map<string, RecipientType>([
  ['To', 'to'],
  ['Cc', 'cc'],
  ['Bcc', 'bcc'],
]);
