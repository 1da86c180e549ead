import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { detectJournalReport } from '../src/detect.js';
import { assignMailboxes } from '../src/policy.js';
import type { JournalReport } from '../src/types.js';
import { bytes, runAs, text, toCRLF } from './helpers/run.js';
import { SAMPLE_ARCHIVED, SAMPLE_REPORT } from './helpers/sample.js';

// README behaviours no other test pinned down. Each input is written here, in LF; every case
// also runs in CRLF (and in several chunkings where the parser reads the bytes), since line
// endings are where a streaming reader goes wrong first.

const EOLS = [
  ['LF', (s: string) => bytes(s)],
  ['CRLF', (s: string) => toCRLF(bytes(s))],
] as const;
const CHUNKINGS = ['whole', 'bytes', 7] as const;
const codes = (r: JournalReport) => r.warnings.map((w) => w.code);
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
/** An Exchange journal report's wrapper header and the start of its envelope part (boundary `jr`). */
const journalHead = (subject: string) => [
  'From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>',
  'To: journal@archive.example',
  `Subject: ${subject}`,
  'X-MS-Journal-Report:',
  'Content-Type: multipart/mixed; boundary="jr"',
  '',
  '--jr',
  'Content-Type: text/plain',
  '',
];

describe('(a) On-Behalf-Of is a participant of assignMailboxes, not a recipient', () => {
  // README, Recipients: "`On-Behalf-Of` is a sender-side participant (`envelope.onBehalfOf`),
  // never a recipient." Archive policies, participants of a usable envelope: "envelope `Sender`
  // (…), `On-Behalf-Of`, every recipient".
  const report = [
    ...journalHead('Board meeting'),
    'Sender: lena@agency.example',
    'On-Behalf-Of: chair@board.example',
    'Subject: Board meeting',
    'Message-Id: <obo1@agency.example>',
    'To: members@fabrikam.example',
    '',
    '--jr',
    'Content-Type: message/rfc822',
    '',
    'From: Chair <chair@board.example>',
    'Sender: Lena <lena@agency.example>',
    'To: members@fabrikam.example',
    'Subject: Board meeting',
    'Message-ID: <obo1@agency.example>',
    '',
    'Thursday 10:00.',
    '--jr--',
    '',
  ].join('\n');

  for (const [eol, encode] of EOLS) {
    test(`the On-Behalf-Of mailbox alone keeps the message, with role on-behalf-of (${eol})`, () => {
      for (const how of CHUNKINGS) {
        const { report: r } = runAs(encode(report), how);
        expect(r.kind).toBe('journal-report');
        expect(r.envelope?.onBehalfOf).toBe('chair@board.example');
        // Not a recipient of the report.
        expect(r.recipients.map((x) => x.address)).toEqual(['members@fabrikam.example']);
        // Only the On-Behalf-Of address is internal: it is what keeps the message.
        const a = assignMailboxes(r, { internalDomains: ['board.example'] });
        expect(a).toEqual({
          keep: true,
          reason: 'internal-mailbox',
          mailboxes: ['chair@board.example'],
          unknownInternal: [],
          basis: 'envelope',
          participants: [
            { address: 'lena@agency.example', role: 'sender', internal: false, known: false },
            { address: 'chair@board.example', role: 'on-behalf-of', internal: true, known: true },
            { address: 'members@fabrikam.example', role: 'recipient', internal: false, known: false },
          ],
        });
      }
    });
  }
});

