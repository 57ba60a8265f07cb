/**
 * `npm run bench:dielectric [-- --json]`: the dielectric_total predictor trained on all of
 * dielectric_structures.csv.gz against the earlier one (1,071 MP-20 crystals), and both against experiment.
 *   1. Held-out DFPT: the val split of runs/data/dielectric-all (`cfstudio data prepare --in
 *      ../shared/data/properties/dielectric_structures.csv.gz --out runs/data/dielectric-all --val-fraction 0.2`,
 *      split by material id hash), restricted to crystals neither model trained on (the earlier model trained
 *      on the MP-20 train ids): MAE, RMSE and MAE of ln ε for both.
 *   2. Experiment: ../shared/data/properties/dielectric_experiment_petousis.csv (Petousis et al. 2017, 139
 *      crystals; polycrystalline averages of measured ε), for the rows whose structure is in the shared CSVs
 *      (dielectric_structures, MP-20, MPTS-52): MAE of ln ε of each model and of the DFPT value itself against
 *      experiment, on all such rows and on those the model did not train on.
 * CFSTUDIO_BENCH_NEW / CFSTUDIO_BENCH_OLD select the two model folders (default models/predictor-dielectric, the
 * all-data model, and runs/predictor-dielectric-1071, the earlier one, which git still has:
 * `mkdir -p runs/predictor-dielectric-1071 && for f in model.json model.onnx model.safetensors; do
 *  git show 6cab544:models/predictor-dielectric/$f > runs/predictor-dielectric-1071/$f; done`).
 */
import { createReadStream, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { Structure } from '../shared/crystal/structure.ts';
import { readCifStructure } from '../shared/io/cif.ts';
import { analyzeStructure, type WyckoffDescription } from '../shared/symmetry/analyze.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { loadDataset } from '../electron/engine/train/dataset.ts';
import { OnnxPropertyPredictor } from '../electron/predictors/onnx-predictor.ts';
import { createSession } from '../electron/engine/runtime.ts';
import { defaultDataRoot, readPropertyValues, repositoryRoot } from '../electron/predictors/properties.ts';
import { joinValues, predictRows } from '../electron/predictors/train.ts';
import { readPredictorCard } from '../electron/predictors/files.ts';

const asJson = process.argv.includes('--json');
const log = (line: string) => {
  if (!asJson) console.log(line);
};
const root = repositoryRoot();
const data = defaultDataRoot();
const newDir = resolve(process.env.CFSTUDIO_BENCH_NEW ?? join(root, 'models/predictor-dielectric'));
const oldDir = resolve(process.env.CFSTUDIO_BENCH_OLD ?? join(root, 'runs/predictor-dielectric-1071'));
const dataset = join(root, 'runs/data/dielectric-all');
for (const needed of [newDir, oldDir, dataset, join(data, 'properties/dielectric_structures.csv.gz')]) {
  if (!existsSync(needed)) {
    console.log(`skipped: needs ${needed}`);
    process.exit(0);
  }
}
await initSymmetry();

async function csvRows(file: string, columns?: string[]): Promise<Record<string, string>[]> {
  const raw = createReadStream(file);
  const parser = (file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw).pipe(parse({ columns: true }));
  const out: Record<string, string>[] = [];
  for await (const row of parser as AsyncIterable<Record<string, string>>) out.push(columns ? Object.fromEntries(columns.map((c) => [c, row[c]!])) : row);
  return out;
}

const mp20Train = new Set((await csvRows(join(data, 'structures/mp_20_train.csv.gz'), ['material_id'])).map((r) => r.material_id!));
const train = await loadDataset(dataset, { split: 'train' });
const newTrainIds = new Set(train.ids);
const values = (await readPropertyValues([join(data, 'properties/dielectric_structures.csv.gz')], 'diel_total', [1, 2000])).values;
const heldOut = await loadDataset(dataset, { split: 'val' });
const joined = joinValues(heldOut, values);
const cleanRows: number[] = [];
const cleanTargets: number[] = [];
joined.rows.forEach((row, k) => {
  if (mp20Train.has(heldOut.ids[row]!)) return; // the earlier model trained on it
  cleanRows.push(row);
  cleanTargets.push(joined.targets[k]!);
});

async function predictHeldOut(dir: string): Promise<Float64Array> {
  const card = await readPredictorCard(dir);
  const session = await createSession(join(dir, card.files.onnx), { cache: false, log: () => {} });
  const out = await predictRows((feeds) => session.run(feeds), heldOut, cleanRows);
  await session.release();
  return out;
}

function errors(predicted: ArrayLike<number>, truth: ArrayLike<number>) {
  let abs = 0;
  let sq = 0;
  let logAbs = 0;
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    if (!Number.isFinite(p) || !(p > 0) || !(t > 0)) continue;
    abs += Math.abs(p - t);
    sq += (p - t) ** 2;
    logAbs += Math.abs(Math.log(p) - Math.log(t));
    n++;
  }
  return { n, mae: abs / n, rmse: Math.sqrt(sq / n), logMae: logAbs / n };
}

