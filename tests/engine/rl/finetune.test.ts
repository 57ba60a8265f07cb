/**
 * PPO fine-tuning (CrystalFormer-RL) on a tiny random model:
 *  - the loss the graph computes is the clipped surrogate with the KL penalty, checked against the formula in JS;
 *  - group advantages are the within-group z-scores;
 *  - a run raises a reward the policy can learn (the fraction of atoms with Z ≤ 20), measured on fresh samples, writes metrics, best CIFs and a
 *    loadable policy model;
 *  - the run packaged as a model folder scores with the policy's weights (standalone ONNX = evaluator) and records the run;
 *  - a run stopped and resumed gives the same numbers as one that ran straight through.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { wyckoffTables } from '../../../shared/tokens/index.ts';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { readStructureText } from '../../../shared/io/index.ts';
import { Rng } from '../../../shared/random.ts';
import { makeBatch, packTokens } from '../../../electron/engine/model/batch.ts';
import { buildStructure } from '../../../shared/symmetry/analyze.ts';
import { writeCifP1 } from '../../../shared/io/cif-writer.ts';
import { prepareDataset } from '../../../electron/data/prepare.ts';
import { loadDataset } from '../../../electron/engine/train/dataset.ts';
import { createSession } from '../../../electron/engine/runtime.ts';
import { exportFinetunedModel } from '../../../electron/engine/rl/export.ts';
import { loadModel } from '../../../electron/engine/model/files.ts';
import { CrystalSampler } from '../../../electron/engine/sample/sampler.ts';
import { buildSample } from '../../../electron/engine/sample/build.ts';
import { LikelihoodEvaluator, toOrtFeeds } from '../../../electron/engine/train/evaluate-nll.ts';
import { PpoUpdater, policyConfig } from '../../../electron/engine/rl/ppo.ts';
import { DEFAULT_FINETUNE, type FinetuneConfig, type FinetuneStepMetrics, groupAdvantages, miniBatchIndices, runFinetuning } from '../../../electron/engine/rl/finetune.ts';
import { createRewardFunction, PredictorRegistry, type RewardSpec } from '../../../electron/rewards/index.ts';
import { batchJudgeForSpec } from '../../../electron/rewards/guards.ts';
import { writeTinyModel } from './tiny-model.ts';

let dir: string;
let modelDir: string;

/** Fraction of the atoms in the cell with Z ≤ 20: a reward the policy can raise by moving its element logits. */
function lightAtomRegistry(): PredictorRegistry {
  const registry = new PredictorRegistry();
  registry.register({
    name: 'light_fraction',
    unit: '',
    predict: async (batch) => Float64Array.from(batch, (c) => c.structure.sites.filter((s) => atomicNumber(s.species) <= 20).length / Math.max(1, c.structure.numSites)),
  });
  return registry;
}

/** Mean light-atom fraction of 120 crystals sampled from a model (space groups 225, 221, 62 in turn). */
async function meanLightFraction(model: Awaited<ReturnType<typeof loadModel>>): Promise<number> {
  const sampler = await CrystalSampler.create(policyConfig(model.config), model.params, { threads: 1 });
  const groups = Int32Array.from({ length: 120 }, (_, i) => [225, 221, 62][i % 3]!);
  const samples = await sampler.sampleBatch(groups, { spaceGroups: { kind: 'list', groups: [225] } }, new Rng(99));
  await sampler.release();
  const fractions = samples.map((s) => {
    const structure = buildSample(s!, 1, null).structure;
    return structure ? structure.sites.filter((site) => atomicNumber(site.species) <= 20).length / structure.numSites : 0;
  });
  return fractions.reduce((a, b) => a + b, 0) / fractions.length;
}

const spec: RewardSpec = { version: 1, name: 'light atoms', reward: { kind: 'predictor', predictor: 'light_fraction' }, penalty: 0 };

