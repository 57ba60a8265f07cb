/**
 * The numbers behind M3GNet's radial and angular bases, computed here rather than copied from a table:
 * spherical Bessel functions j_l and their roots, the radial normalisation, and the m = 0 spherical harmonics.
 *
 * - j_l by the Rayleigh closed forms for l ≤ 2 (j_0 = sin x/x, j_1 = sin x/x² − cos x/x,
 *   j_2 = (3/x³ − 1/x) sin x − 3 cos x/x²) and the upward recurrence j_{l+1} = (2l+1)/x · j_l − j_{l−1}
 *   (Abramowitz & Stegun 10.1.19) beyond; upward recurrence is accurate for x above l, which holds at the roots.
 * - Roots: j_0's are nπ; the zeros of j_l and j_{l+1} interlace (A&S 10.1 / Watson §15.22), so the n-th zero of
 *   j_{l+1} lies between the n-th and (n+1)-th zeros of j_l and is found by bisection there.
 * - Radial basis (matgl's SphericalBesselFunction, non-smooth): for r clamped at the cutoff r_c,
 *   f_{l,n}(r) = √(2/r_c³) · j_l(z_{l,n} r / r_c) / |j_{l+1}(z_{l,n})|, the orthonormal Bessel basis on a ball of
 *   radius r_c with vanishing boundary value (the norm ∫₀^{r_c} j_l(z r/r_c)² r² dr = r_c³/2 · j_{l+1}(z)²).
 * - Y_l^0(θ) = √((2l+1)/4π) · P_l(cos θ) with Legendre polynomials P_0 = 1, P_1 = x, P_2 = (3x² − 1)/2.
 */

/** Spherical Bessel function of the first kind j_l(x), float64. */
export function sphericalBesselJ(l: number, x: number): number {
  const s = Math.sin(x);
  const c = Math.cos(x);
  const j0 = s / x;
  if (l === 0) return j0;
  let previous = j0;
  let current = s / (x * x) - c / x;
  for (let k = 1; k < l; k++) {
    const next = ((2 * k + 1) / x) * current - previous;
    previous = current;
    current = next;
  }
  return current;
}

/** The first `maxN` positive zeros of j_l for l = 0 … maxL − 1: roots[l][n]. */
export function sphericalBesselRoots(maxL: number, maxN: number): number[][] {
  // Zeros of j_0 are kπ; each higher order needs one zero fewer from the order below to bracket maxN zeros.
  let zeros = Array.from({ length: maxN + maxL }, (_, k) => (k + 1) * Math.PI);
  const roots: number[][] = [zeros.slice(0, maxN)];
  for (let l = 1; l < maxL; l++) {
    const next: number[] = [];
    for (let k = 0; k + 1 < zeros.length; k++) next.push(bisect((x) => sphericalBesselJ(l, x), zeros[k]!, zeros[k + 1]!));
    zeros = next;
    roots.push(zeros.slice(0, maxN));
  }
  return roots;
}

function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let flo = f(lo);
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    const fm = f(mid);
    if (fm === 0) return mid;
    if (Math.sign(fm) === Math.sign(flo)) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface RadialBasisConstants {
  /** z_{l,n} / r_c, l-major (column l·maxN + n). */
  readonly frequencies: number[];
  /** √(2/r_c³) / |j_{l+1}(z_{l,n})|, same order. */
  readonly scales: number[];
  /** The order l of each column. */
  readonly orders: number[];
}

/** Constants of the maxL·maxN radial basis functions with cutoff r_c. */
export function radialBasisConstants(maxL: number, maxN: number, cutoff: number): RadialBasisConstants {
  const roots = sphericalBesselRoots(maxL, maxN);
  const frequencies: number[] = [];
  const scales: number[] = [];
  const orders: number[] = [];
  for (let l = 0; l < maxL; l++) {
    for (let n = 0; n < maxN; n++) {
      const z = roots[l]![n]!;
      frequencies.push(z / cutoff);
      scales.push(Math.sqrt(2 / cutoff ** 3) / Math.abs(sphericalBesselJ(l + 1, z)));
      orders.push(l);
    }
  }
  return { frequencies, scales, orders };
}

/** The radial basis in float64 (reference for tests and the TypeScript side). */
export function radialBasis(r: number, constants: RadialBasisConstants, cutoff: number): number[] {
  const rc = Math.min(r, cutoff);
  return constants.frequencies.map((w, i) => sphericalBesselJ(constants.orders[i]!, rc * w) * constants.scales[i]!);
}

/** √((2l+1)/4π): Y_l^0 = this · P_l(cos θ). */
export function sphericalHarmonicNorm(l: number): number {
  return Math.sqrt((2 * l + 1) / (4 * Math.PI));
}

/** Legendre polynomial P_l(x) by Bonnet's recursion (l + 1) P_{l+1} = (2l + 1) x P_l − l P_{l−1}. */
export function legendre(l: number, x: number): number {
  if (l === 0) return 1;
  let previous = 1;
  let current = x;
  for (let k = 1; k < l; k++) {
    const next = ((2 * k + 1) * x * current - k * previous) / (k + 1);
    previous = current;
    current = next;
  }
  return current;
}

/** matgl's polynomial envelope with exponent 3: 1 − 10x³ + 15x⁴ − 6x⁵ for x = r/r_c ≤ 1, else 0. */
export function polynomialCutoff(r: number, cutoff: number): number {
  if (r > cutoff) return 0;
  const x = r / cutoff;
  return 1 - 10 * x ** 3 + 15 * x ** 4 - 6 * x ** 5;
}
