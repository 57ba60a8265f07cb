import { beforeAll, describe, expect, it } from 'vitest';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import {
  GENERIC_PARAMETERS,
  allSpaceGroups,
  applyOp,
  crystalSystemOf,
  expandOrbit,
  findSpaceGroup,
  findSpaceGroupSetting,
  getSpaceGroup,
  parseCoordinateTriplet,
  periodicFracDistance,
  projectOntoForm,
  wyckoffKernel,
  wyckoffPosition,
} from '../../shared/symmetry/spacegroups.ts';

beforeAll(async () => {
  await initSymmetry();
});

/**
 * Orders of the 32 crystallographic point groups (ITA Vol. A, Table 10.1.2.2). Oriented site-symmetry symbols are
 * looked up after removing the dots; the orientation variants (2mm, m2m, -4m2, -6m2) have the same order.
 */
const POINT_GROUP_ORDER: Record<string, number> = {
  '1': 1, '-1': 2, '2': 2, m: 2, '2/m': 4, '222': 4, mm2: 4, '2mm': 4, m2m: 4, mmm: 8,
  '4': 4, '-4': 4, '4/m': 8, '422': 8, '4mm': 8, '-42m': 8, '-4m2': 8, '4/mmm': 16,
  '3': 3, '-3': 6, '32': 6, '3m': 6, '-3m': 12,
  '6': 6, '-6': 6, '6/m': 12, '622': 12, '6mm': 12, '-6m2': 12, '-62m': 12, '6/mmm': 24,
  '23': 12, 'm-3': 24, '432': 24, '-43m': 24, 'm-3m': 48,
};

function genericPoint(g: number, letter: string): Vec3 {
  return applyOp(wyckoffPosition(g, letter).representative, GENERIC_PARAMETERS);
}

