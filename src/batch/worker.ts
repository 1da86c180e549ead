import { parentPort, workerData } from 'node:worker_threads';
import type { ParseOptions } from '../options.js';
import { ACK_WINDOW, processUnit, type BatchItem, type WorkUnit } from './run.js';

// One batch worker: takes work units from the main thread, posts back every message's result,
// then `done` for the unit. The main thread acknowledges each result once its output took it;
// with ACK_WINDOW results unacknowledged, reading waits (a slow stdout must not make the main
// thread queue every result of a large mbox).
const { parse, outDir } = workerData as { parse: ParseOptions; outDir: string | undefined };
let unacknowledged = 0;
let resume: (() => void) | undefined;
parentPort!.on('message', (msg: { unit?: WorkUnit; ack?: true }) => {
  if (msg.ack) {
    unacknowledged--;
    if (unacknowledged < ACK_WINDOW && resume) {
      resume();
      resume = undefined;
    }
    return;
  }
  const post = (item: BatchItem): Promise<void> | undefined => {
    parentPort!.postMessage({ item });
    unacknowledged++;
    if (unacknowledged < ACK_WINDOW) return undefined;
    return new Promise((r) => (resume = r));
  };
  void processUnit(msg.unit!, parse, outDir, post).then(() => parentPort!.postMessage({ done: true }));
});
