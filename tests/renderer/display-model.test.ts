/**
 * The viewer's data model against crystal geometry that can be counted by hand: rock salt is a simple-cubic grid
 * of alternating Na and Cl at spacing a/2, so atoms and nearest-neighbour bonds in any box are grid counts;
 * perovskite Ti sits in O₆ octahedra; wurtzite Zn in ZnO₄ tetrahedra. The cell-list search is checked against the
 * all-pairs search on random points.
 */
import { describe, expect, it } from 'vitest';
import { covalentRadius } from '../../shared/crystal/elements.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { buildDisplayModel, maximumBondLength, type DisplayOptions } from '../../renderer/src/viewer/displayModel.ts';
import { forEachPairWithin } from '../../renderer/src/viewer/neighbors.ts';
import { effectivePairRules } from '../../renderer/src/viewer/bondRules.ts';
import { DEMO_STRUCTURES, demoStructure } from '../../renderer/src/demo/structures.ts';
import { angleAt, distance } from '../../renderer/src/viewer/measure.ts';

const base: DisplayOptions = {
  supercell: [1, 1, 1],
  boundaryImages: true,
  bondedOutside: false,
  bondTolerance: 0.1,
  pairRules: [],
  polyhedronCentres: [],
  bondRadius: covalentRadius,
};

const nacl = () => demoStructure('nacl').build();

/** Bonds between nearest grid points in a p×q×r block of grid points: (p−1)qr + p(q−1)r + pq(r−1). */
const gridBonds = (p: number, q: number, r: number) => (p - 1) * q * r + p * (q - 1) * r + p * q * (r - 1);

describe('cell-list neighbour search', () => {
  it('finds exactly the pairs an all-pairs search finds', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 1500;
    const points = Float64Array.from({ length: 3 * n }, () => random() * 25);
    const cutoff = 2.3;
    const found = new Map<string, number>();
    forEachPairWithin(points, cutoff, (i, j, d) => {
      expect(i).toBeLessThan(j);
      found.set(`${i},${j}`, d);
    });
    let expected = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const d = Math.hypot(points[3 * i]! - points[3 * j]!, points[3 * i + 1]! - points[3 * j + 1]!, points[3 * i + 2]! - points[3 * j + 2]!);
        if (d < cutoff) {
          expected++;
          expect(found.get(`${i},${j}`)).toBeCloseTo(d, 12);
        }
      }
    }
    expect(found.size).toBe(expected);
    expect(expected).toBeGreaterThan(100);
  });

  it('handles a sparse, elongated cloud without allocating a cell per Å³', () => {
    const points = Float64Array.from([0, 0, 0, 0.5, 0, 0, 1e5, 0, 0, 1e5 + 0.5, 0, 0]);
    const pairs: [number, number][] = [];
    forEachPairWithin(points, 1, (i, j) => pairs.push([i, j]));
    expect(pairs).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('rejects non-finite coordinates with the point named', () => {
    expect(() => forEachPairWithin([0, 0, 0, NaN, 0, 0], 1, () => {})).toThrow(/point 1/);
  });
});

