/**
 * The cubic-crystal benchmark published with M3GNet-MP-2021.2.8-PES (its README's table: material, structure type,
 * "Predicted a (Å)" — the lattice constant this exact model relaxes to): build each crystal from its name and
 * structure type, and find the lattice constant where the isotropic stress vanishes (cubic cells with all atoms
 * on fixed positions need no relaxation beyond the lattice constant).
 */
import { readFileSync } from 'node:fs';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import type { Potential } from '../../../electron/engine/potential/types.ts';

export interface CubicRow {
  material: string;
  type: string;
  predicted: number;
}

export function readCubicTable(readmePath: string): CubicRow[] {
  const rows: CubicRow[] = [];
  for (const line of readFileSync(readmePath, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 7 || !/^\d/.test(cells[5] ?? '')) continue;
    rows.push({ material: cells[1]!, type: cells[2]!, predicted: Number(cells[5]) });
  }
  return rows;
}

/** Element symbols of a formula in order, stoichiometry ignored ('VC0.97' → V, C; 'SrTiO3' → Sr, Ti, O). */
function elementsOf(material: string): string[] {
  const name = material.replace(/\s*\(.*\)\s*/, '');
  return [...name.matchAll(/([A-Z][a-z]?)[\d.]*/g)].map((m) => m[1]!);
}

const FCC: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
const shifted = (base: Vec3[], d: Vec3): Vec3[] => base.map((p) => [p[0] + d[0], p[1] + d[1], p[2] + d[2]] as Vec3);

/** The conventional cubic cell of a table row at lattice constant a, or undefined when the type is not handled. */
export function buildCubic(row: CubicRow, a: number): Structure | undefined {
  const el = elementsOf(row.material);
  const lattice = Lattice.cubic(a);
  const type = row.type.replace(/\s*\(FCC\)$/, '');
  const make = (species: string[], frac: Vec3[]): Structure => Structure.fromSpecies(lattice, species, frac);
  switch (type) {
    case 'FCC':
      return el.length === 1 ? make(Array(4).fill(el[0]), FCC) : undefined;
    case 'BCC':
      return el.length === 1 ? make([el[0]!, el[0]!], [[0, 0, 0], [0.5, 0.5, 0.5]]) : undefined;
    case 'Diamond':
      return el.length === 1 ? make(Array(8).fill(el[0]), [...FCC, ...shifted(FCC, [0.25, 0.25, 0.25])]) : undefined;
    case 'Zinc blende':
      return el.length === 2 ? make([...Array(4).fill(el[0]), ...Array(4).fill(el[1])], [...FCC, ...shifted(FCC, [0.25, 0.25, 0.25])]) : undefined;
    case 'Halite':
      return el.length === 2 ? make([...Array(4).fill(el[0]), ...Array(4).fill(el[1])], [...FCC, ...shifted(FCC, [0.5, 0, 0])]) : undefined;
    case 'Caesium chloride':
      return el.length === 2 ? make([el[0]!, el[1]!], [[0, 0, 0], [0.5, 0.5, 0.5]]) : undefined;
    case 'Cubic perovskite':
      return el.length === 3 && el[2] === 'O'
        ? make([el[0]!, el[1]!, 'O', 'O', 'O'], [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
        : undefined;
    default:
      return undefined;
  }
}

/** Mean normal stress (eV/Å³) of the row's crystal at lattice constant a. */
async function pressure(potential: Potential, row: CubicRow, a: number): Promise<number> {
  const [r] = await potential.compute([buildCubic(row, a)!], { forces: false, stress: true });
  const s = r!.stress!;
  return (s[0][0] + s[1][1] + s[2][2]) / 3;
}

/**
 * The lattice constant where the isotropic stress crosses zero from below (energy minimum along a), by bracketing
 * around `start` and then the Illinois variant of regula falsi to a relative width of 1e-7.
 */
export async function relaxedLatticeConstant(potential: Potential, row: CubicRow, start = row.predicted): Promise<number> {
  let lo = start * 0.99;
  let hi = start * 1.01;
  let plo = await pressure(potential, row, lo);
  let phi = await pressure(potential, row, hi);
  for (let i = 0; i < 12 && !(plo < 0 && phi > 0); i++) {
    if (plo >= 0) {
      hi = lo;
      phi = plo;
      lo *= 0.98;
      plo = await pressure(potential, row, lo);
    } else {
      lo = hi;
      plo = phi;
      hi *= 1.02;
      phi = await pressure(potential, row, hi);
    }
  }
  if (!(plo < 0 && phi > 0)) throw new Error(`${row.material}: no zero of the stress found near ${start} Å`);
  let side = 0;
  for (let i = 0; i < 60 && hi - lo > 1e-7 * start; i++) {
    const a = (lo * phi - hi * plo) / (phi - plo);
    const p = await pressure(potential, row, a);
    if (p < 0) {
      lo = a;
      plo = p;
      if (side === -1) phi /= 2;
      side = -1;
    } else {
      hi = a;
      phi = p;
      if (side === 1) plo /= 2;
      side = 1;
    }
  }
  return (lo * phi - hi * plo) / (phi - plo);
}
