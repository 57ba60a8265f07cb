/**
 * What fine-tuning and MCMC need of a reward: a batch of built crystals in, one number per crystal out. The engine
 * defines this contract and its callers (CLI, engine host, tests) pass an implementation in — electron/rewards/
 * compiles reward specs into one — so the engine never imports the code above it.
 */
import type { RewardSpec } from '../../../shared/api/reward-spec.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import type { WyckoffDescription } from '../../../shared/symmetry/analyze.ts';

/** A generated crystal as a reward sees it. */
export interface CandidateInput {
  /** The full (conventional) cell. */
  structure: Structure;
  /** The space group, lattice and Wyckoff orbits the model generated. */
  description: WyckoffDescription;
  /** CIF text of the structure (what external oracles receive). */
  cif: string;
}

export interface BatchReward {
  /** One finite reward per candidate, and each named term's value per candidate (NaN where not evaluated). */
  evaluate(candidates: readonly CandidateInput[]): Promise<{
    reward: Float64Array;
    terms: Record<string, Float64Array>;
    /** Tallies and the reward's own messages (why a crystal could not be scored), shown in the run's log. */
    failures?: { duplicates?: number; messages?: readonly string[] };
    /**
     * Per candidate, the constraint or guard that set its reward (undefined: scored on merit). Fine-tuning's best
     * list holds only crystals scored on merit; a reward without it falls back on CDVAE validity.
     */
    rejected?: readonly (string | undefined)[];
  }>;
  /** Stops oracle processes and releases sessions. */
  close(): Promise<void>;
}

/**
 * Builds the reward a run scores with, from the spec the run actually uses (on resume: the one saved in its
 * run.json), so the caller can also refuse what it does not allow (e.g. command oracles in browser mode).
 */
export type RewardFactory = (spec: RewardSpec) => Promise<BatchReward>;