describe('space-group tables', () => {
  it('has 230 groups and 1,731 Wyckoff positions (CrystalFormer wyckoff_list.csv count)', () => {
    const groups = allSpaceGroups();
    expect(groups).toHaveLength(230);
    expect(groups.reduce((n, g) => n + g.wyckoffPositions.length, 0)).toBe(1731);
    // Σ multiplicities over all positions = number of orbit-member operations in wyckoff_list.csv (14,433).
    expect(groups.reduce((n, g) => n + g.wyckoffPositions.reduce((m, w) => m + w.multiplicity, 0), 0)).toBe(14433);
  });

  it('DOF distribution and multiplicity set match the CrystalFormer/PyXtal table (crystalformer.md §10)', () => {
    const dofCounts = [0, 0, 0, 0];
    const multiplicities = new Set<number>();
    for (const g of allSpaceGroups()) {
      for (const w of g.wyckoffPositions) {
        dofCounts[w.dof]!++;
        multiplicities.add(w.multiplicity);
      }
    }
    expect(dofCounts).toEqual([616, 718, 167, 230]);
    expect([...multiplicities].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 64, 96, 192]);
  });

  it('every Wyckoff position: a generic point expands to exactly `multiplicity` distinct points', () => {
    const failures: string[] = [];
    for (const g of allSpaceGroups()) {
      for (const w of g.wyckoffPositions) {
        const orbit = expandOrbit(g.number, w.letter, genericPoint(g.number, w.letter));
        if (orbit.length !== w.multiplicity) failures.push(`${g.number}${w.letter}: ${orbit.length} ≠ ${w.multiplicity}`);
        // Independently of orbitOps: the full operation list must reach the same number of distinct images.
        const images: Vec3[] = [];
        for (const op of g.operations) {
          const image = applyOp(op, genericPoint(g.number, w.letter));
          if (!images.some((p) => periodicFracDistance(p, image) < 1e-7)) images.push(image);
        }
        if (images.length !== w.multiplicity) failures.push(`${g.number}${w.letter} (all ops): ${images.length} ≠ ${w.multiplicity}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every orbit point: |site-symmetry group| × multiplicity = |G|, and |site group| = order of the ITA site-symmetry symbol', () => {
    const failures: string[] = [];
    for (const g of allSpaceGroups()) {
      for (const w of g.wyckoffPositions) {
        const expectedOrder = POINT_GROUP_ORDER[w.siteSymmetry.replaceAll('.', '')];
        if (expectedOrder === undefined) {
          failures.push(`${g.number}${w.letter}: unknown site symmetry '${w.siteSymmetry}'`);
          continue;
        }
        for (const point of expandOrbit(g.number, w.letter, genericPoint(g.number, w.letter))) {
          const stabiliser = g.operations.filter((op) => periodicFracDistance(applyOp(op, point), point) < 1e-7).length;
          if (stabiliser * w.multiplicity !== g.operations.length || stabiliser !== expectedOrder) {
            failures.push(`${g.number}${w.letter}: |S| = ${stabiliser}, symbol ${w.siteSymmetry} → ${expectedOrder}, m = ${w.multiplicity}, |G| = ${g.operations.length}`);
            break;
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('orbitOps start with the identity and the representative form maps onto itself', () => {
    for (const g of allSpaceGroups()) {
      for (const w of g.wyckoffPositions) {
        expect(w.orbitOps).toHaveLength(w.multiplicity);
        const p = genericPoint(g.number, w.letter);
        expect(periodicFracDistance(applyOp(w.orbitOps[0]!, p), p)).toBe(0);
        // A point on the form (shifted by lattice vectors) projects onto the form with zero residual.
        const out: Vec3 = [0, 0, 0];
        const shifted: Vec3 = [p[0] + 1, p[1] - 1, p[2] + 2];
        expect(projectOntoForm(wyckoffKernel(g.number, w.letter), shifted, out)).toBeLessThan(1e-20);
        expect(periodicFracDistance(out, p)).toBeLessThan(1e-12);
      }
    }
  });

  it('matches ITA for Fm-3m (225): 4a 4b 8c 24d 24e 32f 48g 48h 48i 96j 96k 192l', () => {
    const g = getSpaceGroup(225);
    expect(g.symbol).toBe('Fm-3m');
    expect(g.crystalSystem).toBe('cubic');
    expect(g.centering).toBe('F');
    expect(g.operations).toHaveLength(192);
    expect(g.wyckoffPositions.map((w) => `${w.multiplicity}${w.letter}`)).toEqual(
      ['4a', '4b', '8c', '24d', '24e', '32f', '48g', '48h', '48i', '96j', '96k', '192l'],
    );
    expect(wyckoffPosition(225, 'c').coordinates).toBe('1/4,1/4,1/4');
    expect(wyckoffPosition(225, 'f').siteSymmetry).toBe('.3m');
    expect(wyckoffPosition(225, 'e').freeAxes).toEqual([true, false, false]);
    expect(wyckoffPosition(225, 'f').freeAxes).toEqual([true, true, true]); // 'x,x,x': tied, but every row non-zero
    expect(wyckoffPosition(225, 'f').dof).toBe(1);
    // The F-centred orbit of 4a is the fcc set 000, 0½½, ½0½, ½½0.
    const orbit = expandOrbit(225, 'a', [0, 0, 0]);
    const fcc: Vec3[] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
    expect(orbit).toHaveLength(4);
    for (const p of fcc) expect(orbit.some((q) => periodicFracDistance(p, q) < 1e-12)).toBe(true);
  });

  it('matches ITA for Pmmm (47): 27 positions a…z, A with the general position 8A', () => {
    const g = getSpaceGroup(47);
    expect(g.wyckoffPositions).toHaveLength(27);
    expect(g.wyckoffPositions.map((w) => w.letter).join('')).toBe('abcdefghijklmnopqrstuvwxyzA');
    expect(g.wyckoffPositions.at(-1)).toMatchObject({ letter: 'A', multiplicity: 8, coordinates: 'x,y,z', dof: 3 });
    expect(g.wyckoffPositions.slice(0, 8).every((w) => w.multiplicity === 1 && w.dof === 0)).toBe(true);
  });

  it('matches ITA for R-3m (166) in hexagonal axes: 3a 3b 6c 9d 9e 18f 18g 18h 36i', () => {
    const g = getSpaceGroup(166);
    expect(g.crystalSystem).toBe('trigonal');
    expect(g.operations).toHaveLength(36);
    expect(g.wyckoffPositions.map((w) => `${w.multiplicity}${w.letter}`)).toEqual(['3a', '3b', '6c', '9d', '9e', '18f', '18g', '18h', '36i']);
    // 3a includes the R-centring translations (2/3,1/3,1/3) and (1/3,2/3,2/3).
    const orbit = expandOrbit(166, 'a', [0, 0, 0]);
    expect(orbit.some((p) => periodicFracDistance(p, [2 / 3, 1 / 3, 1 / 3]) < 1e-12)).toBe(true);
    expect(orbit.some((p) => periodicFracDistance(p, [1 / 3, 2 / 3, 2 / 3]) < 1e-12)).toBe(true);
  });

  it('uses origin choice 2 where ITA gives two (Fd-3m 227: 8a at 1/8,1/8,1/8 and inversion at the origin)', () => {
    expect(wyckoffPosition(227, 'a').coordinates).toBe('1/8,1/8,1/8');
    const inversion = getSpaceGroup(227).operations.some(
      (op) => op.rotation[0][0] === -1 && op.rotation[1][1] === -1 && op.rotation[2][2] === -1 && op.translation.every((t) => t === 0),
    );
    expect(inversion).toBe(true);
    // P4/n (85) origin 2: the four-fold axis is at 1/4,1/4,z (2c, site symmetry 4..).
    expect(wyckoffPosition(85, 'c')).toMatchObject({ multiplicity: 2, coordinates: '1/4,1/4,z' });
  });

  it('classifies crystal systems by ITA number ranges', () => {
    const ranges: [number, number, string][] = [
      [1, 2, 'triclinic'], [3, 15, 'monoclinic'], [16, 74, 'orthorhombic'], [75, 142, 'tetragonal'],
      [143, 167, 'trigonal'], [168, 194, 'hexagonal'], [195, 230, 'cubic'],
    ];
    for (const [from, to, system] of ranges) for (let g = from; g <= to; g++) expect(crystalSystemOf(g)).toBe(system);
  });

  it('collapses orbits at special parameter values (24e with x = 0 is the 4a orbit)', () => {
    expect(expandOrbit(225, 'e', [0, 0, 0])).toHaveLength(4);
    expect(expandOrbit(225, 'e', [0.2, 0, 0])).toHaveLength(24);
  });

  it('parses ITA coordinate triplets with coefficients and fractions', () => {
    expect(parseCoordinateTriplet('x,2x,1/4')).toEqual({ rotation: [[1, 0, 0], [2, 0, 0], [0, 0, 0]], translation: [0, 0, 0.25] });
    expect(parseCoordinateTriplet('-x+1/2,y,-y+1/4')).toEqual({ rotation: [[-1, 0, 0], [0, 1, 0], [0, -1, 0]], translation: [0.5, 0, 0.25] });
    expect(() => parseCoordinateTriplet('x,y')).toThrow(/three components/);
    expect(() => parseCoordinateTriplet('x,q,z')).toThrow(/'q'/);
  });

  it('finds groups by number, H-M symbols in many spellings, Hall symbols and settings', () => {
    expect(findSpaceGroup('225')?.number).toBe(225);
    expect(findSpaceGroup('Fm-3m')?.number).toBe(225);
    expect(findSpaceGroup('F m -3 m')?.number).toBe(225);
    expect(findSpaceGroup('F 4/m -3 2/m')?.number).toBe(225);
    expect(findSpaceGroup('Fm3m')?.number).toBe(225);
    expect(findSpaceGroup('-F 4 2 3')?.number).toBe(225);
    expect(findSpaceGroup('P6_3/mmc')?.number).toBe(194);
    expect(findSpaceGroup('P 63/m m c')?.number).toBe(194);
    expect(findSpaceGroup('P 1 21/c 1')?.number).toBe(14);
    expect(findSpaceGroup('P2(1)/c')?.number).toBe(14);
    expect(findSpaceGroup('Cmca')?.number).toBe(64);
    expect(findSpaceGroup('nonsense')).toBeUndefined();
    expect(findSpaceGroup('231')).toBeUndefined();
    const pbnm = findSpaceGroupSetting('Pbnm');
    expect(pbnm).toMatchObject({ isStandard: false });
    expect(pbnm?.spaceGroup.number).toBe(62);
    const p21n = findSpaceGroupSetting('P 21/n');
    expect(p21n?.spaceGroup.number).toBe(14);
    // P 1 21/n 1 contains the n-glide x+1/2, -y+1/2, z+1/2.
    expect(p21n?.operations.some((op) => op.rotation[1][1] === -1 && op.rotation[0][0] === 1 && op.translation.join() === '0.5,0.5,0.5')).toBe(true);
    const rhombohedral = findSpaceGroupSetting('R -3 m :R');
    expect(rhombohedral?.operations).toHaveLength(12);
    expect(findSpaceGroupSetting('R-3m')?.operations).toHaveLength(36);
  });

  it('names the group and letter in errors', () => {
    expect(() => wyckoffPosition(225, 'm')).toThrow(/225.*'m'/);
    expect(() => getSpaceGroup(0)).toThrow(/1…230/);
    expect(() => getSpaceGroup(231)).toThrow(/231/);
  });
});
