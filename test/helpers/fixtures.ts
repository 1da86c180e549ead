import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'fixtures');
/** The shared reference corpus, beside the project (absent for a plain clone). */
export const CORPUS = path.resolve(ROOT, '../shared/corpus');

/** Every fixture message under a folder: *.eml that are not golden outputs. */
export function listFixtures(dir = FIXTURES): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFixtures(full));
    else if (name.endsWith('.eml') && !name.endsWith('.archived.eml')) out.push(full);
  }
  return out;
}

/**
 * Parser options a fixture needs, from the `options` entry of the expectations.json beside it
 * (e.g. `archiveAddresses`). Most fixtures need none.
 */
export function fixtureOptions(file: string): Record<string, unknown> {
  const table = path.join(path.dirname(file), 'expectations.json');
  if (!existsSync(table)) return {};
  const slug = path.basename(file, '.eml');
  const entry = (JSON.parse(readFileSync(table, 'utf8')) as Record<string, { options?: Record<string, unknown> }>)[slug];
  return entry?.options ?? {};
}
