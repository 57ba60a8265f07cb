/**
 * ONNX oracle: tiny models built with the engine's graph builder, written to disk and run through the engine's
 * createSession. The weights pick features at the documented offsets, so the expected scores follow from the
 * structures directly (oxygen fraction, volume per atom, space-group one-hot).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicNumber } from '../../shared/crystal/elements.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { Graph, toOnnxModel } from '../../electron/engine/graph/index.ts';
import { evaluateReward } from '../../electron/rewards/evaluate.ts';
import { FEATURE_COUNT, SPACE_GROUP_OFFSET, VOLUME_PER_ATOM_OFFSET, candidateFeatures } from '../../electron/rewards/features.ts';
import { OnnxOracle } from '../../electron/rewards/oracles/onnx.ts';
import { parseRewardSpec } from '../../shared/api/reward-spec.ts';
import type { CandidateInput } from '../../electron/rewards/types.ts';
import { cscl, ironBcc, mgo, nacl, rutile } from './candidates.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfstudio-onnx-oracle-'));
const opened: OnnxOracle[] = [];
let batch: CandidateInput[];

/** y = features · w (+ optional log), written to `file`; `batch` is the input's first dimension. */
function writeLinearModel(file: string, options: { width?: number; batch?: number | string; log?: boolean; outputName?: string } = {}): string {
  const width = options.width ?? FEATURE_COUNT;
  const g = new Graph();
  const x = g.input('features', 'float32', [options.batch ?? 'N', width]);
  const w = g.parameter('w', [width, 1]);
  let y = x.matmul(w).reshape([-1]);
  if (options.log) y = y.log();
  const weights = new Float32Array(width);
  if (width === FEATURE_COUNT) {
    weights[atomicNumber('O') - 1] = 2; // 2 × oxygen fraction
    weights[VOLUME_PER_ATOM_OFFSET] = 0.1; // 0.1 × volume per atom
    weights[SPACE_GROUP_OFFSET + 225 - 1] = 1; // +1 for Fm-3m
  }
  const path = join(dir, file);
  writeFileSync(path, toOnnxModel(g, { outputs: { [options.outputName ?? 'score']: y }, parametersAs: 'initializers', parameterValues: new Map([['w', weights]]) }));
  return path;
}

/** The model's output computed from the structure itself (not from the feature vector). */
function expectedScore(c: CandidateInput): number {
  const oxygen = c.structure.species.filter((s) => s === 'O').length / c.structure.numSites;
  return 2 * oxygen + (0.1 * c.structure.volume) / c.structure.numSites + (c.description.spaceGroup === 225 ? 1 : 0);
}

async function open(path: string, extra: { output?: string; batchSize?: number } = {}): Promise<OnnxOracle> {
  const oracle = await OnnxOracle.open({ type: 'onnx', path, ...extra }, dir, () => {});
  opened.push(oracle);
  return oracle;
}

beforeAll(async () => {
  await initSymmetry();
  batch = [nacl(), cscl(), rutile(), mgo(), ironBcc()];
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
});

describe('candidate features', () => {
  it('follow the documented layout', () => {
    const f = candidateFeatures([rutile()]);
    expect(f.length).toBe(FEATURE_COUNT);
    expect(f[atomicNumber('Ti') - 1]).toBeCloseTo(1 / 3, 6);
    expect(f[atomicNumber('O') - 1]).toBeCloseTo(2 / 3, 6);
    expect(Array.from(f.slice(118, 124))).toEqual([4.594, 4.594, 2.959, 90, 90, 90].map(Math.fround));
    expect(f[124]).toBeCloseTo((4.594 * 4.594 * 2.959) / 6, 4);
    expect(f.slice(125).reduce((a, b) => a + b, 0)).toBe(1);
    expect(f[124 + 136]).toBe(1);
  });
});

describe('ONNX oracle', () => {
  it('scores a batch with a user model through createSession', async () => {
    const oracle = await open(writeLinearModel('linear.onnx'), { batchSize: 2 });
    const scores = await oracle.score(batch);
    scores.values.forEach((v, i) => expect(v).toBeCloseTo(expectedScore(batch[i]!), 4));
    expect(scores).toMatchObject({ errors: 0, timeouts: 0, nonFinite: 0 });
  });

  it('runs a model with a fixed batch of 1 one candidate at a time', async () => {
    const oracle = await open(writeLinearModel('batch1.onnx', { batch: 1 }));
    const scores = await oracle.score(batch.slice(0, 3));
    scores.values.forEach((v, i) => expect(v).toBeCloseTo(expectedScore(batch[i]!), 4));
  });

  it('counts NaN outputs as non-finite', async () => {
    // log(oxygen fraction − 0.5): NaN for the oxygen-free crystals.
    const g = new Graph();
    const x = g.input('features', 'float32', ['N', FEATURE_COUNT]);
    const w = new Float32Array(FEATURE_COUNT);
    w[atomicNumber('O') - 1] = 1;
    const y = x.matmul(g.constant(w, [FEATURE_COUNT, 1])).reshape([-1]).sub(0.5).log();
    const path = join(dir, 'log.onnx');
    writeFileSync(path, toOnnxModel(g, { outputs: { y }, parametersAs: 'initializers', parameterValues: new Map() }));
    const scores = await (await open(path)).score(batch);
    // Oxygen fraction − 0.5 is positive only for rutile (2/3): log(1/6); MgO gives log(0) = −Infinity.
    expect(scores.values[2]).toBeCloseTo(Math.log(2 / 3 - 0.5), 4);
    expect(scores.nonFinite).toBe(4);
  });

  it('rejects a model that does not take the documented input, or lacks the named output, at set-up', async () => {
    await expect(open(writeLinearModel('narrow.onnx', { width: 10 }))).rejects.toThrow(/input 'features' has shape \[N, 10\], expected \[N, 355\]/);
    await expect(open(writeLinearModel('named.onnx'), { output: 'reward' })).rejects.toThrow(/no output 'reward' \(outputs: score\)/);
    await expect(open(join(dir, 'absent.onnx'))).rejects.toThrow(/cannot read model file .*absent\.onnx/);
  });

  it('plugs into a reward spec, with paths relative to the spec folder', async () => {
    writeLinearModel('spec-model.onnx');
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'oracle', name: 'user_model', oracle: { type: 'onnx', path: 'spec-model.onnx' }, transform: { kind: 'linear', scale: 10 } },
    });
    const result = await evaluateReward(spec, batch, { baseDir: dir, log: () => {} });
    result.reward.forEach((v, i) => expect(v).toBeCloseTo(10 * expectedScore(batch[i]!), 3));
    expect(result.raw.user_model![0]).toBeCloseTo(expectedScore(batch[0]!), 4);
  });
});
