import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assignMailboxes, normaliseAddress } from '../../src/policy.js';
import { arbJournalReport, arbPlainMessage } from '../helpers/arbitraries.js';
import { bytes, runAs } from '../helpers/run.js';

describe('properties of recipient sources and assignment', () => {
  test('a journal report\'s recipients are exactly its envelope\'s, whatever headers the original and wrapper carry', () => {
    fc.assert(
      fc.property(
        arbJournalReport.filter((g) => g.recipients.length > 0),
        (g) => {
          const { report } = runAs(g.bytes, 'whole');
          expect(report.recipients.map((r) => r.address.toLowerCase())).toEqual(g.recipients);
          expect(report.recipients.every((r) => r.source === 'envelope')).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('assignment of a plain message never invents an address that is not in its headers', () => {
    fc.assert(
      fc.property(arbPlainMessage, fc.subarray(['contoso.com', 'fabrikam.com', 'example.org', '*.example.org']), fc.boolean(), (message, domains, fold) => {
        const { report } = runAs(bytes(message), 'whole', { archiveAddresses: ['archive@archive.example'] });
        const head = message.split(/\r?\n\r?\n/)[0]!.toLowerCase();
        // Whole address tokens of the headers, and their plus-folded forms: a substring test let
        // `ob@x` pass inside `bob@x` (test audit, session 24).
        const tokens = head.match(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g) ?? [];
        const known = new Set([...tokens, ...tokens.map((t) => t.replace(/\+[^@]*@/, '@'))]);
        const a = assignMailboxes(report, { internalDomains: domains, foldPlusAddressing: fold, journalNonInternal: true });
        for (const p of a.participants) expect([...known]).toContain(p.address);
        for (const m of a.mailboxes) expect(a.participants.map((p) => p.address)).toContain(m);
        for (const r of report.recipients) expect([...known]).toContain(normaliseAddress(r.address));
      }),
      { numRuns: 300 },
    );
  });
});
