/**
 * moyo's `analyze_cell` with a time limit, still callable synchronously: the one mechanism every symmetry analysis
 * in Node goes through (bounded.ts builds the structure-level functions on it).
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
import { SymmetryTimeoutError } from '../../shared/symmetry/limits.ts';

export { SymmetryTimeoutError };

/** Time limit for one cell; real crystals take milliseconds. */
export const SYMMETRY_TIMEOUT_MS = 10_000;
/** A new worker gets this long to load moyo (on a loaded machine); the analysis's own limit starts after that. */
const STARTUP_MS = 60_000;

interface Guard {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  started: boolean;
}

let guard: Guard | undefined;
let nextId = 1;

function startGuard(): Guard {
  // flag[0]: id of the last answer; flag[1]: 1 once the worker has loaded moyo.
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./moyo-worker.mjs', import.meta.url), { workerData: { port: port2, flag }, transferList: [port2] });
  // An idle worker must not keep the process alive.
  worker.unref();
  port1.unref();
  return { worker, port: port1, flag, started: false };
}

/** The moyo dataset for `cell` (the JSON moyo takes), or throws: moyo's own error, or SymmetryTimeoutError. */
export function analyzeCellWithTimeout(cellJson: string, symprec: number, timeoutMs = SYMMETRY_TIMEOUT_MS): MoyoDataset {
  // No time left: fail without handing the cell to the worker (which stays idle and usable).
  if (!(timeoutMs > 0)) throw new SymmetryTimeoutError(`symmetry analysis had no time left (moyo, symprec ${symprec} Å)`);
  guard ??= startGuard();
  const current = guard;
  if (!current.started) {
    const readyBy = performance.now() + STARTUP_MS;
    while (Atomics.load(current.flag, 1) !== 1) {
      const remaining = readyBy - performance.now();
      if (remaining <= 0) {
        void current.worker.terminate();
        guard = undefined;
        throw new Error(`the symmetry worker did not load moyo within ${STARTUP_MS / 1000} s`);
      }
      Atomics.wait(current.flag, 1, 0, remaining);
    }
    current.started = true;
  }
  const id = nextId++;
  if (nextId > 2 ** 30) nextId = 1;
  Atomics.store(current.flag, 0, 0);
  current.port.postMessage({ id, cell: cellJson, symprec });
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(current.flag, 0) !== id) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      void current.worker.terminate();
      guard = undefined;
      throw new SymmetryTimeoutError(`symmetry analysis did not finish within ${timeoutMs / 1000} s (moyo, symprec ${symprec} Å)`);
    }
    Atomics.wait(current.flag, 0, 0, remaining);
  }
  const received = receiveMessageOnPort(current.port);
  const reply = received?.message as { id: number; dataset?: MoyoDataset; error?: string; fatal?: boolean } | undefined;
  if (!reply || reply.id !== id) throw new Error('symmetry worker answered out of turn');
  if (reply.fatal) {
    void current.worker.terminate();
    guard = undefined;
  }
  if (reply.error !== undefined) throw new Error(reply.error);
  return reply.dataset!;
}
