/**
 * Structure prediction from a formula, the plan: which cell compositions (formula × Z, atoms in the conventional
 * cell — the cell whose Wyckoff multiplicities the model writes) and which space groups to sample, as sampling
 * conditions for the exact-composition decoder (engine/sample/composition.ts).
 *
 * Space groups, when the user names none, are every group in which some allowed Z can be written within 20 sites,
 * weighted by the model's training distribution (the card's space-group counts: the model's own prior p(g), which it
 * was trained to be conditioned on); groups the training data never had get no weight unless no reachable group
 * has any, in which case all reachable groups are drawn uniformly. predict.ts's weighGroupsByModel then turns
 * this prior into the model's posterior p(g | formula). The model chooses Z itself, token by token, among the Z
 * that group can reach.
 */
import { Composition, FormulaError } from '../../shared/crystal/composition.ts';
import { atomicNumber } from '../../shared/crystal/elements.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { MAX_SITES, SPACE_GROUPS, wyckoffTables } from '../../shared/tokens/index.ts';
import { type CompositionCondition, compositionConstraint } from '../engine/sample/composition.ts';
import type { SamplingConditions } from '../engine/sample/conditions.ts';

/** Default Z: every Z whose conventional cell has at most this many atoms (a 20-atom primitive cell of an F lattice). */
export const DEFAULT_MAX_CELL_ATOMS = 80;

export interface FormulaUnit {
  /** The formula as the user wrote it, e.g. 'Li3PS4'. */
  text: string;
  symbols: string[];
  /** Whole numbers of atoms per formula unit, aligned with `symbols`. */
  amounts: number[];
  atoms: number;
}

export interface CspPlan {
  unit: FormulaUnit;
  /** Z values allowed (formula units per conventional cell). */
  zs: number[];
  condition: CompositionCondition;
  /** The groups that will be drawn, with their weights (summing to 1) and the Z each can reach. */
  groups: { group: number; symbol: string; weight: number; zs: number[] }[];
  /**
   * How the groups were weighted: 'given' (--spacegroup, uniform), 'training distribution' (p(g) from the card),
   * 'uniform' (no reachable group in the training data), or 'model' (p(g) × the model's estimated probability of
   * writing the formula in g: weighGroupsByModel in predict.ts).
   */
  groupChoice: 'given' | 'training distribution' | 'uniform' | 'model';
  conditions: SamplingConditions;
}

export interface CspPlanRequest {
  formula: string;
  /** Z values; default: all with at most DEFAULT_MAX_CELL_ATOMS atoms in the cell (or the `atoms` range). */
  zs?: number[];
  /** Alternatively a range of atoms in the conventional cell: every Z whose cell falls in it. */
  atoms?: { min: number; max: number };
  spaceGroups?: number[];
  /** The model card's training counts per space group (index g − 1). */
  spaceGroupCounts: ArrayLike<number>;
}

/** Parses a formula into whole-number amounts; one-line errors. */
export function parseFormulaUnit(formula: string): FormulaUnit {
  let composition: Composition;
  try {
    composition = Composition.fromFormula(formula);
  } catch (error) {
    if (error instanceof FormulaError) throw new Error(`formula '${formula}': ${error.message}`);
    throw error;
  }
  const symbols = composition.elements;
  if (symbols.length === 0) throw new Error(`formula '${formula}' has no atoms`);
  const amounts = symbols.map((s) => composition.amount(s));
  for (const [i, amount] of amounts.entries()) {
    if (!Number.isInteger(amount)) throw new Error(`formula '${formula}': ${symbols[i]} has ${amount} atoms; a crystal's formula unit needs whole numbers`);
  }
  return { text: formula, symbols, amounts, atoms: amounts.reduce((a, b) => a + b, 0) };
}

