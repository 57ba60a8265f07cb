import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { type WyckoffDescription, analyzeStructure, buildStructure, wyckoffSequenceLabel } from '../../shared/symmetry/analyze.ts';
import { projectOntoForm, wyckoffKernel, wyckoffPosition, letterRank } from '../../shared/symmetry/spacegroups.ts';
import { alignedMaxDeviation, composition, latticeParametersClose, neighbourShellDeviation } from './structure-match.ts';

beforeAll(async () => {
  await initSymmetry();
});

const cubic = (a: number) => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
const hexagonal = (a: number, c: number) => ({ a, b: a, c, alpha: 90, beta: 90, gamma: 120 });

interface Published {
  name: string;
  source: string;
  description: WyckoffDescription;
}

/** Published Wyckoff descriptions in the ITA standard setting (origin choice 2 where there are two). */
const PUBLISHED: Published[] = [
  {
    name: 'Cu (fcc)',
    source: 'Wyckoff, Crystal Structures vol. 1 (1963): Fm-3m, Cu 4a, a = 3.615 Å',
    description: { spaceGroup: 225, lattice: cubic(3.615), sites: [{ letter: 'a', species: 'Cu', frac: [0, 0, 0] }] },
  },
  {
    name: 'NaCl (rock salt)',
    source: 'Wyckoff (1963): Fm-3m, Na 4a, Cl 4b, a = 5.640 Å',
    description: { spaceGroup: 225, lattice: cubic(5.64), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] },
  },
  {
    name: 'CsCl',
    source: 'Wyckoff (1963): Pm-3m, Cs 1a, Cl 1b, a = 4.123 Å',
    description: { spaceGroup: 221, lattice: cubic(4.123), sites: [{ letter: 'a', species: 'Cs', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] },
  },
  {
    name: 'Si (diamond)',
    source: 'ITA origin choice 2: Fd-3m, Si 8a (1/8,1/8,1/8), a = 5.431 Å',
    description: { spaceGroup: 227, lattice: cubic(5.431), sites: [{ letter: 'a', species: 'Si', frac: [0.125, 0.125, 0.125] }] },
  },
  {
    name: 'SrTiO3 (cubic perovskite)',
    source: 'Materials Project mp-5229 setting: Pm-3m, Sr 1a, Ti 1b, O 3c, a = 3.905 Å (experimental)',
    description: {
      spaceGroup: 221,
      lattice: cubic(3.905),
      sites: [{ letter: 'a', species: 'Sr', frac: [0, 0, 0] }, { letter: 'b', species: 'Ti', frac: [0.5, 0.5, 0.5] }, { letter: 'c', species: 'O', frac: [0, 0.5, 0.5] }],
    },
  },
  {
    name: 'rutile TiO2',
    source: 'Burdett et al., J. Am. Chem. Soc. 109, 3639 (1987): P4_2/mnm, Ti 2a, O 4f x = 0.3048, a = 4.5937, c = 2.9587 Å',
    description: {
      spaceGroup: 136,
      lattice: { a: 4.5937, b: 4.5937, c: 2.9587, alpha: 90, beta: 90, gamma: 90 },
      sites: [{ letter: 'a', species: 'Ti', frac: [0, 0, 0] }, { letter: 'f', species: 'O', frac: [0.3048, 0.3048, 0] }],
    },
  },
  {
    name: 'wurtzite ZnO',
    source: 'Kisi & Elcombe, Acta Cryst. C45, 1867 (1989): P6_3mc, Zn 2b, O 2b u = 0.3825, a = 3.2496, c = 5.2042 Å',
    description: {
      spaceGroup: 186,
      lattice: hexagonal(3.2496, 5.2042),
      sites: [{ letter: 'b', species: 'Zn', frac: [1 / 3, 2 / 3, 0] }, { letter: 'b', species: 'O', frac: [1 / 3, 2 / 3, 0.3825] }],
    },
  },
  {
    name: 'LaH10',
    source: 'Liu et al., PNAS 114, 6990 (2017): Fm-3m, La 4a, H 8c, H 32f x ≈ 0.12, a ≈ 5.10 Å (≈ 250 GPa)',
    description: {
      spaceGroup: 225,
      lattice: cubic(5.1),
      sites: [{ letter: 'a', species: 'La', frac: [0, 0, 0] }, { letter: 'c', species: 'H', frac: [0.25, 0.25, 0.25] }, { letter: 'f', species: 'H', frac: [0.12, 0.12, 0.12] }],
    },
  },
  {
    name: 'YAG garnet Y3Al5O12',
    source: 'Euler & Bruce, Acta Cryst. 19, 971 (1965): Ia-3d, Y 24c, Al 16a, Al 24d, O 96h (−0.0306, 0.0512, 0.1500), a = 12.000 Å',
    description: {
      spaceGroup: 230,
      lattice: cubic(12.0),
      sites: [
        { letter: 'a', species: 'Al', frac: [0, 0, 0] },
        { letter: 'c', species: 'Y', frac: [0.125, 0, 0.25] },
        { letter: 'd', species: 'Al', frac: [0.375, 0, 0.25] },
        { letter: 'h', species: 'O', frac: [-0.0306, 0.0512, 0.15] },
      ],
    },
  },
  {
    name: 'Cs2Zn[Fe(CN)6] (Prussian-blue-type double perovskite)',
    source: 'A2M[M′(CN)6] structure type in Fm-3m (Buser et al., Inorg. Chem. 16, 2704 (1977)): Fe 4a, Zn 4b, Cs 8c, C 24e, N 24e; a ≈ 10.2 Å and x(C) ≈ 0.19, x(N) ≈ 0.30 chosen for Fe–C 1.9 Å, C–N 1.1 Å',
    description: {
      spaceGroup: 225,
      lattice: cubic(10.2),
      sites: [
        { letter: 'a', species: 'Fe', frac: [0, 0, 0] },
        { letter: 'b', species: 'Zn', frac: [0.5, 0.5, 0.5] },
        { letter: 'c', species: 'Cs', frac: [0.25, 0.25, 0.25] },
        { letter: 'e', species: 'C', frac: [0.19, 0, 0] },
        { letter: 'e', species: 'N', frac: [0.3, 0, 0] },
      ],
    },
  },
  {
    name: 'β-Ga2O3 (monoclinic)',
    source: 'Åhman, Svensson & Albertsson, Acta Cryst. C52, 1336 (1996): C2/m, five 4i sites, a = 12.214, b = 3.0371, c = 5.7981 Å, β = 103.83°',
    description: {
      spaceGroup: 12,
      lattice: { a: 12.214, b: 3.0371, c: 5.7981, alpha: 90, beta: 103.83, gamma: 90 },
      sites: [
        { letter: 'i', species: 'Ga', frac: [0.0904, 0, 0.7948] },
        { letter: 'i', species: 'Ga', frac: [0.3414, 0, 0.6857] },
        { letter: 'i', species: 'O', frac: [0.1674, 0, 0.1011] },
        { letter: 'i', species: 'O', frac: [0.4957, 0, 0.2553] },
        { letter: 'i', species: 'O', frac: [0.8279, 0, 0.4365] },
      ],
    },
  },
  {
    name: 'kyanite Al2SiO5 (triclinic)',
    source: 'Winter & Ghose, Am. Mineral. 64, 573 (1979): P-1, 16 sites in 2i',
    description: {
      spaceGroup: 2,
      lattice: { a: 7.1262, b: 7.852, c: 5.5724, alpha: 89.99, beta: 101.11, gamma: 106.03 },
      sites: (
        [
          ['Al', 0.3254, 0.704, 0.4582], ['Al', 0.2974, 0.6989, 0.9505], ['Al', 0.0998, 0.3862, 0.6403], ['Al', 0.112, 0.9175, 0.1649],
          ['Si', 0.2962, 0.0649, 0.7066], ['Si', 0.291, 0.3317, 0.1892],
          ['O', 0.1095, 0.1468, 0.1288], ['O', 0.123, 0.6856, 0.1812], ['O', 0.2747, 0.4545, 0.9547], ['O', 0.2831, 0.9354, 0.9353],
          ['O', 0.1084, 0.152, 0.6669], ['O', 0.1219, 0.6307, 0.6389], ['O', 0.2822, 0.4453, 0.4288], ['O', 0.2915, 0.9467, 0.4659],
          ['O', 0.5008, 0.2749, 0.244], ['O', 0.5015, 0.2312, 0.7553],
        ] as const
      ).map(([species, x, y, z]) => ({ letter: 'i', species, frac: [x, y, z] as Vec3 })),
    },
  },
];

