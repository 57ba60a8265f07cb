/**
 * `npm run bench:vs-torch`: our engine against the PyTorch reference (../shared/bench/torch_ref.py, the same
 * architecture and shipped configuration, float32 on CPU, tcmalloc + OpenMP OpenBLAS, its "tuned" mode) on issue #19's
 * workloads, side by side:
 *  - sampling, network + draws, batch 256, every crystal exactly N = 5, 6, 20 sites, 1 and 2 threads;
 *  - a training step, batch 100, 2 threads, T = 35 (6 sites, trimmed) and padded T = 105, without and with dropout 0.1.
 * Each pass runs every workload on both sides one after the other (which goes first alternates between passes), each
 * run in its own process. The machine is shared, so every run records the CPU the OTHER processes used meanwhile
 * (from /proc/stat minus this process and its children), and the table gives ranges over passes, never one figure.
 *
 *   npm run bench:vs-torch -- [--passes 3] [--quick] [--only sample|train] [--out bench/results/vs-torch.json]
 *
 * --quick: N = 6 only, 1 pass, few batches (checks that everything runs; not a measurement).
 * PyTorch absent (no /usr/bin/python3 with torch, or no torch_ref.py): our side alone, with a message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    passes: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/results/vs-torch.json' },
    python: { type: 'string', default: '/usr/bin/python3' },
    reference: { type: 'string', default: resolve(import.meta.dirname, '../../shared/bench/torch_ref.py') },
  },
});
const quick = args.quick;
const passes = Number(args.passes ?? (quick ? 1 : 3));
if (!Number.isInteger(passes) || passes < 1) throw new Error(`--passes: expected a positive integer, got '${args.passes}'`);
if (args.only !== undefined && args.only !== 'sample' && args.only !== 'train') throw new Error(`--only: expected 'sample' or 'train', got '${args.only}'`);

/** The shipped model's configuration, as torch_ref.py's README gives it. */
const TORCH_CONFIG = ['--layers', '4', '--d-model', '128', '--heads', '8', '--key-size', '16', '--embed', '32'];

interface Workload {
  name: string;
  kind: 'sample' | 'train';
  ours: string[];
  torch: string[];
}

function workloads(): Workload[] {
  const list: Workload[] = [];
  const sampleSteps = quick ? 2 : 8;
  if (args.only !== 'train') {
    for (const threads of [1, 2]) {
      for (const sites of quick ? [6] : [5, 6, 20]) {
        // N = 20 costs ~4x the tokens of N = 5: fewer batches keep every run near the same length.
        const steps = String(sites === 20 ? Math.max(2, sampleSteps >> 1) : sampleSteps);
        list.push({
          name: `sample N=${sites} ${threads}T`,
          kind: 'sample',
          ours: ['--mode', 'sample', '--sites', String(sites), '--threads', String(threads), '--batch', '256', '--steps', steps, '--warmup', '1'],
          torch: ['--mode', 'sample', '--batch', '256', '--real-sites', String(sites), '--threads', String(threads), '--warmup', '1', '--steps', steps],
        });
      }
    }
  }
  if (args.only !== 'sample') {
    const steps = String(quick ? 2 : 6);
    for (const dropout of [0, 0.1]) {
      for (const padded of [false, true]) {
        list.push({
          name: `train T=${padded ? 105 : 35}${dropout ? ' dropout 0.1' : ''} 2T`,
          kind: 'train',
          ours: ['--mode', 'train', '--sites', '6', '--threads', '2', '--batch', '100', '--steps', steps, '--warmup', '2', '--dropout', String(dropout), ...(padded ? ['--padded'] : [])],
          torch: ['--mode', 'train', '--batch', '100', '--threads', '2', '--real-sites', '6', ...(padded ? [] : ['--trim']), '--dropout', String(dropout), '--steps', steps, '--warmup', '2'],
        });
      }
    }
  }
  return list;
}

// ---------------------------------------------------------------------------------------------------------------
// CPU accounting from /proc (clock ticks): the whole machine's busy time, and this process's own and its reaped
// children's (a child's CPU lands in cutime/cstime when it is waited for, i.e. when spawnSync returns).

function machineBusyTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: busy = all but idle and iowait (guest time is inside user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

function ownAndChildrenTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3: utime is field 14, cstime field 17.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return rest[11]! + rest[12]! + rest[13]! + rest[14]!;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface RunRecord {
  side: 'ours' | 'torch';
  workload: string;
  pass: number;
  /** crystals/s (sampling, median over batches) or ms/step (training, median over steps). */
  value: number;
  /** Cores the other processes kept busy on average during the run. */
  otherCores: number;
  /** Cores this run kept busy on average (its CPU time / its wall time). */
  ownCores: number;
  wallSeconds: number;
  /** Ours: process CPU ms per crystal (sampling) or per step (training). */
  cpuMs?: number;
  detail: unknown;
}

function measured(command: string, commandArgs: string[], env: NodeJS.ProcessEnv): { stdout: string; wall: number; otherCores: number; ownCores: number } {
  const busy0 = machineBusyTicks();
  const self0 = ownAndChildrenTicks();
  const t0 = performance.now();
  const run = spawnSync(command, commandArgs, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const wall = (performance.now() - t0) / 1000;
  const busy = machineBusyTicks() - busy0;
  const mine = ownAndChildrenTicks() - self0;
  if (run.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return { stdout: run.stdout, wall, otherCores: Math.max(0, busy - mine) / TICKS_PER_SECOND / wall, ownCores: mine / TICKS_PER_SECOND / wall };
}

function runOurs(w: Workload, pass: number): RunRecord {
  const r = measured(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'vs-torch-ours.ts'), ...w.ours], process.env);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { medianCrystalsPerSecond?: number; medianMsPerStep?: number; cpuMsPerCrystal?: number; cpuMsPerStep?: number };
  const value = w.kind === 'sample' ? result.medianCrystalsPerSecond! : result.medianMsPerStep!;
  return { side: 'ours', workload: w.name, pass, value, otherCores: r.otherCores, ownCores: r.ownCores, wallSeconds: r.wall, cpuMs: result.cpuMsPerCrystal ?? result.cpuMsPerStep, detail: result };
}

function runTorch(w: Workload, pass: number, scratch: string): RunRecord {
  const json = join(scratch, 'torch.json');
  rmSync(json, { force: true });
  const r = measured(args.python, [args.reference, ...TORCH_CONFIG, ...w.torch, '--json', json], { ...process.env, TORCH_REF_REEXEC: '' });
  const result = JSON.parse(readFileSync(json, 'utf8')) as { crystals_per_s?: number; ms_per_step_median?: number; allocator?: string; blas?: string };
  const value = w.kind === 'sample' ? result.crystals_per_s! : result.ms_per_step_median!;
  return { side: 'torch', workload: w.name, pass, value, otherCores: r.otherCores, ownCores: r.ownCores, wallSeconds: r.wall, detail: result };
}

function torchAvailable(): string | null {
  if (!existsSync(args.reference)) return `no PyTorch reference at ${args.reference}`;
  const probe = spawnSync(args.python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${args.python} cannot import torch (${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)})`;
  return null;
}

const range = (xs: number[], digits = 0): string => {
  if (xs.length === 0) return 'n/a';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}–${hi.toFixed(digits)}`;
};

const list = workloads();
const torchMissing = torchAvailable();
if (torchMissing) console.log(`PyTorch side skipped: ${torchMissing} (install: apt-get install -y python3-torch libtcmalloc-minimal4 libopenblas0-openmp)`);
const [load1, load5] = loadavg();
console.log(
  `bench:vs-torch — ${list.length} workloads × ${passes} pass${passes === 1 ? '' : 'es'}${quick ? ' (quick: a check that it runs, not a measurement)' : ''}; ` +
    `${availableParallelism()} cores, load average ${load1!.toFixed(1)} / ${load5!.toFixed(1)} (1 / 5 min) at the start`,
);
const scratch = mkdtempSync(join(tmpdir(), 'cfstudio-vs-torch-'));
const records: RunRecord[] = [];
try {
  for (let pass = 0; pass < passes; pass++) {
    for (const w of list) {
      // Alternate who goes first, so neither side always inherits the other's warm (or hot) machine.
      const order: ('ours' | 'torch')[] = pass % 2 === 0 ? ['ours', 'torch'] : ['torch', 'ours'];
      for (const side of order) {
        if (side === 'torch' && torchMissing) continue;
        const record = side === 'ours' ? runOurs(w, pass) : runTorch(w, pass, scratch);
        records.push(record);
        const unit = w.kind === 'sample' ? 'crystals/s' : 'ms/step';
        console.log(
          `  pass ${pass + 1} ${w.name.padEnd(24)} ${side.padEnd(5)} ${record.value.toFixed(w.kind === 'sample' ? 0 : 0).padStart(6)} ${unit}` +
            `  (other processes ${record.otherCores.toFixed(2)} cores, this run ${record.ownCores.toFixed(2)}${record.cpuMs !== undefined ? `, CPU ${record.cpuMs.toFixed(w.kind === 'sample' ? 2 : 0)} ms/${w.kind === 'sample' ? 'crystal' : 'step'}` : ''})`,
        );
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// The table: ranges over passes; the ratio is ours / PyTorch for throughput and PyTorch / ours for step time, paired
// within a pass (the two runs of a pass are back to back), so > 1 means we are faster.
console.log('\n| workload | ours | PyTorch (tuned) | ratio (> 1: ours faster) | other processes, cores |');
console.log('|---|---|---|---|---|');
const rows = list.map((w) => {
  const ours = records.filter((r) => r.workload === w.name && r.side === 'ours');
  const torch = records.filter((r) => r.workload === w.name && r.side === 'torch');
  const ratios = ours.flatMap((o) => {
    const t = torch.find((r) => r.pass === o.pass);
    return t ? [w.kind === 'sample' ? o.value / t.value : t.value / o.value] : [];
  });
  const unit = w.kind === 'sample' ? 'crystals/s' : 'ms';
  const noise = records.filter((r) => r.workload === w.name).map((r) => r.otherCores);
  console.log(`| ${w.name} | ${range(ours.map((r) => r.value))} ${unit} | ${torch.length ? `${range(torch.map((r) => r.value))} ${unit}` : 'skipped'} | ${ratios.length ? range(ratios, 2) : 'n/a'} | ${range(noise, 2)} |`);
  return { workload: w.name, kind: w.kind, unit, ours: ours.map((r) => r.value), torch: torch.map((r) => r.value), ratios, otherCores: noise };
});
const worstNoise = Math.max(...records.map((r) => r.otherCores));
if (worstNoise > 0.2) console.log(`\nOther processes kept up to ${worstNoise.toFixed(2)} cores busy during some runs: those figures measure a shared machine, not the engines.`);
const out = resolve(args.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), quick, passes, cores: availableParallelism(), loadAverageAtStart: [load1, load5], torch: torchMissing ?? 'ran', rows, runs: records }, null, 1) + '\n');
console.log(`\nwritten: ${out}`);
