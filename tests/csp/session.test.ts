/**
 * electron/csp/session.ts, the pieces `cfstudio csp` and the csp job share: which potential ranks (a missing default
 * folder means the log-likelihood, or an error when relaxation is asked for; a folder given must load), and the
 * space-group choice (the prior kept for 'prior' and for groups the user gave; the model's posterior otherwise).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { type LoadedModel, loadModel } from '../../electron/engine/model/files.ts';
import { CrystalSampler } from '../../electron/engine/sample/sampler.ts';
import { planStructurePrediction } from '../../electron/csp/plan.ts';
import { chooseSpaceGroups, openCspPotential } from '../../electron/csp/session.ts';

let model: LoadedModel;
let sampler: CrystalSampler;
const empty = mkdtempSync(join(tmpdir(), 'cfstudio-csp-session-'));
const missing = join(empty, 'no-potential-here');
beforeAll(async () => {
  await initSymmetry();
  model = await loadModel('default');
  sampler = await CrystalSampler.create(model.config, model.params);
});
afterAll(async () => {
  await sampler?.release();
  rmSync(empty, { recursive: true, force: true });
});

describe('openCspPotential', () => {
  it('a missing default folder: no potential, and a note saying the ranking is by log-likelihood', async () => {
    const energy = await openCspPotential({ dir: missing, given: false, relax: false });
    expect(energy.potential).toBeNull();
    expect(energy.stability).toBeUndefined();
    expect(energy.note).toBe(`no potential at ${missing}: ranking by the model's log-likelihood`);
  });

  it('a missing default folder with relaxation asked for: a one-line error naming the folder', async () => {
    await expect(openCspPotential({ dir: missing, given: false, relax: true })).rejects.toThrow(`relaxation needs a potential: ${missing} is missing`);
  });

  it('a folder given must load: a missing one is an error, not a silent fallback', async () => {
    await expect(openCspPotential({ dir: missing, given: true, relax: false })).rejects.toThrow(`${missing}: no such potential folder`);
  });
});

describe('chooseSpaceGroups', () => {
  it("keeps the prior for 'prior' and for given groups; weighs by the model otherwise", async () => {
    const prior = planStructurePrediction({ formula: 'NaCl', zs: [4], spaceGroupCounts: model.card.spaceGroupCounts });
    expect(prior.groups.length).toBeGreaterThan(1);
    expect(await chooseSpaceGroups(sampler, prior, { mode: 'prior', seed: 0 })).toBe(prior);
    const given = planStructurePrediction({ formula: 'NaCl', zs: [4], spaceGroups: [225, 221], spaceGroupCounts: model.card.spaceGroupCounts });
    expect(await chooseSpaceGroups(sampler, given, { mode: 'model', seed: 0 })).toBe(given);
    const posterior = await chooseSpaceGroups(sampler, prior, { mode: 'model', perGroup: 2, seed: 0 });
    expect(posterior.groupChoice).toBe('model');
    expect(posterior.groups.reduce((sum, g) => sum + g.weight, 0)).toBeCloseTo(1, 9);
    for (const g of posterior.groups) expect(prior.groups.some((p) => p.group === g.group)).toBe(true);
  }, 300_000);
});
