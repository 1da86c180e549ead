import { normaliseAddress } from './policy.js';
import { reportArgument } from './internal/arguments.js';
import { pushUnique } from './recipients.js';
import type { JournalReport, RecipientSource, RecipientType } from './types.js';

const TYPE_ORDER: RecipientType[] = ['to', 'cc', 'bcc'];

/** Where one merged recipient came from. */
export interface MergedProvenance {
  /** Index of the report in the input list. */
  report: number;
  /** The recipient's source in that report. */
  source: RecipientSource;
  type: RecipientType;
  /** The envelope fields or headers that named it there. */
  fields: string[];
}

/** A recipient of the merged message. */
export interface MergedRecipient {
  /** The address as first written. */
  address: string;
  /** Strongest type over all copies: to, then cc, then bcc. */
  type: RecipientType;
  /** Every type some copy gave it, in to/cc/bcc order. */
  types: RecipientType[];
  expandedFrom: string[];
  forwardedFrom: string[];
  provenance: MergedProvenance[];
}

/** Result of {@link mergeReports}. */
export interface MergedReport {
  /** How many reports were merged. */
  reports: number;
  /** The common Message-ID key, or null when none has one or they disagree. */
  messageIdKey: string | null;
  /** The common content key, or null when none has one or they disagree. */
  contentKey: string | null;
  /** True when the keys of the inputs disagree: they are probably not copies of one message. */
  conflict: boolean;
  /** Which keys disagree. */
  conflicts: ('messageIdKey' | 'contentKey')[];
  /** Envelope senders seen, without duplicates. */
  senders: string[];
  recipients: MergedRecipient[];
}

function common(values: (string | null)[]): { value: string | null; conflict: boolean } {
  const distinct = [...new Set(values.filter((v): v is string => v !== null))];
  return { value: distinct.length === 1 ? distinct[0]! : null, conflict: distinct.length > 1 };
}

/**
 * Combine reports of one message (several journal reports for forks, rules or premises; the
 * mailbox copy; the gateway copy) into one recipient set: each recipient once, with the union of
 * its types and group expansions and, per copy, where it came from. Keys that disagree set
 * `conflict` (a reused Message-ID, or different messages); the recipients are merged anyway, so
 * the caller decides. A null key is left out of the comparison: it says nothing, so the merged key
 * is null only when no input has one. Pure.
 *
 * @example
 * const merged = mergeReports([reportFromCloud, reportFromOnPrem]);
 * if (!merged.conflict && merged.contentKey !== null) store(merged.contentKey, merged.recipients);
 */
export function mergeReports(reports: readonly JournalReport[]): MergedReport {
  if (!Array.isArray(reports as unknown)) throw new TypeError('mailjournal: mergeReports takes an array of reports');
  reports.forEach((r, i) => reportArgument(r, `mergeReports: reports[${i}]`));
  const mid = common(reports.map((r) => r.dedup?.messageIdKey ?? null));
  const content = common(reports.map((r) => r.dedup?.contentKey ?? null));
  const byKey = new Map<string, MergedRecipient>();
  const senders: string[] = [];
  reports.forEach((report, index) => {
    if (report.envelope?.sender) pushUnique(senders, report.envelope.sender);
    for (const r of report.recipients) {
      // The address as assignMailboxes compares it: spelling variants of one mailbox (an IDN
      // domain in Unicode or in ASCII, a final dot) are one recipient.
      const key = normaliseAddress(r.address);
      let m = byKey.get(key);
      if (m === undefined) {
        m = { address: r.address, type: r.type, types: [], expandedFrom: [], forwardedFrom: [], provenance: [] };
        byKey.set(key, m);
      }
      for (const l of r.lines ?? []) if (!m.types.includes(l.type)) m.types.push(l.type);
      if (!m.types.includes(r.type)) m.types.push(r.type);
      m.types.sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
      m.type = m.types[0]!;
      for (const g of r.expandedFrom ?? []) pushUnique(m.expandedFrom, g);
      for (const f of r.forwardedFrom ?? []) pushUnique(m.forwardedFrom, f);
      m.provenance.push({ report: index, source: r.source, type: r.type, fields: [...new Set((r.lines ?? []).map((l) => l.field))] });
    }
  });
  const conflicts: MergedReport['conflicts'] = [];
  if (mid.conflict) conflicts.push('messageIdKey');
  if (content.conflict) conflicts.push('contentKey');
  return {
    reports: reports.length,
    messageIdKey: mid.value,
    contentKey: content.value,
    conflict: conflicts.length > 0,
    conflicts,
    senders,
    recipients: [...byKey.values()],
  };
}
