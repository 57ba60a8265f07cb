/** Types shared by the reward evaluator, predictors and oracles. */
import type { CandidateInput } from '../engine/rl/reward.ts';

/** One generated crystal as the reward sees it (the engine's contract). */
export type { CandidateInput };

/**
 * A property model (band gap, dielectric constant, formation energy…) registered by name so reward specs can
 * refer to it. `predict` returns one value per candidate, NaN where it cannot predict.
 */
export interface PropertyPredictor {
  readonly name: string;
  /** Unit of the predicted value, e.g. 'eV', 'eV/atom', '' for dimensionless. */
  readonly unit: string;
  predict(batch: readonly CandidateInput[]): Promise<Float64Array>;
  /**
   * Optional: which candidates lie outside what the model was trained on (true = extrapolating), for the reward
   * spec's `guards.extrapolation`. The hook for predictor uncertainty: a model with an uncertainty estimate can
   * flag candidates whose uncertainty is too large.
   */
  outOfDomain?(batch: readonly CandidateInput[]): Promise<ArrayLike<boolean>>;
}

/** What an external oracle returns for a batch: a value per candidate (NaN where it failed) and the tallies. */
export interface OracleScores {
  values: Float64Array;
  /** Candidates the oracle answered with an error, garbage, or not at all because it crashed. */
  errors: number;
  /** Candidates not answered within the time limit. */
  timeouts: number;
  /** Candidates answered with NaN, ±Infinity or null. */
  nonFinite: number;
  /** A few messages explaining the failures (deduplicated, at most 10). */
  messages: string[];
}

export interface RewardOracle {
  /** Short description for messages, e.g. `command 'python score.py'`. */
  readonly label: string;
  score(batch: readonly CandidateInput[]): Promise<OracleScores>;
  close(): Promise<void>;
}

export const MAX_MESSAGES = 10;

/** A fresh tally for n candidates (all values NaN until set). */
export function emptyScores(n: number): OracleScores {
  return { values: new Float64Array(n).fill(NaN), errors: 0, timeouts: 0, nonFinite: 0, messages: [] };
}

export function addMessage(scores: { messages: string[] }, message: string): void {
  if (scores.messages.length < MAX_MESSAGES && !scores.messages.includes(message)) scores.messages.push(message);
}

/** Score `batch` in consecutive chunks of at most `batchSize` candidates, one chunk at a time, and merge the tallies. */
export async function scoreInChunks(
  batch: readonly CandidateInput[],
  batchSize: number,
  scoreChunk: (chunk: readonly CandidateInput[]) => Promise<OracleScores>,
): Promise<OracleScores> {
  const total = emptyScores(batch.length);
  for (let start = 0; start < batch.length; start += batchSize) {
    mergeScores(total, await scoreChunk(batch.slice(start, start + batchSize)), start);
  }
  return total;
}

/** Merge `part` (scores of candidates offset…offset+n) into `total`. */
export function mergeScores(total: OracleScores, part: OracleScores, offset: number): void {
  total.values.set(part.values, offset);
  total.errors += part.errors;
  total.timeouts += part.timeouts;
  total.nonFinite += part.nonFinite;
  for (const m of part.messages) addMessage(total, m);
}

export interface TermFailureCounts {
  /** Values that were NaN, ±Infinity or null. */
  nonFinite: number;
  /** Values missing because the predictor threw, the oracle answered garbage or crashed, the hull query failed. */
  errors: number;
  /** Values missing because an oracle did not answer in time. */
  timeouts: number;
  /** Predictions rejected because their calibrated ± exceeded the term's `uncertainty.maxHalfWidth` (absent when none). */
  uncertain?: number;
}

export interface RewardFailures {
  /** Candidates evaluated. */
  candidates: number;
  /** Candidates that failed a constraint (they got the penalty). */
  invalid: number;
  /**
   * Invalid candidates by the first constraint they failed: 'maxAtoms', 'elements.allowed', 'elements.required',
   * 'elements.forbidden', 'validity.structural', 'validity.compositional', 'composition' (the strict rule),
   * 'guards.extrapolation' (outside a predictor's domain), or 'structure' for a candidate without atoms.
   */
  constraints: Record<string, number>;
  /** Candidates that passed everything but repeat an earlier fingerprint of the batch (`guards.duplicates`). */
  duplicates: number;
  /** Candidates that passed the constraints but whose reward was not a finite number (they got failureReward). */
  unscored: number;
  /** Per term (by reported name): where the failures arose. A failure is counted once, at the term that caused it. */
  terms: Record<string, TermFailureCounts>;
  /** A few distinct messages explaining failures (at most 10). */
  messages: string[];
}
