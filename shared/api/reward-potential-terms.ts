/**
 * Reward terms scored by the interatomic potential (M3GNet on the engine): `potential_ehull` and `energy_per_atom`.
 *
 * Why new kinds rather than a `source` field on `ehull`: `ehull` takes a formation energy (a predictor or term) and
 * a hull table; these take a structure, run the potential on it (optionally after a short relaxation) and apply the
 * MP2020 corrections — different inputs, different fields, different failure modes. Keeping them apart keeps both
 * schemas strict (no field that only applies to one source).
 *
 * ```json
 * { "kind": "potential_ehull", "relaxSteps": 0, "transform": [{ "kind": "clip", "min": -10, "max": 10 }, { "kind": "linear", "scale": -1 }] }
 * ```
 *
 * - `potential_ehull`: E_hull (eV/atom) from the potential's energy — MP2020-corrected, against the partial
 *   reference hull — exactly what `cfstudio energy` reports (or `cfstudio relax` after `relaxSteps` FIRE steps).
 * - `energy_per_atom`: the potential's raw energy per atom (eV/atom, uncorrected), as `cfstudio energy` reports it.
 * - `relaxSteps` (default 0 = single point on the generated structure, as CrystalFormer-RL does): FIRE steps of
 *   relaxation first (cell included, space group kept unless `keepSymmetry` is false).
 * - `potential`: a potential folder (relative to the spec file); default the shipped M3GNet-MP-2021.
 * Terms naming the same potential, `relaxSteps` and `keepSymmetry` share one potential call per batch.
 *
 * Pure zod, browser-safe.
 */
import { z } from 'zod';
import { markWorkspacePath } from './job-paths.ts';
import type { Transform } from './reward-spec.ts';

/** Most relaxation steps a reward may ask for: every step is one potential call on the whole RL batch. */
export const MAX_REWARD_RELAX_STEPS = 500;

interface PotentialTermFields {
  name?: string;
  transform?: Transform | Transform[];
  /** FIRE steps before the energy is taken (default 0: single point). */
  relaxSteps?: number;
  /** With relaxSteps > 0: keep the generated space group (default true). */
  keepSymmetry?: boolean;
  /** Potential folder, relative to the spec file (default: the shipped M3GNet-MP-2021). */
  potential?: string;
}

export interface PotentialEhullTerm extends PotentialTermFields {
  kind: 'potential_ehull';
}

export interface EnergyPerAtomTerm extends PotentialTermFields {
  kind: 'energy_per_atom';
}

export type PotentialTerm = PotentialEhullTerm | EnergyPerAtomTerm;

export const POTENTIAL_TERM_KINDS = ['potential_ehull', 'energy_per_atom'] as const;

export function isPotentialTerm(term: { kind: string }): term is PotentialTerm {
  return (POTENTIAL_TERM_KINDS as readonly string[]).includes(term.kind);
}

/** The zod objects of both kinds, given the `name` and `transform` field schemas every term shares. */
export function potentialTermSchemas<N extends z.ZodType, T extends z.ZodType>(name: N, transform: T) {
  const fields = {
    name,
    transform,
    relaxSteps: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be at least 0')
      .max(MAX_REWARD_RELAX_STEPS, `must be at most ${MAX_REWARD_RELAX_STEPS}`)
      .optional(),
    keepSymmetry: z.boolean().optional(),
    potential: markWorkspacePath(z.string().min(1, 'must not be empty')).optional(),
  };
  return [
    z.strictObject({ kind: z.literal('potential_ehull'), ...fields }),
    z.strictObject({ kind: z.literal('energy_per_atom'), ...fields }),
  ] as const;
}
