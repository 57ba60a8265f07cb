/**
 * Lattice-parameter constraints of the crystal systems, as CrystalFormer applies them (crystalformer.md §1.6):
 * the model predicts only the independent parameters of a space group and the dependent ones are overwritten.
 * Trigonal groups, including the R groups, use hexagonal axes; monoclinic groups use unique axis b.
 */
import type { LatticeParameters } from '../crystal/lattice.ts';
import type { CrystalSystem } from './spacegroups.ts';

/** Order of the parameters in the flags and in token lattices: a, b, c, α, β, γ. */
export const LATTICE_PARAMETER_NAMES = ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const;

/** Crystal system from the ITA number ranges; pure, so lattice rules work before the symmetry module is loaded. */
export function crystalSystemFromNumber(g: number): CrystalSystem {
  if (!Number.isInteger(g) || g < 1 || g > 230) throw new Error(`space group number must be an integer 1…230, got ${g}`);
  if (g <= 2) return 'triclinic';
  if (g <= 15) return 'monoclinic';
  if (g <= 74) return 'orthorhombic';
  if (g <= 142) return 'tetragonal';
  if (g <= 167) return 'trigonal';
  if (g <= 194) return 'hexagonal';
  return 'cubic';
}

/**
 * Which of (a, b, c, α, β, γ) are independent for space group g. Pure number ranges (ITA numbering), so this does
 * not need the symmetry module to be loaded.
 */
export function freeLatticeParameters(g: number): [boolean, boolean, boolean, boolean, boolean, boolean] {
  if (!Number.isInteger(g) || g < 1 || g > 230) throw new Error(`space group number must be an integer 1…230, got ${g}`);
  if (g <= 2) return [true, true, true, true, true, true];
  if (g <= 15) return [true, true, true, false, true, false];
  if (g <= 74) return [true, true, true, false, false, false];
  if (g <= 142) return [true, false, true, false, false, false];
  if (g <= 194) return [true, false, true, false, false, false];
  return [true, false, false, false, false, false];
}

/**
 * Impose the crystal system's constraints on lattice parameters (lengths in Å, angles in degrees). Dependent
 * parameters are copied from the independent ones exactly as CrystalFormer does after sampling (b = a, c = a for
 * cubic; b = a, γ = 120° for hexagonal axes; …), not averaged: a = 4.0, b = 4.1 in a cubic group gives a = b = c = 4.0.
 */
export function symmetrizeLatticeParameters(g: number, p: LatticeParameters): LatticeParameters {
  switch (crystalSystemFromNumber(g)) {
    case 'cubic':
      return { a: p.a, b: p.a, c: p.a, alpha: 90, beta: 90, gamma: 90 };
    case 'hexagonal':
    case 'trigonal':
      return { a: p.a, b: p.a, c: p.c, alpha: 90, beta: 90, gamma: 120 };
    case 'tetragonal':
      return { a: p.a, b: p.a, c: p.c, alpha: 90, beta: 90, gamma: 90 };
    case 'orthorhombic':
      return { a: p.a, b: p.b, c: p.c, alpha: 90, beta: 90, gamma: 90 };
    case 'monoclinic':
      return { a: p.a, b: p.b, c: p.c, alpha: 90, beta: p.beta, gamma: 90 };
    case 'triclinic':
      return { ...p };
  }
}
