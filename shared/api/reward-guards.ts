/**
 * The parts of a reward spec that keep RL from winning by fooling its judges (issue #24): the strict
 * compositional constraint and the batch guards. Kept apart from reward-spec.ts, which embeds them.
 *
 * ```json
 * "constraints": { "composition": { "rule": "icsd-oxidation-states", "minStateProbability": 0.05, "alloys": false } },
 * "guards": { "duplicates": { "reward": -1 }, "extrapolation": true }
 * ```
 *
 * - `constraints.composition` (electron/stability/plausibility.ts): every atom in a non-zero oxidation state that
 *   at least `minStateProbability` (default 0.05) of the element's ICSD compounds show, charges summing to zero,
 *   each element wholly cation or anion, cations less electronegative than anions; all-metal compositions pass as
 *   intermetallics unless `alloys` is false. Stricter than `validity.compositional` (the SMACT rule, which accepts
 *   any listed state: Sr4HfZrO6 with Hf(II) and Zr(II)).
 * - `guards.duplicates`: within a batch, crystals with the same fingerprint (reduced formula + space group +
 *   Wyckoff sequence with its elements) after the first one get `reward` (default: the spec's penalty) — a policy
 *   that collapses onto a few motifs stops gaining from repeats.
 * - `guards.extrapolation`: a candidate that a predictor used by the reward declares outside its domain
 *   (the shipped predictors: an element absent from their training crystals) gets the penalty, not a prediction.
 */
import { z } from 'zod';

export const COMPOSITION_RULES = ['icsd-oxidation-states'] as const;
export type CompositionRule = (typeof COMPOSITION_RULES)[number];

export interface CompositionConstraint {
  rule: CompositionRule;
  /** Least ICSD probability (occurrence / element total) of the oxidation state of any atom; default 0.05. */
  minStateProbability?: number;
  /** All-metal compositions pass as intermetallics (default true). */
  alloys?: boolean;
}

export interface RewardGuards {
  /** Copies after the first of a fingerprint in a batch get `reward` (default: the penalty). `true` = defaults. */
  duplicates?: boolean | { reward?: number };
  /** Candidates outside a used predictor's domain get the penalty. */
  extrapolation?: boolean;
}

export const CompositionConstraintSchema = z.strictObject({
  rule: z.enum(COMPOSITION_RULES),
  minStateProbability: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').optional(),
  alloys: z.boolean().optional(),
});

export const RewardGuardsSchema = z.strictObject({
  duplicates: z
    .union([z.boolean(), z.strictObject({ reward: z.number().refine(Number.isFinite, 'must be a finite number').optional() })])
    .optional(),
  extrapolation: z.boolean().optional(),
});

/** The reward a duplicate gets, or undefined when the guard is off. */
export function duplicateReward(guards: RewardGuards | undefined, penalty: number): number | undefined {
  const d = guards?.duplicates;
  if (d === undefined || d === false) return undefined;
  return d === true ? penalty : (d.reward ?? penalty);
}