describe('(b) a Date with a zone name the README does not read', () => {
  // README, `message.date`: "Zone names read are `UT`, `UTC`, `GMT`, `Z` and the North American
  // `EST` … `PDT` of RFC 5322; any other name (the military letters, `CEST`, `MESZ`) makes the
  // date unreadable: `null`, and the content key takes the field's text." Canonical content:
  // "`date`: … the field with white space collapsed if it cannot be parsed".
  const message = (date: string) =>
    ['From: alice@contoso.com', 'To: bob@contoso.com', 'Subject: Plan', `Date: ${date}`, 'Message-ID: <d1@contoso.com>', 'Content-Type: text/plain', '', 'Body.', ''].join('\n');
  // The canonical form written out by hand from the README, the date line holding the text.
  const knownKey = (dateText: string) =>
    `ck1:${sha256(
      'ck1\nH\nfrom:alice@contoso.com\nsender:\nto:bob@contoso.com\ncc:\n' +
        `date:${dateText}\n` +
        'subject:Plan\nmessage-id:d1@contoso.com\nin-reply-to:\nreferences:\n' +
        `P text/plain\t\t${sha256('Body.')}\n`,
    )}`;
  const unreadable = ['Mon, 22 Dec 2008 10:00:00 CEST', 'Mon, 22 Dec 2008 10:00:00 MESZ', 'Mon, 22 Dec 2008 10:00:00 A'];

  for (const [eol, encode] of EOLS) {
    test(`CEST, MESZ and a military letter: date null, the key hashes the field's text (${eol})`, () => {
      const keys = new Set<string>();
      for (const date of unreadable) {
        const { report: r } = runAs(encode(message(date)), 'whole');
        expect(r.message.date, date).toBeNull();
        expect(r.dedup.contentKey, date).toBe(knownKey(date));
        keys.add(r.dedup.contentKey!);
        // The same text gives the same key, in any chunking.
        for (const how of ['bytes', 7] as const) expect(runAs(encode(message(date)), how).report.dedup.contentKey).toBe(knownKey(date));
      }
      // Messages differing only in that text have different keys.
      expect(keys.size).toBe(3);
      // White space runs in the text are collapsed, so a re-spaced copy keeps the key.
      expect(runAs(encode(message('Mon,  22 Dec 2008   10:00:00\tCEST')), 'whole').report.dedup.contentKey).toBe(knownKey('Mon, 22 Dec 2008 10:00:00 CEST'));
    });

    test(`the names it does read give a date and a key on the time, not on the text (${eol})`, () => {
      // The contrast: `Z` and `EST` are read, so the key's date line is seconds since the epoch.
      const z = runAs(encode(message('Mon, 22 Dec 2008 10:00:00 Z')), 'whole').report;
      expect(z.message.date).toBe('2008-12-22T10:00:00.000Z');
      expect(z.dedup.contentKey).toBe(knownKey(String(Date.UTC(2008, 11, 22, 10) / 1000)));
      const est = runAs(encode(message('Mon, 22 Dec 2008 05:00:00 EST')), 'whole').report;
      expect(est.message.date).toBe('2008-12-22T10:00:00.000Z');
      expect(est.dedup.contentKey).toBe(z.dedup.contentKey);
    });
  }
});

/** An NDR (RFC 3464 layout) returning `returned` as a part of type `returnedType`. */
function ndr(opts: { isNdrHeader?: boolean; statusType?: string; actions?: string[]; returnedType?: string; returned?: string }): string {
  const lines = [
    'From: MAILER-DAEMON@relay.example.net',
    'To: journal@archive.example',
    'Subject: Delivery Status Notification',
    ...(opts.isNdrHeader ? ['X-MS-Exchange-Message-Is-Ndr:'] : []),
    'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
    '',
    '--R',
    'Content-Type: text/plain',
    '',
    'A delivery report.',
    '--R',
    `Content-Type: ${opts.statusType ?? 'message/delivery-status'}`,
    '',
    'Reporting-MTA: dns; relay.example.net',
    ...(opts.actions ?? ['failed']).flatMap((action, i) => ['', `Final-Recipient: rfc822; r${i}@archive.example`, `Action: ${action}`, `Status: ${action === 'failed' ? '5.0.0' : '2.0.0'}`]),
    '',
  ];
  if (opts.returned !== undefined) lines.push('--R', `Content-Type: ${opts.returnedType ?? 'message/rfc822'}`, '', opts.returned);
  lines.push('--R--', '');
  return lines.join('\n');
}

