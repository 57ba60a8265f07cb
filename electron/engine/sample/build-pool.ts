/**
 * Building sampled crystals off the sampling thread. Sampling spends its time in onnxruntime steps on the calling
 * thread; building a crystal (orbit expansion, distance check, moyo's symmetry analysis, CIF text) is as much work
 * again and does not depend on the next batch. A worker thread builds batch k while the sampler draws batch k + 1,
 * so on two cores the two overlap. Results come back in the order the samples went in.
 */
import { Worker } from 'node:worker_threads';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import { type Site, Structure } from '../../../shared/crystal/structure.ts';
import type { WyckoffDescription } from '../../../shared/symmetry/analyze.ts';
import { type BuiltSample, type SampleRecord, buildSample } from './build.ts';
import { type SampleWriter, writeCifFile } from './sample-writer.ts';
import type { SampledCrystal } from './sampler.ts';
import { EVALUATION_SYMPREC } from '../../../shared/symmetry/tolerance.ts';

export interface BuildRequest {
  id: number;
  sample: SampledCrystal;
  index: number;
  symprec: number | null;
  /** Write the CIF file into this folder (writeCifFile) where the crystal is built. */
  outDir?: string;
}

export interface BuildReply {
  id: number;
  record: SampleRecord;
  description: WyckoffDescription | null;
  cif: string | null;
  structure: { matrix: Mat3; sites: readonly Site[] } | null;
}

export interface SampleBuilder {
  /** Build a sample; with `outDir`, also write its CIF file there (writeCifFile), on the thread that built it. */
  build(sample: SampledCrystal, index: number, symprec?: number | null, outDir?: string): Promise<BuiltSample>;
  close(): Promise<void>;
}

/** Builds on the calling thread (no overlap): where worker threads are not wanted, and the reference in tests. */
export class InlineBuilder implements SampleBuilder {
  build(sample: SampledCrystal, index: number, symprec: number | null = EVALUATION_SYMPREC, outDir?: string): Promise<BuiltSample> {
    const built = buildSample(sample, index, symprec);
    if (outDir !== undefined) writeCifFile(outDir, built);
    return Promise.resolve(built);
  }

  async close(): Promise<void> {}
}

/** One worker thread that builds samples first in, first out. */
export class WorkerBuilder implements SampleBuilder {
  private readonly pending = new Map<number, { resolve: (b: BuiltSample) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: BuildReply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      try {
        job.resolve(fromReply(reply));
      } catch (error) {
        job.reject(error as Error);
      }
    });
    worker.on('error', (error) => this.fail(new Error(`sample builder thread failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0 || this.pending.size > 0) this.fail(new Error(`sample builder thread exited (code ${code})`));
    });
  }

  static async start(): Promise<WorkerBuilder> {
    const worker = new Worker(new URL('./build-worker.mjs', import.meta.url));
    await new Promise<void>((ready, reject) => {
      worker.once('message', () => ready()); // first message: moyo loaded
      worker.once('error', reject);
    });
    return new WorkerBuilder(worker);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }

  build(sample: SampledCrystal, index: number, symprec: number | null = EVALUATION_SYMPREC, outDir?: string): Promise<BuiltSample> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: BuildRequest = { id, sample, index, symprec, ...(outDir !== undefined ? { outDir } : {}) };
      this.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** A worker builder, or the inline one when a worker thread cannot start (the reason goes to `onFallback`). */
export async function createSampleBuilder(options: { inline?: boolean; onFallback?: (reason: string) => void } = {}): Promise<SampleBuilder> {
  if (options.inline) return new InlineBuilder();
  try {
    return await WorkerBuilder.start();
  } catch (error) {
    options.onFallback?.(`building samples on the sampling thread: ${(error as Error).message}`);
    return new InlineBuilder();
  }
}

/** A built sample as it crosses between threads (a Structure becomes its matrix and sites). */
export function toReply(id: number, built: BuiltSample): BuildReply {
  return {
    id,
    record: built.record,
    description: built.description,
    cif: built.cif,
    structure: built.structure ? { matrix: built.structure.lattice.matrix, sites: built.structure.sites } : null,
  };
}

export function fromReply(reply: BuildReply): BuiltSample {
  const structure = reply.structure ? new Structure(new Lattice(reply.structure.matrix), reply.structure.sites) : null;
  return { record: reply.record, description: reply.description, cif: reply.cif, structure };
}

/**
 * Build and write every sample, yielding each built sample in order once its files are on disk. Samples are written
 * as soon as they and all before them are built (a crash loses only those still being built); at most
 * `maxInFlight` samples wait for the builder, beyond that sampling waits. The builder writes each CIF file where it
 * builds the crystal, and this thread appends the samples.jsonl lines of every crystal ready in one write: the
 * sampling thread is the slower half of the pipeline, and a file per crystal written here took from it
 * (`npm run bench:sample`, "writing").
 */
export async function* buildAndWrite(samples: AsyncIterable<SampledCrystal>, writer: SampleWriter, builder: SampleBuilder, options: { maxInFlight?: number; symprec?: number | null } = {}): AsyncGenerator<BuiltSample> {
  const maxInFlight = options.maxInFlight ?? 1024;
  const queue: { pending: Promise<BuiltSample>; built?: BuiltSample }[] = [];
  /** Take the ready samples from the head of the queue (at least one, waiting for it when `wait`), record them, hand them on. */
  async function* flush(wait: boolean): AsyncGenerator<BuiltSample> {
    const ready: BuiltSample[] = [];
    if (wait && queue.length > 0 && !queue[0]!.built) ready.push(await queue.shift()!.pending);
    while (queue.length > 0 && queue[0]!.built) ready.push(await queue.shift()!.pending);
    writer.appendRecords(ready);
    yield* ready;
  }
  for await (const sample of samples) {
    const entry: (typeof queue)[number] = { pending: builder.build(sample, writer.reserveIndex(), options.symprec ?? EVALUATION_SYMPREC, writer.dir) };
    // Awaited below, in order; this also keeps a failure from being reported as unhandled first.
    entry.pending.then((built) => (entry.built = built)).catch(() => {});
    queue.push(entry);
    if (queue[0]!.built || queue.length >= maxInFlight) yield* flush(queue.length >= maxInFlight);
  }
  while (queue.length > 0) yield* flush(true);
}
