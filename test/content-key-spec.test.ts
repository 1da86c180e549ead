import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { parseJournal } from '../src/index.js';

// Known answers for the content key: the canonical text of each message is written out here by
// hand, exactly as the README's "Canonical content, version 1" section specifies it, hashed with
// node:crypto, and compared with what the library computes. The library's own canonicalisation is
// never called, so this checks that the documented form and the code agree.

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const contentKey = (canonical: string): string => `ck1:${sha256(canonical)}`;

describe('content key known answers (README: Canonical content, version 1)', () => {
  test('a plain single-part text message (CRLF)', async () => {
    const message = [
      'Received: from mx.contoso.com by mail.contoso.com; Tue, 17 Jul 2018 12:13:30 +0000',
      'Return-Path: <alice@contoso.com>',
      'From: Alice Example <Alice@Contoso.com>',
      'To: "Bob B" <bob@contoso.com>, carol@FABRIKAM.com, Bob Again <BOB@contoso.com>',
      'Cc: Dave <dave@contoso.com>',
      'X-MS-Exchange-Organization-BCC: erin@contoso.com',
      'Subject: =?UTF-8?Q?Quarterly_n=C3=BCmbers?=   for\tQ2 ',
      'Date: Tue, 17 Jul 2018 14:13:28 +0200',
      'Message-ID: <Abc123@CONTOSO.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset="utf-8"',
      '',
      'Hello Bob,',
      'see the numbers.  ',
      '',
      '',
    ].join('\r\n');
    const canonical =
      'ck1\n' +
      'H\n' +
      'from:alice@contoso.com\n' +
      'sender:\n' +
      // To: lower-cased, the duplicate Bob removed, sorted; display names do not count.
      'to:bob@contoso.com,carol@fabrikam.com\n' +
      'cc:dave@contoso.com\n' +
      // 14:13:28 +0200 is 12:13:28 UTC, in seconds since the epoch.
      'date:1531829608\n' +
      // Decoded, white space runs collapsed to one space, trimmed.
      'subject:Quarterly nümbers for Q2\n' +
      // Normalised (domain lower-cased, local part kept) and without its angle brackets.
      'message-id:Abc123@contoso.com\n' +
      'in-reply-to:\n' +
      'references:\n' +
      // The single leaf: CRLF turned into LF, the white space at the very end removed (the blanks
      // ending a line inside the body count).
      `P text/plain\t\t${sha256('Hello Bob,\nsee the numbers.')}\n`;
    const r = await parseJournal(message);
    expect(r.kind).toBe('message');
    expect(r.dedup.contentKey).toBe(contentKey(canonical));
    expect(r.dedup.contentKey).toMatch(/^ck1:[0-9a-f]{64}$/);
  });

  test('multipart/mixed with a text part and a base64 attachment with a filename (LF)', async () => {
    // The attachment's decoded bytes, CRLF, NUL and a final blank included: a non-text leaf is
    // hashed byte for byte.
    const attachment = Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0d, 0x0a, 0x00, 0xff, 0x20, 0x0a]);
    const message = [
      'From: alice@contoso.com',
      'To: bob@contoso.com',
      'Subject: Report',
      'Date: Wed, 18 Jul 2018 08:00:00 +0000',
      'Message-ID: <m2@contoso.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      'This is a multi-part message in MIME format.',
      '--outer',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: 7bit',
      '',
      'Report attached.',
      '',
      '--outer',
      'Content-Type: application/pdf; name="other-name.pdf"',
      'Content-Disposition: attachment; filename="Q2   report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(attachment).toString('base64'),
      '--outer--',
      'epilogue text',
      '',
    ].join('\n');
    const canonical =
      'ck1\n' +
      'H\n' +
      'from:alice@contoso.com\n' +
      'sender:\n' +
      'to:bob@contoso.com\n' +
      'cc:\n' +
      'date:1531900800\n' +
      'subject:Report\n' +
      'message-id:m2@contoso.com\n' +
      'in-reply-to:\n' +
      'references:\n' +
      // Preamble and epilogue left out; the charset does not count.
      'M multipart/mixed\n' +
      `P text/plain\t\t${sha256('Report attached.')}\n` +
      // The Content-Disposition filename wins over the Content-Type name, its blanks collapsed;
      // the digest is of the base64-decoded bytes.
      `P application/pdf\tQ2 report.pdf\t${sha256(attachment)}\n` +
      '/M multipart/mixed\n';
    const r = await parseJournal(message);
    expect(r.dedup.contentKey).toBe(contentKey(canonical));
  });

  test('Sender, In-Reply-To and References; no Message-ID; a date without a zone (LF)', async () => {
    const message = [
      'From: Boss <boss@contoso.com>, Alice <Alice@contoso.com>',
      'Sender: Secretary <Sec@Contoso.com>',
      'To: bob@contoso.com',
      'Bcc: hidden@contoso.com',
      'In-Reply-To: <Orig1@EXAMPLE.com>',
      'References: <a1@X.example> (first)',
      ' <b2@Y.Example>',
      'Date: Tue, 17 Jul 2018 12:13:28',
      'Content-Type: text/plain',
      '',
      'Noted.',
      '',
    ].join('\n');
    const canonical =
      'ck1\n' +
      'H\n' +
      // From keeps its order (not sorted); Sender is lower-cased too.
      'from:boss@contoso.com,alice@contoso.com\n' +
      'sender:sec@contoso.com\n' +
      // Bcc does not count.
      'to:bob@contoso.com\n' +
      'cc:\n' +
      // No zone: read as UTC.
      'date:1531829608\n' +
      // No Subject field: empty.
      'subject:\n' +
      'message-id:(none)\n' +
      // Angle brackets kept, domains lower-cased, the comment and the folding removed.
      'in-reply-to:<Orig1@example.com>\n' +
      'references:<a1@x.example> <b2@y.example>\n' +
      `P text/plain\t\t${sha256('Noted.')}\n`;
    const r = await parseJournal(message);
    expect(r.message.messageId).toBeNull();
    expect(r.dedup.contentKey).toBe(contentKey(canonical));
  });
});
