/**
 * The lattice head's truncated distribution (electron/engine/model/lattice-distribution.ts and the likelihood graph's
 * gaussianMixtureLogPdf): normal tail probabilities against libm's erfc, densities that integrate to 1 on their
 * supports, draws that always close a cell (positive-definite Gram matrix) and follow the density, and the float64
 * graph equal to the JavaScript reference, with gradients checked by finite differences.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/random.ts';
import {
  type LatticeHead,
  latticeHead,
  latticeLogProb,
  latticeParameterLogPdf,
  latticeSupport,
  logNormalIntervalMass,
  logUpperTail,
  normalCdf,
  sampleLattice,
  sampleTruncatedNormal,
  truncatedNormalLogPdf,
} from '../../../electron/engine/model/lattice-distribution.ts';
import { gaussianMixtureLogPdf } from '../../../electron/engine/model/network.ts';
import { gradCheck } from '../graph/gradcheck.ts';

/** Simpson's rule on [lo, hi] with n (even) intervals; the ends are moved 1e-12 inside (the supports are open). */
function simpson(f: (x: number) => number, lo: number, hi: number, n = 4000): number {
  lo += 1e-12;
  hi -= 1e-12;
  const h = (hi - lo) / n;
  let sum = f(lo) + f(hi);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (sum * h) / 3;
}

/** A random head row (K components): logits, means, raw σ, in the network's layout. */
function randomRow(rng: Rng, k: number, means: (j: number) => [number, number], rawSigma: [number, number] = [-3, 0.5]): Float64Array {
  const row = new Float64Array(13 * k);
  for (let c = 0; c < k; c++) row[c] = rng.uniform(-2, 2);
  for (let c = 0; c < k; c++) for (let j = 0; j < 6; j++) row[k + c * 6 + j] = rng.uniform(...means(j));
  for (let i = 7 * k; i < 13 * k; i++) row[i] = rng.uniform(...rawSigma);
  return row;
}

/** Means reaching far outside the supports: negative lengths, angles beyond π and below 0. */
const WILD_MEANS = (j: number): [number, number] => (j < 3 ? [-1.5, 3] : [-0.8, 4.2]);

/** Leading principal minors of the metric (Gram) matrix of a cell with lengths a, b, c and angles α, β, γ (rad). */
function gramMinors(l: ArrayLike<number>): [number, number, number] {
  const [a, b, c, al, be, ga] = Array.from(l);
  const g = [
    [a! * a!, a! * b! * Math.cos(ga!), a! * c! * Math.cos(be!)],
    [a! * b! * Math.cos(ga!), b! * b!, b! * c! * Math.cos(al!)],
    [a! * c! * Math.cos(be!), b! * c! * Math.cos(al!), c! * c!],
  ];
  const m2 = g[0]![0]! * g[1]![1]! - g[0]![1]! * g[1]![0]!;
  const det =
    g[0]![0]! * (g[1]![1]! * g[2]![2]! - g[1]![2]! * g[2]![1]!) -
    g[0]![1]! * (g[1]![0]! * g[2]![2]! - g[1]![2]! * g[2]![0]!) +
    g[0]![2]! * (g[1]![0]! * g[2]![1]! - g[1]![1]! * g[2]![0]!);
  return [g[0]![0]!, m2, det];
}

const ALL_FREE = [1, 1, 1, 1, 1, 1];
const MONOCLINIC = [1, 1, 1, 0, 1, 0];

describe('normal tails', () => {
  it('match libm erfc (Python math.erfc: Φ(z) = ½ erfc(−z/√2))', () => {
    const published: [number, number, number][] = [
      // z, Φ(z), Q(z) = 1 − Φ(z)
      [1, 0.8413447460685429, 0.15865525393145707],
      [-3, 0.0013498980316300957, 0.9986501019683699],
      [0.3, 0.6179114221889526, 0.3820885778110474],
      [2.4, 0.9918024640754038, 0.008197535924596138],
      [2.6, 0.9953388119762813, 0.004661188023718751],
      [5, 0.9999997133484281, 2.866515718791946e-7],
      [10, 1, 7.619853024160593e-24],
    ];
    for (const [z, cdf, q] of published) {
      expect(normalCdf(z)).toBeCloseTo(cdf, 14);
      expect(Math.exp(logUpperTail(z)) / q - 1).toBeLessThan(1e-12);
      expect(1 - Math.exp(logUpperTail(z)) / q).toBeLessThan(1e-12);
    }
    // The asymptotic branch above z = 37 joins the continued fraction smoothly (d log Q/dz ≈ −z there).
    const below = logUpperTail(36.9999);
    const above = logUpperTail(37.0001);
    expect((above - below) / 0.0002).toBeCloseTo(-37.027, 2);
    // Interval masses: both tails and the middle.
    expect(Math.exp(logNormalIntervalMass(-1, 1))).toBeCloseTo(0.6826894921370859, 14);
    expect(Math.exp(logNormalIntervalMass(2.4, 2.6))).toBeCloseTo(0.008197535924596138 - 0.004661188023718751, 15);
    expect(logNormalIntervalMass(-2.6, -2.4)).toBeCloseTo(logNormalIntervalMass(2.4, 2.6), 12);
    expect(logNormalIntervalMass(40, Infinity)).toBeCloseTo(logUpperTail(40), 12);
  });
});

