/**
 * Small, allocation-light lattice geometry for the evaluation hot paths: LLL reduction of a 3D basis, the
 * shortest periodic distance between two different atoms, the shortest contact relative to atomic radii, and
 * lattice points inside a sphere.
 *
 * Matrices are row-major with the lattice vectors as rows (Cartesian = fractional · matrix), as in `Lattice`.
 */
import type { Mat3, Vec3 } from './linalg.ts';
import { cross, det3, dot, inverse3, matMul3, norm } from './linalg.ts';

/** Image searches larger than this are refused: they only happen for (nearly) flat cells, which are not crystals. */
const MAX_IMAGES = 1_000_000;

/** A cell so flat or oblique that periodic-image searches would not finish in reasonable time. */
export class DegenerateCellError extends RangeError {
  override name = 'DegenerateCellError';
}

export interface ReducedBasis {
  /** The reduced basis, rows = lattice vectors. */
  matrix: Mat3;
  /** Integer matrix T with matrix = T · input (rows of T are integer combinations of the input vectors). */
  transform: Mat3;
}

/**
 * Lenstra–Lenstra–Lovász reduction (δ = 0.75) of a 3D lattice basis, followed by a pass that replaces a vector by
 * a shorter one of the form v ± u ± w while that helps, so that the result has short, nearly orthogonal vectors —
 * which keeps periodic-image searches to a ±1 neighbourhood in practice. The lattice itself is unchanged.
 */
export function reduceBasis(input: Mat3): ReducedBasis {
  const b: Mat3 = [
    [...input[0]],
    [...input[1]],
    [...input[2]],
  ];
  const t: Mat3 = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const subtractMultiple = (target: number, source: number, q: number) => {
    for (let k = 0; k < 3; k++) {
      b[target]![k] -= q * b[source]![k]!;
      t[target]![k] -= q * t[source]![k]!;
    }
  };
  const swap = (i: number, j: number) => {
    [b[i], b[j]] = [b[j]!, b[i]!];
    [t[i], t[j]] = [t[j]!, t[i]!];
  };
  // Gram–Schmidt coefficients recomputed from scratch each step: 3 vectors make this cheap and robust.
  const gramSchmidt = () => {
    const star: Vec3[] = [];
    const mu = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const starNorm2 = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      const v: Vec3 = [...b[i]!];
      for (let j = 0; j < i; j++) {
        mu[i]![j] = dot(b[i]!, star[j]!) / starNorm2[j]!;
        for (let k = 0; k < 3; k++) v[k] -= mu[i]![j]! * star[j]![k]!;
      }
      star.push(v);
      starNorm2[i] = dot(v, v);
    }
    return { mu, starNorm2 };
  };
  let k = 1;
  let guard = 0;
  while (k < 3) {
    if (++guard > 10_000) break; // cannot happen for a non-degenerate basis; a safety net against NaN input
    for (let j = k - 1; j >= 0; j--) {
      const { mu } = gramSchmidt();
      const q = Math.round(mu[k]![j]!);
      if (q !== 0) subtractMultiple(k, j, q);
    }
    const { mu, starNorm2 } = gramSchmidt();
    if (starNorm2[k]! >= (0.75 - mu[k]![k - 1]! ** 2) * starNorm2[k - 1]!) k++;
    else {
      swap(k, k - 1);
      k = Math.max(k - 1, 1);
    }
  }
  // Local improvement: v → v + i·u + j·w (i, j ∈ {−1, 0, 1}) while it shortens v.
  for (let pass = 0; pass < 20; pass++) {
    let improved = false;
    for (let target = 0; target < 3; target++) {
      const [u, w] = [(target + 1) % 3, (target + 2) % 3];
      let bestLength = dot(b[target]!, b[target]!);
      let best: [number, number] | undefined;
      for (let i = -1; i <= 1; i++) {
        for (let j = -1; j <= 1; j++) {
          if (i === 0 && j === 0) continue;
          const v: Vec3 = [0, 1, 2].map((c) => b[target]![c]! + i * b[u]![c]! + j * b[w]![c]!) as Vec3;
          const length = dot(v, v);
          if (length < bestLength * (1 - 1e-12)) {
            bestLength = length;
            best = [i, j];
          }
        }
      }
      if (best) {
        for (let c = 0; c < 3; c++) {
          b[target]![c] += best[0] * b[u]![c]! + best[1] * b[w]![c]!;
          t[target]![c] += best[0] * t[u]![c]! + best[1] * t[w]![c]!;
        }
        improved = true;
      }
    }
    if (!improved) break;
  }
  // Keep the handedness of the input (a left-handed basis would flip the sign of volumes downstream).
  if (det3(b) * det3(input) < 0) {
    for (let c = 0; c < 3; c++) {
      b[2]![c] = -b[2]![c]!;
      t[2]![c] = -t[2]![c]!;
    }
  }
  return { matrix: b, transform: t };
}

/** Distances between opposite faces of the cell: volume / |b × c|, … . */
export function faceHeights(m: Mat3): Vec3 {
  const volume = Math.abs(det3(m));
  return [volume / norm(cross(m[1], m[2])), volume / norm(cross(m[2], m[0])), volume / norm(cross(m[0], m[1]))];
}

