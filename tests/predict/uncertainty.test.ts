/**
 * The calibrated spread (electron/predictors/uncertainty.ts) on synthetic held-out sets whose error law is known:
 * the RMS residual of a bin is √(mean σ²) over the bin (an integral), and for a normal error P(|e| ≤ σ) =
 * erf(1/√2) = 0.6827, so fresh samples must fall inside ≈ 68 % of the time.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/random.ts';
import { calibrateUncertainty, predictionSpread, validateCalibration } from '../../electron/predictors/uncertainty.ts';

/** Normal samples by Box–Muller from the project's seeded generator. */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Held-out pairs with truth = prediction + N(0, σ(prediction)), σ growing with the prediction (heteroscedastic). */
function sample(n: number, seed: number, sigma: (p: number) => number): { predicted: Float64Array; truth: Float64Array } {
  const rng = new Rng(seed);
  const predicted = new Float64Array(n);
  const truth = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    predicted[i] = 6 * rng.next();
    truth[i] = predicted[i]! + sigma(predicted[i]!) * normal(rng);
  }
  return { predicted, truth };
}

describe('calibrated uncertainty from held-out residuals', () => {
  const sigma = (p: number) => 0.1 + 0.2 * p;

  it('recovers √(mean σ²) per bin for a heteroscedastic normal error', () => {
    const { predicted, truth } = sample(60_000, 1, sigma);
    const c = calibrateUncertainty(predicted, truth, { space: 'linear', heldOut: 'synthetic', bins: 6 });
    expect(c.halfWidths).toHaveLength(6);
    c.halfWidths.forEach((w, b) => {
      // Predictions are uniform on [0, 6), so bin b covers [b, b + 1): E[e²] = ∫_b^(b+1) (0.1 + 0.2 p)² dp.
      const cube = (p: number) => (0.1 + 0.2 * p) ** 3 / 0.6;
      const expected = Math.sqrt(cube(b + 1) - cube(b));
      expect(w / expected, `bin ${b}`).toBeGreaterThan(0.98);
      expect(w / expected, `bin ${b}`).toBeLessThan(1.02);
    });
    // Measured coverage of the calibration set itself: near erf(1/√2) = 0.6827 in every bin.
    for (const c0 of c.coverage) expect(c0).toBeCloseTo(erf(Math.SQRT1_2), 1);
    c.edges.forEach((e, b) => expect(e).toBeCloseTo(b + 1, 1));
  });

  it('covers about 68 % of fresh samples, in every bin', () => {
    const calibrationSet = sample(30_000, 2, sigma);
    const c = calibrateUncertainty(calibrationSet.predicted, calibrationSet.truth, { space: 'linear', heldOut: 'synthetic' });
    const fresh = sample(30_000, 3, sigma);
    const spread = predictionSpread(c, fresh.predicted);
    const inside = [0, 0];
    const total = [0, 0];
    fresh.truth.forEach((t, i) => {
      const half = fresh.predicted[i]! < 3 ? 0 : 1;
      total[half]!++;
      if (t >= spread.lower[i]! && t <= spread.upper[i]!) inside[half]!++;
    });
    for (const k of [0, 1]) expect(inside[k]! / total[k]!).toBeCloseTo(0.68, 1);
    // One global width would over-cover small predictions and under-cover large ones; bins must fix that.
    expect(Math.abs(inside[0]! / total[0]! - inside[1]! / total[1]!)).toBeLessThan(0.03);
  });

  it('in log space gives multiplicative intervals: a log-normal error of σ = 0.4 gives value·e^(±0.4)', () => {
    const rng = new Rng(4);
    const n = 40_000;
    const predicted = Float64Array.from({ length: n }, () => Math.exp(1 + 3 * rng.next()));
    const truth = predicted.map((p) => p * Math.exp(0.4 * normal(rng)));
    const c = calibrateUncertainty(predicted, truth, { space: 'log', heldOut: 'synthetic', bins: 3 });
    for (const w of c.halfWidths) expect(w).toBeCloseTo(0.4, 1);
    const s = predictionSpread(c, [10]);
    expect(s.lower[0]! * s.upper[0]!).toBeCloseTo(100, 6); // geometric symmetry around the prediction
    expect(s.upper[0]! / 10).toBeCloseTo(Math.exp(c.halfWidths[predictionBin(c.edges, 10)]!), 9);
  });

  it('keeps equal predictions in one bin (band gaps clamped at 0): metals predicted 0 but some truly gapped', () => {
    // 600 predictions of exactly 0 (500 metals, 100 insulators of 2 eV missed), 600 spread over 1…3 eV with ±0.1 errors.
    const predicted = [...Array(600).fill(0), ...Array.from({ length: 600 }, (_, i) => 1 + (2 * i) / 600)];
    const truth = [...Array(500).fill(0), ...Array(100).fill(2), ...Array.from({ length: 600 }, (_, i) => 1 + (2 * i) / 600 + (i % 2 ? 0.1 : -0.1))];
    const c = calibrateUncertainty(predicted, truth, { space: 'linear', heldOut: 'synthetic', bins: 4 });
    expect(c.counts[0]).toBe(600);
    expect(c.halfWidths[0]).toBeCloseTo(Math.sqrt((100 * 4) / 600), 9); // √(mean e²) with 100 errors of 2 eV
    for (const w of c.halfWidths.slice(1)) expect(w).toBeCloseTo(0.1, 9);
    expect(predictionSpread(c, [0]).halfWidth[0]).toBeCloseTo(c.halfWidths[0]!, 9);
  });

  it('leaves NaN predictions NaN and refuses malformed calibrations, naming the field', () => {
    const c = calibrateUncertainty([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12], { space: 'linear', heldOut: 'tiny' });
    expect(predictionSpread(c, [NaN]).halfWidth[0]).toBeNaN();
    expect(() => calibrateUncertainty([1, 2], [1, 2], { space: 'linear', heldOut: 'x' })).toThrow(/at least 10/);
    expect(() => validateCalibration({ ...c, edges: [1, 2] }, 'model.json')).toThrow(/model.json: uncertainty.edges/);
    expect(() => validateCalibration({ ...c, space: 'cubic' }, 'model.json')).toThrow(/uncertainty.space/);
  });
});

function predictionBin(edges: readonly number[], v: number): number {
  let b = 0;
  while (b < edges.length && v > edges[b]!) b++;
  return b;
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
