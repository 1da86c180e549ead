import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', node: 'src/adapters/node.ts', web: 'src/adapters/web.ts' },
    format: ['esm', 'cjs'],
    // Code splitting for CommonJS as well: without it index.cjs, node.cjs and web.cjs each held a
    // copy of the core, so an error thrown through 'mailjournal/node' was no instance of the
    // classes 'mailjournal' exports (found by an audit).
    splitting: true,
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    entry: { cli: 'src/cli.ts', 'batch-worker': 'src/batch/worker.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
