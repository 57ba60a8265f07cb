/**
 * Training a property predictor: property values joined by material id to prepared token datasets, L1 (MAE) loss
 * in the property's training space, AdamW with warm-up + cosine decay, all in one onnxruntime run per step
 * (engine/train-step.ts). The held-out set is only evaluated (for the log and the card), never trained on or
 * used to pick a checkpoint: the card's held-out numbers are honest estimates.
 */
import { mean, median, std } from '../../shared/stats.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Rng } from '../../shared/random.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { loadDataset, type TokenArrays } from '../engine/train/dataset.ts';
import { writeFileAtomic } from '../engine/checkpoint.ts';
import { schedules } from '../engine/optim/schedule.ts';
import { ParameterStore } from '../engine/params.ts';
import { createSession, float32Tensor, type ort } from '../engine/runtime.ts';
import { TrainingStep } from '../engine/train-step.ts';
import { batchFeeds, batchFromDataset } from './batch.ts';
import { PREDICTOR_FORMAT, type HeldOutMetrics, type PredictorCard, loadPredictor } from './files.ts';
import { calibrateUncertainty } from './uncertainty.ts';
import { PREDICTION_OUTPUT, PREDICTOR_OUTPUT_MEANING, buildPredictorInferenceGraph } from './graphs.ts';
import {
  DEFAULT_PREDICTOR_CONFIG,
  PREDICTOR_INPUT_MEANING,
  PredictorNetwork,
  declarePredictorInputs,
  validatePredictorConfig,
  type OutputSettings,
  type PredictorConfig,
} from './network.ts';
import { type PropertyName, PROPERTIES, defaultDataRoot, readPropertyValues, repositoryRoot } from './properties.ts';

export interface PredictorTrainingSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  warmupSteps: number;
  finalLearningRate: number;
  weightDecay: number;
  clipNorm: number;
  seed: number;
  /** Evaluate on the held-out set every this many epochs (and after the last). */
  evaluateEveryEpochs: number;
}

export const DEFAULT_PREDICTOR_TRAINING: PredictorTrainingSettings = {
  epochs: 60,
  batchSize: 128,
  learningRate: 2e-3,
  warmupSteps: 200,
  finalLearningRate: 2e-5,
  weightDecay: 0.05,
  clipNorm: 1,
  seed: 7,
  evaluateEveryEpochs: 5,
};

export interface PredictorTrainingOptions {
  property: PropertyName;
  /** Token dataset to train on (its 'train' split). */
  trainData: string;
  /** Token dataset held out (all its rows). */
  valData: string;
  /**
   * Which rows of `valData` are held out: 'all' (default; a dataset prepared with --val-fraction 1) or 'val' (its
   * validation split, when train and held-out come from one dataset split by material id hash).
   */
  valSplit?: 'all' | 'val';
  outDir: string;
  /** Where the default value files live (default: $CFSTUDIO_DATA or ../shared/data). */
  dataRoot?: string;
  /** Value files (CSV with material_id and the property's column) instead of the property's defaults. */
  valueFiles?: string[];
  config?: PredictorConfig;
  settings?: Partial<PredictorTrainingSettings>;
  /** Start from the weights of another predictor folder with the same network config (e.g. the band-gap model). */
  initFrom?: string;
  /** Free text for the card (e.g. how the settings were chosen). */
  note?: string;
  log?: (line: string) => void;
  onProgress?: (p: { step: number; totalSteps: number; epoch: number; loss: number; heldOutMae?: number }) => void;
  signal?: AbortSignal;
}

export interface PredictorTrainingResult {
  card: PredictorCard;
  outDir: string;
  status: 'finished' | 'stopped';
}

/** Rows of `data` that have a value, and those values. */
export function joinValues(data: TokenArrays, values: ReadonlyMap<string, number>): { rows: number[]; targets: Float64Array; missing: number } {
  const rows: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < data.count; i++) {
    const v = values.get(data.ids[i]!);
    if (v === undefined) continue;
    rows.push(i);
    targets.push(v);
  }
  return { rows, targets: Float64Array.from(targets), missing: data.count - rows.length };
}

function meanAbsoluteError(a: ArrayLike<number>, b: ArrayLike<number> | number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - (typeof b === 'number' ? b : b[i]!));
  return s / a.length;
}

/** Output normalisation and clamp from the training targets. */
export function outputSettingsFor(property: PropertyName, targets: Float64Array): OutputSettings {
  const transform = PROPERTIES[property].transform;
  const space = transform === 'log' ? targets.map(Math.log) : targets;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of targets) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return { transform, scale: Math.max(std(space), 1e-3), shift: mean(space), clamp: [transform === 'softplus' ? 0 : lo, hi] };
}

