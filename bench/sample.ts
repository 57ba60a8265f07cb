/**
 * `npm run bench:sample`: where generation's time goes, with the shipped model at batch 256 and space groups from the
 * training distribution, each part measured on its own and compared with a bound measured at the same thread count:
 *  1. network: the time inside the decode backend (onnxruntime runs + writing the new keys/values into the cache),
 *     its GFLOP/s against onnxruntime's MatMul ceiling at the sampler's thread count;
 *  2. draws: the rest of sampling — JavaScript masks, softmax, categorical / von Mises / lattice draws, coordinate
 *     projection onto the Wyckoff position and the log-probabilities — on the sampling thread;
 *  3. building: structure, validity, symmetry check and CIF text of the same crystals, on one thread; then writing
 *     them (a CIF file and a samples.jsonl line each);
 *  4. end to end as `cfstudio generate` runs it (runGeneration: building, symmetry check, CIF and samples.jsonl
 *     written), with one pipeline (sampling here, building in a worker thread) and with one pipeline per core.
 * Every line gives process CPU time per crystal (user + system, all threads) next to the wall-clock rate: on a shared
 * machine the CPU figures hold, the wall-clock ones do not (the load average is printed first).
 *
 * Environment: CFSTUDIO_BENCH_N (crystals, default 1024), CFSTUDIO_BENCH_THREADS (the sampler's onnxruntime intra-op
 * threads, default 1; its sessions never spin, so 2 measures two working threads), CFSTUDIO_BENCH_INLINE=1 (one
 * pipeline builds on the sampling thread), CFSTUDIO_BENCH_MODEL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { loadModel } from '../electron/engine/model/files.ts';
import { CrystalSampler, type SampledCrystal, type SamplerTiming } from '../electron/engine/sample/sampler.ts';
import { SampleWriter } from '../electron/engine/sample/sample-writer.ts';
import { buildSample } from '../electron/engine/sample/build.ts';
import { runGeneration } from '../electron/engine/sample/generate.ts';
import { EVALUATION_SYMPREC } from '../shared/symmetry/tolerance.ts';
import { matmulCeiling } from './matmul-ceiling.ts';
import { busiestThreadMs, cpuMs, threadCpuMs } from './workloads.ts';
import { providersUsed } from '../electron/engine/runtime.ts';

const CORES = availableParallelism();
const INLINE = process.env.CFSTUDIO_BENCH_INLINE === '1';
const SAMPLER_THREADS = Number(process.env.CFSTUDIO_BENCH_THREADS ?? 1);
if (!Number.isInteger(SAMPLER_THREADS) || SAMPLER_THREADS < 1) throw new Error(`CFSTUDIO_BENCH_THREADS: expected a positive integer, got '${process.env.CFSTUDIO_BENCH_THREADS}'`);
const COUNT = Number(process.env.CFSTUDIO_BENCH_N ?? 1024);
if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error(`CFSTUDIO_BENCH_N: expected a positive integer, got '${process.env.CFSTUDIO_BENCH_N}'`);

await initSymmetry();
const model = await loadModel(process.env.CFSTUDIO_BENCH_MODEL ?? 'default');
const conditions = { spaceGroups: { kind: 'distribution' as const, weights: model.card.spaceGroupCounts } };
const { config } = model;

/** Forward MatMul FLOPs of one token through the trunk and output head (2 per multiply-add), attending to `context` keys. */
function flopsPerToken(context: number): number {
  const d = config.modelSize;
  const hk = config.heads * config.keySize;
  const perLayer = 2 * (d * 3 * hk + hk * d + 2 * d * config.mlpFactor * d) + 2 * 2 * hk * context;
  return config.layers * perLayer + 2 * d * (119 + 13 * config.latticeComponents);
}

/** FLOPs of decoding a crystal of n tokens with a cache: token t attends to t + 1 keys. */
function flopsPerCrystal(tokens: number): number {
  let sum = 0;
  for (let t = 0; t < tokens; t++) sum += flopsPerToken(t + 1);
  return sum;
}

const [load1, load5] = loadavg();
console.log(
  `bench:sample — model '${model.card.name}' (${model.card.parameterCount.toLocaleString('en-US')} parameters), batch 256, ${COUNT} crystals; ` +
    `sampler on ${SAMPLER_THREADS} onnxruntime thread${SAMPLER_THREADS === 1 ? '' : 's'} (no spinning); ${CORES} cores, load average ${load1!.toFixed(1)} / ${load5!.toFixed(1)}` +
    `${load1! > CORES * 0.75 ? ' — busy: trust the CPU-time figures, not the wall-clock ones' : ''}\n`,
);
const ceiling = await matmulCeiling(
  [
    [256, config.modelSize, config.mlpFactor * config.modelSize],
    [256, config.mlpFactor * config.modelSize, config.modelSize],
    [256, config.modelSize, 3 * config.heads * config.keySize],
  ],
  SAMPLER_THREADS,
  { sessionExtra: { extra: { session: { intra_op: { allow_spinning: '0' } } } } },
);

// 1 + 2: sampling alone, split into network and draws.
const sampler = await CrystalSampler.create(config, model.params, { threads: SAMPLER_THREADS });
for await (const _ of sampler.sample(conditions, 256, { seed: 99, batchSize: 256 })) void _; // session start-up
const timing: SamplerTiming = { networkMs: 0, networkSteps: 0 };
const samples: SampledCrystal[] = [];
let c0 = cpuMs();
let t0 = performance.now();
for await (const sample of sampler.sample(conditions, COUNT, { seed: 1, batchSize: 256, timing })) samples.push(sample);
const samplingMs = performance.now() - t0;
const samplingCpuMs = cpuMs() - c0;
await sampler.release();
const tokens = samples.reduce((s, c) => s + 5 * c.numSites + 1, 0);
const flops = samples.reduce((s, c) => s + flopsPerCrystal(5 * c.numSites + 1), 0);
const drawsMs = samplingMs - timing.networkMs;
const networkGflops = flops / (timing.networkMs * 1e6);

