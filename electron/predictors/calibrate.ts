/**
 * `cfstudio predictor calibrate --property NAME --val DIR`: gives an existing predictor folder (its model.onnx) a
 * calibrated spread from held-out residuals (./uncertainty.ts) and writes it into the card's `uncertainty`, for
 * cards trained before calibration existed. `trainPredictor` calibrates new models itself on their held-out set.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { loadDataset } from '../engine/train/dataset.ts';
import { createSession } from '../engine/runtime.ts';
import { readPredictorCard } from './files.ts';
import { PROPERTIES, type PropertyName, defaultDataRoot, readPropertyValues, repositoryRoot } from './properties.ts';
import { joinValues, predictRows } from './train.ts';
import { type UncertaintyCalibration, calibrateUncertainty } from './uncertainty.ts';

export interface CalibrateOptions {
  property: PropertyName;
  /** Predictor folder (model.json + model.onnx). */
  modelDir: string;
  /** Held-out token dataset; must not hold the model's training crystals. */
  valData: string;
  valSplit?: 'all' | 'val';
  valueFiles?: string[];
  dataRoot?: string;
}

export async function calibrateShippedPredictor(options: CalibrateOptions): Promise<UncertaintyCalibration> {
  await initSymmetry();
  const card = await readPredictorCard(options.modelDir);
  if (card.property !== options.property) throw new Error(`${join(options.modelDir, 'model.json')}: the card predicts ${card.property}, not ${options.property}`);
  const property = PROPERTIES[options.property];
  const valueFiles = options.valueFiles ?? property.sources.map((f) => join(options.dataRoot ?? defaultDataRoot(), f));
  const { values } = await readPropertyValues(valueFiles, property.column, property.validRange);
  const heldOut = await loadDataset(options.valData, { split: options.valSplit ?? 'all' });
  const joined = joinValues(heldOut, values);
  if (joined.rows.length === 0) throw new Error(`${options.valData}: no crystal has a ${property.column} value in ${valueFiles.join(', ')}`);
  const session = await createSession(join(options.modelDir, card.files.onnx), { cache: false, log: () => {} });
  const predicted = await predictRows((feeds) => session.run(feeds), heldOut, joined.rows);
  await session.release();
  const where = `${relative(repositoryRoot(), resolve(options.valData))}${options.valSplit === 'val' ? ' (its val split)' : ''}`;
  const calibration = calibrateUncertainty(predicted, joined.targets, {
    space: property.transform === 'log' ? 'log' : 'linear',
    heldOut: `${joined.rows.length} held-out crystals of ${where}, predicted by the shipped weights`,
  });
  const path = join(options.modelDir, 'model.json');
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  raw.uncertainty = calibration;
  await writeFile(path, JSON.stringify(raw, null, 2) + '\n');
  return calibration;
}
