import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { JournalParser, LimitExceededError, parseJournal, type JournalReport, type JournalParserOptions } from '../src/index.js';

// Limits the README states as numbers, tested at the number and one past it: the Exchange 2003
// envelope's wrap limits (What it reads) and maxParts (Limits, and the content key's x-unparsed
// record).

const enc = new TextEncoder();
const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');
const codes = (r: JournalReport): string[] => r.warnings.map((w) => w.code);

/**
 * An Exchange 2003 journal report around the given envelope lines. The original has no
 * Message-ID, so the report's Message-ID can only come from the envelope; its To is Bob only, so
 * header fill-ins of a defective report add nobody new.
 */
function report2003(envelope: string[]): string {
  return [
    'From: "Alice" <alice@contoso.com>',
    'Content-Identifier: ExJournalReport',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain; charset="us-ascii"',
    '',
    ...envelope,
    '',
    '--B',
    'Content-Type: message/rfc822',
    '',
    'From: alice@contoso.com',
    'To: bob@contoso.com',
    'Subject: Hi',
    '',
    'Hi',
    '--B--',
    '',
  ].join('\n');
}

const ENDINGS: [string, (s: string) => string][] = [
  ['LF', (s) => s],
  ['CRLF', (s) => s.replace(/\n/g, '\r\n')],
];

describe.each(ENDINGS)('Exchange 2003 envelope: an entry wraps over at most 5 continuation lines (%s)', (_endings, endings) => {
  const entries = (dave: string[]) =>
    endings(report2003(['Sender: "Alice" <SMTP:alice@contoso.com>', 'Message-ID: <m1@contoso.com>', 'Recipients:', '  "Bob" <SMTP:bob@contoso.com>,', ...dave, '  "Carol" <SMTP:carol@fabrikam.com>']));

  test('5 continuation lines: the entry is read, its SMTP pieces joined as they are', async () => {
    // The entry's first line and 5 continuations: 6 lines in all.
    const dave = ['  "Dave Brown" <SMTP:da', '  ve.br', '  own@c', '  ontos', '  o.co', '  m>,'];
    const r = await parseJournal(entries(dave));
    expect(r.defective).toBe(false);
    expect(codes(r)).not.toContain('ENVELOPE_BAD_ENTRY');
    expect(r.recipients.map((x) => [x.address, x.source])).toEqual([
      ['bob@contoso.com', 'envelope'],
      ['dave.brown@contoso.com', 'envelope'],
      ['carol@fabrikam.com', 'envelope'],
    ]);
  });

  test('6 continuation lines: a bad entry, skipped, and the report steps down', async () => {
    // The same entry cut once more: one continuation past the limit.
    const dave = ['  "Dave Brown" <SMTP:da', '  ve.br', '  own@c', '  ontos', '  o.', '  co', '  m>,'];
    const r = await parseJournal(entries(dave));
    expect(r.defective).toBe(true);
    expect(codes(r)).toContain('ENVELOPE_BAD_ENTRY');
    // Dave is never read (not even as a piece); the entries around him are.
    expect(r.recipients.map((x) => [x.address, x.source])).toEqual([
      ['bob@contoso.com', 'envelope'],
      ['carol@fabrikam.com', 'envelope'],
    ]);
  });
});

describe.each(ENDINGS)('Exchange 2003 envelope: a Sender wrapped past the limit (%s)', (_endings, endings) => {
  test('is given up whole: the line after the cut never becomes the sender', async () => {
    // Found with the Message-ID case: the next line (`"Eve" <SMTP:eve@evil.com>`) was read as the
    // envelope sender.
    const name = ['Sender: "Alice', '  Anne', '  Marie', '  Louise', '  Sophie', '  Claire', '  Martin" <SMTP:alice@contoso.com>'];
    const r = await parseJournal(endings(report2003([...name, '  "Eve" <SMTP:eve@evil.com>', 'Message-ID: <m1@contoso.com>', 'Recipients:', '  "Bob" <SMTP:bob@contoso.com>'])));
    expect(r.envelope?.sender).toBeNull();
    expect(r.envelope?.messageId).toBe('<m1@contoso.com>');
    expect(codes(r)).toEqual(expect.arrayContaining(['ENVELOPE_BAD_ENTRY', 'ENVELOPE_NO_SENDER']));
    expect(r.recipients.map((x) => x.address)).toEqual(['bob@contoso.com']);
    // One line shorter (5 continuation lines) it is read.
    const fits = await parseJournal(endings(report2003([...name.slice(0, 1), ...name.slice(2), 'Message-ID: <m1@contoso.com>', 'Recipients:', '  "Bob" <SMTP:bob@contoso.com>'])));
    expect(fits.envelope?.sender).toBe('alice@contoso.com');
  });
});

