// The "many envelope recipients" scenario, in a fresh process: run after the other scenarios in
// the parent, it inherited their heap (the large report's chunks, mailparser's module graph), and
// the 25,000-recipient size came out 2.2–2.5x the 12,500 one in four full runs of session 16
// while the same code alone gave 1.9–2.0x (see bench/README.md, scenario 4).
//   node bench/recipients-child.mjs ROUNDS COUNT...   → one JSON line
import { makeReport, reportBytes } from './corpus.mjs';

const [roundsArg, ...countArgs] = process.argv.slice(2);
const rounds = Number(roundsArg);
const { parseJournal } = await import('../dist/index.js');
const cases = countArgs.map(Number).map((n) => {
  const spec = makeReport(7, { recipients: n, attachmentBytes: 0, textLines: 20 });
  return { n, spec, bytes: reportBytes(spec), seconds: [] };
});
const problems = [];
for (const c of cases) await parseJournal(c.bytes, { output: () => {} });
// The sizes take turns within each round, so that a slow stretch of the machine falls on all of
// them alike instead of on whichever size was running then (the ratios are the verdict).
// No forced GC between runs (until session 19 there was a gc() before each): it emptied the young
// generation, so that a 12,500-recipient parse (about 14 MB allocated) ran without a single
// scavenge while 25,000 paid one and regrew the shrunk heap: 25,000 took 48-52 ms with the gc()
// and 38 ms without, 12,500 22 ms either way, and the first ratio was 2.14-2.31x against
// 1.72-1.90x (three children each, same build). Without it every size pays the collections its
// own allocations cause, as it would in a process that parses one report after another.
// The sizes run in a sequence in which each one follows each of the others equally often (for
// three sizes: 0 2 1 2 0 1, repeated). In one fixed order the smallest always ran right after the
// largest's full collection, with an empty young generation, and the middle one behind the
// smallest's garbage (session 26: 12,500 then measured 2.16-2.22 ms per 1,000 recipients against
// 2.45-2.64 for 25,000 in five children, a first-step median ratio of 2.20-2.38x). Rotating that
// order from round to round would not do: it keeps who follows whom inside each round.
const sequence = everyPairOnce(cases.length);
for (let i = 0; i < rounds * cases.length; i++) {
  const c = cases[sequence[i % sequence.length]];
  const t = process.hrtime.bigint();
  const report = await parseJournal(c.bytes, { output: () => {} });
  c.seconds.push(Number(process.hrtime.bigint() - t) / 1e9);
  if (report.recipients.length !== c.spec.expected.recipients) problems.push(`${c.n}: ${report.recipients.length} recipients`);
}
console.log(JSON.stringify({ cases: cases.map((c) => ({ recipients: c.n, bytes: c.bytes.length, seconds: c.seconds })), problems: problems.slice(0, 5) }));

/**
 * A cyclic sequence of 0 … k-1 in which every ordered pair of two different sizes stands side by
 * side exactly once (an Eulerian circuit of the complete directed graph, Hierholzer's method):
 * k(k-1) runs, each size k-1 times. `rounds` runs per size therefore need a multiple of k-1 rounds.
 */
function everyPairOnce(k) {
  if (k <= 1) return [0];
  const next = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => b).filter((b) => b !== a));
  const stack = [0];
  const out = [];
  while (stack.length > 0) {
    const v = stack[stack.length - 1];
    if (next[v].length > 0) stack.push(next[v].pop());
    else out.push(stack.pop());
  }
  out.reverse();
  out.pop(); // the walk ends where it began
  return out;
}
