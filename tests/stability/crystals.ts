/**
 * Test crystals for the stability tests: real prototypes where the geometry decides a correction (peroxide,
 * superoxide, ozonide, hydroxide, sulfide, polysulfide, sulfate), and compositions on a well-spaced grid elsewhere
 * (every pair ≥ 2.3 Å apart, so no O–O or O–H bond is seen).
 */
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { Composition } from '../../shared/crystal/composition.ts';

export interface TestCrystal {
  id: string;
  structure: Structure;
}

function cubic(a: number, sites: [string, number, number, number][]): Structure {
  return Structure.fromSpecies(Lattice.cubic(a), sites.map((s) => s[0]), sites.map((s) => [s[1], s[2], s[3]] as Vec3));
}

const FCC: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];

function rockSalt(cation: string, anion: string, a: number): Structure {
  return cubic(a, [...FCC.map((f) => [cation, ...f] as [string, number, number, number]), ...FCC.map((f) => [anion, f[0] + 0.5, f[1], f[2]] as [string, number, number, number])]);
}

function zincBlende(cation: string, anion: string, a: number): Structure {
  return cubic(a, [...FCC.map((f) => [cation, ...f] as [string, number, number, number]), ...FCC.map((f) => [anion, f[0] + 0.25, f[1] + 0.25, f[2] + 0.25] as [string, number, number, number])]);
}

/** Atoms of a formula on a simple cubic grid with 2.4 Å spacing (in formula order). */
export function gridCrystal(formula: string): Structure {
  const composition = Composition.fromFormula(formula);
  const species: string[] = [];
  for (const [symbol, amount] of composition.amounts) for (let i = 0; i < amount; i++) species.push(symbol);
  const n = Math.ceil(Math.cbrt(species.length));
  const a = 2.4 * n;
  const frac = species.map((_, i) => [(i % n) / n, (Math.floor(i / n) % n) / n, Math.floor(i / (n * n)) / n] as Vec3);
  return Structure.fromSpecies(Lattice.cubic(a), species, frac);
}

const u = 0.385; // pyrite S parameter
const PYRITE_S: Vec3[] = [[u, u, u], [0.5 - u, -u, u + 0.5], [-u, u + 0.5, 0.5 - u], [u + 0.5, 0.5 - u, -u], [-u, -u, -u], [u + 0.5, u, 0.5 - u], [u, 0.5 - u, u + 0.5], [0.5 - u, u + 0.5, u]];

