import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

// The assignment and delivery-header flags of `mailjournal inspect`, run as users run them (the
// built dist/cli.js). Each flag is run once with and once without, on the same input, so that the
// test shows what the flag changes and not just what the output looks like.

const CLI = path.join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-cli-flags-'));
const run = promisify(execFile);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, any>;

/** Run `inspect` with the given arguments and parse its one JSON report. */
async function inspect(args: string[]): Promise<Json> {
  const { stdout, stderr } = await run(process.execPath, [CLI, 'inspect', ...args], { encoding: 'latin1' });
  expect(stderr).toBe('');
  return JSON.parse(stdout) as Json;
}

/**
 * The run without any of the flags under test, over every input at once (a spawn of the CLI
 * costs far more than a parse): each report by its file name.
 */
let baseline: Promise<Map<string, Json>> | undefined;
function withoutFlags(file: string): Promise<Json> {
  baseline ??= run(process.execPath, [CLI, 'inspect', '--jsonl', ...DOMAIN, journal, external, inbound, archived, onlyArchive], { encoding: 'latin1' }).then(({ stdout, stderr }) => {
    expect(stderr).toBe('');
    return new Map(stdout.trim().split('\n').map((line) => {
      const r = JSON.parse(line) as Json;
      return [r.file as string, r];
    }));
  });
  return baseline.then((reports) => reports.get(file)!);
}

function write(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

/**
 * A journal report with a BCC recipient (dave) and a forwarding (frank's mail redirected to
 * erin); the original's headers name only alice and bob. No trust option is given by default, so
 * the report is `unverified`.
 */
let journal = '';
/** A plain message between two external addresses. */
let external = '';
/** A plain message from outside to carol, an internal address. */
let inbound = '';
/** A file of known mailboxes that does not list carol. */
let known = '';
/** A copy delivered to an archive mailbox under a sub-address that stands for dave. */
let archived = '';
/** A copy whose only delivery header names the archive mailbox itself. */
let onlyArchive = '';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build (npm test does)');
  journal = write('journal.eml', [
    'From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>',
    'To: journal@archive.example',
    'Subject: Journal: Plans',
    'Message-ID: <j2@journal.report.generator>',
    'X-MS-Journal-Report:',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="jr"',
    '',
    '--jr',
    'Content-Type: text/plain; charset="us-ascii"',
    '',
    'Sender: alice@contoso.com',
    'Subject: Plans',
    'Message-Id: <plans1@contoso.com>',
    'To: bob@contoso.com',
    'Bcc: dave@contoso.com',
    'Recipient: erin@contoso.com, Forwarded: frank@contoso.com',
    '',
    '--jr',
    'Content-Type: message/rfc822',
    '',
    'From: Alice <alice@contoso.com>',
    'To: Bob <bob@contoso.com>',
    'Subject: Plans',
    'Message-ID: <plans1@contoso.com>',
    '',
    'See plans.',
    '--jr--',
    '',
  ]);
  external = write('external.eml', ['From: Xavier <x@fabrikam.com>', 'To: Yvonne <y@fabrikam.com>', 'Subject: Outside', '', 'Hi', '']);
  inbound = write('inbound.eml', ['From: Xavier <x@fabrikam.com>', 'To: Carol <carol@contoso.com>', 'Subject: Inbound', '', 'Hi', '']);
  known = write('known.txt', ['alice@contoso.com', 'bob@contoso.com', '']);
  archived = write('archived.eml', [
    'Delivered-To: archive+dave=contoso.com@archive.example',
    'Received: from mx.contoso.com (mx.contoso.com [192.0.2.10])',
    '\tby archive.example (Postfix) with ESMTP id 4AB12',
    '\tfor <archive+dave=contoso.com@archive.example>; Tue, 17 Jul 2018 12:13:30 +0000 (UTC)',
    'From: Alice <alice@contoso.com>',
    'To: Bob <bob@contoso.com>',
    'Subject: Lunch',
    'Date: Tue, 17 Jul 2018 12:13:28 +0000',
    'Message-ID: <lunch1@contoso.com>',
    '',
    'See you at noon.',
    '',
  ]);
  onlyArchive = write('only-archive.eml', [
    'Delivered-To: archive@archive.example',
    'Received: from mx.contoso.com by archive.example; Tue, 17 Jul 2018 12:13:30 +0000',
    'From: Alice <alice@contoso.com>',
    'To: Bob <bob@contoso.com>',
    'Subject: Lunch',
    '',
    'See you.',
    '',
  ]);
});

const DOMAIN = ['--internal-domain', 'contoso.com'];

