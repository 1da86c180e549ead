import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { mergeReports } from '../src/merge.js';
import { FIXTURES } from './helpers/fixtures.js';
import { bytes, runAs, toCRLF, toLF } from './helpers/run.js';

const read = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, 'dedup', `${name}.eml`)));
const report = (name: string, how: 'whole' | number = 'whole') => runAs(read(name), how).report;

describe('dedup keys across copies of one message', () => {
  const copies = ['q2-journal-report', 'q2-google-routing-copy', 'q2-mailbox-export', 'q2-gateway-copy', 'q2-partial-cloud-internal', 'q2-partial-cloud-external', 'q2-partial-onprem'];

  test('journal, Google routing, mailbox export with regenerated MIME and gateway copies share both keys', () => {
    const first = report(copies[0]!).dedup;
    expect(first.contentKey).toMatch(/^ck1:[0-9a-f]{64}$/);
    expect(first.messageIdKey).toMatch(/^mid1:[0-9a-f]{64}$/);
    for (const name of copies) {
      for (const how of ['whole', 7] as const) expect(report(name, how).dedup, `${name} ${how}`).toEqual(first);
      expect(runAs(toCRLF(read(name)), 'whole').report.dedup, `${name} CRLF`).toEqual(first);
    }
    expect(report('q2-google-routing-copy').source).toBe('google');
    expect(report('q2-mailbox-export').source).toBe('headers');
  });

  test('line endings of a textual application/* part do not change the key (signed mail in an LF export)', () => {
    const signed = (eol: string, sig: string) =>
      bytes(
        [
          'From: a@contoso.com',
          'To: b@contoso.com',
          'Subject: signed',
          'Message-ID: <s1@contoso.com>',
          'Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary="S"',
          '',
          '--S',
          'Content-Type: text/plain',
          '',
          'hello',
          '--S',
          'Content-Type: application/pgp-signature; name="signature.asc"',
          '',
          '-----BEGIN PGP SIGNATURE-----',
          sig,
          '-----END PGP SIGNATURE-----',
          '--S--',
          '',
        ].join(eol),
      );
    const key = (bytes: Uint8Array) => runAs(bytes, 'whole').report.dedup.contentKey;
    expect(key(signed('\n', 'iQEzBAEBCAAdFiEE'))).toBe(key(signed('\r\n', 'iQEzBAEBCAAdFiEE')));
    expect(key(signed('\n', 'iQEzBAEBCAAdFiEE'))).not.toBe(key(signed('\n', 'iQEzBAEBCAAdFiEF')));
    // An application/octet-stream part carries bytes: a CR in its decoded content counts.
    const b64 = (body: string) =>
      bytes(`From: a@x\nTo: b@x\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${Buffer.from(body).toString('base64')}\n`);
    expect(key(b64('a\r\nb'))).not.toBe(key(b64('a\nb')));
  });

  test('two different messages with the same Message-ID: same Message-ID key, different content keys', () => {
    const a = report('reused-id-first').dedup;
    const b = report('reused-id-second').dedup;
    expect(a.messageIdKey).toBe(b.messageIdKey);
    expect(a.contentKey).not.toBe(b.contentKey);
    expect(mergeReports([report('reused-id-first'), report('reused-id-second')])).toMatchObject({ conflict: true, conflicts: ['contentKey'], contentKey: null });
  });

  test('three partial journal reports merge into the full recipient set, with provenance', () => {
    const parts = ['q2-partial-cloud-internal', 'q2-partial-cloud-external', 'q2-partial-onprem'].map((n) => report(n));
    const merged = mergeReports(parts);
    expect(merged.conflict).toBe(false);
    expect(merged.contentKey).toBe(report('q2-journal-report').dedup.contentKey);
    expect(merged.senders).toEqual(['alice@contoso.com']);
    expect(merged.recipients.map((r) => [r.address, r.type, r.expandedFrom])).toEqual([
      ['bob@contoso.com', 'to', []],
      ['dave@contoso.com', 'bcc', []],
      ['carol@fabrikam.com', 'cc', []],
      ['erin@contoso.com', 'to', ['sales@contoso.com']],
    ]);
    expect(merged.recipients[0]!.provenance).toEqual([
      { report: 0, source: 'envelope', type: 'to', fields: ['To'] },
      { report: 2, source: 'envelope', type: 'to', fields: ['To'] },
    ]);
    // The merged set equals the single full report's.
    const full = report('q2-journal-report').recipients.map((r) => `${r.type}:${r.address}`).sort();
    expect(merged.recipients.map((r) => `${r.type}:${r.address}`).sort()).toEqual(full);
  });

  test('merging keeps the union of types and sources across a journal copy and a mailbox copy', () => {
    const merged = mergeReports([report('q2-mailbox-export'), report('q2-journal-report')]);
    expect(merged.conflict).toBe(false);
    const bob = merged.recipients.find((r) => r.address === 'bob@contoso.com')!;
    expect(bob.provenance.map((p) => [p.report, p.source])).toEqual([
      [0, 'header'],
      [1, 'envelope'],
    ]);
    const dave = merged.recipients.find((r) => r.address === 'dave@contoso.com')!;
    expect(dave.types).toEqual(['bcc']);
    expect(() => mergeReports('x' as never)).toThrow(TypeError);
  });

  test('the IRM protected original and its decrypted copy share the Message-ID key; renditions carry their content keys', () => {
    const irm = runAs(new Uint8Array(readFileSync(path.join(FIXTURES, 'exchange', 'irm-two-embedded-messages.eml'))), 'whole').report;
    const [prot, clear] = irm.renditions;
    expect(prot!.messageId).toBe(clear!.messageId);
    expect(prot!.contentKey).not.toBe(clear!.contentKey);
    expect(irm.dedup.contentKey).toBe(prot!.contentKey);
    const clearText = runAs(new Uint8Array(readFileSync(path.join(FIXTURES, 'exchange', 'irm-two-embedded-messages.eml'))), 'whole', { preferClearText: true }).report;
    expect(clearText.dedup).toEqual({ messageIdKey: irm.dedup.messageIdKey, contentKey: clear!.contentKey });
  });

  test('a message without Message-ID has no Message-ID key, never a shared placeholder', () => {
    const noId = runAs(bytes('From: a@x\nTo: b@x\nSubject: s\n\nbody\n'), 'whole').report;
    expect(noId.dedup.messageIdKey).toBeNull();
    expect(noId.dedup.contentKey).toMatch(/^ck1:/);
  });

  test('dedupKeys: false turns both keys off', () => {
    expect(runAs(read('q2-journal-report'), 'whole', { dedupKeys: false }).report.dedup).toEqual({ messageIdKey: null, contentKey: null });
  });
});

