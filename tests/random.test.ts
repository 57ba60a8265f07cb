import { describe, expect, it } from 'vitest';
import { Rng } from '../shared/random.ts';

// First ten outputs of Blackman & Vigna's reference C code (prng.di.unimi.it/xoshiro128starstar.c) started from
// the state s = {1, 2, 3, 4}; the same vector is used by several independent ports (e.g. Rust's rand_xoshiro).
const REFERENCE_FROM_1234 = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804];

describe('Rng core (xoshiro128**)', () => {
  it('reproduces the reference output sequence from state {1,2,3,4}', () => {
    const rng = Rng.fromState({ words: [1, 2, 3, 4], spareNormal: null });
    expect(Array.from({ length: 10 }, () => rng.nextUint32())).toEqual(REFERENCE_FROM_1234);
  });

  it('gives identical sequences for equal seeds and different ones for different seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(seqA);
    const seqC = Array.from({ length: 100 }, () => c.nextUint32());
    expect(seqC.filter((x, i) => x === seqA[i]!).length).toBeLessThan(2);
    // Strings and large / negative integers are valid seeds and distinct from each other.
    const firsts = [new Rng('run-1'), new Rng('run-2'), new Rng(2 ** 40), new Rng(-(2 ** 40)), new Rng(0)].map((r) => r.nextUint32());
    expect(new Set(firsts).size).toBe(firsts.length);
  });

  it('rejects seeds it cannot represent exactly', () => {
    expect(() => new Rng(1.5)).toThrow(/safe integer/);
    expect(() => new Rng(2 ** 60)).toThrow(/safe integer/);
  });

  it('restores state exactly, including a pending normal deviate, through JSON', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 13; i++) rng.next();
    rng.normal(); // leaves a spare normal in the state
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    expect(saved.spareNormal).not.toBeNull();
    const expected = [rng.normal(), rng.next(), rng.int(1000), rng.normal(), rng.nextUint32()];
    const resumed = Rng.fromState(saved);
    expect([resumed.normal(), resumed.next(), resumed.int(1000), resumed.normal(), resumed.nextUint32()]).toEqual(expected);
    const other = new Rng(999);
    other.setState(saved);
    expect(other.normal()).toBe(expected[0]);
  });

  it('validates states handed to setState', () => {
    const rng = new Rng(1);
    expect(() => rng.setState({ words: [0, 0, 0, 0], spareNormal: null })).toThrow(/all-zero/);
    expect(() => rng.setState({ words: [1, 2, 3, 2 ** 32], spareNormal: null })).toThrow(/unsigned 32-bit/);
    expect(() => rng.setState({ words: [1, 2, 3] as unknown as [number, number, number, number], spareNormal: null })).toThrow(/four/);
  });

  it('clone continues the same sequence without touching the original', () => {
    const rng = new Rng(3);
    rng.next();
    const copy = rng.clone();
    const fromCopy = Array.from({ length: 20 }, () => copy.next());
    expect(Array.from({ length: 20 }, () => rng.next())).toEqual(fromCopy);
  });

  it('fork gives reproducible, independent streams and leaves the parent alone', () => {
    const parent = new Rng(11);
    const before = parent.getState();
    const childA = parent.fork(1);
    const childA2 = parent.fork(1);
    const childB = parent.fork('worker-2');
    expect(parent.getState()).toEqual(before);
    const seqA = Array.from({ length: 50 }, () => childA.nextUint32());
    expect(Array.from({ length: 50 }, () => childA2.nextUint32())).toEqual(seqA);
    const seqB = Array.from({ length: 50 }, () => childB.nextUint32());
    const seqParent = Array.from({ length: 50 }, () => parent.nextUint32());
    expect(seqB.filter((x, i) => x === seqA[i]).length).toBeLessThan(2);
    expect(seqParent.filter((x, i) => x === seqA[i]).length).toBeLessThan(2);
    // Independence: the correlation between two forked float streams is statistically zero (|r| < 4/sqrt(n)).
    const n = 20000;
    const x = parent.fork('x');
    const y = parent.fork('y');
    let sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < n; i++) {
      const a = x.next(), b = y.next();
      sx += a; sy += b; sxy += a * b; sxx += a * a; syy += b * b;
    }
    const r = (sxy / n - (sx / n) * (sy / n)) / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
    expect(Math.abs(r)).toBeLessThan(4 / Math.sqrt(n));
  });
});

