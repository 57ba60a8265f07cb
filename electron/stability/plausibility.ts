/**
 * Strict compositional plausibility — the check reward specs and evaluation use instead of (or beside) the SMACT
 * rule, which accepts a composition if ANY listed oxidation state balances it (Sr4HfZrO6 passes with Hf(II) and
 * Zr(II) in an oxide). Here oxidation states are weighted by how often the ICSD holds them:
 *
 *   P(element, state) = ICSD occurrence of the state / the element's total occurrence (state 0 included),
 *
 * from pymatgen's `analysis/icsd_bv.yaml` (./oxidation-data.ts). On the formula reduced by the gcd of its counts:
 *   - one element: valid with `alloys` on (an elemental solid has no charges to balance), invalid with it off
 *     (the ionic-compounds-only mode: H₂, N₂ or the halogens are not charge-balanced compounds either);
 *   - every element a metal (pymatgen's `Element.is_metal`) and `alloys` on: valid ('alloy');
 *   - otherwise valid iff every atom can take a NON-ZERO oxidation state with P ≥ `minStateProbability`
 *     (default 0.05) such that the charges sum to zero, each element is wholly a cation or wholly an anion (its
 *     atoms may mix states of one sign, as in Fe3O4), and every cation is strictly less electronegative (Pauling,
 *     pymatgen's Element.X) than every anion.
 * The score reported is the largest product of P over all atoms among valid assignments (its logarithm).
 *
 * Why a threshold per state rather than on the product: a product shrinks with the number of atoms, so one
 * threshold would judge big and small cells differently; "each atom in a state that at least 5 % of the element's
 * ICSD compounds show" reads the same for any cell. 0.05 rejects Hf(II) (5 of 230) and Zr(II) (17 of 596). How
 * often it agrees with "charge-balanced with pymatgen's common oxidation states" on MP-20 validation formulas:
 * `/usr/bin/python3 scripts/composition_plausibility.py agreement` (the same script is the independent reference
 * the tests compare with).
 */
import { Composition } from '../../shared/crystal/composition.ts';
import { atomicNumber, electronegativity } from '../../shared/crystal/elements.ts';
import { ICSD_OCCURRENCE } from './oxidation-data.ts';

export const DEFAULT_MIN_STATE_PROBABILITY = 0.05;

export interface PlausibilityOptions {
  /** Least ICSD probability of an oxidation state an atom may take (default 0.05). */
  minStateProbability?: number;
  /** All-metal compositions pass as intermetallics (default true). */
  alloys?: boolean;
}

export type PlausibilityVerdict =
  | 'single-element'
  | 'alloy'
  | 'charge-balanced'
  | 'no-balanced-assignment'
  | 'electronegativity-order'
  | 'no-common-state'
  | 'not-integer';

export interface CompositionalPlausibility {
  valid: boolean;
  verdict: PlausibilityVerdict;
  /** Elements by atomic number with their gcd-reduced counts, as tested. */
  elements: readonly string[];
  counts: readonly number[];
  /** For 'charge-balanced': the states of each element's atoms in the most probable valid assignment (sorted). */
  oxidationStates?: Readonly<Record<string, readonly number[]>>;
  /** For 'charge-balanced': ln of the product of P over all atoms of that assignment. */
  logScore?: number;
  /** For 'no-common-state': the elements without any state at or above the threshold. */
  missing?: readonly string[];
}

/** One line naming the rule and its parameters: printed with every result that uses it. */
export function plausibilityRule(options: PlausibilityOptions = {}): string {
  const tau = options.minStateProbability ?? DEFAULT_MIN_STATE_PROBABILITY;
  const alloys = options.alloys ?? true;
  return (
    `strict composition (ICSD-weighted oxidation states): every atom in a non-zero oxidation state held by ≥ ${(100 * tau).toFixed(tau < 0.01 ? 1 : 0)} % of the ` +
    `element's ICSD compounds (pymatgen icsd_bv.yaml), charges summing to zero, each element wholly cation or anion, cations less ` +
    `electronegative than anions${alloys ? '; all-metal compositions pass as intermetallics, elements as elemental solids' : '; elements and all-metal compositions fail'}`
  );
}

/**
 * pymatgen's `Element.is_metal` (alkali, alkaline-earth, transition, post-transition metals, lanthanoids and
 * actinoids; not the metalloids B, Si, Ge, As, Sb, Te, Po), for Z ≤ 103, listed from pymatgen 2022.11.7.
 */
export const PYMATGEN_METALS: ReadonlySet<string> = new Set(
  (
    'Ac Ag Al Am Au Ba Be Bi Bk Ca Cd Ce Cf Cm Co Cr Cs Cu Dy Er Es Eu Fe Fm Fr Ga Gd Hf Hg Ho In Ir K La Li Lr Lu Md ' +
    'Mg Mn Mo Na Nb Nd Ni No Np Os Pa Pb Pd Pm Pr Pt Pu Ra Rb Re Rh Ru Sc Sm Sn Sr Ta Tb Tc Th Ti Tl Tm U V W Y Yb Zn Zr'
  ).split(' '),
);

/** P(state) of every state of every element in the ICSD table. */
const STATE_PROBABILITY: ReadonlyMap<string, ReadonlyMap<number, number>> = new Map(
  Object.entries(ICSD_OCCURRENCE).map(([symbol, table]) => {
    const entries = Object.entries(table).map(([state, n]) => [Number(state), n] as const);
    const total = entries.reduce((s, [, n]) => s + n, 0);
    return [symbol, new Map(entries.map(([state, n]) => [state, n / total]))] as const;
  }),
);

/** ICSD probability of `state` for `symbol` (0 when the table does not hold it). */
export function oxidationStateProbability(symbol: string, state: number): number {
  return STATE_PROBABILITY.get(symbol)?.get(state) ?? 0;
}

