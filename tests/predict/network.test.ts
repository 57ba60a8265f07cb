/** The predictor network: gradients against finite differences, padding invariance, and learning a known function. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../shared/random.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { encodeCrystal } from '../../shared/tokens/index.ts';
import { Graph, grad, toOnnxModel } from '../../electron/engine/graph/index.ts';
import { ParameterStore } from '../../electron/engine/params.ts';
import { createSession, float64Tensor, ort } from '../../electron/engine/runtime.ts';
import { batchFeeds, batchFromTokens } from '../../electron/predictors/batch.ts';
import { PredictorNetwork, declarePredictorInputs, type PredictorConfig } from '../../electron/predictors/network.ts';
import { OnnxPropertyPredictor } from '../../electron/predictors/onnx-predictor.ts';
import { trainPredictor } from '../../electron/predictors/train.ts';
import { meanAtomicNumber, randomCrystals, writeTokenDataset } from './fixtures.ts';

const TINY: PredictorConfig = { elementEmbed: 6, spaceGroupEmbed: 4, fourierFrequencies: 2, siteSize: 8, attentionHeads: 2, hiddenSize: 8, dropout: 0 };

let dir: string;
beforeAll(async () => {
  await initSymmetry();
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-predict-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predictor network', () => {
  it('parameter gradients of the L1 loss match float64 central differences', async () => {
    const g = new Graph();
    const net = new PredictorNetwork(g, TINY, 'float64');
    const output = { scale: 1.3, shift: 0.4 };
    const z = net.trainingOutput(declarePredictorInputs(g, 'float64'), output);
    const target = g.input('target', 'float64', ['batch']);
    // Targets far above every prediction keep |prediction − target| away from its kink.
    const loss = PredictorNetwork.trainingPrediction(z, 'softplus').sub(target).abs().mean();
    const params = g.parameters;
    const grads = grad(loss, params);
    const store = new ParameterStore(new Rng(3));
    const values = new Map(net.specs.map((s) => [s.name, Float64Array.from(store.create(s.name, s.shape, s.init))]));
    // Non-trivial LayerNorm scales and biases so their gradients are checked at a generic point.
    const rng = new Rng(5);
    for (const [name, v] of values) if (name.includes('.ln.') || name.endsWith('.bias')) for (let i = 0; i < v.length; i++) v[i] = (name.includes('scale') ? 1 : 0) + rng.uniform(-0.3, 0.3);

    const crystals = randomCrystals(5, 11);
    const feeds = { ...batchFeeds(batchFromTokens(crystals.map(encodeCrystal)), 'float64'), target: float64Tensor(new Float64Array(5).fill(50), [5]) };
    const paramFeeds = (override?: [string, Float64Array]) =>
      Object.fromEntries(params.map((p) => [p.name, new ort.Tensor('float64', override?.[0] === p.name ? override[1] : values.get(p.name)!, p.shape as number[])]));
    const gradOutputs = Object.fromEntries(params.map((p, i) => [`grad/${p.name}`, grads[i]!]));
    const full = await createSession(toOnnxModel(g, { outputs: { loss, ...gradOutputs }, parametersAs: 'inputs' }), { cache: false, log: () => {} });
    const forward = await createSession(toOnnxModel(g, { outputs: { loss }, parametersAs: 'inputs' }), { cache: false, log: () => {} });
    const result = await full.run({ ...feeds, ...paramFeeds() });
    let worst = 0;
    let worstAt = '';
    let checked = 0;
    for (const p of params) {
      const analytic = result[`grad/${p.name}`]!.data as Float64Array;
      // Embedding rows of absent elements / groups have zero gradient; probe rows that are used as well as random ones.
      for (let trial = 0; trial < 3; trial++) {
        let i = rng.int(analytic.length);
        if (trial === 0) i = analytic.reduce((best, v, k) => (Math.abs(v) > Math.abs(analytic[best]!) ? k : best), 0);
        const h = 1e-6;
        const plus = Float64Array.from(values.get(p.name)!);
        plus[i]! += h;
        const minus = Float64Array.from(values.get(p.name)!);
        minus[i]! -= h;
        const lp = ((await forward.run({ ...feeds, ...paramFeeds([p.name, plus]) })).loss!.data as Float64Array)[0]!;
        const lm = ((await forward.run({ ...feeds, ...paramFeeds([p.name, minus]) })).loss!.data as Float64Array)[0]!;
        const numeric = (lp - lm) / (2 * h);
        const rel = Math.abs(analytic[i]! - numeric) / Math.max(Math.abs(numeric), Math.abs(analytic[i]!), 1e-4);
        if (rel > worst) {
          worst = rel;
          worstAt = `${p.name}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`;
        }
        checked++;
      }
    }
    // The largest gradient of every parameter is non-zero: each one influences the loss.
    for (const p of params) expect(Math.max(...Array.from(result[`grad/${p.name}`]!.data as Float64Array, Math.abs)), p.name).toBeGreaterThan(0);
    expect(checked).toBe(params.length * 3);
    expect(worst, worstAt).toBeLessThan(1e-4);
    await full.release();
    await forward.release();
  });

  it('ignores padding: the same crystal gives the same output in a batch with larger crystals', async () => {
    const g = new Graph();
    const net = new PredictorNetwork(g, TINY);
    const z = net.trainingOutput(declarePredictorInputs(g), { scale: 1, shift: 0 });
    const store = new ParameterStore(new Rng(8));
    const weights = new Map(net.specs.map((s) => [s.name, store.create(s.name, s.shape, s.init)]));
    const session = await createSession(toOnnxModel(g, { outputs: { z }, parametersAs: 'initializers', parameterValues: weights }), { cache: false, log: () => {} });
    const [bcc] = randomCrystals(40, 2).filter((d) => d.sites.length === 1);
    const [perovskite] = randomCrystals(40, 2).filter((d) => d.sites.length === 3);
    const alone = (await session.run(batchFeeds(batchFromTokens([encodeCrystal(bcc!)])))).z!.data as Float32Array;
    const padded = (await session.run(batchFeeds(batchFromTokens([encodeCrystal(bcc!), encodeCrystal(perovskite!)])))).z!.data as Float32Array;
    expect(padded[0]).toBeCloseTo(alone[0]!, 5);
    await session.release();
  });

  it('learns mean atomic number per atom far below the mean baseline, through the training CLI pipeline', async () => {
    const train = randomCrystals(1200, 1, 40);
    const heldOut = randomCrystals(120, 2, 40);
    const trainIds = await writeTokenDataset(join(dir, 'train'), train, 'tr', 'train');
    const heldOutIds = await writeTokenDataset(join(dir, 'val'), heldOut, 'va', 'val');
    // The synthetic property goes in a value file exactly as a real one would (it rides on the formation_energy
    // column; the range check there is ±20, so the target is Z̄ / 5).
    const lines = ['material_id,formation_energy_per_atom'];
    train.forEach((d, i) => lines.push(`${trainIds[i]},${meanAtomicNumber(d) / 5}`));
    heldOut.forEach((d, i) => lines.push(`${heldOutIds[i]},${meanAtomicNumber(d) / 5}`));
    await writeFile(join(dir, 'values.csv'), lines.join('\n') + '\n');

    const { card } = await trainPredictor({
      property: 'formation_energy',
      trainData: join(dir, 'train'),
      valData: join(dir, 'val'),
      outDir: join(dir, 'model'),
      valueFiles: [join(dir, 'values.csv')],
      config: { elementEmbed: 16, spaceGroupEmbed: 8, fourierFrequencies: 2, siteSize: 32, attentionHeads: 2, hiddenSize: 32, dropout: 0 },
      settings: { epochs: 25, batchSize: 64, learningRate: 3e-3, warmupSteps: 20, evaluateEveryEpochs: 25, weightDecay: 0 },
    });
    expect(card.training.steps).toBe(25 * 18);
    const m = card.metrics.heldOut;
    expect(m.n).toBe(120);
    expect(m.meanBaselineMae).toBeGreaterThan(1); // Z̄/5 spreads over several units
    expect(m.mae).toBeLessThan(0.2 * m.meanBaselineMae);

    // The shipped-format folder predicts the same through the PropertyPredictor path, and clamps to the training range.
    const predictor = await OnnxPropertyPredictor.load(join(dir, 'model'));
    const values = await predictor.predictDescriptions(heldOut.slice(0, 20));
    let mae = 0;
    heldOut.slice(0, 20).forEach((d, i) => (mae += Math.abs(values[i]! - meanAtomicNumber(d) / 5) / 20));
    expect(mae).toBeLessThan(0.3 * m.meanBaselineMae);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(card.clamp.min);
      expect(v).toBeLessThanOrEqual(card.clamp.max);
    }
    // A description it cannot encode (an element symbol that does not exist) is NaN; the others still get values.
    const broken = { ...heldOut[0]!, sites: [{ ...heldOut[0]!.sites[0]!, species: 'Xx' }] };
    const mixed = await predictor.predictDescriptions([broken, heldOut[1]!]);
    expect(Number.isNaN(mixed[0]!)).toBe(true);
    expect(mixed[1]).toBeCloseTo(values[1]!, 4);
    await predictor.close();
    const saved = JSON.parse(await readFile(join(dir, 'model', 'model.json'), 'utf8')) as { onnx: { inputs: { name: string }[] } };
    expect(saved.onnx.inputs.map((i) => i.name)).toEqual(['space_group', 'wyckoff', 'atoms', 'coords', 'lattice']);
  }, 120_000);
});
