/**
 * One potential spread over several worker threads: `compute` splits its structures into one shard per worker
 * (balanced by atom count, contiguous so results come back in input order) and the workers evaluate their shards at
 * the same time, each with its own single-threaded onnxruntime session.
 *
 * Why threads rather than onnxruntime's intra-op pool: a relaxation step is mostly onnxruntime time spread over many
 * small gather/scatter kernels, which an intra-op pool splits poorly, and the rest, building neighbour lists and
 * three-body indices, is JavaScript that no pool helps. Whole shards on whole cores parallelise both
 * (`npm run bench:potential` reports single points and relaxation with 1 and 2 workers).
 */
import { Worker } from 'node:worker_threads';
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import type { Site, Structure } from '../../../shared/crystal/structure.ts';
import { densityRefusal } from './m3gnet.ts';
import type { Potential, PotentialRequest, PotentialResult } from './types.ts';

/** What the worker is asked to load (M3GNet folders only: the analytic test potential needs no threads). */
export interface ShardWorkerSetup {
  dir: string;
}

export interface ShardRequest {
  id: number;
  structures: { matrix: Mat3; sites: readonly Site[] }[];
  request: PotentialRequest;
}

export type ShardReply =
  | { id: number; results: PotentialResult[] }
  | { id: number; error: string }
  | { ready: { name: string; elements: string[]; threeBodyCutoff: number } }
  | { loadError: string };

interface Pending {
  resolve: (results: PotentialResult[]) => void;
  reject: (error: Error) => void;
}

class ShardWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: ShardReply) => {
      if (!('id' in reply)) return;
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if ('error' in reply) job.reject(new Error(reply.error));
      else job.resolve(reply.results);
    });
    worker.on('error', (error) => this.fail(new Error(`potential worker thread failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (this.pending.size > 0) this.fail(new Error(`potential worker thread exited (code ${code})`));
    });
  }

  static async start(setup: ShardWorkerSetup): Promise<{ worker: ShardWorker; name: string; elements: string[]; threeBodyCutoff: number }> {
    const worker = new Worker(new URL('./shard-worker.mjs', import.meta.url), { workerData: setup });
    const ready = await new Promise<{ name: string; elements: string[]; threeBodyCutoff: number }>((resolve, reject) => {
      const onMessage = (reply: ShardReply) => {
        if ('ready' in reply) resolve(reply.ready);
        else if ('loadError' in reply) reject(new Error(reply.loadError));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`potential worker thread exited (code ${code}) before loading`)));
    }).catch(async (error: Error) => {
      await worker.terminate();
      throw error;
    });
    return { worker: new ShardWorker(worker), ...ready };
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }

  compute(structures: readonly Structure[], request: PotentialRequest): Promise<PotentialResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: ShardRequest = { id, structures: structures.map((s) => ({ matrix: s.lattice.matrix, sites: s.sites })), request };
      this.worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Contiguous shards of `weights` (one per worker, some possibly empty) whose sums are as even as a greedy cut allows:
 * each shard closes once it reaches its share of what is left.
 */
export function shardBounds(weights: readonly number[], shards: number): number[] {
  const bounds = [0];
  let start = 0;
  let remaining = weights.reduce((a, b) => a + b, 0);
  for (let k = shards; k > 1; k--) {
    const target = remaining / k;
    let end = start;
    let sum = 0;
    while (end < weights.length && sum + weights[end]! / 2 < target) sum += weights[end++]!;
    bounds.push(end);
    remaining -= sum;
    start = end;
  }
  bounds.push(weights.length);
  return bounds;
}

export class ShardedPotential implements Potential {
  private constructor(
    readonly name: string,
    readonly elements: ReadonlySet<string>,
    private readonly threeBodyCutoff: number,
    private readonly workers: ShardWorker[],
  ) {}

  /** Starts `workers` threads, each loading the M3GNet folder `dir`; a load error is the folder's one-line error. */
  static async start(dir: string, workers: number): Promise<ShardedPotential> {
    if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`workers must be a whole number ≥ 1, got ${workers}`);
    const started = await Promise.allSettled(Array.from({ length: workers }, () => ShardWorker.start({ dir })));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.worker.close() : undefined)));
      throw failed.reason as Error;
    }
    const ready = started.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof ShardWorker.start>>>).value);
    return new ShardedPotential(ready[0]!.name, new Set(ready[0]!.elements), ready[0]!.threeBodyCutoff, ready.map((r) => r.worker));
  }

  get workerCount(): number {
    return this.workers.length;
  }

  async compute(structures: readonly Structure[], request: PotentialRequest = {}): Promise<PotentialResult[]> {
    for (const [s, structure] of structures.entries()) {
      const refusal = this.refusal(structure);
      if (refusal) throw new Error(`structure ${s}: ${refusal}`);
    }
    // Cost grows with atoms (and their neighbours); atoms are the cheap proxy that keeps shards even.
    const bounds = shardBounds(
      structures.map((s) => s.numSites),
      Math.min(this.workers.length, structures.length),
    );
    const parts = await Promise.all(
      bounds.slice(0, -1).map((start, k) => {
        const shard = structures.slice(start, bounds[k + 1]);
        return shard.length > 0 ? this.workers[k]!.compute(shard, request) : Promise.resolve([]);
      }),
    );
    return parts.flat();
  }

  /** The same reasons as the workers' M3GNet potential would give (see M3GNetPotential.refusal). */
  refusal(structure: Structure): string | undefined {
    for (const site of structure.sites) {
      if (!this.elements.has(site.species)) return `${site.species} is not an element ${this.name} knows`;
    }
    return densityRefusal(structure, this.threeBodyCutoff);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
