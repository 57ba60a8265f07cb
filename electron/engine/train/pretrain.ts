/**
 * Pretraining: maximum likelihood on a token dataset with Adam (global-norm clipping, warm-up then cosine decay),
 * periodic validation NLL, atomic checkpoints, metrics as JSON lines, exact resume, and a clean stop on request.
 *
 * Run directory (run-folder.ts, as for fine-tuning):
 *   run.json              what was asked (model config, training config, data) — fixed at the first start
 *   metrics.jsonl         one JSON object per line: {"kind":"train",…} every few steps, {"kind":"val",…} per validation
 *   checkpoints/          checkpoint-XXXXXXXX.safetensors: weights + Adam state + RNG + progress (the last few kept)
 *   best.safetensors      the weights with the best validation NLL so far
 */
import { join } from 'node:path';
import { wyckoffTables } from '../../../shared/tokens/index.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadDataset } from './dataset.ts';
import { type JsonValue, writeFileAtomic } from '../checkpoint.ts';
import { RunFolder } from '../run-folder.ts';
import { ParameterStore } from '../params.ts';
import { schedules } from '../optim/schedule.ts';
import { TrainingStep } from '../train-step.ts';
import { type ModelConfig, validateConfig } from '../model/config.ts';
import { makeBatch, type TokenArrays } from '../model/batch.ts';
import { CrystalFormerNetwork, declareLikelihoodInputs, declareNetworkInputs } from '../model/network.ts';
import { epochBatches } from './batching.ts';
import { LikelihoodEvaluator, type NllSummary, summarize, toOrtFeeds } from './evaluate-nll.ts';

export interface TrainingConfig {
  model: ModelConfig;
  batchSize: number;
  epochs: number;
  /** Peak learning rate after warm-up. */
  learningRate: number;
  warmupSteps: number;
  /** Learning rate reached at the end of the cosine decay. */
  finalLearningRate: number;
  weightDecay: number;
  clipNorm: number;
  seed: number;
  /** Validate every this many updates (and at the end of every epoch). */
  validateEverySteps: number;
  checkpointEveryMinutes: number;
  keepCheckpoints: number;
}

export const DEFAULT_TRAINING: Omit<TrainingConfig, 'model'> = {
  batchSize: 100,
  epochs: 60,
  learningRate: 1e-3,
  warmupSteps: 500,
  finalLearningRate: 2e-5,
  weightDecay: 0,
  clipNorm: 1,
  seed: 42,
  validateEverySteps: 1000,
  checkpointEveryMinutes: 5,
  keepCheckpoints: 3,
};

/**
 * Defaults when training continues from a trained model on a scientist's own (small) set of structures: a tenth of
 * the pretraining rate so the model is adjusted rather than overwritten, batches that a few hundred crystals fill,
 * a short warm-up and fewer epochs.
 */
export const DEFAULT_FINE_TUNING: Pick<TrainingConfig, 'learningRate' | 'batchSize' | 'warmupSteps' | 'epochs' | 'validateEverySteps'> = {
  learningRate: 1e-4,
  batchSize: 16,
  warmupSteps: 20,
  epochs: 20,
  validateEverySteps: 100,
};

/** The model a fine-tuning run starts from: its weights (their configuration is `config.model`) and where they came from. */
export interface InitialModel {
  params: ParameterStore;
  /** Recorded in run.json, e.g. the model folder. */
  source: string;
}

export interface TrainRunOptions {
  trainData: string;
  /** A dataset whose 'all' rows are the validation set; default: the 'val' split of trainData. */
  valData?: string;
  outDir: string;
  config: TrainingConfig;
  resume: boolean;
  /** Stop (with a checkpoint) after this many minutes of this invocation. */
  maxMinutes?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
  onProgress?: (p: TrainProgress) => void;
  /** Called after each validation pass (also the end-of-epoch one, which no later progress call would carry). */
  onValidation?: (v: TrainValidation) => void;
  /** Start from these weights instead of a fresh initialisation (fine-tuning); ignored on resume (the checkpoint wins). */
  initialModel?: InitialModel;
}

export interface TrainValidation {
  /** Updates done when the validation ran. */
  step: number;
  nll: NllSummary;
  /** The best validation NLL so far. */
  best: boolean;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lastValidation?: NllSummary;
}

export interface TrainResult {
  status: 'finished' | 'stopped' | 'time-limit';
  step: number;
  /** Epochs completed so far (the run's total, counting earlier invocations). */
  epoch: number;
  bestValidation?: NllSummary;
  elapsedSeconds: number;
}

interface Progress {
  epoch: number;
  batchInEpoch: number;
  elapsedSeconds: number;
  best: NllSummary | null;
}

