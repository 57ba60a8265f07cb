/**
 * A predictor model on disk, in the pattern of engine/model/files.ts:
 *   model.json          the card: property, unit, network config, output transform and clamp range, data sources
 *                       with licences, training settings, held-out metrics next to the spread and the mean baseline
 *   model.safetensors   the weights (names as in network.ts)
 *   model.onnx          standalone inference graph (token arrays in, clamped property out; weights as initializers)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParameterStore } from '../engine/params.ts';
import { type OutputSettings, type PredictorConfig, validatePredictorConfig } from './network.ts';
import { type PropertyName, isPropertyName } from './properties.ts';
import { type UncertaintyCalibration, validateCalibration } from './uncertainty.ts';

export const PREDICTOR_FORMAT = 'cfstudio-predictor';

export interface HeldOutMetrics {
  /** Crystals with a value in the held-out set. */
  n: number;
  /** Mean absolute error of the model, in the property's unit. */
  mae: number;
  rmse: number;
  /** Standard deviation of the held-out targets. */
  targetStd: number;
  /** MAE of always predicting the training-set mean. */
  meanBaselineMae: number;
  /** MAE of always predicting the training-set median (the best constant under MAE). */
  medianBaselineMae: number;
  /** For log-trained properties: MAE of ln(value). */
  logMae?: number;
  meanBaselineLogMae?: number;
}

export interface PredictorCard {
  format: typeof PREDICTOR_FORMAT;
  version: 1;
  name: string;
  property: PropertyName;
  unit: string;
  description: string;
  config: PredictorConfig;
  output: OutputSettings;
  parameterCount: number;
  /** Why predictions are clipped, and to what. */
  clamp: { min: number; max: number; note: string };
  data: {
    train: string;
    heldOut: string;
    trainCrystals: number;
    heldOutCrystals: number;
    /** Crystals of the token datasets without a value for the property (not used). */
    withoutValue: { train: number; heldOut: number };
    /** Values outside the accepted range, dropped before the join. */
    droppedOutOfRange: number;
    valueFiles: string[];
    sources: string[];
  };
  training: Record<string, unknown>;
  metrics: { heldOut: HeldOutMetrics; train: { mae: number; n: number } };
  /** Calibrated spread from held-out residuals (./uncertainty.ts); absent in cards written before it existed. */
  uncertainty?: UncertaintyCalibration;
  files: { weights: string; onnx: string };
  /** What the model was trained on (scripts/predictor_domains.py); a crystal outside it is extrapolation. */
  domain?: { elements: string[]; note?: string };
  onnx: { inputs: { name: string; dtype: string; shape: (number | string)[]; meaning: string }[]; outputs: { name: string; meaning: string }[] };
  createdAt: string;
}

export interface LoadedPredictor {
  dir: string;
  card: PredictorCard;
  params: ParameterStore;
}

export async function readPredictorCard(dir: string): Promise<PredictorCard> {
  const path = join(dir, 'model.json');
  let card: PredictorCard;
  try {
    card = JSON.parse(await readFile(path, 'utf8')) as PredictorCard;
  } catch (error) {
    throw new Error(`${path}: cannot read the predictor card: ${(error as Error).message}`);
  }
  if (card.format !== PREDICTOR_FORMAT) throw new Error(`${path}: not a ${PREDICTOR_FORMAT} card (format '${String(card.format)}')`);
  if (!isPropertyName(card.property)) throw new Error(`${path}: unknown property '${String(card.property)}'`);
  try {
    validatePredictorConfig(card.config);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const clamp = card.output?.clamp;
  if (!Array.isArray(clamp) || clamp.length !== 2 || !(clamp[0] <= clamp[1])) throw new Error(`${path}: output.clamp must be [min, max]`);
  if (card.uncertainty !== undefined) validateCalibration(card.uncertainty, path);
  return card;
}

export async function loadPredictor(dir: string): Promise<LoadedPredictor> {
  const card = await readPredictorCard(dir);
  const weights = join(dir, card.files.weights);
  const params = ParameterStore.fromSafetensors(await readFile(weights), weights);
  return { dir, card, params };
}
