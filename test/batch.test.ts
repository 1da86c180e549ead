import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { MboxSplitter } from '../src/batch/mbox.js';
import { enumerate, looksLikeMbox, runBatch, type BatchItem } from '../src/batch/run.js';
import { FIXTURES, ROOT } from './helpers/fixtures.js';
import { bytes, chunk, runAs, text } from './helpers/run.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const fixture = (p: string) => readFileSync(path.join(FIXTURES, p));
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'latin1' });

function split(mbox: string, how: 'whole' | 'bytes' | number): string[] {
  const out: string[] = [];
  let cur = '';
  const s = new MboxSplitter({ onMessageStart: () => (cur = ''), onMessageData: (b) => (cur += text(b)), onMessageEnd: () => out.push(cur) });
  for (const c of chunk(bytes(mbox), how)) s.write(c);
  s.end();
  return out;
}

describe('mbox splitting', () => {
  const mbox = ['From alice@contoso.com Tue Jun  4 09:14:58 2024', 'Subject: one', '', 'body one', '>From here on, escaped', '>>From twice', 'From: header-like but not a separator line? no: "From:" has a colon', '', 'From bob@contoso.com Tue Jun  4 09:15:00 2024', 'Subject: two', '', 'body two', ''].join('\n');
  test.each(['whole', 'bytes', 2, 3, 5] as const)('messages, framing and >From un-escaping (%s)', (how) => {
    expect(split(mbox, how)).toEqual([
      'Subject: one\n\nbody one\nFrom here on, escaped\n>From twice\nFrom: header-like but not a separator line? no: "From:" has a colon\n',
      'Subject: two\n\nbody two\n',
    ]);
  });

  test('escaped lines with long runs of ">" split the same whatever the chunking', () => {
    for (const n of [1, 63, 64, 65, 200, 1024, 1025, 3000]) {
      const box = `From a@x Mon Jun  3 09:00:00 2024\nSubject: q\n\n${'>'.repeat(n)}From the start\ntail\n`;
      const whole = split(box, 'whole');
      expect(whole[0], `${n}`).toBe(`Subject: q\n\n${'>'.repeat(n <= 1024 ? n - 1 : n)}From the start\ntail\n`);
      for (const how of [7, 50, 100, 1000] as const) expect(split(box, how), `${n} ${how}`).toEqual(whole);
    }
  });

  test('an empty chunk right after a From line changes nothing', () => {
    // Found by review: the LF carried after a From line was dropped by an empty write, so the
    // escaped first line that followed was not un-escaped.
    const out: string[] = [];
    let cur = '';
    const s = new MboxSplitter({ onMessageStart: () => (cur = ''), onMessageData: (b) => (cur += text(b)), onMessageEnd: () => out.push(cur) });
    const box = bytes('From a\n>From x\n');
    s.write(box.subarray(0, 7));
    s.write(box.subarray(7, 7));
    s.write(box.subarray(7));
    s.end();
    expect(out).toEqual(['From x\n']);
  });

  test('a file that is only a From line frames one empty message, with or without its LF', () => {
    for (const box of ['From a@x Mon Jun  3 09:00:00 2024', 'From a@x Mon Jun  3 09:00:00 2024\n', 'From a@x Mon Jun  3 09:00:00 2024\r\n']) {
      for (const how of ['whole', 'bytes', 3] as const) expect(split(box, how), JSON.stringify(box)).toEqual(['']);
    }
  });

  test('CRLF mbox', () => {
    expect(split(mbox.replace(/\n/g, '\r\n'), 3)).toEqual(split(mbox.replace(/\n/g, '\r\n'), 'whole'));
    expect(split(mbox.replace(/\n/g, '\r\n'), 'whole')[0]).toMatch(/colon\r\n$/);
  });
});