export const PROTOTYPES: TestCrystal[] = [
  { id: 'NiO rock salt', structure: rockSalt('Ni', 'O', 4.18) },
  { id: 'NaCl rock salt', structure: rockSalt('Na', 'Cl', 5.64) },
  { id: 'LiF rock salt', structure: rockSalt('Li', 'F', 4.03) },
  { id: 'CoO rock salt', structure: rockSalt('Co', 'O', 4.26) },
  { id: 'ZnS zinc blende', structure: zincBlende('Zn', 'S', 5.41) },
  { id: 'ZnTe zinc blende', structure: zincBlende('Zn', 'Te', 6.10) },
  { id: 'AlSb zinc blende', structure: zincBlende('Al', 'Sb', 6.14) },
  { id: 'CaSe rock salt', structure: rockSalt('Ca', 'Se', 5.92) },
  { id: 'KBr rock salt', structure: rockSalt('K', 'Br', 6.60) },
  { id: 'LiI rock salt', structure: rockSalt('Li', 'I', 6.00) },
  {
    id: 'CaF2 fluorite',
    structure: cubic(5.46, [...FCC.map((f) => ['Ca', ...f] as [string, number, number, number]), ...[0.25, 0.75].flatMap((x) => [0.25, 0.75].flatMap((y) => [0.25, 0.75].map((z) => ['F', x, y, z] as [string, number, number, number])))]),
  },
  {
    id: 'MnO2 rutile',
    structure: Structure.fromSpecies(new Lattice([[4.40, 0, 0], [0, 4.40, 0], [0, 0, 2.87]]), ['Mn', 'Mn', 'O', 'O', 'O', 'O'], [[0, 0, 0], [0.5, 0.5, 0.5], [0.305, 0.305, 0], [0.695, 0.695, 0], [0.805, 0.195, 0.5], [0.195, 0.805, 0.5]]),
  },
  {
    id: 'Fe2O3 (corundum-like hexagonal cell)',
    structure: Structure.fromSpecies(Lattice.hexagonal(5.04, 13.75), ['Fe', 'Fe', 'Fe', 'Fe', 'O', 'O', 'O', 'O', 'O', 'O'], [[0, 0, 0.355], [0, 0, 0.855], [1 / 3, 2 / 3, 0.022], [2 / 3, 1 / 3, 0.689], [0.306, 0, 0.25], [0, 0.306, 0.25], [0.694, 0.694, 0.25], [0.694, 0, 0.75], [0, 0.694, 0.75], [0.306, 0.306, 0.75]]),
  },
  {
    id: 'SiO2 (ideal beta-cristobalite)',
    structure: (() => {
      const si: Vec3[] = [...FCC, ...FCC.map((f) => [f[0] + 0.25, f[1] + 0.25, f[2] + 0.25] as Vec3)];
      const o: Vec3[] = FCC.flatMap((f) => [[0.125, 0.125, 0.125], [0.125, 0.375, 0.375], [0.375, 0.125, 0.375], [0.375, 0.375, 0.125]].map((d) => [f[0] + d[0]!, f[1] + d[1]!, f[2] + d[2]!] as Vec3));
      return Structure.fromSpecies(Lattice.cubic(7.16), [...si.map(() => 'Si'), ...o.map(() => 'O')], [...si, ...o]);
    })(),
  },
  // O–O 1.55 Å: peroxide (< 1.49 × 1.05 = 1.5645 Å).
  { id: 'Li2O2 peroxide', structure: cubic(4, [['Li', 0, 0, 0], ['Li', 0.5, 0.5, 0], ['O', 0.25, 0.25, 0.5 - 0.19375], ['O', 0.25, 0.25, 0.5 + 0.19375]]) },
  // O–O 1.33 Å: superoxide (< 1.35 × 1.05 = 1.4175 Å).
  { id: 'KO2 superoxide', structure: cubic(4, [['K', 0, 0, 0], ['O', 0.5, 0.5, 0.5 - 0.16625], ['O', 0.5, 0.5, 0.5 + 0.16625]]) },
  // A bent O3 chain with the middle O 1.34 Å from both ends: ozonide.
  { id: 'KO3 ozonide', structure: cubic(5, [['K', 0, 0, 0], ['O', 0.5, 0.5, 0.5], ['O', 0.5 + 0.22852, 0.5, 0.5 + 0.14], ['O', 0.5 - 0.22852, 0.5, 0.5 + 0.14]]) },
  // O–H 0.96 Å: hydroxide, corrected as an oxide; H is +1, so no H correction.
  { id: 'NaOH hydroxide', structure: cubic(4, [['Na', 0, 0, 0], ['O', 0.5, 0.5, 0.5], ['H', 0.5, 0.5, 0.74]]) },
  // S with four O at 1.47 Å: sulfate, no sulfide correction.
  {
    id: 'BaSO4 sulfate (isolated tetrahedron)',
    structure: cubic(6, [['Ba', 0, 0, 0], ['S', 0.5, 0.5, 0.5], ...([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]] as const).map((d) => ['O', 0.5 + (d[0] * 1.47) / Math.sqrt(3) / 6, 0.5 + (d[1] * 1.47) / Math.sqrt(3) / 6, 0.5 + (d[2] * 1.47) / Math.sqrt(3) / 6] as [string, number, number, number])]),
  },
  // Pyrite: S–S 2.16 Å dimers (polysulfide, corrected as sulfide).
  { id: 'FeS2 pyrite', structure: Structure.fromSpecies(Lattice.cubic(5.42), [...FCC.map(() => 'Fe'), ...PYRITE_S.map(() => 'S')], [...FCC, ...PYRITE_S]) },
  // S–S bonded chain with nothing else near: S bonded only to S — a polysulfide by electronegativity equality.
  { id: 'Na2S5 (S chain)', structure: cubic(7, [['Na', 0, 0, 0], ['Na', 0, 0.5, 0], ['S', 0.5, 0.5, 0.2], ['S', 0.5, 0.5, 0.5], ['S', 0.5, 0.5, 0.8], ['S', 0.5, 0.2, 0.5], ['S', 0.5, 0.8, 0.5]]) },
  // Nitrate: N with three O at 1.25 Å — N is +5, no nitride correction.
  { id: 'NaNO3 nitrate (isolated)', structure: cubic(5, [['Na', 0, 0, 0], ['N', 0.5, 0.5, 0.5], ['O', 0.75, 0.5, 0.5], ['O', 0.375, 0.5 + 0.2165, 0.5], ['O', 0.375, 0.5 - 0.2165, 0.5]]) },
];

/** Formulas placed on the grid: the correction depends on composition only (and oxidation states). */
export const GRID_FORMULAS = [
  'Li3N', 'BiOCl', 'FeF3', 'Fe3O4', 'WO3', 'MoO3', 'V2O5', 'Cr2O3', 'LiH', 'Mg2Si', 'NH4Cl', 'FeNi', 'Fe2O2F2', 'KClO4',
  'SbCl3', 'CoSb3', 'FeSi', 'LiAlH4', 'Ca(OH)2', 'TaON', 'LaOF', 'MnF2', 'NiF2', 'CsI', 'BaTe', 'Li2Se', 'SrF2', 'Ba2N',
  'Bi12O17Cl2', 'Li3PO4', 'NaBrO3', 'KIO3', 'CuSbS2',
];

export const GRID_CRYSTALS: TestCrystal[] = GRID_FORMULAS.map((formula) => ({ id: `${formula} (grid)`, structure: gridCrystal(formula) }));