export async function runPretraining(options: TrainRunOptions): Promise<TrainResult> {
  const { outDir, log } = options;
  const folder = RunFolder.open(outDir, { resume: options.resume });
  let config = options.config;
  let valData = options.valData;
  if (options.resume) {
    const saved = await folder.readRun<{ config: TrainingConfig; valData?: string | null }>();
    config = saved.config;
    // A resumed run keeps validating on the set it started with unless told otherwise.
    valData ??= saved.valData ?? undefined;
  } else {
    await folder.writeRun({
      config,
      trainData: options.trainData,
      valData: options.valData ?? null,
      ...(options.initialModel ? { initModel: options.initialModel.source } : {}),
      createdAt: new Date().toISOString(),
    });
  }
  const found = options.resume ? await folder.latestCheckpoint() : undefined;
  validateConfig(config.model);

  await initSymmetry();
  const tables = wyckoffTables();
  const train = await loadDataset(options.trainData, { split: valData ? 'all' : 'train' });
  const val = valData ? await loadDataset(valData, { split: 'all' }) : await loadDataset(options.trainData, { split: 'val' });
  if (train.count < config.batchSize) throw new Error(`${options.trainData}: ${train.count} training crystals, fewer than one batch of ${config.batchSize}: lower the batch size to at most ${train.count}`);
  if (val.count === 0) {
    throw new Error(
      valData
        ? `${valData}: the validation dataset holds no crystals`
        : `${options.trainData}: its validation split is empty: prepare it with a validation share above 0, or give a separate validation dataset`,
    );
  }
  const stepsPerEpoch = Math.floor(train.count / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const schedule = schedules.warmupCosine({ peak: config.learningRate, warmupSteps: Math.min(config.warmupSteps, totalSteps), totalSteps, final: config.finalLearningRate });

  // Parameters: fresh (seeded) or from the checkpoint.
  const checkpoint = found?.checkpoint;
  const initial = new ParameterStore();
  const step = await TrainingStep.create({
    build(graph) {
      const net = new CrystalFormerNetwork(graph, config.model);
      const ll = net.logLikelihood(declareNetworkInputs(graph), declareLikelihoodInputs(graph));
      if (!checkpoint && !options.initialModel) for (const spec of net.params.specs) initial.create(spec.name, spec.shape, spec.init);
      const loss = ll.total.mean().neg();
      return {
        loss,
        metrics: { nll_wyckoff: ll.wyckoff.mean().neg(), nll_atoms: ll.atoms.mean().neg(), nll_coords: ll.coords.mean().neg(), nll_lattice: ll.lattice.mean().neg() },
      };
    },
    parameters: checkpoint ? checkpoint.params : (options.initialModel?.params ?? initial),
    optimizer: { clipNorm: config.clipNorm, weightDecay: config.weightDecay },
    seed: config.seed,
    session: { log },
  });
  let progress: Progress = { epoch: 0, batchInEpoch: 0, elapsedSeconds: 0, best: null };
  if (found) {
    progress = folder.restore<Progress>(step, found).progress;
    log(`resumed from ${found.path}: step ${step.stepCount}, epoch ${progress.epoch + 1}, batch ${progress.batchInEpoch}`);
  }
  // Metric lines written after the checkpoint (a crash before the next one) belong to steps that run again.
  if (options.resume) await folder.dropMetricsAfter(step.stepCount);
  const parameterCount = step.parameterNames.reduce((sum, _n, i) => sum + step.parameterShapes[i]!.reduce((a, b) => a * b, 1), 0);
  log(`model '${config.model.name}': ${parameterCount.toLocaleString('en-US')} parameters; ${train.count} training and ${val.count} validation crystals; ${stepsPerEpoch} steps/epoch × ${config.epochs} epochs`);

  const evaluator = await LikelihoodEvaluator.create(config.model);
  const providers = await folder.recordProviders();
  log(`execution providers: ${Object.entries(providers).map(([workload, provider]) => `${workload} on ${provider}`).join(', ')}`);
  const startedAt = performance.now();
  const elapsed = () => progress.elapsedSeconds + (performance.now() - startedAt) / 1000;
  let lastCheckpointAt = performance.now();
  let lastLoss = NaN;
  let lastValidation: NllSummary | undefined = progress.best ?? undefined;
  let crystalsSinceLog = 0;
  let logWindowStart = performance.now();
  const trainAccumulator = { loss: 0, wyckoff: 0, atoms: 0, coords: 0, lattice: 0, gradNorm: 0, n: 0 };

  const saveState = async (epoch: number, batchInEpoch: number) => {
    const snapshot: Progress = { epoch, batchInEpoch, elapsedSeconds: elapsed(), best: progress.best };
    await folder.saveCheckpoint(step, {
      kind: config.weightDecay > 0 ? 'adamw' : 'adam',
      hyper: { clipNorm: config.clipNorm, weightDecay: config.weightDecay },
      progress: snapshot as unknown as JsonValue,
      metadata: { model: config.model as unknown as JsonValue },
      keepLast: config.keepCheckpoints,
    });
    lastCheckpointAt = performance.now();
  };

  const validate = async (epoch: number) => {
    const summary = summarize(await evaluator.evaluate(val, tables, step.parameters()));
    lastValidation = summary;
    const isBest = !progress.best || summary.total < progress.best.total;
    if (isBest) {
      progress.best = summary;
      const params = new ParameterStore();
      for (const [name, values] of step.parameters()) params.set(name, Float32Array.from(values), step.parameterShapes[step.parameterNames.indexOf(name)]!);
      await writeFileAtomic(join(outDir, 'best.safetensors'), params.toSafetensors({ step: String(step.stepCount), val_nll: String(summary.total), model: JSON.stringify(config.model) }));
    }
    await folder.appendMetrics({ kind: 'val', step: step.stepCount, epoch: epoch + 1, elapsedSeconds: elapsed(), nll: summary, best: isBest });
    options.onValidation?.({ step: step.stepCount, nll: summary, best: isBest });
    log(`validation at step ${step.stepCount}: NLL/crystal ${summary.total.toFixed(3)} (W ${summary.wyckoff.toFixed(3)}, A ${summary.atoms.toFixed(3)}, xyz ${summary.coords.toFixed(3)}, L ${summary.lattice.toFixed(3)})${isBest ? ' — best so far' : ''}`);
  };

  let status: TrainResult['status'] = 'finished';
  const start = { epoch: progress.epoch, batch: progress.batchInEpoch };
  let completedEpochs = start.epoch;
  outer: for (let epoch = start.epoch; epoch < config.epochs; epoch++) {
    const batches = epochBatches(train.numSites, train.count, config.batchSize, config.seed, epoch);
    for (let b = epoch === start.epoch ? start.batch : 0; b < batches.length; b++) {
      if (options.signal?.aborted) {
        status = 'stopped';
        await saveState(epoch, b);
        break outer;
      }
      if (options.maxMinutes !== undefined && (performance.now() - startedAt) / 60000 >= options.maxMinutes) {
        status = 'time-limit';
        await saveState(epoch, b);
        break outer;
      }
      const batch = makeBatch(train as TokenArrays, batches[b]!, tables);
      const result = await step.run(toOrtFeeds(batch.feeds), schedule(step.stepCount));
      if (!Number.isFinite(result.loss)) throw new Error(`training diverged at step ${step.stepCount}: loss ${result.loss}`);
      lastLoss = result.loss;
      crystalsSinceLog += batch.batchSize;
      const acc = trainAccumulator;
      acc.loss += result.loss;
      acc.gradNorm += result.gradNorm;
      acc.wyckoff += result.metrics.nll_wyckoff!;
      acc.atoms += result.metrics.nll_atoms!;
      acc.coords += result.metrics.nll_coords!;
      acc.lattice += result.metrics.nll_lattice!;
      acc.n++;
      if (step.stepCount % 50 === 0) {
        const seconds = (performance.now() - logWindowStart) / 1000;
        await folder.appendMetrics({
          kind: 'train',
          step: step.stepCount,
          epoch: epoch + 1,
          lr: schedule(step.stepCount - 1),
          loss: acc.loss / acc.n,
          nll: { wyckoff: acc.wyckoff / acc.n, atoms: acc.atoms / acc.n, coords: acc.coords / acc.n, lattice: acc.lattice / acc.n },
          gradNorm: acc.gradNorm / acc.n,
          crystalsPerSecond: crystalsSinceLog / seconds,
          elapsedSeconds: elapsed(),
        });
        Object.assign(acc, { loss: 0, wyckoff: 0, atoms: 0, coords: 0, lattice: 0, gradNorm: 0, n: 0 });
        crystalsSinceLog = 0;
        logWindowStart = performance.now();
      }
      options.onProgress?.({ step: step.stepCount, totalSteps, epoch, loss: lastLoss, ...(lastValidation ? { lastValidation } : {}) });
      if (step.stepCount % config.validateEverySteps === 0) await validate(epoch);
      if ((performance.now() - lastCheckpointAt) / 60000 >= config.checkpointEveryMinutes) await saveState(epoch, b + 1);
    }
    if (status === 'finished') {
      if (step.stepCount % config.validateEverySteps !== 0) await validate(epoch);
      await saveState(epoch + 1, 0);
      completedEpochs = epoch + 1;
    }
  }
  await evaluator.release();
  await step.release();
  return { status, step: step.stepCount, epoch: completedEpochs, ...(progress.best ? { bestValidation: progress.best } : {}), elapsedSeconds: elapsed() };
}