describe('batch CLI over directories, mbox files and Maildir folders', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-batch-'));
  const tree = path.join(dir, 'in');
  mkdirSync(path.join(tree, 'sub'), { recursive: true });
  writeFileSync(path.join(tree, 'report.eml'), fixture('exchange/bcc-expanded-dl.eml'));
  writeFileSync(path.join(tree, 'sub', 'ndr.eml'), fixture('ndr/is-ndr-returns-journal.eml'));
  writeFileSync(path.join(tree, 'sub', 'copy-of-report.eml'), fixture('exchange/bcc-expanded-dl.eml'));
  // An mbox with the Google copy and the plain message (mboxrd: ">From " escaped).
  const google = fixture('sources/google-single-original-to.eml').toString('latin1');
  const plain = fixture('sources/headers-to-cc-only.eml').toString('latin1');
  writeFileSync(path.join(tree, 'archive.mbox'), `From a@b Tue Jun  4 09:14:58 2024\n${google}\nFrom a@b Tue Jun  4 09:15:58 2024\n${plain}\n`, 'latin1');
  // A Maildir: cur/ and new/ count, tmp/ (deliveries in progress) does not.
  const maildir = path.join(tree, 'Maildir');
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(path.join(maildir, d), { recursive: true });
  writeFileSync(path.join(maildir, 'new', '1717492498.M1P1.host'), fixture('sources/workmail-report.eml'));
  writeFileSync(path.join(maildir, 'cur', '1717492499.M2P1.host:2,S'), fixture('dedup/q2-gateway-copy.eml'));
  writeFileSync(path.join(maildir, 'tmp', '1717492500.M3P1.host'), 'half a message');
  // A file that cannot be read: reported and counted, the batch goes on.
  symlinkSync(path.join(dir, 'nowhere'), path.join(tree, 'broken.eml'));

  const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; index?: number; kind?: string; source?: string; error?: { code: string }; dedup?: { contentKey: string } });

  test('inspect: one JSON line per message, mbox messages indexed, tmp/ skipped, failures counted', () => {
    const r = cli(['inspect', tree]);
    expect(r.status).toBe(1);
    const out = lines(r.stdout);
    expect(out).toHaveLength(8);
    expect(out.filter((l) => l.file.endsWith('archive.mbox')).map((l) => [l.index, l.source])).toEqual([
      [1, 'google'],
      [2, 'headers'],
    ]);
    expect(out.some((l) => l.file.includes(path.join('Maildir', 'tmp')))).toBe(false);
    expect(out.filter((l) => l.error).map((l) => l.file)).toEqual([path.join(tree, 'broken.eml')]);
    // The copy of the report, and the NDR (its returned journal report has the same original), are duplicates.
    expect(r.stderr).toMatch(/summary: 8 messages, .* 1 failed; 2 duplicates/);
    expect(r.stderr).toMatch(/kinds: .*journal-report\/exchange 2.*ndr\/exchange 1/);
  });

  test('a path that does not exist: a JSON error line, counted as failed in the summary, exit 1', () => {
    const missing = path.join(tree, 'no-such.eml');
    const r = cli(['inspect', tree, missing]);
    expect(r.status).toBe(1);
    const out = lines(r.stdout);
    expect(out.filter((l) => l.error).map((l) => [l.file, l.error!.code])).toEqual([
      [missing, 'ENOENT'],
      [path.join(tree, 'broken.eml'), expect.any(String)],
    ]);
    expect(r.stderr).toMatch(/summary: 8 messages, .* 2 failed;/);
  });

  test('extract --out writes each archived original by content key, once; mbox messages byte-exact', () => {
    const out = path.join(dir, 'out');
    const r = cli(['extract', tree, '--out', out]);
    expect(r.status).toBe(1);
    const files = readdirSync(out).filter((f) => f.endsWith('.eml'));
    // 8 messages, one unreadable, two duplicates: five stored.
    expect(files).toHaveLength(5);
    expect(readdirSync(out).some((f) => f.startsWith('.tmp'))).toBe(false);
    const googleReport = runAs(bytes(google), 'whole');
    const key = googleReport.report.dedup.contentKey!.replace('ck1:', '');
    expect(readFileSync(path.join(out, `${key}.eml`), 'latin1')).toBe(text(googleReport.output));
    const journal = runAs(new Uint8Array(fixture('exchange/bcc-expanded-dl.eml')), 'whole');
    expect(readFileSync(path.join(out, `${journal.report.dedup.contentKey!.replace('ck1:', '')}.eml`), 'latin1')).toBe(text(journal.output));
  });

  test('--jobs 2 gives the same reports as one job', () => {
    const one = lines(cli(['inspect', tree]).stdout);
    const two = lines(cli(['inspect', tree, '--jobs', '2']).stdout);
    const key = (l: (typeof one)[number]) => `${l.file}#${l.index ?? 0}:${l.dedup?.contentKey ?? l.error?.code}`;
    expect(two.map(key).sort()).toEqual(one.map(key).sort());
  });

  test('extract of a directory without --out is a usage error', () => {
    expect(cli(['extract', tree]).status).toBe(2);
  });

  test('--out: stored and duplicate per message; the summary counts what the store had, this run or an earlier one', () => {
    const out = path.join(dir, 'store-twice', 'nested');
    const first = cli(['inspect', tree, '--out', out]);
    const firstLines = lines(first.stdout) as { stored?: string; duplicate?: boolean; error?: unknown }[];
    // The copy of the report and the NDR's original are duplicates of the report stored first.
    expect(firstLines.filter((l) => l.duplicate === true)).toHaveLength(2);
    expect(firstLines.filter((l) => !l.error).every((l) => typeof l.stored === 'string' && l.stored.endsWith('.eml') && typeof l.duplicate === 'boolean')).toBe(true);
    expect(first.stderr).toMatch(/2 duplicates \(already in /);
    const second = cli(['inspect', tree, '--out', out]);
    expect((lines(second.stdout) as { duplicate?: boolean; error?: unknown }[]).filter((l) => !l.error).every((l) => l.duplicate === true)).toBe(true);
    expect(second.stderr).toMatch(/summary: 8 messages, .* 1 failed; 7 duplicates \(already in /);
  });

  test('--out that cannot be made or written: one line naming it, exit 1, no message read', () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const out of [path.join(file, 'store'), '/proc/mailjournal-no-such/store']) {
      const r = spawnSync(process.execPath, [CLI, 'inspect', tree, '--out', out], { encoding: 'latin1', timeout: 20_000 });
      expect(r.status, out).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), out).toEqual([expect.stringMatching(new RegExp(`^mailjournal: cannot write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: E[A-Z]+$`))]);
    }
  });

  test('a file named *.eml is one message even when it starts with a From line; mbox files are split', () => {
    const single = path.join(dir, 'from-line.eml');
    const body = `From MAILER-DAEMON@example.jp Thu Apr 29 16:51:04 2007\n${plain}`;
    writeFileSync(single, body, 'latin1');
    const viaStdin = spawnSync(process.execPath, [CLI, 'extract', '-'], { input: Buffer.from(body, 'latin1'), encoding: 'latin1' });
    const extracted = cli(['extract', single]);
    expect(extracted.status).toBe(0);
    expect(extracted.stdout).toBe(viaStdin.stdout);
    const inspected = lines(cli(['inspect', '--jsonl', single]).stdout);
    expect(inspected).toHaveLength(1);
    expect(inspected[0]!.index).toBeUndefined();
    // The same bytes under another name are an mbox of one message, its From line framing.
    const mbox = path.join(dir, 'from-line.mbox');
    writeFileSync(mbox, body, 'latin1');
    expect(lines(cli(['inspect', mbox]).stdout).map((l) => l.index)).toEqual([1]);
  });
});

