// The timed part of the "small reports" scenario for one contestant, in a fresh process, so that
// no contestant runs in a heap or a module graph another one built (loading mailparser slows
// allocation-heavy code in the same process, see file-child.mjs).
//   node bench/small-child.mjs <floor|mailjournal|mailjournal-keysoff|simpleparser> COUNT PASSES [WARMUP]   → one JSON line
//
// The reports are generated here from the same seeds as in the parent (bench/corpus.mjs is
// deterministic), checked once, then parsed WARMUP times untimed and PASSES times timed.
import { createHash } from 'node:crypto';
import { reportBytes, smallSpecs } from './corpus.mjs';

const [contestant, countArg, passesArg, warmupArg] = process.argv.slice(2);
const count = Number(countArg);
const passes = Number(passesArg);
// Untimed passes after the checked one: the first few thousand messages still run partly
// unoptimised code (bench/run.mjs passes 15; see SMALL_WARMUP there).
const warmup = Number(warmupArg ?? 15);
const specs = smallSpecs(count);
const messages = specs.map((spec) => reportBytes(spec));
const problems = [];

/** What an archiver built on mailparser does: parse, then read the envelope part with a regex. */
const ENVELOPE_LINE = /^(?:To|Cc|Bcc|Recipient):[ \t]*<?([^\s,<>]+)/gim;
function envelopeRecipients(parsed) {
  const found = new Set();
  for (const m of (parsed.text ?? '').matchAll(ENVELOPE_LINE)) found.add(m[1].toLowerCase());
  return found;
}

let run;
if (contestant === 'floor') {
  run = () => {
    for (const m of messages) createHash('sha256').update(m).digest();
  };
} else if (contestant === 'mailjournal' || contestant === 'mailjournal-keysoff') {
  const { parseJournal } = await import('../dist/index.js');
  const keys = contestant === 'mailjournal';
  run = async () => {
    for (let i = 0; i < messages.length; i++) {
      let bytes = 0;
      const report = await parseJournal(messages[i], { dedupKeys: keys, output: (b) => (bytes += b.length) });
      const want = specs[i].expected;
      if (report.recipients.length !== want.recipients || bytes !== want.outputBytes || (report.dedup.contentKey !== null) !== keys) {
        problems.push(`#${i}: ${report.recipients.length} recipients, ${bytes} bytes (expected ${want.recipients}, ${want.outputBytes})`);
      }
    }
  };
} else if (contestant === 'simpleparser') {
  const { simpleParser } = await import('mailparser');
  run = async () => {
    for (let i = 0; i < messages.length; i++) {
      const parsed = await simpleParser(messages[i]);
      const recipients = envelopeRecipients(parsed);
      const original = parsed.attachments.find((a) => a.contentType === 'message/rfc822');
      if (recipients.size !== specs[i].expected.recipients || original?.size !== specs[i].expected.originalBytes) {
        problems.push(`#${i}: ${recipients.size} envelope recipients, original ${original?.size} bytes (expected ${specs[i].expected.recipients}, ${specs[i].expected.originalBytes})`);
      }
    }
  };
} else {
  console.error(`small-child: unknown contestant ${contestant}`);
  process.exit(2);
}

// One checked pass and the warm-up passes, then the timed passes back to back, with no forced
// GC anywhere: the timed passes run in the steady state the warm-up reached. A gc() right before
// them (as this file used to do) shrinks the heap the warm-up grew and, it seems, throws away
// some of V8's warm state: the next passes ran up to 3x slower for mailjournal and 2x for
// simpleParser, for about five passes each, and that weighed on the median of a contestant whose
// passes are short (mailjournal: median 209-250 µs per report with the gc(), 163-186 without;
// simpleParser 988-1,150 vs 841-1,141; three children each, see bench/README.md).
await run();
if (problems.length > 0) {
  console.log(JSON.stringify({ contestant, problems: problems.slice(0, 5) }));
  process.exit(0);
}
for (let p = 0; p < warmup; p++) await run();
const seconds = [];
for (let p = 0; p < passes; p++) {
  const t = process.hrtime.bigint();
  await run();
  seconds.push(Number(process.hrtime.bigint() - t) / 1e9);
}
console.log(JSON.stringify({ contestant, seconds, problems: problems.slice(0, 5) }));
