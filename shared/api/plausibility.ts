/**
 * What decides whether a crystal is worth a look, as the results cards and the library rows show it: the shortest
 * contact relative to the two atoms' radii (shared/crystal/validity.ts), the charge-balance verdict of the strict
 * oxidation-state check (electron/stability/plausibility.ts: ICSD-weighted states, with the states guessed), and
 * the density. Computed on the Node side (the oxidation tables stay there) and carried to the UI as this record.
 */
import { z } from 'zod';
import { PLAUSIBLE_CONTACT_FRACTION } from '../crystal/validity.ts';

/** The strict composition check's verdicts (electron/stability/plausibility.ts `PlausibilityVerdict`). */
export const CHARGE_VERDICTS = [
  'charge-balanced',
  'alloy',
  'single-element',
  'no-balanced-assignment',
  'electronegativity-order',
  'no-common-state',
  'not-integer',
] as const;
export const chargeVerdictSchema = z.enum(CHARGE_VERDICTS);
export type ChargeVerdict = z.infer<typeof chargeVerdictSchema>;

export const crystalPlausibilitySchema = z.object({
  /** Smallest d / (r_i + r_j) over all contacts (Slater radii); null for a cell too degenerate to search. */
  contactRatio: z.number().nullable(),
  /** `contactRatio` ≥ PLAUSIBLE_CONTACT_FRACTION (every MP-20 training crystal passes). */
  contactsPlausible: z.boolean(),
  chargeVerdict: chargeVerdictSchema,
  /** Charge balanced with common oxidation states, or an alloy / a single element (nothing to balance). */
  chargeBalanced: z.boolean(),
  /** The most probable balanced assignment: states of each element's atoms (for 'charge-balanced'). */
  oxidationStates: z.record(z.string(), z.array(z.number().int())).nullable(),
  /** g/cm³. */
  density: z.number(),
});
export type CrystalPlausibility = z.infer<typeof crystalPlausibilitySchema>;

export { PLAUSIBLE_CONTACT_FRACTION };

/** Both checks pass: what a green "plausible" badge means. */
export function isPlausible(p: Pick<CrystalPlausibility, 'contactsPlausible' | 'chargeBalanced'>): boolean {
  return p.contactsPlausible && p.chargeBalanced;
}