describe('mailjournal inspect: assignment flags', () => {
  test('--require-trusted: an unverified report falls back to the original headers; --trusted restores the envelope', async () => {
    const [plain, required, trusted] = await Promise.all([
      withoutFlags(journal),
      inspect([...DOMAIN, '--require-trusted', journal]),
      inspect([...DOMAIN, '--require-trusted', '--trusted', journal]),
    ]);
    // Without the flag the unverified envelope is used, BCC recipient dave included.
    expect(plain.trust).toBe('unverified');
    expect(plain.assignment.basis).toBe('envelope');
    expect(plain.assignment.mailboxes).toEqual(['alice@contoso.com', 'bob@contoso.com', 'dave@contoso.com', 'erin@contoso.com']);
    // With it, only the original's From/To count: dave and erin are not assigned.
    expect(required.trust).toBe('unverified');
    expect(required.assignment.basis).toBe('header');
    expect(required.assignment.mailboxes).toEqual(['alice@contoso.com', 'bob@contoso.com']);
    expect(trusted.trust).toBe('trusted');
    expect(trusted.assignment.basis).toBe('envelope');
    expect(trusted.assignment.mailboxes).toEqual(plain.assignment.mailboxes);
  });

  test('--assign-forwarded: the Forwarded: original is assigned too', async () => {
    const [plain, forwarded] = await Promise.all([withoutFlags(journal), inspect([...DOMAIN, '--assign-forwarded', journal])]);
    // frank is reported either way, as erin's forwardedFrom...
    const erin = plain.recipients.find((r: { address: string }) => r.address === 'erin@contoso.com');
    expect(erin.forwardedFrom).toEqual(['frank@contoso.com']);
    // ...but never received the copy, so he is assigned only with the flag.
    expect(plain.assignment.mailboxes).toEqual(['alice@contoso.com', 'bob@contoso.com', 'dave@contoso.com', 'erin@contoso.com']);
    expect(forwarded.assignment.mailboxes).toEqual(['alice@contoso.com', 'bob@contoso.com', 'dave@contoso.com', 'erin@contoso.com', 'frank@contoso.com']);
    expect(forwarded.assignment.participants.at(-1)).toEqual({ address: 'frank@contoso.com', role: 'forwarded-from', internal: true, known: true });
  });

  test('--journal-non-internal: a message with no internal address is kept', async () => {
    const [plain, kept] = await Promise.all([withoutFlags(external), inspect([...DOMAIN, '--journal-non-internal', external])]);
    expect([plain.assignment.keep, plain.assignment.reason]).toEqual([false, 'no-internal-dropped']);
    expect([kept.assignment.keep, kept.assignment.reason]).toEqual([true, 'no-internal']);
    expect(kept.assignment.mailboxes).toEqual([]);
  });

  test('--journal-unknown-internal with --known-mailboxes: a message for an internal address that is no known mailbox is kept', async () => {
    const [everyKnown, dropped, kept] = await Promise.all([
      withoutFlags(inbound),
      inspect([...DOMAIN, '--known-mailboxes', known, inbound]),
      inspect([...DOMAIN, '--known-mailboxes', known, '--journal-unknown-internal', inbound]),
    ]);
    // Without a list every internal address is a known mailbox.
    expect([everyKnown.assignment.keep, everyKnown.assignment.reason, everyKnown.assignment.mailboxes]).toEqual([true, 'internal-mailbox', ['carol@contoso.com']]);
    // The list does not name carol: she is unknown, and the message is dropped...
    expect([dropped.assignment.keep, dropped.assignment.reason, dropped.assignment.mailboxes]).toEqual([false, 'unknown-internal-dropped', []]);
    expect(dropped.assignment.unknownInternal).toEqual(['carol@contoso.com']);
    // ...unless the flag keeps such messages.
    expect([kept.assignment.keep, kept.assignment.reason, kept.assignment.mailboxes]).toEqual([true, 'unknown-internal', []]);
    expect(kept.assignment.unknownInternal).toEqual(['carol@contoso.com']);
  });
});

describe('mailjournal inspect: --archive-address', () => {
  // One run with the flag over both inputs.
  let flagged: Promise<Json[]> | undefined;
  const withArchiveAddress = (index: number): Promise<Json> => {
    flagged ??= run(process.execPath, [CLI, 'inspect', '--jsonl', '--archive-address', 'archive@archive.example', archived, onlyArchive], { encoding: 'latin1' }).then(({ stdout, stderr }) => {
      expect(stderr).toBe('');
      return stdout.trim().split('\n').map((line) => JSON.parse(line) as Json);
    });
    return flagged.then((reports) => reports[index]!);
  };

  test('a sub-address of the archive mailbox stands for the recipient it encodes', async () => {
    const [plain, withArchive] = await Promise.all([withoutFlags(archived), withArchiveAddress(0)]);
    expect(withArchive.file).toBe(archived);
    const facts = (r: Json) => r.recipients.map((x: { address: string; type: string; source: string }) => [x.address, x.type, x.source]);
    expect(plain.source).toBe('delivery-header');
    // Without the flag the archive's own sub-address is taken for a recipient.
    expect(facts(plain)).toEqual([
      ['bob@contoso.com', 'to', 'header'],
      ['archive+dave=contoso.com@archive.example', 'bcc', 'delivery-header'],
    ]);
    expect(withArchive.source).toBe('delivery-header');
    expect(facts(withArchive)).toEqual([
      ['bob@contoso.com', 'to', 'header'],
      ['dave@contoso.com', 'bcc', 'delivery-header'],
    ]);
  });

  test('a copy whose delivery headers name only the archive falls back to headers', async () => {
    const [plain, withArchive] = await Promise.all([withoutFlags(onlyArchive), withArchiveAddress(1)]);
    expect(withArchive.file).toBe(onlyArchive);
    expect(plain.source).toBe('delivery-header');
    expect(plain.recipients.map((x: { address: string }) => x.address)).toEqual(['bob@contoso.com', 'archive@archive.example']);
    expect(withArchive.source).toBe('headers');
    expect(withArchive.recipients.map((x: { address: string }) => x.address)).toEqual(['bob@contoso.com']);
    expect(withArchive.warnings.map((w: { code: string }) => w.code)).toEqual(['BCC_UNKNOWN']);
  });
});
