/**
 * The plausibility record of a crystal (shared/api/plausibility.ts) computed from its structure: the shortest
 * contact over the atoms' radii (shared/crystal/validity.ts), the strict oxidation-state check
 * (electron/stability/plausibility.ts) and the density. Stored on each library row (schema version 3) and sent
 * with each generated candidate.
 */
import { Composition } from '../../shared/crystal/composition.ts';
import { atomicMass } from '../../shared/crystal/elements.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { physicalPlausibility } from '../../shared/crystal/validity.ts';
import type { CrystalPlausibility } from '../../shared/api/plausibility.ts';
import { compositionalPlausibility } from '../stability/plausibility.ts';

export function crystalPlausibility(structure: Structure): CrystalPlausibility {
  const physical = physicalPlausibility(structure);
  const ratio = Number.isFinite(physical.shortestContactRatio) ? physical.shortestContactRatio : null;
  const composition = compositionalPlausibility(Composition.fromStructure(structure));
  return {
    contactRatio: ratio,
    contactsPlausible: physical.plausible,
    chargeVerdict: composition.verdict,
    chargeBalanced: composition.valid,
    oxidationStates: composition.oxidationStates
      ? Object.fromEntries(Object.entries(composition.oxidationStates).map(([element, states]) => [element, [...states]]))
      : null,
    density: structure.densityFrom(atomicMass),
  };
}

/** The stored columns: contact_ratio, contacts_plausible, charge_verdict, charge_balanced, oxidation_states, density. */
export type PlausibilityColumns = [number | null, number, string, number, string | null, number];

export function plausibilityColumns(p: CrystalPlausibility): PlausibilityColumns {
  return [p.contactRatio, p.contactsPlausible ? 1 : 0, p.chargeVerdict, p.chargeBalanced ? 1 : 0, p.oxidationStates ? JSON.stringify(p.oxidationStates) : null, p.density];
}