describe('Rng distributions (statistical sanity over 1e5 draws)', () => {
  const N = 100_000;

  it('next() is uniform on [0,1): mean 1/2, variance 1/12', () => {
    const rng = new Rng(2024);
    let sum = 0, sumSq = 0, min = 1, max = 0;
    for (let i = 0; i < N; i++) {
      const u = rng.next();
      sum += u; sumSq += u * u; min = Math.min(min, u); max = Math.max(max, u);
    }
    const mean = sum / N;
    const variance = sumSq / N - mean * mean;
    // Standard error of the mean is sqrt(1/12/N) ≈ 9.1e-4; allow 5σ.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    // Var of the sample variance for U(0,1): (1/80 − 1/144)/N → SE ≈ 2.4e-4; allow 5σ.
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / N));
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });

  it('normal(mean, std) has the requested mean, variance, and Gaussian tails', () => {
    const rng = new Rng(5);
    let sum = 0, sumSq = 0, beyond2 = 0, sumFourth = 0;
    for (let i = 0; i < N; i++) {
      const z = rng.normal();
      sum += z; sumSq += z * z; sumFourth += z ** 4;
      if (Math.abs(z) > 2) beyond2++;
    }
    const mean = sum / N;
    const variance = sumSq / N - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    // Kurtosis of a Gaussian is 3 (Var of the estimator ≈ 96/N).
    expect(Math.abs(sumFourth / N - 3)).toBeLessThan(5 * Math.sqrt(96 / N));
    // P(|Z| > 2) = 0.04550 (standard normal table).
    const p = 0.0455;
    expect(Math.abs(beyond2 / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));

    const shifted = new Rng(6);
    let s = 0, ss = 0;
    for (let i = 0; i < N; i++) {
      const z = shifted.normal(3, 0.5);
      s += z; ss += z * z;
    }
    expect(Math.abs(s / N - 3)).toBeLessThan(5 * 0.5 / Math.sqrt(N));
    expect(Math.abs(ss / N - (s / N) ** 2 - 0.25)).toBeLessThan(5 * 0.25 * Math.sqrt(2 / N));
  });

  it('int(10) passes a chi-square test for uniformity', () => {
    const rng = new Rng(77);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < N; i++) counts[rng.int(10)]!++;
    const expected = N / 10;
    const chiSquare = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // Critical value of χ² with 9 degrees of freedom at p = 0.001 is 27.877 (standard table).
    expect(chiSquare).toBeLessThan(27.877);
  });

  it('int handles sizes that do not divide 2^32 without bias and rejects bad sizes', () => {
    const rng = new Rng(8);
    // n = 3·2^30: a naive `uint32 % n` would make the lowest 2^30 values twice as likely as the rest,
    // so the first third of the range would get 1/2 of the draws instead of 1/3.
    const n = 3 * 2 ** 30;
    let lowThird = 0;
    const draws = 30000;
    for (let i = 0; i < draws; i++) if (rng.int(n) < 2 ** 30) lowThird++;
    expect(Math.abs(lowThird / draws - 1 / 3)).toBeLessThan(5 * Math.sqrt((1 / 3) * (2 / 3) / draws));
    expect(rng.int(1)).toBe(0);
    expect(() => rng.int(0)).toThrow(/n must be/);
    expect(() => rng.int(2.5)).toThrow(/n must be/);
  });

  it('choice samples a categorical distribution in proportion to its weights', () => {
    const rng = new Rng(99);
    const weights = [0.1, 0, 0.6, 0.3];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) counts[rng.choice(weights)]!++;
    expect(counts[1]).toBe(0);
    // χ² over the three non-zero categories, 2 degrees of freedom, p = 0.001 critical value 13.816.
    const chiSquare = [0, 2, 3].reduce((acc, k) => acc + (counts[k]! - N * weights[k]!) ** 2 / (N * weights[k]!), 0);
    expect(chiSquare).toBeLessThan(13.816);
    // Unnormalised weights and typed arrays work the same way.
    expect(rng.choice(new Float32Array([0, 0, 5]))).toBe(2);
    expect(() => rng.choice([0, 0])).toThrow(/sum to zero/);
    expect(() => rng.choice([1, -1])).toThrow(/weight 1/);
    expect(() => rng.choice([1, Number.NaN])).toThrow(/weight 1/);
  });

  it('shuffle returns a permutation, reproducibly, with every position equally likely', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const a = new Rng(4).shuffle([...items]);
    const b = new Rng(4).shuffle([...items]);
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);

    // Where does element 0 of a 5-array land? Uniform over 5 positions: χ², 4 dof, p = 0.001 critical value 18.467.
    const rng = new Rng(12);
    const landing = [0, 0, 0, 0, 0];
    const trials = 50000;
    for (let t = 0; t < trials; t++) landing[rng.shuffle([0, 1, 2, 3, 4]).indexOf(0)]!++;
    const chiSquare = landing.reduce((acc, c) => acc + (c - trials / 5) ** 2 / (trials / 5), 0);
    expect(chiSquare).toBeLessThan(18.467);
  });
});
