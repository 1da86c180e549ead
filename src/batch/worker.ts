import { parentPort, workerData } from 'node:worker_threads';
import type { ParseOptions } from '../options.js';
import { processUnit, type WorkUnit } from './run.js';

// One batch worker: takes work units from the main thread, posts back every message's result,
// then `done` for the unit.
const { parse, outDir } = workerData as { parse: ParseOptions; outDir: string | undefined };
parentPort!.on('message', (unit: WorkUnit) => {
  void processUnit(unit, parse, outDir, (item) => parentPort!.postMessage({ item })).then(() => parentPort!.postMessage({ done: true }));
});
