import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { Rng } from '../../../shared/random.ts';
import { MODEL_PRESETS } from '../../../electron/engine/model/config.ts';
import { ParameterStore } from '../../../electron/engine/params.ts';
import { buildLogLikelihoodGraph } from '../../../electron/engine/model/graphs.ts';
import { CrystalSampler, type SampledCrystal, type SamplerTiming } from '../../../electron/engine/sample/sampler.ts';
import { type SamplingConditions, validateConditions } from '../../../electron/engine/sample/conditions.ts';

// minSites = maxSites = N gives every crystal exactly N Wyckoff sites: what the speed benchmarks rely on to compare a
// known number of tokens with the PyTorch reference's --real-sites N.
const config = { ...MODEL_PRESETS.tiny!, coordComponents: 4 };
let params: ParameterStore;
const allGroups = Array.from({ length: 230 }, (_, i) => i + 1);

beforeAll(async () => {
  await initSymmetry();
  const { parameters } = buildLogLikelihoodGraph(config);
  params = new ParameterStore();
  const rng = new Rng(8);
  for (const p of parameters) params.create(p.name, p.shape, (shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.3)));
});

async function draw(conditions: SamplingConditions, count: number, timing?: SamplerTiming): Promise<SampledCrystal[]> {
  const sampler = await CrystalSampler.create(config, params);
  const out: SampledCrystal[] = [];
  try {
    for await (const c of sampler.sampleChunk(conditions, count, 'exact-sites', { batchSize: count, ...(timing ? { timing } : {}) })) out.push(c);
  } finally {
    await sampler.release();
  }
  return out;
}

describe('exact number of Wyckoff sites', () => {
  it('minSites = maxSites = N: every crystal has N sites, stop after the N-th, in every space group', async () => {
    for (const sites of [1, 4, 9]) {
      const crystals = await draw({ spaceGroups: { kind: 'list', groups: allGroups }, minSites: sites, maxSites: sites }, 48);
      expect(crystals).toHaveLength(48);
      for (const c of crystals) {
        expect(c.numSites).toBe(sites);
        for (let s = 0; s < sites; s++) expect(c.wyckoff[s]).toBeGreaterThan(0);
        expect(c.wyckoff[sites]).toBe(0);
        expect(Number.isFinite(c.logp.total)).toBe(true);
      }
    }
  });

  it('minSites alone: at least that many sites', async () => {
    const crystals = await draw({ spaceGroups: { kind: 'list', groups: [1, 225, 62] }, minSites: 5 }, 32);
    for (const c of crystals) expect(c.numSites).toBeGreaterThanOrEqual(5);
  });

  it('the sampler times one network call for the first W and one per token (5N + 1 tokens), within the elapsed time', async () => {
    const timing: SamplerTiming = { networkMs: 0, networkSteps: 0 };
    const t0 = performance.now();
    await draw({ spaceGroups: { kind: 'list', groups: allGroups }, minSites: 3, maxSites: 3 }, 20, timing);
    const elapsed = performance.now() - t0;
    expect(timing.networkSteps).toBe(1 + (5 * 3 + 1));
    expect(timing.networkMs).toBeGreaterThan(0);
    expect(timing.networkMs).toBeLessThan(elapsed);
  });

  it('refuses minimum site counts that are out of range or contradict other conditions, saying which', () => {
    const groups = { kind: 'list' as const, groups: [225] };
    expect(() => validateConditions({ spaceGroups: groups, minSites: 0 })).toThrow(/minimum sites must be an integer from 1 to 20, got 0/);
    expect(() => validateConditions({ spaceGroups: groups, minSites: 21 })).toThrow(/minimum sites must be an integer from 1 to 20, got 21/);
    expect(() => validateConditions({ spaceGroups: groups, minSites: 5, maxSites: 4 })).toThrow(/minimum sites \(5\) is above the maximum \(4\)/);
    expect(() => validateConditions({ spaceGroups: groups, minSites: 2, maxAtoms: 10 })).toThrow(/maximum atom count/);
    expect(() => validateConditions({ spaceGroups: groups, minSites: 2, wyckoffPrompt: { letters: ['a'], complete: true } })).toThrow(/complete Wyckoff prompt/);
    expect(() => validateConditions({ spaceGroups: groups, minSites: 2, composition: { elements: [11, 17], cellCounts: [[4, 4]] } })).toThrow(/minimum site count/);
  });
});
