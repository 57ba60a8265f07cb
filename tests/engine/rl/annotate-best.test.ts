// The `annotateBest` hook of runFinetuning (relaxed E_hull of the best candidates, electron/rewards/relaxed-best.ts):
// called once when a run ends, its annotations reach best/best.jsonl and the checkpoint, and a resume with nothing
// left to do neither relaxes again what is annotated nor skips what is not. Tiny random model, a reward on the
// number of sites (no potential needed: the annotator here is a recording stand-in; the real one is tested in
// tests/rewards/relaxed-best.test.ts).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { DEFAULT_FINETUNE, type BestCandidate, type FinetuneConfig, runFinetuning } from '../../../electron/engine/rl/finetune.ts';
import { createRewardFunction, PredictorRegistry, type RewardSpec } from '../../../electron/rewards/index.ts';
import { TINY_SPACE_GROUPS, writeTinyModel } from './tiny-model.ts';

let dir: string;
let modelDir: string;

beforeAll(async () => {
  await initSymmetry();
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-rl-annotate-'));
  modelDir = join(dir, 'tiny-model');
  writeTinyModel(modelDir);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function sitesRegistry(): PredictorRegistry {
  const registry = new PredictorRegistry();
  registry.register({ name: 'sites', unit: '', predict: async (batch) => Float64Array.from(batch, (c) => c.structure.numSites) });
  return registry;
}

const spec: RewardSpec = { version: 1, name: 'sites', reward: { kind: 'predictor', predictor: 'sites' }, penalty: 0 };
const config: FinetuneConfig = { ...DEFAULT_FINETUNE, steps: 2, batchSize: 12, ppoEpochs: 1, spaceGroups: TINY_SPACE_GROUPS, seed: 2, checkpointEverySteps: 1, keepBest: 4 };

describe('runFinetuning annotateBest', () => {
  it('annotates the best list once at the end; best.jsonl and a resume keep the values', async () => {
    const out = join(dir, 'run');
    const calls: number[] = [];
    // A stand-in for the relaxation: E_hull = reward / 100, and null for the last candidate (a failed relaxation).
    const annotateBest = async (best: BestCandidate[]) => {
      calls.push(best.filter((c) => c.relaxedEHull === undefined).length);
      best.forEach((c, i) => (c.relaxedEHull = i === best.length - 1 ? null : c.reward / 100));
      return true;
    };
    const result = await runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: sitesRegistry() }), outDir: out, config, log: () => {}, annotateBest });
    expect(result.best.length).toBeGreaterThan(1);
    expect(calls).toEqual([result.best.length]);
    const lines = (await readFile(join(out, 'best', 'best.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { reward: number; relaxedEHull: number | null });
    expect(lines.map((l) => l.relaxedEHull)).toEqual(result.best.map((c, i) => (i === result.best.length - 1 ? null : c.reward / 100)));

    // Resumed with no steps left: the checkpoint holds the annotations, so nothing is relaxed again.
    const again: number[] = [];
    const resumed = await runFinetuning({
      model: modelDir,
      reward: spec,
      createReward: (s) => createRewardFunction(s, { predictors: sitesRegistry() }),
      outDir: out,
      config,
      resume: true,
      log: () => {},
      annotateBest: async (best) => {
        again.push(best.length);
        return false;
      },
    });
    expect(again).toEqual([]);
    expect(resumed.best.map((c) => c.relaxedEHull)).toEqual(lines.map((l) => l.relaxedEHull));

    // A run that ended without an annotator gets its best list annotated by a resume with nothing left to do.
    const plain = join(dir, 'run-plain');
    await runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: sitesRegistry() }), outDir: plain, config, log: () => {} });
    const late: number[] = [];
    const annotated = await runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: sitesRegistry() }), outDir: plain, config, resume: true, log: () => {}, annotateBest: async (best) => {
      late.push(best.length);
      for (const c of best) c.relaxedEHull = 0;
      return true;
    } });
    expect(late).toEqual([annotated.best.length]);
    const plainLines = (await readFile(join(plain, 'best', 'best.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { relaxedEHull?: number });
    expect(plainLines.every((l) => l.relaxedEHull === 0)).toBe(true);
  }, 300_000);
});