/** Per element, the sorted list of (multiplicity, site symmetry): invariant under the choice of origin/description. */
function siteSignature(d: WyckoffDescription): string[] {
  return d.sites
    .map((s) => {
      const w = wyckoffPosition(d.spaceGroup, s.letter);
      return `${s.species}:${w.multiplicity}${w.siteSymmetry.replaceAll('.', '')}`;
    })
    .sort();
}

function expectValidDescription(d: WyckoffDescription): void {
  for (const site of d.sites) {
    // Each representative lies on its position's representative form.
    const out: Vec3 = [0, 0, 0];
    expect(projectOntoForm(wyckoffKernel(d.spaceGroup, site.letter), site.frac, out)).toBeLessThan(1e-16);
    for (const x of site.frac) expect(x >= 0 && x < 1).toBe(true);
  }
  for (let i = 1; i < d.sites.length; i++) {
    const [p, q] = [d.sites[i - 1]!, d.sites[i]!];
    const order = letterRank(p.letter) - letterRank(q.letter) || p.frac[0] - q.frac[0] || p.frac[1] - q.frac[1] || p.frac[2] - q.frac[2];
    expect(order).toBeLessThanOrEqual(0);
  }
}

describe('analyzeStructure → buildStructure round trips on published structures', () => {
  for (const { name, source, description } of PUBLISHED) {
    it(`${name} — ${source}`, () => {
      const input = buildStructure(description);
      const expectedAtoms = description.sites.reduce((n, s) => n + wyckoffPosition(description.spaceGroup, s.letter).multiplicity, 0);
      expect(input.numSites).toBe(expectedAtoms);
      const analysis = analyzeStructure(input);
      expect(analysis.spaceGroup).toBe(description.spaceGroup);
      expect(analysis.description.sites).toHaveLength(description.sites.length);
      expect(siteSignature(analysis.description)).toEqual(siteSignature(description));
      expectValidDescription(analysis.description);
      expect(composition(analysis.conventional)).toEqual(composition(input));
      const rebuilt = buildStructure(analysis.description);
      // Same crystal: neighbour shells agree to 1e-4 Å whatever cell was chosen; where the standard cell is the
      // published one, the atoms themselves coincide within 1e-4 Å after an origin shift (± inversion).
      expect(neighbourShellDeviation(input, rebuilt)).toBeLessThan(1e-4);
      if (latticeParametersClose(input, rebuilt, 1e-4)) expect(alignedMaxDeviation(input, rebuilt)).toBeLessThan(1e-4);
      else expect(['kyanite Al2SiO5 (triclinic)']).toContain(name);
      expect(rebuilt.sites.every((s) => s.wyckoff !== undefined)).toBe(true);
      // Letters reported per input site name the same positions as the description.
      const lettersOf = (species: string) => new Set(analysis.description.sites.filter((s) => s.species === species).map((s) => s.letter));
      input.sites.forEach((site, i) => expect(lettersOf(site.species).has(analysis.inputWyckoffLetters[i]!)).toBe(true));
    });
  }

  it('keeps the published letters for inputs already in the standard setting where the origin is unambiguous', () => {
    const rutile = analyzeStructure(buildStructure(PUBLISHED.find((p) => p.name === 'rutile TiO2')!.description));
    expect(wyckoffSequenceLabel(rutile.description)).toBe('136-a-Ti-f-O');
    expect(rutile.description.sites[1]!.frac[0]).toBeCloseTo(0.3048, 6);
    const garnet = analyzeStructure(buildStructure(PUBLISHED.find((p) => p.name.startsWith('YAG'))!.description));
    expect(garnet.description.sites.map((s) => `${s.letter}-${s.species}`)).toEqual(['a-Al', 'c-Y', 'd-Al', 'h-O']);
    expect(garnet.conventional.numSites).toBe(160);
  });

  it('reduces the monoclinic a–c plane (moyo alone returns β-Ga2O3 with β ≈ 126°)', () => {
    const gallia = analyzeStructure(buildStructure(PUBLISHED.find((p) => p.name.startsWith('β-Ga2O3'))!.description));
    expect(gallia.description.lattice.beta).toBeCloseTo(103.83, 6);
    expect(gallia.description.lattice.a).toBeCloseTo(12.214, 6);
    expect(gallia.description.lattice.c).toBeCloseTo(5.7981, 6);
  });

  it('picks one origin among equivalent ones: NaCl gives Na 4a + Cl 4b whichever way the input is shifted', () => {
    const base = buildStructure(PUBLISHED[1]!.description);
    for (const t of [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0, 0], [0.13, 0.77, 0.4]] as Vec3[]) {
      const moved = new Structure(base.lattice, base.sites.map((s) => ({ species: s.species, frac: [s.frac[0] + t[0], s.frac[1] + t[1], s.frac[2] + t[2]] as Vec3 })));
      const analysis = analyzeStructure(moved);
      expect(wyckoffSequenceLabel(analysis.description)).toBe('225-a-Na-b-Cl');
      expect(analysis.inputWyckoffLetters).toEqual(moved.sites.map((s) => (s.species === 'Na' ? 'a' : 'b')));
    }
  });
});

