/**
 * `npm run bench:potential`: the interatomic potential on MP-20 validation crystals (../shared/data/structures/
 * mp_20_val.csv.gz, the first N rows; N = CFSTUDIO_BENCH_N, default 100).
 *   1. single points (energy, forces, stress): structures/s when all N go to the potential in one `compute` call
 *      (the potential batches them), after one warm-up call;
 *   2. relaxation of the N crystals together (FIRE + Fréchet cell filter, fmax 0.05 eV/Å, 500 steps, space group
 *      kept as `cfstudio relax` does by default): wall time per crystal, steps (median, mean, max) and statuses.
 * CFSTUDIO_BENCH_WORKERS = K (default 1) shards every call over K worker threads (`cfstudio relax --workers`).
 * The potential is the folder in CFSTUDIO_BENCH_POTENTIAL (default models/potential-m3gnet-mp-2021), loaded with
 * `loadPotential` like the CLI, so this measures whatever potential that folder holds. Timings are wall-clock on
 * this machine (2 shared cores here: other work on the machine slows them).
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { Structure } from '../shared/crystal/structure.ts';
import { readCifStructure } from '../shared/io/cif.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { defaultDataRoot } from '../electron/predictors/properties.ts';
import { defaultPotentialDir, loadPotential } from '../electron/engine/potential/load.ts';
import { relaxStructures } from '../electron/engine/potential/relax.ts';
import type { Potential } from '../electron/engine/potential/types.ts';

const count = Number(process.env.CFSTUDIO_BENCH_N ?? 100);
if (!(Number.isInteger(count) && count > 0)) throw new Error(`CFSTUDIO_BENCH_N must be a positive integer, got ${process.env.CFSTUDIO_BENCH_N}`);
const potentialDir = process.env.CFSTUDIO_BENCH_POTENTIAL ?? defaultPotentialDir();
const csv = join(defaultDataRoot(), 'structures/mp_20_val.csv.gz');
if (!existsSync(csv)) {
  console.log(`skipped: needs ${csv} (shared data, not part of the repository)`);
  process.exit(0);
}

await initSymmetry();
const structures: Structure[] = [];
const parser = createReadStream(csv).pipe(createGunzip()).pipe(parse({ columns: true, to: count }));
for await (const row of parser as AsyncIterable<Record<string, string>>) structures.push(readCifStructure(row.cif!, { fileName: row.material_id }).structure);
const atoms = structures.map((s) => s.numSites);
const seconds = (start: number) => (performance.now() - start) / 1000;
/** CPU seconds of this process (all threads): on a busy shared machine, closer to what an idle one would take. */
const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const workers = Number(process.env.CFSTUDIO_BENCH_WORKERS ?? 1);
if (!(Number.isInteger(workers) && workers > 0)) throw new Error(`CFSTUDIO_BENCH_WORKERS must be a positive integer, got ${process.env.CFSTUDIO_BENCH_WORKERS}`);
let start = performance.now();
const potential = await loadPotential(potentialDir, { workers });
console.log(`potential       ${potential.name} from ${potentialDir} on ${workers} worker thread(s), loaded in ${seconds(start).toFixed(1)} s; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log(`crystals        ${structures.length} MP-20 validation rows, ${atoms.reduce((a, b) => a + b, 0) / structures.length} atoms on average (max ${Math.max(...atoms)})`);

await potential.compute(structures.slice(0, Math.min(8, structures.length)));
start = performance.now();
let cpuStart = cpuSeconds();
await potential.compute(structures);
const singleSeconds = seconds(start);
const singleCpu = cpuSeconds() - cpuStart;
console.log(`single points   ${(structures.length / singleSeconds).toFixed(1)} structures/s wall, ${(structures.length / singleCpu).toFixed(1)} per CPU second (energy, forces, stress; ${structures.length} in one call, ${singleSeconds.toFixed(2)} s)`);

// The potential's share of the relaxation: its compute calls timed through a wrapper.
let computeSeconds = 0;
let computeCalls = 0;
const timed: Potential = {
  name: potential.name,
  elements: potential.elements,
  compute: async (batch, request) => {
    const t = performance.now();
    const out = await potential.compute(batch, request);
    computeSeconds += seconds(t);
    computeCalls++;
    return out;
  },
  close: () => potential.close(),
};
start = performance.now();
cpuStart = cpuSeconds();
const results = await relaxStructures(timed, structures, { keepSymmetry: true, fmax: 0.05, maxSteps: 500 });
const relaxSeconds = seconds(start);
const relaxCpu = cpuSeconds() - cpuStart;
const steps = results.map((r) => r.steps).sort((a, b) => a - b);
const statuses = new Map<string, number>();
for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
console.log(
  `relaxation      ${((relaxSeconds / structures.length) * 1000).toFixed(0)} ms per crystal wall, ${((relaxCpu / structures.length) * 1000).toFixed(0)} ms CPU (${relaxSeconds.toFixed(1)} s for ${structures.length}, all relaxed together; fmax 0.05 eV/Å, ≤ 500 steps, space group kept)`,
);
console.log(
  `                steps median ${steps[steps.length >> 1]}, mean ${(steps.reduce((a, b) => a + b, 0) / steps.length).toFixed(1)}, max ${steps[steps.length - 1]}; ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`,
);
console.log(`                potential ${computeSeconds.toFixed(1)} s in ${computeCalls} calls; optimizer, symmetry and checks ${(relaxSeconds - computeSeconds).toFixed(1)} s`);
console.log(`                at this rate 1,000 such crystals take ${((relaxSeconds / structures.length) * 1000 / 60).toFixed(1)} min wall (${((relaxCpu / structures.length) * 1000 / 60).toFixed(1)} CPU min)`);
await potential.close();
