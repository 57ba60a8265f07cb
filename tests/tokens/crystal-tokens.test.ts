import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import type { WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { analyzeStructure, buildStructure } from '../../shared/symmetry/analyze.ts';
import {
  MAX_SITES,
  N_SLOTS,
  WYCKOFF_VOCAB,
  decodeCrystal,
  encodeCrystal,
  indexToLetter,
  letterToIndex,
  projectSampledCoordinates,
  wyckoffTables,
} from '../../shared/tokens/index.ts';

beforeAll(async () => {
  await initSymmetry();
});

const nacl: WyckoffDescription = {
  spaceGroup: 225,
  lattice: { a: 5.64, b: 5.64, c: 5.64, alpha: 90, beta: 90, gamma: 90 },
  sites: [{ letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }, { letter: 'a', species: 'Na', frac: [0, 0, 0] }],
};

describe('letters', () => {
  it('maps a…z, A to 1…27 and back', () => {
    expect(letterToIndex('a')).toBe(1);
    expect(letterToIndex('z')).toBe(26);
    expect(letterToIndex('A')).toBe(27);
    for (let i = 1; i <= 27; i++) expect(letterToIndex(indexToLetter(i))).toBe(i);
    expect(() => letterToIndex('B')).toThrow(/'B'/);
    expect(() => indexToLetter(0)).toThrow(/1…27/);
  });
});

describe('encodeCrystal / decodeCrystal', () => {
  it('encodes NaCl by hand: sorted sites, padding, lattice a / 8^(1/3) = 2.82 Å and right angles in radians', () => {
    const t = encodeCrystal(nacl);
    expect(t.spaceGroup).toBe(225);
    expect(t.numSites).toBe(2);
    expect(t.wyckoff).toHaveLength(N_SLOTS);
    expect([...t.wyckoff.slice(0, 3)]).toEqual([1, 2, 0]);
    expect([...t.atoms.slice(0, 3)]).toEqual([11, 17, 0]);
    expect([...t.coords.slice(0, 6)]).toEqual([0, 0, 0, 0.5, 0.5, 0.5]);
    expect(t.coords.slice(6).every((x) => x === 0)).toBe(true);
    expect(t.lattice[0]).toBeCloseTo(2.82, 12);
    expect(t.lattice[3]).toBeCloseTo(Math.PI / 2, 12);
  });

  it('normalises by the conventional atom count: rutile has N = 6, a / 6^(1/3)', () => {
    const t = encodeCrystal({ spaceGroup: 136, lattice: { a: 4.5937, b: 4.5937, c: 2.9587, alpha: 90, beta: 90, gamma: 90 }, sites: [{ letter: 'a', species: 'Ti', frac: [0, 0, 0] }, { letter: 'f', species: 'O', frac: [0.3048, 0.3048, 0] }] });
    expect(t.lattice[0]).toBeCloseTo(4.5937 / Math.cbrt(6), 12);
    expect(t.lattice[2]).toBeCloseTo(2.9587 / Math.cbrt(6), 12);
  });

  it('round-trips through decode, including the hexagonal γ = 120°', () => {
    const zno: WyckoffDescription = {
      spaceGroup: 186,
      lattice: { a: 3.2496, b: 3.2496, c: 5.2042, alpha: 90, beta: 90, gamma: 120 },
      sites: [{ letter: 'b', species: 'O', frac: [1 / 3, 2 / 3, 0.3825] }, { letter: 'b', species: 'Zn', frac: [1 / 3, 2 / 3, 0] }],
    };
    const back = decodeCrystal(encodeCrystal(zno));
    expect(back.spaceGroup).toBe(186);
    expect(back.sites.map((s) => s.species)).toEqual(['Zn', 'O']); // ties sorted by coordinates (z = 0 first)
    expect(back.lattice.a).toBeCloseTo(3.2496, 12);
    expect(back.lattice.c).toBeCloseTo(5.2042, 12);
    expect(back.lattice.gamma).toBeCloseTo(120, 12);
    expect(back.sites[1]!.frac[2]).toBeCloseTo(0.3825, 12);
  });

  it('decode symmetrizes the lattice (cubic b, c follow a) and stops at the first padding slot', () => {
    const t = encodeCrystal(nacl);
    t.lattice[1] = 3.5;
    t.lattice[5] = 1.0;
    t.atoms[3] = 8; // junk after the stop token is ignored
    const back = decodeCrystal(t);
    expect(back.sites).toHaveLength(2);
    expect(back.lattice).toEqual({ a: 5.64, b: 5.64, c: 5.64, alpha: 90, beta: 90, gamma: 90 });
    expect(back.lattice.a).toBeCloseTo(5.64, 12);
  });

  it('refuses more than 20 sites and names bad inputs', () => {
    const many: WyckoffDescription = {
      spaceGroup: 1,
      lattice: { a: 10, b: 10, c: 10, alpha: 90, beta: 90, gamma: 90 },
      sites: Array.from({ length: MAX_SITES + 1 }, (_, i) => ({ letter: 'a', species: 'C', frac: [i / 30, 0.1, 0.2] as [number, number, number] })),
    };
    expect(() => encodeCrystal(many)).toThrow(/21 Wyckoff sites.*at most 20/);
    expect(encodeCrystal({ ...many, sites: many.sites.slice(0, MAX_SITES) }).numSites).toBe(20);
    expect(() => encodeCrystal({ ...nacl, sites: [{ letter: 'q', species: 'Na', frac: [0, 0, 0] }] })).toThrow(/225.*'q'/);
    const t = encodeCrystal(nacl);
    t.atoms[1] = 0;
    expect(() => decodeCrystal(t)).toThrow(/slot 1/);
  });

  it('round-trips a real analysis: structure → tokens → structure is the same crystal', () => {
    const garnet: WyckoffDescription = {
      spaceGroup: 230,
      lattice: { a: 12, b: 12, c: 12, alpha: 90, beta: 90, gamma: 90 },
      sites: [{ letter: 'a', species: 'Al', frac: [0, 0, 0] }, { letter: 'c', species: 'Y', frac: [0.125, 0, 0.25] }, { letter: 'd', species: 'Al', frac: [0.375, 0, 0.25] }, { letter: 'h', species: 'O', frac: [-0.0306, 0.0512, 0.15] }],
    };
    const analysis = analyzeStructure(buildStructure(garnet));
    const tokens = encodeCrystal(analysis.description);
    expect(tokens.lattice[0]).toBeCloseTo(12 / Math.cbrt(160), 10);
    const rebuilt = buildStructure(decodeCrystal(tokens));
    expect(rebuilt.numSites).toBe(160);
    const again = analyzeStructure(rebuilt).description;
    expect(again.sites.map((s) => `${s.letter}-${s.species}`)).toEqual(analysis.description.sites.map((s) => `${s.letter}-${s.species}`));
    again.sites.forEach((site, i) => site.frac.forEach((x, k) => expect(x).toBeCloseTo(analysis.description.sites[i]!.frac[k]!, 9)));
    expect(again.lattice.a).toBeCloseTo(12, 9);
  });
});

describe('projection of sampled coordinates (crystalformer.md §5.3)', () => {
  it('fixes and ties coordinates coordinate by coordinate', () => {
    expect(projectSampledCoordinates(225, 'f', [0.1, 0.7, 0.9])).toEqual([0.1, 0.1, 0.1]); // x,x,x
    expect(projectSampledCoordinates(225, 'e', [0.3, 0.7, 0.9])).toEqual([0.3, 0, 0]); // x,0,0
    expect(projectSampledCoordinates(225, 'a', [0.3, 0.7, 0.9])).toEqual([0, 0, 0]);
    const [x, y, z] = projectSampledCoordinates(166, 'h', [0.2, 0.5, 0.6]); // x,-x,z
    expect([x, y, z].map((v) => Number(v.toFixed(12)))).toEqual([0.2, 0.8, 0.6]);
  });
});

describe('wyckoffTables (hand-worked entries)', () => {
  it('Fm-3m (225): wmax 12, 4a fixed, 96k x,x,z scores all three rows, 192l multiplicity', () => {
    const t = wyckoffTables();
    const row = (224) * WYCKOFF_VOCAB;
    expect(t.wmax[224]).toBe(12);
    expect(t.multiplicity[row + 1]).toBe(4); // a
    expect(t.multiplicity[row + 12]).toBe(192); // l
    expect(t.multiplicity[row + 13]).toBe(0); // beyond wmax
    expect(t.multiplicity[row + 0]).toBe(0); // padding
    expect(t.dof0[row + 1]).toBe(1); // 4a 0,0,0
    expect(t.dof0[row + 4]).toBe(1); // 24d 0,1/4,1/4
    expect(t.dof0[row + 5]).toBe(0); // 24e x,0,0
    expect([...t.fcMask.slice(3 * (row + 11), 3 * (row + 12))]).toEqual([1, 1, 1]); // 96k x,x,z
    expect([...t.fcMask.slice(3 * (row + 5), 3 * (row + 6))]).toEqual([1, 0, 0]); // 24e x,0,0
    expect([...t.fcMask.slice(3 * (row + 1), 3 * (row + 2))]).toEqual([0, 0, 0]); // 4a
    expect([...t.latticeMask.slice(6 * 224, 6 * 225)]).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('P1, P2/m-type monoclinic and Pmmm ranges', () => {
    const t = wyckoffTables();
    expect(t.wmax[0]).toBe(1);
    expect(t.multiplicity[1]).toBe(1);
    expect(t.dof0[1]).toBe(0);
    expect(t.wmax[46]).toBe(27); // Pmmm
    expect(t.multiplicity[46 * WYCKOFF_VOCAB + 27]).toBe(8); // 8A
    expect([...t.latticeMask.slice(6 * 13, 6 * 14)]).toEqual([1, 1, 1, 0, 1, 0]); // P2_1/c
    // Σ over all groups of wmax = 1,731 positions; Σ of dof0 = 616 fixed positions (crystalformer.md §10).
    expect(t.wmax.reduce((a, b) => a + b, 0)).toBe(1731);
    expect(t.dof0.reduce((a, b) => a + b, 0)).toBe(616);
    // Representative op of 225 'f' (x,x,x): every row is (1,0,0).
    const op = t.representativeOps.slice(12 * (224 * WYCKOFF_VOCAB + 6), 12 * (224 * WYCKOFF_VOCAB + 7));
    expect([...op]).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]);
  });
});
