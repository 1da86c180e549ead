import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from 'vitest';
import { JournalTransform } from '../src/adapters/node.js';
import { createJournalStream } from '../src/adapters/web.js';
import type { ParseOptions } from '../src/options.js';
import type { JournalReport } from '../src/types.js';
import { FIXTURES, fixtureOptions, listFixtures } from './helpers/fixtures.js';
import { concat, stableJson, text } from './helpers/run.js';

// README, Guarantees: "Chunking does not matter. The same input split anywhere gives the same
// report and the same output bytes". golden.test.ts checks that through the push parser; this
// checks it through the two stream adapters, which add their own buffering and copying between
// the caller's pieces and the parser. Every golden fixture is fed in 1-byte and in 7-byte
// pieces and must give exactly the golden report (stable JSON, as golden.test.ts compares it)
// and the golden archived bytes.
//
// Every fixture is small today (the largest is under 4 KB, all of them about 155 KB), so all of
// them go through in 1-byte pieces well within the time budget. A fixture of 20 KB or more
// would be fed in 64-byte pieces instead of 1-byte ones, to keep the run short.
const ONE_BYTE_LIMIT = 20 * 1024;
const files = listFixtures();

/** The input cut into pieces of `size` bytes (each a copy, as a stream gives fresh chunks). */
function pieces(input: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.slice(i, i + size));
  return out;
}

async function throughNode(chunks: Uint8Array[], options: ParseOptions): Promise<{ report: JournalReport; output: Uint8Array }> {
  const t = new JournalTransform(options);
  let fromEvent: JournalReport | undefined;
  t.on('report', (r) => (fromEvent = r));
  const out: Uint8Array[] = [];
  await pipeline(Readable.from(chunks), t, async function* (source) {
    for await (const c of source) out.push(new Uint8Array(c as Buffer));
  });
  // The event and the property carry the same report.
  expect(fromEvent).toBe(t.report);
  return { report: t.report!, output: concat(out) };
}

async function throughWeb(chunks: Uint8Array[], options: ParseOptions): Promise<{ report: JournalReport; output: Uint8Array }> {
  const t = createJournalStream(options);
  let i = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
  });
  const out: Uint8Array[] = [];
  await source.pipeThrough(t).pipeTo(new WritableStream({ write: (c) => void out.push(c) }));
  return { report: await t.report, output: concat(out) };
}

const ADAPTERS = [
  ['JournalTransform', throughNode],
  ['createJournalStream', throughWeb],
] as const;

test('the golden fixtures are all there', () => {
  expect(files.length).toBeGreaterThanOrEqual(25);
});

describe.each(files.map((f) => [path.relative(FIXTURES, f), f]))('%s', (_name, file) => {
  const input = new Uint8Array(readFileSync(file));
  const goldenReport = readFileSync(file.replace(/\.eml$/, '.json'), 'utf8');
  const goldenOutput = text(new Uint8Array(readFileSync(file.replace(/\.eml$/, '.archived.eml'))));
  const options = fixtureOptions(file) as ParseOptions;
  const small = statSync(file).size < ONE_BYTE_LIMIT;

  for (const [adapter, through] of ADAPTERS) {
    for (const size of [small ? 1 : 64, 7]) {
      test(`${adapter}, ${size}-byte pieces: the golden report and archived bytes`, async () => {
        const { report, output } = await through(pieces(input, size), options);
        expect(stableJson(report)).toBe(goldenReport);
        expect(text(output)).toBe(goldenOutput);
      });
    }
  }
});
