#!/usr/bin/env node
// Bundles the Node side of the desktop app with esbuild (Electron cannot run TypeScript through tsx):
//   dist/electron/main.js     Electron main process      (electron/main/main.ts)
//   dist/electron/preload.js  sandboxed preload bridge   (electron/preload/preload.ts)
//   dist/electron/host.js     engine host process        (electron/host/main.ts)
//   dist/electron/*.mjs       its worker threads (sample building, sampling lanes and pipelines, dataset conversion, moyo with a time limit)
// All CommonJS (sandboxed preloads must be; dist/electron/package.json says so). Native addons and electron stay
// external and are loaded from node_modules at run time (electron-builder unpacks them from the asar).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'electron');
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // Electron 45 runs Node 22; the host bundle also runs under plain Node 20 (browser mode, tests).
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: ['electron', 'onnxruntime-node', 'better-sqlite3'],
  // ESM sources use import.meta.url to find files next to themselves; in a CommonJS bundle that is __filename.
  define: { 'import.meta.url': '__cfstudio_import_meta_url' },
  banner: { js: "const __cfstudio_import_meta_url = require('url').pathToFileURL(__filename).href;" },
};

const started = Date.now();
await Promise.all([
  build({ ...common, entryPoints: [join(root, 'electron/main/main.ts')], outfile: join(outdir, 'main.js') }),
  build({ ...common, entryPoints: [join(root, 'electron/host/main.ts')], outfile: join(outdir, 'host.js') }),
  // The sandboxed preload has no __filename and needs no import.meta: no banner.
  build({ ...common, platform: 'browser', define: {}, banner: {}, entryPoints: [join(root, 'electron/preload/preload.ts')], outfile: join(outdir, 'preload.js') }),
  // Worker threads the host starts with `new URL('./NAME.mjs', import.meta.url)`: next to host.js, as ES modules
  // (the sources' .mjs files load TypeScript through tsx, which the bundle does not need).
  ...[
    ['electron/engine/sample/build-worker.ts', 'build-worker.mjs'],
    ['electron/engine/sample/pipeline-worker.ts', 'pipeline-worker.mjs'],
    ['electron/engine/sample/lane-worker.ts', 'lane-worker.mjs'],
    ['electron/data/worker.ts', 'worker-entry.mjs'],
    ['electron/symmetry/moyo-worker.mjs', 'moyo-worker.mjs'],
    ['electron/engine/potential/shard-worker.ts', 'shard-worker.mjs'],
  ].map(([entry, out]) =>
    build({
      ...common,
      format: 'esm',
      define: {},
      banner: { js: "import { createRequire as __cfstudioCreateRequire } from 'node:module'; const require = __cfstudioCreateRequire(import.meta.url);" },
      entryPoints: [join(root, entry)],
      outfile: join(outdir, out),
    }),
  ),
]);
process.stderr.write(`built dist/electron/{main,preload,host}.js and the worker threads in ${Date.now() - started} ms\n`);