describe('mbox splitting, review findings', () => {
  test('without a blank line before "From " the message keeps its own last line break', () => {
    expect(split('From a\nS: 1\n\nbody1\nFrom b\nS: 2\n\nbody2\n', 'whole')).toEqual(['S: 1\n\nbody1\n', 'S: 2\n\nbody2\n']);
    expect(split('From a\r\nS: 1\r\n\r\nbody1\r\nFrom b\r\nS: 2\r\n\r\nbody2\r\n', 'bytes')).toEqual(['S: 1\r\n\r\nbody1\r\n', 'S: 2\r\n\r\nbody2\r\n']);
  });

  test('many tiny messages split in linear time (was quadratic within a read)', () => {
    const tiny = 'From a@b Mon Jan  1 00:00:00 2024\nS: x\n\nb\n\n'.repeat(12_000);
    const messages: number[] = [];
    const s = new MboxSplitter({ onMessageStart: () => messages.push(0), onMessageData: () => {}, onMessageEnd: () => {} });
    s.write(bytes(tiny));
    s.end();
    expect(messages).toHaveLength(12_000);
    // 20 ms now; the quadratic splitter took 11 s, inside the default timeout.
  }, 3_000);
});

describe('batch store naming', () => {
  test('reports kept whole are named by their bytes, so different ones are not taken for duplicates', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-store-'));
    const report = (to: string) => `X-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nSender: a@x\nTo: ${to}\n\n--B\nContent-Type: message/rfc822\n\n--B--\n`;
    mkdirSync(path.join(dir, 'in'));
    writeFileSync(path.join(dir, 'in', 'one.eml'), report('b@x'));
    writeFileSync(path.join(dir, 'in', 'two.eml'), report('c@x'));
    const r = cli(['extract', path.join(dir, 'in'), '--out', path.join(dir, 'out')]);
    expect(r.status).toBe(0);
    expect(readdirSync(path.join(dir, 'out')).filter((f) => f.startsWith('sha256-'))).toHaveLength(2);
  });
});

