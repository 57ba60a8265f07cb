/**
 * The lattice head's distribution, constrained to cells that exist (float64 reference; the likelihood graph in
 * network.ts evaluates the same density, and the sampler and MCMC draw from it).
 *
 * The head gives, for each of the six normalised lattice parameters (a, b, c / N^(1/3), α, β, γ in radians), a
 * mixture of K Gaussians with weights shared across the parameters (crystalformer.md §3). Each parameter's mixture is
 * conditioned on the parameter's support — p(x) = Σ_k w_k N_k(x) / Σ_k w_k m_k on the support, m_k the mass of
 * component k there — which is exactly what drawing from the plain mixture and rejecting impossible values would
 * give, obtained without rejection: the component is drawn with probability ∝ w_k m_k, then a value from it truncated
 * to the support (inverse CDF). So each draw is a valid cell and the density integrates to 1. The supports:
 *  - lengths: (0, ∞);
 *  - α, β and, outside triclinic groups, γ: (0, π) — any monoclinic β in (0°, 180°) closes a cell;
 *  - γ in triclinic groups, given α and β: (|α − β|, min(α + β, 2π − α − β)). With α, β in (0, π) this is exactly
 *    the condition that the metric (Gram) matrix of the cell is positive definite (the three angles between unit
 *    vectors obey the spherical triangle inequalities), so α, β, γ are drawn in that order.
 * The likelihood of a lattice is, as in CrystalFormer, the sum over the free parameters of the log of each
 * parameter's own mixture (log-sum-exp over components per parameter); sampling draws each parameter's component
 * on its own, so the draws follow exactly the density that training maximises and scoring reports. (The reference
 * implementation draws one component for all six, a distribution that differs from the one it scores.)
 */
import { SIGMA_MIN } from './config.ts';
import { type Uniform, softplus } from './distributions.ts';
import { sampleCategorical } from '../sample/categorical.ts';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Support (lo, hi) of lattice parameter j given the parameters drawn before it (only γ of a triclinic cell depends on them). */
export function latticeSupport(j: number, lattice: ArrayLike<number>, triclinic: boolean): [number, number] {
  if (j < 3) return [0, Infinity];
  if (j < 5 || !triclinic) return [0, Math.PI];
  const alpha = lattice[3]!;
  const beta = lattice[4]!;
  return [Math.abs(alpha - beta), Math.min(alpha + beta, 2 * Math.PI - alpha - beta)];
}

/** erfc(x) for x ≥ 0 in float64: the Maclaurin series of erf below 2.5, the continued fraction (Lentz) above. */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + an / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** log Q(z) = log P(Z > z) for a standard normal Z, accurate far into the upper tail. */
export function logUpperTail(z: number): number {
  if (z === Infinity) return -Infinity;
  if (z === -Infinity) return 0;
  if (z < 0) return Math.log1p(-0.5 * erfcNonNegative(-z / Math.SQRT2));
  if (z < 37) return Math.log(0.5 * erfcNonNegative(z / Math.SQRT2));
  // Asymptotic expansion (Abramowitz & Stegun 26.2.12): Q(z) ≈ φ(z)/z · (1 − 1/z² + 3/z⁴ − 15/z⁶).
  const r = 1 / (z * z);
  return -0.5 * z * z - Math.log(z) - LOG_SQRT_2PI + Math.log1p(-r + 3 * r * r - 15 * r * r * r);
}

/** Φ(z), the standard normal distribution function. */
export function normalCdf(z: number): number {
  return z >= 0 ? -Math.expm1(logUpperTail(z)) : Math.exp(logUpperTail(-z));
}

/** log(Φ(b) − Φ(a)) for a < b (either may be infinite), computed in the tail where it is small. */
export function logNormalIntervalMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (a >= 0) {
    const la = logUpperTail(a);
    return la + Math.log1p(-Math.exp(logUpperTail(b) - la));
  }
  if (b <= 0) return logNormalIntervalMass(-b, -a);
  // a < 0 < b: 1 − Φ(a) − Q(b) = 1 − Q(−a) − Q(b), both tails at most ½.
  return Math.log1p(-Math.exp(logUpperTail(-a)) - Math.exp(logUpperTail(b)));
}

/** log density of N(μ, σ²) truncated to (lo, hi); −∞ outside. */
export function truncatedNormalLogPdf(x: number, mu: number, sigma: number, lo: number, hi: number): number {
  if (!(x > lo && x < hi)) return -Infinity;
  const z = (x - mu) / sigma;
  return -0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI - logNormalIntervalMass((lo - mu) / sigma, (hi - mu) / sigma);
}

/**
 * One draw from N(μ, σ²) truncated to (lo, hi) by inverting its distribution function (no rejection, so the cost
 * does not depend on how little mass the interval holds). The inversion runs on log Q in the upper tail (by
 * symmetry, also for intervals below the mean) with Newton steps kept inside a bisection bracket.
 */
