/**
 * Generation, the one workflow that `cfstudio generate`, the app's generate job and `npm run bench:sample` run:
 * sample token sequences, build each crystal, write it to the folder (CIF + samples.jsonl line) and hand it to the
 * caller in order, with redraws for whole-crystal conditions, progress and cancellation.
 *
 * Two ways to run it give the same crystals for the same seed (chunk c is always drawn from chunkSeed(seed, c)):
 * - one pipeline: sampling on this thread, building in one worker thread (build-pool.ts), crystals streamed one by one;
 * - several pipelines: worker threads that each sample and build whole chunks (pipelines.ts), faster on several cores.
 */
import { cpus } from 'node:os';
import type { LoadedModel } from '../model/files.ts';
import { buildAndWrite, createSampleBuilder } from './build-pool.ts';
import type { BuiltSample } from './build.ts';
import { type SamplingConditions, validateConditions } from './conditions.ts';
import { generateInPipelines } from './pipelines.ts';
import type { SampleWriter } from './sample-writer.ts';
import { CrystalSampler, type DrawStatistics, type SampleOptions } from './sampler.ts';

/** Crystals decoded together unless the caller says otherwise. */
export const DEFAULT_BATCH_SIZE = 256;

export interface GenerationRequest {
  model: LoadedModel;
  conditions: SamplingConditions;
  count: number;
  sampling?: Omit<SampleOptions, 'statistics'>;
  writer: SampleWriter;
  /** Worker threads that each sample and build whole chunks; 1 = sample here, build in one worker. Default: `defaultPipelineCount`. */
  pipelines?: number;
  /**
   * One pipeline only: threads that sample, each decoding its share of every batch (lanes.ts); the crystals do not
   * depend on it. Default 1 (see defaultSamplingThreads).
   */
  samplingThreads?: number;
  /** One pipeline only: a sampler the caller made (and releases), e.g. warmed up for a benchmark or with another backend. */
  sampler?: CrystalSampler;
  /** One pipeline only: build on the sampling thread instead of a worker (a benchmark's comparison). */
  buildInline?: boolean;
  /**
   * One pipeline only: how many sampled crystals may wait for the builder before sampling waits. A small window keeps
   * crystals flowing to a live view while the next batch is sampled; the default (1024) favours throughput.
   */
  maxInFlight?: number;
  /** Keep each built Structure (the library needs it); without, pipelines send back only records, descriptions and CIFs. */
  structures?: boolean;
  /** Checked between crystals: an aborted signal ends the run with `signal.reason` (the next batch is not started). */
  signal?: AbortSignal;
  /** After each crystal is on disk and the caller has taken it. */
  onProgress?: (done: number, total: number) => void;
  /** Notes worth a log line (e.g. building fell back to the sampling thread). */
  onNote?: (message: string) => void;
}

export interface Generation {
  /** Every built crystal, in order, once its files are on disk; fewer than `count` only when redraws gave up. */
  crystals: AsyncGenerator<BuiltSample>;
  /** Crystals drawn and kept so far (more drawn than kept when whole-crystal conditions reject some). */
  statistics: DrawStatistics;
  pipelines: number;
}

/**
 * Several pipelines only on three or more cores, and when there are enough batches to repay starting them (each loads
 * the model, moyo and its sessions in its own thread): at least two batches per pipeline, one pipeline per core.
 * On two cores one pipeline already keeps both busy (sampling here; building, and moyo in its own thread, beside it),
 * and two pipelines cost more CPU per crystal than one: per-thread CPU from /proc/self/task over 2,048 crystals
 * (`npm run bench:sample`, "busiest thread", and the total CPU per crystal of each generate line) put two pipelines
 * ~30 % above one in total CPU (more V8 helper-thread GC time, each pipeline waiting for its own moyo thread).
 */
export function defaultPipelineCount(count: number, batchSize: number, cores = cpus().length): number {
  return cores >= 3 && Math.ceil(count / batchSize) >= 2 * cores ? cores : 1;
}

export function runGeneration(request: GenerationRequest): Generation {
  validateConditions(request.conditions);
  const batchSize = request.sampling?.batchSize ?? DEFAULT_BATCH_SIZE;
  const pipelines = request.pipelines ?? defaultPipelineCount(request.count, batchSize);
  const statistics: DrawStatistics = { drawn: 0, kept: 0 };
  const options: SampleOptions = { ...request.sampling, batchSize, statistics };
  return { crystals: generateCrystals(request, pipelines, options), statistics, pipelines };
}

async function* generateCrystals(request: GenerationRequest, pipelines: number, options: SampleOptions): AsyncGenerator<BuiltSample> {
  const { count, signal } = request;
  signal?.throwIfAborted();
  let crystals: AsyncIterable<BuiltSample>;
  let close = async () => {};
  if (pipelines > 1) {
    crystals = generateInPipelines({ modelDir: request.model.dir, conditions: request.conditions, count, options, pipelines, structures: request.structures ?? true }, request.writer);
  } else {
    const sampler = request.sampler ?? (await CrystalSampler.create(request.model.config, request.model.params, { threads: request.samplingThreads ?? 1 }));
    const builder = await createSampleBuilder({ inline: request.buildInline, onFallback: request.onNote });
    close = async () => {
      await builder.close();
      if (!request.sampler) await sampler.release();
    };
    crystals = buildAndWrite(sampler.sample(request.conditions, count, options), request.writer, builder, { maxInFlight: request.maxInFlight });
  }
  let done = 0;
  try {
    for await (const built of crystals) {
      yield built;
      request.onProgress?.(++done, count);
      if (signal) {
        // Lets a cancel message in between crystals.
        await new Promise<void>((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
      }
    }
  } finally {
    await close();
  }
}
