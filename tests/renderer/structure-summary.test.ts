/**
 * The viewer's crystallographic summary and drawing aids (issue 16, items 2, 7, 10), against independent facts:
 * densities, Z, Wyckoff letters and site symmetries from pymatgen 2024 / spglib 2.x on the same crystals
 * (Structure.from_spacegroup(...).density, spglib get_symmetry_dataset(...)['site_symmetry_symbols']), the
 * CIF written being read back by our reader, and VESTA's colour table (Ba and Zr both green).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure, type Site } from '../../shared/crystal/structure.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { expandOrbit } from '../../shared/symmetry/spacegroups.ts';
import { summarizeStructure } from '../../renderer/src/viewer/structureSummary.ts';
import { atomColor, colorDifference, MIN_COLOR_DIFFERENCE, separatedColors } from '../../renderer/src/viewer/elementStyle.ts';
import { opaqueBounds, structureFileBase } from '../../renderer/src/viewer/pngExport.ts';
import { formulaParts } from '../../renderer/src/ui/Formula.tsx';

beforeAll(async () => {
  await initSymmetry();
});

function fromWyckoff(group: number, lattice: Lattice, orbits: [string, string, Vec3][]): { structure: Structure; orbitOf: number[] } {
  const sites: Site[] = [];
  const orbitOf: number[] = [];
  orbits.forEach(([letter, species, point], k) => {
    for (const p of expandOrbit(group, letter, point)) {
      sites.push({ species, frac: [p[0] + 0.05, p[1] + 0.1, p[2] + 0.15] });
      orbitOf.push(k);
    }
  });
  return { structure: new Structure(lattice, sites), orbitOf };
}

describe('structure summary', () => {
  it('SrTiO3 (Pm-3m, a = 3.905 Å): Z 1, 59.55 Å³, 5.117 g/cm³, Sr 1a m-3m, Ti 1b m-3m, O 3c 4/mm.m (pymatgen, spglib)', () => {
    const { structure } = fromWyckoff(221, Lattice.cubic(3.905), [['a', 'Sr', [0, 0, 0]], ['b', 'Ti', [0.5, 0.5, 0.5]], ['c', 'O', [0, 0.5, 0.5]]]);
    const s = summarizeStructure(structure);
    expect(s.formula).toBe('SrTiO3');
    expect(s.z).toBe(1);
    expect(s.spaceGroup).toEqual({ number: 221, symbol: 'Pm-3m', crystalSystem: 'cubic' });
    expect(s.volume).toBeCloseTo(59.5474, 3);
    expect(s.density).toBeCloseTo(5.116665, 4);
    expect(s.sites.map((x) => [x.label, x.element, `${x.multiplicity}${x.letter}`, x.siteSymmetry, x.occupancy])).toEqual([
      ['Sr1', 'Sr', '1a', 'm-3m', 1],
      ['Ti1', 'Ti', '1b', 'm-3m', 1],
      ['O1', 'O', '3c', '4/mm.m', 1],
    ]);
    expect(s.siteLabels).toEqual(structure.sites.map((site) => `${site.species}1`));
  });

  it('CaTiO3 (Pnma, 20 atoms): Z 4, 3.802 g/cm³; Ca and O1 on 4c (.m.), Ti 4a (-1), O2 8d (1) as spglib finds', () => {
    const { structure } = fromWyckoff(62, Lattice.fromParameters(5.57, 7.78, 5.48, 90, 90, 90), [
      ['c', 'Ca', [0.0065, 0.25, 0.4942]],
      ['a', 'Ti', [0, 0, 0]],
      ['c', 'O', [0.571, 0.25, 0.0704]],
      ['d', 'O', [0.2897, 0.0373, 0.7107]],
    ]);
    const s = summarizeStructure(structure);
    expect(s.z).toBe(4);
    expect(s.density).toBeCloseTo(3.802342, 4);
    const bySpecies = s.sites.map((x) => `${x.element} ${x.multiplicity}${x.letter} ${x.siteSymmetry}`).sort();
    expect(bySpecies).toEqual(['Ca 4c .m.', 'O 4c .m.', 'O 8d 1', 'Ti 4a -1']);
    // Every drawn atom carries the label of its orbit: 4 Ca1, 4 Ti1, 4 + 8 O on two different labels.
    const count = (label: string) => s.siteLabels.filter((l) => l === label).length;
    expect([count('Ca1'), count('Ti1')]).toEqual([4, 4]);
    const o4c = s.sites.find((x) => x.element === 'O' && x.letter === 'c')!.label;
    const o8d = s.sites.find((x) => x.element === 'O' && x.letter === 'd')!.label;
    expect([count(o4c), count(o8d)]).toEqual([4, 8]);
  });

  it('two orbits of one element on the same Wyckoff letter get their own labels, matched by surroundings', () => {
    // Fm-3m: Cl on 4a, Na on 24e at x = 0.21 and on 24e at x = 0.34 (an artificial crystal, two distinct orbits).
    const { structure, orbitOf } = fromWyckoff(225, Lattice.cubic(9), [['a', 'Cl', [0, 0, 0]], ['e', 'Na', [0.21, 0, 0]], ['e', 'Na', [0.34, 0, 0]]]);
    const s = summarizeStructure(structure);
    const sodium = s.sites.filter((x) => x.element === 'Na');
    expect(sodium.map((x) => `${x.label} ${x.letter}`)).toEqual(['Na1 e', 'Na2 e']);
    // Which orbit is Na1 depends on the origin analysis chose; what matters is that each orbit has one label.
    const labelOfOrbit = (k: number) => new Set(s.siteLabels.filter((_, i) => orbitOf[i] === k));
    expect(labelOfOrbit(1).size).toBe(1);
    expect(labelOfOrbit(2).size).toBe(1);
    expect([...labelOfOrbit(1), ...labelOfOrbit(2)].sort()).toEqual(['Na1', 'Na2']);
    // Each label sits on the orbit with the same surroundings: its shortest Na–Cl distance (1.89 Å for x = 0.21,
    // 3.06 Å for x = 0.34 with a = 9 Å) is the same in the summary's description and among the drawn atoms.
    const cubicDistance = (p: Vec3, q: Vec3) => 9 * Math.hypot(...p.map((x, k) => x - q[k]! - Math.round(x - q[k]!)));
    const cl = s.sites.find((x) => x.element === 'Cl')!;
    const clOrbit = expandOrbit(225, cl.letter, cl.frac);
    const drawnCl = structure.sites.filter((site) => site.species === 'Cl');
    for (const na of sodium) {
      const inSummary = Math.min(...clOrbit.map((q) => cubicDistance(na.frac, q)));
      const drawn = structure.sites.filter((_, i) => s.siteLabels[i] === na.label);
      const onScreen = Math.min(...drawn.flatMap((a) => drawnCl.map((c) => cubicDistance(a.frac, c.frac))));
      expect(onScreen).toBeCloseTo(inSummary, 6);
    }
  });

  it('the symmetrized CIF reads back to the same crystal', () => {
    const { structure } = fromWyckoff(62, Lattice.fromParameters(5.57, 7.78, 5.48, 90, 90, 90), [
      ['c', 'Ca', [0.0065, 0.25, 0.4942]],
      ['a', 'Ti', [0, 0, 0]],
      ['c', 'O', [0.571, 0.25, 0.0704]],
      ['d', 'O', [0.2897, 0.0373, 0.7107]],
    ]);
    const s = summarizeStructure(structure, 'CaTiO3');
    expect(s.symmetrizedCif).toMatch(/_space_group_IT_number\s+62/);
    const read = readCifStructure(s.symmetrizedCif);
    expect(read.structure.numSites).toBe(20);
    expect(analyzeStructure(read.structure).spaceGroup).toBe(62);
  });
});

describe('drawing aids', () => {
  it('VESTA draws Ba and Zr in look-alike greens; in one structure they are moved apart, other elements keep theirs', () => {
    expect(colorDifference(atomColor('Ba', 'vesta'), atomColor('Zr', 'vesta'))).toBeLessThan(MIN_COLOR_DIFFERENCE);
    const colors = separatedColors(['O', 'Zr', 'Ba'], 'vesta');
    expect(colors.get('O')).toBe(atomColor('O', 'vesta').toLowerCase());
    expect(colors.get('Zr')).toBe(atomColor('Zr', 'vesta').toLowerCase());
    expect(colorDifference(colors.get('Ba')!, colors.get('Zr')!)).toBeGreaterThanOrEqual(MIN_COLOR_DIFFERENCE);
    expect(colorDifference(colors.get('Ba')!, colors.get('O')!)).toBeGreaterThanOrEqual(MIN_COLOR_DIFFERENCE);
    // Na and Cl already differ: unchanged.
    const nacl = separatedColors(['Na', 'Cl'], 'vesta');
    expect(nacl.get('Cl')).toBe(atomColor('Cl', 'vesta').toLowerCase());
  });

  it('colour difference is CIE76: black to white is 100', () => {
    expect(colorDifference('#000000', '#ffffff')).toBeCloseTo(100, 1);
    expect(colorDifference('#808080', '#808080')).toBe(0);
  });

  it('PNG cropping finds the drawn pixels', () => {
    const width = 10;
    const height = 8;
    const data = new Uint8ClampedArray(4 * width * height);
    for (const [x, y] of [[3, 2], [6, 5]]) data[4 * (y! * width + x!) + 3] = 255;
    expect(opaqueBounds(data, width, height)).toEqual({ x0: 3, y0: 2, x1: 6, y1: 5 });
    expect(opaqueBounds(new Uint8ClampedArray(4 * width * height), width, height)).toBeNull();
  });

  it('file names and formulas', () => {
    expect(structureFileBase('ZnO', 'P6_3mc', 186)).toBe('ZnO_P6_3mc_186');
    expect(structureFileBase('Fe2O3', 'P2_1/c', 14)).toBe('Fe2O3_P2_1-c_14');
    expect(formulaParts('Ba2MgWO6')).toEqual([
      { text: 'Ba', sub: false },
      { text: '2', sub: true },
      { text: 'MgWO', sub: false },
      { text: '6', sub: true },
    ]);
  });
});
