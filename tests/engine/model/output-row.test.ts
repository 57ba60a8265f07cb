/**
 * The output-row layout that the likelihood graph, the sampler and MCMC share: every prediction fits in the row the
 * network emits (crystalformer.md §2.3: width max(119 + 13·K_l, 3·K_x, 28)), the head's parts tile it without gaps,
 * and the view reads what it says (κ = log(1 + e^raw), rows kept in the order asked). That the sampler's numbers match
 * the likelihood graph through this view is tests/engine/sample/sampler.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_PRESETS, outputSize } from '../../../electron/engine/model/config.ts';
import { OutputRows, outputLayout } from '../../../electron/engine/model/output-row.ts';

describe('output row layout', () => {
  for (const config of Object.values(MODEL_PRESETS)) {
    it(`fits and tiles the row of the ${config.name} configuration`, () => {
      const layout = outputLayout(config);
      const width = outputSize(config);
      for (const [start, end] of Object.values(layout)) {
        expect(start).toBeGreaterThanOrEqual(0);
        expect(end).toBeLessThanOrEqual(width);
      }
      expect(layout.wyckoffLogits[1] - layout.wyckoffLogits[0]).toBe(28);
      expect(layout.atomLogits[1] - layout.atomLogits[0]).toBe(119);
      // The lattice head follows the atom logits and is logits, means, raw σ back to back.
      expect(layout.lattice[0]).toBe(layout.atomLogits[1]);
      expect([layout.latticeLogits[0], layout.latticeLogits[1], layout.latticeMeans[1], layout.latticeRawSigma[1]]).toEqual([
        layout.lattice[0],
        layout.latticeMeans[0],
        layout.latticeRawSigma[0],
        layout.lattice[1],
      ]);
      expect(layout.latticeMeans[1] - layout.latticeMeans[0]).toBe(6 * config.latticeComponents);
      expect([layout.coordinateLogits[0], layout.coordinateLogits[1], layout.coordinateMu[1], layout.coordinateRawKappa[1]]).toEqual([
        layout.coordinate[0],
        layout.coordinateMu[0],
        layout.coordinateRawKappa[0],
        layout.coordinate[1],
      ]);
    });
  }

  it('reads a coordinate mixture and keeps rows in the order asked', () => {
    const config = { coordComponents: 3, latticeComponents: 2 };
    const width = 119 + 13 * 2;
    const data = Float32Array.from({ length: 3 * width }, (_, i) => Math.sin(i) * 4);
    const rows = OutputRows.of(data, width, config);
    const mixture = rows.coordinateMixture(1);
    expect(Array.from(mixture.logits)).toEqual(Array.from(data.subarray(width, width + 3)));
    expect(Array.from(mixture.mu)).toEqual(Array.from(data.subarray(width + 3, width + 6)));
    mixture.kappa.forEach((kappa, c) => expect(kappa).toBeCloseTo(Math.log(1 + Math.exp(data[width + 6 + c]!)), 12));
    expect(rows.coordinateComponent(1, 2)).toEqual({ mu: data[width + 5]!, kappa: mixture.kappa[2]! });
    const kept = rows.keep([2, 0]);
    expect(Array.from(kept.data)).toEqual([...data.subarray(2 * width, 3 * width), ...data.subarray(0, width)]);
    expect(kept.atomLogits(1)).toBe(width);
    expect(OutputRows.firstWyckoff(new Float32Array(2 * 28), config).wyckoffLogits(1)).toBe(28);
  });
});
