/**
 * Worker thread of a sampling pipeline (pipelines.ts): loads the model once, then for each chunk it is given draws
 * the crystals (its own onnxruntime session, one thread) and builds them on the same thread — orbit expansion,
 * structural validity, symmetry analysis, CIF text and file — and sends the built chunk back (the caller appends the
 * samples.jsonl lines).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel } from '../model/files.ts';
import { buildSample } from './build.ts';
import { toReply } from './build-pool.ts';
import { CrystalSampler } from './sampler.ts';
import { writeCifFile } from './sample-writer.ts';
import type { ChunkReply, ChunkRequest, PipelineSetup } from './pipelines.ts';

const port = parentPort;
if (!port) throw new Error('pipeline-worker.ts must run in a worker thread');
const setup = workerData as PipelineSetup;
await initSymmetry();
const model = await loadModel(setup.modelDir);
const sampler = await CrystalSampler.create(model.config, model.params, { threads: 1 });

async function run(request: ChunkRequest): Promise<ChunkReply> {
  const built = [];
  let index = request.firstIndex;
  const statistics = { drawn: 0, kept: 0 };
  for await (const sample of sampler.sampleChunk(setup.conditions, request.count, request.seed, { ...setup.options, statistics })) {
    const result = buildSample(sample, index++, setup.symprec);
    writeCifFile(setup.outDir, result);
    built.push(toReply(0, setup.structures ? result : { ...result, structure: null }));
  }
  return { chunk: request.chunk, built, statistics };
}

// Chunks arrive one at a time (the pool sends the next when this one is back), so they never interleave.
port.on('message', (request: ChunkRequest) => {
  run(request).then(
    (reply) => port.postMessage(reply),
    (error: Error) => port.postMessage({ chunk: request.chunk, built: [], error: error.message } satisfies ChunkReply),
  );
});
port.postMessage({ ready: true });
