/** `cfstudio potential import DIR --out models/NAME` — convert a matgl M3GNet folder into a folder the app ships. */
import { type Command, UserError, requiredString, stringOption } from '../command.ts';
import { importMatglPotential } from '../../engine/potential/import.ts';
import { PotentialWeightsError } from '../../engine/potential/weights.ts';

export const potentialImportCommand: Command = {
  path: ['potential', 'import'],
  summary: 'Convert a matgl M3GNet potential folder (model.json + state.pt) into model.safetensors + model.json card + LICENSE',
  positionals: 'DIR',
  options: {
    out: { type: 'string', description: 'output folder, e.g. models/potential-m3gnet-mp-2021', valueName: 'DIR' },
    name: { type: 'string', description: 'name in the card (default: the output folder name)', valueName: 'NAME' },
    commit: { type: 'string', description: 'the matgl git commit the folder was taken from (recorded in the card)', valueName: 'SHA' },
    note: { type: 'string', description: 'free text recorded in the card (e.g. the energy scale of the training data)', valueName: 'TEXT' },
    json: { type: 'boolean', description: 'print the card as JSON' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length !== 1) throw new UserError('potential import takes one matgl model folder (with model.json and state.pt)');
    const out = requiredString(values, 'out');
    const name = stringOption(values, 'name');
    const commit = stringOption(values, 'commit');
    const note = stringOption(values, 'note');
    let card;
    try {
      card = await importMatglPotential(positionals[0]!, out, { ...(name !== undefined && { name }), ...(commit !== undefined && { commit }), ...(note !== undefined && { note }) });
    } catch (error) {
      if (error instanceof PotentialWeightsError) throw new UserError(error.message);
      throw error;
    }
    if (values.json) ctx.out(JSON.stringify(card, null, 2) + '\n');
    else ctx.out(`wrote ${out}: ${card.source.model}, ${card.parameterCount.toLocaleString('en-US')} parameters, ${card.elementTypes.length} elements, licence ${card.licence}\n`);
  },
};
