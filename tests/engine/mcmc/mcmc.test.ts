/**
 * The chain samples the distribution it claims to: with a small random-weight model, the final states of many
 * independent chains are compared (chi-square) with the target computed exactly by scoring every alternative
 * (elements) or a fine grid (coordinates) with the same scoring graph.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { Rng } from '../../../shared/random.ts';
import { N_SLOTS } from '../../../shared/tokens/index.ts';
import { MODEL_PRESETS } from '../../../electron/engine/model/config.ts';
import { ParameterStore } from '../../../electron/engine/params.ts';
import { buildLogLikelihoodGraph } from '../../../electron/engine/model/graphs.ts';
import { CrystalMcmc, type McmcCrystal, parseTemplate, resolveTemplate, structureReward } from '../../../electron/engine/mcmc/index.ts';
import type { CandidateInput } from '../../../electron/rewards/types.ts';

const config = { ...MODEL_PRESETS.tiny!, coordComponents: 4 };
let mcmc: CrystalMcmc;

// Upper 0.1 % points of the chi-square distribution (standard tables): df 2 → 13.82, df 9 → 27.88.
const CHI2_999 = { 2: 13.82, 9: 27.88 } as const;

beforeAll(async () => {
  await initSymmetry();
  const { parameters } = buildLogLikelihoodGraph(config);
  const params = new ParameterStore();
  const rng = new Rng(11);
  // Weights large enough that the model's conditionals are far from uniform.
  for (const p of parameters) params.create(p.name, p.shape, (shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.4)));
  mcmc = await CrystalMcmc.create(config, params, { threads: 1 });
});

afterAll(async () => {
  await mcmc?.release();
});

function crystal(spaceGroup: number, sites: { w: number; z: number; xyz?: [number, number, number] }[]): McmcCrystal {
  const wyckoff = new Int32Array(N_SLOTS);
  const atoms = new Int32Array(N_SLOTS);
  const coords = new Float64Array(N_SLOTS * 3);
  sites.forEach((s, i) => {
    wyckoff[i] = s.w;
    atoms[i] = s.z;
    coords.set(s.xyz ?? [0, 0, 0], 3 * i);
  });
  return { spaceGroup, numSites: sites.length, wyckoff, atoms, coords };
}

function chiSquare(observed: number[], probabilities: number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => sum + (o - n * probabilities[i]!) ** 2 / (n * probabilities[i]!), 0);
}

function normalise(logWeights: number[], temperature = 1): number[] {
  const max = Math.max(...logWeights);
  const w = logWeights.map((l) => Math.exp((l - max) / temperature));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

describe('MCMC (tiny random model)', () => {
  const elements = [11, 19, 37]; // Na, K, Rb on 4a of Fm-3m (no free coordinate)

  it('element frequencies match p(A | rest) at T = 1, p^(1/T) at T = 2, and p·exp(reward) with a reward', async () => {
    const logp = Array.from(await mcmc.scorer.score(elements.map((z) => crystal(225, [{ w: 1, z }]))));
    const template = parseTemplate('a:Na|K|Rb', 225);
    const naBonus = 1.2;
    const cases = [
      { temperature: 1, reward: undefined, expected: normalise(logp) },
      { temperature: 2, reward: undefined, expected: normalise(logp, 2) },
      { temperature: 1, reward: async (cs: readonly McmcCrystal[]) => cs.map((c) => (c.atoms[0] === 11 ? naBonus : 0)), expected: normalise(logp.map((l, i) => l + (i === 0 ? naBonus : 0))) },
    ];
    for (const [k, c] of cases.entries()) {
      expect(Math.min(...c.expected)).toBeGreaterThan(0.03); // the test has power only if every class is populated
      const result = await mcmc.run(template, { chains: 2000, sweeps: 15, temperatureStart: c.temperature, temperatureEnd: c.temperature, seed: 100 + k, ...(c.reward ? { reward: c.reward } : {}) });
      const counts = elements.map((z) => result.chains.filter((ch) => ch.crystal.atoms[0] === z).length);
      expect(chiSquare(counts, c.expected)).toBeLessThan(CHI2_999[2]);
      // The acceptance the run reports is the fraction of accepted moves: for an independence proposal at
      // stationarity it equals Σ_i Σ_j π_i q_j min(1, π_j/π_i) with q uniform — check it against that number.
      const pi = c.expected;
      let exact = 0;
      for (const a of pi) for (const b of pi) exact += (a / pi.length) * Math.min(1, b / a);
      expect(Math.abs(result.sweeps.at(-1)!.acceptance - exact)).toBeLessThan(0.03);
      if (c.reward) expect(result.chains.every((ch) => ch.reward === (ch.crystal.atoms[0] === 11 ? naBonus : 0))).toBe(true);
    }
  });

  it('joint element + coordinate moves: marginals of A and of x on 24e (x,0,0) match the exactly integrated target', async () => {
    const symbols = [8, 9, 16]; // O, F, S
    const grid = 400;
    const batch: McmcCrystal[] = [];
    for (const z of symbols) for (let i = 0; i < grid; i++) batch.push(crystal(225, [{ w: 5, z, xyz: [(i + 0.5) / grid, 0, 0] }]));
    const logp = Array.from(await mcmc.scorer.score(batch));
    const max = Math.max(...logp);
    const weight = logp.map((l) => Math.exp(l - max));
    const total = weight.reduce((a, b) => a + b, 0);
    const elementProbs = symbols.map((_, e) => weight.slice(e * grid, (e + 1) * grid).reduce((a, b) => a + b, 0) / total);
    const bins = 10;
    const binProbs = Array.from({ length: bins }, (_, b) => {
      let s = 0;
      for (let e = 0; e < symbols.length; e++) for (let i = (b * grid) / bins; i < ((b + 1) * grid) / bins; i++) s += weight[e * grid + i]!;
      return s / total;
    });
    const result = await mcmc.run(parseTemplate('e:O|F|S', 225), { chains: 2000, sweeps: 30, width: 0.3, seed: 7 });
    const elementCounts = symbols.map((z) => result.chains.filter((c) => c.crystal.atoms[0] === z).length);
    const binCounts = new Array(bins).fill(0) as number[];
    for (const c of result.chains) {
      expect(c.crystal.coords[1]).toBe(0);
      expect(c.crystal.coords[2]).toBe(0);
      binCounts[Math.min(bins - 1, Math.floor(c.crystal.coords[0]! * bins))]!++;
    }
    expect(chiSquare(elementCounts, elementProbs)).toBeLessThan(CHI2_999[2]);
    expect(chiSquare(binCounts, binProbs)).toBeLessThan(CHI2_999[9]);
    // The chain's own log p of each final state agrees with a fresh scoring of that state.
    const rescored = await mcmc.scorer.score(result.chains.slice(0, 50).map((c) => c.crystal));
    rescored.forEach((v, i) => expect(v).toBeCloseTo(result.chains[i]!.logp, 4));
  });

  it('ties: the tied site always carries its root element, and the pair follows the exact target', async () => {
    const template = resolveTemplate({ ...parseTemplate('a:Na|K|Rb,b:?', 225), ties: [[0, 1]] });
    const logp = Array.from(await mcmc.scorer.score(elements.map((z) => crystal(225, [{ w: 1, z }, { w: 2, z }]))));
    const result = await mcmc.run(template, { chains: 2000, sweeps: 15, seed: 3 });
    expect(result.chains.every((c) => c.crystal.atoms[0] === c.crystal.atoms[1])).toBe(true);
    const counts = elements.map((z) => result.chains.filter((c) => c.crystal.atoms[0] === z).length);
    expect(chiSquare(counts, normalise(logp))).toBeLessThan(CHI2_999[2]);
  });

  it('is reproducible with a seed and differs with another; lattices come from the model given the tokens', async () => {
    const template = parseTemplate('a:?,c:?,e:O', 225);
    const run = (seed: number) => mcmc.run(template, { chains: 16, sweeps: 3, temperatureStart: 4, temperatureEnd: 1, seed });
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    const tokens = (r: typeof a) => r.chains.map((ch) => [...ch.crystal.atoms.subarray(0, 3), ...ch.crystal.coords.subarray(0, 9)]);
    expect(tokens(b)).toEqual(tokens(a));
    expect(tokens(c)).not.toEqual(tokens(a));
    expect(a.sweeps.map((s) => s.temperature)).toEqual([4, 1 / (0.25 + 0.75 / 2), 1]);
    const crystals = await mcmc.sampleLattices(a, { seed: 1 });
    const again = await mcmc.sampleLattices(a, { seed: 1 });
    expect(crystals.map((x) => Array.from(x.lattice))).toEqual(again.map((x) => Array.from(x.lattice)));
    crystals.forEach((x, i) => {
      expect(Array.from(x.atoms)).toEqual(Array.from(a.chains[i]!.crystal.atoms));
      // W + A + X terms read off the step-wise decode equal the scoring graph's log p (lattice excluded).
      expect(x.logp.wyckoff + x.logp.atoms + x.logp.coords).toBeCloseTo(a.chains[i]!.logp, 3);
      expect(x.lattice.every(Number.isFinite)).toBe(true);
    });
  });

  it('structureReward builds each proposal into a structure (lattice from the model) and feeds the rewards back', async () => {
    const seen: CandidateInput[][] = [];
    // Reward: −(volume per atom)/10, read from the built cell; every proposal of the batch is scored.
    const reward = structureReward(async (candidates) => {
      seen.push([...candidates]);
      return { reward: candidates.map((c) => -c.structure.lattice.volume / c.structure.numSites / 10) };
    }, mcmc, { seed: 2 });
    const result = await mcmc.run(parseTemplate('a:Na|K,b:Cl|Br', 225), { chains: 8, sweeps: 2, seed: 9, reward });
    expect(seen.length).toBe(1 + 2 * 2); // the initial states, then one batch per step
    for (const batch of seen) {
      expect(batch).toHaveLength(8);
      for (const c of batch) {
        expect(c.description.spaceGroup).toBe(225);
        expect(c.structure.numSites).toBe(8);
        expect(c.cif).toContain('_symmetry_Int_Tables_number 225');
      }
    }
    for (const ch of result.chains) {
      expect(Number.isFinite(ch.reward)).toBe(true);
      expect(ch.reward!).toBeLessThan(0);
    }
    expect(result.sweeps.every((s) => s.meanReward !== null && s.meanReward < 0)).toBe(true);
  });
});