/**
 * The cell's reduced basis, the atoms' coordinates in it (f' = f · T⁻¹; T unimodular, so T⁻¹ is an integer matrix
 * too), its face heights and longest vector. Even a reduced basis of a nearly flat cell needs a huge image search;
 * such a cell is not a crystal and throws DegenerateCellError.
 */
function inReducedBasis(lattice: Mat3, frac: ArrayLike<number>, n: number): { m: Mat3; coords: Float64Array; heights: [number, number, number]; longest: number } {
  const { matrix: m, transform } = reduceBasis(lattice);
  const longest = Math.max(norm(m[0]), norm(m[1]), norm(m[2]));
  const inv = inverse3(transform);
  const coords = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const x = frac[3 * i]!, y = frac[3 * i + 1]!, z = frac[3 * i + 2]!;
    for (let k = 0; k < 3; k++) coords[3 * i + k] = x * inv[0][k] + y * inv[1][k] + z * inv[2][k];
  }
  const heights = faceHeights(m);
  const thinnest = Math.min(...heights);
  if (!(thinnest > longest * 1e-6)) throw new DegenerateCellError(`the cell is degenerate (thinnest face height ${thinnest.toExponential(2)} Å, longest vector ${longest.toFixed(3)} Å)`);
  return { m, coords, heights, longest };
}

/**
 * The shortest periodic distance in Å between two *different* atoms (any images), i.e. the minimum off-diagonal
 * entry of pymatgen's `Structure.distance_matrix` — what CDVAE's structural validity tests. An atom's distance
 * to its own images is not included (Infinity for a single atom). `frac` holds 3 coordinates per atom.
 *
 * Exact: for each pair the images searched are exactly those that could lie closer than the best distance found
 * so far (bounded with the cell's face heights), after reducing the basis so that this is a handful.
 */
export function minimumPairDistance(lattice: Mat3, frac: ArrayLike<number>): number {
  const n = Math.floor(frac.length / 3);
  if (n < 2) return Infinity;
  const { m, coords, heights: [h0, h1, h2], longest } = inReducedBasis(lattice, frac, n);
  const m00 = m[0][0], m01 = m[0][1], m02 = m[0][2], m10 = m[1][0], m11 = m[1][1], m12 = m[1][2], m20 = m[2][0], m21 = m[2][1], m22 = m[2][2];
  let best2 = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d0 = coords[3 * j]! - coords[3 * i]!;
      let d1 = coords[3 * j + 1]! - coords[3 * i + 1]!;
      let d2 = coords[3 * j + 2]! - coords[3 * i + 2]!;
      d0 -= Math.round(d0);
      d1 -= Math.round(d1);
      d2 -= Math.round(d2);
      const cx = d0 * m00 + d1 * m10 + d2 * m20;
      const cy = d0 * m01 + d1 * m11 + d2 * m21;
      const cz = d0 * m02 + d1 * m12 + d2 * m22;
      let pairBest2 = cx * cx + cy * cy + cz * cz;
      // Any image closer than r has |fractional component k| ≤ r / h_k.
      const r = Math.sqrt(Math.min(pairBest2, best2));
      const lo0 = Math.ceil(-r / h0 - d0), hi0 = Math.floor(r / h0 - d0);
      const lo1 = Math.ceil(-r / h1 - d1), hi1 = Math.floor(r / h1 - d1);
      const lo2 = Math.ceil(-r / h2 - d2), hi2 = Math.floor(r / h2 - d2);
      if ((hi0 - lo0 + 1) * (hi1 - lo1 + 1) * (hi2 - lo2 + 1) > MAX_IMAGES) throw new DegenerateCellError(`the cell is too oblique to search periodic images (face heights ${h0.toExponential(2)}, ${h1.toExponential(2)}, ${h2.toExponential(2)} Å)`);
      for (let a = lo0; a <= hi0; a++) {
        for (let b = lo1; b <= hi1; b++) {
          for (let c = lo2; c <= hi2; c++) {
            if (a === 0 && b === 0 && c === 0) continue;
            const e0 = d0 + a, e1 = d1 + b, e2 = d2 + c;
            const x = e0 * m00 + e1 * m10 + e2 * m20;
            const y = e0 * m01 + e1 * m11 + e2 * m21;
            const z = e0 * m02 + e1 * m12 + e2 * m22;
            const length2 = x * x + y * y + z * z;
            if (length2 < pairBest2) pairBest2 = length2;
          }
        }
      }
      if (pairBest2 < best2) best2 = pairBest2;
    }
  }
  return Math.sqrt(best2);
}

/**
 * Every lattice point n·m (n integer, n ≠ 0) with length ≤ radius, as integer coordinates and Cartesian
 * vectors. Used to enumerate candidate lattice vectors when mapping one lattice onto another.
 */
