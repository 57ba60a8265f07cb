import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { initSymmetry, moyoModule } from '../../shared/symmetry/moyo.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { detectSpaceGroup } from '../../shared/symmetry/detect.ts';
import { PivotRule } from '../../shared/symmetry/tolerance.ts';

beforeAll(async () => {
  await initSymmetry();
});

/**
 * A centrosymmetric P-1 cell (one Ti on the inversion centre, three O pairs) with the Ti moved `shift` Å along a.
 * spglib (Debian python3-spglib 2.x, `get_spacegroup(cell, symprec)`) answers, for shift 0.05 Å: P1 (1) at
 * symprec 0.1 and P-1 (2) at 0.15; for shift 0: P-1 at both. moyo alone says P-1 at 0.1 for shift 0.05, because it
 * fits the translation to all atoms instead of taking it from the pivot atom.
 */
function displacedTitanate(shift: number): Structure {
  const oxygens: Vec3[] = [
    [0.2, 0.3, 0.1],
    [0.3, 0.1, 0.4],
    [0.15, 0.35, 0.3],
  ];
  const frac: Vec3[] = [[shift / 4, 0, 0], ...oxygens, ...oxygens.map((o) => o.map((x) => -x) as Vec3)];
  return Structure.fromSpecies(Lattice.fromParameters(4, 5, 6, 90, 90, 90), ['Ti', 'O', 'O', 'O', 'O', 'O', 'O'], frac);
}

function cellOf(s: Structure) {
  return { lattice: s.lattice.matrix, positions: s.sites.map((x) => x.frac), numbers: s.sites.map((x) => (x.species === 'Ti' ? 22 : 8)) };
}

describe('symprec with spglib’s meaning (pivot rule)', () => {
  it('agrees with spglib where moyo alone accepts a larger distortion', () => {
    const s = displacedTitanate(0.05);
    const raw = moyoModule().analyze_cell(JSON.stringify({ lattice: { basis: s.lattice.matrix.flat() }, positions: s.sites.map((x) => x.frac), numbers: cellOf(s).numbers }), 0.1, 'Standard');
    expect(raw.number).toBe(2); // moyo's own answer, kept here so the test shows the difference it corrects
    expect(detectSpaceGroup(s, 0.1)).toBe(1);
    expect(analyzeStructure(s, { symprec: 0.1 }).spaceGroup).toBe(1);
    expect(detectSpaceGroup(s, 0.15)).toBe(2);
    expect(analyzeStructure(s, { symprec: 0.15 }).spaceGroup).toBe(2);
  });

  it('keeps the symmetry of an undistorted cell', () => {
    expect(detectSpaceGroup(displacedTitanate(0), 0.1)).toBe(2);
    expect(detectSpaceGroup(displacedTitanate(0), 0.001)).toBe(2);
  });

  it('measures displacement from the pivot: inversion fails once the Ti is off by more than symprec / 2', () => {
    const inversion = { rotation: [-1, 0, 0, 0, -1, 0, 0, 0, -1] as MoyoRotation, translation: [0, 0, 0] as [number, number, number] };
    // Ti is its own image under inversion through the origin; its displacement δ moves the pivot translation by 2δ.
    expect(new PivotRule(cellOf(displacedTitanate(0.04)), 0.1).holds({ ...inversion, translation: [0.02, 0, 0] })).toBe(true);
    expect(new PivotRule(cellOf(displacedTitanate(0.06)), 0.1).holds({ ...inversion, translation: [0.03, 0, 0] })).toBe(false);
    const identity = { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1] as MoyoRotation, translation: [0, 0, 0] as [number, number, number] };
    expect(new PivotRule(cellOf(displacedTitanate(0.3)), 0.01).holds(identity)).toBe(true);
  });

  it('reads moyo’s rotations column by column (they differ from rows in a hexagonal cell)', () => {
    // Ti on a 6-fold axis, six O around it: (x, y) → (x − y, x) in hexagonal axes, starting from (0.3, 0.1).
    const ring: Vec3[] = [
      [0.3, 0.1, 0],
      [0.2, 0.3, 0],
      [-0.1, 0.2, 0],
      [-0.3, -0.1, 0],
      [-0.2, -0.3, 0],
      [0.1, -0.2, 0],
    ];
    const s = Structure.fromSpecies(Lattice.fromParameters(5, 5, 3, 90, 90, 120), ['Ti', 'O', 'O', 'O', 'O', 'O', 'O'], [[0, 0, 0], ...ring]);
    const cell = cellOf(s);
    const dataset = moyoModule().analyze_cell(JSON.stringify({ lattice: { basis: s.lattice.matrix.flat() }, positions: cell.positions, numbers: cell.numbers }), 0.01, 'Standard');
    expect(dataset.number).toBe(175); // P6/m: the 6-fold axis and the mirror plane of the ring
    const rule = new PivotRule(cell, 0.01);
    expect(dataset.operations.every((op) => rule.holds(op))).toBe(true);
    const transposed = dataset.operations.map((op) => ({ ...op, rotation: [0, 3, 6, 1, 4, 7, 2, 5, 8].map((k) => op.rotation[k]!) as MoyoRotation }));
    expect(transposed.filter((op) => !rule.holds(op)).length).toBeGreaterThan(0);
  });
});

type MoyoRotation = [number, number, number, number, number, number, number, number, number];
