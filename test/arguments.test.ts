import { describe, expect, test } from 'vitest';
import { normaliseMessageId } from '../src/address.js';
import { detectJournalReport } from '../src/detect.js';
import { parseEnvelope } from '../src/exchange/envelope.js';
import { messageIdKey } from '../src/dedup.js';
import { mergeReports } from '../src/merge.js';
import { parseJournal } from '../src/parse.js';
import { assignMailboxes, normaliseAddress } from '../src/policy.js';
import { stripHeaders } from '../src/strip.js';
import { bytes, text } from './helpers/run.js';
import { SAMPLE_REPORT } from './helpers/sample.js';

// The exported helpers, given arguments of the wrong type (found by an audit: internal
// failures such as "Cannot read properties of null", and two silently wrong results).
describe('exported helpers and wrong argument types', () => {
  const policy = { internalDomains: ['contoso.com'] };

  test.each([
    ['normaliseAddress(null)', () => normaliseAddress(null as never), /normaliseAddress: address must be a string, got null/],
    ['normaliseAddress(a, null)', () => normaliseAddress('a@b', null as never), /normaliseAddress: options must be an object/],
    ['normaliseMessageId(42)', () => normaliseMessageId(42 as never), /normaliseMessageId: value must be a string, got number/],
    ['parseEnvelope(undefined)', () => parseEnvelope(undefined as never), /parseEnvelope: text must be a string, got undefined/],
    ['parseEnvelope(Buffer)', () => parseEnvelope(Buffer.from('To: a@b') as never), /parseEnvelope: text must be a string, got object/],
    ['detectJournalReport(undefined)', () => detectJournalReport(undefined as never), /detectJournalReport: head must be a Uint8Array/],
    ['stripHeaders(42)', () => stripHeaders(42 as never), /stripHeaders: message must be a Uint8Array/],
    ['stripHeaders(b, null)', () => stripHeaders(bytes('a: b\n\n'), null as never), /stripHeaders: names must be an array of header names/],
    ['stripHeaders(b, [1])', () => stripHeaders(bytes('a: b\n\n'), [1] as never), /stripHeaders: names/],
    ['stripHeaders(b, names, NaN)', () => stripHeaders(bytes('a: b\n\n'), undefined, Number.NaN), /maxHeaderBytes must be a positive integer, got NaN/],
    ['assignMailboxes(null)', () => assignMailboxes(null as never, policy), /assignMailboxes: report must be a report from parseJournal, got null/],
    ['mergeReports([null])', () => mergeReports([null as never]), /mergeReports: reports\[0\] must be a report/],
    ['messageIdKey(5)', () => messageIdKey(5 as never), /messageIdKey: messageId must be a string, got number/],
  ])('%s is a TypeError naming the argument', (_name, call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  test('a string or an ArrayBuffer is read as its bytes by stripHeaders and detectJournalReport (a string was stripped to zero bytes)', () => {
    const message = 'X-MS-Exchange-Organization-BCC: x@y\nSubject: s\n\nbody';
    const fromString = stripHeaders(message);
    expect(text(fromString.bytes)).toBe('Subject: s\n\nbody');
    expect(fromString.removed).toEqual(['X-MS-Exchange-Organization-BCC']);
    expect(text(stripHeaders(bytes(message).slice().buffer).bytes)).toBe('Subject: s\n\nbody');
    expect(detectJournalReport(bytes(SAMPLE_REPORT).slice().buffer).kind).toBe('journal-report');
  });

  test('normaliseMessageId(null) is undefined, as messageIdKey(null) is', () => {
    expect(normaliseMessageId(null)).toBeUndefined();
  });

  test('parseJournal: endOutput must be a boolean, output a sink (null included)', async () => {
    for (const endOutput of ['false', 0, null, {}]) {
      await expect(parseJournal(SAMPLE_REPORT, { endOutput } as never)).rejects.toThrow(/option endOutput must be a boolean/);
    }
    await expect(parseJournal(SAMPLE_REPORT, { output: null } as never)).rejects.toThrow(/option output must be a function/);
  });
});

describe('normaliseAddress and malformed domains', () => {
  test('a domain with a URL delimiter is kept as it is, never cut into another address (IDNA only for well-formed ones)', () => {
    for (const a of ['bob@contoso.com/ü', 'bob@contoso.com\\ü', 'bob@contoso.com?ü', 'bob@contoso.com#ü', 'bob@ü.evil.example/.contoso.com']) {
      expect(normaliseAddress(a)).toBe(a.toLowerCase());
    }
    expect(normaliseAddress('Bob@Bücher.Example')).toBe('bob@xn--bcher-kva.example');
    const report = { recipients: [{ address: 'bob@contoso.com/ü' }], kind: 'message', source: 'headers', trust: 'none', message: { from: null, to: [], cc: [] } };
    expect(assignMailboxes(report as never, { internalDomains: ['contoso.com'] }).mailboxes).toEqual([]);
  });
});

describe('address spellings across the API (review findings)', () => {
  const recipient = (address: string) => ({ address, type: 'to', source: 'envelope', typeInferred: false, expandedFrom: [], forwardedFrom: [], lines: [{ source: 'envelope', field: 'To', type: 'to', inferred: false }] });
  const report = (address: string) => ({ recipients: [recipient(address)], envelope: null, dedup: { messageIdKey: 'mid1:x', contentKey: 'ck1:y' } });

  test('mergeReports takes spelling variants of one mailbox (IDN in Unicode or ASCII, a final dot) as one recipient, as assignMailboxes does', () => {
    for (const [a, b] of [
      ['bob@bücher.example', 'bob@xn--bcher-kva.example'],
      ['bob@contoso.com', 'Bob@Contoso.com.'],
    ] as const) {
      const merged = mergeReports([report(a), report(b)] as never);
      expect(merged.recipients.map((r) => r.address)).toEqual([a]);
      expect(merged.recipients[0]!.provenance.map((p) => p.report)).toEqual([0, 1]);
    }
    // A recipient without the optional arrays (a hand-made report) is merged, not a crash.
    expect(mergeReports([{ recipients: [{ address: 'a@b.com', type: 'to', source: 'header' }] }] as never).recipients).toHaveLength(1);
  });

  test('a string in journalSenders is compared trimmed, without brackets, in any case (as archiveAddresses entries are)', async () => {
    const sample = bytes(SAMPLE_REPORT);
    const sender = /^From:.*?<?([^\s<>]+@[^\s<>]+)>?\s*$/m.exec(SAMPLE_REPORT)![1]!;
    for (const entry of [sender, ` ${sender.toUpperCase()} `, `<${sender}>`]) {
      expect((await parseJournal(sample, { journalSenders: [entry] })).trust, entry).toBe('trusted');
    }
    expect((await parseJournal(sample, { journalSenders: ['someone@else.example'] })).trust).toBe('untrusted');
  });

  test('a pattern in journalSenders matches the address as written as well as lower-cased (audit, session 22)', async () => {
    // Found by audit: patterns saw only the lower-cased address, so one copied from a real
    // report without an `i` flag failed closed and the BCC recipients went unassigned.
    const report = SAMPLE_REPORT.replace(/^From:.*$/m, 'From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>');
    for (const pattern of [/^MicrosoftExchange[0-9a-f]{32}@contoso\.com$/, /^microsoftexchange[0-9a-f]{32}@contoso\.com$/, /^MICROSOFTEXCHANGE/i]) {
      const r = await parseJournal(bytes(report), { journalSenders: [pattern] });
      expect(r.trust, String(pattern)).toBe('trusted');
      expect(r.wrapper?.journalSender).toBe('microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com');
    }
    expect((await parseJournal(bytes(report), { journalSenders: [/^MICROSOFTEXCHANGE/] })).trust).toBe('untrusted');
  });

  test('only the topmost Return-Path is matched: one below it came with the message (audit, session 22)', async () => {
    const ndr = 'journal.ndr@contoso.onmicrosoft.com';
    const top = SAMPLE_REPORT.replace(/^From:/m, `Return-Path: <${ndr}>\nFrom:`);
    expect((await parseJournal(bytes(top), { journalSenders: [ndr] })).trust).toBe('trusted');
    const below = SAMPLE_REPORT.replace(/^From:/m, `Return-Path: <bounce@evil.example>\nReturn-Path: <${ndr}>\nFrom:`);
    expect((await parseJournal(bytes(below), { journalSenders: [ndr] })).trust).toBe('untrusted');
  });

  test('trusted decides the trust level, and journalSenders still names the journal agent (audit, session 23)', async () => {
    // A wrapper with no original and a broken envelope: the wrapper's From/To/Cc stand in, and
    // the matched system mailbox must not become a participant (with trusted: true it did).
    const noOriginal = [
      'From: sys@contoso.com', 'To: journal@archive.example', 'Cc: carol@contoso.com', 'Subject: Hi', 'X-MS-Journal-Report:',
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="BB"', '', '--BB', 'Content-Type: text/plain', '', 'garbage', '', '--BB--', '',
    ].join('\n');
    for (const trusted of [undefined, true, false]) {
      const r = await parseJournal(bytes(noOriginal), { ...(trusted === undefined ? {} : { trusted }), journalSenders: ['SYS@contoso.com'] });
      expect(r.trust, String(trusted)).toBe(trusted === false ? 'untrusted' : 'trusted');
      expect(r.wrapper?.journalSender, String(trusted)).toBe('sys@contoso.com');
      const roles = assignMailboxes(r, { internalDomains: ['contoso.com'] }).participants.map((p) => `${p.role}:${p.address}`);
      expect(roles, String(trusted)).not.toContain('sender:sys@contoso.com');
    }
    expect((await parseJournal(bytes(noOriginal), { trusted: true })).wrapper?.journalSender).toBeNull();
  });
});

describe('option names that no entry point takes', () => {
  test('parseJournal, JournalParser and both adapters refuse a misspelt option, naming the one meant', async () => {
    const { JournalParser } = await import('../src/parser.js');
    const { createJournalTransform } = await import('../src/adapters/node.js');
    const { createJournalStream } = await import('../src/adapters/web.js');
    // Without the check, `ouptut` was ignored and nothing was written anywhere.
    await expect(parseJournal(SAMPLE_REPORT, { ouptut: () => {} } as never)).rejects.toThrow(new TypeError('mailjournal: unknown option "ouptut" (did you mean "output"?)'));
    expect(() => new JournalParser({ dedupkeys: false } as never)).toThrow(/unknown option "dedupkeys" \(did you mean "dedupKeys"\?\)/);
    expect(() => createJournalTransform({ highWaterMark: 16 } as never)).toThrow(/unknown option "highWaterMark"$/);
    expect(() => createJournalStream({ maxHeaderByte: 10 } as never)).toThrow(/did you mean "maxHeaderBytes"/);
    // A class instance's own fields are checked too.
    class Options {
      trusted = true;
      maxdepth = 3;
    }
    await expect(parseJournal(SAMPLE_REPORT, new Options() as never)).rejects.toThrow(/unknown option "maxdepth" \(did you mean "maxDepth"\?\)/);
    // And inherited ones, which resolve() would read.
    await expect(parseJournal(SAMPLE_REPORT, Object.create({ ouptut: () => {} }) as never)).rejects.toThrow(/unknown option "ouptut"/);
  });

  test('a sink given to an entry point that does not take it is refused, not dropped with the message (audit, session 23)', async () => {
    const { JournalParser } = await import('../src/parser.js');
    const { createJournalTransform } = await import('../src/adapters/node.js');
    const { createJournalStream } = await import('../src/adapters/web.js');
    const sink = () => {};
    await expect(parseJournal(SAMPLE_REPORT, { onOutput: sink } as never)).rejects.toThrow(/parseJournal does not take option onOutput: .*parseJournal takes output/);
    expect(() => new JournalParser({ output: sink } as never)).toThrow(/JournalParser does not take option output: .*JournalParser takes onOutput/);
    expect(() => new JournalParser({ endOutput: false } as never)).toThrow(/JournalParser does not take option endOutput/);
    for (const name of ['output', 'onOutput', 'endOutput']) {
      expect(() => createJournalTransform({ [name]: sink } as never), name).toThrow(new RegExp(`JournalTransform does not take option ${name}: .*streams its output itself`));
      expect(() => createJournalStream({ [name]: sink } as never), name).toThrow(new RegExp(`createJournalStream does not take option ${name}`));
    }
    // Each entry point still takes its own, and an undefined sink is no sink.
    let got = 0;
    const parser = new JournalParser({ onOutput: (b: Uint8Array) => void (got += b.length), output: undefined } as never);
    parser.write(bytes(SAMPLE_REPORT));
    parser.end();
    expect(got).toBeGreaterThan(0);
    const chunks: Uint8Array[] = [];
    await parseJournal(SAMPLE_REPORT, { output: (b: Uint8Array) => void chunks.push(b), endOutput: true, onOutput: undefined } as never);
    expect(chunks.length).toBeGreaterThan(0);
    expect(() => createJournalTransform({ output: undefined } as never)).not.toThrow();
  });

  test('every documented option and the sink keys are accepted', async () => {
    let written = 0;
    const r = await parseJournal(SAMPLE_REPORT, {
      output: (b) => void (written += b.length),
      endOutput: true,
      removeHeaders: ['X-MS-Exchange-Organization-BCC'],
      maxHeaderBytes: 1 << 20,
      maxEnvelopeBytes: 1 << 20,
      maxBufferedBytes: 1 << 20,
      maxDepth: 10,
      maxLineBytes: 998,
      trusted: true,
      journalSenders: ['a@b.com'],
      archiveAddresses: ['archive@b.com'],
      mode: 'endpoint',
      preferClearText: false,
      maxNesting: 3,
      dedupKeys: true,
      maxRecipients: 100,
      maxParts: 100,
      onLimit: 'warn',
    });
    expect(r.kind).toBe('journal-report');
    expect(written).toBeGreaterThan(0);
  });

  test('assignMailboxes refuses a misspelt policy field', () => {
    const report = { recipients: [], warnings: [], message: {} } as never;
    expect(() => assignMailboxes(report, { internalDomain: ['contoso.com'] } as never)).toThrow(new TypeError('mailjournal: unknown policy field "internalDomain" (did you mean "internalDomains"?)'));
  });
});

describe('found by a README audit (session 21)', () => {
  test('normaliseAddress: a misspelt or mistyped option is a TypeError, never ignored', () => {
    expect(() => normaliseAddress('bob+x@contoso.com', { foldPlus: true } as never)).toThrow(/unknown normaliseAddress option "foldPlus"/);
    expect(() => normaliseAddress('bob+x@contoso.com', { foldPlusAddressing: 'yes' } as never)).toThrow(/foldPlusAddressing must be a boolean, got string/);
    expect(normaliseAddress('bob+x@contoso.com', { foldPlusAddressing: false })).toBe('bob+x@contoso.com');
    expect(normaliseAddress('bob+x@contoso.com', {})).toBe('bob+x@contoso.com');
  });

  test('a web stream another reader has locked is an InvalidInputError', async () => {
    const stream = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(bytes('Subject: x\n\nbody\n')) });
    stream.getReader();
    await expect(parseJournal(stream)).rejects.toMatchObject({ name: 'InvalidInputError', code: 'ERR_INVALID_INPUT' });
    await expect(parseJournal(stream)).rejects.toThrow(/the input cannot be read/);
  });
});
