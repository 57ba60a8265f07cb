/**
 * Convex-hull proxy against hand-worked binary and ternary hulls, and against an independent brute-force hull
 * (every triple of phases whose triangle contains the target, solved by Cramer's rule) on random ternaries.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Composition } from '../../shared/crystal/composition.ts';
import { HullReference, chemicalSystemKey, readHullReferenceCsv, type HullEntry } from '../../electron/rewards/hull.ts';

const entry = (id: string, formula: string, energy: number): HullEntry => ({
  id,
  composition: Composition.fromFormula(formula),
  formationEnergyPerAtom: energy,
});

const references: HullReference[] = [];
async function hullOf(entries: HullEntry[]): Promise<HullReference> {
  const reference = await HullReference.fromEntries(entries);
  references.push(reference);
  return reference;
}
afterAll(() => references.forEach((r) => r.dispose()));

describe('binary hull (Na–Cl stand-ins: AB at −1, A2B at −0.5 eV/atom)', () => {
  const phases = [entry('AB', 'NaCl', -1), entry('A2B', 'Na2Cl', -0.5)];

  it('puts A2B 1/6 eV/atom above the A–AB tie line', async () => {
    const hull = await hullOf(phases);
    // At x_Cl = 1/3 the tie line from Na (0 at x=0) to NaCl (−1 at x=1/2) is at −2/3; A2B sits at −1/2.
    expect(hull.hullEnergy('Na2Cl')).toBeCloseTo(-2 / 3, 9);
    expect(hull.energyAboveHull('Na2Cl', -0.5)).toBeCloseTo(1 / 6, 9);
    expect(hull.energyAboveHull('NaCl', -1)).toBeCloseTo(0, 9);
    const decomposition = hull.decompositionOf('Na2Cl');
    expect(decomposition.phases.map((p) => [p.id, p.atomFraction])).toEqual([
      ['AB', expect.closeTo(2 / 3, 9)],
      ['element:Na', expect.closeTo(1 / 3, 9)],
    ]);
  });

  it('interpolates linearly between hull vertices and is 0 at the elements', async () => {
    const hull = await hullOf(phases);
    // x_Cl = 0.75 lies between NaCl (x=0.5, −1) and Cl (x=1, 0): −1·(1−0.75)/0.5 = −0.5.
    expect(hull.hullEnergy({ Na: 1, Cl: 3 })).toBeCloseTo(-0.5, 9);
    expect(hull.hullEnergy('Na')).toBeCloseTo(0, 12);
    expect(hull.hullEnergy('Cl')).toBeCloseTo(0, 12);
    // Amounts need not be integers or per formula unit: only fractions count.
    expect(hull.hullEnergy(new Composition({ Na: 0.2, Cl: 0.2 }))).toBeCloseTo(-1, 9);
  });

  it('lets a deeper A2B become a hull vertex, with AB then above or on the new hull', async () => {
    const hull = await hullOf([entry('AB', 'NaCl', -1), entry('A2B', 'Na2Cl', -0.9)]);
    expect(hull.hullEnergy('Na2Cl')).toBeCloseTo(-0.9, 9);
    expect(hull.decompositionOf('Na2Cl').phases.map((p) => p.id)).toEqual(['A2B']);
    // Candidate below the hull → negative energy above hull.
    expect(hull.energyAboveHull('Na3Cl2', -1.2)).toBeLessThan(0);
    // Na3Cl2: x_Cl = 0.4, between A2B (1/3, −0.9) and AB (1/2, −1): −0.9 + (0.4−1/3)/(1/6)·(−0.1) = −0.94.
    expect(hull.hullEnergy('Na3Cl2')).toBeCloseTo(-0.94, 9);
  });

  it('ignores phases above 0 eV/atom and keeps the lowest polymorph', async () => {
    const hull = await hullOf([entry('AB-high', 'NaCl', -0.2), entry('AB-low', 'NaCl', -0.8), entry('unstable', 'NaCl3', 0.3)]);
    expect(hull.decompositionOf('NaCl').phases.map((p) => p.id)).toEqual(['AB-low']);
    expect(hull.hullEnergy('NaCl3')).toBeCloseTo(-0.4, 9);
  });

  it('uses the elemental references at 0 for elements the table does not know', async () => {
    const hull = await hullOf(phases);
    expect(hull.hullEnergy('KBr')).toBeCloseTo(0, 12);
    // Ternary query on a binary table: the Na–Cl sub-system still counts, K only through its reference.
    expect(hull.hullEnergy({ Na: 1, Cl: 1, K: 2 })).toBeCloseTo(-0.5, 9);
  });
});

describe('ternary hull (Na–K–Cl stand-ins)', () => {
  // AB = NaK at −1, BC = KCl at −0.4, AC = NaCl at −0.4, ABC = NaKCl at −1.2.
  const binaries = [entry('AB', 'NaK', -1), entry('BC', 'KCl', -0.4), entry('AC', 'NaCl', -0.4)];

  it('decomposes ABC into AB + C when no ternary phase exists', async () => {
    const hull = await hullOf(binaries);
    // Candidates at (1/3,1/3,1/3): AB + C gives 2/3·(−1) = −0.667; AB + BC + AC thirds give −0.6; AB+AC+B… higher.
    expect(hull.hullEnergy('NaKCl')).toBeCloseTo(-2 / 3, 9);
    expect(hull.decompositionOf('NaKCl').phases.map((p) => [p.id, p.atomFraction])).toEqual([
      ['AB', expect.closeTo(2 / 3, 9)],
      ['element:Cl', expect.closeTo(1 / 3, 9)],
    ]);
    expect(hull.energyAboveHull('NaKCl', -1.2)).toBeCloseTo(-1.2 + 2 / 3, 9);
  });

  it('puts a point inside the AB–AC–A region on the AB–AC tie line', async () => {
    const hull = await hullOf(binaries);
    // Na2KCl (0.5, 0.25, 0.25) = ½ AB + ½ AC exactly: ½(−1) + ½(−0.4) = −0.7.
    expect(hull.hullEnergy('Na2KCl')).toBeCloseTo(-0.7, 9);
  });

  it('a stable ternary phase takes over its neighbourhood', async () => {
    const hull = await hullOf([...binaries, entry('ABC', 'NaKCl', -1.2)]);
    expect(hull.hullEnergy('NaKCl')).toBeCloseTo(-1.2, 9);
    // Na2KCl (0.5, 0.25, 0.25) = ¾ ABC + ¼ A: ¾·(−1.2) = −0.9, below the AB–AC tie line's −0.7.
    expect(hull.hullEnergy('Na2KCl')).toBeCloseTo(-0.9, 9);
    expect(hull.decompositionOf('Na2KCl').phases.map((p) => [p.id, p.atomFraction])).toEqual([
      ['ABC', expect.closeTo(0.75, 9)],
      ['element:Na', expect.closeTo(0.25, 9)],
    ]);
  });

  it('agrees with a brute-force hull on random ternary systems', async () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const elements = ['Li', 'Fe', 'O'];
    for (let trial = 0; trial < 8; trial++) {
      const phases: HullEntry[] = [];
      for (let k = 0; k < 12; k++) {
        const amounts = elements.map(() => Math.floor(random() * 4));
        if (amounts.filter((a) => a > 0).length < 2) continue;
        phases.push({
          id: `p${k}`,
          composition: new Composition(elements.map((e, i) => [e, amounts[i]!] as const)),
          formationEnergyPerAtom: -2 * random(),
        });
      }
      const hull = await hullOf(phases);
      for (let q = 0; q < 10; q++) {
        const amounts = elements.map(() => 0.05 + random());
        const target = new Composition(elements.map((e, i) => [e, amounts[i]!] as const));
        expect(hull.hullEnergy(target)).toBeCloseTo(bruteForceHull(phases, elements, target), 7);
      }
    }
  });
});

/** Lowest energy over every triangle of three points (phases or elements) that contains the target. */
function bruteForceHull(phases: HullEntry[], elements: string[], target: Composition): number {
  const points: { x: number[]; e: number }[] = elements.map((symbol) => ({ x: elements.map((s) => (s === symbol ? 1 : 0)), e: 0 }));
  for (const p of phases) points.push({ x: elements.map((s) => p.composition.fraction(s)), e: p.formationEnergyPerAtom });
  const t = elements.map((s) => target.fraction(s));
  let best = Infinity;
  const det3 = (m: number[][]) =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      for (let k = j + 1; k < points.length; k++) {
        // Columns are the three points' fraction vectors; solve M w = t.
        const cols = [points[i]!, points[j]!, points[k]!];
        const m = [0, 1, 2].map((r) => cols.map((c) => c.x[r]!));
        const d = det3(m);
        if (Math.abs(d) < 1e-12) continue;
        const w = [0, 1, 2].map((c) => det3(m.map((row, r) => row.map((v, cc) => (cc === c ? t[r]! : v)))) / d);
        if (w.some((v) => v < -1e-12)) continue;
        best = Math.min(best, w.reduce((sum, v, c) => sum + v * cols[c]!.e, 0));
      }
    }
  }
  return best;
}

