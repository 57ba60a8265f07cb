/**
 * The workloads of issue #19's comparison with the PyTorch reference (../shared/bench/torch_ref.py), on our engine and
 * the shipped model, shared by `npm run bench:vs-torch` (through bench/vs-torch-ours.ts, one child process per run)
 * and `npm run bench:engine`:
 *  - sampling: network + JavaScript draws, batch 256, every crystal exactly N Wyckoff sites (5N + 1 tokens, as the
 *    reference's `--real-sites N`), space groups uniform over the 230; no crystal building;
 *  - a training step: the CrystalFormer log-likelihood loss, batch 100, gradients and Adam in one onnxruntime run,
 *    the sequence trimmed to the batch's sites (T = 35 for 6 sites, as our trainer cuts it) or padded to T = 105.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { wyckoffTables } from '../shared/tokens/index.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { type LoadedModel, loadModel } from '../electron/engine/model/files.ts';
import { N_SLOTS, TOKENS_PER_SLOT, type ModelConfig, outputSize } from '../electron/engine/model/config.ts';
import { makeBatch, packTokens } from '../electron/engine/model/batch.ts';
import { CrystalFormerNetwork, declareLikelihoodInputs, declareNetworkInputs } from '../electron/engine/model/network.ts';
import { toOrtFeeds } from '../electron/engine/train/evaluate-nll.ts';
import { CrystalSampler, type SampledCrystal, type SamplerTiming } from '../electron/engine/sample/sampler.ts';
import type { SamplingConditions } from '../electron/engine/sample/conditions.ts';
import { TrainingStep } from '../electron/engine/train-step.ts';

/** Process CPU time (all threads, user + system), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU time (user + system, ms) of every thread of this process so far, by thread id, from /proc/self/task (Linux;
 * empty elsewhere). The busiest thread's share of a run bounds its wall time on an idle machine from below, whatever
 * the load while it was measured: a pipeline is as fast as its busiest thread.
 */