export function latticePointsWithin(m: Mat3, radius: number): { integer: Vec3; cartesian: Vec3; length: number }[] {
  const [h0, h1, h2] = faceHeights(m);
  const [n0, n1, n2] = [Math.floor(radius / h0), Math.floor(radius / h1), Math.floor(radius / h2)];
  if (!((2 * n0 + 1) * (2 * n1 + 1) * (2 * n2 + 1) <= MAX_IMAGES)) throw new DegenerateCellError(`too many lattice points within ${radius.toFixed(2)} Å (face heights ${h0.toExponential(2)}, ${h1.toExponential(2)}, ${h2.toExponential(2)} Å)`);
  const points: { integer: Vec3; cartesian: Vec3; length: number }[] = [];
  const r2 = radius * radius;
  for (let a = -n0; a <= n0; a++) {
    for (let b = -n1; b <= n1; b++) {
      for (let c = -n2; c <= n2; c++) {
        if (a === 0 && b === 0 && c === 0) continue;
        const cartesian: Vec3 = [
          a * m[0][0] + b * m[1][0] + c * m[2][0],
          a * m[0][1] + b * m[1][1] + c * m[2][1],
          a * m[0][2] + b * m[1][2] + c * m[2][2],
        ];
        const length2 = dot(cartesian, cartesian);
        if (length2 <= r2) points.push({ integer: [a, b, c], cartesian, length: Math.sqrt(length2) });
      }
    }
  }
  return points;
}

/** Rows of `t` (integer) applied to basis `m`: t · m. */
export function applyTransform(t: Mat3, m: Mat3): Mat3 {
  return matMul3(t, m);
}

/**
 * The smallest ratio d / (r_i + r_j) over every contact of a periodic crystal — pairs of different atoms at their
 * nearest image and each atom with its own nearest image — with `radii[i]` the radius of atom i (Å). Used for the
 * physical-plausibility test "shortest contact ≥ 0.5 (r_i + r_j)" (shared/crystal/validity.ts). Infinity when
 * there is nothing to compare (no atom). Exact, with the same bounded image search as {@link minimumPairDistance}:
 * for a pair, only images closer than (best ratio so far) · (r_i + r_j) are searched.
 */
export function shortestContactRatio(lattice: Mat3, frac: ArrayLike<number>, radii: ArrayLike<number>): number {
  const n = Math.floor(frac.length / 3);
  if (radii.length !== n) throw new Error(`shortestContactRatio: ${radii.length} radii for ${n} atoms`);
  if (n === 0) return Infinity;
  const { m, coords, heights: [h0, h1, h2], longest } = inReducedBasis(lattice, frac, n);
  // Every ratio is at most (longest reduced vector) / (r_i + r_i) for an atom and its own image along it.
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const sum = radii[i]! + radii[j]!;
      if (!(sum > 0)) throw new Error(`shortestContactRatio: radii must be positive (atoms ${i} and ${j})`);
      let d0 = coords[3 * j]! - coords[3 * i]!;
      let d1 = coords[3 * j + 1]! - coords[3 * i + 1]!;
      let d2 = coords[3 * j + 2]! - coords[3 * i + 2]!;
      d0 -= Math.round(d0);
      d1 -= Math.round(d1);
      d2 -= Math.round(d2);
      // Start from the wrapped vector (j ≠ i) or the longest reduced vector (an atom's own image), then search
      // every image that could be shorter.
      let pairBest2 = i === j ? longest * longest : (d0 * m[0][0] + d1 * m[1][0] + d2 * m[2][0]) ** 2 + (d0 * m[0][1] + d1 * m[1][1] + d2 * m[2][1]) ** 2 + (d0 * m[0][2] + d1 * m[1][2] + d2 * m[2][2]) ** 2;
      const r = Math.min(Math.sqrt(pairBest2), best * sum);
      const lo0 = Math.ceil(-r / h0 - d0), hi0 = Math.floor(r / h0 - d0);
      const lo1 = Math.ceil(-r / h1 - d1), hi1 = Math.floor(r / h1 - d1);
      const lo2 = Math.ceil(-r / h2 - d2), hi2 = Math.floor(r / h2 - d2);
      if ((hi0 - lo0 + 1) * (hi1 - lo1 + 1) * (hi2 - lo2 + 1) > MAX_IMAGES) throw new DegenerateCellError(`the cell is too oblique to search periodic images (face heights ${h0.toExponential(2)}, ${h1.toExponential(2)}, ${h2.toExponential(2)} Å)`);
      for (let a = lo0; a <= hi0; a++) {
        for (let b = lo1; b <= hi1; b++) {
          for (let c = lo2; c <= hi2; c++) {
            const e0 = d0 + a, e1 = d1 + b, e2 = d2 + c;
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const x = e0 * m[0][0] + e1 * m[1][0] + e2 * m[2][0];
            const y = e0 * m[0][1] + e1 * m[1][1] + e2 * m[2][1];
            const z = e0 * m[0][2] + e1 * m[1][2] + e2 * m[2][2];
            const length2 = x * x + y * y + z * z;
            if (length2 < pairBest2) pairBest2 = length2;
          }
        }
      }
      const ratio = Math.sqrt(pairBest2) / sum;
      if (ratio < best) best = ratio;
    }
  }
  return best;
}
