/**
 * Data-parallel sampling: a batch split row-wise into lanes, each decoded by its own worker thread with its own decode
 * sessions on one onnxruntime thread and its own JavaScript draws. onnxruntime-node 1.30 runs `session.run`
 * synchronously on the calling thread (its promise only defers the call), so lanes on one JavaScript thread would
 * take turns; worker threads run them at the same time, and no session ever waits with a spinning pool.
 *
 * Every crystal carries its own random stream (sampler.ts, crystalStreams), so a split batch gives the crystals of one
 * thread up to float32 rounding (onnxruntime may round a row's output differently in the last bits depending on the
 * rows beside it), and exactly the same crystals for the same seed and number of lanes
 * (`tests/engine/sample/lanes.test.ts`).
 */
import { Worker } from 'node:worker_threads';
import type { ModelConfig } from '../model/config.ts';
import { ParameterStore } from '../params.ts';
import type { SamplingConditions } from './conditions.ts';
import type { SampleOptions, SampledCrystal } from './sampler.ts';

/** A lane with fewer rows than this is not worth a message round trip: small batches use fewer lanes. */
export const MIN_ROWS_PER_LANE = 16;

interface ParameterEntry {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** What a lane worker starts with (workerData). */
export interface LaneSetup {
  config: ModelConfig;
  parameters: ParameterEntry[];
  weightsInGraph: boolean;
}

export type LaneRequest =
  | { kind: 'sample'; id: number; spaceGroups: Int32Array; streams: Float64Array; conditions: SamplingConditions; temperature?: number; topP?: number; timing: boolean }
  | { kind: 'parameters'; parameters: ParameterEntry[] };

export interface LaneReply {
  id: number;
  crystals?: (SampledCrystal | null)[];
  networkMs?: number;
  networkSteps?: number;
  error?: string;
}

export function parameterEntries(params: ParameterStore): ParameterEntry[] {
  return params.names().map((name) => ({ name, shape: params.shape(name), data: params.get(name) }));
}

export function parameterStoreOf(entries: readonly ParameterEntry[]): ParameterStore {
  const store = new ParameterStore();
  for (const { name, shape, data } of entries) store.set(name, data, shape);
  return store;
}

/** Row ranges [start, end) of `rows` split into at most `lanes` near-equal contiguous parts of ≥ MIN_ROWS_PER_LANE rows. */
export function laneRanges(rows: number, lanes: number): [number, number][] {
  const used = Math.max(1, Math.min(lanes, Math.floor(rows / MIN_ROWS_PER_LANE)));
  const ranges: [number, number][] = [];
  for (let i = 0; i < used; i++) ranges.push([Math.floor((i * rows) / used), Math.floor(((i + 1) * rows) / used)]);
  return ranges;
}

class Lane {
  private readonly pending = new Map<number, { resolve: (reply: LaneReply) => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (reply: LaneReply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) job.reject(new Error(reply.error));
      else job.resolve(reply);
    });
    worker.on('error', (error) => this.fail(new Error(`sampling lane thread failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`sampling lane thread exited (code ${code})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }

  request(message: Extract<LaneRequest, { kind: 'sample' }>): Promise<LaneReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      this.worker.postMessage(message);
    });
  }

  send(message: Extract<LaneRequest, { kind: 'parameters' }>): void {
    this.worker.postMessage(message);
  }
}

async function startLane(setup: LaneSetup): Promise<Lane> {
  const worker = new Worker(new URL('./lane-worker.mjs', import.meta.url), { workerData: setup });
  await new Promise<void>((ready, fail) => {
    // First message: model graphs built and sessions open; an error before it is a failed start.
    worker.once('message', (message: { ready?: true; error?: string }) => (message.error ? fail(new Error(message.error)) : ready()));
    worker.once('error', fail);
  });
  return new Lane(worker);
}

export class SamplingLanes {
  private nextId = 1;

  private constructor(private readonly lanes: Lane[]) {}

  /** Start `count` lane workers for this model (each builds its decode graphs and sessions, as a sampler does). */
  static async start(config: ModelConfig, params: ParameterStore, count: number, options: { weightsInGraph: boolean }): Promise<SamplingLanes> {
    const setup: LaneSetup = { config, parameters: parameterEntries(params), weightsInGraph: options.weightsInGraph };
    const started = await Promise.allSettled(Array.from({ length: count }, () => startLane(setup)));
    const lanes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
      throw new Error(`could not start a sampling lane: ${(failed.reason as Error).message}`);
    }
    return new SamplingLanes(lanes);
  }

  get count(): number {
    return this.lanes.length;
  }

  /** Decode a batch split over the lanes; the crystals come back in row order. */
  async sample(spaceGroups: Int32Array, streams: Float64Array, conditions: SamplingConditions, options: SampleOptions): Promise<(SampledCrystal | null)[]> {
    const ranges = laneRanges(spaceGroups.length, this.lanes.length);
    const replies = await Promise.all(
      ranges.map(([start, end], i) =>
        this.lanes[i]!.request({
          kind: 'sample',
          id: this.nextId++,
          spaceGroups: spaceGroups.slice(start, end),
          streams: streams.slice(start, end),
          conditions,
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          ...(options.topP !== undefined ? { topP: options.topP } : {}),
          timing: options.timing !== undefined,
        }),
      ),
    );
    if (options.timing) {
      // Summed over lanes: time inside the decode backends, which run side by side.
      for (const reply of replies) {
        options.timing.networkMs += reply.networkMs ?? 0;
        options.timing.networkSteps += reply.networkSteps ?? 0;
      }
    }
    return replies.flatMap((reply) => reply.crystals!);
  }

  /** New weights for the next batches (messages reach a lane in order, so a batch asked for after this uses them). */
  setParameters(params: ParameterStore): void {
    const parameters = parameterEntries(params);
    for (const lane of this.lanes) lane.send({ kind: 'parameters', parameters });
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }
}