// A plain message an NDR may return (ends in a line break, so it is exactly the part's body).
const PLAIN = ['From: sender@contoso.com', 'To: gone@fabrikam.example', 'Subject: Lost', 'Message-ID: <lost1@contoso.com>', '', 'Where did it go?', ''].join('\n');

describe('(c) an NDR returning message/global is unwrapped and archived like message/rfc822', () => {
  // README, Non-delivery reports: "The returned message is the NDR's first `message/rfc822` (or
  // `message/global`) part at any depth of its multiparts". The table: a returned journal report
  // is `archive-journal-report` in both modes; an NDR with `X-MS-Exchange-Message-Is-Ndr` that
  // returns another message is `archive-attached` (endpoint) or `archive-unchanged` (mailbox).
  for (const [eol, encode] of EOLS) {
    for (const mode of ['endpoint', 'mailbox'] as const) {
      test(`a returned journal report: archive-journal-report, its original archived (${mode}, ${eol})`, () => {
        const input = encode(ndr({ statusType: 'message/global-delivery-status', returnedType: 'message/global', returned: SAMPLE_REPORT }));
        const asRfc822 = runAs(encode(ndr({ statusType: 'message/global-delivery-status', returnedType: 'message/rfc822', returned: SAMPLE_REPORT })), 'whole', { mode }).report;
        for (const how of CHUNKINGS) {
          const { report: r, output } = runAs(input, how, { mode });
          expect(r.kind).toBe('ndr');
          expect(r.ndr).toEqual({
            signal: 'delivery-status',
            action: 'archive-journal-report',
            mode,
            chain: ['ndr', 'journal-report'],
            returned: 'message',
            reportingMta: 'relay.example.net',
            deliveryStatus: [{ finalRecipient: 'r0@archive.example', originalRecipient: null, action: 'failed', status: '5.0.0', diagnosticCode: null, remoteMta: null }],
          });
          expect(r.output.content).toBe('original');
          expect(r.envelope?.sender).toBe('alice@contoso.com');
          expect(r.recipients.map((x) => `${x.type}:${x.address}`)).toEqual(['to:bob@contoso.com', 'cc:carol@fabrikam.com', 'bcc:dave@contoso.com', 'to:erin@contoso.com']);
          expect(r.message.removedHeaders).toEqual(['X-MS-Exchange-Organization-BCC']);
          expect(text(output)).toBe(text(encode(SAMPLE_ARCHIVED)));
          // The same report as for a message/rfc822 part.
          expect(r).toEqual(asRfc822);
        }
      });

      test(`a returned plain message under X-MS-Exchange-Message-Is-Ndr (${mode}, ${eol})`, () => {
        const input = encode(ndr({ isNdrHeader: true, returnedType: 'message/global', returned: PLAIN }));
        for (const how of CHUNKINGS) {
          const { report: r, output } = runAs(input, how, { mode });
          expect(r.kind).toBe('ndr');
          if (mode === 'endpoint') {
            expect(r.ndr).toMatchObject({ signal: 'delivery-status', action: 'archive-attached', mode, chain: ['ndr', 'message'], returned: 'message' });
            expect(r.output.content).toBe('attached');
            expect(r.message.messageId).toBe('<lost1@contoso.com>');
            expect(text(output)).toBe(text(encode(PLAIN)));
            expect(r).toEqual(runAs(encode(ndr({ isNdrHeader: true, returnedType: 'message/rfc822', returned: PLAIN })), 'whole', { mode }).report);
          } else {
            expect(r.ndr).toMatchObject({ signal: 'delivery-status', action: 'archive-unchanged', mode, chain: ['ndr'], returned: 'message' });
            expect(r.output.content).toBe('unchanged');
            expect(text(output)).toBe(text(input));
          }
        }
      });
    }
  }
});

