import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { wyckoffPosition } from '../../../shared/symmetry/spacegroups.ts';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { annealingTemperature, defaultAllowedElements, movableSites, parseTemplate, resolveTemplate } from '../../../electron/engine/mcmc/index.ts';

beforeAll(async () => {
  await initSymmetry();
});

describe('MCMC template', () => {
  it("maps the double perovskite A2BB'O6 onto Fm-3m 4a, 4b, 8c, 24e (ITA: B 0,0,0; B' ½,½,½; A ¼,¼,¼; O x,0,0)", () => {
    const t = resolveTemplate(parseTemplate('a:?, b:?, c:?, e:O', 225));
    expect(t.letters).toEqual(['a', 'b', 'c', 'e']);
    expect(t.wyckoff).toEqual([1, 2, 3, 5]);
    expect(t.fixedElement).toEqual([null, null, null, 8]);
    // Multiplicities 4 : 4 : 8 : 24 = B : B' : A2 : O6 per formula unit, Z = 4 in the conventional cell.
    expect(t.letters.map((l) => wyckoffPosition(225, l).multiplicity)).toEqual([4, 4, 8, 24]);
    expect(t.letters.map((l) => wyckoffPosition(225, l).coordinates.replace(/\s/g, ''))).toEqual(['0,0,0', '1/2,1/2,1/2', '1/4,1/4,1/4', 'x,0,0']);
    // Only the O site has a free parameter (x); the others are fixed points.
    expect(t.freeParameters).toEqual([
      [false, false, false],
      [false, false, false],
      [false, false, false],
      [true, false, false],
    ]);
    expect(movableSites(t)).toEqual([0, 1, 2, 3]);
    const allowed = defaultAllowedElements();
    expect(t.allowed[0]).toEqual(allowed);
    for (const z of [2, 10, 18, 36, 54, 86, 43, 61, 84, 92]) expect(allowed).not.toContain(z);
    expect(allowed).toContain(atomicNumber('Ba'));
  });

  it('reads per-site element sets, fixed coordinates with fractions, and rejects coordinates off the form', () => {
    const t = resolveTemplate(parseTemplate('c:Ba|Sr , e:O@0.24,0,0', 225));
    expect(t.allowed[0]).toEqual([38, 56]);
    expect(t.fixedCoords[1]).toEqual([0.24, 0, 0]);
    expect(movableSites(t)).toEqual([0]);
    const quarter = resolveTemplate(parseTemplate('e:O@1/4,0,0', 225));
    expect(quarter.fixedCoords[0]).toEqual([0.25, 0, 0]);
    expect(() => resolveTemplate(parseTemplate('e:O@0.24,0.1,0', 225))).toThrow(/site 1 \(e\).*not on the position's form \(x,0,0\)/);
  });

  it('rejects bad templates with messages that name the site', () => {
    expect(() => parseTemplate('', 225)).toThrow(/empty/);
    expect(() => parseTemplate('a:Xx', 225)).toThrow(/site 1.*'Xx' is not an element/);
    expect(() => parseTemplate('a:?;b:?', 225)).toThrow(/template/);
    expect(() => resolveTemplate(parseTemplate('a:?,m:O', 225))).toThrow(/site 2 \(m\).*no Wyckoff position 'm'/);
    expect(() => resolveTemplate(parseTemplate('b:?,a:O', 225))).toThrow(/site 2 \(a\): letters must not decrease/);
    expect(() => resolveTemplate(parseTemplate('a:?,a:O', 225))).toThrow(/no free coordinate/);
    expect(() => resolveTemplate(parseTemplate('a:?', 231))).toThrow(/231/);
    expect(() => resolveTemplate({ ...parseTemplate('a:Na,b:Cl', 225), ties: [[0, 1]] })).toThrow(/tie 1:2.*different fixed elements/);
    expect(() => resolveTemplate({ ...parseTemplate('a:Na|K,b:Cl|Br', 225), ties: [[0, 1]] })).toThrow(/no allowed element in common/);
    expect(() => resolveTemplate({ ...parseTemplate('a:?,b:?', 225), ties: [[1, 0]] })).toThrow(/tie 2:1/);
  });

  it('ties: the tied site follows its root, sets intersect, a fixed tied element fixes the root', () => {
    const t = resolveTemplate({ ...parseTemplate('a:Na|K|Rb,b:K|Rb|Cs,c:?', 225), ties: [[0, 1]] });
    expect(t.allowed[0]).toEqual([19, 37]);
    expect(t.tiedTo).toEqual([null, 0, null]);
    expect(movableSites(t)).toEqual([0, 2]);
    const fixed = resolveTemplate({ ...parseTemplate('a:?,b:Cl', 225), ties: [[0, 1]] });
    expect(fixed.fixedElement).toEqual([17, 17]);
    expect(movableSites(fixed)).toEqual([]);
  });

  it('annealing schedules hit both ends; 1/T is linear for inverse-linear, log T for geometric', () => {
    for (const s of ['inverse-linear', 'geometric'] as const) {
      expect(annealingTemperature(0, 11, 10, 1, s)).toBeCloseTo(10, 12);
      expect(annealingTemperature(10, 11, 10, 1, s)).toBeCloseTo(1, 12);
    }
    expect(1 / annealingTemperature(5, 11, 10, 1, 'inverse-linear')).toBeCloseTo((0.1 + 1) / 2, 12);
    expect(annealingTemperature(5, 11, 10, 1, 'geometric')).toBeCloseTo(Math.sqrt(10), 12);
    expect(annealingTemperature(0, 1, 10, 1, 'geometric')).toBe(1);
  });
});
