/** A model folder with the tiny preset and random weights, for fine-tuning tests (space groups 225, 221, 62 in its card). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../shared/random.ts';
import { MODEL_PRESETS } from '../../../electron/engine/model/config.ts';
import { buildLogLikelihoodGraph } from '../../../electron/engine/model/graphs.ts';
import { MODEL_FORMAT, type ModelCard } from '../../../electron/engine/model/files.ts';
import { ParameterStore } from '../../../electron/engine/params.ts';

export const TINY_SPACE_GROUPS = [225, 221, 62];

export function writeTinyModel(dir: string, seed = 5): void {
  const config = { ...MODEL_PRESETS.tiny!, coordComponents: 4 };
  const params = new ParameterStore(new Rng(seed));
  for (const p of buildLogLikelihoodGraph(config).parameters) params.create(p.name, p.shape, p.init);
  const card: ModelCard = {
    format: MODEL_FORMAT,
    version: 1,
    name: 'tiny-test',
    description: 'random tiny model for tests',
    config,
    parameterCount: params.totalCount(),
    data: { train: '-', validation: '-', trainCrystals: 0, validationCrystals: 0, sources: [] },
    training: {},
    metrics: {},
    spaceGroupCounts: Array.from({ length: 230 }, (_, i) => (TINY_SPACE_GROUPS.includes(i + 1) ? 1 : 0)),
    files: { weights: 'model.safetensors' },
    createdAt: new Date().toISOString(),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card));
  writeFileSync(join(dir, 'model.safetensors'), params.toSafetensors());
}