// 3: building the same crystals on this thread (structure, checks, symmetry, CIF text; nothing written).
c0 = cpuMs();
t0 = performance.now();
const builtSamples = samples.map((sample, i) => buildSample(sample, i + 1, EVALUATION_SYMPREC));
const buildingMs = performance.now() - t0;
const buildingCpuMs = cpuMs() - c0;

// Writing them one by one (a CIF file and a samples.jsonl line each), as a thread that saves every crystal would.
const writeDir = await mkdtemp(join(tmpdir(), 'cfstudio-bench-write-'));
const writer = new SampleWriter(writeDir);
c0 = cpuMs();
t0 = performance.now();
for (const built of builtSamples) writer.save(built);
const writingMs = performance.now() - t0;
const writingCpuMs = cpuMs() - c0;
await rm(writeDir, { recursive: true, force: true });

// 4: end to end, as cfstudio generate runs it (start-up of the pipelines' workers included).
async function endToEnd(pipelines: number): Promise<{ perSecond: number; cpuMsPerCrystal: number; busiestThreadMsPerCrystal: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'cfstudio-bench-sample-'));
  const threads0 = threadCpuMs();
  const c = cpuMs();
  const t = performance.now();
  let n = 0;
  const generation = runGeneration({ model, conditions, count: COUNT, sampling: { seed: 1, batchSize: 256 }, writer: new SampleWriter(dir), pipelines, structures: false, ...(pipelines === 1 ? { buildInline: INLINE } : {}) });
  let threadsEnd = threads0;
  for await (const built of generation.crystals) {
    void built;
    // Read the threads' CPU before the generator's end terminates the workers (an ended thread's time is gone).
    if (++n === COUNT) threadsEnd = threadCpuMs();
  }
  const seconds = (performance.now() - t) / 1000;
  const cpu = cpuMs() - c;
  await rm(dir, { recursive: true, force: true });
  return { perSecond: n / seconds, cpuMsPerCrystal: cpu / n, busiestThreadMsPerCrystal: busiestThreadMs(threads0, threadsEnd) / n };
}
const one = await endToEnd(1);
const many = CORES > 1 ? await endToEnd(CORES) : null;

const per = (ms: number) => (ms / COUNT).toFixed(3);
const rate = (ms: number) => ((1000 * COUNT) / ms).toFixed(0);
console.log(`\n${(tokens / COUNT).toFixed(1)} tokens per crystal; ${(flops / COUNT / 1e6).toFixed(2)} MFLOP of MatMuls per crystal`);
console.log(
  `network:   ${rate(timing.networkMs)} crystals/s alone (${per(timing.networkMs)} ms each, ${(timing.networkMs / timing.networkSteps).toFixed(2)} ms per step of the batch), ` +
    `${networkGflops.toFixed(1)} GFLOP/s = ${((100 * networkGflops) / ceiling.wall).toFixed(0)}% of the MatMul ceiling at ${SAMPLER_THREADS} thread${SAMPLER_THREADS === 1 ? '' : 's'} (${ceiling.wall.toFixed(1)} GFLOP/s)`,
);
console.log(`draws:     ${rate(drawsMs)} crystals/s alone (${per(drawsMs)} ms each on the sampling thread: masks, softmax, draws, projection, log-probabilities)`);
console.log(`sampling:  ${rate(samplingMs)} crystals/s (network + draws), process CPU ${per(samplingCpuMs)} ms per crystal`);
console.log(`building:  ${rate(buildingMs)} crystals/s on one thread (${per(buildingMs)} ms each: structure, validity, symmetry, CIF text), CPU ${per(buildingCpuMs)} ms per crystal`);
console.log(`writing:   ${rate(writingMs)} crystals/s on one thread (${per(writingMs)} ms each: CIF file + samples.jsonl line), CPU ${per(writingCpuMs)} ms per crystal`);
const cpuPerCrystal = (samplingCpuMs + buildingCpuMs + writingCpuMs) / COUNT;
console.log(`bound:     ${cpuPerCrystal.toFixed(3)} ms of CPU per crystal sampled, built and written → at most ${((CORES * 1000) / cpuPerCrystal).toFixed(0)} crystals/s on ${CORES} cores if spread perfectly`);
const busiest = (r: typeof one) => `busiest thread ${r.busiestThreadMsPerCrystal.toFixed(3)} ms per crystal → at most ${(1000 / r.busiestThreadMsPerCrystal).toFixed(0)} crystals/s however idle the machine`;
console.log(`generate:  1 pipeline ${one.perSecond.toFixed(0)} crystals/s (building ${INLINE ? 'inline' : 'in a worker'}), CPU ${one.cpuMsPerCrystal.toFixed(3)} ms per crystal; ${busiest(one)}`);
if (many) console.log(`generate:  ${CORES} pipelines ${many.perSecond.toFixed(0)} crystals/s, CPU ${many.cpuMsPerCrystal.toFixed(3)} ms per crystal (worker start-up included); ${busiest(many)}`);
console.log(`providers: ${Object.entries(providersUsed()).map(([workload, provider]) => `${workload} on ${provider}`).join(', ')}`);
