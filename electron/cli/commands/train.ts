import { readFile } from 'node:fs/promises';
import { type Command, PROVIDERS_OPTION, UserError, intOption, numberOption, requiredString, stringOption } from '../command.ts';
import { ProgressBar } from '../progress.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { withStopSignal } from '../stop-signal.ts';
import { MODEL_PRESETS, type ModelConfig, validateConfig } from '../../engine/model/config.ts';
import { DEFAULT_FINE_TUNING, DEFAULT_TRAINING, runPretraining, type InitialModel, type TrainingConfig } from '../../engine/train/pretrain.ts';
import { loadModel } from '../../engine/model/files.ts';

async function resolveModelConfig(nameOrFile: string): Promise<ModelConfig> {
  const preset = MODEL_PRESETS[nameOrFile];
  if (preset) return preset;
  let text: string;
  try {
    text = await readFile(nameOrFile, 'utf8');
  } catch {
    throw new UserError(`--config '${nameOrFile}' is neither a preset (${Object.keys(MODEL_PRESETS).join(', ')}) nor a readable JSON file`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<ModelConfig> & { base?: string };
    const base = MODEL_PRESETS[parsed.base ?? 'default'];
    if (!base) throw new UserError(`${nameOrFile}: unknown base preset '${parsed.base}'`);
    return validateConfig({ ...base, ...parsed, name: parsed.name ?? 'custom' });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${nameOrFile}: ${(error as Error).message}`);
  }
}

export const trainCommand: Command = {
  path: ['train'],
  summary: 'Pretrain a CrystalFormer model on a token dataset (from `cfstudio data prepare`)',
  options: {
    providers: PROVIDERS_OPTION,
    data: { type: 'string', description: 'training dataset directory', valueName: 'DIR' },
    val: { type: 'string', description: "validation dataset directory (default: the training set's val split)", valueName: 'DIR' },
    config: { type: 'string', description: `model preset (${Object.keys(MODEL_PRESETS).join(', ')}) or a JSON file`, valueName: 'NAME|FILE' },
    'init-model': {
      type: 'string',
      description: `fine-tune: start from this model's weights (a name in models/ or a model folder) instead of a fresh initialisation; its configuration replaces --config, and the defaults become lr ${DEFAULT_FINE_TUNING.learningRate}, batch ${DEFAULT_FINE_TUNING.batchSize}, ${DEFAULT_FINE_TUNING.epochs} epochs, warm-up ${DEFAULT_FINE_TUNING.warmupSteps}`,
      valueName: 'NAME|DIR',
    },
    out: { type: 'string', description: 'run directory (checkpoints, metrics.jsonl, best.safetensors)', valueName: 'RUN_DIR' },
    resume: { type: 'boolean', description: 'continue the run in RUN_DIR from its latest checkpoint' },
    epochs: { type: 'string', description: `number of epochs (default ${DEFAULT_TRAINING.epochs})`, valueName: 'N' },
    'batch-size': { type: 'string', description: `crystals per batch (default ${DEFAULT_TRAINING.batchSize})`, valueName: 'N' },
    lr: { type: 'string', description: `peak learning rate (default ${DEFAULT_TRAINING.learningRate})`, valueName: 'X' },
    'warmup-steps': { type: 'string', description: `linear warm-up steps (default ${DEFAULT_TRAINING.warmupSteps})`, valueName: 'N' },
    dropout: { type: 'string', description: 'override the preset dropout rate', valueName: 'X' },
    seed: { type: 'string', description: `seed for initialisation, data order and dropout (default ${DEFAULT_TRAINING.seed})`, valueName: 'N' },
    'validate-every': { type: 'string', description: `validate every N updates (default ${DEFAULT_TRAINING.validateEverySteps})`, valueName: 'N' },
    'max-minutes': { type: 'string', description: 'stop with a checkpoint after this many minutes (resume later)', valueName: 'M' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  async run(values, _positionals, ctx) {
    const outDir = requiredString(values, 'out');
    await checkOutputDirectory(outDir, ['metrics.jsonl', 'run.json']);
    const resume = values.resume === true;
    const data = requiredString(values, 'data');
    let config: TrainingConfig;
    let initialModel: InitialModel | undefined;
    if (resume) {
      config = { ...DEFAULT_TRAINING, model: MODEL_PRESETS.default! }; // replaced by the run's saved config
    } else {
      const initName = stringOption(values, 'init-model');
      let model: ModelConfig;
      if (initName !== undefined) {
        if (stringOption(values, 'config') !== undefined) throw new UserError('--config and --init-model: give one (a fine-tuned model keeps its configuration)');
        const loaded = await loadModel(initName).catch((error: unknown) => {
          throw new UserError(`--init-model: ${(error as Error).message}`);
        });
        model = loaded.config;
        initialModel = { params: loaded.params, source: loaded.dir };
      } else model = await resolveModelConfig(stringOption(values, 'config') ?? 'default');
      const defaults = initialModel ? { ...DEFAULT_TRAINING, ...DEFAULT_FINE_TUNING } : DEFAULT_TRAINING;
      const dropout = stringOption(values, 'dropout');
      config = {
        ...defaults,
        model: validateConfig(dropout === undefined ? model : { ...model, dropout: numberOption(values, 'dropout', model.dropout, 0, 0.99) }),
        epochs: intOption(values, 'epochs', defaults.epochs, 1),
        batchSize: intOption(values, 'batch-size', defaults.batchSize, 1),
        learningRate: numberOption(values, 'lr', defaults.learningRate, 0, 1),
        warmupSteps: intOption(values, 'warmup-steps', defaults.warmupSteps, 0),
        seed: intOption(values, 'seed', defaults.seed, 0),
        validateEverySteps: intOption(values, 'validate-every', defaults.validateEverySteps, 1),
      };
    }
    let bar: ProgressBar | undefined;
    await withStopSignal(ctx, 'checkpointing', async (signal) => {
      const maxMinutes = stringOption(values, 'max-minutes');
      const result = await runPretraining({
        trainData: data,
        ...(stringOption(values, 'val') ? { valData: stringOption(values, 'val')! } : {}),
        outDir,
        config,
        resume,
        ...(initialModel ? { initialModel } : {}),
        ...(maxMinutes !== undefined ? { maxMinutes: numberOption(values, 'max-minutes', 0, 0) } : {}),
        signal,
        log: (line) => {
          if (bar) process.stderr.write('\n');
          ctx.log(line);
        },
        onProgress: (p) => {
          // The bar starts at the first report: the rate counts the steps after it, so a resumed run is not credited with earlier ones.
          bar ??= new ProgressBar({ total: p.totalSteps, label: 'train', unit: 'step', initial: p.step });
          bar.update(p.step, `loss ${p.loss.toFixed(3)}${p.lastValidation ? ` val ${p.lastValidation.total.toFixed(3)}` : ''}`);
        },
      });
      bar?.finish();
      if (values.json) ctx.out(JSON.stringify(result, null, 2) + '\n');
      else ctx.out(`${result.status}: step ${result.step}, ${(result.elapsedSeconds / 60).toFixed(1)} min in total${result.bestValidation ? `, best validation NLL/crystal ${result.bestValidation.total.toFixed(3)}` : ''}\n`);
    });
  },
};
