/**
 * Turn a training run into a shipped model folder (see model/files.ts): the best-validation weights, a model card
 * with the numbers a user needs to judge the model, and a standalone ONNX log-likelihood graph.
 */
import { availableParallelism } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors } from '../safetensors.ts';
import { ParameterStore } from '../params.ts';
import { writeFileAtomic } from '../checkpoint.ts';
import { loadDataset } from './dataset.ts';
import { buildLogLikelihoodGraph } from '../model/graphs.ts';
import { MODEL_FORMAT, type ModelCard } from '../model/files.ts';
import type { TrainingConfig } from './pretrain.ts';
import type { ModelConfig } from '../model/config.ts';

interface MetricLine {
  kind: 'train' | 'val';
  step: number;
  epoch: number;
  elapsedSeconds: number;
  loss?: number;
  nll?: Record<string, number>;
  best?: boolean;
}

export async function exportTrainedModel(runDir: string, outDir: string, options: { name: string; description?: string }): Promise<ModelCard> {
  const run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as { config: TrainingConfig; trainData: string; valData: string | null; initModel?: string; providers?: Record<string, string> };
  const best = await readSafetensors(join(runDir, 'best.safetensors'));
  const params = ParameterStore.fromSafetensors(best, join(runDir, 'best.safetensors'));
  const metrics = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MetricLine);
  const validations = metrics.filter((m) => m.kind === 'val');
  const bestValidation = validations.filter((m) => m.best).at(-1);
  const lastTrain = metrics.filter((m) => m.kind === 'train').at(-1);
  const last = metrics.at(-1);
  const train = await loadDataset(run.trainData, { split: run.valData ? 'all' : 'train' });
  const val = run.valData ? await loadDataset(run.valData, { split: 'all' }) : await loadDataset(run.trainData, { split: 'val' });
  const counts = new Array<number>(230).fill(0);
  for (const g of train.spaceGroup) counts[g - 1]!++;

  const files = await writeModelFiles(outDir, run.config.model, params, { model: options.name, step: String(bestValidation?.step ?? '') });
  const stepsPerEpoch = Math.floor(train.count / run.config.batchSize);
  const card: ModelCard = {
    format: MODEL_FORMAT,
    version: 1,
    name: options.name,
    description:
      options.description ??
      (run.initModel
        ? `CrystalFormer-style autoregressive transformer fine-tuned from ${run.initModel} on ${run.trainData} with CrystalFormer Studio.`
        : undefined) ??
      'CrystalFormer-style autoregressive transformer over space group + Wyckoff sites (W, A, x, y, z) + lattice, trained from scratch on MP-20 on a 2-core CPU with CrystalFormer Studio.',
    config: run.config.model,
    parameterCount: params.totalCount(),
    data: {
      train: run.trainData,
      validation: run.valData ?? `${run.trainData} (val split)`,
      trainCrystals: train.count,
      validationCrystals: val.count,
      sources: [
        'MP-20 train/val splits (the CDVAE split: txie-93/cdvae, MIT; structures from the Materials Project, CC-BY-4.0), via ../shared/data/structures',
      ],
    },
    training: {
      optimizer: `Adam, global-norm clipping ${run.config.clipNorm}, lr ${run.config.learningRate} peak with ${run.config.warmupSteps} warm-up steps then cosine decay to ${run.config.finalLearningRate} over ${run.config.epochs} planned epochs`,
      batchSize: run.config.batchSize,
      seed: run.config.seed,
      plannedEpochs: run.config.epochs,
      stepsPerEpoch,
      stepsDone: last?.step ?? 0,
      epochsDone: (last?.step ?? 0) / stepsPerEpoch,
      bestStep: bestValidation?.step ?? null,
      wallTimeSeconds: last?.elapsedSeconds ?? null,
      hardware: `${availableParallelism()}-core ${process.arch} machine, onnxruntime-node ${describeProviders(run.providers)}`,
      ...(run.providers ? { providers: run.providers } : {}),
    },
    metrics: {
      note: 'Negative log-likelihood per crystal (nats; coordinates as densities of θ = 2π(x − 0.5), lattice over lengths/N^(1/3) in Å and angles in radians), mean over crystals.',
      validationAtBest: bestValidation?.nll ?? null,
      trainAtEnd: lastTrain ? { loss: lastTrain.loss, ...lastTrain.nll } : null,
    },
    spaceGroupCounts: counts,
    ...files,
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(outDir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
  return card;
}

/**
 * Write a model folder's weights (model.safetensors) and standalone log-likelihood graph with those weights inside
 * (model.onnx), and return the card's `files` and `onnx` (the graph's inputs and outputs, described) fields.
 */
export async function writeModelFiles(outDir: string, config: ModelConfig, params: ParameterStore, metadata: Record<string, string>): Promise<Pick<ModelCard, 'files' | 'onnx'>> {
  await mkdir(outDir, { recursive: true });
  const onnx = buildLogLikelihoodGraph(config, { parameterValues: new Map(params.names().map((n) => [n, params.get(n)])) });
  await writeFileAtomic(join(outDir, 'model.safetensors'), params.toSafetensors(metadata));
  await writeFileAtomic(join(outDir, 'model.onnx'), onnx.bytes);
  return {
    files: { weights: 'model.safetensors', onnx: 'model.onnx' },
    onnx: {
      inputs: onnx.signature.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: [...i.shape], meaning: ONNX_INPUT_MEANING[i.name] ?? '' })),
      outputs: onnx.signature.outputs.map((o) => ({ name: o.name, meaning: 'log-likelihood per crystal [batch] (total or one token type)' })),
    },
  };
}

