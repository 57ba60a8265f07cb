/**
 * The model folders shipped in models/: `pretrained` (maximum likelihood on MP-20) and `default` (that model
 * post-trained toward structural validity). For each, the standalone ONNX graph (weights inside, what Python's
 * onnxruntime would run) must give the same log-likelihood as the engine's evaluator with the safetensors weights, on
 * textbook crystals; and the default model's card must say truthfully which model it was fine-tuned from.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { encodeCrystal, wyckoffTables } from '../../../shared/tokens/index.ts';
import type { WyckoffDescription } from '../../../shared/symmetry/analyze.ts';
import { loadModel } from '../../../electron/engine/model/files.ts';
import { makeBatch, packTokens } from '../../../electron/engine/model/batch.ts';
import { createSession } from '../../../electron/engine/runtime.ts';
import { LikelihoodEvaluator, toOrtFeeds } from '../../../electron/engine/train/evaluate-nll.ts';

const cubic = (a: number) => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
/** Rock salt (a = 5.640 Å), caesium chloride (a = 4.123 Å), rutile (a = 4.594 Å, c = 2.959 Å, O at x = 0.305). */
const KNOWN: WyckoffDescription[] = [
  { spaceGroup: 225, lattice: cubic(5.64), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] },
  { spaceGroup: 221, lattice: cubic(4.123), sites: [{ letter: 'a', species: 'Cs', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] },
  {
    spaceGroup: 136,
    lattice: { a: 4.594, b: 4.594, c: 2.959, alpha: 90, beta: 90, gamma: 90 },
    sites: [{ letter: 'a', species: 'Ti', frac: [0, 0, 0] }, { letter: 'f', species: 'O', frac: [0.305, 0.305, 0] }],
  },
];

beforeAll(async () => {
  await initSymmetry();
});

describe('shipped models', () => {
  for (const name of ['pretrained', 'default']) {
    it(`${name}: the standalone ONNX graph scores known crystals as the evaluator does with the safetensors weights`, async () => {
      const model = await loadModel(name);
      const tables = wyckoffTables();
      const data = packTokens(KNOWN.map(encodeCrystal));
      const evaluator = await LikelihoodEvaluator.create(model.config);
      const weights = new Map(model.params.names().map((n) => [n, model.params.get(n)] as const));
      const nll = (await evaluator.evaluate(data, tables, weights)).total;
      const session = await createSession(join(model.dir, 'model.onnx'), { cache: false, log: () => {} });
      const batch = makeBatch(data, [0, 1, 2], tables);
      const logp = (await session.run(toOrtFeeds(batch.feeds), ['logp_total'])).logp_total!.data as Float32Array;
      await session.release();
      nll.forEach((value, i) => {
        expect(Number.isFinite(value)).toBe(true);
        expect(-logp[i]!).toBeCloseTo(value, 3);
      });
      const parameterFloats = model.params.names().reduce((sum, n) => sum + model.params.get(n).length, 0);
      expect(model.card.parameterCount).toBe(parameterFloats);
    });
  }

  it("default is the pretrained model fine-tuned, and its card carries the pretrained model's record", async () => {
    const pretrained = await loadModel('pretrained');
    const fineTuned = await loadModel('default');
    const finetune = (fineTuned.card.training as { finetune?: { base?: string; stepsDone?: number } }).finetune;
    expect(finetune?.base).toBe(pretrained.card.name);
    expect(finetune?.stepsDone).toBeGreaterThan(0);
    expect(fineTuned.config).toEqual(pretrained.config);
    expect(fineTuned.card.metrics.pretrainedValidationAtBest).toEqual(pretrained.card.metrics.validationAtBest);
    expect(fineTuned.card.spaceGroupCounts).toEqual(pretrained.card.spaceGroupCounts);
    // Different weights (fine-tuning moved them), same shapes.
    const moved = pretrained.params.names().some((n) => {
      const a = pretrained.params.get(n);
      const b = fineTuned.params.get(n);
      return a.length === b.length && a.some((v, i) => v !== b[i]);
    });
    expect(moved).toBe(true);
  });
});
