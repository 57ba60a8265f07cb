/** Worker thread: converts batches of rows (symmetry analysis is the slow part of dataset preparation). */
import { parentPort, workerData } from 'node:worker_threads';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { type RowInput, type RowResult, convertRow } from './convert.ts';

export interface WorkerBatch {
  batchId: number;
  rows: RowInput[];
}

export interface WorkerReply {
  batchId: number;
  results: RowResult[];
}

const port = parentPort;
if (!port) throw new Error('electron/data/worker.ts must run in a worker thread');
const symprec = (workerData as { symprec: number }).symprec;
await initSymmetry();
port.on('message', (batch: WorkerBatch) => {
  const results = batch.rows.map((row) => {
    try {
      return convertRow(row, symprec);
    } catch (error) {
      // convertRow classifies expected failures; anything else is reported as a symmetry failure of that row
      // rather than taking the whole run down.
      return { ok: false, skipped: { index: row.index, id: row.id, reason: 'symmetry failure', message: `${row.where} (${row.id}): ${(error as Error)?.message ?? String(error)}` } } satisfies RowResult;
    }
  });
  const reply: WorkerReply = { batchId: batch.batchId, results };
  port.postMessage(reply);
});
port.postMessage({ ready: true });