describe('recognition of non-standard inputs', () => {
  const nacl = PUBLISHED[1]!.description;

  it('NaCl shifted by (0.1, 0.2, 0.3) is still Fm-3m with Na and Cl on 4a/4b', () => {
    const base = buildStructure(nacl);
    const shifted = new Structure(base.lattice, base.sites.map((s) => ({ species: s.species, frac: [s.frac[0] + 0.1, s.frac[1] + 0.2, s.frac[2] + 0.3] as Vec3 })));
    const analysis = analyzeStructure(shifted);
    expect(analysis.spaceGroup).toBe(225);
    expect(analysis.description.sites.map((s) => s.letter).sort()).toEqual(['a', 'b']);
    expect(alignedMaxDeviation(base, analysis.conventional)).toBeLessThan(1e-4);
  });

  it('a 2×1×1 NaCl supercell reduces to the 8-atom conventional cell', () => {
    const base = buildStructure(nacl);
    const a = base.lattice.a;
    const supercell = new Structure(
      Lattice.fromParameters(2 * a, a, a, 90, 90, 90),
      [0, 1].flatMap((shift) => base.sites.map((s) => ({ species: s.species, frac: [(s.frac[0] + shift) / 2, s.frac[1], s.frac[2]] as Vec3 }))),
    );
    const analysis = analyzeStructure(supercell);
    expect(analysis.spaceGroup).toBe(225);
    expect(analysis.conventional.numSites).toBe(8);
    expect(analysis.description.lattice.a).toBeCloseTo(5.64, 8);
    expect(alignedMaxDeviation(base, analysis.conventional)).toBeLessThan(1e-4);
  });

  it('the primitive rhombohedral cell of Cu (1 atom) gives the 4-atom fcc conventional cell', () => {
    const h = 3.615 / 2;
    const primitive = new Structure(new Lattice([[0, h, h], [h, 0, h], [h, h, 0]]), [{ species: 'Cu', frac: [0.3, 0.3, 0.3] }]);
    const analysis = analyzeStructure(primitive);
    expect(analysis.spaceGroup).toBe(225);
    expect(analysis.description.sites).toEqual([{ letter: 'a', species: 'Cu', frac: [0, 0, 0] }]);
    expect(analysis.description.lattice.a).toBeCloseTo(3.615, 8);
    expect(analysis.conventional.numSites).toBe(4);
  });

  it('rotated and noisy rutile (1e-3 Å displacements) is recognised at the default symprec and symmetrized', () => {
    const base = buildStructure(PUBLISHED[5]!.description);
    // Swap a and c axes (a non-standard orientation) and displace atoms slightly.
    const p = base.lattice.parameters;
    const noisy = new Structure(
      Lattice.fromParameters(p.c, p.b, p.a, 90, 90, 90),
      base.sites.map((s, i) => ({ species: s.species, frac: [s.frac[2] + 3e-4 * Math.sin(i), s.frac[1], s.frac[0] - 2e-4 * Math.cos(i)] as Vec3 })),
    );
    const analysis = analyzeStructure(noisy);
    expect(analysis.spaceGroup).toBe(136);
    expect(analysis.description.lattice.a).toBeCloseTo(4.5937, 2);
    expect(alignedMaxDeviation(base, analysis.conventional)).toBeLessThan(5e-3);
    expect(analyzeStructure(noisy, { symprec: 1e-5 }).spaceGroup).not.toBe(136);
  });
});

