/**
 * The CDVAE validity rules (txie-93/cdvae `scripts/eval_utils.py`, copied by DiffCSP, CrystalFormer and others),
 * written to be cheap enough to run on every sample of an RL batch.
 *
 * Structural validity (`structure_validity`): every distance between two different atoms (nearest periodic
 * image) is ≥ 0.5 Å and the cell volume is ≥ 0.1 Å³. An atom's distance to its own periodic images is not tested,
 * as in CDVAE, whose distance matrix has its diagonal padded.
 *
 * Compositional validity (`smact_validity` with `use_pauling_test=True, include_alloys=True`), on the element
 * counts divided by their greatest common divisor:
 *  1. one element → valid;
 *  2. every element in `smact.metals` → valid (an alloy);
 *  3. otherwise valid iff some assignment of ONE SMACT oxidation state per element (smact-data.ts) is charge
 *     neutral (Σ count·state = 0) and passes SMACT's Pauling test: for every pair of elements (in order of atomic
 *     number) where one is a cation and the other an anion, the cation is strictly less electronegative. SMACT's
 *     quirks with missing electronegativities are reproduced: a missing value in a cation–anion pair makes
 *     Python raise TypeError, which CDVAE catches as "test passed"; a missing value in a same-sign pair fails it.
 *
 * Because each element takes a single oxidation state, mixed-valence compounds such as magnetite Fe3O4
 * (Fe²⁺Fe³⁺₂O4) are INVALID under this rule — that is what the published numbers count. `mixedValence: true`
 * is an extension (not the field's metric) that also accepts a composition when each element is either a cation
 * or an anion and its atoms may be split over several SMACT states of that sign, with the electronegativity test
 * done per element (cations below anions; elements without a value are not tested).
 */
import type { Structure } from './structure.ts';
import { Composition } from './composition.ts';
import { atomicNumber } from './elements.ts';
import { atomicRadius } from './atomic-radii.ts';
import { DegenerateCellError, minimumPairDistance, shortestContactRatio } from './geometry.ts';
import { SMACT_MAX_Z, SMACT_METALS, SMACT_OXIDATION_STATES, smactElectronegativity } from './smact-data.ts';

/** CDVAE's thresholds. */
export const MIN_INTERATOMIC_DISTANCE = 0.5;
export const MIN_CELL_VOLUME = 0.1;

/** Physical plausibility: every contact at least this fraction of the sum of the two atomic radii. */
export const PLAUSIBLE_CONTACT_FRACTION = 0.5;

export interface PhysicalPlausibility {
  plausible: boolean;
  /** Smallest d / (r_i + r_j) over all contacts, own periodic images included (NaN for a degenerate cell). */
  shortestContactRatio: number;
}

/**
 * Physical plausibility, stricter than the 0.5 Å rule: every contact (two different atoms, or an atom and its own
 * periodic image) is at least 0.5 × (r_i + r_j), with Slater's tabulated atomic radii (atomic-radii.ts; every
 * MP-20 training crystal passes). `radius` replaces the table.
 */
export function physicalPlausibility(structure: Structure, radius: (symbol: string) => number = atomicRadius): PhysicalPlausibility {
  const n = structure.numSites;
  const frac = new Float64Array(3 * n);
  const radii = new Float64Array(n);
  structure.sites.forEach((site, i) => {
    frac[3 * i] = site.frac[0];
    frac[3 * i + 1] = site.frac[1];
    frac[3 * i + 2] = site.frac[2];
    radii[i] = radius(site.species);
  });
  let ratio: number;
  try {
    ratio = shortestContactRatio(structure.lattice.matrix, frac, radii);
  } catch (error) {
    if (error instanceof DegenerateCellError) return { plausible: false, shortestContactRatio: NaN };
    throw error;
  }
  return { plausible: ratio >= PLAUSIBLE_CONTACT_FRACTION, shortestContactRatio: ratio };
}

export interface StructuralValidity {
  valid: boolean;
  /** Shortest distance between two different atoms in Å (Infinity for a single atom, NaN when not computed). */
  minDistance: number;
  volume: number;
  /** Why it failed, when it did. */
  reason?: 'atoms-too-close' | 'volume-too-small' | 'degenerate-cell';
}

