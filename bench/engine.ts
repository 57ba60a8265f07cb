/**
 * `npm run bench:engine`: the training step of the shipped CrystalFormer model as `cfstudio train` runs it — the
 * log-likelihood loss, batch 100, gradients, clipping and Adam in one onnxruntime run — on real token sequences
 * (crystals the model draws with 6 sites), with the sequence trimmed to the batch's sites (T = 35, as the trainer
 * cuts it) and padded to T = 105, without and with dropout 0.1, and the two ways of getting the new state back
 * (TrainingStep's 'double' buffers against the naive 'copy'). Next to them, onnxruntime's MatMul ceiling on the
 * step's shapes at the same thread count.
 *
 * Wall-clock numbers are the result on a quiet machine; process CPU time is printed alongside because on a shared
 * machine the wall clock also counts time other processes hold the cores (the load average is printed first).
 *
 * Options: --steps N (timed steps per case, default 5), --threads N (intra-op threads, default 2), --no-spin
 * (onnxruntime threads sleep rather than spin while idle), --quick (T = 35 only, double vs copy), --profile (an
 * onnxruntime profile of the first case, top ops printed).
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadModel } from '../electron/engine/model/files.ts';
import { matmulCeiling } from './matmul-ceiling.ts';
import { measureTraining, type TrainWorkload } from './workloads.ts';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    'no-spin': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const STEPS = Number(args.steps);
const THREADS = Number(args.threads);
for (const [name, value] of [['steps', STEPS], ['threads', THREADS]] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: expected a positive integer, got '${args[name]}'`);
}
const spinning = !args['no-spin'];
const BATCH = 100;
const SITES = 6;

const [load1, load5] = loadavg();
console.log(
  `bench:engine — training step of the shipped model, batch ${BATCH}, ${THREADS} thread${THREADS === 1 ? '' : 's'}${spinning ? '' : ' (no spinning)'}; ` +
    `${availableParallelism()} cores, load average ${load1!.toFixed(1)} / ${load5!.toFixed(1)}${load1! > availableParallelism() * 0.75 ? ' — busy: trust the CPU-time figures, not the wall clock' : ''}\n`,
);
const model = await loadModel('default');
const { modelSize: d, mlpFactor } = model.config;
const hk = model.config.heads * model.config.keySize;
const rows = BATCH * 35;
const ceiling = await matmulCeiling(
  [
    [rows, d, mlpFactor * d],
    [rows, mlpFactor * d, d],
    [rows, d, 3 * hk],
    [d, rows, mlpFactor * d], // weight-gradient shape: Aᵀ·G over all tokens
  ],
  THREADS,
  spinning ? {} : { sessionExtra: { extra: { session: { intra_op: { allow_spinning: '0' } } } } },
);

const cases: (Pick<TrainWorkload, 'padded' | 'dropout' | 'buffering'> & { label: string })[] = [
  { label: 'T = 35, double-buffered', padded: false, dropout: 0, buffering: 'double' },
  { label: 'T = 35, naive copy     ', padded: false, dropout: 0, buffering: 'copy' },
  ...(args.quick
    ? []
    : [
        { label: 'T = 105 (padded)       ', padded: true, dropout: 0, buffering: 'double' as const },
        { label: 'T = 35, dropout 0.1    ', padded: false, dropout: 0.1, buffering: 'double' as const },
        { label: 'T = 105, dropout 0.1   ', padded: true, dropout: 0.1, buffering: 'double' as const },
      ]),
];
console.log('');
for (const [i, c] of cases.entries()) {
  const profile = args.profile && i === 0;
  const r = await measureTraining({ ...c, sites: SITES, threads: THREADS, batch: BATCH, steps: STEPS, warmup: 2, spinning, model, ...(profile ? { profilePrefix: 'engine-profile' } : {}) });
  const gflops = r.flops / (r.medianMsPerStep * 1e6);
  const perCpu = r.flops / (r.cpuMsPerStep * 1e6);
  console.log(
    `${c.label}: ${r.medianMsPerStep.toFixed(0)} ms/step (median of ${STEPS}, best ${Math.min(...r.msPerStep).toFixed(0)}), ${(r.flops / 1e9).toFixed(1)} GFLOP/step, ` +
      `${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / ceiling.wall).toFixed(0)}% of the MatMul ceiling; ` +
      `process CPU ${r.cpuMsPerStep.toFixed(0)} ms/step = ${((100 * perCpu) / ceiling.perCpuSecond).toFixed(0)}% of MatMul's GFLOP per CPU-second; loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}`,
  );
  if (r.profileFile) printProfile(r.profileFile);
}

/** Sums onnxruntime profile events per op type and prints the biggest. */
function printProfile(file: string): void {
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