test('mbox: an escaped ">From " on the first line of a message is un-escaped too', () => {
  for (const how of ['whole', 'bytes', 3] as const) {
    expect(split('From a\n>From the start\nS: x\n\nb\n', how)).toEqual(['From the start\nS: x\n\nb\n']);
  }
});

test('mbox splitting does not depend on chunking (property)', async () => {
  const fc = (await import('fast-check')).default;
  const line = fc.constantFrom('From a b', '>From x', '>>From y', 'From: z', 'text', '', '>', 'Fro', '\r', `${'>'.repeat(70)}From w`, `${'>'.repeat(1025)}From v`, 'From a b');
  fc.assert(
    fc.property(fc.array(line, { maxLength: 15 }), fc.constantFrom('\n', '\r\n'), fc.integer({ min: 1, max: 1000 }), (lines, eol, seed) => {
      const mbox = lines.join(eol);
      expect(split(mbox, seed)).toEqual(split(mbox, 'whole'));
      expect(split(mbox, 'bytes')).toEqual(split(mbox, 'whole'));
      expect(split(mbox.slice(0, mbox.length - (seed % 3)), (seed % 40) + 1)).toEqual(split(mbox.slice(0, mbox.length - (seed % 3)), 'whole'));
    }),
    { numRuns: 400 },
  );
});

describe('the files a batch skips', () => {
  test('notes, JSON, Markdown and archived outputs are skipped in any case of their extension (audit, session 23)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-skip-'));
    for (const name of ['a.eml', 'B.EML', 'notes.txt', 'NOTES.TXT', 'data.JSON', 'README.MD', 'x.archived.eml', 'y.ARCHIVED.EML', '.hidden.eml', 'mail.mbox']) {
      writeFileSync(path.join(dir, name), 'Subject: x\n\nbody\n');
    }
    const names = enumerate([dir]).units.map((u) => path.basename(u.file)).sort();
    expect(names).toEqual(['B.EML', 'a.eml', 'mail.mbox']);
  });
});

describe('mbox or single message, decided by the first bytes as the file is read', () => {
  test('files shorter than a From line, empty files, an mbox, and a message whose body starts with From', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-head-'));
    const write = (name: string, content: string) => writeFileSync(path.join(dir, name), content, 'latin1');
    write('a-empty.eml', '');
    write('b-from.eml', 'From');
    write('c-one.mbox', 'From a@b Mon Jun  3 09:00:00 2024\nSubject: one\n\nbody\n\nFrom a@b Mon Jun  3 09:00:01 2024\nSubject: two\n\nbody\n');
    write('d-plain.eml', 'Subject: From here\n\nFrom the start\n');
    const items: BatchItem[] = [];
    const { units, missing } = enumerate([dir, path.join(dir, 'nope.eml')]);
    expect(missing).toEqual([path.join(dir, 'nope.eml')]);
    await runBatch(units, { parse: {}, outDir: undefined, jobs: 1, onItem: (i) => items.push(i) });
    expect(items.map((i) => [path.basename(i.file), i.index ?? null, i.bytes])).toEqual([
      ['a-empty.eml', null, 0],
      ['b-from.eml', null, 4],
      ['c-one.mbox', 1, 19],
      ['c-one.mbox', 2, 19],
      ['d-plain.eml', null, 35],
    ]);
    expect(items.find((i) => i.file.endsWith('d-plain.eml'))!.report!.message.subject).toBe('From here');
  });
});

