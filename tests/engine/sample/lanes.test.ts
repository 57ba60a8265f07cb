/**
 * Sampling split into lanes (worker threads that each decode part of every batch) gives the crystals one thread gives
 * for the same seed (every crystal has its own random stream), to the float32 rounding of onnxruntime's kernels, and
 * exactly the same crystals every time for the same number of lanes. Also: the row split, and new weights reaching
 * the lanes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { Rng } from '../../../shared/random.ts';
import { type LoadedModel, loadModel } from '../../../electron/engine/model/files.ts';
import { ParameterStore } from '../../../electron/engine/params.ts';
import { CrystalSampler, type SampledCrystal, type SamplerTiming, crystalStreams } from '../../../electron/engine/sample/sampler.ts';
import { MIN_ROWS_PER_LANE, laneRanges } from '../../../electron/engine/sample/lanes.ts';
import type { SamplingConditions } from '../../../electron/engine/sample/conditions.ts';

let model: LoadedModel;
// Each lane builds its own decode sessions: a few seconds on an idle machine, far more on the shared one.

beforeAll(async () => {
  await initSymmetry();
  model = await loadModel('default');
});

async function draw(sampler: CrystalSampler, conditions: SamplingConditions, count: number, seed: number, batchSize: number, timing?: SamplerTiming): Promise<SampledCrystal[]> {
  const out: SampledCrystal[] = [];
  for await (const c of sampler.sample(conditions, count, { seed, batchSize, ...(timing ? { timing } : {}) })) out.push(c);
  return out;
}

describe('sampling lanes', () => {
  it('split rows into contiguous near-equal parts of at least MIN_ROWS_PER_LANE, covering every row once', () => {
    expect(laneRanges(256, 2)).toEqual([
      [0, 128],
      [128, 256],
    ]);
    expect(laneRanges(100, 3)).toEqual([
      [0, 33],
      [33, 66],
      [66, 100],
    ]);
    expect(laneRanges(MIN_ROWS_PER_LANE * 2 - 1, 4)).toEqual([[0, MIN_ROWS_PER_LANE * 2 - 1]]);
    expect(laneRanges(5, 2)).toEqual([[0, 5]]);
  });

  it('give every crystal its own stream, advancing the batch generator by two draws per crystal', () => {
    const rng = new Rng(3);
    const streams = crystalStreams(rng, 4);
    expect(new Set(streams).size).toBe(4);
    for (const s of streams) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
    const reference = new Rng(3);
    for (let i = 0; i < 8; i++) reference.nextUint32();
    expect(rng.nextUint32()).toBe(reference.nextUint32());
  });

  it('give the crystals of one thread for the same seed, to the float32 rounding of the network, and the same ones every time', async () => {
    // The training distribution of space groups: crystals of every length, so rows leave the batch at different steps.
    const conditions: SamplingConditions = { spaceGroups: { kind: 'distribution', weights: model.card.spaceGroupCounts! } };
    const one = await CrystalSampler.create(model.config, model.params, { threads: 1 });
    const reference = await draw(one, conditions, 96, 11, 96);
    await one.release();
    expect(reference).toHaveLength(96);
    expect(new Set(reference.map((c) => c.numSites)).size).toBeGreaterThan(3);
    const lanes = await CrystalSampler.create(model.config, model.params, { threads: 2 });
    expect(lanes.threads).toBe(2);
    try {
      const split = await draw(lanes, conditions, 96, 11, 96);
      expect(await draw(lanes, conditions, 96, 11, 96)).toEqual(split);
      // onnxruntime can round a row's output differently (last bits of float32) depending on the rows beside it, so a
      // crystal's continuous draws may differ in the last digits and, very rarely, a discrete draw flips from there on.
      const tokens = (c: SampledCrystal) => [c.spaceGroup, c.numSites, ...c.wyckoff, ...c.atoms].join(',');
      const same = reference.filter((c, i) => tokens(c) === tokens(split[i]!));
      expect(same.length).toBeGreaterThanOrEqual(0.95 * reference.length);
      reference.forEach((c, i) => {
        if (tokens(c) !== tokens(split[i]!)) return;
        for (let j = 0; j < 3 * c.numSites; j++) expect(Math.abs(c.coords[j]! - split[i]!.coords[j]!)).toBeLessThan(1e-4);
        expect(Math.abs(c.logp.total - split[i]!.logp.total)).toBeLessThan(1e-3);
      });
    } finally {
      await lanes.release();
    }
  }, 900_000);

  it('use new weights from the next batch on, as lanes started with them do', async () => {
    const conditions: SamplingConditions = { spaceGroups: { kind: 'list', groups: [225, 62, 14] } };
    const changed = new ParameterStore();
    const rng = new Rng(1);
    for (const name of model.params.names()) changed.set(name, model.params.get(name).map((v) => v + 0.05 * rng.normal()), model.params.shape(name));
    const lanes = await CrystalSampler.create(model.config, model.params, { threads: 2 });
    const fresh = await CrystalSampler.create(model.config, changed, { threads: 2 });
    try {
      const before = await draw(lanes, conditions, 32, 5, 32);
      lanes.setParameters(changed);
      const after = await draw(lanes, conditions, 32, 5, 32);
      expect(after).toEqual(await draw(fresh, conditions, 32, 5, 32));
      expect(after).not.toEqual(before);
    } finally {
      await lanes.release();
      await fresh.release();
    }
  }, 900_000);
});