describe('truncated lattice densities', () => {
  it('integrate to 1 on their supports, also when most of the Gaussian lies outside', () => {
    const cases: [number, number, number, number][] = [
      // μ, σ, lo, hi
      [2.1, 0.2, 0, Infinity],
      [-0.5, 0.4, 0, Infinity], // a length whose Gaussian is mostly negative
      [1.6, 0.3, 0, Math.PI],
      [3.6, 0.5, 0, Math.PI], // β of 206°: mostly beyond π
      [0.2, 0.05, 0.9, 1.7], // far below the interval
    ];
    for (const [mu, sigma, lo, hi] of cases) {
      const top = hi === Infinity ? Math.max(mu, 0) + 40 * sigma : hi;
      expect(simpson((x) => Math.exp(truncatedNormalLogPdf(x, mu, sigma, lo, hi)), lo, top, 20000), `${mu} ${sigma}`).toBeCloseTo(1, 8);
    }
  });

  it('a triclinic head: each parameter, and γ given any α, β, integrate to 1', () => {
    const rng = new Rng(5);
    const head = latticeHead(randomRow(rng, 4, WILD_MEANS, [-1.5, 0]), 0, 4);
    const lattice = [2, 2, 2, 1.3, 1.9, 0];
    for (const j of [0, 3, 4, 5]) {
      const [lo, hi] = latticeSupport(j, lattice, true);
      const top = hi === Infinity ? 40 : hi;
      const mass = simpson((x) => {
        const l = [...lattice];
        l[j] = x;
        return Math.exp(latticeParameterLogPdf(head, j, l, true));
      }, lo, top, 20000);
      expect(mass, `parameter ${j}`).toBeCloseTo(1, 6);
    }
    // γ given α and β, over a grid of (α, β) that includes narrow supports (α, β near 0 or π, α ≈ β): so the joint
    // density p(α) p(β) p(γ | α, β) of the angles integrates to 1 as well.
    for (let i = 1; i < 12; i++) {
      for (let k = 1; k < 12; k++) {
        const l = [2, 2, 2, (i * Math.PI) / 12, (k * Math.PI) / 12 + 0.01, 0];
        const [lo, hi] = latticeSupport(5, l, true);
        const mass = simpson((gamma) => Math.exp(latticeParameterLogPdf(head, 5, [...l.slice(0, 5), gamma], true)), lo, hi, 2000);
        expect(mass, `α ${l[3]} β ${l[4]}`).toBeCloseTo(1, 6);
      }
    }
  });
});

