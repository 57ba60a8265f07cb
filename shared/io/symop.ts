/**
 * Symmetry operations written as coordinate triplets (`-x+1/2, y, z+0.5`, `x-y,x,1/2+z`), as found in CIF
 * `_space_group_symop_operation_xyz` / `_symmetry_equiv_pos_as_xyz` lists, and their inverse (writing).
 */
import type { Mat3, Vec3 } from '../crystal/linalg.ts';
import { det3 } from '../crystal/linalg.ts';
import type { AffineOp } from '../symmetry/spacegroups.ts';

export class SymmetryOperationError extends Error {
  override name = 'SymmetryOperationError';
}

/** Translations this close to a multiple of 1/12 (the only denominators in space groups) are snapped to it. */
const TWELFTH_SNAP = 1e-4;

/**
 * Parses a coordinate triplet into p' = rotation·p + translation. Terms may come in any order, with or without
 * spaces, in upper or lower case, with integer coefficients (`2x`, `2*x`) and fractional or decimal constants.
 * The rotation must be an integer matrix with determinant ±1. Throws {@link SymmetryOperationError}.
 */
export function parseSymmetryOperation(text: string): AffineOp {
  const parts = text.split(',');
  if (parts.length !== 3) throw new SymmetryOperationError(`symmetry operation '${text}' does not have three comma-separated parts`);
  const rotation: Mat3 = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const translation: Vec3 = [0, 0, 0];
  parts.forEach((rawPart, row) => {
    const part = rawPart.replace(/\s+/g, '').toLowerCase();
    const fail = (why: string): never => {
      throw new SymmetryOperationError(`symmetry operation '${text}': ${why} in '${rawPart.trim()}'`);
    };
    if (part === '') fail('empty part');
    let i = 0;
    let terms = 0;
    while (i < part.length) {
      let sign = 1;
      if (part[i] === '+' || part[i] === '-') {
        sign = part[i] === '-' ? -1 : 1;
        i++;
      } else if (terms > 0) {
        fail(`expected + or - before '${part.slice(i)}'`);
      }
      // Optional number: digits with an optional decimal part, optionally '/digits'.
      const numberStart = i;
      while (i < part.length && /[0-9.]/.test(part[i]!)) i++;
      let value: number | undefined;
      if (i > numberStart) {
        const numerator = part.slice(numberStart, i);
        if (!/^(\d+(\.\d*)?|\.\d+)$/.test(numerator)) fail(`bad number '${numerator}'`);
        value = Number(numerator);
        if (part[i] === '/') {
          i++;
          const denominatorStart = i;
          while (i < part.length && /[0-9]/.test(part[i]!)) i++;
          const denominator = Number(part.slice(denominatorStart, i));
          if (i === denominatorStart || denominator === 0) fail('bad fraction');
          value /= denominator;
        }
        if (part[i] === '*') i++;
      }
      const axis: number = part[i] === 'x' ? 0 : part[i] === 'y' ? 1 : part[i] === 'z' ? 2 : -1;
      if (axis >= 0) {
        i++;
        (rotation[row] as number[])[axis] += sign * (value ?? 1);
      } else if (value !== undefined) {
        translation[row]! += sign * value;
      } else {
        fail(i < part.length ? `unexpected '${part[i]}'` : 'dangling sign');
      }
      terms++;
    }
  });
  for (const row of rotation) {
    for (const entry of row) {
      if (!Number.isInteger(entry)) throw new SymmetryOperationError(`symmetry operation '${text}' has a non-integer coefficient`);
    }
  }
  const determinant = det3(rotation);
  if (Math.abs(Math.abs(determinant) - 1) > 1e-9) {
    throw new SymmetryOperationError(`symmetry operation '${text}' is not a crystallographic operation (determinant ${determinant})`);
  }
  return { rotation, translation: translation.map(snapTwelfth) as Vec3 };
}

function snapTwelfth(x: number): number {
  const snapped = Math.round(x * 12) / 12;
  return Math.abs(snapped - x) < TWELFTH_SNAP ? snapped : x;
}

/** Greatest common divisor of two positive integers. */
function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function formatFraction(x: number): string {
  // Space-group translations are multiples of 1/12 (1/2, 1/3, 1/4, 1/6, 3/4, …).
  const twelfths = Math.round(x * 12);
  if (Math.abs(twelfths - x * 12) < 1e-6) {
    const divisor = gcd(Math.abs(twelfths), 12);
    const numerator = twelfths / divisor;
    const denominator = 12 / divisor;
    return denominator === 1 ? String(numerator) : `${numerator}/${denominator}`;
  }
  return String(Number(x.toFixed(6)));
}

/**
 * Writes an operation as a coordinate triplet in the style of the International Tables ('-x+1/2,y,z+1/2');
 * translations are reduced to [0, 1).
 */
export function formatSymmetryOperation(op: AffineOp): string {
  const axes = ['x', 'y', 'z'];
  return op.rotation
    .map((row, r) => {
      let term = '';
      row.forEach((coefficient, c) => {
        if (coefficient === 0) return;
        const magnitude = Math.abs(coefficient) === 1 ? '' : String(Math.abs(coefficient));
        term += `${coefficient < 0 ? '-' : term === '' ? '' : '+'}${magnitude}${axes[c]}`;
      });
      const t = op.translation[r]! - Math.floor(op.translation[r]! + 1e-9);
      if (Math.abs(t) > 1e-9 && Math.abs(t - 1) > 1e-9) term += `${term === '' ? '' : '+'}${formatFraction(t)}`;
      return term === '' ? '0' : term;
    })
    .join(',');
}
