import { type Command, requiredString, stringOption } from '../command.ts';
import { exportTrainedModel } from '../../engine/train/export.ts';

export const modelExportCommand: Command = {
  path: ['model', 'export'],
  summary: 'Package a training run (best validation weights) as a model folder: model.json, model.safetensors, model.onnx',
  options: {
    run: { type: 'string', description: 'training run directory (from cfstudio train)', valueName: 'RUN_DIR' },
    out: { type: 'string', description: 'output model folder, e.g. models/default', valueName: 'DIR' },
    name: { type: 'string', description: 'model name (default: the folder name)', valueName: 'NAME' },
    json: { type: 'boolean', description: 'print the model card as JSON' },
  },
  async run(values, _positionals, ctx) {
    const runDir = requiredString(values, 'run');
    const out = requiredString(values, 'out');
    const name = stringOption(values, 'name') ?? out.split(/[\\/]/).filter(Boolean).at(-1)!;
    const card = await exportTrainedModel(runDir, out, { name });
    if (values.json) ctx.out(JSON.stringify(card, null, 2) + '\n');
    else ctx.out(`wrote ${out}: ${card.parameterCount.toLocaleString('en-US')} parameters, best validation NLL/crystal ${(card.metrics.validationAtBest as { total?: number } | null)?.total?.toFixed(3) ?? 'n/a'}\n`);
  },
};
