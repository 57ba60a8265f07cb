/**
 * moyo's `analyze_cell` with a time limit, still callable synchronously.
 *
 * moyo can loop forever on some extremely anisotropic cells (e.g. a 200 × 2 × 0.6 Å orthorhombic cell with two
 * atoms at symprec 0.1 Å never returns), and a WebAssembly call on the calling thread cannot be interrupted.
 * Generated crystals can look like that, and the evaluation must not hang, so the analysis runs in a worker
 * thread (moyo-worker.mjs) while this thread blocks on `Atomics.wait` with a timeout; the answer is taken with
 * `receiveMessageOnPort`. On timeout the worker is terminated and a new one is started for the next cell.
 * The round trip costs well under a millisecond, against several for the analysis itself.
 */
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MoyoDataset } from '@spglib/moyo-wasm';

/** Time limit for one cell; real crystals take milliseconds. */
export const SYMMETRY_TIMEOUT_MS = 10_000;
/** The first call also waits for the worker to load moyo. */
const STARTUP_MS = 60_000;

export class SymmetryTimeoutError extends Error {
  override name = 'SymmetryTimeoutError';
}

interface Guard {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  started: boolean;
}

let guard: Guard | undefined;
let nextId = 1;

function startGuard(): Guard {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./moyo-worker.mjs', import.meta.url), { workerData: { port: port2, flag }, transferList: [port2] });
  // An idle worker must not keep the process alive.
  worker.unref();
  port1.unref();
  return { worker, port: port1, flag, started: false };
}

/** The moyo dataset for `cell` (the JSON moyo takes), or throws: moyo's own error, or SymmetryTimeoutError. */
export function analyzeCellWithTimeout(cellJson: string, symprec: number, timeoutMs = SYMMETRY_TIMEOUT_MS): MoyoDataset {
  guard ??= startGuard();
  const current = guard;
  const id = nextId++;
  if (nextId > 2 ** 30) nextId = 1;
  Atomics.store(current.flag, 0, 0);
  current.port.postMessage({ id, cell: cellJson, symprec });
  const deadline = performance.now() + (current.started ? timeoutMs : STARTUP_MS);
  while (Atomics.load(current.flag, 0) !== id) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      void current.worker.terminate();
      guard = undefined;
      throw new SymmetryTimeoutError(`symmetry analysis did not finish within ${timeoutMs / 1000} s (moyo, symprec ${symprec} Å)`);
    }
    Atomics.wait(current.flag, 0, 0, remaining);
  }
  current.started = true;
  const received = receiveMessageOnPort(current.port);
  const reply = received?.message as { id: number; dataset?: MoyoDataset; error?: string } | undefined;
  if (!reply || reply.id !== id) throw new Error('symmetry worker answered out of turn');
  if (reply.error !== undefined) throw new Error(reply.error);
  return reply.dataset!;
}