export function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / 100); // utime, stime in USER_HZ (100)
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** The largest per-thread CPU time (ms) spent between two threadCpuMs() readings (threads that ended are lost). */
export function busiestThreadMs(before: Map<number, number>, after: Map<number, number>): number {
  let max = 0;
  for (const [tid, ms] of after) max = Math.max(max, ms - (before.get(tid) ?? 0));
  return max;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Every crystal exactly `sites` Wyckoff sites, space groups uniform over the 230 (as the reference draws them). */
export function exactSitesConditions(sites: number): SamplingConditions {
  return { spaceGroups: { kind: 'list', groups: Array.from({ length: 230 }, (_, i) => i + 1) }, minSites: sites, maxSites: sites };
}

export interface SampleWorkload {
  sites: number;
  /** The sampler's threads: with more than one, every batch is split into that many lanes (lanes.ts). */
  threads: number;
  batch: number;
  /** Timed batches (after `warmup` untimed ones). */
  batches: number;
  warmup: number;
  model?: LoadedModel;
}

export interface SampleMeasurement {
  /** Crystals per second of each timed batch (wall clock). */
  crystalsPerSecond: number[];
  /** Median over the timed batches. */
  medianCrystalsPerSecond: number;
  /**
   * Share of each decoding thread's wall time spent in the network (onnxruntime + cache writes); the rest is the
   * JavaScript draws. With several lanes, their network times are summed and divided by lanes × wall time.
   */
  networkShare: number;
  /** Process CPU time per crystal (user + system, all threads): meaningful on a loaded machine, unlike wall time. */
  cpuMsPerCrystal: number;
  tokensPerCrystal: number;
}

export async function measureSampling(w: SampleWorkload): Promise<SampleMeasurement> {
  await initSymmetry();
  const model = w.model ?? (await loadModel('default'));
  const sampler = await CrystalSampler.create(model.config, model.params, { threads: w.threads });
  const conditions = exactSitesConditions(w.sites);
  const rates: number[] = [];
  let network = 0;
  let wall = 0;
  let cpu = 0;
  let tokens = 0;
  let crystals = 0;
  try {
    for (let b = 0; b < w.warmup + w.batches; b++) {
      const timing: SamplerTiming = { networkMs: 0, networkSteps: 0 };
      const c0 = cpuMs();
      const t0 = performance.now();
      let n = 0;
      for await (const crystal of sampler.sampleChunk(conditions, w.batch, `bench/${b}`, { batchSize: w.batch, timing })) {
        if (crystal.numSites !== w.sites) throw new Error(`internal error: a crystal has ${crystal.numSites} sites, not ${w.sites}`);
        n++;
      }
      const ms = performance.now() - t0;
      if (b < w.warmup) continue;
      rates.push((1000 * n) / ms);
      network += timing.networkMs;
      wall += ms;
      cpu += cpuMs() - c0;
      crystals += n;
      tokens += n * (TOKENS_PER_SLOT * w.sites + 1);
    }
  } finally {
    await sampler.release();
  }
  return { crystalsPerSecond: rates, medianCrystalsPerSecond: median(rates), networkShare: network / (wall * w.threads), cpuMsPerCrystal: cpu / crystals, tokensPerCrystal: tokens / crystals };
}

export interface TrainWorkload {
  /** Real Wyckoff sites of every crystal of the batch (the sequence is then 5 × (sites + 1) tokens when trimmed). */
  sites: number;
  /** Pad every sequence to the full 21 slots (T = 105) instead of trimming to the batch's sites. */
  padded: boolean;
  dropout: number;
  threads: number;
  batch: number;
  steps: number;
  warmup: number;
  /** TrainingStep's buffering (bench:engine compares them). */
  buffering?: 'double' | 'copy';
  /** onnxruntime intra-op threads spin while idle (default: onnxruntime's, as the trainer runs) or sleep. */
  spinning?: boolean;
  /** Write an onnxruntime profile of the timed steps to files starting with this prefix; its path is returned. */
  profilePrefix?: string;
  model?: LoadedModel;
}

export interface TrainMeasurement {
  tokens: number;
  /** MatMul FLOPs of the step (trainingFlops). */
  flops: number;
  profileFile?: string;
  msPerStep: number[];
  medianMsPerStep: number;
  cpuMsPerStep: number;
  firstLoss: number;
  lastLoss: number;
}

/**
 * Real token sequences for a training batch: crystals the shipped model draws with exactly `sites` sites (a dataset
 * would do as well; drawing them needs no files beyond the model).
 */
export async function sampledBatchTokens(model: LoadedModel, sites: number, count: number): Promise<SampledCrystal[]> {
  const sampler = await CrystalSampler.create(model.config, model.params, { threads: 1 });
  const crystals: SampledCrystal[] = [];
  try {
    for await (const c of sampler.sampleChunk(exactSitesConditions(sites), count, 'bench/train-batch', { batchSize: count })) crystals.push(c);
  } finally {
    await sampler.release();
  }
  return crystals;
}

export async function measureTraining(w: TrainWorkload): Promise<TrainMeasurement> {
  await initSymmetry();
  const model = w.model ?? (await loadModel('default'));
  const config: ModelConfig = { ...model.config, dropout: w.dropout };
  const data = packTokens(await sampledBatchTokens(model, w.sites, w.batch));
  const batch = makeBatch(data, Array.from({ length: w.batch }, (_, i) => i), wyckoffTables(), w.padded ? N_SLOTS : 1);
  const feeds = toOrtFeeds(batch.feeds);
  const spinning = w.spinning ?? true;
  const step = await TrainingStep.create({
    // The pretraining loss (train/pretrain.ts): mean negative log-likelihood per crystal.
    build(graph) {
      const net = new CrystalFormerNetwork(graph, config);
      return { loss: net.logLikelihood(declareNetworkInputs(graph), declareLikelihoodInputs(graph)).total.mean().neg() };
    },
    parameters: model.params,
    optimizer: { clipNorm: 1, weightDecay: 0 },
    buffering: w.buffering ?? 'double',
    seed: 42,
    session: {
      log: () => {},
      intraOpNumThreads: w.threads,
      extra: { ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }), ...(w.profilePrefix ? { enableProfiling: true, profileFilePrefix: w.profilePrefix } : {}) },
    },
  });
  const times: number[] = [];
  let cpu = 0;
  let profileFile: string | undefined;
  let firstLoss = NaN;
  let lastLoss = NaN;
  // A small learning rate: the weights barely move, so every step does the same work.
  const lr = 1e-5;
  try {
    for (let i = 0; i < w.warmup + w.steps; i++) {
      const c0 = cpuMs();
      const t0 = performance.now();
      const { loss } = await step.run(feeds, lr);
      const ms = performance.now() - t0;
      if (i === 0) firstLoss = loss;
      lastLoss = loss;
      if (i < w.warmup) continue;
      times.push(ms);
      cpu += cpuMs() - c0;
    }
  } finally {
    if (w.profilePrefix) {
      step.session.session.endProfiling();
      // onnxruntime names the file itself: the prefix, a time stamp, '.json', in the working directory.
      profileFile = readdirSync('.').find((f) => f.startsWith(w.profilePrefix!) && f.endsWith('.json'));
    }
    await step.release();
  }
  const tokens = batch.slots * TOKENS_PER_SLOT;
  return { tokens, flops: trainingFlops(config, w.batch, tokens), ...(profileFile ? { profileFile } : {}), msPerStep: times, medianMsPerStep: median(times), cpuMsPerStep: cpu / w.steps, firstLoss, lastLoss };
}

/**
 * MatMul FLOPs of one training step (2 per multiply-add): 3 × the forward's (the backward computes two products per
 * forward one), the forward being the trunk's projections and MLP for every token, attention over all T positions
 * (the causal mask does not skip work) and the output head.
 */
export function trainingFlops(config: ModelConfig, batch: number, tokens: number): number {
  const d = config.modelSize;
  const hk = config.heads * config.keySize;
  const perToken = config.layers * (2 * (3 * d * hk + hk * d + 2 * d * config.mlpFactor * d) + 2 * 2 * hk * tokens) + 2 * d * outputSize(config);
  return 3 * batch * tokens * perToken;
}