/** Held-out metrics of predictions `predicted` against `targets`, with the constant baselines from the training targets. */
export function heldOutMetrics(predicted: Float64Array, targets: Float64Array, trainTargets: Float64Array, logScale: boolean): HeldOutMetrics {
  let squares = 0;
  for (let i = 0; i < targets.length; i++) squares += (predicted[i]! - targets[i]!) ** 2;
  const metrics: HeldOutMetrics = {
    n: targets.length,
    mae: meanAbsoluteError(predicted, targets),
    rmse: Math.sqrt(squares / targets.length),
    targetStd: std(targets),
    meanBaselineMae: meanAbsoluteError(targets, mean(trainTargets)),
    medianBaselineMae: meanAbsoluteError(targets, median(trainTargets)),
  };
  if (logScale) {
    const logTargets = targets.map(Math.log);
    metrics.logMae = meanAbsoluteError(predicted.map(Math.log), logTargets);
    metrics.meanBaselineLogMae = meanAbsoluteError(logTargets, mean(trainTargets.map(Math.log)));
  }
  return metrics;
}

/** Runs an inference session (weights as inputs or initializers) over dataset rows in batches; clamped predictions. */
export async function predictRows(
  run: (feeds: Record<string, ort.Tensor>) => Promise<Record<string, ort.Tensor>>,
  data: TokenArrays,
  rows: readonly number[],
  batchSize = 256,
): Promise<Float64Array> {
  const out = new Float64Array(rows.length);
  // Sorted by number of sites so each batch pads little; results go back to their rows.
  const order = rows.map((_, i) => i).sort((a, b) => data.numSites[rows[a]!]! - data.numSites[rows[b]!]!);
  for (let start = 0; start < order.length; start += batchSize) {
    const chunk = order.slice(start, start + batchSize);
    const result = await run(batchFeeds(batchFromDataset(data, chunk.map((i) => rows[i]!))));
    const values = result[PREDICTION_OUTPUT]!.data as Float32Array;
    chunk.forEach((i, k) => (out[i] = values[k]!));
  }
  return out;
}

/** Batches of one epoch: a seeded shuffle, then sorted by size within windows so padding stays small. */
function epochOrder(data: TokenArrays, count: number, batchSize: number, rng: Rng): number[][] {
  const order = Array.from({ length: count }, (_, i) => i);
  rng.shuffle(order);
  const batches: number[][] = [];
  const span = 16 * batchSize;
  for (let start = 0; start + batchSize <= count; start += span) {
    const window = order.slice(start, Math.min(start + span, count - (count % batchSize)));
    window.sort((a, b) => data.numSites[a]! - data.numSites[b]!);
    const local: number[][] = [];
    for (let i = 0; i + batchSize <= window.length; i += batchSize) local.push(window.slice(i, i + batchSize));
    rng.shuffle(local);
    batches.push(...local);
  }
  return batches;
}

