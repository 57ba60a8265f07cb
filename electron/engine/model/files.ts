/**
 * Shipped models on disk: a folder with
 *   model.json          the model card (config, data, training, metrics, space-group distribution of the data)
 *   model.safetensors   the weights (names as in network.ts)
 *   model.onnx          a standalone log-likelihood graph with the weights as initializers, for Python users
 * `loadModel('default')` finds `models/default` in this repository; a path to any such folder works too.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParameterStore } from '../params.ts';
import { type ModelConfig, validateConfig } from './config.ts';

export const MODEL_FORMAT = 'cfstudio-model';

export interface ModelCard {
  format: typeof MODEL_FORMAT;
  version: 1;
  name: string;
  description: string;
  config: ModelConfig;
  parameterCount: number;
  data: { train: string; validation: string; trainCrystals: number; validationCrystals: number; sources: string[] };
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  /** Number of training crystals per space group (index g − 1): the default space-group distribution for sampling. */
  spaceGroupCounts: number[];
  files: { weights: string; onnx?: string };
  onnx?: { inputs: { name: string; dtype: string; shape: (number | string)[]; meaning: string }[]; outputs: { name: string; meaning: string }[] };
  createdAt: string;
}

export interface LoadedModel {
  dir: string;
  card: ModelCard;
  config: ModelConfig;
  params: ParameterStore;
}

/** The repository's models/ folder. */
export function modelsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../models');
}

export function resolveModelDir(nameOrPath: string): string {
  if (existsSync(join(nameOrPath, 'model.json'))) return resolve(nameOrPath);
  const shipped = join(modelsDir(), nameOrPath);
  if (existsSync(join(shipped, 'model.json'))) return shipped;
  throw new Error(`no model '${nameOrPath}': neither a folder with model.json nor a model in ${modelsDir()}`);
}

export async function loadModel(nameOrPath = 'default'): Promise<LoadedModel> {
  const dir = resolveModelDir(nameOrPath);
  const cardPath = join(dir, 'model.json');
  let card: ModelCard;
  try {
    card = JSON.parse(await readFile(cardPath, 'utf8')) as ModelCard;
  } catch (error) {
    throw new Error(`${cardPath}: cannot read the model card: ${(error as Error).message}`);
  }
  if (card.format !== MODEL_FORMAT) throw new Error(`${cardPath}: not a ${MODEL_FORMAT} card`);
  const config = validateConfig(card.config);
  const weightsPath = join(dir, card.files.weights);
  const params = ParameterStore.fromSafetensors(await readFile(weightsPath), weightsPath);
  return { dir, card, config, params };
}