export function sampleTruncatedNormal(mu: number, sigma: number, lo: number, hi: number, uniform: Uniform): number {
  let a = (lo - mu) / sigma;
  let b = (hi - mu) / sigma;
  let sign = 1;
  if (b <= 0) {
    // Mirror an interval below the mean into the upper tail.
    [a, b] = [-b, -a];
    sign = -1;
  }
  let u = uniform();
  while (u <= 0 || u >= 1) u = uniform();
  let z: number;
  if (a >= 0) {
    // Target: log Q(z) = log Q(a) + log(1 − u (1 − Q(b)/Q(a))).
    const la = logUpperTail(a);
    const target = la + Math.log1p(-u * -Math.expm1(logUpperTail(b) - la));
    z = solveMonotone((t) => logUpperTail(t) - target, (t) => -Math.exp(-0.5 * t * t - LOG_SQRT_2PI - logUpperTail(t)), a, Math.min(b, a + 60));
  } else {
    // Interval around the mean: Φ(z) = Φ(a) + u (Φ(b) − Φ(a)), all well away from 0 and 1 in double precision.
    const pa = normalCdf(a);
    const target = pa + u * (normalCdf(b) - pa);
    z = solveMonotone((t) => target - normalCdf(t), (t) => -Math.exp(-0.5 * t * t - LOG_SQRT_2PI), Math.max(a, -40), Math.min(b, 40));
  }
  const x = mu + sign * z * sigma;
  if (x > lo && x < hi) return x;
  // Rounding landed on a bound of the open support (only for intervals far in the tail): step just inside.
  if (hi === Infinity) return lo + 1e-9 * sigma;
  return x <= lo ? lo + 1e-9 * (hi - lo) : hi - 1e-9 * (hi - lo);
}

/** Root of a decreasing function f on [lo, hi] (f(lo) ≥ 0 ≥ f(hi)) by Newton steps that fall back to bisection. */
function solveMonotone(f: (t: number) => number, df: (t: number) => number, lo: number, hi: number): number {
  let left = lo;
  let right = hi;
  let t = 0.5 * (left + right);
  for (let i = 0; i < 200; i++) {
    const value = f(t);
    if (value === 0) return t;
    if (value > 0) left = t;
    else right = t;
    const slope = df(t);
    let next = t - value / slope;
    if (!(next > left && next < right) || !Number.isFinite(next)) next = 0.5 * (left + right);
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, Math.abs(t)) || right - left <= 1e-14 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}

/**
 * The head's parameters for one crystal: row[offset …] = K mixture logits, 6K means, 6K raw σ (σ = softplus + SIGMA_MIN),
 * laid out as the network emits them (component-major: index k·6 + j).
 */
export interface LatticeHead {
  logWeights: Float64Array;
  mean: (k: number, j: number) => number;
  sigma: (k: number, j: number) => number;
}

export function latticeHead(row: ArrayLike<number>, offset: number, k: number): LatticeHead {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, row[offset + c]!);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(row[offset + c]! - max);
  const lse = max + Math.log(sum);
  const logWeights = Float64Array.from({ length: k }, (_, c) => row[offset + c]! - lse);
  return {
    logWeights,
    mean: (c, j) => row[offset + k + c * 6 + j]!,
    sigma: (c, j) => softplus(row[offset + 7 * k + c * 6 + j]!) + SIGMA_MIN,
  };
}

/** log Σ exp(v) of a short array. */
function logSumExpOf(values: Float64Array): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** log(w_k m_k) for every component: its weight times its mass on the support (lo, hi) of parameter j. */
function logSupportedWeights(head: LatticeHead, j: number, lo: number, hi: number): Float64Array {
  return Float64Array.from(head.logWeights, (logWeight, c) => {
    const sigma = head.sigma(c, j);
    return logWeight + logNormalIntervalMass((lo - head.mean(c, j)) / sigma, (hi - head.mean(c, j)) / sigma);
  });
}

/** log density of parameter j at `lattice[j]` under its mixture conditioned on the support (the earlier parameters fix γ's). */
export function latticeParameterLogPdf(head: LatticeHead, j: number, lattice: ArrayLike<number>, triclinic: boolean): number {
  const [lo, hi] = latticeSupport(j, lattice, triclinic);
  const x = lattice[j]!;
  if (!(x > lo && x < hi)) return -Infinity;
  const terms = Float64Array.from(head.logWeights, (logWeight, c) => {
    const sigma = head.sigma(c, j);
    const z = (x - head.mean(c, j)) / sigma;
    return logWeight - 0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI;
  });
  return logSumExpOf(terms) - logSumExpOf(logSupportedWeights(head, j, lo, hi));
}

/**
 * Log-likelihood of a lattice: the sum over the free parameters (`free[j]`, the crystal system's independent ones)
 * of their truncated-mixture log densities. Triclinic ⇔ α is free.
 */
export function latticeLogProb(head: LatticeHead, lattice: ArrayLike<number>, free: ArrayLike<number>): number {
  const triclinic = free[3] !== 0;
  let logp = 0;
  for (let j = 0; j < 6; j++) if (free[j]) logp += latticeParameterLogPdf(head, j, lattice, triclinic);
  return logp;
}

/**
 * Draw all six parameters into `out` (α, β before γ) and return the log-likelihood of the free ones. Each parameter
 * picks its mixture component with probability ∝ w_k m_k (its weight times its mass on the support; temperature and
 * top-p as for every categorical), then a value from that component truncated to the support with σ·√T. The
 * returned log-probability is the model's (T = 1).
 */
export function sampleLattice(head: LatticeHead, free: ArrayLike<number>, temperature: number, topP: number, uniform: Uniform, out: Float64Array): number {
  const k = head.logWeights.length;
  const scratch = new Float64Array(2 * k);
  const triclinic = free[3] !== 0;
  const spread = Math.sqrt(temperature);
  for (let j = 0; j < 6; j++) {
    const [lo, hi] = latticeSupport(j, out, triclinic);
    const supported = logSupportedWeights(head, j, lo, hi);
    const total = logSumExpOf(supported);
    for (let c = 0; c < k; c++) supported[c] = supported[c]! - total;
    const component = sampleCategorical(supported, k, temperature, topP, uniform, scratch);
    out[j] = sampleTruncatedNormal(head.mean(component, j), head.sigma(component, j) * spread, lo, hi, uniform);
  }
  return latticeLogProb(head, out, free);
}