describe('a null content key (documented in the README: dedup, Dedup keys)', () => {
  const pad = `X-Pad: ${'a'.repeat(2000)}\n`;
  const cases: [string, string, string][] = [
    ['ORIGINAL_MISSING', 'X-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nSender: a@x.com\nTo: b@x.com\n\n--B--\n', 'journal-report'],
    ['MIME_NOT_MULTIPART', 'X-MS-Journal-Report:\nContent-Type: text/plain\n\nSender: a@x.com\n', 'journal-report'],
    ['ORIGINAL_HEADER_LIMIT', `X-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nSender: a@x.com\nTo: b@x.com\n\n--B\nContent-Type: message/rfc822\n\nFrom: a@x.com\n${pad}Message-ID: <m@x.com>\n\nbody\n--B--\n`, 'journal-report'],
    ['HEADER_LIMIT', `X-MS-Journal-Report:\n${pad}Content-Type: text/plain\n\nbody\n`, 'message'],
  ];
  test.each(cases)('%s: the whole input is archived and has no content key', (code, input, kind) => {
    const r = runAs(bytes(input), 'whole', { maxHeaderBytes: 1000 }).report;
    expect(r.warnings.map((w) => w.code)).toContain(code);
    expect(r.kind).toBe(kind);
    expect(r.output.content).toBe('unchanged');
    expect(r.dedup.contentKey).toBeNull();
  });

  test('mergeReports leaves null keys out of the comparison: the merged key is null only when no input has one', () => {
    const keyed = report('q2-journal-report');
    const missing = runAs(bytes(cases[0]![1]), 'whole').report;
    expect(missing.dedup.contentKey).toBeNull();
    const mixed = mergeReports([keyed, missing]);
    expect(mixed.contentKey).toBe(keyed.dedup.contentKey);
    expect(mixed.conflicts).not.toContain('contentKey');
    const none = mergeReports([missing, missing]);
    expect(none.contentKey).toBeNull();
    expect(none.conflict).toBe(false);
  });
});

