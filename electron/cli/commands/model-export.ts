import { type Command, UserError, requiredString, stringOption } from '../command.ts';
import { exportTrainedModel } from '../../engine/train/export.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { exportFinetunedModel } from '../../engine/rl/export.ts';

export const modelExportCommand: Command = {
  path: ['model', 'export'],
  summary: 'Package a training run (best validation weights) or a fine-tuning run (its final policy) as a model folder: model.json, model.safetensors, model.onnx',
  options: {
    run: { type: 'string', description: 'training run directory (from cfstudio train)', valueName: 'RUN_DIR' },
    finetune: { type: 'string', description: 'fine-tuning run directory (from cfstudio finetune), instead of --run; the card keeps the pretrained model\'s record and adds the validation NLL of the fine-tuned weights', valueName: 'RUN_DIR' },
    out: { type: 'string', description: 'output model folder, e.g. models/default', valueName: 'DIR' },
    name: { type: 'string', description: 'model name (default: the folder name)', valueName: 'NAME' },
    json: { type: 'boolean', description: 'print the model card as JSON' },
  },
  async run(values, _positionals, ctx) {
    const finetuneDir = stringOption(values, 'finetune');
    if ((finetuneDir === undefined) === (values.run === undefined)) throw new UserError('model export takes one of --run RUN_DIR (a training run) or --finetune RUN_DIR (a fine-tuning run)');
    const out = requiredString(values, 'out');
    await checkOutputDirectory(out);
    const name = stringOption(values, 'name') ?? out.split(/[\\/]/).filter(Boolean).at(-1)!;
    const card = finetuneDir !== undefined ? await exportFinetunedModel(finetuneDir, out, { name }) : await exportTrainedModel(requiredString(values, 'run'), out, { name });
    const nll = (card.metrics.validation ?? card.metrics.validationAtBest) as { total?: number } | null | undefined;
    if (values.json) ctx.out(JSON.stringify(card, null, 2) + '\n');
    else ctx.out(`wrote ${out}: ${card.parameterCount.toLocaleString('en-US')} parameters, validation NLL/crystal ${nll?.total?.toFixed(3) ?? 'n/a'}\n`);
  },
};
