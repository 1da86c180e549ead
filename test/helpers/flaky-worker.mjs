// A stand-in batch worker for test/batch.test.ts: answers like the real one, but exits on a
// unit named *crash* and throws on one named *throw*, so that runBatch's recovery can be seen.
// On a unit named *midwrite* it leaves a half-written temp file in the output directory, named
// as the real worker names its own (`.tmp-<pid>-<threadId>-…`), then exits.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';

parentPort.on('message', (msg) => {
  if (msg.ack) return;
  const { unit } = msg;
  if (unit.file.includes('midwrite')) {
    writeFileSync(path.join(workerData.outDir, `.tmp-${process.pid}-${threadId}-partial`), 'half a message');
    process.exit(4);
  }
  if (unit.file.includes('crash')) process.exit(3);
  if (unit.file.includes('throw')) throw new Error('boom');
  parentPort.postMessage({ item: { file: unit.file, bytes: 1 } });
  parentPort.postMessage({ done: true });
});
