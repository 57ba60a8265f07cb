/**
 * `npm run bench:sample`: crystals/s at batch 256 with the shipped model, space groups from the training distribution,
 * counting everything a user waits for — sampling, structure building (orbit expansion, symmetry check of the built
 * crystal) and CIF writing — with the KV cache and, in the same run, re-running the prefix every step (no cache).
 * Generation is runGeneration (electron/engine/sample/generate.ts), as `cfstudio generate` and the app run it: crystals
 * built in a worker thread while the next batch is sampled (`--pipelines 1`, the app's job); and, in the same run, one
 * whole pipeline per core (generate's default for large runs).
 * Also the fraction of onnxruntime's MatMul ceiling the cached sampler's network work reaches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { loadModel } from '../electron/engine/model/files.ts';
import { CrystalSampler } from '../electron/engine/sample/sampler.ts';
import { SampleWriter } from '../electron/engine/sample/sample-writer.ts';
import { InlineBuilder, buildAndWrite } from '../electron/engine/sample/build-pool.ts';
import { runGeneration } from '../electron/engine/sample/generate.ts';
import type { SampledCrystal } from '../electron/engine/sample/sampler.ts';
import { matmulCeiling } from './matmul-ceiling.ts';
import { providersUsed } from '../electron/engine/runtime.ts';

const THREADS = cpus().length;
/** CFSTUDIO_BENCH_INLINE=1 builds crystals on the sampling thread (no overlap), for comparison. */
const INLINE = process.env.CFSTUDIO_BENCH_INLINE === '1';
/** CFSTUDIO_BENCH_THREADS=N gives the sampler's onnxruntime sessions N intra-op threads (default 1). */
const SAMPLER_THREADS = Number(process.env.CFSTUDIO_BENCH_THREADS ?? 1);
await initSymmetry();
const model = await loadModel(process.env.CFSTUDIO_BENCH_MODEL ?? 'default');
const conditions = { spaceGroups: { kind: 'distribution' as const, weights: model.card.spaceGroupCounts } };
const { config } = model;

/** Forward FLOPs of one token through the trunk and output head (2 per multiply-add; attention over ~t/2 keys). */
function flopsPerToken(averageContext: number): number {
  const d = config.modelSize;
  const hk = config.heads * config.keySize;
  const perLayer = 2 * (d * 3 * hk + hk * d + 2 * d * config.mlpFactor * d) + 2 * 2 * hk * averageContext;
  return config.layers * perLayer + 2 * d * (119 + 13 * config.latticeComponents);
}

async function run(backend: 'kv-cache' | 'prefix', count: number): Promise<{ perSecond: number; tokens: number; seconds: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'cfstudio-bench-sample-'));
  const sampler = await CrystalSampler.create(config, model.params, { backend, threads: SAMPLER_THREADS });
  // Warm-up batch (session start-up, JIT).
  for await (const _ of sampler.sample(conditions, 32, { seed: 99, batchSize: 32 })) void _;
  let tokens = 0;
  const t0 = performance.now();
  const generation = runGeneration({ model, conditions, count, sampling: { seed: 1, batchSize: 256 }, writer: new SampleWriter(dir), pipelines: 1, sampler, buildInline: INLINE });
  for await (const built of generation.crystals) tokens += 5 * built.record.numSites + 1;
  const seconds = (performance.now() - t0) / 1000;
  await sampler.release();
  await rm(dir, { recursive: true, force: true });
  return { perSecond: count / seconds, tokens, seconds };
}

console.log(`bench:sample — model '${model.card.name}' (${model.card.parameterCount.toLocaleString('en-US')} parameters), sampler on ${SAMPLER_THREADS} onnxruntime thread${SAMPLER_THREADS === 1 ? ' (its default)' : 's'}, crystals built ${INLINE ? 'on the same thread' : 'in a worker thread'}, batch 256; ceiling measured with ${THREADS}`);
const ceiling = await matmulCeiling(
  [
    [256, config.modelSize, config.mlpFactor * config.modelSize],
    [256 * 30, config.modelSize, config.mlpFactor * config.modelSize],
  ],
  THREADS,
);
/**
 * The two halves of the pipeline alone, in the same run: drawing the tokens (network + JavaScript draws on the
 * sampler's threads, nothing built) and building the same crystals on one thread (structure, symmetry check, CIF). With building
 * overlapped on the second core, the pipeline can go no faster than the slower of the two, nor than all their CPU
 * time spread over the cores.
 */
