/**
 * Generation split over several whole pipelines, one worker thread each: a pipeline draws a chunk of crystals (one
 * batch) with its own onnxruntime session and builds them on the same thread. The single pipeline of build-pool.ts
 * (sampling here, building in one worker, moyo in the builder's own thread) can use about two cores; several
 * pipelines add up with more cores, but cost more CPU per crystal (each loads the model, moyo and its sessions, and
 * waits for its own moyo thread), so on two cores one pipeline is the default (generate.ts, defaultPipelineCount;
 * `npm run bench:sample` measures both, with each run's busiest thread).
 *
 * Chunk c is drawn from the random stream chunkSeed(seed, c), exactly as CrystalSampler.sample draws it, so the
 * crystals are the same whatever the number of pipelines; chunks are written in order (a crash keeps every chunk
 * written before it). Each pipeline writes its own crystals' CIF files, and this thread only appends a chunk's
 * samples.jsonl lines in one write: on two cores, a main thread writing one file per crystal took CPU from the
 * pipelines (`npm run bench:sample`, "writing").
 */
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import { type SamplingConditions, validateConditions } from './conditions.ts';
import { EVALUATION_SYMPREC } from '../../../shared/symmetry/tolerance.ts';
import { type BuildReply, fromReply } from './build-pool.ts';
import type { BuiltSample } from './build.ts';
import type { SampleWriter } from './sample-writer.ts';
import { type DrawStatistics, type SampleOptions, chunkSeed } from './sampler.ts';

/** What every pipeline is started with. */
export interface PipelineSetup {
  modelDir: string;
  conditions: SamplingConditions;
  options: SampleOptions;
  symprec: number | null;
  /** Send each built Structure back (the library needs it); without, only records, descriptions and CIFs cross. */
  structures: boolean;
  /** The generation folder: each pipeline writes its crystals' CIF files there; this thread appends samples.jsonl. */
  outDir: string;
}

export interface ChunkRequest {
  chunk: number;
  count: number;
  seed: string;
  firstIndex: number;
}

export interface ChunkReply {
  chunk: number;
  built: BuildReply[];
  /** Crystals drawn and kept for this chunk (more drawn than kept when whole-crystal conditions reject some). */
  statistics?: DrawStatistics;
  error?: string;
}

interface Deferred {
  promise: Promise<ChunkReply>;
  resolve: (reply: ChunkReply) => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolveIt!: (reply: ChunkReply) => void;
  let rejectIt!: (error: Error) => void;
  const promise = new Promise<ChunkReply>((res, rej) => {
    resolveIt = res;
    rejectIt = rej;
  });
  promise.catch(() => {}); // awaited in order below; a failure must not surface first as an unhandled rejection
  return { promise, resolve: resolveIt, reject: rejectIt };
}

async function startPipeline(setup: PipelineSetup): Promise<Worker> {
  const worker = new Worker(new URL('./pipeline-worker.mjs', import.meta.url), { workerData: setup });
  await new Promise<void>((ready, fail) => {
    worker.once('message', () => ready()); // first message: model and moyo loaded
    worker.once('error', fail);
  });
  return worker;
}

/**
 * Sample, build and write `count` crystals with `pipelines` worker threads, yielding each built sample in order once
 * it is on disk. `modelDir` is the model's folder (the workers load it themselves).
 */
export async function* generateInPipelines(
  run: { modelDir: string; conditions: SamplingConditions; count: number; options?: SampleOptions; symprec?: number | null; pipelines: number; structures?: boolean },
  writer: SampleWriter,
): AsyncGenerator<BuiltSample> {
  validateConditions(run.conditions);
  const options = run.options ?? {};
  const batchSize = options.batchSize ?? 256;
  const chunks = Math.ceil(run.count / batchSize);
  const { statistics: _counted, ...workerOptions } = options; // counted here, from the replies
  void _counted;
  const setup: PipelineSetup = { modelDir: resolve(run.modelDir), conditions: run.conditions, options: workerOptions, symprec: run.symprec === undefined ? EVALUATION_SYMPREC : run.symprec, structures: run.structures ?? true, outDir: writer.dir };
  const started = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(run.pipelines, chunks)) }, () => startPipeline(setup)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const notStarted = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (notStarted) {
    // One pipeline that cannot start fails the run; the ones that did start must not be left running.
    await Promise.all(workers.map((w) => w.terminate()));
    throw notStarted.reason;
  }
  const firstIndex = writer.reserveIndices(run.count);
  const replies = Array.from({ length: chunks }, deferred);
  // At most two chunks per pipeline wait to be written: enough to keep every pipeline busy, bounded in memory.
  const window = 2 * workers.length;
  const idle: Worker[] = [...workers];
  let nextChunk = 0;
  let written = 0;
  let failure: Error | null = null;
  const pump = () => {
    while (!failure && idle.length > 0 && nextChunk < chunks && nextChunk < written + window) {
      const c = nextChunk++;
      const request: ChunkRequest = { chunk: c, count: Math.min(batchSize, run.count - c * batchSize), seed: chunkSeed(options.seed ?? 0, c), firstIndex: firstIndex + c * batchSize };
      idle.shift()!.postMessage(request);
    }
  };
  const fail = (error: Error) => {
    failure ??= error;
    for (const reply of replies) reply.reject(failure);
  };
  for (const worker of workers) {
    worker.on('message', (reply: ChunkReply) => {
      if (reply.error) fail(new Error(`sampling pipeline failed on chunk ${reply.chunk + 1}: ${reply.error}`));
      else replies[reply.chunk]!.resolve(reply);
      idle.push(worker);
      pump();
    });
    worker.on('error', (error) => fail(new Error(`sampling pipeline thread failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (nextChunk > written || code !== 0) fail(new Error(`sampling pipeline thread exited (code ${code})`));
    });
  }
  try {
    pump();
    for (let c = 0; c < chunks; c++) {
      const reply = await replies[c]!.promise;
      if (options.statistics && reply.statistics) {
        options.statistics.drawn += reply.statistics.drawn;
        options.statistics.kept += reply.statistics.kept;
      }
      // The CIF files are on disk (the pipeline wrote them); the chunk's samples.jsonl lines go in one write.
      const built = reply.built.map(fromReply);
      writer.appendRecords(built);
      written = c + 1;
      pump();
      yield* built;
    }
  } finally {
    failure ??= new Error('generation stopped');
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