describe('runBatch with worker threads', () => {
  test('a worker that exits or throws fails only the unit it was reading; the rest are done', async () => {
    const files = ['a.eml', 'crash.eml', 'b.eml', 'throw.eml', 'c.eml', 'd.eml'];
    const items: BatchItem[] = [];
    await runBatch(
      files.map((file) => ({ file })),
      { parse: {}, outDir: undefined, jobs: 2, onItem: (i) => items.push(i), workerFile: new URL('./helpers/flaky-worker.mjs', import.meta.url) },
    );
    const byFile = Object.fromEntries(items.map((i) => [i.file, i]));
    expect(Object.keys(byFile).sort()).toEqual([...files].sort());
    for (const f of ['a.eml', 'b.eml', 'c.eml', 'd.eml']) expect(byFile[f]!.error, f).toBeUndefined();
    expect(byFile['crash.eml']!.error).toMatchObject({ code: 'ERR_WORKER' });
    expect(byFile['crash.eml']!.error!.message).toMatch(/exited \(code 3\) while reading crash\.eml/);
    expect(byFile['throw.eml']!.error).toMatchObject({ code: 'ERR_WORKER' });
    expect(byFile['throw.eml']!.error!.message).toMatch(/boom/);
  });

  test("a worker that dies mid-message leaves no temp file; other threads' temp files are left alone", async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mj-batch-tmp-'));
    // Another thread's file in progress (a name no worker of this run has): not ours to remove.
    const other = `.tmp-${process.pid}-999999-inprogress`;
    writeFileSync(path.join(outDir, other), 'x');
    const items: BatchItem[] = [];
    await runBatch(
      ['a.eml', 'midwrite.eml', 'b.eml'].map((file) => ({ file })),
      { parse: {}, outDir, jobs: 2, onItem: (i) => items.push(i), workerFile: new URL('./helpers/flaky-worker.mjs', import.meta.url) },
    );
    expect(items.find((i) => i.file === 'midwrite.eml')!.error).toMatchObject({ code: 'ERR_WORKER' });
    expect(readdirSync(outDir)).toEqual([other]);
  });

  test('the real worker, killed while writing a message, leaves no temp file behind', async () => {
    if (!existsSync(path.join(ROOT, 'dist', 'batch-worker.js'))) throw new Error('dist/batch-worker.js is missing: run npm run build (npm test does)');
    const inDir = mkdtempSync(path.join(os.tmpdir(), 'mj-batch-dying-in-'));
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mj-batch-dying-out-'));
    // Two units, so that runBatch uses worker threads; each takes several reads.
    const files = ['m1.eml', 'm2.eml'].map((name) => path.join(inDir, name));
    for (const file of files) writeFileSync(file, `From: a@example.com\r\nTo: b@example.com\r\nMessage-ID: <${path.basename(file)}@example.com>\r\n\r\n${'body line\r\n'.repeat(400_000)}`);
    const items: BatchItem[] = [];
    try {
      await runBatch(
        files.map((file) => ({ file })),
        { parse: {}, outDir, jobs: 2, onItem: (i) => items.push(i), workerFile: new URL('./helpers/dying-worker.mjs', import.meta.url) },
      );
      // Each worker exited once its temp file (named by the real StoreWriter) held bytes; runBatch
      // removed both files.
      expect(items.map((i) => i.error?.code)).toEqual(['ERR_WORKER', 'ERR_WORKER']);
      expect(readdirSync(outDir)).toEqual([]);
    } finally {
      for (const dir of [inDir, outDir]) rmSync(dir, { recursive: true, force: true });
    }
  });

});