describe('lattice draws', () => {
  it('always close a cell, for heads whose Gaussians reach negative lengths and angles beyond 180°', () => {
    const rng = new Rng(11);
    const uniform = () => rng.next();
    const out = new Float64Array(6);
    let untruncatedInvalid = 0;
    for (let h = 0; h < 400; h++) {
      const row = randomRow(rng, 4, WILD_MEANS);
      const head = latticeHead(row, 0, 4);
      for (let d = 0; d < 10; d++) {
        for (const free of [ALL_FREE, MONOCLINIC]) {
          const logp = sampleLattice(head, free, d % 2 === 0 ? 1 : 2.5, 1, uniform, out);
          expect(Number.isFinite(logp)).toBe(true);
          for (let j = 0; j < 3; j++) expect(out[j]).toBeGreaterThan(0);
          for (let j = 3; j < 6; j++) expect(out[j]! > 0 && out[j]! < Math.PI).toBe(true);
          const cell = free === ALL_FREE ? out : Float64Array.of(out[0]!, out[1]!, out[2]!, Math.PI / 2, out[4]!, Math.PI / 2);
          const minors = gramMinors(cell);
          expect(minors.every((m) => m > 0), `${Array.from(cell)}`).toBe(true);
        }
        // What the same heads give without truncation (component 0): this is what the check above guards against.
        const plain = Array.from({ length: 6 }, (_, j) => head.mean(0, j) + head.sigma(0, j) * rng.normal());
        if (plain.slice(0, 3).some((x) => x <= 0) || !gramMinors(plain).every((m) => m > 0)) untruncatedInvalid++;
      }
    }
    expect(untruncatedInvalid).toBeGreaterThan(100);
  });

  it('follow the density they are scored with (Kolmogorov–Smirnov distance, 20,000 draws of β)', () => {
    const rng = new Rng(3);
    const head = latticeHead(randomRow(rng, 4, (j) => (j === 4 ? [1.2, 3.6] : [1, 2]), [-1.5, -0.5]), 0, 4);
    const draws: number[] = [];
    const out = new Float64Array(6);
    for (let i = 0; i < 20000; i++) {
      sampleLattice(head, MONOCLINIC, 1, 1, () => rng.next(), out);
      draws.push(out[4]!);
    }
    draws.sort((p, q) => p - q);
    const density = (x: number) => Math.exp(latticeParameterLogPdf(head, 4, [1, 1, 1, 0, x, 0], false));
    let worst = 0;
    let cdf = 0;
    let previous = 0;
    draws.forEach((x, i) => {
      cdf += simpson(density, previous, x, 20);
      previous = x;
      worst = Math.max(worst, Math.abs(cdf - (i + 1) / draws.length), Math.abs(cdf - i / draws.length));
    });
    // The 1 % critical value of the KS statistic for n = 20,000 is 1.63/√n = 0.0115.
    expect(worst).toBeLessThan(0.0115);
  });

  it('sampleTruncatedNormal reaches into intervals far in a tail without rejection', () => {
    const rng = new Rng(9);
    for (const [mu, sigma, lo, hi] of [
      [0, 1, 30, 31],
      [0, 1, -31, -30],
      [5, 0.01, 0, 1],
    ] as [number, number, number, number][]) {
      for (let i = 0; i < 100; i++) {
        const x = sampleTruncatedNormal(mu, sigma, lo, hi, () => rng.next());
        expect(x > lo && x < hi).toBe(true);
      }
    }
  });
});

describe('the likelihood graph', () => {
  it('evaluates the same truncated log density as the reference, with correct gradients (float64)', async () => {
    const k = 3;
    const rng = new Rng(21);
    const B = 4;
    const rows = Array.from({ length: B }, () => randomRow(rng, k, (j) => (j < 3 ? [-0.5, 3] : [0.5, 3.4]), [-1.5, 0]));
    const lattices = [
      [2.1, 2.5, 3.0, 1.2, 1.9, 1.4], // triclinic
      [1.7, 2.0, 2.4, Math.PI / 2, 2.2, Math.PI / 2], // monoclinic
      [0.4, 2.0, 2.4, Math.PI / 2, Math.PI / 2, Math.PI / 2], // orthorhombic, short a
      [2.9, 2.9, 2.9, Math.PI / 2, Math.PI / 2, Math.PI / 2], // cubic
    ];
    const weights = [ALL_FREE, MONOCLINIC, [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]];
    const result = await gradCheck(
      {
        params: { shape: [B, 13 * k], values: rows.flatMap((r) => Array.from(r)) },
        lattice: { shape: [B, 6], values: lattices.flat(), differentiable: false },
        weight: { shape: [B, 6], values: weights.flat(), differentiable: false },
      },
      (x) => gaussianMixtureLogPdf(x.params!, x.lattice!, k, x.weight!),
    );
    expect(result.maxRelError).toBeLessThan(1e-4);
    rows.forEach((row, b) => {
      const head: LatticeHead = latticeHead(row, 0, k);
      const triclinic = weights[b]![3] === 1;
      for (let j = 0; j < 6; j++) {
        if (!weights[b]![j]) continue;
        // The graph's erf is a float64 fit with 1.2e-7 relative error: agreement to 1e-6.
        expect(result.output[b * 6 + j]!, `crystal ${b} parameter ${j}`).toBeCloseTo(latticeParameterLogPdf(head, j, lattices[b]!, triclinic), 5);
      }
      expect(Number.isFinite(latticeLogProb(head, lattices[b]!, weights[b]!))).toBe(true);
    });
  });
});
