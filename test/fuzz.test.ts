import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkInput, fuzz } from '../src/fuzz.js';
import { FIXTURES, listFixtures, ROOT } from './helpers/fixtures.js';

describe('fuzzer', () => {
  test('every fixture passes every check, whole and in random chunkings', () => {
    for (const file of listFixtures()) {
      const input = new Uint8Array(readFileSync(file));
      expect(checkInput(input, [1, 7, Math.floor(input.length / 2), input.length - 3].filter((c) => c > 0 && c < input.length)), file).toBeUndefined();
    }
  });

  test('a short seeded run finds nothing and is repeatable', async () => {
    const seeds = listFixtures().slice(0, 20).map((f) => new Uint8Array(readFileSync(f)));
    const a = await fuzz({ seeds, seconds: 2, seed: 42 });
    expect(a.runs).toBeGreaterThan(50);
    expect(a.failures).toEqual([]);
  });

  test('mailjournal fuzz DIR: seeds from a directory, summary line, exit 0', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-fuzz-'));
    writeFileSync(path.join(dir, 'one.eml'), readFileSync(path.join(FIXTURES, 'exchange', 'bcc-expanded-dl.eml')));
    const out = path.join(dir, 'failures');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'fuzz', dir, '--seconds', '2', '--seed', '3', '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+ inputs, 0 failure\(s\) \(seed 3\)$/m);
    expect(r.stderr).toMatch(/from 1 seed file/);
    // Made (and tried) before the run, and empty: nothing failed.
    expect(readdirSync(out)).toEqual([]);
  });

  test('mailjournal fuzz: seeds that do not exist (a path under a file) or cannot be read (a dangling link) are skipped', () => {
    // Found by review: after the batch walk changed, a path under a file aborted the command.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-fuzz-skip-'));
    writeFileSync(path.join(dir, 'one.eml'), readFileSync(path.join(FIXTURES, 'exchange', 'bcc-expanded-dl.eml')));
    symlinkSync(path.join(dir, 'gone.eml'), path.join(dir, 'dangling.eml'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'fuzz', dir, path.join(dir, 'one.eml', 'x'), '--seconds', '1', '--seed', '3'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/one\.eml\/x does not exist, skipped/);
    expect(r.stderr).toMatch(/dangling\.eml: .*skipped/);
    expect(r.stderr).toMatch(/from 1 seed file/);
  });

  test('the BCC check follows the removeHeaders given: keeping the default fields on purpose is no failure', () => {
    // Found by a user trial: `fuzz --remove-header X-Foo` reported every archived original.
    const input = new Uint8Array(readFileSync(path.join(FIXTURES, 'exchange', 'bcc-expanded-dl.eml')));
    expect(checkInput(input, [], { removeHeaders: ['X-Foo'] })).toBeUndefined();
    expect(checkInput(input, [], {})).toBeUndefined();
  });

  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

  test('mailjournal fuzz: a seed larger than 1 MiB is cut, said once; --out that cannot be written and a --seed past 32 bits are refused at once', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-fuzz-big-'));
    const report = readFileSync(path.join(FIXTURES, 'exchange', 'bcc-expanded-dl.eml'));
    writeFileSync(path.join(dir, 'big.eml'), Buffer.concat([report, Buffer.alloc(3 << 20, 0x41)]));
    const big = cli(['fuzz', dir, '--seconds', '1', '--seed', '3']);
    expect(big.status).toBe(0);
    expect(big.stderr).toMatch(/1 seed file\(s\) larger than 1 MiB: only their first 1 MiB are used/);
    const file = path.join(dir, 'big.eml');
    const out = cli(['fuzz', dir, '--seconds', '30', '--out', path.join(file, 'sub')]);
    expect(out.status).toBe(1);
    expect(out.stderr.trim().split('\n').pop()).toBe(`mailjournal: cannot write ${path.join(file, 'sub')}: ENOTDIR`);
    expect(out.stderr).not.toMatch(/fuzzing for/);
    expect(out.stdout).toBe('');
    const seed = cli(['fuzz', dir, '--seed', '4294967296']);
    expect(seed.status).toBe(2);
    expect(seed.stderr).toMatch(/--seed takes a whole number up to 4294967295/);
  });

  test('mailjournal fuzz --replay runs a written failure again with its saved options and cuts', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-fuzz-replay-'));
    const report = readFileSync(path.join(FIXTURES, 'exchange', 'bcc-expanded-dl.eml'));
    // A failure as a run writes it: the input and, beside it, what the run used.
    writeFileSync(path.join(dir, 'a.eml'), report);
    writeFileSync(path.join(dir, 'a.replay.json'), JSON.stringify({ reason: 'x', options: { removeHeaders: ['X-Foo'] }, cuts: [5, 100] }));
    const pass = cli(['fuzz', '--replay', path.join(dir, 'a.eml')]);
    expect(pass.stdout.trim()).toBe(`PASS ${path.join(dir, 'a.eml')}`);
    expect(pass.status).toBe(0);
    // Saved options the parser refuses: the replay shows the failure (an untyped TypeError).
    writeFileSync(path.join(dir, 'b.eml'), report);
    writeFileSync(path.join(dir, 'b.replay.json'), JSON.stringify({ options: { maxDepth: -1 }, cuts: [] }));
    const fail = cli(['fuzz', '--replay', path.join(dir, 'a.eml'), path.join(dir, 'b.eml')]);
    expect(fail.stdout.trim().split('\n')).toEqual([`PASS ${path.join(dir, 'a.eml')}`, expect.stringMatching(/^FAIL .*b\.eml: untyped exception: .*maxDepth/)]);
    expect(fail.status).toBe(1);
    // RegExp options are saved as { regexp, flags } and come back as RegExps.
    writeFileSync(path.join(dir, 'c.eml'), report);
    writeFileSync(path.join(dir, 'c.replay.json'), JSON.stringify({ options: { journalSenders: [{ regexp: '^microsoftexchange', flags: 'i' }] }, cuts: [10] }));
    expect(cli(['fuzz', '--replay', path.join(dir, 'c.eml')]).stdout.trim()).toBe(`PASS ${path.join(dir, 'c.eml')}`);
    // A replay file of the wrong shape fails that file only; a missing one is said.
    writeFileSync(path.join(dir, 'd.eml'), report);
    writeFileSync(path.join(dir, 'd.replay.json'), 'null');
    writeFileSync(path.join(dir, 'e.eml'), report);
    const mixed = cli(['fuzz', '--replay', path.join(dir, 'd.eml'), path.join(dir, 'e.eml')]);
    expect(mixed.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^FAIL .*d\.eml: cannot replay: .*is not a replay file/), `PASS ${path.join(dir, 'e.eml')}`]);
    expect(mixed.stderr).toMatch(/e\.eml: no e\.replay\.json: replayed with the options given, unchunked/);
    expect(mixed.status).toBe(1);
  });

  test('mailjournal fuzz without a DIR is a usage error', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'fuzz'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
  });
});