const heldOutResult = {
  crystals: cleanRows.length,
  excludedAsEarlierTraining: joined.rows.length - cleanRows.length,
  new: errors(await predictHeldOut(newDir), cleanTargets),
  old: errors(await predictHeldOut(oldDir), cleanTargets),
};
log(`held-out DFPT (${heldOutResult.crystals} crystals of the val split that neither model trained on; ${heldOutResult.excludedAsEarlierTraining} left out as MP-20 train), load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const [name, m] of [['all-data model', heldOutResult.new], ['earlier model', heldOutResult.old]] as const) {
  log(`  ${name}: MAE ${m.mae.toFixed(2)}, RMSE ${m.rmse.toFixed(2)}, MAE of ln ε ${m.logMae.toFixed(3)} (n ${m.n})`);
}

// ---- experiment
const experiment = await csvRows(join(data, 'properties/dielectric_experiment_petousis.csv'));
const wanted = new Set(experiment.map((r) => r.material_id!));
const structures = new Map<string, Structure>();
for (const file of ['properties/dielectric_structures.csv.gz', 'structures/mp_20_train.csv.gz', 'structures/mp_20_val.csv.gz', 'structures/mpts_52.csv.gz']) {
  for (const row of await csvRows(join(data, file))) {
    const id = row.material_id!;
    if (wanted.has(id) && !structures.has(id)) structures.set(id, readCifStructure(row.cif!, { fileName: id }).structure);
  }
}
const usable = experiment.filter((r) => structures.has(r.material_id!) && Number.isFinite(Number(r.diel_total_exp)));
const descriptions: (WyckoffDescription | undefined)[] = usable.map((r) => {
  try {
    return analyzeStructure(structures.get(r.material_id!)!).description;
  } catch {
    return undefined;
  }
});
const analysed = usable.filter((_, i) => descriptions[i] !== undefined);
const experimental = analysed.map((r) => Number(r.diel_total_exp));
// DFPT reference: the MP value, else Petousis's own DFPT number.
const dfpt = analysed.map((r) => (Number.isFinite(Number(r.diel_total_mp)) && r.diel_total_mp !== '' ? Number(r.diel_total_mp) : Number(r.diel_total_petousis)));
async function predictExperiment(dir: string): Promise<Float64Array> {
  const model = await OnnxPropertyPredictor.load(dir);
  const out = await model.predictDescriptions(descriptions.filter((d): d is WyckoffDescription => d !== undefined));
  await model.close();
  return out;
}
const newExp = await predictExperiment(newDir);
const oldExp = await predictExperiment(oldDir);
const subset = (keep: (id: string) => boolean) => {
  const idx = analysed.map((r, i) => (keep(r.material_id!) ? i : -1)).filter((i) => i >= 0);
  const pick = (a: ArrayLike<number>) => idx.map((i) => a[i]!);
  return { dfpt: errors(pick(dfpt), pick(experimental)), new: errors(pick(newExp), pick(experimental)), old: errors(pick(oldExp), pick(experimental)) };
};
const experimentResult = {
  rowsWithStructure: usable.length,
  analysed: analysed.length,
  all: subset(() => true),
  notInNewTraining: subset((id) => !newTrainIds.has(id)),
  notInOldTraining: subset((id) => !mp20Train.has(id)),
};
log(`experiment (Petousis 2017): ${experimentResult.analysed} of 139 crystals with a structure in the shared CSVs`);
for (const [label, s] of [['all', experimentResult.all], ['not in the all-data training split', experimentResult.notInNewTraining], ['not in the earlier training set', experimentResult.notInOldTraining]] as const) {
  log(`  ${label}: MAE of ln ε — DFPT ${s.dfpt.logMae.toFixed(3)} (n ${s.dfpt.n}), all-data model ${s.new.logMae.toFixed(3)} (n ${s.new.n}), earlier model ${s.old.logMae.toFixed(3)}; MAE in ε — DFPT ${s.dfpt.mae.toFixed(2)}, all-data ${s.new.mae.toFixed(2)}, earlier ${s.old.mae.toFixed(2)}`);
}
if (asJson) console.log(JSON.stringify({ load: loadavg(), newModel: newDir, oldModel: oldDir, heldOut: heldOutResult, experiment: experimentResult }, null, 2));
