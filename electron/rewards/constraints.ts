/**
 * The reward spec's `constraints`, checked before any term: the first one a candidate fails decides its penalty
 * and the tally it is counted under (RewardFailures.constraints).
 */
import type { Composition } from '../../shared/crystal/composition.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { compositionalValidity, structuralValidity } from '../../shared/crystal/validity.ts';
import type { RewardConstraints } from '../../shared/api/reward-spec.ts';
import { DEFAULT_MIN_CONTACT_RATIO } from '../../shared/api/reward-guards.ts';
import { compositionalPlausibility } from '../stability/plausibility.ts';
import { plausibleContacts } from './guards.ts';
import type { CandidateInput } from './types.ts';

/** Validity checks used by `constraints.validity` (default: CDVAE's rules from electron/evaluate). */
export interface ValidityChecks {
  structural(structure: Structure): { valid: boolean; reason?: string };
  compositional(composition: Composition): { valid: boolean; verdict?: string };
}

export const DEFAULT_VALIDITY: ValidityChecks = {
  structural: (structure) => structuralValidity(structure),
  compositional: (composition) => compositionalValidity(composition),
};

/** The first constraint a candidate fails ('maxAtoms', 'elements.allowed', …), or undefined when it passes. */
export type ConstraintCheck = (candidate: CandidateInput, composition: Composition) => string | undefined;

/** A check of `constraints`, in the order the spec documents; a validity check that throws counts as failed. */
export function constraintCheck(constraints: RewardConstraints, validity: ValidityChecks): ConstraintCheck {
  const allowed = constraints.elements?.allowed ? new Set(constraints.elements.allowed) : undefined;
  const required = constraints.elements?.required ?? [];
  const forbidden = new Set(constraints.elements?.forbidden ?? []);
  const passes = (check: () => boolean) => {
    try {
      return check();
    } catch {
      return false;
    }
  };
  return (candidate, composition) => {
    if (constraints.maxAtoms !== undefined && candidate.structure.numSites > constraints.maxAtoms) return 'maxAtoms';
    const elements = composition.elements;
    if (allowed && elements.some((e) => !allowed.has(e))) return 'elements.allowed';
    if (required.some((e) => !composition.amounts.has(e))) return 'elements.required';
    if (elements.some((e) => forbidden.has(e))) return 'elements.forbidden';
    if (constraints.validity?.structural && !passes(() => validity.structural(candidate.structure).valid)) return 'validity.structural';
    if (constraints.contacts && !passes(() => plausibleContacts(candidate.structure, constraints.contacts!.minRatio ?? DEFAULT_MIN_CONTACT_RATIO))) return 'contacts';
    if (constraints.validity?.compositional && !passes(() => validity.compositional(composition).valid)) return 'validity.compositional';
    if (constraints.composition) {
      const { minStateProbability, alloys } = constraints.composition;
      const options = { ...(minStateProbability !== undefined ? { minStateProbability } : {}), ...(alloys !== undefined ? { alloys } : {}) };
      if (!compositionalPlausibility(composition, options).valid) return 'composition';
    }
    return undefined;
  };
}