describe('content key text normalisation does not depend on chunking', () => {
  const msg = (body: string) => bytes(`From: a@x\r\nTo: b@x\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\n${body}`);
  const key = (b: Uint8Array, how: 'whole' | 'bytes' | number) => runAs(b, how).report.dedup.contentKey;
  test.each([
    ['short trailing blanks', 'hello\r\n\r\n  \t\r\n'],
    ['a trailing run longer than the hold', `hello${' \r\n'.repeat(3000)}`],
    ['a long inner run', `hello${' '.repeat(9000)}world\r\n`],
    ['lone CRs', 'a\rb\r\r\nc\r'],
  ])('%s', (_what, body) => {
    const whole = key(msg(body), 'whole');
    for (const how of ['bytes', 2, 3, 500] as const) expect(key(msg(body), how)).toBe(whole);
  });

  test('CRLF and LF, and trailing blanks, do not change the key; inner text does', () => {
    expect(key(msg('a\r\nb\r\n'), 'whole')).toBe(key(msg('a\nb'), 'whole'));
    expect(key(msg('a\nb   \n\n'), 'whole')).toBe(key(msg('a\nb'), 'whole'));
    expect(key(msg('a\n b'), 'whole')).not.toBe(key(msg('a\nb'), 'whole'));
  });
});

test('the To/Cc lines of the content key: order, case and repeats do not count, membership does', () => {
  const key = (to: string, cc = '') =>
    runAs(bytes(`From: a@x\r\nTo: ${to}\r\n${cc ? `Cc: ${cc}\r\n` : ''}Subject: s\r\nContent-Type: text/plain\r\n\r\nbody\r\n`), 'whole').report.dedup.contentKey;
  const base = key('b@x, c@x, d@x');
  expect(key('d@x, B@X, c@x')).toBe(base);
  expect(key('c@x, b@x, C@X, d@x, d@x')).toBe(base);
  expect(key('b@x, c@x')).not.toBe(base);
  expect(key('b@x, c@x, d@x, e@x')).not.toBe(base);
  // The same address in Cc instead of To is another message.
  expect(key('b@x, c@x', 'd@x')).not.toBe(base);
  expect(key('b@x, c@x', 'D@x, d@X')).toBe(key('c@x, b@x', 'd@x'));
});

describe('a leaf in one piece is hashed as the same leaf streamed', () => {
  const part = (cte: string, body: string) =>
    bytes(
      `From: a@x\r\nTo: b@x\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${body}\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${body}\r\n--b--\r\n`,
    );
  const key = (b: Uint8Array, how: 'whole' | 'bytes' | number) => runAs(b, how).report.dedup.contentKey;
  const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
  const b64 = (d: Buffer) => d.toString('base64').replace(/.{76}/g, '$&\r\n').trimEnd();
  test.each([
    ['base64 with padding', 'base64', b64(data.subarray(0, 2999))],
    ['base64 without its final padding', 'base64', b64(data.subarray(0, 2999)).replace(/=+$/, '')],
    ['base64 with garbage', 'base64', `${b64(data)}*!`],
    // Longer than the bodies decoded in one call: streamed even when it comes in one piece.
    ['base64 over 64 KiB, unpadded', 'base64', b64(Buffer.concat(Array(40).fill(data)).subarray(0, 119_999)).replace(/=+$/, '')],
    ['quoted-printable ending in a soft break', 'quoted-printable', 'caf=E9 =\r\nna=C3=AFve\r\n  \t='],
    ['7bit with trailing blanks and a lone CR', '7bit', 'a\r\nb \r\r\n\r\n  '],
  ])('%s', (_what, cte, body) => {
    const whole = key(part(cte, body), 'whole');
    for (const how of ['bytes', 7, 500, 4096] as const) expect(key(part(cte, body), how), `chunking ${how}`).toBe(whole);
  });

  test('the base64, quoted-printable and 7bit copies of one text agree', () => {
    const text = 'line one\r\nline two\r\n';
    const plain = bytes(`From: a@x\r\nTo: b@x\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\n${text}`);
    const encoded = (cte: string, body: string) => bytes(`From: a@x\r\nTo: b@x\r\nSubject: s\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${body}`);
    const expected = key(plain, 'whole');
    for (const how of ['whole', 'bytes', 5] as const) {
      expect(key(encoded('base64', Buffer.from(text).toString('base64')), how)).toBe(expected);
      expect(key(encoded('quoted-printable', 'line =\r\none\r\nline two=0D=0A'), how)).toBe(expected);
    }
  });
});