describe('(d) DSN Action: relayed and expanded', () => {
  // README: "A delivery-status report that is not a failure (`Action: delivered`, `relayed`,
  // `expanded` or `delayed`) is handled like one, since RFC 3464 gives them one format: it is an
  // `ndr` whose `ndr.deliveryStatus[].action` says what happened (a delayed journal report that
  // is returned is unwrapped …)".
  const status = [
    { finalRecipient: 'r0@archive.example', originalRecipient: null, action: 'relayed', status: '2.0.0', diagnosticCode: null, remoteMta: null },
    { finalRecipient: 'r1@archive.example', originalRecipient: null, action: 'expanded', status: '2.0.0', diagnosticCode: null, remoteMta: null },
  ];
  for (const [eol, encode] of EOLS) {
    test(`both listed; returning nothing, the report is archived unchanged as an ndr (${eol})`, () => {
      const input = encode(ndr({ actions: ['relayed', 'expanded'] }));
      for (const mode of ['endpoint', 'mailbox'] as const) {
        for (const how of CHUNKINGS) {
          const { report: r, output } = runAs(input, how, { mode });
          expect(r.kind).toBe('ndr');
          expect(r.ndr).toEqual({ signal: 'delivery-status', action: 'archive-unchanged', mode, chain: ['ndr'], returned: 'none', reportingMta: 'relay.example.net', deliveryStatus: status });
          expect(r.output.content).toBe('unchanged');
          expect(text(output)).toBe(text(input));
        }
      }
    });

    test(`returning a journal report, it is unwrapped as for a failure (${eol})`, () => {
      const input = encode(ndr({ actions: ['relayed', 'expanded'], returned: SAMPLE_REPORT }));
      for (const mode of ['endpoint', 'mailbox'] as const) {
        for (const how of CHUNKINGS) {
          const { report: r, output } = runAs(input, how, { mode });
          expect(r.ndr).toEqual({ signal: 'delivery-status', action: 'archive-journal-report', mode, chain: ['ndr', 'journal-report'], returned: 'message', reportingMta: 'relay.example.net', deliveryStatus: status });
          expect(r.output.content).toBe('original');
          expect(text(output)).toBe(text(encode(SAMPLE_ARCHIVED)));
        }
      }
    });
  }
});

describe('(e) ndr.returned says what came back', () => {
  // README: "`ndr.returned` what came back (`message`, `headers`, `none`)"; warning
  // `NDR_HEADERS_ONLY`: "the NDR returns only `text/rfc822-headers`: archived unchanged".
  const headersOnly = PLAIN.slice(0, PLAIN.indexOf('\n\n') + 1);
  for (const [eol, encode] of EOLS) {
    test(`none, headers and message (${eol})`, () => {
      const none = encode(ndr({}));
      const headers = encode(ndr({ returnedType: 'text/rfc822-headers', returned: headersOnly }));
      const message = encode(ndr({ returned: PLAIN }));
      for (const how of CHUNKINGS) {
        const n = runAs(none, how).report;
        expect([n.ndr?.returned, n.ndr?.action, codes(n)]).toEqual(['none', 'archive-unchanged', []]);
        const h = runAs(headers, how);
        expect([h.report.ndr?.returned, h.report.ndr?.action, codes(h.report)]).toEqual(['headers', 'archive-unchanged', ['NDR_HEADERS_ONLY']]);
        expect(text(h.output)).toBe(text(headers));
        // No Exchange NDR marker and no journal report inside: archived whole, but it did return the message.
        const m = runAs(message, how);
        expect([m.report.ndr?.returned, m.report.ndr?.action, codes(m.report)]).toEqual(['message', 'archive-unchanged', []]);
        expect(text(m.output)).toBe(text(message));
      }
    });
  }
});

