/**
 * Well-known crystals that the app can show without any backend (standalone mode, first start, tests).
 * Conventional cells with every atom listed; lattice parameters and positions are the textbook/ICSD-style values
 * named per entry, Wyckoff letters in the ITA standard setting.
 */
import { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import { Structure, type Site } from '../../../shared/crystal/structure.ts';

export interface DemoStructure {
  id: string;
  name: string;
  formula: string;
  spaceGroup: { number: number; symbol: string };
  /** Where the numbers come from. */
  source: string;
  build(): Structure;
}

function sites(species: string, wyckoff: string, label: string, positions: Vec3[]): Site[] {
  return positions.map((frac) => ({ species, frac, wyckoff, label }));
}

const faceCentring: Vec3[] = [
  [0, 0, 0],
  [0, 0.5, 0.5],
  [0.5, 0, 0.5],
  [0.5, 0.5, 0],
];
const shifted = (list: Vec3[], t: Vec3): Vec3[] => list.map((p) => [p[0] + t[0], p[1] + t[1], p[2] + t[2]]);

export const DEMO_STRUCTURES: readonly DemoStructure[] = [
  {
    id: 'nacl',
    name: 'Rock salt',
    formula: 'NaCl',
    spaceGroup: { number: 225, symbol: 'Fm-3m' },
    source: 'a = 5.640 Å (halite, room temperature); Na 4a, Cl 4b',
    build: () =>
      new Structure(Lattice.cubic(5.64), [
        ...sites('Na', 'a', 'Na1', faceCentring),
        ...sites('Cl', 'b', 'Cl1', shifted(faceCentring, [0.5, 0.5, 0.5])),
      ]),
  },
  {
    id: 'srtio3',
    name: 'Cubic perovskite',
    formula: 'SrTiO3',
    spaceGroup: { number: 221, symbol: 'Pm-3m' },
    source: 'a = 3.905 Å (room temperature); Ti 1a, Sr 1b, O 3d',
    build: () =>
      new Structure(Lattice.cubic(3.905), [
        ...sites('Ti', 'a', 'Ti1', [[0, 0, 0]]),
        ...sites('Sr', 'b', 'Sr1', [[0.5, 0.5, 0.5]]),
        ...sites('O', 'd', 'O1', [
          [0.5, 0, 0],
          [0, 0.5, 0],
          [0, 0, 0.5],
        ]),
      ]),
  },
  {
    id: 'rutile',
    name: 'Rutile',
    formula: 'TiO2',
    spaceGroup: { number: 136, symbol: 'P4_2/mnm' },
    source: 'a = 4.594 Å, c = 2.959 Å, O x = 0.3048 (Baur 1961-type values); Ti 2a, O 4f',
    build: () => {
      const x = 0.3048;
      return new Structure(Lattice.fromParameters(4.594, 4.594, 2.959, 90, 90, 90), [
        ...sites('Ti', 'a', 'Ti1', [
          [0, 0, 0],
          [0.5, 0.5, 0.5],
        ]),
        ...sites('O', 'f', 'O1', [
          [x, x, 0],
          [1 - x, 1 - x, 0],
          [0.5 + x, 0.5 - x, 0.5],
          [0.5 - x, 0.5 + x, 0.5],
        ]),
      ]);
    },
  },
  {
    id: 'silicon',
    name: 'Diamond-structure silicon',
    formula: 'Si',
    spaceGroup: { number: 227, symbol: 'Fd-3m' },
    source: 'a = 5.431 Å; Si 8a (origin choice 1 coordinates)',
    build: () =>
      new Structure(Lattice.cubic(5.431), [
        ...sites('Si', 'a', 'Si1', [...faceCentring, ...shifted(faceCentring, [0.25, 0.25, 0.25])]),
      ]),
  },
  {
    id: 'zno',
    name: 'Wurtzite',
    formula: 'ZnO',
    spaceGroup: { number: 186, symbol: 'P6_3mc' },
    source: 'a = 3.250 Å, c = 5.207 Å, u = 0.382; Zn 2b, O 2b',
    build: () => {
      const u = 0.382;
      return new Structure(Lattice.hexagonal(3.25, 5.207), [
        ...sites('Zn', 'b', 'Zn1', [
          [1 / 3, 2 / 3, 0],
          [2 / 3, 1 / 3, 0.5],
        ]),
        ...sites('O', 'b', 'O1', [
          [1 / 3, 2 / 3, u],
          [2 / 3, 1 / 3, 0.5 + u],
        ]),
      ]);
    },
  },
];

export function demoStructure(id: string): DemoStructure {
  const demo = DEMO_STRUCTURES.find((d) => d.id === id);
  if (!demo) throw new Error(`unknown demo structure '${id}' (known: ${DEMO_STRUCTURES.map((d) => d.id).join(', ')})`);
  return demo;
}
