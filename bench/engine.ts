/**
 * Engine throughput (npm run bench:engine). Prints, in one run:
 *  1. the MatMul GFLOP/s onnxruntime reaches alone on the float32 shapes the model multiplies (the ceiling);
 *  2. ms/step and GFLOP/s of a full training step (forward + backward + in-graph AdamW) of a causal transformer
 *     (d_model 128, 4 layers, 8 heads, sequence 105, batch 64), double-buffered and naive-copy.
 * Training FLOPs are counted analytically as 3 × the forward matmul FLOPs. Both use intraOpNumThreads = 2.
 *
 * Wall-clock numbers are the result; process CPU time is printed alongside because on a shared machine the wall
 * clock also counts time other processes hold the cores (with 2 threads, CPU time ≈ 2 × wall when unloaded).
 *
 * Options: --steps N (timed steps per mode, default 5), --threads N (intra-op threads, default 2), --no-spin
 * (onnxruntime threads sleep rather than spin while idle), --profile (writes an onnxruntime profile of the
 * double-buffered step to the working directory and prints the top ops).
 */
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { crossEntropy, initTransformerParameters, transformerForwardFlops, transformerLogits, type TransformerConfig } from '../electron/engine/graph/example-transformer.ts';
import { ort } from '../electron/engine/runtime.ts';
import { TrainingStep } from '../electron/engine/train-step.ts';
import { type Ceiling, cpuMs, matmulCeiling } from './matmul-ceiling.ts';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    'no-spin': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const STEPS = Number(args.steps);
const THREADS = Number(args.threads);
// --no-spin: idle onnxruntime threads sleep instead of spinning (kinder to a machine shared with other jobs).
const spinning = args['no-spin'] ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {};
const quiet = { intraOpNumThreads: THREADS, log: () => {}, extra: spinning };
/** Best MatMul throughput on the shapes the benchmark's transformer multiplies. */
function ceilingOnModelShapes(): Promise<Ceiling> {
  const rows = 64 * 105;
  return matmulCeiling(
    [
      [rows, 128, 512],
      [rows, 512, 128],
      [rows, 128, 128],
      [rows, 128, 384],
      [128, rows, 512], // weight-gradient shape: Aᵀ·G over all tokens
    ],
    THREADS,
    { sessionExtra: spinning.extra ?? {} },
  );
}

async function trainingStep(ceiling: Ceiling): Promise<void> {
  const config: TransformerConfig = { vocab: 128, dModel: 128, heads: 8, layers: 4, seqLen: 105 };
  const batch = 64;
  const flops = 3 * transformerForwardFlops(config, batch);
  let s = 7;
  const nextToken = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return BigInt(s % config.vocab);
  };
  const tokens = BigInt64Array.from({ length: batch * config.seqLen }, nextToken);
  const targets = BigInt64Array.from({ length: batch * config.seqLen }, nextToken);
  const feeds = {
    tokens: new ort.Tensor('int64', tokens, [batch, config.seqLen]),
    targets: new ort.Tensor('int64', targets, [batch, config.seqLen]),
  };
  console.log(
    `\nTraining step: causal transformer d_model ${config.dModel}, ${config.layers} layers, ${config.heads} heads, ` +
      `seq ${config.seqLen}, batch ${batch}, vocab ${config.vocab}; ${(flops / 1e9).toFixed(1)} GFLOP/step (3 × forward matmuls)`,
  );
  for (const buffering of ['double', 'copy'] as const) {
    const profile = args.profile && buffering === 'double';
    const step = await TrainingStep.create({
      build: (g) => {
        const tokensIn = g.input('tokens', 'int64', ['batch', config.seqLen]);
        const targetsIn = g.input('targets', 'int64', ['batch', config.seqLen]);
        return { loss: crossEntropy(transformerLogits(g, config, tokensIn), targetsIn) };
      },
      parameters: (params) => initTransformerParameters(params, 0),
      optimizer: { weightDecay: 0.01, clipNorm: 1 },
      buffering,
      session: { ...quiet, extra: { ...spinning, ...(profile ? { enableProfiling: true, profileFilePrefix: 'engine-profile' } : {}) } },
    });
    const warm = await step.run(feeds, 1e-3);
    await step.run(feeds, 1e-3);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let loss = warm.loss;
    for (let i = 0; i < STEPS; i++) {
      const t0 = performance.now();
      const c0 = cpuMs();
      loss = (await step.run(feeds, 1e-3)).loss;
      times.push(performance.now() - t0);
      cpuTimes.push(cpuMs() - c0);
    }
    times.sort((a, b) => a - b);
    cpuTimes.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const medianCpu = cpuTimes[Math.floor(cpuTimes.length / 2)]!;
    const gflops = flops / (median * 1e6);
    const perCpu = flops / (medianCpu * 1e6);
    console.log(
      `  ${buffering === 'double' ? 'double-buffered' : 'naive copy     '}: ${median.toFixed(0)} ms/step (median of ${STEPS}, best ${times[0]!.toFixed(0)}), ` +
        `${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / ceiling.wall).toFixed(0)}% of the MatMul ceiling (target ≥ 40%); loss ${warm.loss.toFixed(3)} → ${loss.toFixed(3)}\n` +
        `                   process CPU time ${medianCpu.toFixed(0)} ms/step: ${perCpu.toFixed(1)} GFLOP per CPU-second = ${((100 * perCpu) / ceiling.perCpuSecond).toFixed(0)}% of MatMul's`,
    );
    if (profile) {
      step.session.session.endProfiling();
      printProfile(readdirSync('.').find((f) => f.startsWith('engine-profile') && f.endsWith('.json')));
    }
    await step.release();
  }
}

/** Sums onnxruntime profile events per op type and prints the biggest. */
function printProfile(file: string | undefined): void {
  if (!file) {
    console.log('  (no engine-profile*.json written)');
    return;
  }
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  const byOp = new Map<string, number>();
  let runs = 0;
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run') runs++;
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
  }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  console.log(`  profile (${file}, ${runs} runs): kernel time by op type`);
  for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`    ${op.padEnd(28)} ${(us / 1000 / Math.max(1, runs)).toFixed(1).padStart(8)} ms/run  ${((100 * us) / total).toFixed(1)}%`);
  }
  unlinkSync(file);
}

const [load1] = loadavg();
console.log(`load average ${load1!.toFixed(1)} on ${availableParallelism()} cores${load1! > 1.5 ? ' — the machine is busy: wall-clock figures below are pessimistic' : ''}\n`);
const ceiling = await ceilingOnModelShapes();
await trainingStep(ceiling);
