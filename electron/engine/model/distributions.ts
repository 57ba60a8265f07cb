/**
 * Float64 reference implementations of the distributions in CrystalFormer's heads, used by the JavaScript-side
 * sampler and as the independent reference the ONNX graph is tested against.
 *
 * Coordinates: a mixture of von Mises distributions over θ = 2π(x − 0.5), x ∈ [0, 1).
 * Lattice: a mixture of Gaussians over the normalised lattice parameters.
 */

/** Uniform random source on [0, 1). */
export type Uniform = () => number;

/**
 * log(I0(κ)·e^{−κ}), the exponentially scaled modified Bessel function of order 0, in float64.
 * Uses the series I0(κ) = Σ (κ²/4)^k / (k!)² summed in log space, which converges for every κ ≥ 0
 * (it needs about κ + 30 terms), and the asymptotic expansion for κ > 700 where that would be slow.
 */
export function logI0eReference(kappa: number): number {
  if (!(kappa >= 0)) throw new Error(`logI0e needs κ ≥ 0, got ${kappa}`);
  if (kappa === 0) return 0;
  if (kappa > 700) {
    // I0(κ) e^{−κ} ≈ (2πκ)^{-1/2} (1 + 1/(8κ) + 9/(128κ²) + 225/(3072κ³))
    const inv = 1 / kappa;
    return -0.5 * Math.log(2 * Math.PI * kappa) + Math.log1p(inv / 8 + (9 * inv * inv) / 128 + (225 * inv * inv * inv) / 3072);
  }
  const logHalf = Math.log(kappa / 2);
  let logTerm = 0; // k = 0 term
  let maxLog = 0;
  const logs: number[] = [0];
  for (let k = 1; k < kappa + 60; k++) {
    logTerm += 2 * logHalf - 2 * Math.log(k);
    logs.push(logTerm);
    if (logTerm > maxLog) maxLog = logTerm;
    if (logTerm < maxLog - 40 && k > kappa) break;
  }
  let sum = 0;
  for (const l of logs) sum += Math.exp(l - maxLog);
  return maxLog + Math.log(sum) - kappa;
}

/**
 * log I0e(κ) by the Abramowitz & Stegun polynomial approximations 9.8.1 (|κ| ≤ 3.75, error < 1.6e-7) and
 * 9.8.2 (κ ≥ 3.75, relative error < 1.9e-7). The ONNX graph evaluates exactly this formula with elementwise ops,
 * so having it here lets tests compare graph and JavaScript bit for bit in spirit, and both against the series.
 */
export function logI0eApprox(kappa: number): number {
  if (kappa <= 3.75) {
    const t = (kappa / 3.75) ** 2;
    const i0 = 1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))));
    return Math.log(i0) - kappa;
  }
  const u = 3.75 / kappa;
  const poly =
    0.39894228 +
    u * (0.01328592 + u * (0.00225319 + u * (-0.00157565 + u * (0.00916281 + u * (-0.02057706 + u * (0.02635537 + u * (-0.01647633 + u * 0.00392377)))))));
  return Math.log(poly) - 0.5 * Math.log(kappa);
}

/** Coefficients of the A&S polynomials, shared with the graph builder so both evaluate the same formula. */
export const I0_SMALL_COEFFS = [1, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.0360768, 0.0045813] as const;
export const I0_LARGE_COEFFS = [0.39894228, 0.01328592, 0.00225319, -0.00157565, 0.00916281, -0.02057706, 0.02635537, -0.01647633, 0.00392377] as const;

/**
 * log density of one von Mises component on the circle: κ(cos(θ − μ) − 1) − log(2π I0e(κ)). `logI0e` defaults to
 * the exact series; the sampler passes `logI0eApprox`, the formula the ONNX graph uses, which is also far cheaper
 * for large κ.
 */
export function vonMisesLogPdf(theta: number, mu: number, kappa: number, logI0e: (kappa: number) => number = logI0eReference): number {
  return kappa * (Math.cos(theta - mu) - 1) - Math.log(2 * Math.PI) - logI0e(kappa);
}

export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}

/** Normalise logits to log-probabilities (log-softmax) in float64. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  const lse = logSumExp(logits);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - lse;
  return out;
}

/**
 * log density of a fractional coordinate x under a von Mises mixture (weights as logits, locations μ in radians,
 * concentrations κ). As in CrystalFormer, the density is that of θ = 2π(x − 0.5) on the circle (per radian); the
 * density per unit of x would be larger by 2π, a constant that changes no ranking or gradient.
 */
export function vonMisesMixtureLogPdf(
  x: number,
  logits: ArrayLike<number>,
  mu: ArrayLike<number>,
  kappa: ArrayLike<number>,
  logI0e: (kappa: number) => number = logI0eReference,
): number {
  const theta = 2 * Math.PI * (x - 0.5);
  const logWeights = logSoftmax(logits);
  const terms = new Float64Array(logits.length);
  for (let k = 0; k < logits.length; k++) terms[k] = logWeights[k]! + vonMisesLogPdf(theta, mu[k]!, kappa[k]!, logI0e);
  return logSumExp(terms);
}

/**
 * One draw from a von Mises distribution VM(μ, κ) by the Best–Fisher (1979) rejection sampler with a
 * wrapped-Cauchy envelope. Returns an angle in (−π, π].
 */
export function sampleVonMises(mu: number, kappa: number, uniform: Uniform): number {
  if (kappa < 1e-8) return wrapAngle(mu + Math.PI * (2 * uniform() - 1));
  const tau = 1 + Math.sqrt(1 + 4 * kappa * kappa);
  const rho = (tau - Math.sqrt(2 * tau)) / (2 * kappa);
  const r = (1 + rho * rho) / (2 * rho);
  for (let round = 0; round < 1000; round++) {
    const z = Math.cos(Math.PI * uniform());
    const f = (1 + r * z) / (r + z);
    const c = kappa * (r - f);
    const u2 = uniform();
    if (c * (2 - c) - u2 > 0 || Math.log(c / u2) + 1 - c >= 0) {
      const sign = uniform() < 0.5 ? -1 : 1;
      return wrapAngle(mu + sign * Math.acos(Math.max(-1, Math.min(1, f))));
    }
  }
  return wrapAngle(mu); // practically unreachable: acceptance rate is above 65 % for every κ
}

export function wrapAngle(theta: number): number {
  const twoPi = 2 * Math.PI;
  let t = (theta + Math.PI) % twoPi;
  if (t < 0) t += twoPi;
  return t - Math.PI;
}

/** Standard normal draw (Box–Muller). */
export function sampleStandardNormal(uniform: Uniform): number {
  let u = uniform();
  while (u <= Number.EPSILON) u = uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

/** log density of a normal distribution. */
export function normalLogPdf(x: number, mean: number, sigma: number): number {
  const z = (x - mean) / sigma;
  return -0.5 * z * z - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
}

/** softplus(x) = log(1 + eˣ) in float64, without overflow for large x (κ and σ of the output heads, output-row.ts). */
export function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}