describe.each(ENDINGS)('Exchange 2003 envelope: a Message-ID wraps over at most 14 lines / 1020 characters (%s)', (_endings, endings) => {
  /** `<part00part01…@contoso.com>` cut into `lines` pieces, the first on the Message-ID: line. */
  const pieces = (lines: number): string[] =>
    Array.from({ length: lines }, (_, i) => {
      const piece = `part${String(i).padStart(2, '0')}`;
      return `${i === 0 ? '<' : '  '}${piece}${i === lines - 1 ? '@contoso.com>' : ''}`;
    });
  const withId = (idLines: string[]) =>
    endings(report2003(['Sender: "Alice" <SMTP:alice@contoso.com>', `Message-ID: ${idLines[0]}`, ...idLines.slice(1), 'Recipients:', '  "Bob" <SMTP:bob@contoso.com>']));

  test('14 lines: the ID is read, its pieces joined as they are, and reported as the message ID', async () => {
    const r = await parseJournal(withId(pieces(14)));
    const id = '<part00part01part02part03part04part05part06part07part08part09part10part11part12part13@contoso.com>';
    expect(r.envelope?.messageId).toBe(id);
    expect(r.message.messageId).toBe(id);
    expect(r.message.messageIdSource).toBe('envelope');
    expect(codes(r)).not.toContain('ENVELOPE_BAD_ENTRY');
  });

  test('15 lines: a bad entry, and no envelope Message-ID', async () => {
    const r = await parseJournal(withId(pieces(15)));
    expect(r.envelope?.messageId).toBeNull();
    expect(r.message.messageId).toBeNull();
    expect(r.dedup.messageIdKey).toBeNull();
    expect(codes(r)).toContain('ENVELOPE_BAD_ENTRY');
    // Only the ID was lost: the recipient after it is still read.
    expect(r.recipients.map((x) => [x.address, x.source])).toEqual([['bob@contoso.com', 'envelope']]);
  });

  test('16 and 20 lines: the pieces after the cut are never read as an ID (nor a label-alone ID of 15 lines)', async () => {
    // Found while writing these tests: the piece after the cut became the envelope Message-ID
    // (`part15@contoso.com>`) and its key.
    for (const lines of [16, 20]) {
      const r = await parseJournal(withId(pieces(lines)));
      expect(r.envelope?.messageId, `${lines} lines`).toBeNull();
      expect(r.dedup.messageIdKey).toBeNull();
      expect(codes(r)).toContain('ENVELOPE_BAD_ENTRY');
      expect(r.recipients.map((x) => x.address)).toEqual(['bob@contoso.com']);
    }
    // The label alone on its line counts as the first of the 14 lines.
    const alone = (n: number) => endings(report2003(['Sender: "Alice" <SMTP:alice@contoso.com>', 'Message-ID:', ...pieces(n).map((p) => `  ${p.trim()}`), 'Recipients:', '  "Bob" <SMTP:bob@contoso.com>']));
    expect((await parseJournal(alone(13))).envelope?.messageId).toMatch(/^<part00.*part12@contoso\.com>$/);
    const cut = await parseJournal(alone(15));
    expect(cut.envelope?.messageId).toBeNull();
    expect(cut.dedup.messageIdKey).toBeNull();
  });

  test('over 1020 characters on one line, or alone on the line after the label: given up as well (review)', async () => {
    const id = `<${'y'.repeat(1021 - '<@contoso.com>'.length)}@contoso.com>`;
    for (const idLines of [[id], ['', `  ${id}`]]) {
      const r = await parseJournal(withId([...idLines, '  part99@contoso.com>']));
      expect(r.envelope?.messageId).toBeNull();
      expect(r.dedup.messageIdKey).toBeNull();
      expect(codes(r)).toContain('ENVELOPE_BAD_ENTRY');
      expect(r.recipients.map((x) => x.address)).toEqual(['bob@contoso.com']);
    }
    const fits = `<${'y'.repeat(1020 - '<@contoso.com>'.length)}@contoso.com>`;
    expect((await parseJournal(withId([fits]))).envelope?.messageId).toBe(fits);
  });

  /** A Message-ID of exactly `length` characters, wrapped once (two lines, well inside 14). */
  const idOfLength = (length: number): [string, string[]] => {
    const id = `<${'x'.repeat(length - '<@contoso.com>'.length)}@contoso.com>`;
    const half = Math.floor(length / 2);
    return [id, [id.slice(0, half), `  ${id.slice(half)}`]];
  };

  test('1020 characters: the ID is read', async () => {
    const [id, lines] = idOfLength(1020);
    expect(id.length).toBe(1020);
    const r = await parseJournal(withId(lines));
    expect(r.envelope?.messageId).toBe(id);
    expect(codes(r)).not.toContain('ENVELOPE_BAD_ENTRY');
  });

  test('1021 characters: a bad entry, and no envelope Message-ID', async () => {
    const [id, lines] = idOfLength(1021);
    expect(id.length).toBe(1021);
    const r = await parseJournal(withId(lines));
    expect(r.envelope?.messageId).toBeNull();
    expect(r.message.messageId).toBeNull();
    expect(codes(r)).toContain('ENVELOPE_BAD_ENTRY');
  });
});