/** Parses '1,2,4' or '1-4' or a mix ('1,2,6-8') into distinct Z values, sorted. */
export function parseZList(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const item = part.trim();
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(item);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (lo < 1 || hi < lo || hi > 1000) throw new Error(`--z '${item}': a range is LOW-HIGH with 1 ≤ LOW ≤ HIGH ≤ 1000`);
      for (let z = lo; z <= hi; z++) out.add(z);
    } else if (/^\d+$/.test(item) && Number(item) >= 1 && Number(item) <= 1000) {
      out.add(Number(item));
    } else {
      throw new Error(`--z '${item}': expected a whole number from 1 to 1000 or a range such as 1-4`);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Parses 'MIN-MAX' (or one number) atoms in the conventional cell. */
export function parseAtomRange(text: string): { min: number; max: number } {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) throw new Error(`--atoms '${text}': expected MIN-MAX atoms in the conventional cell, e.g. 4-40`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < 1 || max < min) throw new Error(`--atoms '${text}': need 1 ≤ MIN ≤ MAX`);
  return { min, max };
}

export function planStructurePrediction(request: CspPlanRequest): CspPlan {
  const unit = parseFormulaUnit(request.formula);
  let zs: number[];
  if (request.zs) {
    zs = request.zs;
  } else {
    const { min, max } = request.atoms ?? { min: 1, max: DEFAULT_MAX_CELL_ATOMS };
    zs = [];
    for (let z = 1; z * unit.atoms <= max; z++) if (z * unit.atoms >= min) zs.push(z);
    if (zs.length === 0) {
      throw new Error(request.atoms ? `no Z puts ${unit.text} (${unit.atoms} atoms per formula unit) at ${min}–${max} atoms per cell` : `${unit.text} has more than ${max} atoms per formula unit; give --z`);
    }
  }
  const condition: CompositionCondition = {
    elements: unit.symbols.map((s) => atomicNumber(s)),
    cellCounts: zs.map((z) => unit.amounts.map((n) => n * z)),
  };
  // Through the shared cache: the sampler validates and decodes with this same condition object and its memo.
  const constraint = compositionConstraint(condition, wyckoffTables());
  const zsReached = (g: number) => constraint.reachableCells(g).map((t) => zs[t]!);
  const zText = zs.length === 1 ? `Z = ${zs[0]}` : `any Z of ${zs.join(', ')}`;

  let groups: CspPlan['groups'];
  let groupChoice: CspPlan['groupChoice'];
  if (request.spaceGroups) {
    groupChoice = 'given';
    groups = request.spaceGroups.map((g) => {
      if (!(Number.isInteger(g) && g >= 1 && g <= SPACE_GROUPS)) throw new Error(`space group ${g} is not a number from 1 to 230`);
      const reached = zsReached(g);
      if (reached.length === 0) {
        throw new Error(`no Wyckoff combination of space group ${g} (${getSpaceGroup(g).symbol}) gives ${unit.text} with ${zText} (conventional cell, at most ${MAX_SITES} sites)`);
      }
      return { group: g, symbol: getSpaceGroup(g).symbol, weight: 1 / request.spaceGroups!.length, zs: reached };
    });
  } else {
    const reachable: { group: number; zs: number[]; count: number }[] = [];
    for (let g = 1; g <= SPACE_GROUPS; g++) {
      const reached = zsReached(g);
      if (reached.length > 0) reachable.push({ group: g, zs: reached, count: Math.max(0, request.spaceGroupCounts[g - 1] ?? 0) });
    }
    if (reachable.length === 0) throw new Error(`no space group has a Wyckoff combination that gives ${unit.text} with ${zText} (conventional cell, at most ${MAX_SITES} sites)`);
    const total = reachable.reduce((sum, r) => sum + r.count, 0);
    groupChoice = total > 0 ? 'training distribution' : 'uniform';
    groups = reachable
      .filter((r) => total === 0 || r.count > 0)
      .map((r) => ({ group: r.group, symbol: getSpaceGroup(r.group).symbol, weight: total > 0 ? r.count / total : 1 / reachable.length, zs: r.zs }));
  }
  const weights = new Array<number>(SPACE_GROUPS).fill(0);
  for (const g of groups) weights[g.group - 1] = g.weight;
  const conditions: SamplingConditions = { spaceGroups: { kind: 'distribution', weights }, composition: condition };
  return { unit, zs, condition, groups, groupChoice, conditions };
}
