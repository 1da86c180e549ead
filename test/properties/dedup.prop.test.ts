import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { messageIdKey, sortedCopy } from '../../src/dedup.js';
import { arbModel, arbMutation, arbRendering, render, wrapJournal } from '../helpers/variants.js';
import { runAs } from '../helpers/run.js';

const keys = (bytes: Uint8Array, how: 'whole' | number = 'whole') => runAs(bytes, how).report.dedup;

describe('dedup keys', () => {
  test('every copy of one message has the same content key and Message-ID key', () => {
    fc.assert(
      fc.property(arbModel, arbRendering, arbRendering, fc.integer({ min: 1, max: 1000 }), (m, r1, r2, seed) => {
        const a = keys(render(m, r1));
        const b = keys(render(m, r2), seed);
        expect(a.contentKey).toMatch(/^ck1:[0-9a-f]{64}$/);
        expect(b).toEqual(a);
        // The journal copy: the archived original, BCC header and all, keys the same way.
        const journal = runAs(wrapJournal(render(m, r2), m, r2.eol), seed).report;
        expect(journal.kind).toBe('journal-report');
        expect(journal.dedup.contentKey).toBe(a.contentKey);
        if (m.messageId !== undefined) expect(journal.dedup.messageIdKey).toBe(a.messageIdKey);
      }),
      { numRuns: 250 },
    );
  });

  test('any single content change gives a different content key', () => {
    fc.assert(
      fc.property(arbModel, arbMutation, arbRendering, arbRendering, (m, mutate, r1, r2) => {
        const changed = mutate(m);
        fc.pre(changed !== undefined);
        expect(keys(render(changed!, r2)).contentKey).not.toBe(keys(render(m, r1)).contentKey);
      }),
      { numRuns: 400 },
    );
  });

  test('the Message-ID key ignores brackets, comments, white space, folding and domain case, not the local part', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9.$_-]{1,30}$/), fc.constantFrom('Contoso.COM', 'example.org'), (local, domain) => {
        const k = messageIdKey(`<${local}@${domain}>`);
        expect(k).toMatch(/^mid1:[0-9a-f]{64}$/);
        expect(messageIdKey(`  <${local}@${domain.toLowerCase()}>  (comment)`)).toBe(k);
        expect(messageIdKey(`\r\n <${local}@${domain.toUpperCase()}>`)).toBe(k);
        expect(messageIdKey(`<${local}x@${domain}>`)).not.toBe(k);
      }),
    );
    expect(messageIdKey(undefined)).toBeUndefined();
    expect(messageIdKey('  ')).toBeUndefined();
  });
});

describe('sortedCopy (the To/Cc order of the content key)', () => {
  test('gives the order of Array#sort at every length, and leaves its input alone', () => {
    const address = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '.', '@', 'é', '\ud83d', '\ude00', '1'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(address, { maxLength: 40, size: 'max' }), (list) => {
        const before = [...list];
        expect(sortedCopy(list)).toEqual([...list].sort());
        expect(list).toEqual(before);
      }),
      { numRuns: 3000 },
    );
  });
});