/** CDVAE's structural validity: all interatomic distances ≥ 0.5 Å and volume ≥ 0.1 Å³. */
export function structuralValidity(structure: Structure): StructuralValidity {
  const volume = structure.volume;
  // Invalid either way; skipping the distances also keeps absurdly flat cells from costing time.
  if (!(volume >= MIN_CELL_VOLUME)) return { valid: false, minDistance: NaN, volume, reason: 'volume-too-small' };
  const frac = new Float64Array(3 * structure.numSites);
  structure.sites.forEach((site, i) => {
    frac[3 * i] = site.frac[0];
    frac[3 * i + 1] = site.frac[1];
    frac[3 * i + 2] = site.frac[2];
  });
  let minDistance: number;
  try {
    minDistance = minimumPairDistance(structure.lattice.matrix, frac);
  } catch (error) {
    if (error instanceof DegenerateCellError) return { valid: false, minDistance: NaN, volume, reason: 'degenerate-cell' };
    throw error;
  }
  if (!(minDistance >= MIN_INTERATOMIC_DISTANCE)) return { valid: false, minDistance, volume, reason: 'atoms-too-close' };
  return { valid: true, minDistance, volume };
}

export type CompositionVerdict =
  | 'single-element'
  | 'alloy'
  | 'charge-neutral'
  | 'no-neutral-assignment'
  | 'electronegativity-order'
  | 'unknown-to-smact'
  | 'not-integer';

export interface CompositionalValidity {
  valid: boolean;
  verdict: CompositionVerdict;
  /** Elements (by atomic number) with their gcd-reduced counts, as tested. */
  elements: readonly string[];
  counts: readonly number[];
  /** For `charge-neutral`: one passing assignment of oxidation states (per element, or per atom group with mixed valence). */
  oxidationStates?: readonly (readonly number[])[];
}

export interface CompositionalValidityOptions {
  /** SMACT's Pauling electronegativity test (CDVAE: on). */
  pauling?: boolean;
  /** All-metal compositions are valid (CDVAE: on). */
  alloys?: boolean;
  /** Extension: allow an element's atoms to take several oxidation states of one sign (off in CDVAE). */
  mixedValence?: boolean;
}

export type CompositionInput = Composition | ReadonlyMap<string, number> | Readonly<Record<string, number>>;

const cache = new Map<string, CompositionalValidity>();
const CACHE_LIMIT = 200_000;

/**
 * CDVAE's compositional validity (see the file comment). Results are cached by (counts, options): an RL loop
 * that keeps proposing the same chemistries pays for each once.
 */