describe('display model', () => {
  it('rock salt, one cell with boundary images: a 3×3×3 grid, 27 atoms, 54 bonds of a/2', () => {
    const model = buildDisplayModel(nacl(), base);
    expect(model.atoms).toHaveLength(27);
    expect(model.atoms.filter((a) => a.species === 'Na')).toHaveLength(14); // 8 corners + 6 faces
    expect(model.atoms.filter((a) => a.kind === 'cell')).toHaveLength(8);
    expect(model.bonds).toHaveLength(gridBonds(3, 3, 3));
    for (const bond of model.bonds) {
      expect(bond.length).toBeCloseTo(5.64 / 2, 10);
      expect(model.atoms[bond.a]!.species).not.toBe(model.atoms[bond.b]!.species);
    }
  });

  it('rock salt 2×2×2 supercell: 125 atoms and 300 bonds with images, 64 atoms and 144 bonds without', () => {
    const withImages = buildDisplayModel(nacl(), { ...base, supercell: [2, 2, 2] });
    expect(withImages.atoms).toHaveLength(5 ** 3);
    expect(withImages.bonds).toHaveLength(gridBonds(5, 5, 5));
    const without = buildDisplayModel(nacl(), { ...base, supercell: [2, 2, 2], boundaryImages: false });
    expect(without.atoms).toHaveLength(64);
    expect(without.bonds).toHaveLength(gridBonds(4, 4, 4));
    expect(without.box.edges[0][0]).toBeCloseTo(2 * 5.64, 12);
  });

  it('~10,000 atoms: the 11×11×11 rock-salt supercell has 10,648 atoms and 30,492 bonds', () => {
    const model = buildDisplayModel(nacl(), { ...base, supercell: [11, 11, 11], boundaryImages: false });
    expect(model.atoms).toHaveLength(8 * 11 ** 3);
    expect(model.bonds).toHaveLength(gridBonds(22, 22, 22));
  });

  it('bonded atoms outside the box complete every octahedron: 8 Na/Cl with 6 bonds each, 36 bonds', () => {
    const model = buildDisplayModel(nacl(), { ...base, boundaryImages: false, bondedOutside: true });
    const degree = new Map<number, number>();
    for (const b of model.bonds) for (const i of [b.a, b.b]) degree.set(i, (degree.get(i) ?? 0) + 1);
    const inside = model.atoms.map((a, i) => [a, i] as const).filter(([a]) => a.kind === 'cell');
    expect(inside).toHaveLength(8);
    for (const [, i] of inside) expect(degree.get(i)).toBe(6);
    // 12 bonds inside the cell + 24 to outside neighbours.
    expect(model.bonds).toHaveLength(36);
    // Those neighbours sit at −½ (12, outside the box) or at 1 (12, on the far faces).
    expect(model.atoms.filter((a) => a.kind === 'outside')).toHaveLength(12);
    expect(model.atoms.filter((a) => a.kind === 'boundary')).toHaveLength(12);
  });

  it('pair rules replace the radius rule: Na–Cl off, Na–Na at a/√2 on', () => {
    const off = buildDisplayModel(nacl(), { ...base, pairRules: [{ a: 'Cl', b: 'Na', min: 0, max: 0 }] });
    expect(off.bonds).toHaveLength(0);
    const naNa = buildDisplayModel(nacl(), { ...base, pairRules: [{ a: 'Na', b: 'Na', min: 3.9, max: 4.1 }] });
    const naNaBonds = naNa.bonds.filter((b) => naNa.atoms[b.a]!.species === 'Na' && naNa.atoms[b.b]!.species === 'Na');
    // Na pairs at a/√2 among the 14 Na of one cell (8 corners, 6 face centres): each face centre to the 4 corners
    // of its face (6 × 4) and each pair of adjacent face centres (12 cube edges) — 36.
    expect(naNaBonds).toHaveLength(6 * 4 + 12);
    for (const b of naNaBonds) expect(b.length).toBeCloseTo(5.64 / Math.SQRT2, 10);
    expect(naNa.bonds.length - naNaBonds.length).toBe(54);
  });

  it('perovskite: Ti polyhedra are octahedra of O at a/2', () => {
    const srtio3 = demoStructure('srtio3').build();
    // Without the metal–metal exclusion, the radius rule would also bond Ti to the 8 Sr at a·√3/2 = 3.38 Å.
    const pairRules = effectivePairRules(srtio3.species, { pairRules: [], metalMetalBonds: false });
    const model = buildDisplayModel(srtio3, { ...base, boundaryImages: false, polyhedronCentres: ['Ti'], pairRules });
    expect(model.polyhedra).toHaveLength(1);
    const poly = model.polyhedra[0]!;
    expect(poly.vertices).toHaveLength(6);
    for (const v of poly.vertices) {
      expect(model.atoms[v]!.species).toBe('O');
      expect(distance(model.atoms[v]!.cart, model.atoms[poly.centre]!.cart)).toBeCloseTo(3.905 / 2, 10);
    }
    // The outside vertices are drawn so that the octahedron is complete.
    expect(model.atoms.filter((a) => a.kind === 'outside')).toHaveLength(3);
    // With images on the box, all 8 corner Ti get octahedra.
    expect(buildDisplayModel(srtio3, { ...base, polyhedronCentres: ['Ti'], pairRules }).polyhedra).toHaveLength(8);
  });

  it('wurtzite: every Zn bonds to 4 O at ≈1.97–1.99 Å with tetrahedral angles near 109.5°', () => {
    const zno = demoStructure('zno').build();
    const model = buildDisplayModel(zno, { ...base, boundaryImages: false, bondedOutside: true });
    const zn = model.atoms.map((a, i) => [a, i] as const).filter(([a]) => a.species === 'Zn' && a.kind === 'cell');
    expect(zn).toHaveLength(2);
    for (const [atom, i] of zn) {
      const neighbours = model.bonds.filter((b) => b.a === i || b.b === i).map((b) => model.atoms[b.a === i ? b.b : b.a]!);
      expect(neighbours).toHaveLength(4);
      for (const n of neighbours) {
        expect(n.species).toBe('O');
        expect(distance(n.cart, atom.cart)).toBeGreaterThan(1.96);
        expect(distance(n.cart, atom.cart)).toBeLessThan(2.0);
      }
      for (let p = 0; p < 4; p++) {
        for (let q = p + 1; q < 4; q++) {
          expect(Math.abs(angleAt(neighbours[p]!.cart, atom.cart, neighbours[q]!.cart) - 109.47)).toBeLessThan(2);
        }
      }
    }
  });

  it('metal–metal exclusion applies to compounds only', () => {
    const rutile = demoStructure('rutile').build();
    const species = rutile.sites.map((s) => s.species);
    const rules = effectivePairRules(species, { pairRules: [], metalMetalBonds: false });
    expect(rules).toEqual([{ a: 'Ti', b: 'Ti', min: 0, max: 0 }]);
    // Ti–Ti along c is 2.959 Å < 2·1.60·1.1: the radius rule alone would bond it.
    const plain = buildDisplayModel(rutile, { ...base, boundaryImages: false, bondedOutside: true });
    const filtered = buildDisplayModel(rutile, { ...base, boundaryImages: false, bondedOutside: true, pairRules: rules });
    const tiTi = (m: typeof plain) => m.bonds.filter((b) => m.atoms[b.a]!.species === 'Ti' && m.atoms[b.b]!.species === 'Ti').length;
    expect(tiTi(plain)).toBeGreaterThan(0);
    expect(tiTi(filtered)).toBe(0);
    // Each Ti in rutile is octahedral: 6 O.
    for (const [i, a] of filtered.atoms.entries()) {
      if (a.species === 'Ti' && a.kind === 'cell') expect(filtered.bonds.filter((b) => b.a === i || b.b === i)).toHaveLength(6);
    }
    // A pure metal keeps its bonds.
    expect(effectivePairRules(['Cu', 'Cu'], { pairRules: [], metalMetalBonds: false })).toEqual([]);
  });

  it('works for an oblique (triclinic) cell: every site of the box is drawn once in a supercell', () => {
    const lattice = Lattice.fromParameters(4.1, 5.3, 6.2, 71, 82, 104);
    const structure = new Structure(lattice, [
      { species: 'Si', frac: [0.12, 0.34, 0.56] },
      { species: 'O', frac: [0.71, 0.05, 0.93] },
    ]);
    const model = buildDisplayModel(structure, { ...base, supercell: [2, 3, 1] });
    expect(model.atoms.filter((a) => a.kind === 'cell')).toHaveLength(2 * 6);
    expect(model.atoms.every((a) => a.kind === 'cell')).toBe(true);
  });

  it('reports bad options with the field named', () => {
    expect(() => buildDisplayModel(nacl(), { ...base, supercell: [0, 1, 1] })).toThrow(/supercell a/);
    expect(() => buildDisplayModel(nacl(), { ...base, supercell: [1, 1.5, 1] })).toThrow(/supercell b/);
    expect(() => buildDisplayModel(nacl(), { ...base, bondTolerance: 5 })).toThrow(/tolerance/);
    // 8 sites × 30³ = 216,000 atoms: refused with the count, instead of stalling the page.
    expect(() => buildDisplayModel(nacl(), { ...base, supercell: [30, 30, 30] })).toThrow(/216,000 atoms/);
  });

  it('the bond cutoff covers the largest radius sum and any pair rule', () => {
    expect(maximumBondLength(['Na', 'Cl'], base)).toBeCloseTo(2 * 1.66 * 1.1, 12);
    expect(maximumBondLength(['Na', 'Cl'], { ...base, pairRules: [{ a: 'Na', b: 'Cl', min: 0, max: 5 }] })).toBe(5);
  });

  it('every demo structure builds and has no two atoms closer than 1.5 Å', () => {
    for (const demo of DEMO_STRUCTURES) {
      const s = demo.build();
      expect(s.minimumDistance(), demo.id).toBeGreaterThan(1.5);
    }
  });
});
