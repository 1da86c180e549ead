import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { FIXTURES, fixtureOptions, listFixtures } from './helpers/fixtures.js';
import { referenceOriginal, referenceStrip } from './helpers/reference.js';
import { runAs, stableJson, text, toCRLF } from './helpers/run.js';
import { DEFAULT_REMOVE_HEADERS } from '../src/options.js';

// Golden files: <slug>.json is the report, <slug>.archived.eml the archived output, both for the
// LF form of the fixture. UPDATE_GOLDEN=1 rewrites them (then read the diff before committing).
const update = process.env.UPDATE_GOLDEN === '1';
const files = listFixtures();

test('fixtures exist', () => {
  expect(files.length).toBeGreaterThanOrEqual(25);
});

describe.each(files.map((f) => [path.relative(FIXTURES, f), f]))('%s', (_name, file) => {
  const lf = new Uint8Array(readFileSync(file));
  const crlf = toCRLF(lf);
  const goldenReport = file.replace(/\.eml$/, '.json');
  const goldenOutput = file.replace(/\.eml$/, '.archived.eml');
  const options = fixtureOptions(file);
  const base = runAs(lf, 'whole', options);

  test('matches the golden report and archived output', () => {
    if (update) {
      writeFileSync(goldenReport, stableJson(base.report));
      writeFileSync(goldenOutput, base.output);
    }
    // A missing golden is a failure, not a free pass: write it with UPDATE_GOLDEN=1 and review it.
    expect(existsSync(goldenReport), `${goldenReport} is missing (UPDATE_GOLDEN=1 writes it)`).toBe(true);
    const actual = stableJson(base.report);
    if (actual !== readFileSync(goldenReport, 'utf8')) writeFileSync(file.replace(/\.eml$/, '.actual.json'), actual);
    expect(actual).toBe(readFileSync(goldenReport, 'utf8'));
    expect(text(base.output)).toBe(text(new Uint8Array(readFileSync(goldenOutput))));
  });

  test('archived output equals the naive reference (LF and CRLF)', () => {
    for (const input of [lf, crlf]) {
      const { report, output } = runAs(input, 'whole', options);
      if (report.output.content === 'unchanged') {
        expect(text(output)).toBe(text(input));
        continue;
      }
      // Unwrap one level per NDR in the chain, then the journal report's original.
      let inner: Uint8Array | undefined = input;
      for (let level = 1; level < (report.ndr?.chain.length ?? 1); level++) inner = referenceOriginal(inner!, 0, true);
      if (report.output.content === 'original') inner = referenceOriginal(inner!);
      expect(inner).toBeDefined();
      const expected = report.output.content === 'original' ? referenceStrip(inner!, [...DEFAULT_REMOVE_HEADERS]) : inner!;
      expect(text(output)).toBe(text(expected));
    }
  });

  test('CRLF gives the same report; output differs only in line endings', () => {
    const r = runAs(crlf, 'whole', options);
    expect(r.report).toEqual(base.report);
    const encoded = base.report.message.transferEncoding === 'base64' || base.report.message.transferEncoding === 'quoted-printable';
    expect(text(r.output)).toBe(text(encoded ? base.output : toCRLF(base.output)));
  });

  test('any chunking gives the same report and bytes', () => {
    for (const input of [lf, crlf]) {
      const whole = runAs(input, 'whole', options);
      for (const how of ['bytes', 11, 12, 13] as const) {
        const r = runAs(input, how, options);
        expect(r.report, `chunking ${how}`).toEqual(whole.report);
        expect(text(r.output), `chunking ${how}`).toBe(text(whole.output));
      }
    }
  });
});
