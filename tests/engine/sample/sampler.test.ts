import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { N_SLOTS, indexToLetter, wyckoffTables } from '../../../shared/tokens/index.ts';
import { Rng } from '../../../shared/random.ts';
import { MODEL_PRESETS } from '../../../electron/engine/model/config.ts';
import { ParameterStore } from '../../../electron/engine/params.ts';
import { buildLogLikelihoodGraph } from '../../../electron/engine/model/graphs.ts';
import { packTokens } from '../../../electron/engine/model/batch.ts';
import { CrystalSampler, type SampledCrystal } from '../../../electron/engine/sample/sampler.ts';
import type { SamplingConditions } from '../../../electron/engine/sample/conditions.ts';
import { LikelihoodEvaluator } from '../../../electron/engine/train/evaluate-nll.ts';

const config = { ...MODEL_PRESETS.tiny!, coordComponents: 4 };
let params: ParameterStore;

beforeAll(async () => {
  await initSymmetry();
  const { parameters } = buildLogLikelihoodGraph(config);
  params = new ParameterStore();
  const rng = new Rng(5);
  // Weights large enough that the distributions are far from uniform (a stronger test than the tiny init).
  for (const p of parameters) params.create(p.name, p.shape, (shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.3)));
});

async function collect(sampler: CrystalSampler, conditions: SamplingConditions, n: number, seed: number): Promise<SampledCrystal[]> {
  const out: SampledCrystal[] = [];
  for await (const c of sampler.sample(conditions, n, { seed, batchSize: 16 })) out.push(c);
  return out;
}