describe('looksLikeMbox', () => {
  test('false, not an exception, for a path that opens but cannot be read (a directory: EISDIR)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mj-mbox-'));
    expect(looksLikeMbox(dir)).toBe(false);
    writeFileSync(path.join(dir, 'm'), 'From a@b Mon Jan  1 00:00:00 2024\n');
    expect(looksLikeMbox(path.join(dir, 'm'))).toBe(true);
  });
});

describe('backpressure details found by review (session 21)', () => {
  const workerFile = new URL('../dist/batch-worker.js', import.meta.url);

  test.each([1, 2])('tiny messages: a wait holds back within one read too, not only between reads (jobs %i)', async (jobs) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-tiny-'));
    // 150,000 empty messages in one 1 MiB read: the wait was looked at only after all of them.
    for (const name of ['a.mbox', 'b.mbox']) writeFileSync(path.join(dir, name), 'From x\n'.repeat(150_000));
    let seen = 0;
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => (release = r));
    const done = runBatch(enumerate([dir]).units, { parse: { dedupKeys: false }, outDir: undefined, jobs, workerFile, onItem: () => (seen++, blocked) });
    await new Promise((r) => setTimeout(r, 700));
    // A 16 KiB slice holds about 2,300 of them (per file with workers, plus the ack window).
    expect(seen).toBeLessThan(jobs * 2500);
    release();
    await done;
    expect(seen).toBe(300_000);
  });

  test.each([1, 2])('a rejected wait counts as settled, the same with and without workers (jobs %i)', async (jobs) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-reject-'));
    for (const name of ['a.mbox', 'b.mbox']) writeFileSync(path.join(dir, name), 'From x\nSubject: s\n\nb\n'.repeat(3000));
    const items: BatchItem[] = [];
    await runBatch(enumerate([dir]).units, {
      parse: { dedupKeys: false },
      outDir: undefined,
      jobs,
      workerFile,
      onItem: (i) => (items.push(i), items.length % 500 === 5 ? Promise.reject(new Error('sink failed')) : undefined),
    });
    expect(items).toHaveLength(6000);
    expect(items.filter((i) => i.error !== undefined)).toEqual([]);
  });
});

