/**
 * Exact-composition sampling with the shipped model: every crystal drawn has exactly the formula × one of the
 * allowed Z — counted on the built structure (orbits expanded by the symmetry code, not from the sampler's own
 * bookkeeping) — over many formulas, groups and Z, and in the groups the plan picks itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Composition } from '../../../shared/crystal/composition.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/files.ts';
import { CrystalSampler } from '../../../electron/engine/sample/sampler.ts';
import { builtCounts } from './built-counts.ts';
import { planStructurePrediction } from '../../../electron/csp/plan.ts';

let model: LoadedModel;
let sampler: CrystalSampler;
beforeAll(async () => {
  await initSymmetry();
  model = await loadModel('default');
  sampler = await CrystalSampler.create(model.config, model.params);
});
afterAll(async () => {
  await sampler?.release();
});


async function drawAndCheck(formula: string, zs: number[] | undefined, groups: number[] | undefined, count: number, seed: number): Promise<{ groups: Set<number>; zs: Set<number> }> {
  const plan = planStructurePrediction({ formula, ...(zs ? { zs } : {}), ...(groups ? { spaceGroups: groups } : {}), spaceGroupCounts: model.card.spaceGroupCounts });
  const unit = Composition.fromFormula(formula);
  const seen = { groups: new Set<number>(), zs: new Set<number>() };
  let n = 0;
  for await (const crystal of sampler.sample(plan.conditions, count, { seed, batchSize: 64 })) {
    n++;
    const counts = builtCounts(crystal);
    expect([...counts.keys()].sort()).toEqual([...unit.elements].sort());
    const z = counts.get(unit.elements[0]!)! / unit.amount(unit.elements[0]!);
    for (const symbol of unit.elements) expect(counts.get(symbol), `${formula} in ${crystal.spaceGroup}: ${symbol}`).toBe(unit.amount(symbol) * z);
    expect(plan.zs).toContain(z);
    if (groups) expect(groups).toContain(crystal.spaceGroup);
    seen.groups.add(crystal.spaceGroup);
    seen.zs.add(z);
  }
  expect(n).toBe(count);
  return seen;
}

describe('every sampled crystal has exactly the formula', () => {
  const cases: [string, number[] | undefined, number[] | undefined][] = [
    ['NaCl', [4], [225]],
    ['NaCl', [1, 2, 4, 8], [225, 221, 62]],
    ['SrTiO3', [1], [221]],
    ['CaTiO3', [4], [62]],
    ['MgAl2O4', [8], [227]],
    ['Fe2O3', [6], [167]],
    ['Li3PS4', [2, 4], [31, 62]],
    ['NaCl2', [4], [225]],
    ['Cu', [1, 2, 4], [225, 229, 194]],
    ['BaTiO3', undefined, [99, 221, 160]],
  ];
  for (const [formula, zs, groups] of cases) {
    it(`${formula} Z ${zs?.join(',') ?? 'default'} in ${groups?.join(',')}`, async () => {
      await drawAndCheck(formula, zs, groups, 24, 7);
    });
  }

  it('Li3PS4 over the groups the plan picks (training frequencies) reaches many groups and Z', async () => {
    const seen = await drawAndCheck('Li3PS4', undefined, undefined, 64, 3);
    expect(seen.groups.size).toBeGreaterThan(5);
  });

  it('Fe2O3 with Z = 1…4 over the plan\'s groups', async () => {
    const seen = await drawAndCheck('Fe2O3', [1, 2, 3, 4], undefined, 48, 5);
    expect(seen.zs.size).toBeGreaterThanOrEqual(2);
  });
});

describe('impossible requests fail before sampling with one line', () => {
  it('NaCl2 with Z = 1 in Fm-3m (every position of 225 has 4 or more atoms, and Cl needs 2)', () => {
    expect(() => planStructurePrediction({ formula: 'NaCl2', zs: [1], spaceGroups: [225], spaceGroupCounts: model.card.spaceGroupCounts })).toThrow(
      /^no Wyckoff combination of space group 225 \(Fm-3m\) gives NaCl2 with Z = 1 \(conventional cell, at most 20 sites\)$/,
    );
  });

  it('MgAl2O4 with Z = 1, 2, 4 in Fd-3m (the spinel cell needs Z = 8)', () => {
    expect(() => planStructurePrediction({ formula: 'MgAl2O4', zs: [1, 2, 4], spaceGroups: [227], spaceGroupCounts: model.card.spaceGroupCounts })).toThrow(/any Z of 1, 2, 4/);
  });

  it('a formula that no group can write in 20 sites (21 distinct elements, one atom each)', () => {
    const formula = 'HLiBeBCNOFNaMgAlSiPSClKCaScTiVCr';
    expect(() => planStructurePrediction({ formula, zs: [1], spaceGroupCounts: model.card.spaceGroupCounts })).toThrow(/^no space group has a Wyckoff combination/);
  });

  it('fractional amounts and unknown symbols', () => {
    expect(() => planStructurePrediction({ formula: 'Fe0.5O', spaceGroupCounts: model.card.spaceGroupCounts })).toThrow(/whole numbers/);
    expect(() => planStructurePrediction({ formula: 'Xx2O', spaceGroupCounts: model.card.spaceGroupCounts })).toThrow(/^formula 'Xx2O'/);
  });
});
