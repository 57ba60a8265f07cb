/**
 * End to end: a 2-layer causal transformer (pre-LayerNorm, GELU MLP, Gather embeddings, LogSoftmax +
 * GatherElements cross-entropy) built with the graph builder trains with the in-graph Adam step, its gradients
 * match finite differences, it is causal, and its standalone export reproduces the training-form graph.
 */
import { describe, expect, test } from 'vitest';
import { Graph, grad, toOnnxModel, exportModel } from '../../electron/engine/graph/index.ts';
import { crossEntropy, initTransformerParameters, transformerLogits, type TransformerConfig } from '../../electron/engine/graph/example-transformer.ts';
import { TrainingStep } from '../../electron/engine/train-step.ts';
import { Rng } from '../../shared/random.ts';
import { feed, session } from './graph/gradcheck.ts';
import { ort } from '../../electron/engine/runtime.ts';

const config: TransformerConfig = { vocab: 11, dModel: 16, heads: 2, layers: 2, seqLen: 8 };
const BATCH = 4;

function fixedBatch(seed = 3): { tokens: number[]; targets: number[] } {
  const rng = new Rng(seed);
  const tokens = Array.from({ length: BATCH * config.seqLen }, () => rng.int(config.vocab));
  // Target: the next token (last position predicts token 0), a learnable function of the prefix.
  const targets = tokens.map((_, i) => (i % config.seqLen === config.seqLen - 1 ? 0 : tokens[i + 1]!));
  return { tokens, targets };
}

function buildLoss(g: Graph, cfg: TransformerConfig = config) {
  const tokens = g.input('tokens', 'int64', ['batch', cfg.seqLen]);
  const targets = g.input('targets', 'int64', ['batch', cfg.seqLen]);
  const logits = transformerLogits(g, cfg, tokens);
  return { tokens, targets, logits, loss: crossEntropy(logits, targets) };
}