describe('(f) detectJournalReport on anything that is no journal report', () => {
  // README: "`detectJournalReport(headerBytesOrText)` does the journal check on its own
  // (`{ kind: 'message', source: null, marker: null }` for anything that is no journal report)".
  const notReports = [
    ['a plain message', 'From: a@contoso.com\nTo: b@contoso.com\nSubject: hi\n\nX-MS-Journal-Report: in the body\n'],
    ['a Google routing copy', 'X-Gm-Original-To: dave@contoso.com\nFrom: a@contoso.com\nTo: b@contoso.com\n\nbody\n'],
    ['a delivery-header copy', 'Delivered-To: b@contoso.com\nFrom: a@contoso.com\nTo: b@contoso.com\n\nbody\n'],
    ['an NDR', 'X-MS-Exchange-Message-Is-Ndr:\nFrom: postmaster@contoso.com\nSubject: Undeliverable: hi\n\nbody\n'],
    ['no header block at all', ''],
  ] as const;
  for (const [eol, encode] of EOLS) {
    test(`exactly { kind: 'message', source: null, marker: null } (${eol})`, () => {
      for (const [what, head] of notReports) {
        const b = encode(head);
        expect(detectJournalReport(b), what).toStrictEqual({ kind: 'message', source: null, marker: null });
        expect(detectJournalReport(text(b)), what).toStrictEqual({ kind: 'message', source: null, marker: null });
        expect(detectJournalReport(b.slice().buffer), what).toStrictEqual({ kind: 'message', source: null, marker: null });
      }
    });
  }
});

describe('(g) X-WM-Journal-Report needs the value "journal"', () => {
  // README, Detection: "`workmail` | `X-WM-Journal-Report: journal` (Amazon WorkMail; read like an
  // Exchange 2007 report)". "Anything else is `kind: "message"` and its bytes pass through
  // unchanged".
  const workmail = (value: string) =>
    [
      'From: WorkMail Journaling <journaling@contoso.com>',
      'To: journal@archive.example',
      'Subject: Vendor onboarding',
      `X-WM-Journal-Report: ${value}`,
      'Content-Type: multipart/mixed; boundary="wm"',
      '',
      '--wm',
      'Content-Type: text/plain',
      '',
      'Sender: alice@contoso.com',
      'Subject: Vendor onboarding',
      'Message-Id: <wm1@contoso.com>',
      'To: bob@contoso.com',
      'Bcc: dave@contoso.com',
      '',
      '--wm',
      'Content-Type: message/rfc822',
      '',
      'From: alice@contoso.com',
      'To: bob@contoso.com',
      'Subject: Vendor onboarding',
      'Message-ID: <wm1@contoso.com>',
      'X-MS-Exchange-Organization-BCC: dave@contoso.com',
      '',
      'Due on the 28th.',
      '',
      '--wm--',
      '',
    ].join('\n');
  const originalArchived = ['From: alice@contoso.com', 'To: bob@contoso.com', 'Subject: Vendor onboarding', 'Message-ID: <wm1@contoso.com>', '', 'Due on the 28th.', ''].join('\n');

  for (const [eol, encode] of EOLS) {
    test(`"journal": a workmail journal report read like an Exchange 2007 one (${eol})`, () => {
      const input = encode(workmail('journal'));
      expect(detectJournalReport(input)).toStrictEqual({ kind: 'journal-report', source: 'workmail', marker: 'X-WM-Journal-Report' });
      for (const how of CHUNKINGS) {
        const { report: r, output } = runAs(input, how);
        expect([r.kind, r.source, r.marker, r.defective, r.trust]).toEqual(['journal-report', 'workmail', 'X-WM-Journal-Report', false, 'unverified']);
        expect(r.recipients.map((x) => `${x.type}:${x.address}`)).toEqual(['to:bob@contoso.com', 'bcc:dave@contoso.com']);
        expect(text(output)).toBe(text(encode(originalArchived)));
      }
    });

    test(`any other value: a plain message, its bytes unchanged (${eol})`, () => {
      for (const value of ['yes', 'journaled', '']) {
        const input = encode(workmail(value));
        expect(detectJournalReport(input), value).toStrictEqual({ kind: 'message', source: null, marker: null });
        for (const how of CHUNKINGS) {
          const { report: r, output } = runAs(input, how);
          expect([r.kind, r.source, r.marker, r.defective, r.trust, r.envelope, r.wrapper], value).toEqual(['message', 'headers', null, false, null, null, null]);
          expect(r.output.content).toBe('unchanged');
          expect(r.recipients.map((x) => `${x.type}:${x.source}:${x.address}`)).toEqual(['to:header:journal@archive.example']);
          expect(codes(r)).toEqual(['BCC_UNKNOWN']);
          expect(text(output)).toBe(text(input));
        }
      }
    });
  }
});