describe('batch defects found by an audit (session 21)', () => {
  test('mbox: a From line right after a From line frames an empty message, not content', () => {
    for (const eol of ['\n', '\r\n']) {
      const box = ['From a x', 'From b x', 'Subject: second', '', 'body', ''].join(eol);
      for (const how of ['whole', 'bytes', 2, 3, 7] as const) {
        expect(split(box, how), `${JSON.stringify(eol)} ${how}`).toEqual(['', `Subject: second${eol}${eol}body${eol}`]);
        expect(split(['From a', 'From b', 'From c', ''].join(eol), how)).toEqual(['', '', '']);
      }
    }
  });

  test('mbox: the blank line after the last message is framing, as the one before a From line', () => {
    for (const eol of ['\n', '\r\n']) {
      const message = ['Subject: same', '', 'body', ''].join(eol);
      const box = `From a x${eol}${message}${eol}From a x${eol}${message}${eol}`;
      for (const how of ['whole', 'bytes', 2, 3, 5, 40] as const) expect(split(box, how), `${JSON.stringify(eol)} ${how}`).toEqual([message, message]);
    }
    // Only a blank line goes: a message's own last line break stays, and a file that ends without
    // a blank line keeps everything.
    expect(split('From a\nS: x\n\nbody\n', 'whole')).toEqual(['S: x\n\nbody\n']);
    expect(split('From a\nS: x\n\nbody', 'whole')).toEqual(['S: x\n\nbody']);
  });

  test('a file that starts with "From " but has no line break in its first KiB is one message', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-cr-'));
    const content = 'From a@b Mon Jun  3 09:00:00 2024\rSubject: cr only\r\rbody\r'.padEnd(2000, 'x');
    writeFileSync(path.join(dir, 'old-mac.mbox'), content, 'latin1');
    expect(looksLikeMbox(path.join(dir, 'old-mac.mbox'))).toBe(false);
    const items: BatchItem[] = [];
    await runBatch(enumerate([dir]).units, { parse: {}, outDir: undefined, jobs: 1, onItem: (i) => items.push(i) });
    expect(items.map((i) => [i.index ?? null, i.bytes])).toEqual([[null, 2000]]);
    // A real mbox still splits, its From line well within the first KiB.
    writeFileSync(path.join(dir, 'old-mac.mbox'), 'From a@b Mon Jun  3 09:00:00 2024\nSubject: one\n\nbody\n', 'latin1');
    expect(looksLikeMbox(path.join(dir, 'old-mac.mbox'))).toBe(true);
  });

  test('standard input in a batch is a usage error, not left out', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-stdin-'));
    const input = readFileSync(path.join(FIXTURES, 'exchange', 'bcc-expanded-dl.eml'));
    for (const args of [['extract', '-', '--out', path.join(dir, 'out')], ['inspect', '-', dir], ['inspect', '--jobs', '2', '-']]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'latin1' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/standard input.*cannot be part of a batch/);
    }
  });

  test('a folder reached again through a symbolic link is walked once (a link up the tree looped)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-loop-'));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'a.eml'), 'Subject: a\n\nbody\n');
    symlinkSync('..', path.join(dir, 'sub', 'up'));
    symlinkSync('.', path.join(dir, 'self1'));
    symlinkSync('.', path.join(dir, 'self2'));
    const { units, unreadable } = enumerate([dir]);
    expect(units.map((u) => path.relative(dir, u.file))).toEqual([path.join('sub', 'a.eml')]);
    expect(unreadable).toEqual([]);
  });

  test('a Maildir: cur/, new/ and every subfolder (Maildir++ and fs layout), not tmp/ or metadata', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-maildir-'));
    const box = (p: string) => ['cur', 'new', 'tmp'].forEach((d) => mkdirSync(path.join(dir, p, d), { recursive: true }));
    box('Maildir');
    box('Maildir/.Sent');
    box('Maildir/Sent');
    mkdirSync(path.join(dir, 'Maildir', 'exports'));
    mkdirSync(path.join(dir, 'Maildir', 'courierimapkeywords'));
    const files = ['Maildir/cur/1:2,S', 'Maildir/new/2', 'Maildir/tmp/3', 'Maildir/.Sent/cur/4:2,S', 'Maildir/Sent/new/5', 'Maildir/exports/r.eml', 'Maildir/courierimapkeywords/:list', 'Maildir/dovecot-uidlist'];
    for (const f of files) writeFileSync(path.join(dir, f), 'Subject: x\n\nbody\n');
    expect(enumerate([path.join(dir, 'Maildir')]).units.map((u) => path.relative(dir, u.file)).sort()).toEqual(
      ['Maildir/.Sent/cur/4:2,S', 'Maildir/Sent/new/5', 'Maildir/cur/1:2,S', 'Maildir/exports/r.eml', 'Maildir/new/2'].sort(),
    );
  });

  test.each([1, 2])('a consumer that asks to wait holds back reading (jobs %i): a slow output cannot make results pile up', async (jobs) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-slow-'));
    // About 3 MiB of small messages per file: three or four reads of 1 MiB each.
    const message = `From a@b Mon Jun  3 09:00:00 2024\nSubject: m\n\n${'x'.repeat(1000)}\n\n`;
    for (const name of ['a.mbox', 'b.mbox']) writeFileSync(path.join(dir, name), message.repeat(3000), 'latin1');
    let seen = 0;
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => (release = r));
    // Every result asks to wait, released only after both files could long have been read: until
    // then no more than one read's messages per file (and, with workers, the results a worker
    // posts before it waits for their acknowledgement) may come.
    const onItem = (): Promise<void> => {
      seen++;
      return blocked;
    };
    // The built worker (the one the CLI runs), as the worker tests above use.
    const workerFile = new URL('../dist/batch-worker.js', import.meta.url);
    const done = runBatch(enumerate([dir]).units, { parse: { dedupKeys: false }, outDir: undefined, jobs, onItem, workerFile });
    await new Promise((r) => setTimeout(r, 700));
    // One read of 1 MiB holds about 1,000 of these messages; without the wait all 6,000 came.
    expect(seen).toBeLessThan(jobs * 1200);
    release();
    await done;
    expect(seen).toBe(6000);
  });
});