export function compositionalValidity(composition: CompositionInput, options: CompositionalValidityOptions = {}): CompositionalValidity {
  const pauling = options.pauling ?? true;
  const alloys = options.alloys ?? true;
  const mixed = options.mixedValence ?? false;
  const amounts = composition instanceof Composition ? composition.amounts : composition instanceof Map ? composition : new Map(Object.entries(composition));
  const entries: [string, number, number][] = [];
  for (const [symbol, amount] of amounts) {
    if (amount > 0) entries.push([symbol, atomicNumber(symbol), amount]);
  }
  entries.sort((p, q) => p[1] - q[1]);
  const elements = entries.map((e) => e[0]);
  const raw = entries.map((e) => e[2]);
  if (raw.some((x) => Math.abs(x - Math.round(x)) > 1e-6)) {
    return { valid: false, verdict: 'not-integer', elements, counts: raw };
  }
  let divisor = 0;
  for (const x of raw) divisor = gcd(divisor, Math.round(x));
  const counts = raw.map((x) => Math.round(x) / (divisor || 1));
  const key = `${elements.map((e, i) => `${e}${counts[i]}`).join(' ')}|${pauling ? 1 : 0}${alloys ? 1 : 0}${mixed ? 1 : 0}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const result = Object.freeze(evaluateComposition(elements, entries.map((e) => e[1]), counts, pauling, alloys, mixed));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}

function evaluateComposition(elements: string[], zs: number[], counts: number[], pauling: boolean, alloys: boolean, mixed: boolean): CompositionalValidity {
  const base = { elements, counts };
  if (elements.length === 0) return { valid: false, verdict: 'no-neutral-assignment', ...base };
  if (elements.length === 1) return { valid: true, verdict: 'single-element', ...base };
  if (zs.some((z) => z > SMACT_MAX_Z)) return { valid: false, verdict: 'unknown-to-smact', ...base };
  if (alloys && elements.every((e) => SMACT_METALS.has(e))) return { valid: true, verdict: 'alloy', ...base };
  const states = elements.map((e) => SMACT_OXIDATION_STATES[e] ?? []);
  const enegs = zs.map((z) => smactElectronegativity(z));
  const single = singleStateSearch(states, enegs, counts, pauling);
  if (single.assignment) return { valid: true, verdict: 'charge-neutral', ...base, oxidationStates: single.assignment.map((s) => [s]) };
  if (mixed) {
    const split = mixedValenceSearch(states, enegs, counts, pauling);
    if (split) return { valid: true, verdict: 'charge-neutral', ...base, oxidationStates: split };
  }
  return { valid: false, verdict: single.neutralFound ? 'electronegativity-order' : 'no-neutral-assignment', ...base };
}

/**
 * Depth-first search over one oxidation state per element (itertools.product order), pruned by the range of
 * charge the remaining elements can still contribute; each neutral assignment is put to the Pauling test.
 */
function singleStateSearch(states: readonly (readonly number[])[], enegs: readonly (number | null)[], counts: readonly number[], pauling: boolean): { assignment?: number[]; neutralFound: boolean } {
  const n = states.length;
  // minRest[i] / maxRest[i]: extreme charge elements i…n−1 can contribute.
  const minRest = new Array<number>(n + 1).fill(0);
  const maxRest = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const s = states[i]!;
    if (s.length === 0) return { neutralFound: false };
    minRest[i] = minRest[i + 1]! + counts[i]! * Math.min(...s);
    maxRest[i] = maxRest[i + 1]! + counts[i]! * Math.max(...s);
  }
  const chosen = new Array<number>(n).fill(0);
  let neutralFound = false;
  const visit = (i: number, charge: number): boolean => {
    if (i === n) {
      if (charge !== 0) return false;
      neutralFound = true;
      return !pauling || smactPaulingTest(chosen, enegs);
    }
    if (charge + minRest[i]! > 0 || charge + maxRest[i]! < 0) return false;
    for (const state of states[i]!) {
      chosen[i] = state;
      if (visit(i + 1, charge + counts[i]! * state)) return true;
    }
    return false;
  };
  return visit(0, 0) ? { assignment: [...chosen], neutralFound: true } : { neutralFound };
}

/**
 * SMACT's `pauling_test` → `eneg_states_test` as CDVAE calls it: pairs in order, a cation must be strictly less
 * electronegative than an anion. A missing value in a cation–anion pair raises TypeError in Python, which CDVAE
 * turns into "passed"; a missing value in any other pair returns False.
 */
export function smactPaulingTest(oxidationStates: readonly number[], enegs: readonly (number | null)[]): boolean {
  const n = oxidationStates.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const [ox1, ox2, e1, e2] = [oxidationStates[i]!, oxidationStates[j]!, enegs[i]!, enegs[j]!];
      if (ox1 > 0 && ox2 < 0) {
        if (e1 === null || e2 === null) return true;
        if (e1 >= e2) return false;
      } else if (ox1 < 0 && ox2 > 0) {
        if (e1 === null || e2 === null) return true;
        if (e1 <= e2) return false;
      } else if (e1 === null || e2 === null) return false;
    }
  }
  return true;
}

/**
 * The mixed-valence extension: each element is a cation or an anion; the achievable total charge of c atoms
 * over the states of that sign is a small integer set, combined over elements by dynamic programming. Returns
 * per element the states used (atoms split as needed), or undefined.
 */
function mixedValenceSearch(states: readonly (readonly number[])[], enegs: readonly (number | null)[], counts: readonly number[], pauling: boolean): number[][] | undefined {
  const n = states.length;
  for (let pattern = 0; pattern < 1 << n; pattern++) {
    // bit set = cation
    const signed = states.map((s, i) => s.filter((x) => ((pattern >> i) & 1 ? x > 0 : x < 0)));
    if (signed.some((s) => s.length === 0)) continue;
    if (pauling) {
      let ordered = true;
      for (let i = 0; i < n && ordered; i++) {
        for (let j = 0; j < n && ordered; j++) {
          const [ci, cj] = [(pattern >> i) & 1, (pattern >> j) & 1];
          const [ei, ej] = [enegs[i]!, enegs[j]!];
          if (ci && !cj && ei !== null && ej !== null && ei >= ej) ordered = false;
        }
      }
      if (!ordered) continue;
    }
    // For each element, reachable charge → one split (multiset of states) achieving it.
    const perElement = signed.map((s, i) => reachableSums(s, counts[i]!));
    let totals = new Map<number, number[][]>([[0, []]]);
    for (const reach of perElement) {
      const next = new Map<number, number[][]>();
      for (const [total, parts] of totals) {
        for (const [charge, split] of reach) {
          const sum = total + charge;
          if (!next.has(sum)) next.set(sum, [...parts, split]);
        }
      }
      totals = next;
    }
    const found = totals.get(0);
    if (found) return found;
  }
  return undefined;
}

/** Every total charge of `count` atoms each taking a state from `states`, with one multiset of states giving it. */
function reachableSums(states: readonly number[], count: number): Map<number, number[]> {
  // sum → bit mask of the states used (index into `states`) by the first split found.
  let current = new Map<number, number>([[0, 0]]);
  for (let atom = 0; atom < count; atom++) {
    const next = new Map<number, number>();
    for (const [sum, used] of current) {
      states.forEach((state, k) => {
        const total = sum + state;
        if (!next.has(total)) next.set(total, used | (1 << k));
      });
    }
    current = next;
  }
  return new Map([...current].map(([sum, used]) => [sum, states.filter((_, k) => (used >> k) & 1)]));
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}
