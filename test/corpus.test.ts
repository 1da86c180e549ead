import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CORPUS } from './helpers/fixtures.js';
import { referenceOriginal, referenceStrip } from './helpers/reference.js';
import { runAs, text, toCRLF, toLF } from './helpers/run.js';
import { parseJournal } from '../src/parse.js';
import { DEFAULT_REMOVE_HEADERS } from '../src/options.js';

// Real Office 365 journal reports (IntegralDefense/ACE test data, see ../shared/corpus/SOURCES.md).
// Expected values are read off each file's envelope part and its first-level original.
const ACE = path.join(CORPUS, 'ace');
const present = existsSync(ACE);

const expected: Record<string, { sender: string; recipient: string; type: 'to' | 'cc' | 'bcc'; messageId: string; subject: string }> = {
  'o365_journaled.email.rfc822': {
    sender: 'ap@someothercompany.com',
    recipient: 'lulu.zingzing@company.com',
    type: 'to',
    messageId: '<13268020124593518925.93733CB7019D1C46@company.com>',
    subject: 'INVOICE PDL-06-38776',
  },
  'extra_message_id.email.rfc822': {
    sender: 'jrobinson@company.com',
    recipient: 'ashphish@integraldefense.com',
    type: 'to',
    messageId: '<MW2PR16MB224997B938FB40AA00214DACA8590@MW2PR16MB2249.namprd16.prod.outlook.com>',
    subject: '[POTENTIAL PHISH] FW: URGENT RFQ-03167218 IGOL MEF project 2018',
  },
  'pdf_attachment.email.rfc822': {
    sender: 'unixfreak0037@gmail.com',
    recipient: 'jwdavison@company.com',
    type: 'to',
    messageId: '<CANTOGZuWahvYOEr0NwPELF5ASriGNWjfVsWhMSE_ekiSVw1RbA@mail.gmail.com>',
    subject: 'canary #1',
  },
  'phish_me.email.rfc822': {
    sender: 'CWare@company.com',
    recipient: 'valvphish@integraldefense.com',
    type: 'to',
    messageId: '<DM5PR2001MB1033AC6DF60D6EE45B25631DBB530@DM5PR2001MB1033.namprd20.prod.outlook.com>',
    subject: '[POTENTIAL PHISH] Testing 1-2- 3',
  },
  'splunk_logging.email.rfc822': {
    sender: 'unixfreak0037@gmail.com',
    recipient: 'jwdavison@company.com',
    type: 'to',
    messageId: '<CANTOGZsMiMb+7aB868zXSen_fO=NS-qFTUMo9h2eHtOexY8Qhw@mail.gmail.com>',
    subject: 'canary #3',
  },
};

describe.skipIf(!present)('real Office 365 journal reports (../shared/corpus/ace)', () => {
  test('all five are present', () => {
    expect(readdirSync(ACE).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [file, want] of Object.entries(expected)) {
    describe(file, () => {
      const input = new Uint8Array(present ? readFileSync(path.join(ACE, file)) : []);

      test('envelope, recipients and first-level original', async () => {
        const report = await parseJournal(input);
        expect(report.kind).toBe('journal-report');
        expect(report.marker).toBe('X-MS-Journal-Report');
        expect(report.defective).toBe(false);
        expect(report.envelope?.sender).toBe(want.sender);
        expect(report.recipients.map((r) => [r.address, r.type, r.typeInferred, r.lines[0]?.field])).toEqual([[want.recipient, want.type, true, 'Recipient']]);
        expect(report.message.messageId).toBe(want.messageId);
        expect(report.message.messageIdSource).toBe('header');
        expect(report.message.subject).toBe(want.subject);
        expect(report.warnings).toEqual([]);
        // The wrapper's own Message-ID is never the message's.
        expect(report.wrapper?.messageId).toMatch(/journal\.report\.generator/);
      });

      test('archived output is the first-level original, byte for byte', () => {
        const { output } = runAs(input, 'whole');
        const original = referenceOriginal(input)!;
        expect(text(output)).toBe(text(referenceStrip(original, [...DEFAULT_REMOVE_HEADERS])));
        // Its own Message-ID header is the envelope's, not that of a message forwarded inside it.
        const head = text(output).split(/\r?\n\r?\n/)[0]!;
        expect(head).toContain(`Message-ID: ${want.messageId}`);
      });

      test("journalSenders as the README's Trust tells: the system mailbox (folded Sender) or the journal-NDR address (Return-Path)", async () => {
        const trust = async (journalSenders: (string | RegExp)[]) => (await parseJournal(input, { journalSenders })).trust;
        expect(await trust([/^MicrosoftExchange[0-9a-f]{32}@[a-z]+\.onmicrosoft\.com$/i])).toBe('trusted');
        expect(await trust([/^journal\.?ndr@[a-z]+\.onmicrosoft\.com$/i])).toBe('trusted');
        // Exchange Online writes the original's sender into the wrapper's From: naming an
        // ordinary sender would trust anyone who mails as them; the system mailbox of another
        // domain does not match.
        expect(await trust([/^MicrosoftExchange[0-9a-f]{32}@contoso\.com$/i])).toBe('untrusted');
        expect(await trust(['someone@example.com'])).toBe('untrusted');
        // The address that matched is reported as the journal sender (the agent, never a participant).
        const matched = (await parseJournal(input, { journalSenders: [/^MicrosoftExchange[0-9a-f]{32}@[a-z]+\.onmicrosoft\.com$/i] })).wrapper?.journalSender;
        expect(matched).toMatch(/^microsoftexchange[0-9a-f]{32}@[a-z]+\.onmicrosoft\.com$/);
        expect((await parseJournal(input, { journalSenders: ['someone@example.com'] })).wrapper?.journalSender).toBeNull();
      });

      test('chunking does not matter', () => {
        const whole = runAs(input, 'whole');
        for (const how of [1, 2, 3] as const) {
          const r = runAs(input, how);
          expect(r.report).toEqual(whole.report);
          expect(Buffer.compare(r.output, whole.output)).toBe(0);
        }
      });
    });
  }
});

describe.skipIf(!existsSync(path.join(CORPUS, 'enkive')))('base64-wrapped message/rfc822 samples (../shared/corpus/enkive)', () => {
  test('are plain messages that pass through unchanged', () => {
    for (const file of readdirSync(path.join(CORPUS, 'enkive'))) {
      const input = new Uint8Array(readFileSync(path.join(CORPUS, 'enkive', file)));
      const { report, output } = runAs(input, 'bytes');
      expect(report.kind).toBe('message');
      expect(Buffer.compare(output, input)).toBe(0);
    }
  });
});

// The journal copy travels with CRLF, an mbox or Maildir export of the same message with LF:
// both must give one key (a quoted-printable part with "=0D" before its line breaks once did not).
describe.skipIf(!existsSync(CORPUS))('every corpus file keys the same stored with LF and with CRLF', () => {
  const files = existsSync(CORPUS)
    ? readdirSync(CORPUS, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) => readdirSync(path.join(CORPUS, d.name)).map((f) => path.join(d.name, f)))
    : [];
  test.each(files)('%s', (file) => {
    const input = new Uint8Array(readFileSync(path.join(CORPUS, file)));
    const asLf = toLF(input);
    const lf = runAs(asLf, 'whole').report.dedup;
    expect(lf.contentKey).not.toBeNull();
    expect(runAs(toCRLF(asLf), 'whole').report.dedup).toEqual(lf);
    expect(runAs(toCRLF(asLf), 7).report.dedup).toEqual(lf);
  });
});
