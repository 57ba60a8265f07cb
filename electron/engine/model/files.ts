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
import { Graph } from '../graph/index.ts';
import { CrystalFormerNetwork } from './network.ts';

/** A model folder that cannot be used (card, configuration or weights): a mistake in the input, not a bug. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

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
    throw new ModelFileError(`${cardPath}: cannot read the model card: ${(error as Error).message}`);
  }
  if (card?.format !== MODEL_FORMAT) throw new ModelFileError(`${cardPath}: not a ${MODEL_FORMAT} card`);
  if (typeof card.files?.weights !== 'string') throw new ModelFileError(`${cardPath}: files.weights is missing`);
  let config: ModelConfig;
  try {
    config = validateConfig(card.config);
  } catch (error) {
    throw new ModelFileError(`${cardPath}: ${(error as Error).message}`);
  }
  const weightsPath = join(dir, card.files.weights);
  let params: ParameterStore;
  try {
    params = ParameterStore.fromSafetensors(await readFile(weightsPath), weightsPath);
  } catch (error) {
    throw new ModelFileError(`${weightsPath}: cannot read the weights: ${(error as Error).message.split('\n')[0]}`);
  }
  checkWeights(config, params, weightsPath);
  return { dir, card, config, params };
}

/**
 * The weights fit the configuration (every parameter the network declares is present with its shape, none is
 * left over) and are finite. Without this a mismatched or corrupted model fails deep inside graph building or
 * samples garbage from NaN logits.
 */
export function checkWeights(config: ModelConfig, params: ParameterStore, weightsPath: string): void {
  const specs = new CrystalFormerNetwork(new Graph({ training: false }), config).params.specs;
  const problems: string[] = [];
  const expected = new Set(specs.map((spec) => spec.name));
  for (const spec of specs) {
    if (!params.has(spec.name)) {
      problems.push(`'${spec.name}' is missing`);
      continue;
    }
    const shape = params.shape(spec.name);
    if (shape.length !== spec.shape.length || shape.some((n, i) => n !== spec.shape[i])) problems.push(`'${spec.name}' has shape [${shape.join(', ')}], the configuration needs [${spec.shape.join(', ')}]`);
  }
  for (const name of params.names()) if (!expected.has(name)) problems.push(`'${name}' is not a parameter of this configuration`);
  if (problems.length) {
    throw new ModelFileError(`${weightsPath}: the weights do not match the model card's configuration: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`);
  }
  for (const name of params.names()) {
    const values = params.get(name);
    let bad = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) bad++;
    if (bad > 0) throw new ModelFileError(`${weightsPath}: parameter '${name}' has ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or infinity) of ${values.length}`);
  }
}
