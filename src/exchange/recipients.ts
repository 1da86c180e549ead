import { addressKey } from '../address.js';
import type { EnvelopeLineFact, JournalRecipient, RecipientType } from '../types.js';
import type { EnvelopeRecipientLine } from './envelope.js';

const RANK: Record<RecipientType, number> = { to: 0, cc: 1, bcc: 2 };

/**
 * Turn envelope lines into recipients.
 *
 * - Explicit `To/Cc/Bcc` lines keep their type. A `Recipient:` line (unverified addressing) is
 *   typed by the original's headers: an `Expanded:` member takes its group's type, a
 *   `Forwarded:` recipient the original address's type; an address in neither To nor Cc is bcc.
 * - The same delivered address on several lines is one recipient with every line kept.
 * - Groups and forwarded-from addresses are not recipients; they are listed on the member.
 * - Lines whose delivered address is empty (the null path `<>`) are dropped; the count is returned.
 * @internal
 */
export function resolveRecipients(
  lines: EnvelopeRecipientLine[],
  headerTo: string[],
  headerCc: string[],
): { recipients: JournalRecipient[]; dropped: number } {
  const to = new Set(headerTo.map(addressKey));
  const cc = new Set(headerCc.map(addressKey));
  const visibleType = (address: string | undefined): RecipientType | undefined => {
    if (address === undefined) return undefined;
    const k = addressKey(address);
    return to.has(k) ? 'to' : cc.has(k) ? 'cc' : undefined;
  };
  const byKey = new Map<string, JournalRecipient>();
  let dropped = 0;
  for (const line of lines) {
    const key = addressKey(line.address);
    if (key === '') {
      dropped++;
      continue;
    }
    let fact: EnvelopeLineFact;
    if (line.field === 'Recipient') {
      const type = visibleType(line.expanded) ?? visibleType(line.forwarded) ?? visibleType(line.address) ?? 'bcc';
      fact = { field: line.field, type, inferred: true };
    } else {
      fact = { field: line.field, type: line.field.toLowerCase() as RecipientType, inferred: false };
    }
    if (line.expanded !== undefined) fact.expanded = line.expanded;
    if (line.forwarded !== undefined) fact.forwarded = line.forwarded;
    let r = byKey.get(key);
    if (r === undefined) {
      r = { address: line.address, type: fact.type, typeInferred: fact.inferred, source: 'envelope', expandedFrom: [], forwardedFrom: [], lines: [] };
      byKey.set(key, r);
    } else if (RANK[fact.type] < RANK[r.type]) {
      r.type = fact.type;
    }
    r.lines.push(fact);
    if (fact.expanded !== undefined && !r.expandedFrom.some((a) => addressKey(a) === addressKey(fact.expanded!))) r.expandedFrom.push(fact.expanded);
    if (fact.forwarded !== undefined && !r.forwardedFrom.some((a) => addressKey(a) === addressKey(fact.forwarded!))) r.forwardedFrom.push(fact.forwarded);
  }
  // typeInferred: no explicit line of the winning type.
  for (const r of byKey.values()) r.typeInferred = !r.lines.some((l) => !l.inferred && l.type === r.type);
  return { recipients: [...byKey.values()], dropped };
}
