/**
 * Exact-composition decoding (structure prediction from a formula): the masks that let the sampler draw only Wyckoff
 * sequences whose multiplicities give exactly one of the requested cell compositions (a formula × Z), so every
 * completed crystal has that composition — no rejection loop.
 *
 * The question asked at each token is "can the rest of the crystal still be completed?". The model's ordering rules
 * (model/masks.ts) say what may follow a site with letter p: letters never decrease, and a position without free
 * coordinates (dof 0) is not repeated — so after p, the fixed positions with a letter > p are each usable at most
 * once, and the free positions with a letter ≥ p any number of times. The rest of the crystal is a multiset of such
 * positions, each given one element, so that every element's remaining count is the sum of its positions'
 * multiplicities, using at most the slots left (20 sites in all). `minSites` answers it exactly: the fixed positions
 * are shared between the elements, so a search assigns each of them to an element or to none (memoised on the
 * remaining counts), and what is left of each element is made from free positions alone — an unbounded
 * coin-change table (fewest sites for each count).
 */
import { type WyckoffTables, MAX_SITES, WYCKOFF_VOCAB } from '../../../shared/tokens/index.ts';

/** The compositions the crystals may have: elements (atomic numbers) and, per allowed cell, the count of each. */
export interface CompositionCondition {
  /** Atomic numbers, distinct. */
  elements: number[];
  /** One count vector per allowed cell (e.g. per Z), aligned with `elements`; atoms in the conventional cell. */
  cellCounts: number[][];
}

const UNREACHABLE = Number.POSITIVE_INFINITY;

/** The positions still usable after a site with letter `previous` (0 = before the first site) in one group. */
interface Continuation {
  /** Multiplicities of the fixed (dof 0) positions with a letter > previous, each usable once. */
  fixed: number[];
  /** fewestFree[n]: fewest free positions (letter ≥ previous, repeatable) whose multiplicities sum to n. */
  fewestFree: Float64Array;
  /** Memo of the search over `fixed`: key `j|counts` → fewest sites. */
  memo: Map<string, number>;
}

export class CompositionConstraint {
  readonly elements: readonly number[];
  readonly cellCounts: readonly (readonly number[])[];
  private readonly largestCount: number;
  private readonly continuations = new Map<number, Continuation>();
  private readonly elementIndex = new Map<number, number>();

  constructor(
    condition: CompositionCondition,
    private readonly tables: WyckoffTables,
  ) {
    validateComposition(condition);
    this.elements = condition.elements;
    this.cellCounts = condition.cellCounts;
    this.largestCount = Math.max(...condition.cellCounts.flat());
    condition.elements.forEach((z, i) => this.elementIndex.set(z, i));
  }

  /** Index of atomic number `z` in `elements`, or −1. */
  indexOf(z: number): number {
    return this.elementIndex.get(z) ?? -1;
  }

  multiplicity(group: number, letter: number): number {
    return this.tables.multiplicityOf(group, letter);
  }

  /**
   * The fewest further sites that complete `remaining` (atoms still to place per element) after a site with letter
   * index `previous` (0 = no site yet) in `group`; Infinity when no sequence the model may write completes it.
   */
  minSites(group: number, previous: number, remaining: ArrayLike<number>): number {
    // The answer depends only on the multiset of remaining counts (elements are interchangeable here): search on
    // them sorted, so permutations share the memo. Each element still to place needs a site of its own.
    const left: number[] = [];
    for (let i = 0; i < remaining.length; i++) {
      if (remaining[i]! < 0) return UNREACHABLE;
      if (remaining[i]! > 0) left.push(remaining[i]!);
    }
    if (left.length === 0) return 0;
    if (left.length > MAX_SITES) return UNREACHABLE;
    left.sort((a, b) => a - b);
    return this.search(this.continuation(group, previous), 0, left);
  }

  /** The cell counts (indices into `cellCounts`) some sequence of `group` reaches within the 20 sites. */
  reachableCells(group: number): number[] {
    return this.cellCounts.flatMap((counts, t) => (this.minSites(group, 0, counts) <= MAX_SITES ? [t] : []));
  }

  /** A crystal may stop only when its counts are exactly one of the allowed cells. */
  mayStop(counts: ArrayLike<number>): boolean {
    return this.cellCounts.some((target) => target.every((n, i) => n === counts[i]));
  }

