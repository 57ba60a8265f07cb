/**
 * Structure prediction benchmark on the CDVAE protocol, over MP-20 validation formulas (held out from training):
 * for each of the first N crystals, `cfstudio csp`'s pipeline (electron/csp) is given its reduced formula and the
 * number of atoms of its cell, and the known structure is looked for among the ranked distinct candidates with
 * pymatgen's CSP matcher settings (stol 0.5, ltol 0.3, angle_tol 10°; our electron/evaluate/matcher.ts).
 *
 *   npm run bench:csp                      # CFSTUDIO_BENCH_N formulas (default 20), CFSTUDIO_BENCH_SAMPLES each (default 50)
 *   CFSTUDIO_BENCH_RANK=likelihood npm run bench:csp    # rank by the model's log-likelihood instead of M3GNet
 *   CFSTUDIO_BENCH_RELAX=1 npm run bench:csp            # relax every distinct candidate before ranking (slow)
 *   CFSTUDIO_BENCH_GROUPS=prior npm run bench:csp       # space groups by training frequency, not the model's p(g | formula)
 *
 * Prints the match rate of the best-ranked candidate (k = 1) and of any of the best 20 (k = 20), and seconds per
 * formula. The cell's atom count fixes Z in the dataset's cell; since the model writes conventional cells, Z, 2Z,
 * 3Z and 4Z are allowed (primitive, C/I, R, F centring). Unlike DiffCSP's k independent samples, k here counts
 * ranked distinct candidates out of CFSTUDIO_BENCH_SAMPLES samples. No RMSE: our matcher answers match / no match.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { Composition } from '../shared/crystal/composition.ts';
import { readCifStructure } from '../shared/io/cif.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { loadModel } from '../electron/engine/model/files.ts';
import { defaultPotentialDir, loadPotential } from '../electron/engine/potential/load.ts';
import type { Potential } from '../electron/engine/potential/types.ts';
import { CrystalSampler } from '../electron/engine/sample/sampler.ts';
import { planStructurePrediction } from '../electron/csp/plan.ts';
import { predictStructures, weighGroupsByModel } from '../electron/csp/predict.ts';
import { prepareForMatching, structuresMatch, type MatchTolerances } from '../electron/evaluate/matcher.ts';

const CSP_TOLERANCES: MatchTolerances = { ltol: 0.3, stol: 0.5, angleTol: 10, scale: true };
const N = Number(process.env.CFSTUDIO_BENCH_N ?? 20);
const SAMPLES = Number(process.env.CFSTUDIO_BENCH_SAMPLES ?? 50);
const RANK = process.env.CFSTUDIO_BENCH_RANK === 'likelihood' ? 'likelihood' : 'energy';
const RELAX = process.env.CFSTUDIO_BENCH_RELAX === '1';
const GROUPS = process.env.CFSTUDIO_BENCH_GROUPS === 'prior' ? 'prior' : 'model';

const file = resolve(import.meta.dirname, '../../shared/data/structures/mp_20_val.csv.gz');
if (!existsSync(file)) {
  console.log(`skipped: ${file} not found`);
  process.exit(0);
}
await initSymmetry();
const rows = parse(gunzipSync(readFileSync(file)).toString('utf8'), { columns: true }) as { material_id: string; cif: string; 'spacegroup.number': string }[];
const model = await loadModel('default');
const sampler = await CrystalSampler.create(model.config, model.params);
let potential: Potential | null = null;
if (RANK === 'energy' && existsSync(defaultPotentialDir())) potential = await loadPotential(defaultPotentialDir());

let at1 = 0;
let at20 = 0;
let done = 0;
let seconds = 0;
console.log(`MP-20 val, first ${N} crystals, ${SAMPLES} samples each, ranked by ${potential ? (RELAX ? 'relaxed' : 'single-point') + ' M3GNet energy' : 'log-likelihood'}, groups by ${GROUPS === 'model' ? "the model's p(g | formula)" : 'training frequency'}`);
for (const row of rows.slice(0, N)) {
  const known = readCifStructure(row.cif).structure;
  const composition = Composition.fromStructure(known);
  const { formula, factor } = composition.reducedFormulaAndFactor;
  const zs = [1, 2, 3, 4].map((k) => k * factor);
  const started = performance.now();
  let line: string;
  try {
    const prior = planStructurePrediction({ formula, zs, spaceGroupCounts: model.card.spaceGroupCounts });
    const plan = GROUPS === 'model' ? await weighGroupsByModel(sampler, prior, { seed: 0 }) : prior;
    const result = await predictStructures(plan, { sampler, count: SAMPLES, seed: 0, potential, relax: RELAX ? { fmax: 0.05, maxSteps: 300 } : null });
    const target = prepareForMatching(known, 0.1);
    const rank = result.candidates.findIndex((c) => structuresMatch(prepareForMatching(c.structure, 0.1), target, CSP_TOLERANCES));
    if (rank === 0) at1++;
    if (rank >= 0 && rank < 20) at20++;
    line = `${row.material_id.padEnd(11)} ${formula.padEnd(14)} sg ${row['spacegroup.number'].padStart(3)}  ${result.candidates.length} distinct  match at rank ${rank < 0 ? '-' : rank + 1}`;
  } catch (error) {
    line = `${row.material_id.padEnd(11)} ${formula.padEnd(14)} error: ${(error as Error).message}`;
  }
  const s = (performance.now() - started) / 1000;
  seconds += s;
  done++;
  console.log(`${line}  ${s.toFixed(1)} s`);
}
await sampler.release();
await potential?.close();
const pct = (x: number) => ((100 * x) / Math.max(done, 1)).toFixed(1);
console.log(`match rate k=1: ${pct(at1)} % (${at1}/${done}), k=20: ${pct(at20)} % (${at20}/${done}); ${(seconds / Math.max(done, 1)).toFixed(1)} s per formula`);