async function halves(count: number): Promise<{ samplingPerSecond: number; buildingPerSecond: number }> {
  const sampler = await CrystalSampler.create(config, model.params, { backend: 'kv-cache', threads: SAMPLER_THREADS });
  for await (const _ of sampler.sample(conditions, 32, { seed: 99, batchSize: 32 })) void _;
  const samples: SampledCrystal[] = [];
  let t0 = performance.now();
  for await (const sample of sampler.sample(conditions, count, { seed: 1, batchSize: 256 })) samples.push(sample);
  const samplingSeconds = (performance.now() - t0) / 1000;
  await sampler.release();
  const dir = await mkdtemp(join(tmpdir(), 'cfstudio-bench-build-'));
  const writer = new SampleWriter(dir);
  t0 = performance.now();
  async function* replay(): AsyncGenerator<SampledCrystal> {
    yield* samples;
  }
  for await (const built of buildAndWrite(replay(), writer, new InlineBuilder())) void built;
  const buildingSeconds = (performance.now() - t0) / 1000;
  await rm(dir, { recursive: true, force: true });
  return { samplingPerSecond: samples.length / samplingSeconds, buildingPerSecond: samples.length / buildingSeconds };
}

/** `cfstudio generate`'s default: one whole pipeline (sample + build) per core; worker start-up (model load) included. */
async function pipelines(count: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'cfstudio-bench-pipelines-'));
  const t0 = performance.now();
  let n = 0;
  const generation = runGeneration({ model, conditions, count, sampling: { seed: 1, batchSize: 256 }, writer: new SampleWriter(dir), pipelines: THREADS, structures: false });
  for await (const built of generation.crystals) {
    void built;
    n++;
  }
  const seconds = (performance.now() - t0) / 1000;
  await rm(dir, { recursive: true, force: true });
  return n / seconds;
}

const count = Number(process.env.CFSTUDIO_BENCH_N ?? 1024);
const cached = await run('kv-cache', count);
const prefix = await run('prefix', 256);
const alone = await halves(count);
const split = await pipelines(count);
const avgTokens = cached.tokens / count;
const gflops = (cached.tokens * flopsPerToken(avgTokens / 2)) / cached.seconds / 1e9;
console.log(`KV cache:        ${cached.perSecond.toFixed(1)} crystals/s (sampling + structure + CIF), ${avgTokens.toFixed(1)} tokens/crystal`);
console.log(`${THREADS} pipelines:     ${split.toFixed(1)} crystals/s (one sampling + building worker per core, as cfstudio generate runs; start-up included)`);
console.log(`prefix re-run:   ${prefix.perSecond.toFixed(1)} crystals/s`);
console.log(`cache speed-up:  ${(cached.perSecond / prefix.perSecond).toFixed(1)}× (target ≥ 5×)`);
console.log(`network work:    ${gflops.toFixed(2)} GFLOP/s = ${((100 * gflops) / ceiling.wall).toFixed(1)}% of the MatMul ceiling (${ceiling.wall.toFixed(1)} GFLOP/s)`);
console.log(`halves alone:    drawing tokens ${alone.samplingPerSecond.toFixed(1)} crystals/s (${(1000 / alone.samplingPerSecond).toFixed(2)} ms each), building + CIF ${alone.buildingPerSecond.toFixed(1)} crystals/s (${(1000 / alone.buildingPerSecond).toFixed(2)} ms each); drawing on ${SAMPLER_THREADS} onnxruntime thread${SAMPLER_THREADS === 1 ? '' : 's'}, building on one`);
const cpuPerCrystal = 1000 / alone.samplingPerSecond + 1000 / alone.buildingPerSecond;
const bound = Math.min(alone.samplingPerSecond, alone.buildingPerSecond, (THREADS * 1000) / cpuPerCrystal);
console.log(`CPU bound:       ${cpuPerCrystal.toFixed(2)} ms of CPU per crystal → at most ${bound.toFixed(1)} crystals/s on ${THREADS} cores (the slower half, or all CPU time spread perfectly); measured ${((100 * cached.perSecond) / bound).toFixed(0)}% of it`);
console.log(`providers:       ${Object.entries(providersUsed()).map(([workload, provider]) => `${workload} on ${provider}`).join(', ')} (main thread; pipelines follow CFSTUDIO_PROVIDERS too)`);
console.log(`target:          ≥ 400 crystals/s — ${Math.max(cached.perSecond, split) >= 400 ? 'met' : 'NOT met'}`);
