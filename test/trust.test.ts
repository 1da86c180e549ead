import { describe, expect, test } from 'vitest';
import { parseJournal, type JournalReport, type ParseJournalOptions } from '../src/index.js';
import { SAMPLE_REPORT } from './helpers/sample.js';

// The trust rules of the README's "Trust" section: who may send a journal report whose envelope
// is believed, and what the report says about it.

/** The Exchange Online system mailbox that writes journal reports (as in real reports). */
const SYSTEM_MAILBOX = 'MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com';

/**
 * An Exchange Online journal report as it really comes: the wrapper's From is the original's
 * sender, and the system mailbox is only in a Sender field folded onto a second line. There is no
 * Return-Path, so the Sender field is the only place the system mailbox can be matched.
 */
const REPORT_LF = SAMPLE_REPORT.replace(/^From: .*\n/, `From: Alice <alice@contoso.com>\nSender: Microsoft Outlook\n <${SYSTEM_MAILBOX}>\n`);

// Every rule must hold whatever the line endings, so each case runs on the LF and the CRLF form.
const ENDINGS: [string, string][] = [
  ['LF', REPORT_LF],
  ['CRLF', REPORT_LF.replace(/\n/g, '\r\n')],
];

async function parse(input: string, options: ParseJournalOptions): Promise<JournalReport> {
  return parseJournal(input, options);
}

const codes = (r: JournalReport): string[] => r.warnings.map((w) => w.code);

describe.each(ENDINGS)('journalSenders against a folded Sender (%s)', (_endings, input) => {
  test('the system mailbox as a string entry makes the report trusted, and names the journal agent lower-cased', async () => {
    const r = await parse(input, { journalSenders: [SYSTEM_MAILBOX] });
    expect(r.kind).toBe('journal-report');
    expect(r.trust).toBe('trusted');
    expect(r.wrapper?.journalSender).toBe('microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com');
    expect(codes(r)).not.toContain('JOURNAL_UNTRUSTED');
    // The wrapper's From is the original's sender, not the journal agent.
    expect(r.wrapper?.from?.address).toBe('alice@contoso.com');
  });

  test('a pattern for the system mailbox matches it in the folded Sender too', async () => {
    const r = await parse(input, { journalSenders: [/^microsoftexchange[0-9a-f]{32}@/i] });
    expect(r.trust).toBe('trusted');
    expect(r.wrapper?.journalSender).toBe('microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com');
    expect(codes(r)).not.toContain('JOURNAL_UNTRUSTED');
  });

  test('a list that names only an address found nowhere in the wrapper leaves it untrusted', async () => {
    const r = await parse(input, { journalSenders: ['journal@nowhere.example'] });
    expect(r.trust).toBe('untrusted');
    expect(r.wrapper?.journalSender).toBeNull();
    expect(codes(r)).toContain('JOURNAL_UNTRUSTED');
  });
});

describe.each(ENDINGS)('JOURNAL_UNTRUSTED (%s)', (_endings, input) => {
  // [what, options, trust, JOURNAL_UNTRUSTED expected]
  const cases: [string, ParseJournalOptions, JournalReport['trust'], boolean][] = [
    ['trusted: false and no journalSenders', { trusted: false }, 'untrusted', true],
    ['a journalSenders list that matches no wrapper address', { journalSenders: ['someone@fabrikam.com', /^journal@/] }, 'untrusted', true],
    // An empty list is a configuration that trusts nobody, not the absence of one.
    ['an empty journalSenders list', { journalSenders: [] }, 'untrusted', true],
    ['trusted: true', { trusted: true }, 'trusted', false],
    // trusted decides the level whatever journalSenders says.
    ['trusted: true with a journalSenders list that matches nothing', { trusted: true, journalSenders: ['someone@fabrikam.com'] }, 'trusted', false],
    // Nothing configured: the default level, which is no warning.
    ['no trust option at all', {}, 'unverified', false],
  ];
  test.each(cases)('%s', async (_what, options, trust, warned) => {
    const r = await parse(input, options);
    expect(r.trust).toBe(trust);
    expect(codes(r).includes('JOURNAL_UNTRUSTED')).toBe(warned);
  });

  test('trusted: false wins over a matching journalSenders entry, which still names the journal agent', async () => {
    const r = await parse(input, { trusted: false, journalSenders: [SYSTEM_MAILBOX] });
    expect(r.trust).toBe('untrusted');
    expect(r.wrapper?.journalSender).toBe('microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com');
    expect(codes(r)).toContain('JOURNAL_UNTRUSTED');
  });
});
