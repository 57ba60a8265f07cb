import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { crystalSystemFromNumber, freeLatticeParameters, symmetrizeLatticeParameters } from '../../shared/symmetry/lattice-rules.ts';
import { crystalSystemOf } from '../../shared/symmetry/spacegroups.ts';

beforeAll(async () => {
  await initSymmetry();
});

const skewed = { a: 4.1, b: 4.3, c: 5.2, alpha: 88, beta: 101, gamma: 118 };

describe('lattice rules per crystal system (crystalformer.md §1.6)', () => {
  it('cubic: b = c = a, right angles', () => {
    expect(symmetrizeLatticeParameters(225, skewed)).toEqual({ a: 4.1, b: 4.1, c: 4.1, alpha: 90, beta: 90, gamma: 90 });
    expect(freeLatticeParameters(225)).toEqual([true, false, false, false, false, false]);
  });
  it('hexagonal and trigonal (R on hexagonal axes): b = a, γ = 120°', () => {
    for (const g of [166, 148, 194, 143]) {
      expect(symmetrizeLatticeParameters(g, skewed)).toEqual({ a: 4.1, b: 4.1, c: 5.2, alpha: 90, beta: 90, gamma: 120 });
      expect(freeLatticeParameters(g)).toEqual([true, false, true, false, false, false]);
    }
  });
  it('tetragonal: b = a, right angles', () => {
    expect(symmetrizeLatticeParameters(139, skewed)).toEqual({ a: 4.1, b: 4.1, c: 5.2, alpha: 90, beta: 90, gamma: 90 });
    expect(freeLatticeParameters(75)).toEqual([true, false, true, false, false, false]);
  });
  it('orthorhombic: right angles, lengths free', () => {
    expect(symmetrizeLatticeParameters(62, skewed)).toEqual({ a: 4.1, b: 4.3, c: 5.2, alpha: 90, beta: 90, gamma: 90 });
    expect(freeLatticeParameters(16)).toEqual([true, true, true, false, false, false]);
  });
  it('monoclinic (unique axis b): α = γ = 90°, β free', () => {
    expect(symmetrizeLatticeParameters(14, skewed)).toEqual({ a: 4.1, b: 4.3, c: 5.2, alpha: 90, beta: 101, gamma: 90 });
    expect(freeLatticeParameters(3)).toEqual([true, true, true, false, true, false]);
    expect(freeLatticeParameters(15)).toEqual([true, true, true, false, true, false]);
  });
  it('triclinic: untouched', () => {
    expect(symmetrizeLatticeParameters(2, skewed)).toEqual(skewed);
    expect(freeLatticeParameters(1)).toEqual([true, true, true, true, true, true]);
  });
  it('number ranges agree with moyo for all 230 groups', () => {
    for (let g = 1; g <= 230; g++) expect(crystalSystemFromNumber(g)).toBe(crystalSystemOf(g));
  });
  it('boundaries of the ranges and bad numbers', () => {
    expect(freeLatticeParameters(74)[1]).toBe(true);
    expect(freeLatticeParameters(142)[1]).toBe(false);
    expect(freeLatticeParameters(194)[2]).toBe(true);
    expect(freeLatticeParameters(195)[2]).toBe(false);
    expect(() => freeLatticeParameters(0)).toThrow(/1…230/);
  });
});