beforeAll(async () => {
  await initSymmetry();
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-rl-'));
  modelDir = join(dir, 'tiny-model');
  writeTinyModel(modelDir);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('PPO objective', () => {
  it('is −mean(min(ρÂ, clip(ρ)Â)) with Â = A − β(log π − log π₀), ρ = exp(log π − log π_old)', async () => {
    const model = await loadModel(modelDir);
    const tables = wyckoffTables();
    const sampler = await CrystalSampler.create(policyConfig(model.config), model.params, { threads: 1 });
    const rng = new Rng(3);
    const samples = (await sampler.sampleBatch(Int32Array.of(225, 221, 62, 225, 221, 62), { spaceGroups: { kind: 'list', groups: [225] } }, rng)).filter((s) => s !== null);
    await sampler.release();
    const tokens = packTokens(samples);
    const evaluator = await LikelihoodEvaluator.create(policyConfig(model.config));
    const weights = new Map(model.params.names().map((n) => [n, model.params.get(n)]));
    const logp = Array.from((await evaluator.evaluate(tokens, tables, weights)).total, (nll) => -nll);
    await evaluator.release();

    const hyper = { clip: 0.2, beta: 0.3, clipNorm: 1 };
    // Old log-probabilities away from the current ones so that some ratios fall outside [0.8, 1.2] on both sides.
    const shifts = [0.5, -0.5, 0.1, -0.05, 0.3, -0.4];
    const priorShift = [0.2, -0.1, 0, 0.4, -0.3, 0.1];
    const advantage = [1, -2, 0.5, -0.5, 2, 1.5];
    const logpOld = Float32Array.from(logp, (l, i) => l - shifts[i]!);
    const logpPrior = Float32Array.from(logp, (l, i) => l - priorShift[i]!);
    const updater = await PpoUpdater.create(model.config, model.params, hyper, tables);
    const result = await updater.run(updater.feeds({ tokens, logpOld, logpPrior, advantage: Float32Array.from(advantage) }), 1e-6);
    await updater.release();

    const expected =
      -logp
        .map((l, i) => {
          const ratio = Math.exp(l - logpOld[i]!);
          const penalised = advantage[i]! - hyper.beta * (l - logpPrior[i]!);
          return Math.min(ratio * penalised, Math.min(Math.max(ratio, 0.8), 1.2) * penalised);
        })
        .reduce((a, b) => a + b, 0) / logp.length;
    expect(result.loss).toBeCloseTo(expected, 3);
    const clippedExpected = logp.filter((l, i) => Math.abs(Math.exp(l - logpOld[i]!) - 1) > hyper.clip).length / logp.length;
    expect(result.metrics.clipped).toBeCloseTo(clippedExpected, 5);
    expect(result.metrics.kl).toBeCloseTo(priorShift.reduce((a, b) => a + b, 0) / priorShift.length, 3);
  });

  it('cuts a batch into length-sorted mini-batches that cover every crystal once', () => {
    const parts = miniBatchIndices(Int32Array.of(5, 1, 9, 3, 3, 7, 2), 3);
    expect(parts.map((p) => p.length)).toEqual([2, 3, 2]);
    expect(parts.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(parts.map((p) => p.map((i) => [5, 1, 9, 3, 3, 7, 2][i]))).toEqual([[1, 2], [3, 3, 5], [7, 9]]);
  });

  it('standardises rewards within each space-group group', () => {
    const adv = groupAdvantages([1, 2, 3, 5, 5, 0, 4], [225, 225, 225, 62, 62, 12, 12]);
    const s = Math.sqrt(2 / 3); // population std of 1, 2, 3
    expect(Array.from(adv.slice(0, 3))).toEqual([expect.closeTo(-1 / s, 5), expect.closeTo(0, 5), expect.closeTo(1 / s, 5)]);
    expect(Array.from(adv.slice(3, 5))).toEqual([0, 0]); // equal rewards carry no signal
    expect(Array.from(adv.slice(5))).toEqual([expect.closeTo(-1, 5), expect.closeTo(1, 5)]);
  });
});

describe('runFinetuning', () => {
  const small: FinetuneConfig = {
    ...DEFAULT_FINETUNE,
    steps: 14,
    batchSize: 24,
    ppoEpochs: 3,
    learningRate: 3e-3,
    beta: 0.01,
    advantage: 'group',
    groupSize: 4,
    spaceGroups: [225, 221, 62],
    seed: 4,
    checkpointEverySteps: 2,
    keepBest: 5,
  };

  async function metricsOf(run: string): Promise<FinetuneStepMetrics[]> {
    return (await readFile(join(run, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as FinetuneStepMetrics);
  }

  it('raises the reward, stays near the prior, and writes metrics, best CIFs and a usable policy', async () => {
    const out = join(dir, 'run-learn');
    const result = await runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: lightAtomRegistry() }), outDir: out, config: small, log: () => {} });
    expect(result.status).toBe('finished');
    const metrics = await metricsOf(out);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    // Fresh samples from the prior and from the fine-tuned policy, same space groups and seed.
    const before = await meanLightFraction(await loadModel(modelDir));
    const after = await meanLightFraction(await loadModel(result.modelDir));
    expect(before).toBeLessThan(0.2);
    expect(after).toBeGreaterThan(before * 1.5);
    expect(metrics.slice(-4).reduce((s, m) => s + m.reward.mean, 0)).toBeGreaterThan(metrics.slice(0, 4).reduce((s, m) => s + m.reward.mean, 0));
    for (const m of metrics) {
      // Penalty 0, no constraints: reward = the term where the crystal could be built, 0 elsewhere.
      expect(m.terms.light_fraction).toBeGreaterThanOrEqual(m.reward.mean - 1e-9);
      expect(m.validity.valid).toBeGreaterThanOrEqual(0);
      expect(m.seconds.sample + m.seconds.reward + m.seconds.update).toBeLessThanOrEqual(m.seconds.total + 1e-6);
      expect(Number.isFinite(m.kl) && Number.isFinite(m.entropy)).toBe(true);
    }
    expect(metrics[0]!.kl).toBeCloseTo(0, 3); // the first batch comes from the prior itself
    // Best candidates: sorted, their CIFs parse, and their reward is the light fraction of the parsed structure.
    const bestLines = (await readFile(join(out, 'best', 'best.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file: string; reward: number });
    expect(bestLines.length).toBeGreaterThan(0);
    for (let i = 1; i < bestLines.length; i++) expect(bestLines[i]!.reward).toBeLessThanOrEqual(bestLines[i - 1]!.reward);
    const topFile = bestLines[0]!.file;
    const top = readStructureText(await readFile(join(out, 'best', topFile), 'utf8'), { fileName: topFile }).structure;
    expect(top.sites.filter((s) => atomicNumber(s.species) <= 20).length / top.numSites).toBeCloseTo(bestLines[0]!.reward, 6);
    // The policy folder loads as a model and samples.
    const policy = await loadModel(result.modelDir);
    expect(policy.card.name).toBe('tiny-test-rl');
    const sampler = await CrystalSampler.create(policy.config, policy.params, { threads: 1 });
    const again = await sampler.sampleBatch(Int32Array.of(225), { spaceGroups: { kind: 'list', groups: [225] } }, new Rng(1));
    await sampler.release();
    expect(again[0]?.numSites).toBeGreaterThan(0);

    // Packaged as a shipped model: the policy's weights, an ONNX graph that scores with them (not the prior's), the
    // run's record on the card, and the policy's validation NLL.
    const csv = join(dir, 'val.csv');
    const rows = ['material_id,cif'];
    for (const [i, [cation, anion, a]] of ([['Na', 'Cl', 5.64], ['Mg', 'O', 4.21], ['K', 'Br', 6.6], ['Ca', 'S', 5.69]] as const).entries()) {
      const cubic = { a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 };
      const cif = writeCifP1(buildStructure({ spaceGroup: 225, lattice: cubic, sites: [{ letter: 'a', species: cation, frac: [0, 0, 0] }, { letter: 'b', species: anion, frac: [0.5, 0.5, 0.5] }] }));
      rows.push(`r${i},"${cif.replaceAll('"', '""')}"`);
    }
    await writeFile(csv, rows.join('\n') + '\n');
    const valDir = join(dir, 'val-data');
    await prepareDataset({ inputs: [csv], outDir: valDir, valFraction: 1, workers: 0 });
    const shippedDir = join(dir, 'shipped');
    const card = await exportFinetunedModel(out, shippedDir, { name: 'tiny-shipped', validation: valDir });
    const shipped = await loadModel(shippedDir);
    for (const name of policy.params.names()) expect(shipped.params.get(name)).toEqual(policy.params.get(name));
    const finetune = card.training.finetune as { stepsDone: number; reward: RewardSpec; meanKlLastSteps: number; meanRewardLastSteps: number };
    expect(finetune.stepsDone).toBe(14);
    expect(finetune.reward.name).toBe('light atoms');
    expect(finetune.meanKlLastSteps).toBeCloseTo(metrics.slice(-10).reduce((s, m) => s + m.klLogRatio, 0) / 10, 10);
    const data = await loadDataset(valDir);
    const tables = wyckoffTables();
    const evaluator = await LikelihoodEvaluator.create(shipped.config);
    const nll = async (params: typeof policy.params) => evaluator.evaluate(data, tables, new Map(params.names().map((n) => [n, params.get(n)])));
    const [policyNll, priorNll] = [await nll(policy.params), await nll((await loadModel(modelDir)).params)];
    await evaluator.release();
    const validation = card.metrics.validation as { total: number; crystals: number };
    expect(validation.crystals).toBe(4);
    expect(validation.total).toBeCloseTo(policyNll.total.reduce((a, b) => a + b, 0) / 4, 4);
    const session = await createSession(join(shippedDir, 'model.onnx'), { cache: false, log: () => {} });
    const batch = makeBatch(data, [0, 1, 2, 3], tables);
    const standalone = (await session.run(toOrtFeeds(batch.feeds), ['logp_total'])).logp_total!.data as Float32Array;
    await session.release();
    standalone.forEach((logp, i) => expect(-logp).toBeCloseTo(policyNll.total[i]!, 3));
    expect(Math.max(...policyNll.total.map((x, i) => Math.abs(x - priorNll.total[i]!)))).toBeGreaterThan(0.01);
  });

  it('resumes exactly: 4 steps, a crash that loses the last checkpoint, resume to 6 = 6 steps straight', async () => {
    const cfg = { ...small, steps: 6, batchSize: 12, ppoEpochs: 2, miniBatches: 2 };
    const straight = join(dir, 'run-straight');
    await runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: lightAtomRegistry() }), outDir: straight, config: cfg, log: () => {} });
    const split = join(dir, 'run-split');
    const wallStart = performance.now();
    await runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: lightAtomRegistry() }), outDir: split, config: { ...cfg, steps: 4 }, log: () => {} });
    // A crash after step 4's metrics line but before its checkpoint: only the step-2 checkpoint survives.
    const checkpoints = (await readdir(join(split, 'checkpoints'))).sort();
    await rm(join(split, 'checkpoints', checkpoints[checkpoints.length - 1]!));
    await runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: lightAtomRegistry() }), outDir: split, config: cfg, resume: true, resumeSteps: 6, log: () => {} });
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const a = await metricsOf(straight);
    const b = await metricsOf(split);
    expect(b.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 6; i++) {
      expect(b[i]!.reward.mean).toBe(a[i]!.reward.mean);
      expect(b[i]!.kl).toBeCloseTo(a[i]!.kl, 5);
    }
    expect((await readdir(join(split, 'checkpoints'))).length).toBeGreaterThan(0);
    // Elapsed time adds the invocations once each (checkpoints must not count earlier time twice).
    expect(b[5]!.elapsedSeconds).toBeLessThanOrEqual(wallSeconds + 0.5);
  });

  it("keeps only crystals the reward scored on merit in the best list, and builds the judge from the run's spec", async () => {
    // A constraint penalty above every reward the term can give (light fraction ≤ 1): before the best list took the
    // reward's verdict, crystals failing `maxAtoms` would have ranked first in it.
    const constrained: RewardSpec = { ...spec, constraints: { maxAtoms: 8 }, penalty: 5 };
    const judged: RewardSpec[] = [];
    const out = join(dir, 'run-merit');
    const result = await runFinetuning({
      model: modelDir,
      reward: constrained,
      createReward: (s) => createRewardFunction(s, { predictors: lightAtomRegistry() }),
      createJudge: (s) => {
        judged.push(s);
        return batchJudgeForSpec(s);
      },
      outDir: out,
      config: { ...small, steps: 2, keepBest: 50 },
      log: () => {},
    });
    expect(judged).toEqual([constrained]);
    const metrics = await metricsOf(out);
    expect(metrics.some((m) => m.reward.max === 5)).toBe(true); // some crystals did fail the constraint
    expect(metrics.every((m) => m.judges !== undefined)).toBe(true);
    expect(result.best.length).toBeGreaterThan(0);
    for (const c of result.best) {
      expect(c.reward).toBeLessThanOrEqual(1);
      const structure = readStructureText(c.cif, { fileName: 'best.cif' }).structure;
      expect(structure.numSites).toBeLessThanOrEqual(8);
    }
  }, 300_000);

  it('refuses to overwrite a run and names a missing predictor', async () => {
    const out = join(dir, 'run-learn');
    await expect(runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: lightAtomRegistry() }), outDir: out, config: small, log: () => {} })).rejects.toThrow(/already holds a run/);
    await expect(runFinetuning({ model: modelDir, reward: spec, createReward: (s) => createRewardFunction(s, { predictors: new PredictorRegistry() }), outDir: join(dir, 'run-none'), config: small, log: () => {} })).rejects.toThrow(/light_fraction/);
  });
});
