/**
 * `cfstudio evaluate` throughput: 1,000 crystals evaluated with novelty against the MP-20 training set, plus the
 * per-sample validity cost an RL loop pays, and the minimum-distance check on ~100-atom cells.
 *
 * The 1,000 crystals are real MP-20 rows standing in for generated ones (no trained sampler is needed): by
 * default 900 from the validation split (expected novel: every reference crystal of the same composition is
 * compared) and 100 from the training split (expected not novel: each must be found).
 *
 *   node --import tsx bench/evaluate-throughput.ts [--reference CSV|DATASET] [--count 1000] [--cache-dir DIR]
 *
 * Default reference: ../shared/data/structures/mp_20_train.csv.gz through the CSV route (parsed once, then read
 * from the cache); pass a `cfstudio data prepare` directory to time the dataset route.
 */
import { createReadStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { Lattice } from '../shared/crystal/lattice.ts';
import { Composition } from '../shared/crystal/composition.ts';
import type { Mat3 } from '../shared/crystal/linalg.ts';
import { Structure } from '../shared/crystal/structure.ts';
import { readCifStructure } from '../shared/io/cif.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { compositionalValidity, evaluateStructures, loadReferenceSet, structuralValidity, type EvaluationItem } from '../electron/evaluate/index.ts';

const DATA = new URL('../../shared/data/structures/', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    reference: { type: 'string', default: `${DATA}mp_20_train.csv.gz` },
    count: { type: 'string', default: '1000' },
    'cache-dir': { type: 'string' },
  },
});
const count = Number(values.count);
const referencePath = values.reference!;
if (!existsSync(referencePath) || !existsSync(`${DATA}mp_20_val.csv.gz`)) {
  console.log(`skipped: needs ${referencePath} and ${DATA}mp_20_val.csv.gz (shared data, not part of the repository)`);
  process.exit(0);
}

async function readRows(file: string, rows: number): Promise<EvaluationItem[]> {
  const items: EvaluationItem[] = [];
  const parser = createReadStream(file).pipe(createGunzip()).pipe(parse({ columns: true, to: rows }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    items.push({ name: row.material_id!, structure: readCifStructure(row.cif!, { fileName: row.material_id }).structure, spaceGroupRequested: Number(row['spacegroup.number']) });
  }
  return items;
}

const seconds = (start: number) => (performance.now() - start) / 1000;
const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

await initSymmetry();
console.log(`evaluate throughput (node ${process.version}, ${count} crystals)`);

let start = performance.now();
const cpuAtLoad = cpu();
const reference = await loadReferenceSet(referencePath, values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {});
console.log(`reference         ${reference.size} crystals (${reference.kind}) loaded in ${seconds(start).toFixed(1)} s wall, ${(cpu() - cpuAtLoad).toFixed(1)} s CPU`);

start = performance.now();
const novelCount = Math.round(count * 0.9);
const items = [...(await readRows(`${DATA}mp_20_val.csv.gz`, novelCount)), ...(await readRows(`${DATA}mp_20_train.csv.gz`, count - novelCount))];
console.log(`input             ${items.length} CIFs parsed in ${seconds(start).toFixed(1)} s (not counted below)`);

const stageTimes = new Map<string, number>();
let stageStart = performance.now();
let currentStage = '';
const cpuAtEvaluate = cpu();
start = performance.now();
const report = evaluateStructures(items, {
  reference,
  onProgress: (stage) => {
    if (stage !== currentStage) {
      if (currentStage) stageTimes.set(currentStage, seconds(stageStart));
      currentStage = stage;
      stageStart = performance.now();
    }
  },
});
stageTimes.set(currentStage, seconds(stageStart));
const total = seconds(start);
console.log(`evaluate          ${(items.length / total).toFixed(1)} structures/s (${total.toFixed(1)} s wall, ${(cpu() - cpuAtEvaluate).toFixed(1)} s CPU for ${items.length})`);
for (const [stage, s] of stageTimes) console.log(`  ${stage.padEnd(15)} ${s.toFixed(2)} s (${(items.length / s).toFixed(1)} /s)`);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
console.log(`results           novel ${pct(report.novelty!.novel.rate)} (expected about ${pct(novelCount / count)}: training rows must be found); unique ${pct(report.uniqueness.unique.rate)}`);
console.log(`                  valid ${pct(report.validity.valid.rate)} (compositional ${pct(report.validity.compositional.rate)}); found = MP space group ${pct(report.symmetry.matchesRequested.rate)}`);
console.log(`                  W1 density ${report.distributions.wasserstein?.density.toFixed(3)}, W1 #elements ${report.distributions.wasserstein?.numElements.toFixed(3)}`);
const missed = report.samples.slice(novelCount).filter((s) => s.novel);
if (missed.length) console.log(`                  training rows not found in the reference: ${missed.map((s) => s.name).join(', ')}`);

// Per-sample validity as an RL reward would call it (structure given; no symmetry analysis).
const structures = items.map((i) => i.structure);
const repeat = 5;
start = performance.now();
for (let r = 0; r < repeat; r++) for (const s of structures) structuralValidity(s);
console.log(`structuralValidity         ${((seconds(start) / (repeat * structures.length)) * 1e6).toFixed(1)} µs per crystal (MP-20 cells, mean ${(structures.reduce((n, s) => n + s.numSites, 0) / structures.length).toFixed(1)} atoms)`);
const compositions = structures.map((s) => Composition.fromStructure(s));
start = performance.now();
for (const c of compositions) compositionalValidity(c, { alloys: true, pauling: true, mixedValence: false });
console.log(`compositionalValidity      ${((seconds(start) / compositions.length) * 1e6).toFixed(1)} µs per crystal (first call per composition; cached afterwards)`);
start = performance.now();
for (let r = 0; r < repeat; r++) for (const c of compositions) compositionalValidity(c);
console.log(`compositionalValidity      ${((seconds(start) / (repeat * compositions.length)) * 1e6).toFixed(2)} µs per crystal (cached)`);

// ~100-atom cells: rock-salt-like 3×3×3 supercells of an oblique 4-atom cell, with noise.
const big: Structure[] = [];
for (let k = 0; k < 50; k++) {
  const base = Lattice.fromParameters(3 * 4.1, 3 * 4.3, 3 * 4.6, 84 + k * 0.1, 97, 103);
  const sites = [];
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) {
    for (const [dx, dy, dz, sp] of [[0, 0, 0, 'Mg'], [0.5, 0.5, 0, 'Mg'], [0.5, 0, 0.5, 'O'], [0, 0.5, 0.5, 'O']] as const) {
      sites.push({ species: sp, frac: [(a + dx + 0.01 * Math.sin(k + a)) / 3, (b + dy) / 3, (c + dz + 0.01 * Math.cos(k + c)) / 3] as [number, number, number] });
    }
  }
  big.push(new Structure(new Lattice(base.matrix as Mat3), sites));
}
start = performance.now();
for (const s of big) structuralValidity(s);
const ours = seconds(start) / big.length;
start = performance.now();
for (const s of big.slice(0, 5)) s.minimumDistance();
const reference108 = seconds(start) / 5;
console.log(`108-atom cells     structuralValidity ${(ours * 1e3).toFixed(2)} ms; Structure.minimumDistance() ${(reference108 * 1e3).toFixed(1)} ms (all pairs, per-pair image search)`);
