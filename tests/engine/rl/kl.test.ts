/**
 * The KL estimate fine-tuning reports (electron/engine/rl/kl.ts) against the exact KL of two categorical
 * distributions, computed from its definition Σ p log(p/q): Schulman's k3 converges to it on finite samples, like
 * the plain mean log-ratio k1, but no batch of k3 is ever negative, while small batches of k1 are — the negative
 * KL the RL dashboard plotted (issue #16 item 8).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/random.ts';
import { estimateKl, k3Term } from '../../../electron/engine/rl/kl.ts';

const P = [0.4, 0.25, 0.2, 0.1, 0.05];
const Q = [0.2, 0.2, 0.2, 0.2, 0.2];
const EXACT_KL = P.reduce((sum, p, i) => sum + p * Math.log(p / Q[i]!), 0);

function draw(rng: Rng, n: number): { logp: number[]; logq: number[] } {
  const logp: number[] = [];
  const logq: number[] = [];
  for (let s = 0; s < n; s++) {
    let u = rng.next();
    let k = 0;
    while (k < P.length - 1 && u >= P[k]!) u -= P[k++]!;
    logp.push(Math.log(P[k]!));
    logq.push(Math.log(Q[k]!));
  }
  return { logp, logq };
}

describe('KL estimate of a fine-tuning step', () => {
  it('k3 and k1 converge to the exact KL on a large sample (within 4 standard errors)', () => {
    const n = 40_000;
    const { logp, logq } = draw(new Rng('kl-large'), n);
    const estimate = estimateKl(logp, logq);
    const k3Terms = logp.map((lp, i) => k3Term(logq[i]! - lp));
    const k3Mean = k3Terms.reduce((a, b) => a + b, 0) / n;
    const k3Se = Math.sqrt(k3Terms.reduce((a, t) => a + (t - k3Mean) ** 2, 0) / (n - 1) / n);
    expect(estimate.k3).toBeCloseTo(k3Mean, 12);
    expect(Math.abs(estimate.k3 - EXACT_KL)).toBeLessThan(4 * k3Se);
    expect(Math.abs(estimate.k1 - EXACT_KL)).toBeLessThan(0.02);
  });

  it('no batch of k3 is negative, while small batches of k1 are', () => {
    const rng = new Rng('kl-small');
    let k1Negative = 0;
    for (let batch = 0; batch < 500; batch++) {
      const { logp, logq } = draw(rng, 4);
      const estimate = estimateKl(logp, logq);
      expect(estimate.k3).toBeGreaterThanOrEqual(0);
      if (estimate.k1 < 0) k1Negative++;
    }
    expect(k1Negative).toBeGreaterThan(0);
  });

  it('each k3 term is (r − 1) − log r ≥ 0, exact near r = 1 and 0 when the models agree', () => {
    for (const y of [-30, -5, -1, -1e-3, 0, 1e-9, 1e-3, 1, 5]) {
      expect(k3Term(y)).toBeGreaterThanOrEqual(0);
      if (Math.abs(y) >= 1e-3) expect(k3Term(y)).toBeCloseTo(Math.exp(y) - 1 - y, 12);
    }
    // Second order near zero: (r − 1) − log r ≈ y²/2 for log r = y.
    expect(k3Term(1e-6) / (0.5e-12)).toBeCloseTo(1, 5);
    expect(estimateKl([-3, -7.5], [-3, -7.5])).toEqual({ k3: 0, k1: 0 });
    expect(() => estimateKl([1], [1, 2])).toThrow(/1 sampled log-probabilities for 2 reference/);
  });
});
