/**
 * How result cards and library rows word a crystal's plausibility (shared/api/plausibility.ts): the shortest
 * contact in bands, the guessed oxidation states as superscripts, the verdict when charges do not balance.
 */
import { electronegativity } from '../../../shared/crystal/elements.ts';
import { PLAUSIBLE_CONTACT_FRACTION, type ChargeVerdict, type CrystalPlausibility } from '../../../shared/api/plausibility.ts';

/**
 * Bands of the shortest contact d / (r_i + r_j), Slater radii. Below 0.5 no MP-20 training crystal goes (the
 * physical-plausibility rule); "tight" up to 0.75, under the 1st percentile of MP-20 validation crystals
 * (`/usr/bin/python3 scripts/contact_ratio_percentiles.py ../shared/data/structures/mp_20_val.csv.gz 2000`), so
 * real crystals almost all show "ok".
 */
export const CONTACT_BANDS = { clash: PLAUSIBLE_CONTACT_FRACTION, tight: 0.75 } as const;
export type ContactLevel = 'clash' | 'tight' | 'ok' | 'unknown';

export function contactLevel(ratio: number | null | undefined): ContactLevel {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'unknown';
  if (ratio < CONTACT_BANDS.clash) return 'clash';
  if (ratio < CONTACT_BANDS.tight) return 'tight';
  return 'ok';
}

const SUPERSCRIPT: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** An ion's charge as a superscript, chemists' way: +1 → ⁺, −2 → ²⁻, +3 → ³⁺. */
export function chargeSuperscript(state: number): string {
  const sign = state > 0 ? '⁺' : '⁻';
  const size = Math.abs(state);
  return size === 1 ? sign : `${[...String(size)].map((d) => SUPERSCRIPT[d]).join('')}${sign}`;
}

/**
 * `{ O: [-2, -2, -2, -2], Fe: [2, 3, 3] }` → 'Fe²⁺ Fe³⁺ O²⁻': each distinct state once, in formula order — cations
 * before anions, each group by increasing electronegativity (pymatgen's formula order: Sr²⁺ Ti⁴⁺ O²⁻).
 */
export function formatOxidationStates(states: Readonly<Record<string, readonly number[]>>): string {
  const isAnion = (list: readonly number[]) => (list.some((x) => x < 0) ? 1 : 0);
  const chi = (element: string) => electronegativity(element) ?? Infinity;
  return Object.entries(states)
    .sort((p, q) => isAnion(p[1]) - isAnion(q[1]) || chi(p[0]) - chi(q[0]))
    .flatMap(([element, list]) => [...new Set(list)].sort((a, b) => a - b).map((s) => `${element}${chargeSuperscript(s)}`))
    .join(' ');
}

const VERDICT_TEXT: Record<ChargeVerdict, string> = {
  'charge-balanced': 'charge balanced',
  alloy: 'intermetallic (no charges to balance)',
  'single-element': 'one element (no charges to balance)',
  'no-balanced-assignment': 'no charge-balanced assignment of common oxidation states',
  'electronegativity-order': 'balances only with a cation more electronegative than an anion',
  'no-common-state': 'an element has no common oxidation state',
  'not-integer': 'fractional composition',
};

/** The short badge text and its longer explanation for the charge verdict. */
export function chargeSummary(p: Pick<CrystalPlausibility, 'chargeVerdict' | 'chargeBalanced' | 'oxidationStates'>): { label: string; title: string } {
  const title = `${VERDICT_TEXT[p.chargeVerdict]} — oxidation states weighted by their ICSD frequency (each ≥ 5 % of the element's compounds)`;
  if (p.chargeVerdict === 'charge-balanced' && p.oxidationStates) return { label: formatOxidationStates(p.oxidationStates), title };
  if (p.chargeVerdict === 'alloy') return { label: 'intermetallic', title };
  if (p.chargeVerdict === 'single-element') return { label: 'element', title };
  return { label: 'not charge balanced', title };
}