describe('(h) the rpmsg type as a field at a line start of a multipart original marks it protected', () => {
  // README, Protected mail: protection is "recognised by its `application/x-microsoft-rpmsg-message`
  // type in a part's `Content-Type` — … the field must start a line of a multipart message's
  // body, so a quote within a line, after `> `, or anywhere in a single-part message does not
  // count; a text part of a multipart message with a line that is exactly such a field would".
  // "`report.renditions` lists both (`role`: `protected`, `decrypted`; …)"; the protected
  // original is archived unless `preferClearText`.
  const first = (textLine: string) =>
    [
      'From: alice@contoso.com',
      'To: bob@contoso.com',
      'Subject: Plan',
      'Message-ID: <plan1@contoso.com>',
      'Content-Type: multipart/mixed; boundary="in"',
      '',
      '--in',
      'Content-Type: text/plain',
      '',
      'Notes on the rights-managed mail:',
      textLine,
      'End of notes.',
      '--in',
      'Content-Type: application/octet-stream; name="notes.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      'QUJD',
      '--in--',
      '',
    ].join('\n');
  const second = ['From: alice@contoso.com', 'To: bob@contoso.com', 'Subject: Plan (clear)', 'Message-ID: <plan1@contoso.com>', '', 'The plan, in clear.', ''].join('\n');
  const irmReport = (textLine: string) =>
    [
      ...journalHead('Plan'),
      'Sender: alice@contoso.com',
      'Subject: Plan',
      'Message-Id: <plan1@contoso.com>',
      'To: bob@contoso.com',
      '',
      '--jr',
      'Content-Type: message/rfc822',
      '',
      first(textLine),
      '--jr',
      'Content-Type: message/rfc822',
      '',
      second,
      '--jr--',
      '',
    ].join('\n');
  const RPMSG = 'Content-Type: application/x-microsoft-rpmsg-message';
  const renditions = (r: JournalReport) => r.renditions.map((x) => [x.role, x.archived, x.subject]);

  for (const [eol, encode] of EOLS) {
    test(`a line that is exactly the field: protected and decrypted (${eol})`, () => {
      const input = encode(irmReport(RPMSG));
      for (const how of CHUNKINGS) {
        const plain = runAs(input, how);
        expect(renditions(plain.report)).toEqual([
          ['protected', true, 'Plan'],
          ['decrypted', false, 'Plan (clear)'],
        ]);
        expect(codes(plain.report)).toEqual([]);
        expect(text(plain.output)).toBe(text(encode(first(RPMSG))));
        const clear = runAs(input, how, { preferClearText: true });
        expect(renditions(clear.report)).toEqual([
          ['protected', false, 'Plan'],
          ['decrypted', true, 'Plan (clear)'],
        ]);
        expect(codes(clear.report)).toEqual([]);
        expect(text(clear.output)).toBe(text(encode(second)));
      }
    });

    test(`within a line (after "> ", mid-line): not protected, the second message is extra (${eol})`, () => {
      for (const line of [`> ${RPMSG}`, `It said ${RPMSG} in the header.`]) {
        const input = encode(irmReport(line));
        for (const how of CHUNKINGS) {
          for (const preferClearText of [false, true]) {
            const { report: r, output } = runAs(input, how, { preferClearText });
            expect(renditions(r), line).toEqual([
              ['original', true, 'Plan'],
              ['original', false, 'Plan (clear)'],
            ]);
            expect(codes(r)).toEqual(['EXTRA_MESSAGE']);
            expect(text(output)).toBe(text(encode(first(line))));
          }
        }
      }
    });
  }
});
