/**
 * The parts of a reward spec that keep RL from winning by fooling its judges (issue #24): the strict
 * compositional constraint and the batch guards. Kept apart from reward-spec.ts, which embeds them.
 *
 * ```json
 * "constraints": { "composition": { "rule": "icsd-oxidation-states", "minStateProbability": 0.05, "alloys": false },
 *                  "contacts": { "minRatio": 0.5 } },
 * "penalties": { "contacts": -10 },
 * "guards": { "duplicates": { "reward": -1, "memoryBatches": 20, "maxRepeats": 3 }, "extrapolation": true }
 * ```
 *
 * - `constraints.composition` (electron/stability/plausibility.ts): every atom in a non-zero oxidation state that
 *   at least `minStateProbability` (default 0.05) of the element's ICSD compounds show, charges summing to zero,
 *   each element wholly cation or anion, cations less electronegative than anions; all-metal compositions pass as
 *   intermetallics unless `alloys` is false. Stricter than `validity.compositional` (the SMACT rule, which accepts
 *   any listed state: Sr4HfZrO6 with Hf(II) and Zr(II)).
 * - `constraints.contacts`: the shortest distance between two atoms is at least `minRatio` (default 0.5) × the sum
 *   of their covalent radii — stricter than `validity.structural` (0.5 Å whatever the elements).
 * - `penalties`: per constraint (by the name it is counted under: 'validity.structural', 'contacts',
 *   'composition', …), a reward other than the spec's `penalty` for failing it.
 * - `guards.duplicates`: crystals with the same fingerprint (reduced formula + space group + Wyckoff sequence with
 *   its elements) beyond the first `maxRepeats` (default 1) occurrences in the batch and the `memoryBatches`
 *   (default 0) batches before it get `reward` (default: the spec's penalty) — a policy that collapses onto a few
 *   motifs, within a step or across steps, stops gaining from repeats.
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

/** `constraints.contacts`: the shortest distance between two atoms ≥ `minRatio` × (r_i + r_j), covalent radii. */
export interface ContactConstraint {
  /** Default 0.5 (the judges' contact check, electron/rewards/guards.ts). */
  minRatio?: number;
}

export const DEFAULT_MIN_CONTACT_RATIO = 0.5;

export interface DuplicateGuard {
  /** Reward of a repeat (default: the spec's penalty). */
  reward?: number;
  /**
   * How many earlier batches (fine-tuning steps) the guard remembers (default 0: the current batch only). A
   * candidate is a repeat when its fingerprint already occurred `maxRepeats` times in those batches and earlier in
   * its own batch.
   */
  memoryBatches?: number;
  /** Occurrences allowed before repeats get `reward` (default 1: only the first copy is paid). */
  maxRepeats?: number;
}

export interface RewardGuards {
  /** Repeats of a fingerprint get `reward` (default: the penalty). `true` = defaults (within one batch, first copy paid). */
  duplicates?: boolean | DuplicateGuard;
  /** Candidates outside a used predictor's domain get the penalty. */
  extrapolation?: boolean;
}

export const CompositionConstraintSchema = z.strictObject({
  rule: z.enum(COMPOSITION_RULES),
  minStateProbability: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').optional(),
  alloys: z.boolean().optional(),
});

export const ContactConstraintSchema = z.strictObject({
  minRatio: z.number().gt(0, 'must be above 0').max(2, 'must be at most 2').optional(),
});

export const RewardGuardsSchema = z.strictObject({
  duplicates: z
    .union([
      z.boolean(),
      z.strictObject({
        reward: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
        memoryBatches: z.number().int('must be an integer').min(0, 'must be at least 0').max(10_000, 'must be at most 10000').optional(),
        maxRepeats: z.number().int('must be an integer').min(1, 'must be at least 1').optional(),
      }),
    ])
    .optional(),
  extrapolation: z.boolean().optional(),
});

/** The duplicate guard with its defaults filled in, or undefined when it is off. */
export function duplicateGuard(guards: RewardGuards | undefined, penalty: number): Required<DuplicateGuard> | undefined {
  const d = guards?.duplicates;
  if (d === undefined || d === false) return undefined;
  const options = d === true ? {} : d;
  return { reward: options.reward ?? penalty, memoryBatches: options.memoryBatches ?? 0, maxRepeats: options.maxRepeats ?? 1 };
}
