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

/**
 * The smooth radial basis of matgl (use_smooth = true; Kocer et al., "Continuous and optimally complete description
 * of chemical environments using spherical Bessel descriptors", arXiv:1907.02374, as in matgl's
 * spherical_bessel_smooth): f_n(r) = (−1)ⁿ √2 π / r_c^{3/2} · (n+1)(n+2)/√((n+1)² + (n+2)²) ·
 * [sinc((n+1)π r/r_c) + sinc((n+2)π r/r_c)], with sinc x = sin x / x, orthogonalised by the recursion
 * e_n = n²(n+2)²/(4(n+1)⁴ + 1), d_0 = 1, d_n = 1 − e_n/d_{n−1}, g_0 = f_0, g_n = (f_n + √(e_n/d_{n−1}) g_{n−1})/√d_n.
 * Every g_n is a fixed combination of the f_k, so the basis is f · mix with `mix` computed here.
 */
export interface SmoothBasisConstants {
  /** (n+1)π/r_c and (n+2)π/r_c. */
  readonly frequenciesA: number[];
  readonly frequenciesB: number[];
  /** The prefactor of f_n. */
  readonly prefactors: number[];
  /** Row-major [count, count]: g = f · mix (column n of mix holds g_n's coefficients). */
  readonly mix: number[];
  readonly count: number;
}

export function smoothBasisConstants(count: number, cutoff: number): SmoothBasisConstants {
  const frequenciesA: number[] = [];
  const frequenciesB: number[] = [];
  const prefactors: number[] = [];
  for (let n = 0; n < count; n++) {
    frequenciesA.push(((n + 1) * Math.PI) / cutoff);
    frequenciesB.push(((n + 2) * Math.PI) / cutoff);
    prefactors.push(((-1) ** n * Math.SQRT2 * Math.PI) / cutoff ** 1.5 * ((n + 1) * (n + 2)) / Math.sqrt((n + 1) ** 2 + (n + 2) ** 2));
  }
  const e = Array.from({ length: count }, (_, n) => (n * n * (n + 2) ** 2) / (4 * (n + 1) ** 4 + 1));
  const d = [1];
  for (let n = 1; n < count; n++) d.push(1 - e[n]! / d[n - 1]!);
  // rows[n] = coefficients of g_n over f_0 … f_{count−1}
  const rows: number[][] = [];
  for (let n = 0; n < count; n++) {
    const row = new Array<number>(count).fill(0);
    if (n === 0) row[0] = 1;
    else {
      const carry = Math.sqrt(e[n]! / d[n - 1]!) / Math.sqrt(d[n]!);
      rows[n - 1]!.forEach((c, k) => (row[k] = carry * c));
      row[n]! += 1 / Math.sqrt(d[n]!);
    }
    rows.push(row);
  }
  const mix = new Array<number>(count * count).fill(0);
  for (let n = 0; n < count; n++) for (let k = 0; k < count; k++) mix[k * count + n] = rows[n]![k]!;
  return { frequenciesA, frequenciesB, prefactors, mix, count };
}

/** The smooth basis in float64 (reference for tests). */
export function smoothRadialBasis(r: number, c: SmoothBasisConstants): number[] {
  const f = c.prefactors.map((p, n) => p * (Math.sin(r * c.frequenciesA[n]!) / (r * c.frequenciesA[n]!) + Math.sin(r * c.frequenciesB[n]!) / (r * c.frequenciesB[n]!)));
  return Array.from({ length: c.count }, (_, n) => f.reduce((s, fk, k) => s + fk * c.mix[k * c.count + n]!, 0));
}