describe('buildStructure', () => {
  it('moves an off-form representative onto the form (Cl given at (0.5,0,0) for 4b 1/2,1/2,1/2)', () => {
    const s = buildStructure({ spaceGroup: 225, lattice: cubic(5.64), sites: [{ letter: 'b', species: 'Cl', frac: [0.5, 0, 0] }] });
    expect(s.numSites).toBe(4);
    expect(s.sites.some((site) => site.frac.every((x) => Math.abs(x - 0.5) < 1e-12))).toBe(true);
  });

  it('merges atoms when a free coordinate takes a special value (24e at x = 0 collapses to 4 atoms)', () => {
    expect(buildStructure({ spaceGroup: 225, lattice: cubic(4), sites: [{ letter: 'e', species: 'O', frac: [0, 0, 0] }] }).numSites).toBe(4);
    expect(buildStructure({ spaceGroup: 225, lattice: cubic(4), sites: [{ letter: 'e', species: 'O', frac: [0.2, 0, 0] }] }).numSites).toBe(24);
  });

  it('does not merge different elements on the same spot', () => {
    const s = buildStructure({ spaceGroup: 221, lattice: cubic(4), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'a', species: 'K', frac: [0, 0, 0] }] });
    expect(s.numSites).toBe(2);
  });

  it('gives clear errors for unknown letters and elements', () => {
    expect(() => buildStructure({ spaceGroup: 225, lattice: cubic(4), sites: [{ letter: 'z', species: 'O', frac: [0, 0, 0] }] })).toThrow(/225.*'z'/);
    expect(() => buildStructure({ spaceGroup: 225, lattice: cubic(4), sites: [{ letter: 'a', species: 'Xx', frac: [0, 0, 0] }] })).toThrow(/'Xx'/);
  });

  it('labels sequences', () => {
    expect(wyckoffSequenceLabel(PUBLISHED[1]!.description)).toBe('225-a-Na-b-Cl');
  });
});
