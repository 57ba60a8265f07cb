/**
 * Exact-composition masks (electron/engine/sample/composition.ts) against brute force: every Wyckoff/element
 * sequence the model's ordering mask (writeWyckoffMask) allows is enumerated directly, letter by letter, and the
 * constraint's answers — may this letter / element come next, may the crystal stop, is the composition reachable
 * at all — must be exactly those of the enumeration. Then random walks through the masks alone (no model) must
 * always end on the formula, never stuck.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { MAX_SITES, WYCKOFF_VOCAB, wyckoffTables, type WyckoffTables } from '../../../shared/tokens/index.ts';
import { FORBIDDEN, writeWyckoffMask } from '../../../electron/engine/model/masks.ts';
import { CompositionConstraint, type CompositionCondition } from '../../../electron/engine/sample/composition.ts';
import { validateConditions } from '../../../electron/engine/sample/conditions.ts';
import { Rng } from '../../../shared/random.ts';

let tables: WyckoffTables;
beforeAll(async () => {
  await initSymmetry();
  tables = wyckoffTables();
});

/** Formula unit × each Z → a condition (counts in the conventional cell). */
function cells(formula: Record<string, number>, zs: number[]): CompositionCondition {
  const symbols = Object.keys(formula);
  return { elements: symbols.map((s) => atomicNumber(s)), cellCounts: zs.map((z) => symbols.map((s) => formula[s]! * z)) };
}

function modelAllows(group: number, slot: number, previous: number | null): boolean[] {
  const mask = new Float32Array(WYCKOFF_VOCAB);
  writeWyckoffMask(tables, group, previous, mask, 0, slot);
  return Array.from(mask, (v) => v !== FORBIDDEN);
}

/**
 * Brute force: can a crystal with `counts` placed, `slot` sites written and last letter `previous` be completed to
 * one of the cells? Tries every letter the ordering mask allows and every element, with no knowledge of which
 * letters are fixed or free beyond what the mask says.
 */
