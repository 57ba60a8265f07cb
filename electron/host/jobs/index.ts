import { analyzeStructures } from './analyze-structures.ts';
import { csp } from './csp.ts';
import { evaluate } from './evaluate.ts';
import { exportStructures } from './export-structures.ts';
import { finetune } from './finetune.ts';
import { generate } from './generate.ts';
import { importStructures } from './import-structures.ts';
import { mcmc } from './mcmc.ts';
import { predict } from './predict.ts';
import { prepareDatasetJob } from './prepare-dataset.ts';
import { relax } from './relax.ts';
import { energy } from './energy.ts';
import { train } from './train.ts';
import type { JobRunnerTable } from './types.ts';

/**
 * Every job the engine host can run, one runner file per job type in this folder. The mapped type makes the
 * type checker refuse a job declared in shared/api/jobs.ts without a runner here.
 */
export const jobRunners: JobRunnerTable = {
  'analyze-structures': analyzeStructures,
  'import-structures': importStructures,
  'export-structures': exportStructures,
  generate,
  evaluate,
  mcmc,
  train,
  finetune,
  predict,
  relax,
  energy,
  csp,
  'prepare-dataset': prepareDatasetJob,
};
