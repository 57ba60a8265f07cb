import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { minimumPairDistance } from '../../shared/crystal/geometry.ts';
import { buildStructure, type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { detectSpaceGroup } from '../../shared/symmetry/detect.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { CENTRING_MULTIPLICITY, primitiveOfCentredCell } from '../../shared/symmetry/primitive.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';

beforeAll(() => initSymmetry());

const cell = (a: number, b: number, c: number, alpha = 90, beta = 90, gamma = 90) => ({ a, b, c, alpha, beta, gamma });

/** One structure per centring, from published or textbook Wyckoff descriptions (ITA standard settings). */
const CASES: Record<string, WyckoffDescription> = {
  // Rock salt NaCl, Fm-3m Na 4a, Cl 4b, a = 5.64 Å.
  F: { spaceGroup: 225, lattice: cell(5.64, 5.64, 5.64), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] },
  // Anatase TiO2, I4_1/amd (origin choice 2) Ti 4a, O 8e z = 0.2081, a 3.785, c 9.514 Å.
  I: { spaceGroup: 141, lattice: cell(3.785, 3.785, 9.514), sites: [{ letter: 'a', species: 'Ti', frac: [0, 0.75, 0.125] }, { letter: 'e', species: 'O', frac: [0, 0.25, 0.0831] }] },
  // C2/m with a general-ish site: C 4i (x, 0, z) and Na 2a, a monoclinic cell.
  C: { spaceGroup: 12, lattice: cell(9.1, 3.2, 5.4, 90, 105.3, 90), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'i', species: 'C', frac: [0.31, 0, 0.22] }] },
  // Amm2 (38): Ba 2a (0, 0, z), Ti 2b (½, 0, z), O 2a + 4e — a BaTiO3-like orthorhombic cell.
  A: { spaceGroup: 38, lattice: cell(3.99, 5.67, 5.69), sites: [{ letter: 'a', species: 'Ba', frac: [0, 0, 0] }, { letter: 'b', species: 'Ti', frac: [0.5, 0, 0.51] }, { letter: 'a', species: 'O', frac: [0, 0, 0.49] }, { letter: 'e', species: 'O', frac: [0.5, 0.25, 0.27] }] },
  // Bi2Te3, R-3m (hexagonal axes): Bi 6c z = 0.4001, Te 3a, Te 6c z = 0.7919; a 4.386, c 30.497 Å.
  R: { spaceGroup: 166, lattice: cell(4.386, 4.386, 30.497, 90, 90, 120), sites: [{ letter: 'a', species: 'Te', frac: [0, 0, 0] }, { letter: 'c', species: 'Bi', frac: [0, 0, 0.4001] }, { letter: 'c', species: 'Te', frac: [0, 0, 0.7919] }] },
};

const pairDistance = (s: Structure) => minimumPairDistance(s.lattice.matrix, Float64Array.from(s.sites.flatMap((x) => x.frac)));

describe('primitiveOfCentredCell', () => {
  for (const [centering, description] of Object.entries(CASES)) {
    it(`reduces a ${centering}-centred cell to the same crystal with 1/${CENTRING_MULTIPLICITY[centering]} of the atoms`, () => {
      expect(getSpaceGroup(description.spaceGroup).centering).toBe(centering);
      const conventional = buildStructure(description);
      const primitive = primitiveOfCentredCell(conventional, centering);
      const points = CENTRING_MULTIPLICITY[centering]!;
      expect(primitive.numSites * points).toBe(conventional.numSites);
      expect(primitive.volume * points).toBeCloseTo(conventional.volume, 8);
      // Same composition, same nearest neighbours, same space group.
      const count = (s: Structure) => Object.fromEntries([...new Set(s.sites.map((x) => x.species))].map((e) => [e, s.sites.filter((x) => x.species === e).length]));
      expect(Object.fromEntries(Object.entries(count(primitive)).map(([e, n]) => [e, n * points]))).toEqual(count(conventional));
      expect(pairDistance(primitive)).toBeCloseTo(pairDistance(conventional), 8);
      expect(detectSpaceGroup(primitive, 0.01)).toBe(description.spaceGroup);
    });
  }

  it('gives fcc copper its rhombohedral primitive cell: a/√2 edges at 60°', () => {
    // Copper, Fm-3m 4a, a = 3.615 Å.
    const copper = buildStructure({ spaceGroup: 225, lattice: cell(3.615, 3.615, 3.615), sites: [{ letter: 'a', species: 'Cu', frac: [0, 0, 0] }] });
    const primitive = primitiveOfCentredCell(copper, 'F');
    expect(primitive.numSites).toBe(1);
    const { a, b, c, alpha, beta, gamma } = primitive.lattice;
    for (const edge of [a, b, c]) expect(edge).toBeCloseTo(3.615 / Math.SQRT2, 10);
    for (const angle of [alpha, beta, gamma]) expect(angle).toBeCloseTo(60, 10);
  });

  it('leaves P cells and cells that are not centred as claimed unchanged', () => {
    const rockSaltAsP = Structure.fromSpecies(Lattice.cubic(5.64), ['Na', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    expect(primitiveOfCentredCell(rockSaltAsP, 'P')).toBe(rockSaltAsP);
    // CsCl is primitive cubic: claiming I centring must not merge Cs with Cl.
    expect(primitiveOfCentredCell(rockSaltAsP, 'I')).toBe(rockSaltAsP);
    expect(() => primitiveOfCentredCell(rockSaltAsP, 'Q')).toThrow(/unknown lattice centring 'Q'/);
  });
});
