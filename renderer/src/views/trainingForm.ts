/**
 * The Training panel's form and its translation into the 'train' job's params (trainParamsSchema). Pure, so it
 * is tested in Node.
 */
import type { TrainParams } from '../../../shared/api/jobs.ts';

export interface TrainingForm {
  /** finetune: continue from a trained model's weights (initModel); pretrain: a fresh network of a preset's size. */
  mode: 'finetune' | 'pretrain';
  /** The model fine-tuning starts from (a model name). */
  initModel: string;
  data: string;
  val: string;
  config: string;
  out: string;
  /** NaN = the trainer's default. */
  epochs: number;
  batchSize: number;
  lr: number;
  validateEvery: number;
  seed: number;
  maxMinutes: number;
  resume: boolean;
}

export function defaultRunFolder(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `runs/train-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

/** Why each field is wrong (null = fine), with the ranges of trainParamsSchema; NaN in optional fields = default. */
export function checkTrainingForm(f: TrainingForm): Partial<Record<keyof TrainingForm, string>> {
  const errors: Partial<Record<keyof TrainingForm, string>> = {};
  const optionalInt = (key: keyof TrainingForm, v: number, min: number, label: string) => {
    if (!Number.isNaN(v) && !(Number.isInteger(v) && v >= min)) errors[key] = `${label}: a whole number ≥ ${min}, or empty for the default`;
  };
  if (f.data.trim() === '') errors.data = 'Training data: a prepared dataset folder (prepare one above, or with `cfstudio data prepare`)';
  if (f.out.trim() === '') errors.out = 'Run folder: where checkpoints and metrics go (inside the workspace)';
  if (f.mode === 'pretrain' && !/^[A-Za-z0-9._-]{1,100}$/.test(f.config)) errors.config = 'Preset: a preset name such as tiny';
  if (f.mode === 'finetune' && f.initModel.trim() === '' && !f.resume) errors.initModel = 'Start from: choose the model to fine-tune';
  optionalInt('epochs', f.epochs, 1, 'Epochs');
  optionalInt('batchSize', f.batchSize, 1, 'Batch size');
  optionalInt('validateEvery', f.validateEvery, 1, 'Validate every');
  optionalInt('seed', f.seed, 0, 'Seed');
  if (!Number.isNaN(f.lr) && !(f.lr > 0 && f.lr <= 1)) errors.lr = 'Learning rate: above 0, at most 1, or empty for the default';
  if (!Number.isNaN(f.maxMinutes) && !(f.maxMinutes > 0)) errors.maxMinutes = 'Time limit: minutes above 0, or empty for none';
  return errors;
}

export function trainParamsFor(f: TrainingForm): TrainParams {
  const optional = <K extends string>(key: K, v: number) => (Number.isNaN(v) ? {} : ({ [key]: v } as Record<K, number>));
  return {
    data: f.data.trim(),
    ...(f.val.trim() !== '' ? { val: f.val.trim() } : {}),
    ...(f.mode === 'finetune' ? (f.resume ? {} : { initModel: f.initModel.trim() }) : { config: f.config }),
    out: f.out.trim(),
    ...optional('epochs', f.epochs),
    ...optional('batchSize', f.batchSize),
    ...optional('learningRate', f.lr),
    ...optional('validateEverySteps', f.validateEvery),
    ...optional('seed', f.seed),
    ...optional('maxMinutes', f.maxMinutes),
    resume: f.resume,
  };
}

/** What an empty optional field stands for, by mode (the engine's DEFAULT_TRAINING / DEFAULT_FINE_TUNING). */
export function defaultsFor(mode: TrainingForm['mode']): { epochs: string; batchSize: string; lr: string; validateEvery: string } {
  return mode === 'finetune'
    ? { epochs: '20', batchSize: '16', lr: '0.0001', validateEvery: '100 steps' }
    : { epochs: '60', batchSize: '100', lr: '0.001', validateEvery: '1000 steps' };
}
