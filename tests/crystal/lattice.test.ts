import { describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure, periodicDistance } from '../../shared/crystal/structure.ts';

describe('Lattice', () => {
  it('round-trips parameters for a triclinic cell and gives the textbook volume', () => {
    const [a, b, c, al, be, ga] = [5.1, 6.2, 7.3, 81, 97, 113];
    const lattice = Lattice.fromParameters(a, b, c, al, be, ga);
    expect(lattice.a).toBeCloseTo(a, 10);
    expect(lattice.b).toBeCloseTo(b, 10);
    expect(lattice.c).toBeCloseTo(c, 10);
    expect(lattice.alpha).toBeCloseTo(al, 9);
    expect(lattice.beta).toBeCloseTo(be, 9);
    expect(lattice.gamma).toBeCloseTo(ga, 9);
    // V = abc·sqrt(1 − cos²α − cos²β − cos²γ + 2 cosα cosβ cosγ)
    const [ca, cb, cg] = [al, be, ga].map((x) => Math.cos((x * Math.PI) / 180)) as [number, number, number];
    const expected = a * b * c * Math.sqrt(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg);
    expect(lattice.volume).toBeCloseTo(expected, 9);
  });

  it('converts fractional ↔ Cartesian and has a reciprocal lattice with a·a* = 1', () => {
    const lattice = Lattice.fromParameters(4, 5, 6, 70, 80, 100);
    const f: [number, number, number] = [0.1, -0.7, 1.3];
    const back = lattice.getFractionalCoords(lattice.getCartesianCoords(f));
    back.forEach((x, i) => expect(x).toBeCloseTo(f[i]!, 12));
    const r = lattice.reciprocalLatticeCrystallographic.matrix;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const d = lattice.matrix[i]!.reduce((s, x, k) => s + x * r[j]![k]!, 0);
        expect(d).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('rejects a degenerate cell', () => {
    expect(() => Lattice.fromParameters(1, 1, 1, 120, 120, 120)).toThrow();
    expect(() => Lattice.fromParameters(-1, 1, 1, 90, 90, 90)).toThrow(/parameter a/);
  });
});

describe('periodic distances', () => {
  it('finds the fcc nearest-neighbour distance a/√2 in a cubic cell', () => {
    const a = 3.615; // Cu
    const s = Structure.fromSpecies(Lattice.cubic(a), ['Cu', 'Cu', 'Cu', 'Cu'], [
      [0, 0, 0],
      [0.5, 0.5, 0],
      [0.5, 0, 0.5],
      [0, 0.5, 0.5],
    ]);
    expect(s.minimumDistance()).toBeCloseTo(a / Math.SQRT2, 10);
  });

  it('is correct in a strongly skewed cell, matching a brute-force search over many images', () => {
    // The same simple-cubic lattice described by a very oblique basis: a, b, c = (1,0,0), (7,1,0), (3,5,1).
    const lattice = new Lattice([
      [1, 0, 0],
      [7, 1, 0],
      [3, 5, 1],
    ]);
    const s = Structure.fromSpecies(lattice, ['Fe'], [[0, 0, 0]]);
    expect(s.minimumDistance()).toBeCloseTo(1, 10);
    const p: [number, number, number] = [0.13, 0.41, 0.77];
    const q: [number, number, number] = [0.92, 0.05, 0.3];
    let brute = Infinity;
    // In this basis short vectors need large integer coefficients (e.g. (0,0,1) = c − 5b + 32a), so search widely.
    for (let i = -45; i <= 45; i++)
      for (let j = -8; j <= 8; j++)
        for (let k = -2; k <= 2; k++) {
          const cart = lattice.getCartesianCoords([q[0] - p[0] + i, q[1] - p[1] + j, q[2] - p[2] + k]);
          brute = Math.min(brute, Math.hypot(...cart));
        }
    expect(periodicDistance(lattice, p, q)).toBeCloseTo(brute, 10);
  });
});