test('multiparts whose boundary never appears do not all share one key', () => {
  const msg = (body: string) => bytes(`From: a@x\r\nTo: b@x\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=never\r\n\r\n${body}\r\n`);
  const a = runAs(msg('hello'), 'whole').report.dedup.contentKey;
  const b = runAs(msg('completely different'), 'whole').report.dedup.contentKey;
  expect(a).not.toBe(b);
  for (const how of ['bytes', 3] as const) expect(runAs(msg('hello'), how).report.dedup.contentKey).toBe(a);
});

describe('quoted-printable is decoded to the content it stands for (RFC 2045 §6.7)', () => {
  const msg = (type: string, cte: string, body: string) =>
    bytes(`From: a@x\r\nTo: b@x\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: ${type}\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${body}\r\n--b--\r\n`);
  const key = (b: Uint8Array, how: 'whole' | number = 'whole') => runAs(b, how).report.dedup.contentKey;
  const asLf = (b: Uint8Array) => toLF(b);

  test('a binary attachment: the LF copy, the CRLF copy and the base64 form agree', () => {
    const rtf = '{\\rtf1 caf\xe9}\r\n{\\par line two}\r\n';
    const crlf = msg('application/rtf', 'quoted-printable', '{\\rtf1 caf=E9}\r\n{\\par line two}\r\n');
    const b64 = msg('application/rtf', 'base64', Buffer.from(rtf, 'latin1').toString('base64'));
    const expected = key(crlf);
    expect(key(b64)).toBe(expected);
    for (const how of ['whole', 3, 40] as const) expect(key(asLf(crlf), how)).toBe(expected);
  });

  test('a text part with "=0D" before its line breaks keys the same as LF and as CRLF', () => {
    const crlf = msg('text/plain', 'quoted-printable', 'line one=0D\r\nline two=0D\r\n');
    expect(key(asLf(crlf))).toBe(key(crlf));
    for (const how of [2, 9] as const) expect(key(asLf(crlf), how)).toBe(key(crlf));
  });

  test('blanks a relay added at the end of encoded lines do not count; encoded ones do', () => {
    const clean = key(msg('application/octet-stream', 'quoted-printable', 'a=20\r\nb\r\n'));
    expect(key(msg('application/octet-stream', 'quoted-printable', 'a=20  \r\nb\t\r\n'))).toBe(clean);
    expect(key(msg('application/octet-stream', 'quoted-printable', 'a\r\nb\r\n'))).not.toBe(clean);
  });
});