const cache = new Map<string, CompositionalPlausibility>();
const CACHE_LIMIT = 100_000;

export type CompositionLike = Composition | ReadonlyMap<string, number> | Readonly<Record<string, number>>;

/** The strict rule of the file comment. Results are cached by (reduced counts, options). */
export function compositionalPlausibility(composition: CompositionLike, options: PlausibilityOptions = {}): CompositionalPlausibility {
  const tau = options.minStateProbability ?? DEFAULT_MIN_STATE_PROBABILITY;
  const alloys = options.alloys ?? true;
  const amounts = composition instanceof Composition ? composition.amounts : composition instanceof Map ? composition : new Map(Object.entries(composition));
  const entries = [...amounts].filter(([, amount]) => amount > 0).sort((p, q) => atomicNumber(p[0]) - atomicNumber(q[0]));
  const elements = entries.map(([symbol]) => symbol);
  const raw = entries.map(([, amount]) => amount);
  if (raw.some((x) => Math.abs(x - Math.round(x)) > 1e-6)) return { valid: false, verdict: 'not-integer', elements, counts: raw };
  const divisor = raw.reduce((g, x) => gcd(g, Math.round(x)), 0) || 1;
  const counts = raw.map((x) => Math.round(x) / divisor);
  const key = `${elements.map((e, i) => `${e}${counts[i]}`).join(' ')}|${tau}|${alloys ? 1 : 0}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const result = Object.freeze(evaluate(elements, counts, tau, alloys));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}

interface Reach {
  /** ln P of the best multiset reaching the charge. */
  score: number;
  states: number[];
}

function evaluate(elements: string[], counts: number[], tau: number, alloys: boolean): CompositionalPlausibility {
  const base = { elements, counts };
  if (elements.length === 0) return { valid: false, verdict: 'no-balanced-assignment', ...base };
  if (elements.length === 1) return { valid: alloys, verdict: 'single-element', ...base };
  if (alloys && elements.every((e) => PYMATGEN_METALS.has(e))) return { valid: true, verdict: 'alloy', ...base };
  const allowed = elements.map((e) => [...(STATE_PROBABILITY.get(e) ?? new Map<number, number>())].filter(([state, p]) => state !== 0 && p >= tau));
  const missing = elements.filter((_, i) => allowed[i]!.length === 0);
  if (missing.length) return { valid: false, verdict: 'no-common-state', ...base, missing };
  const enegs = elements.map((e) => electronegativity(e));
  const reachCache = new Map<string, Map<number, Reach>>();
  const reachOf = (i: number, sign: 1 | -1) => {
    const k = `${i}${sign}`;
    let r = reachCache.get(k);
    if (!r) reachCache.set(k, (r = reachableCharges(allowed[i]!.filter(([s]) => Math.sign(s) === sign), counts[i]!)));
    return r;
  };
  let best: { score: number; states: number[][] } | undefined;
  let balanced = false;
  const n = elements.length;
  for (let pattern = 0; pattern < 1 << n; pattern++) {
    const signs = elements.map((_, i) => (((pattern >> i) & 1) === 1 ? 1 : -1) as 1 | -1);
    const reaches = signs.map((sign, i) => reachOf(i, sign));
    if (reaches.some((r) => r.size === 0)) continue;
    const ordered = signs.every((si, i) => signs.every((sj, j) => !(si > 0 && sj < 0) || (enegs[i] !== null && enegs[j] !== null && enegs[i]! < enegs[j]!)));
    if (!ordered && balanced) continue; // only needed to tell 'electronegativity-order' from 'no-balanced-assignment'
    // Combine elements: total charge → the best (score, per-element states) reaching it.
    let totals = new Map<number, { score: number; states: number[][] }>([[0, { score: 0, states: [] }]]);
    for (const reach of reaches) {
      const next = new Map<number, { score: number; states: number[][] }>();
      for (const [total, partial] of totals) {
        for (const [charge, r] of reach) {
          const sum = total + charge;
          const score = partial.score + r.score;
          const current = next.get(sum);
          if (!current || score > current.score) next.set(sum, { score, states: [...partial.states, r.states] });
        }
      }
      totals = next;
    }
    const neutral = totals.get(0);
    if (!neutral) continue;
    balanced = true;
    if (ordered && (!best || neutral.score > best.score)) best = neutral;
  }
  if (best) {
    return {
      valid: true,
      verdict: 'charge-balanced',
      ...base,
      oxidationStates: Object.fromEntries(elements.map((e, i) => [e, [...best!.states[i]!].sort((a, b) => a - b)])),
      logScore: best.score,
    };
  }
  return { valid: false, verdict: balanced ? 'electronegativity-order' : 'no-balanced-assignment', ...base };
}

/** Every total charge `count` atoms reach with the given (state, P) pairs, with the most probable multiset for each. */
function reachableCharges(states: readonly (readonly [number, number])[], count: number): Map<number, Reach> {
  if (states.length === 0) return new Map();
  let current = new Map<number, Reach>([[0, { score: 0, states: [] }]]);
  // best(c atoms, charge q) = max over the last atom's state k of best(c − 1, q − state_k) + ln P_k: exact, since the
  // score of a multiset is the sum over its atoms.
  for (let atom = 0; atom < count; atom++) {
    const next = new Map<number, Reach>();
    for (const [sum, reach] of current) {
      for (let k = 0; k < states.length; k++) {
        const [state, p] = states[k]!;
        const total = sum + state;
        const score = reach.score + Math.log(p);
        const existing = next.get(total);
        if (!existing || score > existing.score) {
          next.set(total, { score, states: [...reach.states, state] });
        }
      }
    }
    current = next;
  }
  return current;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}