/** What each input of the standalone log-likelihood graph means (B = batch, S = slots used = sites + 1). */
const ONNX_INPUT_MEANING: Record<string, string> = {
  space_group: 'space group number − 1 (0…229)',
  wyckoff: 'Wyckoff letter index per slot (0 = padding, 1 = a, …, 27 = A)',
  atoms: 'atomic number per slot (0 = padding)',
  coords: 'fractional coordinates of each orbit representative, wrapped to [0, 1)',
  multiplicity: 'multiplicity of the Wyckoff position of each slot (0 for padding)',
  positions: 'token positions 0 … 5S−1',
  causal_mask: '5S × 5S additive mask: 0 on and below the diagonal, −1e10 above',
  first_wyckoff_mask: 'additive mask (0 / −1e10) over the 28 letters for slot 0',
  first_wyckoff_target: 'one-hot of the letter of slot 0',
  next_wyckoff_mask: 'per slot s: additive mask over letters for slot s+1 (non-decreasing letters, fixed sites once, stop is final)',
  next_wyckoff_target: 'per slot s: one-hot of the letter of slot s+1',
  atom_mask: 'per slot: additive mask over 119 elements (padding slot: only 0; real site: not 0)',
  atom_target: 'per slot: one-hot of the element',
  coord_weight: 'per slot and axis: 1 where the coordinate is free in its Wyckoff position and the slot is a real site',
  lattice_row: 'one-hot over slots marking the first padding slot (its W row predicts the lattice)',
  lattice: 'a, b, c divided by (atoms in the conventional cell)^(1/3) in Å, and α, β, γ in radians',
  lattice_weight: '1 for lattice parameters free in the crystal system of the space group',
};

/** 'CPU provider' or 'providers: training on webgpu, …' from a run.json's `providers` (runs before it existed: CPU). */
function describeProviders(providers: Record<string, string> | undefined): string {
  const entries = Object.entries(providers ?? {});
  if (entries.length === 0 || entries.every(([, provider]) => provider === 'cpu')) return 'CPU provider';
  return `providers: ${entries.map(([workload, provider]) => `${workload} on ${provider}`).join(', ')}`;
}
