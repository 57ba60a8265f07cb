// A shipped predictor gives a crystal the same value, to the last bit, whatever else is in the call: a reward that
// scores 2,000 candidates at once must agree with one that scores 500 (electron/predictors/onnx-predictor.ts,
// RUN_ROW_MULTIPLE). Before, a run padded to its largest crystal and sized by what was left over gave float32
// results that moved with the other crystals of the run.
import { describe, expect, it } from 'vitest';
import type { WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { OnnxPropertyPredictor } from '../../electron/predictors/onnx-predictor.ts';
import { shippedModelDir } from '../../electron/predictors/properties.ts';
import { hasShippedPredictor } from '../../electron/predictors/registry.ts';

const ELEMENTS = ['Li', 'Na', 'K', 'Mg', 'Ca', 'Ba', 'Al', 'Ti', 'Zn', 'Si', 'O', 'S', 'F', 'Cl', 'N', 'Se'];

/** Cheap, varied inputs: P1 crystals of 1–12 sites (all letter a), seeded — unlike ./fixtures.ts randomCrystals (a few prototypes of 1–3 sites), every site count 1–12 occurs, which is what padding would disturb. */
function randomP1Crystals(count: number, seed: number): WyckoffDescription[] {
  let state = seed >>> 0;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => {
    const n = 1 + Math.floor(rand() * 12);
    return {
      spaceGroup: 1,
      lattice: { a: 3 + 5 * rand(), b: 3 + 5 * rand(), c: 3 + 5 * rand(), alpha: 80 + 20 * rand(), beta: 80 + 20 * rand(), gamma: 80 + 20 * rand() },
      sites: Array.from({ length: n }, () => ({ letter: 'a', species: ELEMENTS[Math.floor(rand() * ELEMENTS.length)]!, frac: [rand(), rand(), rand()] as [number, number, number] })),
    };
  });
}

const shipped = hasShippedPredictor('band_gap') && hasShippedPredictor('dielectric_total');

describe.skipIf(!shipped)('shipped predictors, batch independence', () => {
  it('a call on 300 crystals (many runs) gives bit-identical values to calls on small slices, to runs of 1 and of 7, for band_gap and dielectric_total', async () => {
    const crystals = randomP1Crystals(300, 20_240_611);
    for (const name of ['band_gap', 'dielectric_total'] as const) {
      const predictor = await OnnxPropertyPredictor.load(shippedModelDir(name));
      const alone = await OnnxPropertyPredictor.load(shippedModelDir(name), { batchSize: 1 });
      const sevens = await OnnxPropertyPredictor.load(shippedModelDir(name), { batchSize: 7 });
      try {
        const all = Array.from(await predictor.predictDescriptions(crystals));
        expect(all.every(Number.isFinite), name).toBe(true);
        const slices: number[] = [];
        for (let start = 0; start < crystals.length; start += 5) slices.push(...(await predictor.predictDescriptions(crystals.slice(start, start + 5))));
        expect(slices, `${name}: slices of 5`).toStrictEqual(all);
        expect(Array.from(await alone.predictDescriptions(crystals)), `${name}: batchSize 1`).toStrictEqual(all);
        expect(Array.from(await sevens.predictDescriptions(crystals)), `${name}: batchSize 7`).toStrictEqual(all);
        const reversed = Array.from(await predictor.predictDescriptions([...crystals].reverse())).reverse();
        expect(reversed, `${name}: reversed order`).toStrictEqual(all);
      } finally {
        await Promise.all([predictor.close(), alone.close(), sevens.close()]);
      }
    }
  });
});
