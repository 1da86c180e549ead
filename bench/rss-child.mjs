// One memory measurement in a fresh process: `node bench/rss-child.mjs <mode> <totalBytes>`.
//
// modes:
//   idle         load mailjournal (and this corpus module), do nothing
//   floor        stream a generated report of <totalBytes> through sha256 (the generator's own cost)
//   mailjournal  parseJournal(<generated report, 64 KiB chunks>, { output: count bytes })
//   simpleparser simpleParser(<generated report as a stream>) (mailparser, for comparison)
//
// The report is generated on the fly, chunk by chunk: it is never held in memory. Prints one JSON
// line: { mode, totalBytes, maxRssKiB, vmHwmKiB, seconds, ok, detail }. Exits 1 when the parse
// result is wrong.
//
// Pitfall (Linux): ru_maxrss survives fork+exec, so a child spawned straight from a big process
// reports max(its own peak, the parent's RSS at spawn time). bench/run.mjs therefore starts this
// script through /bin/sh (a small process), and vmHwmKiB (VmHWM from /proc/self/status, which
// belongs to this process's own address space) is printed as a cross-check.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseJournal } from '../dist/index.js';
import { asyncChunks, largeReport, reportChunks } from './corpus.mjs';

const [mode = 'idle', sizeArg = '0'] = process.argv.slice(2);
const totalBytes = Number(sizeArg);
const CHUNK = 64 * 1024;

const t0 = performance.now();
let ok = true;
let detail = '';

if (mode === 'idle') {
  // Nothing: the library is loaded by the import above.
} else {
  const spec = largeReport(totalBytes);
  const chunks = () => asyncChunks(reportChunks(spec, CHUNK));
  if (mode === 'floor') {
    const h = createHash('sha256');
    let n = 0;
    for await (const c of chunks()) {
      h.update(c);
      n += c.length;
    }
    h.digest();
    ok = n === spec.totalBytes;
    detail = `${n} bytes hashed`;
  } else if (mode === 'mailjournal') {
    let out = 0;
    const report = await parseJournal(chunks(), { output: (b) => { out += b.length; } });
    ok = out === spec.expected.outputBytes && report.recipients.length === spec.expected.recipients && report.output.content === 'original';
    detail = `output ${out} bytes (expected ${spec.expected.outputBytes}), ${report.recipients.length} recipients (expected ${spec.expected.recipients}), output.content=${report.output.content}`;
  } else if (mode === 'simpleparser') {
    const { simpleParser } = await import('mailparser');
    const parsed = await simpleParser(Readable.from(reportChunks(spec, CHUNK)));
    const size = parsed.attachments.reduce((n, a) => n + a.size, 0);
    ok = size === spec.expected.originalBytes;
    detail = `${parsed.attachments.length} attachment(s), ${size} bytes (expected ${spec.expected.originalBytes})`;
  } else {
    console.error(`rss-child: unknown mode ${mode}`);
    process.exit(2);
  }
}

const seconds = (performance.now() - t0) / 1000;
let vmHwmKiB = null;
try {
  vmHwmKiB = Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) || null;
} catch {
  // not Linux
}
console.log(JSON.stringify({ mode, totalBytes, maxRssKiB: process.resourceUsage().maxRSS, vmHwmKiB, seconds, ok, detail }));
process.exitCode = ok ? 0 : 1;
