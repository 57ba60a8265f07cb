/** Rewards for RL fine-tuning: the spec, its evaluator, the hull stability proxy, predictors and oracles. */
import { readFileSync } from 'node:fs';
import { parseRewardSpec, RewardSpecError, type RewardSpec } from '../../shared/api/reward-spec.ts';

export * from '../../shared/api/reward-spec.ts';
export * from './types.ts';
export { PredictorRegistry, predictorRegistry, registerPredictor } from './predictors.ts';
export {
  createRewardFunction,
  evaluateReward,
  optionsForSpecFile,
  DEFAULT_VALIDITY,
  type RewardOptions,
  type RewardResult,
  type RewardFailures,
  type RewardFunction,
  type TermFailureCounts,
  type ValidityChecks,
} from './evaluate.ts';
export {
  HullReference,
  loadHullReference,
  readHullReferenceCsv,
  defaultHullReferencePath,
  chemicalSystemKey,
  type HullEntry,
  type CompositionLike,
  type Decomposition,
  type DecompositionPhase,
} from './hull.ts';
export { candidateFeatures, writeCandidateFeatures, FEATURE_COUNT } from './features.ts';
export { CommandOracle } from './oracles/command.ts';
export { KServeOracle } from './oracles/kserve.ts';
export { OnnxOracle } from './oracles/onnx.ts';

/** Read and validate a reward spec file; errors name the file and the JSON path. */
export function readRewardSpecFile(file: string): RewardSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RewardSpecError(file, [`cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return parseRewardSpec(text, file);
}