  /**
   * May the site at slot `slot` (0-based) take letter `letter`, given the counts placed so far? Yes when some element
   * can take it (see `mayTakeElement`). The model's own ordering mask is applied separately.
   */
  mayTakeLetter(group: number, slot: number, counts: ArrayLike<number>, letter: number): boolean {
    for (let i = 0; i < this.elements.length; i++) if (this.mayTakeElement(group, slot, counts, letter, i)) return true;
    return false;
  }

  /**
   * May the site at slot `slot` with letter `letter` take element `element` (an index into `elements`)? Yes when
   * for some allowed cell the element still has at least the letter's multiplicity to place and the rest can be
   * completed in the slots left after this one.
   */
  mayTakeElement(group: number, slot: number, counts: ArrayLike<number>, letter: number, element: number): boolean {
    const m = this.multiplicity(group, letter);
    if (m === 0) return false;
    const sitesLeft = MAX_SITES - (slot + 1);
    const remaining = new Array<number>(this.elements.length);
    for (const target of this.cellCounts) {
      let ok = true;
      for (let i = 0; i < target.length; i++) {
        remaining[i] = target[i]! - counts[i]! - (i === element ? m : 0);
        if (remaining[i]! < 0) ok = false;
      }
      if (ok && this.minSites(group, letter, remaining) <= sitesLeft) return true;
    }
    return false;
  }

  private continuation(group: number, previous: number): Continuation {
    const key = group * WYCKOFF_VOCAB + previous;
    let c = this.continuations.get(key);
    if (c) return c;
    const wmax = this.tables.wmax[group - 1]!;
    const fixed: number[] = [];
    const free: number[] = [];
    for (let w = Math.max(previous, 1); w <= wmax; w++) {
      const m = this.tables.multiplicityOf(group, w);
      if (this.tables.isFixedPoint(group, w)) {
        if (w > previous) fixed.push(m);
      } else if (!free.includes(m)) {
        free.push(m);
      }
    }
    // Unbounded coin change: fewest free positions summing to each count.
    const fewestFree = new Float64Array(this.largestCount + 1).fill(UNREACHABLE);
    fewestFree[0] = 0;
    for (let n = 1; n <= this.largestCount; n++) {
      for (const m of free) if (m <= n && fewestFree[n - m]! + 1 < fewestFree[n]!) fewestFree[n] = fewestFree[n - m]! + 1;
    }
    c = { fixed, fewestFree, memo: new Map() };
    this.continuations.set(key, c);
    return c;
  }

  /** Fewest sites for `remaining` using fixed positions j… (each to one element or unused) and free ones. */
  private search(c: Continuation, j: number, remaining: number[]): number {
    if (j === c.fixed.length) {
      let sites = 0;
      for (const n of remaining) sites += c.fewestFree[n]!;
      return sites;
    }
    const key = `${j}|${remaining.slice().sort((a, b) => a - b).join(',')}`;
    const known = c.memo.get(key);
    if (known !== undefined) return known;
    let best = this.search(c, j + 1, remaining);
    const m = c.fixed[j]!;
    for (let i = 0; i < remaining.length; i++) {
      if (remaining[i]! < m) continue;
      remaining[i]! -= m;
      const sites = 1 + this.search(c, j + 1, remaining);
      remaining[i]! += m;
      if (sites < best) best = sites;
    }
    c.memo.set(key, best);
    return best;
  }
}

/** Throws a one-line error for a malformed condition (duplicate or unknown elements, bad or mismatched counts). */
export function validateComposition(condition: CompositionCondition): void {
  const { elements, cellCounts } = condition;
  if (elements.length === 0) throw new Error('the composition has no elements');
  if (new Set(elements).size !== elements.length) throw new Error('the composition names an element twice');
  for (const z of elements) if (!(Number.isInteger(z) && z >= 1 && z <= 118)) throw new Error(`the composition has atomic number ${z}, not 1…118`);
  if (cellCounts.length === 0) throw new Error('the composition has no cell counts');
  for (const counts of cellCounts) {
    if (counts.length !== elements.length) throw new Error(`a cell count vector has ${counts.length} entries for ${elements.length} elements`);
    for (const n of counts) if (!(Number.isInteger(n) && n >= 1)) throw new Error(`cell counts must be whole numbers ≥ 1, got ${n}`);
  }
}

/** One constraint per condition object, so chunks and batches of one run share the memo. */
const constraints = new WeakMap<CompositionCondition, CompositionConstraint>();

export function compositionConstraint(condition: CompositionCondition, tables: WyckoffTables): CompositionConstraint {
  let c = constraints.get(condition);
  if (!c) {
    c = new CompositionConstraint(condition, tables);
    constraints.set(condition, c);
  }
  return c;
}