describe('chemical-system index', () => {
  it('finds every sub-system and nothing outside', async () => {
    const hull = await hullOf([entry('a', 'LiO', -1), entry('b', 'FeO', -1), entry('c', 'LiFeO2', -1), entry('d', 'NaCl', -1), entry('e', 'Li', 0.01)]);
    expect(hull.entriesInSystem(['O', 'Li', 'Fe']).map((e) => e.id).sort()).toEqual(['a', 'b', 'c', 'e']);
    expect(hull.entriesInSystem(['Li', 'O']).map((e) => e.id).sort()).toEqual(['a', 'e']);
    expect(chemicalSystemKey(['O', 'Li', 'Fe', 'O'])).toBe('Fe-Li-O');
  });
});

describe('reference CSV reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfstudio-hull-'));
  const csv = 'material_id,formula_sum,formation_energy_per_atom,e_above_hull,source\nx-1,Na4 Cl4,-2.0,0.0,t\nx-2,Na2 Cl6,-0.5,,t\n';

  it('reads plain and gzip files with the same result', () => {
    writeFileSync(join(dir, 'h.csv'), csv);
    writeFileSync(join(dir, 'h.csv.gz'), gzipSync(csv));
    const plain = readHullReferenceCsv(join(dir, 'h.csv'));
    const gz = readHullReferenceCsv(join(dir, 'h.csv.gz'));
    expect(gz.map((e) => [e.id, e.composition.formula, e.formationEnergyPerAtom, e.reportedEnergyAboveHull])).toEqual(
      plain.map((e) => [e.id, e.composition.formula, e.formationEnergyPerAtom, e.reportedEnergyAboveHull]),
    );
    expect(plain[0]!.composition.amount('Na')).toBe(4);
    expect(plain[1]!.reportedEnergyAboveHull).toBeUndefined();
  });

  it('names file, line and column on bad input', () => {
    writeFileSync(join(dir, 'bad1.csv'), 'material_id,formula_sum,formation_energy_per_atom\nx-1,NaCl,-1\nx-2,NaCl,abc\n');
    expect(() => readHullReferenceCsv(join(dir, 'bad1.csv'))).toThrow(/bad1\.csv:3: column 'formation_energy_per_atom' must be a number, got 'abc'/);
    writeFileSync(join(dir, 'bad2.csv'), 'material_id,formula_sum,formation_energy_per_atom\nx-1,Xx2,-1\n');
    expect(() => readHullReferenceCsv(join(dir, 'bad2.csv'))).toThrow(/bad2\.csv:2: column 'formula_sum' is not a formula: .*unknown element/);
    writeFileSync(join(dir, 'bad3.csv'), 'material_id,formula\nx-1,NaCl\n');
    expect(() => readHullReferenceCsv(join(dir, 'bad3.csv'))).toThrow(/missing column 'formation_energy_per_atom'/);
    expect(() => readHullReferenceCsv(join(dir, 'missing.csv'))).toThrow(/missing\.csv: cannot read/);
  });
});
