// A stand-in batch worker for test/batch.test.ts: answers like the real one, but exits on a
// unit named *crash* and throws on one named *throw*, so that runBatch's recovery can be seen.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (unit) => {
  if (unit.file.includes('crash')) process.exit(3);
  if (unit.file.includes('throw')) throw new Error('boom');
  parentPort.postMessage({ item: { file: unit.file, bytes: 1 } });
  parentPort.postMessage({ done: true });
});
