/**
 * The csp pipeline (electron/csp/predict.ts) on a case where the builder merges atoms: LiS4 over the groups the
 * plan picks draws (seed 0) a structurally valid crystal in P6_3/mcm (193-b-Li-d-S-g-S-g-S-g-Li-h-S-h-S) whose
 * built cell has Li8S24 though its tokens have Li8S32 (sites sampled onto one position). Such crystals are left
 * out (counted in `merged`), never ranked, never an error; every ranked candidate has the formula in its built cell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Composition } from '../../shared/crystal/composition.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { loadModel, type LoadedModel } from '../../electron/engine/model/files.ts';
import { CrystalSampler } from '../../electron/engine/sample/sampler.ts';
import { planStructurePrediction } from '../../electron/csp/plan.ts';
import { predictStructures } from '../../electron/csp/predict.ts';

let model: LoadedModel;
let sampler: CrystalSampler;
beforeAll(async () => {
  await initSymmetry();
  model = await loadModel('default');
  sampler = await CrystalSampler.create(model.config, model.params);
});
afterAll(async () => {
  await sampler?.release();
});

describe('predictStructures', () => {
  it('leaves out crystals whose atoms merged when built, and ranks only exact formulas', async () => {
    const plan = planStructurePrediction({ formula: 'LiS4', zs: [2, 4, 6, 8], spaceGroupCounts: model.card.spaceGroupCounts });
    const result = await predictStructures(plan, { sampler, count: 50, seed: 0, potential: null, relax: null });
    expect(result.sampled).toBe(50);
    expect(result.merged).toBeGreaterThanOrEqual(1);
    expect(result.ranking).toBe('log-likelihood');
    expect(result.candidates.length).toBeGreaterThan(0);
    for (const c of result.candidates) {
      const composition = Composition.fromStructure(c.structure);
      expect(composition.amount('Li') * 4).toBe(composition.amount('S'));
      expect(composition.amount('Li')).toBe(c.z);
      expect(c.count).toBeGreaterThanOrEqual(1);
    }
    // Distinct candidates account for every ranked sample, most likely first.
    expect(result.candidates.reduce((n, c) => n + c.count, 0)).toBe(result.structurallyValid - result.merged);
    for (let i = 1; i < result.candidates.length; i++) expect(result.candidates[i]!.logp).toBeLessThanOrEqual(result.candidates[i - 1]!.logp);
  });
});
