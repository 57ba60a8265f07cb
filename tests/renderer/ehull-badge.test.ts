// The E_hull colour scale of the results grid and the library: green (hue 120°) at or below the hull, red (0°) at
// 0.2 eV/atom and above, the hue falling monotonically in between.
import { describe, expect, it } from 'vitest';
import { EHULL_SCALE, eHullColour } from '../../renderer/src/views/EHullBadge.tsx';

const hue = (colour: string) => Number(/^hsl\((\d+),/.exec(colour)?.[1]);

describe('E_hull colour scale', () => {
  it('is green at or below 0, red at or above 0.2 eV/atom, and falls monotonically between', () => {
    expect(EHULL_SCALE).toEqual({ green: 0, red: 0.2 });
    for (const e of [-1, -0.05, 0]) expect(hue(eHullColour(e))).toBe(120);
    for (const e of [0.2, 0.5, 3]) expect(hue(eHullColour(e))).toBe(0);
    expect(hue(eHullColour(0.1))).toBe(60);
    const hues = Array.from({ length: 21 }, (_, k) => hue(eHullColour(k * 0.01)));
    for (let k = 1; k < hues.length; k++) expect(hues[k]!).toBeLessThanOrEqual(hues[k - 1]!);
  });
});
