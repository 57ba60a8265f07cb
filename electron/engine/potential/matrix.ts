/**
 * The few dense-matrix functions a cell filter needs that shared/crystal/linalg.ts does not have: the matrix
 * exponential of a small square matrix, its Fréchet derivative, and the symmetric square root. Matrices are
 * row-major `Float64Array`s of n×n numbers.
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import { inverse3 } from '../../../shared/crystal/linalg.ts';

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j]!;
    }
  }
  return out;
}

/**
 * exp(A) by scaling and squaring with a Taylor series: A is scaled by 2^-s until its ∞-norm is at most 1/2, where
 * 18 terms leave a truncation error below 1e-22, then squared s times. Enough for the small, well-conditioned
 * matrices of a cell filter (the log of a deformation gradient); not a general-purpose expm.
 */
export function expm(a: Float64Array, n: number): Float64Array {
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += Math.abs(a[i * n + j]!);
    norm = Math.max(norm, row);
  }
  if (!Number.isFinite(norm)) throw new Error('matrix exponential of a non-finite matrix');
  const squarings = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scaled = a.map((x) => x / 2 ** squarings);
  const result = new Float64Array(n * n);
  let term: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) result[i * n + i] = term[i * n + i] = 1;
  for (let k = 1; k <= 18; k++) {
    term = multiply(term, scaled, n);
    for (let i = 0; i < n * n; i++) {
      term[i] = term[i]! / k;
      result[i] += term[i]!;
    }
  }
  let out: Float64Array = result;
  for (let s = 0; s < squarings; s++) out = multiply(out, out, n);
  return out;
}

/**
 * The Fréchet derivative of exp at A in direction E, L(A, E) = d/dt exp(A + tE) at t = 0, read off the upper-right
 * block of exp([[A, E], [0, A]]) (Higham, Functions of Matrices, eq. 3.16). L is linear in E, so E is normalised
 * first to keep the block's norm (and the number of squarings) that of A.
 */
export function expmFrechet(a: Float64Array, e: Float64Array, n: number): Float64Array {
  let size = 0;
  for (const x of e) size = Math.max(size, Math.abs(x));
  if (size === 0) return new Float64Array(n * n);
  const m = 2 * n;
  const block = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      block[i * m + j] = a[i * n + j]!;
      block[(i + n) * m + (j + n)] = a[i * n + j]!;
      block[i * m + (j + n)] = e[i * n + j]! / size;
    }
  }
  const full = expm(block, m);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = full[i * m + (j + n)]! * size;
  return out;
}

export const flat3 = (m: Mat3): Float64Array => Float64Array.from([...m[0], ...m[1], ...m[2]]);
export const mat3 = (f: ArrayLike<number>): Mat3 => [
  [f[0]!, f[1]!, f[2]!],
  [f[3]!, f[4]!, f[5]!],
  [f[6]!, f[7]!, f[8]!],
];

/**
 * The symmetric positive-definite square root of a symmetric positive-definite 3×3 matrix by the Denman–Beavers
 * iteration (Y → √B, Z → √B⁻¹), which converges quadratically; the matrices it is used on are close to I.
 */
export function sqrtSpd3(b: Mat3): Mat3 {
  let y = b;
  let z: Mat3 = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let iteration = 0; iteration < 60; iteration++) {
    const yInv = inverse3(y);
    const zInv = inverse3(z);
    const nextY = y.map((row, i) => row.map((v, j) => (v + zInv[i]![j]!) / 2)) as Mat3;
    const nextZ = z.map((row, i) => row.map((v, j) => (v + yInv[i]![j]!) / 2)) as Mat3;
    let change = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) change = Math.max(change, Math.abs(nextY[i]![j]! - y[i]![j]!));
    y = nextY;
    z = nextZ;
    if (change < 1e-15) break;
  }
  // Symmetrise away rounding.
  return y.map((row, i) => row.map((_, j) => (y[i]![j]! + y[j]![i]!) / 2)) as Mat3;
}
