/**
 * Worker thread of the sample build pool: turns sampled token sequences into structures, CIFs and records
 * (orbit expansion, structural validity, symmetry analysis of the built crystal) off the sampling thread.
 */
import { parentPort } from 'node:worker_threads';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { buildSample } from './build.ts';
import { type BuildRequest, toReply } from './build-pool.ts';
import { writeCifFile } from './sample-writer.ts';

const port = parentPort;
if (!port) throw new Error('build-worker.ts must run in a worker thread');
await initSymmetry();
port.on('message', (request: BuildRequest) => {
  const built = buildSample(request.sample, request.index, request.symprec);
  if (request.outDir !== undefined) writeCifFile(request.outDir, built);
  port.postMessage(toReply(request.id, built));
});
port.postMessage({ ready: true });
