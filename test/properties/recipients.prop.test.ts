import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { addressKey } from '../../src/address.js';
import { RecipientList } from '../../src/recipients.js';
import type { JournalRecipient, RecipientFact, RecipientType } from '../../src/types.js';

/** The list as first written: a Map by key, in insertion order. */
function reference(facts: [string, RecipientFact][], max: number): { list: JournalRecipient[]; dropped: number } {
  const rank: Record<RecipientType, number> = { to: 0, cc: 1, bcc: 2 };
  const byKey = new Map<string, JournalRecipient>();
  let dropped = 0;
  for (const [address, fact] of facts) {
    const key = addressKey(address);
    if (key === '') continue;
    const r = byKey.get(key);
    if (r === undefined) {
      if (byKey.size >= max) {
        dropped++;
        continue;
      }
      byKey.set(key, { address: address.trim(), type: fact.type, typeInferred: fact.inferred, source: fact.source, expandedFrom: fact.expanded ? [fact.expanded] : [], forwardedFrom: [], lines: [fact] });
      continue;
    }
    if (rank[fact.type] < rank[r.type]) r.type = fact.type;
    // A fact said word for word again adds nothing (session 23: identical lines are kept once).
    const same = (l: RecipientFact) => l.source === fact.source && l.field === fact.field && l.type === fact.type && l.inferred === fact.inferred && l.expanded === fact.expanded && l.forwarded === fact.forwarded;
    if (!r.lines.some(same)) r.lines.push(fact);
    if (fact.expanded !== undefined && !r.expandedFrom.some((a) => addressKey(a) === addressKey(fact.expanded!))) r.expandedFrom.push(fact.expanded);
  }
  const list = [...byKey.values()];
  for (const r of list) r.typeInferred = !r.lines.some((l) => !l.inferred && l.type === r.type);
  return { list, dropped };
}

describe('RecipientList', () => {
  test('property: one recipient per address in first-seen order, facts merged, past the linear-search size too', () => {
    // Few distinct local parts in mixed case and with blanks, so that duplicates are common; up to
    // 60 facts, so that lists pass the size where a Map index takes over.
    const address = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom('', ' ', '<'), fc.boolean()).map(([n, pad, upper]) => {
      const a = `${upper ? 'User' : 'user'}${n}@Example.com`;
      return pad === '<' ? `<${a}>` : `${pad}${a}${pad}`;
    });
    const fact = fc.record({ type: fc.constantFrom<RecipientType>('to', 'cc', 'bcc'), inferred: fc.boolean(), expanded: fc.option(fc.constantFrom('dl@x', 'DL@x', 'other@x'), { nil: undefined }) }).map(
      ({ type, inferred, expanded }): RecipientFact => ({ source: 'envelope', field: 'Recipient', type, inferred, ...(expanded === undefined ? {} : { expanded }) }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(address, fact), { maxLength: 60, size: 'max' }), fc.constantFrom(5, 20, 1000), (facts, max) => {
        const list = new RecipientList(max);
        for (const [a, f] of facts) list.add(a, { ...f });
        const want = reference(facts.map(([a, f]) => [a, { ...f }]), max);
        expect(list.list()).toEqual(want.list);
        expect(list.dropped).toBe(want.dropped);
        expect(list.size).toBe(want.list.length);
        for (const [a] of facts) expect(list.has(a)).toBe(want.list.some((r) => addressKey(r.address) === addressKey(a)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('VisibleTypes', () => {
  test('property: the type of an address from the To and Cc lists, for the first questions (searched) and later ones (sets)', async () => {
    const { VisibleTypes } = await import('../../src/recipients.js');
    const { parseHeaderBlock } = await import('../../src/mime/header-block.js');
    // Domains in either form of one internationalised name (a non-ASCII block: every address is
    // read the slower way, and both forms are one key); and, in ASCII blocks too, addresses that
    // are not plain, so that the key is made whole (found by review: the address parser drops
    // brackets, so bracketed ones alone never reached that path): a final dot on the domain, a
    // quoted local part.
    const mailbox = fc
      .tuple(fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.constantFrom('bare', 'bracket', 'dot', 'quoted'), fc.constantFrom('Example.com', 'Example.com', 'Bücher.example', 'xn--bcher-kva.example'))
      .map(([n, upper, form, domain]) => {
        const local = `${upper ? 'Member' : 'member'}${n}`;
        if (form === 'dot') return { written: `${local}@${domain}.`, address: `${local}@${domain}.` };
        if (form === 'quoted') return { written: `Name <"${local}"@${domain}>`, address: `"${local}"@${domain}` };
        const a = `${local}@${domain}`;
        return { written: form === 'bracket' ? `<${a}>` : a, address: a };
      });
    type Written = { written: string; address: string };
    fc.assert(
      // Up to 12 questions: past the first four, which read the lists, the sets answer.
      fc.property(fc.array(mailbox, { maxLength: 8 }), fc.array(mailbox, { maxLength: 8 }), fc.array(mailbox, { maxLength: 12, size: 'max' }), (to, cc, asked) => {
        const line = (name: string, list: Written[]) => (list.length ? `${name}: ${list.map((m) => m.written).join(', ')}\r\n` : '');
        const head = `${line('To', to)}${line('Cc', cc)}Subject: s\r\n\r\n`;
        const raw = new Uint8Array(Buffer.from(head));
        const block = parseHeaderBlock(raw, raw.length - 2);
        const visible = new VisibleTypes(block);
        const inList = (list: Written[], a: Written) => list.some((x) => addressKey(x.address) === addressKey(a.address));
        for (const a of asked) expect(visible.ofKey(addressKey(a.address))).toBe(inList(to, a) ? 'to' : inList(cc, a) ? 'cc' : undefined);
      }),
      { numRuns: 1000 },
    );
  });
});
