import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, vi } from 'vitest';

// A folder that cannot be listed (found by an audit as a non-root user: one such folder ended the
// whole batch with a single line on stderr). Tests run as root here, where permissions do not
// stop a read, so listing a folder named "locked" fails on purpose.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readdirSync = ((p: string, ...rest: unknown[]) => {
    if (String(p).endsWith('locked')) throw Object.assign(new Error(`EACCES: permission denied, scandir '${p}'`), { code: 'EACCES', path: p });
    return (fs.readdirSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readdirSync;
  return { ...fs, default: { ...fs, readdirSync }, readdirSync };
});

const { enumerate } = await import('../src/batch/run.js');

test('a folder that cannot be listed is reported as unreadable; the rest of the walk goes on', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailjournal-locked-'));
  mkdirSync(path.join(dir, 'locked'));
  mkdirSync(path.join(dir, 'ok'));
  writeFileSync(path.join(dir, 'ok', 'a.eml'), 'Subject: a\n\nbody\n');
  const { units, missing, unreadable } = enumerate([dir]);
  expect(units.map((u) => path.relative(dir, u.file))).toEqual([path.join('ok', 'a.eml')]);
  expect(missing).toEqual([]);
  expect(unreadable).toEqual([{ path: path.join(dir, 'locked'), code: 'EACCES', message: expect.stringContaining('permission denied') }]);
});
