/** A model folder with the tiny preset and random weights, for fine-tuning tests (space groups 225, 221, 62 in its card). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../shared/random.ts';
import { ATOM_CLASSES, MODEL_PRESETS } from '../../../electron/engine/model/config.ts';
import { buildLogLikelihoodGraph } from '../../../electron/engine/model/graphs.ts';
import { MODEL_FORMAT, type ModelCard } from '../../../electron/engine/model/files.ts';
import { ParameterStore } from '../../../electron/engine/params.ts';

export const TINY_SPACE_GROUPS = [225, 221, 62];

export function writeTinyModel(dir: string, seed = 5): void {
  const config = { ...MODEL_PRESETS.tiny!, coordComponents: 4 };
  const params = new ParameterStore(new Rng(seed));
  for (const p of buildLogLikelihoodGraph(config).parameters) params.create(p.name, p.shape, p.init);
  // Centre the lattice head on ordinary cells (normalised lengths 2.5 Å, angles 90°): with means near 0, lengths
  // drawn on their support (> 0) would give cells a fraction of an ångström wide and no structurally valid crystal.
  const bias = Float32Array.from(params.get('output.bias'));
  const kl = config.latticeComponents;
  for (let c = 0; c < kl; c++) for (let j = 0; j < 6; j++) bias[ATOM_CLASSES + kl + c * 6 + j] = j < 3 ? 2.5 : Math.PI / 2;
  params.set('output.bias', bias);
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