export async function trainPredictor(options: PredictorTrainingOptions): Promise<PredictorTrainingResult> {
  const log = options.log ?? (() => {});
  const property = PROPERTIES[options.property];
  const settings: PredictorTrainingSettings = { ...DEFAULT_PREDICTOR_TRAINING, ...options.settings };
  const config = validatePredictorConfig(options.config ?? DEFAULT_PREDICTOR_CONFIG);
  const startedAt = performance.now();

  await initSymmetry(); // the network's Wyckoff tables come from shared/symmetry
  const dataRoot = options.dataRoot ?? defaultDataRoot();
  const valueFiles = options.valueFiles ?? property.sources.map((f) => join(dataRoot, f));
  const { values, outOfRange } = await readPropertyValues(valueFiles, property.column, property.validRange);
  const train = await loadDataset(options.trainData, { split: 'train' });
  const heldOut = await loadDataset(options.valData, { split: options.valSplit ?? 'all' });
  const trainIds = new Set(train.ids);
  const overlap = heldOut.ids.filter((id) => trainIds.has(id)).length;
  if (overlap > 0) throw new Error(`${options.valData}: ${overlap} held-out material ids are also in ${options.trainData}; the held-out set must be disjoint`);
  const trainJoin = joinValues(train, values);
  const heldOutJoin = joinValues(heldOut, values);
  if (trainJoin.rows.length < settings.batchSize) {
    throw new Error(`${options.trainData}: only ${trainJoin.rows.length} crystals have a ${property.column} value in ${valueFiles.join(', ')} (need at least one batch of ${settings.batchSize})`);
  }
  if (heldOutJoin.rows.length === 0) throw new Error(`${options.valData}: no held-out crystal has a ${property.column} value in ${valueFiles.join(', ')}`);
  log(`${property.name}: ${trainJoin.rows.length} training crystals with a value (${trainJoin.missing} without), ${heldOutJoin.rows.length} held-out (${heldOutJoin.missing} without); ${outOfRange} values outside [${property.validRange.join(', ')}] dropped`);

  const output = outputSettingsFor(options.property, trainJoin.targets);
  const trainingTargets = property.transform === 'log' ? trainJoin.targets.map(Math.log) : trainJoin.targets;

  // Parameters: fresh (seeded) or copied from another predictor with the same network.
  const initial = new ParameterStore(new Rng(`predictor:${settings.seed}`));
  const warmStart = options.initFrom ? await loadPredictor(options.initFrom) : undefined;
  const architecture = (c: PredictorConfig) => (Object.keys(c) as (keyof PredictorConfig)[]).filter((k) => k !== 'dropout').map((k) => `${k}=${c[k]}`).sort().join(',');
  if (warmStart && architecture(warmStart.card.config) !== architecture(config)) {
    throw new Error(`${options.initFrom}: its network config ${JSON.stringify(warmStart.card.config)} differs from ${JSON.stringify(config)}`);
  }
  const step = await TrainingStep.create({
    build(graph) {
      const net = new PredictorNetwork(graph, config);
      const z = net.trainingOutput(declarePredictorInputs(graph), output);
      for (const spec of net.specs) initial.create(spec.name, spec.shape, spec.init);
      const target = graph.input('target', 'float32', ['batch']);
      const loss = PredictorNetwork.trainingPrediction(z, output.transform).sub(target).abs().mean();
      return { loss };
    },
    parameters: (params) => {
      if (warmStart) for (const p of params) initial.set(p.name, Float32Array.from(warmStart.params.get(p.name)));
      return initial;
    },
    optimizer: { clipNorm: settings.clipNorm, weightDecay: settings.weightDecay },
    seed: settings.seed,
    session: { log: () => {} },
  });
  const parameterCount = step.parameterShapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);

  // Held-out evaluation: the inference graph with the weights as inputs, fed the live weights.
  const evaluation = buildPredictorInferenceGraph(config, output, 'inputs');
  const evalSession = await createSession(evaluation.bytes, { cache: false, log: () => {} });
  const evaluate = async (data: TokenArrays, rows: readonly number[]) => {
    const weights = step.parameters();
    const weightFeeds = Object.fromEntries(evaluation.parameterNames.map((name) => [name, float32Tensor(weights.get(name)!, step.parameterShapes[step.parameterNames.indexOf(name)]!)]));
    return predictRows((feeds) => evalSession.run({ ...feeds, ...weightFeeds }), data, rows);
  };

  const stepsPerEpoch = Math.floor(trainJoin.rows.length / settings.batchSize);
  const totalSteps = stepsPerEpoch * settings.epochs;
  const schedule = schedules.warmupCosine({
    peak: settings.learningRate,
    warmupSteps: Math.max(1, Math.min(settings.warmupSteps, totalSteps)),
    totalSteps: Math.max(1, totalSteps),
    final: settings.finalLearningRate,
  });
  log(`network: ${parameterCount.toLocaleString('en-US')} parameters; ${stepsPerEpoch} steps/epoch × ${settings.epochs} epochs, batch ${settings.batchSize}`);
  const rng = new Rng(`predictor-data:${settings.seed}`);
  const subset: TokenArrays = { ...train, count: trainJoin.rows.length, numSites: Int32Array.from(trainJoin.rows, (r) => train.numSites[r]!) };
  let heldOutMae: number | undefined;
  let status: PredictorTrainingResult['status'] = 'finished';
  let epochsDone = 0;
  let lastLoss = NaN;
  outer: for (let epoch = 0; epoch < settings.epochs; epoch++) {
    let lossSum = 0;
    const batches = epochOrder(subset, subset.count, settings.batchSize, rng);
    for (const batch of batches) {
      if (options.signal?.aborted) {
        status = 'stopped';
        break outer;
      }
      const rows = batch.map((i) => trainJoin.rows[i]!);
      const feeds = batchFeeds(batchFromDataset(train, rows));
      feeds.target = float32Tensor(Float32Array.from(batch, (i) => trainingTargets[i]!), [batch.length]);
      const result = await step.run(feeds, schedule(step.stepCount));
      if (!Number.isFinite(result.loss)) throw new Error(`${property.name}: training diverged at step ${step.stepCount}: loss ${result.loss}`);
      lastLoss = result.loss;
      lossSum += result.loss;
      options.onProgress?.({ step: step.stepCount, totalSteps, epoch, loss: result.loss, ...(heldOutMae !== undefined ? { heldOutMae } : {}) });
    }
    epochsDone = epoch + 1;
    if (epochsDone % settings.evaluateEveryEpochs === 0 || epochsDone === settings.epochs) {
      heldOutMae = meanAbsoluteError(await evaluate(heldOut, heldOutJoin.rows), heldOutJoin.targets);
      log(`epoch ${epochsDone}: train loss ${(lossSum / batches.length).toFixed(4)}, held-out MAE ${heldOutMae.toFixed(4)} ${property.unit}`);
    }
  }

  const heldOutPredictions = await evaluate(heldOut, heldOutJoin.rows);
  const trainPredictions = await evaluate(train, trainJoin.rows);
  const metrics = heldOutMetrics(heldOutPredictions, heldOutJoin.targets, trainJoin.targets, property.transform === 'log');
  const weights = new Map([...step.parameters()].map(([name, v]) => [name, Float32Array.from(v)]));
  await evalSession.release();
  await step.release();

  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const params = new ParameterStore();
  step.parameterNames.forEach((name, i) => params.set(name, weights.get(name)!, step.parameterShapes[i]!));
  const onnx = buildPredictorInferenceGraph(config, output, { parameterValues: weights });
  await writeFileAtomic(join(outDir, 'model.safetensors'), params.toSafetensors({ property: property.name, steps: String(step.stepCount) }));
  await writeFileAtomic(join(outDir, 'model.onnx'), onnx.bytes);
  const card: PredictorCard = {
    format: PREDICTOR_FORMAT,
    version: 1,
    name: `predictor-${property.name}`,
    property: property.name,
    unit: property.unit,
    description: `${property.description}, predicted from the CrystalFormer token description (space group, Wyckoff sites, lattice) by a small set network over Wyckoff sites trained from scratch with CrystalFormer Studio's engine.`,
    config,
    output,
    parameterCount,
    clamp: {
      min: output.clamp[0],
      max: output.clamp[1],
      note: 'Predictions are clipped to the range of the training targets (inside model.onnx too). A reward-maximising generator looks for inputs that fool the model; a bounded output caps how far such an input can move the reward. Values at a bound mean "at least/at most this", not a measurement.',
    },
    data: {
      train: options.trainData,
      heldOut: options.valSplit === 'val' ? `${options.valData} (its val split)` : options.valData,
      trainCrystals: trainJoin.rows.length,
      heldOutCrystals: heldOutJoin.rows.length,
      withoutValue: { train: trainJoin.missing, heldOut: heldOutJoin.missing },
      droppedOutOfRange: outOfRange,
      // Relative to the repository, so the card reads the same on every machine (../shared/data/…).
      valueFiles: valueFiles.map((f) => relative(repositoryRoot(), resolve(f))),
      sources: property.citations,
    },
    training: {
      loss: property.transform === 'log' ? `L1 on ln(${property.column})` : `L1 (MAE) on ${property.column}${property.transform === 'softplus' ? ' with a softplus output (≥ 0)' : ''}`,
      optimizer: `AdamW (weight decay ${settings.weightDecay} on matrices and embeddings), global-norm clipping ${settings.clipNorm}, lr ${settings.learningRate} peak after ${settings.warmupSteps} warm-up steps, cosine decay to ${settings.finalLearningRate}`,
      epochs: epochsDone,
      plannedEpochs: settings.epochs,
      batchSize: settings.batchSize,
      steps: step.stepCount,
      seed: settings.seed,
      dropout: config.dropout,
      initialisedFrom: options.initFrom ?? null,
      status,
      modelSelection: 'none: the weights after the last step are shipped; the held-out set is never used for training or checkpoint selection',
      ...(options.note ? { note: options.note } : {}),
      wallTimeSeconds: Math.round((performance.now() - startedAt) / 1000),
      hardware: '2-core x86-64 CPU, onnxruntime-node CPU provider',
      finalTrainLoss: lastLoss,
    },
    metrics: { heldOut: metrics, train: { mae: meanAbsoluteError(trainPredictions, trainJoin.targets), n: trainJoin.rows.length } },
    uncertainty: calibrateUncertainty(heldOutPredictions, heldOutJoin.targets, {
      space: property.transform === 'log' ? 'log' : 'linear',
      heldOut: `${heldOutJoin.rows.length} held-out crystals of ${options.valSplit === 'val' ? `${options.valData} (its val split)` : options.valData}, predicted by these weights`,
    }),
    files: { weights: 'model.safetensors', onnx: 'model.onnx' },
    onnx: {
      inputs: onnx.signature.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: [...i.shape], meaning: PREDICTOR_INPUT_MEANING[i.name] ?? '' })),
      outputs: onnx.signature.outputs.map((o) => ({ name: o.name, meaning: PREDICTOR_OUTPUT_MEANING[o.name] ?? '' })),
    },
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(outDir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
  log(
    `${property.name}: held-out MAE ${metrics.mae.toFixed(4)} ${property.unit} (RMSE ${metrics.rmse.toFixed(4)}; target std ${metrics.targetStd.toFixed(4)}; mean-baseline MAE ${metrics.meanBaselineMae.toFixed(4)}) on ${metrics.n} crystals; wrote ${outDir}`,
  );
  return { card, outDir, status };
}