function bruteForce(condition: CompositionCondition, group: number) {
  const ceiling = condition.elements.map((_, i) => Math.max(...condition.cellCounts.map((c) => c[i]!)));
  const memo = new Map<string, boolean>();
  const isCell = (counts: number[]) => condition.cellCounts.some((c) => c.every((n, i) => n === counts[i]));
  const canComplete = (slot: number, previous: number | null, counts: number[]): boolean => {
    if (slot >= 1 && isCell(counts)) return true;
    const key = `${slot}|${previous}|${counts.join(',')}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let ok = false;
    const allowed = modelAllows(group, slot, previous);
    for (let w = 1; w < WYCKOFF_VOCAB && !ok; w++) {
      if (!allowed[w]) continue;
      const m = tables.multiplicityOf(group, w);
      for (let i = 0; i < counts.length && !ok; i++) {
        if (counts[i]! + m > ceiling[i]!) continue;
        const next = counts.slice();
        next[i]! += m;
        ok = canComplete(slot + 1, w, next);
      }
    }
    memo.set(key, ok);
    return ok;
  };
  return { canComplete, ceiling };
}

/** Every state the brute force can reach from the start while staying completable, compared token by token. */
function compareEverywhere(condition: CompositionCondition, group: number): { states: number; reachable: boolean } {
  const constraint = new CompositionConstraint(condition, tables);
  const { canComplete, ceiling } = bruteForce(condition, group);
  const reachable = canComplete(0, null, condition.elements.map(() => 0));
  expect(constraint.reachableCells(group).length > 0, `reachable in ${group}`).toBe(reachable);
  const seen = new Set<string>();
  const visit = (slot: number, previous: number | null, counts: number[]) => {
    const key = `${slot}|${previous}|${counts.join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    expect(constraint.mayStop(counts)).toBe(condition.cellCounts.some((c) => c.every((n, i) => n === counts[i])));
    const allowed = modelAllows(group, slot, previous);
    for (let w = 1; w < WYCKOFF_VOCAB; w++) {
      if (!allowed[w]) continue;
      const m = tables.multiplicityOf(group, w);
      let letterExpected = false;
      for (let i = 0; i < counts.length; i++) {
        const next = counts.slice();
        next[i]! += m;
        const expected = next[i]! <= ceiling[i]! && canComplete(slot + 1, w, next);
        expect(constraint.mayTakeElement(group, slot, counts, w, i), `group ${group} slot ${slot} counts ${counts} letter ${w} element ${i}`).toBe(expected);
        if (expected) {
          letterExpected = true;
          visit(slot + 1, w, next);
        }
      }
      expect(constraint.mayTakeLetter(group, slot, counts, w)).toBe(letterExpected);
    }
  };
  if (reachable) visit(0, null, condition.elements.map(() => 0));
  return { states: seen.size, reachable };
}

describe('composition masks equal brute-force enumeration of Wyckoff sequences', () => {
  const cases: [string, Record<string, number>, number[], number][] = [
    ['NaCl Z=1,2,4 in Fm-3m', { Na: 1, Cl: 1 }, [1, 2, 4], 225],
    ['NaCl2 Z=1,2,4 in Fm-3m (only Z=4: Na on a, Cl on c)', { Na: 1, Cl: 2 }, [1, 2, 4], 225],
    ['SrTiO3 Z=1 in Pm-3m', { Sr: 1, Ti: 1, O: 3 }, [1], 221],
    ['SrTiO3 Z=1,2 in Pm-3m', { Sr: 1, Ti: 1, O: 3 }, [1, 2], 221],
    ['CaTiO3 Z=4 in Pnma', { Ca: 1, Ti: 1, O: 3 }, [4], 62],
    ['Fe2O3 Z=1,2 in P-1', { Fe: 2, O: 3 }, [1, 2], 2],
    ['Li3PS4 Z=1 in Pmmm (eight fixed points of multiplicity 1)', { Li: 3, P: 1, S: 4 }, [1], 47],
    ['AB2 Z=1,2 in P6_3/mmc', { Mg: 1, Zn: 2 }, [1, 2], 194],
    ['Cu Z=1..4 in Im-3m', { Cu: 1 }, [1, 2, 3, 4], 229],
    ['MgAl2O4 Z=1 in Fd-3m (impossible: every position has ≥ 8 atoms)', { Mg: 1, Al: 2, O: 4 }, [1], 227],
  ];
  for (const [name, formula, zs, group] of cases) {
    it(name, () => {
      const { states } = compareEverywhere(cells(formula, zs), group);
      expect(states).toBeGreaterThanOrEqual(0);
    });
  }

  it('finds the expected reachable cells of known cases', () => {
    const nacl2 = new CompositionConstraint(cells({ Na: 1, Cl: 2 }, [1, 2, 4]), tables);
    expect(nacl2.reachableCells(225)).toEqual([2]); // Z = 4: fluorite-type, 4a + 8c
    const spinel = new CompositionConstraint(cells({ Mg: 1, Al: 2, O: 4 }, [1, 2, 4, 8]), tables);
    expect(spinel.reachableCells(227)).toEqual([3]); // Z = 8: 8a + 16d + 32e, the spinel cell
    const perovskite = new CompositionConstraint(cells({ Sr: 1, Ti: 1, O: 3 }, [1]), tables);
    expect(perovskite.reachableCells(221)).toEqual([0]); // 1a + 1b + 3c
    expect(perovskite.minSites(221, 0, [1, 1, 3])).toBe(3);
  });
});

describe('random walks through the masks alone always end on the formula', () => {
  const walks: [string, Record<string, number>, number[], number][] = [
    ['NaCl Z=4 in Fm-3m', { Na: 1, Cl: 1 }, [4], 225],
    ['SrTiO3 in Pm-3m', { Sr: 1, Ti: 1, O: 3 }, [1, 2, 3], 221],
    ['Li3PS4 Z=4 in Pnma', { Li: 3, P: 1, S: 4 }, [4], 62],
    ['Li3PS4 Z=2 in Pmn2_1', { Li: 3, P: 1, S: 4 }, [2], 31],
    ['Fe2O3 Z=6 in R-3c', { Fe: 2, O: 3 }, [6], 167],
    ['MgAl2O4 Z=8 in Fd-3m', { Mg: 1, Al: 2, O: 4 }, [8], 227],
    ['CaTiO3 Z=4 in Pnma', { Ca: 1, Ti: 1, O: 3 }, [4], 62],
    ['BaTiO3 Z=1..4 in P4mm', { Ba: 1, Ti: 1, O: 3 }, [1, 2, 3, 4], 99],
    ['Li7La3Zr2O12 Z=8 in Ia-3d (garnet, 192 atoms)', { Li: 7, La: 3, Zr: 2, O: 12 }, [8], 230],
  ];
  for (const [name, formula, zs, group] of walks) {
    it(name, () => {
      const condition = cells(formula, zs);
      const constraint = new CompositionConstraint(condition, tables);
      expect(constraint.reachableCells(group).length).toBeGreaterThan(0);
      const rng = new Rng(`walk-${name}`);
      for (let walk = 0; walk < 200; walk++) {
        const counts = condition.elements.map(() => 0);
        let previous: number | null = null;
        let slot = 0;
        for (;;) {
          const allowed = modelAllows(group, slot, previous);
          const letters = [];
          for (let w = 0; w < WYCKOFF_VOCAB; w++) {
            if (!allowed[w]) continue;
            if (w === 0 ? constraint.mayStop(counts) : constraint.mayTakeLetter(group, slot, counts, w)) letters.push(w);
          }
          expect(letters.length, `stuck at slot ${slot}`).toBeGreaterThan(0);
          const w = letters[rng.int(letters.length)]!;
          if (w === 0) break;
          const elements = condition.elements.map((_, i) => i).filter((i) => constraint.mayTakeElement(group, slot, counts, w, i));
          expect(elements.length).toBeGreaterThan(0);
          counts[elements[rng.int(elements.length)]!]! += tables.multiplicityOf(group, w);
          previous = w;
          slot++;
          expect(slot).toBeLessThanOrEqual(MAX_SITES);
        }
        expect(condition.cellCounts.some((c) => c.every((n, i) => n === counts[i]))).toBe(true);
      }
    });
  }
});

describe('validation', () => {
  it('refuses a space group that cannot give the composition, naming it', () => {
    expect(() => validateConditions({ spaceGroups: { kind: 'list', groups: [225] }, composition: cells({ Na: 1, Cl: 2 }, [1]) })).toThrow(
      /^no Wyckoff combination of space group 225 \(Fm-3m\) gives the composition NaCl2 within 20 sites$/,
    );
    expect(getSpaceGroup(225).symbol).toBe('Fm-3m');
  });

  it('refuses per-site conditions beside an exact composition', () => {
    expect(() => validateConditions({ spaceGroups: { kind: 'list', groups: [225] }, composition: cells({ Na: 1, Cl: 1 }, [4]), wyckoffPrompt: { letters: ['a'], complete: false } })).toThrow(
      /cannot be combined with a Wyckoff prompt/,
    );
  });

  it('refuses a distribution that gives weight to an impossible group', () => {
    const weights = new Array<number>(230).fill(0);
    weights[224] = 1;
    weights[220] = 1;
    expect(() => validateConditions({ spaceGroups: { kind: 'distribution', weights }, composition: cells({ Sr: 1, Ti: 1, O: 3 }, [1]) })).toThrow(/space group 225 \(Fm-3m\)/);
  });
});
