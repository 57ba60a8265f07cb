/**
 * The most probable charge-balanced oxidation states of a composition, as pymatgen's
 * `Composition.oxi_state_guesses(max_sites=-20)[0]` finds them (the MP2020 scheme uses it to decide whether N, H,
 * Si, Se, Te, Sb and the halogens are anions). pymatgen's procedure:
 *   1. reduce the formula; give up (no guess) if the reduced formula has more than 20 atoms;
 *   2. for each element with n atoms, every multiset of n oxidation states from its candidate list gives a sum;
 *      keep, per sum, the best score Σ ICSD occurrence of the states;
 *   3. over all choices of one sum per element that add up to zero, pick the highest total score; among equal
 *      scores the first in pymatgen's enumeration order (elements in composition order, sums in order of first
 *      appearance) wins;
 *   4. report each element's average state (sum / n).
 * pymatgen walks the full product of step 3; we find the same winner with a dynamic programme over elements
 * (scores are integer counts, so comparisons are exact).
 */
import type { Composition } from '../../shared/crystal/composition.ts';
import { CANDIDATE_OXIDATION_STATES, ICSD_OCCURRENCE } from './oxidation-data.ts';

/** pymatgen's max_sites = −20 in the MP2020 scheme. */
const MAX_REDUCED_ATOMS = 20;
/** Multisets enumerated per element beyond which we give up (pymatgen would grind on; such formulas are exotic). */
const MAX_MULTISETS = 5_000_000;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

interface SumOption {
  sum: number;
  score: number;
}

/** Possible oxidation-state sums of `count` atoms of an element, in order of first appearance, with their best score. */
function sumOptions(symbol: string, count: number): SumOption[] | null {
  const states = CANDIDATE_OXIDATION_STATES[symbol] ?? [];
  const occurrence = ICSD_OCCURRENCE[symbol] ?? {};
  const k = states.length;
  if (k === 0) return [];
  // Number of multisets C(count + k − 1, k − 1).
  let multisets = 1;
  for (let i = 1; i < k; i++) multisets = (multisets * (count + i)) / i;
  if (multisets > MAX_MULTISETS) return null;
  const options = new Map<number, number>();
  // combinations_with_replacement order: non-decreasing index sequences in lexicographic order.
  const walk = (start: number, left: number, sum: number, score: number): void => {
    if (left === 0) {
      const best = options.get(sum);
      if (best === undefined || score > best) options.set(sum, score);
      return;
    }
    for (let i = start; i < k; i++) walk(i, left - 1, sum + states[i]!, score + (occurrence[states[i]!] ?? 0));
  };
  walk(0, count, 0, 0);
  return [...options].map(([sum, score]) => ({ sum, score }));
}

/**
 * Element → average oxidation state of the most probable charge-balanced assignment, or an empty record when
 * pymatgen would find none (no assignment balances, a non-integer amount, or a reduced formula above 20 atoms).
 */
export function guessOxidationStates(composition: Composition): Record<string, number> {
  // Screening revisits the same few formulas; the answer depends only on the element order and amounts.
  const key = [...composition.amounts].map(([symbol, amount]) => `${symbol}${amount}`).join(' ');
  const cached = guessCache.get(key);
  if (cached !== undefined) return { ...cached };
  const result = computeGuess(composition);
  if (guessCache.size >= GUESS_CACHE_SIZE) guessCache.delete(guessCache.keys().next().value!);
  guessCache.set(key, result);
  return { ...result };
}

const GUESS_CACHE_SIZE = 4096;
const guessCache = new Map<string, Readonly<Record<string, number>>>();

function computeGuess(composition: Composition): Record<string, number> {
  const amounts = [...composition.amounts];
  if (amounts.length === 0 || amounts.some(([, amount]) => !Number.isInteger(amount))) return {};
  const divisor = amounts.reduce((g, [, amount]) => gcd(g, amount), 0);
  const reduced = amounts.map(([symbol, amount]) => [symbol, amount / divisor] as const);
  if (reduced.reduce((n, [, amount]) => n + amount, 0) > MAX_REDUCED_ATOMS) return {};

  const options: SumOption[][] = [];
  for (const [symbol, amount] of reduced) {
    const list = sumOptions(symbol, amount);
    if (list === null || list.length === 0) return {};
    options.push(list);
  }
  // bestFrom[i]: suffix charge t → best score of elements i… whose sums add up to t.
  const bestFrom: Map<number, number>[] = new Array(options.length + 1);
  bestFrom[options.length] = new Map([[0, 0]]);
  for (let i = options.length - 1; i >= 0; i--) {
    const next = bestFrom[i + 1]!;
    const here = new Map<number, number>();
    for (const { sum, score } of options[i]!) {
      for (const [rest, restScore] of next) {
        const total = sum + rest;
        const candidate = score + restScore;
        const current = here.get(total);
        if (current === undefined || candidate > current) here.set(total, candidate);
      }
    }
    bestFrom[i] = here;
  }
  if (!bestFrom[0]!.has(0)) return {};
  // Walk forward taking, at each element, the first sum (pymatgen's order) that still reaches the best total.
  const result: Record<string, number> = {};
  let needed = 0;
  for (let i = 0; i < options.length; i++) {
    const target = bestFrom[i]!.get(needed)!;
    const choice = options[i]!.find(({ sum, score }) => bestFrom[i + 1]!.get(needed - sum) !== undefined && score + bestFrom[i + 1]!.get(needed - sum)! === target)!;
    const [symbol, amount] = reduced[i]!;
    result[symbol] = choice.sum / amount;
    needed -= choice.sum;
  }
  return result;
}