describe('small transformer', () => {
  test('loss falls on a fixed batch with the in-graph Adam step; double-buffered and copy steps agree', async () => {
    const { tokens, targets } = fixedBatch();
    const batch = { tokens: feed('int64', tokens, [BATCH, config.seqLen]), targets: feed('int64', targets, [BATCH, config.seqLen]) };
    const make = (buffering: 'double' | 'copy') =>
      TrainingStep.create({
        build: (g) => {
          const { loss, logits, targets: t } = buildLoss(g);
          const correct = logits.max(-1, true).equal(logits.gatherElements(t.unsqueeze(-1), -1)).cast('float32').mean();
          return { loss, metrics: { accuracy: correct } };
        },
        parameters: (params) => initTransformerParameters(params, 1),
        optimizer: { weightDecay: 0.01, clipNorm: 1 },
        buffering,
        session: { intraOpNumThreads: 1, log: () => {} },
      });
    const double = await make('double');
    const copy = await make('copy');
    const losses: number[] = [];
    let last = { loss: 0, gradNorm: 0, metrics: {} as Record<string, number> };
    for (let i = 0; i < 60; i++) {
      last = await double.run(batch, 1e-2);
      const other = await copy.run(batch, 1e-2);
      expect(other.loss).toBeCloseTo(last.loss, 5);
      losses.push(last.loss);
    }
    expect(losses[0]).toBeGreaterThan(Math.log(config.vocab) - 0.3); // starts near uniform
    expect(losses[59]).toBeLessThan(0.3 * losses[0]!);
    expect(last.metrics.accuracy).toBeGreaterThan(0.8);
    expect(double.stepCount).toBe(60);
    // Both keep the same weights.
    const a = double.parameters().get('layer1.mlp.up')!;
    const b = copy.parameters().get('layer1.mlp.up')!;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    await double.release();
    await copy.release();
  });

  test('parameter gradients match float64 finite differences', async () => {
    const cfg = { ...config, dtype: 'float64' as const };
    const g = new Graph();
    const { loss } = buildLoss(g, cfg);
    const checked = ['embed.tokens', 'layer0.attn.q', 'layer0.attn.k', 'layer1.ln1.scale', 'layer1.mlp.up_bias', 'layer1.attn.out', 'head'];
    const params = g.parameters;
    const grads = grad(loss, params);
    const values = new Map([...initTransformerParameters(params, 2)].map(([k, v]) => [k, Float64Array.from(v, (x) => x * 10)]));
    // Scale up so the loss is far from uniform and every block contributes.
    for (const [k, v] of values) if (k.endsWith('scale')) v.fill(1);
    const { tokens, targets } = fixedBatch(5);
    const base = { tokens: feed('int64', tokens, [BATCH, cfg.seqLen]), targets: feed('int64', targets, [BATCH, cfg.seqLen]) };
    const paramFeeds = (override?: [string, Float64Array]) =>
      Object.fromEntries(params.map((p) => [p.name, new ort.Tensor('float64', override?.[0] === p.name ? override[1] : values.get(p.name)!, p.shape as number[])]));
    const gradOutputs = Object.fromEntries(checked.map((name) => [`grad/${name}`, grads[params.findIndex((p) => p.name === name)]!]));
    const full = await session(toOnnxModel(g, { outputs: { loss, ...gradOutputs }, parametersAs: 'inputs' }));
    const forward = await session(toOnnxModel(g, { outputs: { loss }, parametersAs: 'inputs' }));
    const result = await full.run({ ...base, ...paramFeeds() });
    const rng = new Rng(9);
    let worst = 0;
    for (const name of checked) {
      const analytic = result[`grad/${name}`]!.data as Float64Array;
      for (let trial = 0; trial < 4; trial++) {
        const i = rng.int(analytic.length);
        const h = 1e-6;
        const plus = Float64Array.from(values.get(name)!);
        plus[i]! += h;
        const minus = Float64Array.from(values.get(name)!);
        minus[i]! -= h;
        const lp = ((await forward.run({ ...base, ...paramFeeds([name, plus]) })).loss!.data as Float64Array)[0]!;
        const lm = ((await forward.run({ ...base, ...paramFeeds([name, minus]) })).loss!.data as Float64Array)[0]!;
        const numeric = (lp - lm) / (2 * h);
        const rel = Math.abs(analytic[i]! - numeric) / Math.max(Math.abs(numeric), Math.abs(analytic[i]!), 1e-6);
        worst = Math.max(worst, rel);
      }
    }
    expect(worst).toBeLessThan(1e-3);
    await full.release();
    await forward.release();
  });

  test('causal: changing a later token leaves earlier logits unchanged', async () => {
    const g = new Graph();
    const { logits } = buildLoss(g);
    const s = await session(toOnnxModel(g, { outputs: { logits }, parametersAs: 'initializers', parameterValues: initTransformerParameters(g.parameters, 4) }));
    const { tokens } = fixedBatch();
    const changed = [...tokens];
    changed[5] = (changed[5]! + 1) % config.vocab; // batch row 0, position 5
    const a = (await s.run({ tokens: feed('int64', tokens, [BATCH, config.seqLen]) })).logits!.data as Float32Array;
    const b = (await s.run({ tokens: feed('int64', changed, [BATCH, config.seqLen]) })).logits!.data as Float32Array;
    const V = config.vocab;
    for (let i = 0; i < 5 * V; i++) expect(b[i]).toBe(a[i]);
    expect(Array.from(b.subarray(5 * V, 6 * V))).not.toEqual(Array.from(a.subarray(5 * V, 6 * V)));
    await s.release();
  });

  test('standalone export (weights as initializers) matches the training-form graph fed the same weights', async () => {
    const g = new Graph();
    const { logits } = buildLoss(g);
    const weights = initTransformerParameters(g.parameters, 6);
    const standalone = exportModel(g, { outputs: { logits }, parametersAs: 'initializers', parameterValues: weights });
    expect(standalone.signature.inputs.map((i) => i.name)).toEqual(['tokens']);
    const trainingForm = exportModel(g, { outputs: { logits }, parametersAs: 'inputs' });
    expect(trainingForm.signature.inputs.length).toBe(1 + g.parameters.length);
    const { tokens } = fixedBatch();
    const t = feed('int64', tokens, [BATCH, config.seqLen]);
    const s1 = await session(standalone.bytes);
    const s2 = await session(trainingForm.bytes);
    const a = (await s1.run({ tokens: t })).logits!.data as Float32Array;
    const feeds = Object.fromEntries(g.parameters.map((p) => [p.name, new ort.Tensor('float32', weights.get(p.name)!, p.shape as number[])]));
    const b = (await s2.run({ tokens: t, ...feeds })).logits!.data as Float32Array;
    expect(a.length).toBe(BATCH * config.seqLen * config.vocab);
    expect(Array.from(a)).toEqual(Array.from(b));
    // Runs with another batch size: 'batch' is symbolic.
    const one = await s1.run({ tokens: feed('int64', tokens.slice(0, config.seqLen), [1, config.seqLen]) });
    expect(Array.from(one.logits!.data as Float32Array)).toEqual(Array.from(a.subarray(0, config.seqLen * config.vocab)));
    await s1.release();
    await s2.release();
  });
});
