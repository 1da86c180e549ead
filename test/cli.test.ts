import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, ROOT } from './helpers/fixtures.js';
import { SAMPLE_ARCHIVED, SAMPLE_REPORT } from './helpers/sample.js';

// The CLI is tested as users run it: the built dist/cli.js (npm test builds first).
const CLI = path.join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-cli-'));
const report = path.join(dir, 'report.eml');

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'latin1' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build (npm test does)');
  writeFileSync(report, SAMPLE_REPORT);
});

describe('mailjournal CLI', () => {
  test('inspect prints one JSON report', () => {
    const r = cli(['inspect', report]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.kind).toBe('journal-report');
    expect(json.recipients.map((x: { address: string }) => x.address)).toContain('dave@contoso.com');
  });

  test('inspect of several files prints JSON Lines and keeps going after a failure', () => {
    const r = cli(['inspect', report, path.join(dir, 'missing.eml'), report]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].file).toBe(report);
    expect(lines[1].error.code).toBe('ENOENT');
    expect(r.stderr).toMatch(/no such file/);
  });

  test.skipIf(!existsSync('/dev/full'))('an output that cannot be written (a full disk) is one line and exit 1, not a stack trace', () => {
    for (const args of [['extract', report], ['inspect', report]]) {
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'latin1' });
        expect(r.status, args[0]).toBe(1);
        expect(r.stderr.trim(), args[0]).toMatch(/^mailjournal: .*ENOSPC/);
        expect(r.stderr, args[0]).not.toMatch(/\n\s+at /);
      } finally {
        closeSync(full);
      }
    }
  });

  test('inspect --jsonl with standard input', () => {
    const r = cli(['inspect', '--jsonl', '-'], SAMPLE_REPORT);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).file).toBe('-');
  });

  test('extract writes the archived original to stdout or to -o', () => {
    expect(cli(['extract', report]).stdout).toBe(SAMPLE_ARCHIVED);
    const out = path.join(dir, 'out.eml');
    const r = cli(['extract', report, '-o', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'latin1')).toBe(SAMPLE_ARCHIVED);
  });

  test('extract -o through a symlink writes the file it points to and keeps the link (no rename over it)', () => {
    const sub = mkdtempSync(path.join(dir, 'link-'));
    const real = path.join(sub, 'real.eml');
    writeFileSync(real, 'earlier');
    symlinkSync(real, path.join(sub, 'link.eml'));
    expect(cli(['extract', report, '-o', path.join(sub, 'link.eml')]).code).toBe(0);
    expect(lstatSync(path.join(sub, 'link.eml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'latin1')).toBe(SAMPLE_ARCHIVED);
    expect(readdirSync(sub).sort()).toEqual(['link.eml', 'real.eml']);
  });

  // /proc/self/mem opens but fails every read at offset 0 (EIO): an input that breaks after the
  // output was opened. Linux only.
  test.skipIf(!existsSync('/proc/self/mem'))('extract -o: a read that fails leaves the file that was there, and no temp file', () => {
    const sub = mkdtempSync(path.join(dir, 'eio-'));
    const out = path.join(sub, 'out.eml');
    writeFileSync(out, 'earlier');
    const r = cli(['extract', '/proc/self/mem', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_INVALID_INPUT.*EIO/);
    expect(readdirSync(sub)).toEqual(['out.eml']);
    expect(readFileSync(out, 'latin1')).toBe('earlier');
  });

  test('--remove-header replaces the default list', () => {
    const out = cli(['extract', report, '--remove-header', 'Cc']).stdout;
    expect(out).toContain('X-MS-Exchange-Organization-BCC: dave@contoso.com');
    expect(out).not.toContain('Cc: carol@fabrikam.com');
  });

  test('inspect --internal-domain adds the assignment; --known-mailboxes and trust options apply', () => {
    const known = path.join(dir, 'known.txt');
    writeFileSync(known, '# mailboxes\nBob@Contoso.com\n');
    const r = cli(['inspect', '--internal-domain', 'contoso.com', '--known-mailboxes', known, report]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.trust).toBe('unverified');
    expect(json.assignment).toMatchObject({ keep: true, basis: 'envelope', mailboxes: ['bob@contoso.com'], unknownInternal: ['alice@contoso.com', 'dave@contoso.com', 'erin@contoso.com'] });
    const untrusted = JSON.parse(cli(['inspect', '--journal-sender', '/^journal@/i', '--internal-domain', 'contoso.com', report]).stdout);
    expect(untrusted.trust).toBe('untrusted');
    expect(untrusted.assignment.basis).toBe('header');
    expect(JSON.parse(cli(['inspect', '--trusted', report]).stdout).trust).toBe('trusted');
    expect(cli(['inspect', '--fold-plus', report]).code).toBe(2);
  });

  test('--mode decides how an NDR is archived; --prefer-clear-text picks the decrypted copy', () => {
    const ndr = path.join(FIXTURES, 'ndr', 'is-ndr-returns-plain.eml');
    expect(JSON.parse(cli(['inspect', ndr]).stdout).ndr.action).toBe('archive-attached');
    expect(JSON.parse(cli(['inspect', '--mode', 'mailbox', ndr]).stdout).ndr.action).toBe('archive-unchanged');
    expect(cli(['inspect', '--mode', 'both', ndr]).code).toBe(2);
    const irm = path.join(FIXTURES, 'exchange', 'irm-two-embedded-messages.eml');
    const renditions = JSON.parse(cli(['inspect', '--prefer-clear-text', irm]).stdout).renditions;
    expect(renditions.map((r: { archived: boolean }) => r.archived)).toEqual([false, true]);
  });

  test('bad option values are usage errors (exit 2) in one line that names the value, not the whole help', () => {
    for (const [args, message] of [
      [['inspect', '--jobs', '0', report], /--jobs takes a whole number of at least 1/],
      [['inspect', '--internal-domain', '', report], /--internal-domain needs a value/],
      [['inspect', '--internal-domain', 'a b', report], /--internal-domain takes a domain name/],
      // Audit, session 23: these were accepted, matched nothing and dropped every message.
      [['inspect', '--internal-domain', '@contoso.com', report], /not "@contoso.com": write the domain alone \(contoso.com\)/],
      [['inspect', '--internal-domain', 'contoso.com,fabrikam.com', report], /one domain per entry/],
      [['inspect', '--internal-domain', '*', report], /--internal-domain takes a domain name/],
      [['fuzz', path.join(dir, 'no-such-dir'), '--seconds', '1'], /fuzz found no seed messages/],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/Usage:/);
    }
  });

  test('options of another command are usage errors; --name=value works; --out with a .eml name for one file points at -o (audit, session 23)', () => {
    for (const [args, message] of [
      [['inspect', '--seconds', '5', report], /--seconds is an option of fuzz, not of inspect/],
      [['inspect', '--replay', report], /--replay is an option of fuzz/],
      [['extract', '--internal-domain', 'contoso.com', report], /--internal-domain is an option of inspect, not of extract/],
      [['extract', '--jsonl', report], /--jsonl is an option of inspect/],
      [['inspect', '-o', path.join(dir, 'x.eml'), report], /-o is an option of extract/],
      [['inspect', '--trusted=yes', report], /--trusted takes no value/],
      [['inspect', '--nonsense=1', report], /unknown option --nonsense$/m],
      [['extract', report, '--out', path.join(dir, 'new.eml')], /--out takes a directory .* use -o /],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(path.join(dir, 'new.eml'))).toBe(false);
    const spaced = cli(['inspect', '--mode', 'mailbox', '--internal-domain', 'contoso.com', report]);
    const joined = cli(['inspect', '--mode=mailbox', '--internal-domain=contoso.com', report]);
    expect(joined.code).toBe(0);
    expect(joined.stdout).toBe(spaced.stdout);
    expect(JSON.parse(joined.stdout).assignment.keep).toBe(true);
    // One message is one message, not "1 messages".
    expect(cli(['inspect', '--jobs', '1', report]).stderr).toMatch(/summary: 1 message, .*; 0 failed; 0 duplicates \(/);
    // A value may start with -- and hold an = (second review: it was split as an option); an
    // empty value is a usage error; a folder or mbox may be stored into a directory named *.eml.
    const odd = path.join(dir, '--x=y.eml');
    expect(cli(['extract', report, '-o', odd]).code).toBe(0);
    expect(readFileSync(odd, 'latin1')).toBe(SAMPLE_ARCHIVED);
    // `--X-Foo=1` is the header name (it replaces the default list, so the BCC field stays).
    const foo = cli(['inspect', report, '--remove-header', '--X-Foo=1']);
    expect(foo.code).toBe(0);
    expect(JSON.parse(foo.stdout).message.removedHeaders).toEqual([]);
    expect(cli(['extract', report, '--remove-header', '--X-Foo=1']).stdout).toBe(SAMPLE_ARCHIVED.replace('MIME-Version', 'X-MS-Exchange-Organization-BCC: dave@contoso.com\nMIME-Version'));
    for (const args of [['inspect', report, '--out='], ['inspect', report, '--known-mailboxes=', '--internal-domain', 'a.com'], ['extract', report, '-o', '']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/needs a (value|file name)/);
    }
    const mbox = path.join(dir, 'two.mbox');
    writeFileSync(mbox, 'From a@b Mon Jun  3 09:00:00 2024\nSubject: one\n\nbody\n\nFrom a@b Mon Jun  3 09:00:01 2024\nSubject: two\n\nbody\n');
    expect(cli(['extract', mbox, '--out', path.join(dir, 'store.eml')]).code).toBe(0);
    expect(lstatSync(path.join(dir, 'store.eml')).isDirectory()).toBe(true);
    // After --, a name with = is a file name.
    expect(cli(['inspect', '--', '--mode=x.eml']).stderr).toMatch(/--mode=x\.eml/);
  });

  test('extract of an input that cannot be read leaves -o untouched, a symlink target included', () => {
    const real = path.join(dir, 'kept.eml');
    const link = path.join(dir, 'kept-link.eml');
    writeFileSync(real, 'keep me\n');
    symlinkSync(real, link);
    for (const out of [real, link]) {
      const r = cli(['extract', path.join(dir, 'no-such-input.eml'), '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no such file/);
      expect(readFileSync(real, 'latin1')).toBe('keep me\n');
    }
  });

  test('-- ends the options: a file name that starts with a dash', () => {
    const dashed = path.join(dir, '-report.eml');
    writeFileSync(dashed, SAMPLE_REPORT);
    const r = spawnSync(process.execPath, [CLI, 'extract', '--', '-report.eml'], { cwd: dir, encoding: 'latin1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(SAMPLE_ARCHIVED);
  });

  test('extract -o into a missing directory or onto a directory names the output, not the input', () => {
    for (const [out, code] of [[path.join(dir, 'no', 'such', 'x.eml'), 'ENOENT'], [dir, 'EISDIR']] as const) {
      const r = cli(['extract', report, '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`mailjournal: cannot write ${out}: ${code}`);
    }
  });

  test('usage errors exit 2; --help exits 0; a missing file exits 1 with a clear message', () => {
    expect(cli(['--help']).code).toBe(0);
    expect(cli(['--help']).stdout).toMatch(/mailjournal inspect/);
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['inspect']).code).toBe(2);
    expect(cli(['extract', report, '--bogus']).code).toBe(2);
    const missing = cli(['extract', path.join(dir, 'nope.eml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  });
});