describe('sampler', () => {
  it('the KV cache gives the same crystals as re-running the prefix, and the same seed the same crystals', async () => {
    const conditions: SamplingConditions = { spaceGroups: { kind: 'list', groups: [225, 62, 1, 166] } };
    const cached = await CrystalSampler.create(config, params);
    const prefix = await CrystalSampler.create(config, params, { backend: 'prefix' });
    const a = await collect(cached, conditions, 24, 9);
    const b = await collect(prefix, conditions, 24, 9);
    const again = await collect(cached, conditions, 24, 9);
    expect(a.length).toBe(24);
    for (let i = 0; i < a.length; i++) {
      expect(Array.from(b[i]!.wyckoff)).toEqual(Array.from(a[i]!.wyckoff));
      expect(Array.from(b[i]!.atoms)).toEqual(Array.from(a[i]!.atoms));
      expect(b[i]!.logp.total).toBeCloseTo(a[i]!.logp.total, 3);
      expect(again[i]!.logp.total).toBe(a[i]!.logp.total);
    }
    await cached.release();
    await prefix.release();
  });

  it('weights built into the graphs sample what weights fed per step sample, also after new weights are set', async () => {
    const conditions: SamplingConditions = { spaceGroups: { kind: 'list', groups: [225, 62, 1, 166] } };
    const other = params.clone();
    const rng = new Rng(11);
    for (const name of other.names()) other.set(name, Float32Array.from(other.get(name), (v) => v + rng.normal(0, 0.1)));
    const inGraph = await CrystalSampler.create(config, params, { weightsInGraph: true });
    const fed = await CrystalSampler.create(config, params, { weightsInGraph: false });
    const same = (a: SampledCrystal[], b: SampledCrystal[]) => {
      expect(a.map((c) => Array.from(c.atoms))).toEqual(b.map((c) => Array.from(c.atoms)));
      a.forEach((c, i) => expect(c.logp.total).toBeCloseTo(b[i]!.logp.total, 3));
    };
    const before = await collect(inGraph, conditions, 16, 2);
    same(before, await collect(fed, conditions, 16, 2));
    inGraph.setParameters(other);
    fed.setParameters(other);
    const after = await collect(inGraph, conditions, 16, 2);
    same(after, await collect(fed, conditions, 16, 2));
    // The new weights are in use: the same seed now gives other crystals.
    expect(after.map((c) => c.logp.total)).not.toEqual(before.map((c) => c.logp.total));
    await inGraph.release();
    await fed.release();
  });

  it("records log-probabilities equal to the scoring graph's for the same sequences (step-wise decoding = full pass)", async () => {
    const sampler = await CrystalSampler.create(config, params);
    const samples = await collect(sampler, { spaceGroups: { kind: 'list', groups: [225, 194, 14, 2, 221] } }, 40, 3);
    const evaluator = await LikelihoodEvaluator.create(config);
    const nll = await evaluator.evaluate(packTokens(samples), wyckoffTables(), new Map(params.names().map((n) => [n, params.get(n)])));
    samples.forEach((s, i) => {
      expect(-nll.wyckoff[i]!).toBeCloseTo(s.logp.wyckoff, 3);
      expect(-nll.atoms[i]!).toBeCloseTo(s.logp.atoms, 3);
      expect(Math.abs(-nll.coords[i]! - s.logp.coords)).toBeLessThan(2e-3 * Math.max(1, Math.abs(s.logp.coords)));
      expect(Math.abs(-nll.lattice[i]! - s.logp.lattice)).toBeLessThan(2e-3 * Math.max(1, Math.abs(s.logp.lattice)));
    });
    await evaluator.release();
    await sampler.release();
  });

  it('obeys a Wyckoff prompt, element sets, ties and the atom limit', async () => {
    const sampler = await CrystalSampler.create(config, params);
    const na = 11, cl = 17, k = 19;
    const samples = await collect(
      sampler,
      {
        spaceGroups: { kind: 'list', groups: [225] },
        wyckoffPrompt: { letters: ['a', 'b', 'e'], complete: true },
        siteElements: [[na, k], [cl], null],
        ties: [[0, 2]],
        allowedElements: [na, cl, k, 8],
      },
      20,
      1,
    );
    expect(samples.length).toBe(20);
    for (const s of samples) {
      expect(s.numSites).toBe(3);
      expect([1, 2, 5].map((i, j) => s.wyckoff[j])).toEqual([1, 2, 5]);
      expect([na, k]).toContain(s.atoms[0]);
      expect(s.atoms[1]).toBe(cl);
      expect(s.atoms[2]).toBe(s.atoms[0]);
      // 4a and 4b are fixed points; 24e is (x, 0, 0).
      expect(Array.from(s.coords.slice(0, 3))).toEqual([0, 0, 0]);
      expect(s.coords[7]).toBe(0);
      expect(s.coords[8]).toBe(0);
    }
    const limited = await collect(sampler, { spaceGroups: { kind: 'list', groups: [225, 221] }, maxAtoms: 8 }, 30, 2);
    const tables = wyckoffTables();
    for (const s of limited) {
      let atoms = 0;
      for (let i = 0; i < s.numSites; i++) atoms += tables.multiplicityOf(s.spaceGroup, s.wyckoff[i]!);
      expect(atoms).toBeLessThanOrEqual(8);
    }
    await sampler.release();
  });

  it('rejects impossible prompts before sampling, saying what is wrong', async () => {
    const sampler = await CrystalSampler.create(config, params);
    const run = (c: SamplingConditions) => collect(sampler, c, 1, 0);
    const g225 = { kind: 'list' as const, groups: [225] };
    await expect(run({ spaceGroups: g225, wyckoffPrompt: { letters: ['a', 'z'], complete: true } })).rejects.toThrow(/no Wyckoff position 'z'/);
    await expect(run({ spaceGroups: g225, wyckoffPrompt: { letters: ['a', 'a'], complete: true } })).rejects.toThrow(/fixed point/);
    await expect(run({ spaceGroups: g225, wyckoffPrompt: { letters: ['b', 'a'], complete: true } })).rejects.toThrow(/must not decrease/);
    await expect(run({ spaceGroups: g225, wyckoffPrompt: { letters: ['a', 'b'], complete: true }, siteElements: [[11], [17]], ties: [[0, 1]] })).rejects.toThrow(/no allowed element in common/);
    await expect(run({ spaceGroups: { kind: 'list', groups: [231] } })).rejects.toThrow(/1 to 230/);
    expect(getSpaceGroup(225).wyckoffPositions.map((p) => p.letter)[0]).toBe(indexToLetter(1));
    await sampler.release();
  });
});
