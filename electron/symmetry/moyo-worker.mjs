// Worker thread for guard.ts: runs moyo's analyze_cell so that the caller can give up on a cell that
// never finishes (moyo can loop forever on some extremely anisotropic cells) by terminating this thread.
// Plain JavaScript: it needs nothing but moyo, so it runs without the TypeScript loader.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
import * as moyo from '@spglib/moyo-wasm';

const require = createRequire(import.meta.url);
moyo.initSync({ module: readFileSync(require.resolve('@spglib/moyo-wasm/moyo_wasm_bg.wasm')) });

const { port, flag } = workerData;
// Tell the caller moyo is loaded, so that its time limit counts the analysis only, never the start-up.
Atomics.store(flag, 1, 1);
Atomics.notify(flag, 1);
port.on('message', (request) => {
  let reply;
  try {
    reply = { id: request.id, dataset: moyo.analyze_cell(request.cell, request.symprec, 'Standard') };
  } catch (error) {
    // A WebAssembly trap ('unreachable': a panic inside moyo) may leave the module's memory inconsistent, so the
    // caller replaces this worker after answering.
    reply = { id: request.id, error: String(error?.message ?? error), fatal: error instanceof WebAssembly.RuntimeError };
  }
  port.postMessage(reply);
  // Wake the caller, which waits synchronously on this flag.
  Atomics.store(flag, 0, request.id);
  Atomics.notify(flag, 0);
});