describe('maxParts / PART_LIMIT', () => {
  // Three text parts; with maxParts 2 the third is past the limit.
  const MESSAGE = [
    'From: alice@contoso.com',
    'To: bob@contoso.com',
    'Subject: Parts',
    'Date: Tue, 17 Jul 2018 12:13:28 +0000',
    'Message-ID: <p1@contoso.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'one',
    '--b1',
    'Content-Type: text/plain',
    '',
    'two',
    '--b1',
    'Content-Type: text/plain',
    '',
    'three',
    '--b1--',
    '',
  ].join('\n');
  const input = enc.encode(MESSAGE);

  /** The README's canonical form of MESSAGE, with the given record for its third part. */
  const keyWithThirdPart = (third: string): string =>
    `ck1:${sha256(
      [
        'ck1',
        'H',
        'from:alice@contoso.com',
        'sender:',
        'to:bob@contoso.com',
        'cc:',
        'date:1531829608', // Tue, 17 Jul 2018 12:13:28 +0000 in seconds since the epoch
        'subject:Parts',
        'message-id:p1@contoso.com',
        'in-reply-to:',
        'references:',
        'M multipart/mixed',
        `P text/plain\t\t${sha256('one')}`,
        `P text/plain\t\t${sha256('two')}`,
        third,
        '/M multipart/mixed',
        '',
      ].join('\n'),
    )}`;
  // Read normally, the third part is a text leaf.
  const PARSED_KEY = keyWithThirdPart(`P text/plain\t\t${sha256('three')}`);
  // Past maxParts it is an x-unparsed leaf: the SHA-256 of its bytes, header block included (the
  // line break before the next delimiter belongs to the delimiter, as in MIME).
  const UNPARSED_KEY = keyWithThirdPart(`P application/x-unparsed\t\t${sha256('Content-Type: text/plain\n\nthree')}`);

  /** The push parser over the input cut into pieces of `size` bytes (0: whole). */
  function runChunked(size: number, options: Omit<JournalParserOptions, 'onOutput'>): { report: JournalReport; output: string } {
    const out: Uint8Array[] = [];
    const parser = new JournalParser({ ...options, onOutput: (b) => void out.push(b.slice()) });
    const step = size === 0 ? input.length : size;
    for (let i = 0; i < input.length; i += step) parser.write(input.subarray(i, i + step));
    const report = parser.end();
    return { report, output: Buffer.concat(out).toString('latin1') };
  }

  test('at the limit: no warning, every part read', () => {
    const { report } = runChunked(0, { maxParts: 3 });
    expect(codes(report)).not.toContain('PART_LIMIT');
    expect(report.dedup.contentKey).toBe(PARSED_KEY);
  });

  test.each([
    ['whole', 0],
    ['1-byte chunks', 1],
    ['7-byte chunks', 7],
  ])('one past the limit (%s): PART_LIMIT, the last part hashed raw, the same report and output', (_how, size) => {
    const { report, output } = runChunked(size, { maxParts: 2 });
    expect(codes(report)).toEqual(['BCC_UNKNOWN', 'PART_LIMIT']);
    expect(report.dedup.contentKey).toBe(UNPARSED_KEY);
    // Only the key changes: the message itself passes through untouched.
    expect(output).toBe(MESSAGE);
    // Every chunking gives the same report as the whole input.
    expect(report).toEqual(runChunked(0, { maxParts: 2 }).report);
  });

  test.each([
    ['whole', 0],
    ['1-byte chunks', 1],
    ['7-byte chunks', 7],
  ])("onLimit 'throw' (%s): end() throws LimitExceededError for maxParts, write() does not", (_how, size) => {
    const parser = new JournalParser({ maxParts: 2, onLimit: 'throw', onOutput: () => {} });
    const step = size === 0 ? input.length : size;
    // The content key's limits are judged when the report is built, so writing never throws.
    for (let i = 0; i < input.length; i += step) parser.write(input.subarray(i, i + step));
    let error: unknown;
    try {
      parser.end();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as LimitExceededError).code).toBe('ERR_LIMIT_EXCEEDED');
    expect((error as LimitExceededError).limit).toBe('maxParts');
    expect((error as LimitExceededError).value).toBe(2);
  });

  test("onLimit 'throw' through parseJournal rejects the same way; at the limit it does not", async () => {
    await expect(parseJournal(input, { maxParts: 2, onLimit: 'throw' })).rejects.toMatchObject({ name: 'LimitExceededError', code: 'ERR_LIMIT_EXCEEDED', limit: 'maxParts', value: 2 });
    expect((await parseJournal(input, { maxParts: 3, onLimit: 'throw' })).dedup.contentKey).toBe(PARSED_KEY);
  });
});
