// One run of the "large report read from a file" scenario, in a fresh process: mailparser (which
// the parent loads for its own comparisons) is not loaded here, since loading it slows every
// allocation-heavy run in the process, the floor included (measured: html-to-text, one of its
// dependencies, costs mailjournal ~2x and the floor ~1.3x in this scenario).
//   node bench/file-child.mjs FILE HIGH_WATER_MARK ITERATIONS   → one JSON line
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const [file, hwmArg, iterArg] = process.argv.slice(2);
const hwm = Number(hwmArg);
const iterations = Number(iterArg);
const { parseJournal } = await import('../dist/index.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = [];
const mj = [];
let contentKey = null;
// One warm-up pair, then interleaved runs, so that machine noise hits both alike.
for (let i = 0; i <= iterations; i++) {
  let t = process.hrtime.bigint();
  const h = createHash('sha256');
  for await (const c of createReadStream(file, { highWaterMark: hwm })) h.update(c);
  h.digest('hex');
  const f = Number(process.hrtime.bigint() - t) / 1e9;
  t = process.hrtime.bigint();
  const report = await parseJournal(createReadStream(file, { highWaterMark: hwm }), { output: () => {} });
  const m = Number(process.hrtime.bigint() - t) / 1e9;
  contentKey = report.dedup.contentKey;
  if (i > 0) {
    floor.push(f);
    mj.push(m);
  }
}
console.log(JSON.stringify({ floorSeconds: median(floor), mailjournalSeconds: median(mj), contentKey }));
