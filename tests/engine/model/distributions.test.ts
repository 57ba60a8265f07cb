import { describe, expect, it } from 'vitest';
import {
  logI0eApprox,
  logI0eReference,
  sampleVonMises,
  vonMisesLogPdf,
  vonMisesMixtureLogPdf,
} from '../../../electron/engine/model/distributions.ts';

// Published values of I0 (Abramowitz & Stegun, Table 9.8; also scipy.special.i0):
// I0(1) = 1.2660658777520082, I0(2.5) = 3.2898391440501231, I0(10) = 2815.716628466254.
const PUBLISHED_I0: [number, number][] = [
  [1, 1.2660658777520082],
  [2.5, 3.2898391440501231],
  [10, 2815.716628466254],
];

/** Deterministic uniform source (a linear congruential generator) so the test is repeatable. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('log I0e', () => {
  it('matches published values of I0', () => {
    for (const [x, i0] of PUBLISHED_I0) {
      expect(logI0eReference(x)).toBeCloseTo(Math.log(i0) - x, 12);
    }
  });

  it('the A&S approximation used in the graph agrees with the series to 1e-6 over six decades of κ', () => {
    for (let k = 1e-4; k < 1e4; k *= 1.37) {
      expect(Math.abs(logI0eApprox(k) - logI0eReference(k))).toBeLessThan(1e-6);
    }
    expect(logI0eReference(0)).toBe(0);
  });

  it('the series and the large-κ expansion agree where they meet', () => {
    // Across the switch at κ = 700 the step must equal the slope d/dκ log I0e = I1/I0 − 1 ≈ −1/(2κ) − 1/(8κ²).
    const step = logI0eReference(700.001) - logI0eReference(699.999);
    const slope = -1 / (2 * 700) - 1 / (8 * 700 * 700);
    expect(Math.abs(step - slope * 0.002)).toBeLessThan(1e-10);
  });
});

describe('von Mises', () => {
  it('integrates to 1 over the circle for small and large κ', () => {
    for (const kappa of [0.01, 1, 30, 500]) {
      const n = 20000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp(vonMisesLogPdf(-Math.PI + ((i + 0.5) * 2 * Math.PI) / n, 0.7, kappa));
      expect(sum * ((2 * Math.PI) / n)).toBeCloseTo(1, 6);
    }
  });

  it('a mixture density (in θ = 2π(x − 0.5), as the method scores coordinates) integrates to 1', () => {
    const n = 20000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(vonMisesMixtureLogPdf((i + 0.5) / n, [0.3, -1, 2], [0, 1, -2.5], [5, 40, 0.5]));
    expect((sum / n) * 2 * Math.PI).toBeCloseTo(1, 6);
  });

  it('samples have the mean resultant length I1(κ)/I0(κ)', () => {
    // For κ = 2: I1(2)/I0(2) = 1.590636854637329 / 2.2795853023360673 = 0.6977746579640081 (published Bessel values).
    const uniform = lcg(7);
    let c = 0;
    let s = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const t = sampleVonMises(1.0, 2, uniform);
      c += Math.cos(t - 1.0);
      s += Math.sin(t - 1.0);
    }
    expect(c / n).toBeCloseTo(0.6977746579640081, 2);
    expect(Math.abs(s / n)).toBeLessThan(0.01);
  });
});