describe('dedup audit findings (session 22)', () => {
  const key = (text: string, how: 'whole' | 'bytes' | number = 'whole') => runAs(bytes(text), how).report.dedup.contentKey;
  const lines = (...l: string[]) => `${l.join('\n')}\n`;

  test('lines that are no field in a header block (its empty line missing) count: different texts, different keys', () => {
    // Found by audit: the lines were read as malformed fields and left out, so two invoices that
    // differed only in their text shared a key (and the CLI store kept one of them).
    const head = ['From: a@x.com', 'To: b@x.com', 'Subject: Invoice', 'Date: Tue, 4 Jun 2024 09:14:58 +0000', 'Message-ID: <inv@x.com>'];
    const whole = (amount: string) => lines(...head, `Pay ${amount} EUR to account A.`, 'Thanks.');
    const part = (amount: string) => lines(...head, 'Content-Type: multipart/mixed; boundary=z', '', '--z', `Pay ${amount} EUR to account A.`, '--z--');
    for (const make of [whole, part]) {
      const a = make('100');
      expect(key(a)).not.toBe(key(make('999')));
      // Still independent of line endings and chunking.
      for (const how of ['bytes', 5] as const) expect(key(a, how)).toBe(key(a));
      expect(runAs(toCRLF(bytes(a)), 'whole').report.dedup.contentKey).toBe(key(a));
    }
    // Fields an export appends to the block (mbox Status) do not count, as for any message.
    expect(key(`${whole('100')}Status: RO\nX-Status: A\n`)).toBe(key(whole('100')));
    // Fields after such a line still count (found by review: a top-level multipart whose stray
    // line came before Subject and Message-ID lost them from the key).
    const multi = (week: number) =>
      lines('From: alice@contoso.com', 'To: bob@contoso.com', 'Content-Type: multipart/mixed; boundary="b1"', 'X-Campaign tracking', `Subject: Report week ${week}`, `Message-ID: <w${week}@contoso.com>`, '', '--b1', '', 'same', '--b1--');
    expect(key(multi(1))).not.toBe(key(multi(2)));
    // Well-formed messages are unchanged by the rule, and lines an export puts before the first
    // field (an mbox From_ line, Outlook's header banner) are framing (second review).
    expect(key(lines('From a@x.com Tue Jun  4 09:14:58 2024', ...head, '', 'hi'))).toBe(key(lines(...head, '', 'hi')));
    expect(key(lines('Microsoft Mail Internet Headers Version 2.0', ...head, '', 'hi'))).toBe(key(lines(...head, '', 'hi')));
    // Only those: other lines before the first field are text (third review).
    expect(key('Invoice 1001 approved\nAmount: 100 EUR\n\nPlease pay.\n')).not.toBe(key('Invoice 1002 rejected\nAmount: 100 EUR\n\nPlease pay.\n'));
    // A text with no field at all is text: two of them differ.
    expect(key(lines('Pay 100 EUR', 'Thanks'))).not.toBe(key(lines('Pay 999 EUR', 'Thanks')));
  });

  test('a journal original without Message-ID keys as its own bytes: the content key is the archived message\'s', () => {
    // Found by audit: messageIdKey takes the envelope's ID, the content key does not. Reviewed:
    // kept so, since the archived bytes (and a gateway copy made before Exchange) carry no ID and
    // must key as the journal copy does; messageIdKey finds the mailbox copy that got the ID.
    const original = ['From: a@x.com', 'To: b@x.com', 'Subject: Hi', 'Date: Tue, 4 Jun 2024 09:14:58 +0000'];
    const journal = lines(
      'From: journal@x.com',
      'X-MS-Journal-Report:',
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Sender: a@x.com',
      'Message-Id: <env1@x.com>',
      'To: b@x.com',
      '--b',
      'Content-Type: message/rfc822',
      '',
      ...original,
      '',
      'Hello.',
      '--b--',
    );
    const j = runAs(bytes(journal), 'whole');
    expect(j.report.message.messageIdSource).toBe('envelope');
    expect(runAs(j.output, 'whole').report.dedup.contentKey).toBe(j.report.dedup.contentKey);
    expect(key(lines(...original, '', 'Hello.'))).toBe(j.report.dedup.contentKey);
    expect(j.report.dedup.messageIdKey).toBe(runAs(bytes(lines(...original, 'Message-ID: <env1@x.com>', '', 'Hello.')), 'whole').report.dedup.messageIdKey);
  });

  test('a Date without a zone is read as UTC: the key and message.date do not depend on the host time zone', () => {
    // Found by audit: Date.parse read it in the host's zone (TZ=Europe/Berlin gave another key).
    const saved = process.env.TZ;
    const results = new Set<string>();
    try {
      for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
        process.env.TZ = tz;
        for (const date of ['Tue, 4 Jun 2024 09:14:58', '2024-06-04 09:14:58', '2024-06-04T09:14:58', '4 Jun 2024 09:14']) {
          const r = runAs(bytes(lines('From: a@x.com', `Date: ${date}`, 'Message-ID: <tz@x.com>', '', 'hi')), 'whole').report;
          results.add(`${date}|${r.message.date}|${r.dedup.contentKey}`);
        }
        // With a zone, wherever it sits: the zone decides, never the host (found by review: a
        // zone before the year, `GMT+2` or `+0200.` were first taken for zoneless).
        for (const date of ['Tue, 4 Jun 2024 11:14:58 +0200', 'Tue Jun 4 05:14:58 EDT 2024', 'Tue Jun 4 11:14:58 +0200 2024', 'Tue, 4 Jun 2024 11:14:58 GMT+2', 'Tue, 4 Jun 2024 11:14:58 +2:00', 'Tue, 4 Jun 2024 11:14:58 +0200.']) {
          const zoned = runAs(bytes(lines('From: a@x.com', `Date: ${date}`, '', 'hi')), 'whole').report;
          results.add(`zoned|${zoned.message.date}`);
        }
        // Forms the second review found misread: one-digit clock parts, a zone without a time,
        // a zone after the year, a date after the time that is no zone.
        for (const [date, iso] of [
          ['Fri, 13 Mar 2020 9:5:3 +0100', '2020-03-13T08:05:03.000Z'],
          ['Fri, 13 Mar 2020 9:5 EST', '2020-03-13T14:05:00.000Z'],
          ['Mon, 22 Dec 2008 EST', '2008-12-22T05:00:00.000Z'],
          ['Mon Dec 22 14:45:23 2008 EST', '2008-12-22T19:45:23.000Z'],
          ['14:45 22-Dec-2008', '2008-12-22T14:45:00.000Z'],
          ['Mon 14:45:23 2008-12-22', '2008-12-22T14:45:23.000Z'],
          ['Mon Dec 22 14:45:23 2008 +01:00', '2008-12-22T13:45:23.000Z'],
          ['Mon Dec 22 14:45:23 2008 UTC+1', '2008-12-22T13:45:23.000Z'],
          ['Mon Dec 22 14:45:23 2008 -07', '2008-12-22T21:45:23.000Z'],
        ]) {
          expect(runAs(bytes(lines('From: a@x.com', `Date: ${date}`, '', 'hi')), 'whole').report.message.date, `${date} (${tz})`).toBe(iso);
        }
        // A date without a time of day names no zone: the day at 00:00 UTC.
        for (const date of ['01-07-2003', '1-Jul-2003', 'Tue, 4 Jun 2024']) results.add(`${date}|${runAs(bytes(lines('From: a@x.com', `Date: ${date}`, '', 'hi')), 'whole').report.message.date}`);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    const dates = [...results].map((r) => r.split('|').slice(0, 2).join('|'));
    expect(dates).toEqual([
      'Tue, 4 Jun 2024 09:14:58|2024-06-04T09:14:58.000Z',
      '2024-06-04 09:14:58|2024-06-04T09:14:58.000Z',
      '2024-06-04T09:14:58|2024-06-04T09:14:58.000Z',
      '4 Jun 2024 09:14|2024-06-04T09:14:00.000Z',
      'zoned|2024-06-04T09:14:58.000Z',
      '01-07-2003|2003-01-07T00:00:00.000Z',
      '1-Jul-2003|2003-07-01T00:00:00.000Z',
      'Tue, 4 Jun 2024|2024-06-04T00:00:00.000Z',
    ]);
    // The first and second forms are the same instant: one key.
    expect(new Set([...results].filter((r) => r.startsWith('Tue, 4 Jun 2024 09') || r.startsWith('2024-06-04 ')).map((r) => r.split('|')[2])).size).toBe(1);
  });

  test('a multipart whose boundary never appears keys the same in its LF and CRLF copies', () => {
    // Found by audit: the `U` line hashed the raw bytes, line endings included.
    const m = lines('From: a@x.com', 'Message-ID: <u@x.com>', 'Content-Type: multipart/mixed; boundary="never"', '', 'The real text sits here.', 'Second line.  ');
    expect(runAs(toCRLF(bytes(m)), 'whole').report.dedup.contentKey).toBe(key(m));
    expect(key(m)).not.toBe(key(m.replace('real', 'other')));
    for (const how of ['bytes', 3] as const) expect(key(m, how)).toBe(key(m));
  });
});
