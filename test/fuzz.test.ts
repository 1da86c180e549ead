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
    expect(() => readdirSync(out)).toThrow();
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

  test('mailjournal fuzz without a DIR is a usage error', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'fuzz'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
  });
});
