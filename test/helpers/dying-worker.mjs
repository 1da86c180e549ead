// The real batch worker (dist/batch-worker.js), killed mid-message: once the temp file that the
// real StoreWriter writes the archived message to, named for this thread (`.tmp-<pid>-<threadId>-…`),
// holds some bytes, the thread exits, as a worker that crashed or ran out of memory would. Were
// the file named otherwise, the worker would finish the message and the test would see it stored.
// The input must take several reads, between which this check runs.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { threadId, workerData } from 'node:worker_threads';

const { outDir } = workerData;
const prefix = `.tmp-${process.pid}-${threadId}-`;
const check = () => {
  const temp = readdirSync(outDir).find((n) => n.startsWith(prefix));
  if (temp !== undefined && statSync(path.join(outDir, temp)).size > 0) process.exit(4);
  setImmediate(check);
};
setImmediate(check);
await import('../../dist/batch-worker.js');
