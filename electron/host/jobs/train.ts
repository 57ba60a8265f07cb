/**
 * Job 'train': what `cfstudio train` does (electron/cli/commands/train.ts) — pretraining on a prepared token
 * dataset — with the run directory inside the workspace and each update's progress streamed. Cancel is passed to
 * the trainer as its AbortSignal: it finishes the current step, writes a checkpoint and returns 'stopped' (the job
 * then ends as cancelled, and `resume: true` continues it later).
 */
import { MODEL_PRESETS, type ModelConfig, validateConfig } from '../../engine/model/config.ts';
import { listCheckpoints } from '../../engine/checkpoint.ts';
import { DEFAULT_FINE_TUNING, DEFAULT_TRAINING, runPretraining, type InitialModel, type TrainingConfig } from '../../engine/train/pretrain.ts';
import { loadModel } from '../../engine/model/files.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainOutput } from '../../../shared/api/jobs.ts';
import type { JobRunner } from './types.ts';
import { pathInWorkspace } from './workspace-paths.ts';

type Params = Parameters<JobRunner<'train'>>[0];

/**
 * The trainer's settings for the job's params (preset + overrides), as the CLI builds them. Fine-tuning (`initModel`)
 * takes the model's own configuration (`initConfig`) and DEFAULT_FINE_TUNING under the overrides.
 */
export function trainingConfigFromParams(params: Params, initConfig?: ModelConfig): TrainingConfig {
  const preset = initConfig ?? (Object.hasOwn(MODEL_PRESETS, params.config) ? MODEL_PRESETS[params.config] : undefined);
  if (!preset) throw new Error(`config: '${params.config}' is not a model preset (${Object.keys(MODEL_PRESETS).join(', ')})`);
  return {
    ...DEFAULT_TRAINING,
    ...(initConfig ? DEFAULT_FINE_TUNING : {}),
    model: validateConfig(preset),
    ...(params.epochs !== undefined ? { epochs: params.epochs } : {}),
    ...(params.batchSize !== undefined ? { batchSize: params.batchSize } : {}),
    ...(params.learningRate !== undefined ? { learningRate: params.learningRate } : {}),
    ...(params.warmupSteps !== undefined ? { warmupSteps: params.warmupSteps } : {}),
    ...(params.validateEverySteps !== undefined ? { validateEverySteps: params.validateEverySteps } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
  };
}

/**
 * The validation set a resumed run keeps using, as stored in its run.json — confined to the workspace like a path
 * given in the parameters, and handed to the trainer explicitly so it does not read an unchecked one itself.
 */
function savedValidationData(outDir: string, workspace: string): string | undefined {
  const runFile = join(outDir, 'run.json');
  if (!existsSync(runFile)) return undefined;
  let saved: { valData?: unknown };
  try {
    saved = JSON.parse(readFileSync(runFile, 'utf8')) as { valData?: unknown };
  } catch {
    return undefined; // the trainer reports the damaged run.json
  }
  if (typeof saved.valData !== 'string' || saved.valData === '') return undefined;
  return pathInWorkspace(workspace, saved.valData, `${runFile}: valData`);
}

export const train: JobRunner<'train'> = async (params, context) => {
  const outDir = pathInWorkspace(context.workspace, params.out, 'out');
  // With resume the run's saved settings and its checkpoint replace these (the trainer reads run.json).
  const initialModel = params.initModel !== undefined && !params.resume ? await initialModelFor(params.initModel) : undefined;
  const config = trainingConfigFromParams(params, initialModel?.config);
  const valData = params.val ?? (params.resume ? savedValidationData(outDir, context.workspace) : undefined);
  // The trainer's log lines (dataset sizes, validations, resume point) become progress messages at the last step.
  let last = { step: 0, totalSteps: 0 };
  const started = performance.now();
  // A step's item is sent when the next step starts (or the run ends), so that a validation run right after the
  // step can ride on it: one item per step, and the end-of-epoch validation reaches the chart too.
  let pending: TrainOutput | null = null;
  const flush = () => {
    if (pending) context.output(pending);
    pending = null;
  };
  const result = await runPretraining({
    trainData: params.data,
    ...(valData ? { valData } : {}),
    outDir,
    config,
    resume: params.resume,
    ...(initialModel ? { initialModel: { params: initialModel.params, source: initialModel.source } } : {}),
    ...(params.maxMinutes !== undefined ? { maxMinutes: params.maxMinutes } : {}),
    signal: context.signal,
    log: (line) => {
      context.progress({ done: last.step, ...(last.totalSteps ? { total: last.totalSteps } : {}), message: line.slice(0, 500) });
    },
    onValidation: (v) => {
      // Without a pending step (a resumed run validating before its first update) it stays in metrics.jsonl only.
      if (pending && pending.step === v.step) pending.validation = { step: v.step, nll: v.nll, best: v.best };
      flush();
    },
    onProgress: (p) => {
      flush();
      last = { step: p.step, totalSteps: p.totalSteps };
      pending = { step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, loss: p.loss, ...(p.lastValidation ? { lastValidation: p.lastValidation } : {}), seconds: (performance.now() - started) / 1000 };
      context.progress({
        done: p.step,
        total: p.totalSteps,
        message: `epoch ${p.epoch + 1}, step ${p.step}/${p.totalSteps}: loss ${p.loss.toFixed(3)}${p.lastValidation ? `, validation NLL ${p.lastValidation.total.toFixed(3)}` : ''}`,
      });
    },
  }).finally(flush);
  const checkpoints = (await listCheckpoints(join(outDir, 'checkpoints'))).map((c) => c.path);
  return { ...result, outDir, checkpoints };
};

/**
 * The model a fine-tuning run starts from: a shipped model by name, or a model folder the job's path check has
 * already confined to the workspace. Its card's problems are reported under the field's name.
 */
async function initialModelFor(nameOrDir: string): Promise<InitialModel & { config: ModelConfig }> {
  try {
    const model = await loadModel(nameOrDir);
    return { params: model.params, config: model.config, source: model.dir };
  } catch (error) {
    throw new Error(`initModel: ${(error as Error).message}`);
  }
}
