import type { Command } from '../command.ts';
import { serveCommand } from './serve.ts';
import { inspectCommand } from './inspect.ts';
import { convertCommand } from './convert.ts';
import { dataPrepareCommand } from './data-prepare.ts';
import { trainCommand } from './train.ts';
import { generateCommand } from './generate.ts';
import { modelExportCommand } from './model-export.ts';
import { scoreCommand } from './score.ts';
import { evaluateCommand } from './evaluate.ts';
import { rewardCommands } from './reward.ts';
import { mcmcCommand } from './mcmc.ts';
import { predictorCommands } from './predictor.ts';
import { finetuneCommand } from './finetune.ts';
import { potentialImportCommand } from './potential.ts';
import { cspCommand } from './csp.ts';
import { relaxCommand } from './relax.ts';
import { energyCommand } from './energy.ts';
import { doctorCommand } from './doctor.ts';
import { mcpCommand } from './mcp.ts';

/** Every `cfstudio` subcommand. Each lives in its own file in this folder; add one line here to register it. */
export const commands: Command[] = [serveCommand, inspectCommand, convertCommand, dataPrepareCommand, trainCommand, generateCommand, modelExportCommand, scoreCommand, evaluateCommand, ...rewardCommands, mcmcCommand, finetuneCommand, ...predictorCommands, potentialImportCommand, relaxCommand, energyCommand, cspCommand, doctorCommand, mcpCommand];
