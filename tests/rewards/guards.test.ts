/**
 * The issue #24 guards on known crystals: the strict composition constraint in a spec, the per-batch duplicate
 * guard, the extrapolation hook, and the batch judge (contacts worked out from the rock-salt geometry by hand).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { covalentRadius } from '../../shared/crystal/elements.ts';
import { minimumPairDistance } from '../../shared/crystal/geometry.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { Rng } from '../../shared/random.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { createRewardFunction, evaluateReward } from '../../electron/rewards/evaluate.ts';
import { batchJudgeForSpec, createBatchJudge, judgeOptionsForSpec, MotifMemory, shortestContactRatio, plausibleContacts } from '../../electron/rewards/guards.ts';
import { PredictorRegistry } from '../../electron/rewards/predictors.ts';
import { parseRewardSpec, RewardSpecError } from '../../shared/api/reward-spec.ts';
import type { CandidateInput, PropertyPredictor } from '../../electron/rewards/types.ts';
import { candidate, mgo, nacl, naCl2 } from './candidates.ts';
import { existsSync, readFileSync } from 'node:fs';
import { OnnxPropertyPredictor } from '../../electron/predictors/onnx-predictor.ts';

const cubic = (a: number) => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
/** Rock-salt ZrO: balanced only with Zr(II), which 17 of 596 ICSD Zr compounds show (2.9 %). */
const zro = () => candidate({ spaceGroup: 225, lattice: cubic(4.6), sites: [{ letter: 'a', species: 'Zr', frac: [0, 0, 0] }, { letter: 'b', species: 'O', frac: [0.5, 0.5, 0.5] }] });

const volumePerAtom = (c: CandidateInput) => c.structure.volume / c.structure.numSites;
function registryWith(extra: Partial<PropertyPredictor> = {}): { registry: PredictorRegistry; seen: number[] } {
  const seen: number[] = [];
  const registry = new PredictorRegistry();
  registry.register({
    name: 'volume_per_atom',
    unit: 'Å³',
    async predict(batch) {
      seen.push(batch.length);
      return Float64Array.from(batch, volumePerAtom);
    },
    ...extra,
  });
  return { registry, seen };
}

beforeAll(async () => {
  await initSymmetry();
});

describe('strict composition constraint', () => {
  it('fails what the SMACT rule lets through, and the threshold is the spec’s', async () => {
    const { registry } = registryWith();
    const batch = [nacl(), zro(), naCl2(), mgo()];
    const smact = await evaluateReward(parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' }, constraints: { validity: { compositional: true } } }), batch, { predictors: registry });
    expect(smact.failures.constraints).toEqual({ 'validity.compositional': 1 }); // NaCl2 only: SMACT lists Zr(II)
    const strict = await evaluateReward(
      parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' }, constraints: { composition: { rule: 'icsd-oxidation-states' } } }),
      batch,
      { predictors: registry },
    );
    expect(strict.failures.constraints).toEqual({ composition: 2 });
    expect(Array.from(strict.reward)).toEqual([volumePerAtom(nacl()), -1, -1, volumePerAtom(mgo())]);
    const loose = await evaluateReward(
      parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' }, constraints: { composition: { rule: 'icsd-oxidation-states', minStateProbability: 0.02 } } }),
      batch,
      { predictors: registry },
    );
    expect(loose.failures.constraints).toEqual({ composition: 1 });
  });

  it('refuses an unknown rule or a threshold outside (0, 1], naming the field', () => {
    expect(() => parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: 'x' }, constraints: { composition: { rule: 'smact' } } })).toThrow(RewardSpecError);
    expect(() => parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: 'x' }, constraints: { composition: { rule: 'icsd-oxidation-states', minStateProbability: 0 } } })).toThrow(
      /constraints\.composition\.minStateProbability/,
    );
  });
});

describe('duplicate guard', () => {
  it('gives repeats of a motif in the batch (same formula and Wyckoff sequence, any lattice) the duplicate reward', async () => {
    const { registry } = registryWith();
    const batch = [nacl(), nacl(5.8), mgo(), nacl(5.5), mgo()];
    const spec = { version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' } } as const;
    const off = await evaluateReward(parseRewardSpec(spec), batch, { predictors: registry });
    expect(off.failures.duplicates).toBe(0);
    const on = await evaluateReward(parseRewardSpec({ ...spec, guards: { duplicates: true } }), batch, { predictors: registry });
    expect(Array.from(on.reward)).toEqual([volumePerAtom(nacl()), -1, volumePerAtom(mgo()), -1, -1]);
    expect(on.failures.duplicates).toBe(3);
    const custom = await evaluateReward(parseRewardSpec({ ...spec, penalty: -5, guards: { duplicates: { reward: 0 } } }), batch, { predictors: registry });
    expect(Array.from(custom.reward).filter((r) => r === 0)).toHaveLength(3);
  });
});

describe('extrapolation guard', () => {
  it('penalises what a predictor calls out of its domain, which it then never predicts', async () => {
    // A predictor "trained" without chlorine: chlorides are outside its domain.
    const { registry, seen } = registryWith({ outOfDomain: async (batch) => batch.map((c) => c.structure.species.includes('Cl')) });
    const batch = [nacl(), mgo(), naCl2(), mgo()];
    const spec = { version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' } } as const;
    const guarded = await evaluateReward(parseRewardSpec({ ...spec, guards: { extrapolation: true } }), batch, { predictors: registry });
    expect(Array.from(guarded.reward)).toEqual([-1, volumePerAtom(mgo()), -1, volumePerAtom(mgo())]);
    expect(guarded.failures.constraints).toEqual({ 'guards.extrapolation': 2 });
    expect(seen).toEqual([2]);
    const unguarded = await evaluateReward(parseRewardSpec(spec), batch, { predictors: registry });
    expect(unguarded.failures.invalid).toBe(0);
  });
});

const DIELECTRIC = new URL('../../models/predictor-dielectric', import.meta.url).pathname;

describe.skipIf(!existsSync(`${DIELECTRIC}/model.json`))('shipped predictor domain', () => {
  it('flags crystals with an element the training crystals lacked (the card’s domain)', async () => {
    const card = JSON.parse(readFileSync(`${DIELECTRIC}/model.json`, 'utf8')) as { domain: { elements: string[] } };
    // Eu and Gd compounds are in MP-20 but none has a DFPT dielectric constant among the training crystals.
    expect(card.domain.elements).not.toContain('Eu');
    expect(card.domain.elements).toEqual(expect.arrayContaining(['Na', 'Cl', 'Mg', 'O', 'Sr', 'Zr', 'Hf']));
    const euo = candidate({ spaceGroup: 225, lattice: cubic(5.14), sites: [{ letter: 'a', species: 'Eu', frac: [0, 0, 0] }, { letter: 'b', species: 'O', frac: [0.5, 0.5, 0.5] }] });
    const predictor = await OnnxPropertyPredictor.load(DIELECTRIC);
    expect(await predictor.outOfDomain([nacl(), euo, mgo()])).toEqual([false, true, false]);
  });
});

describe('batch judge', () => {
  it('measures the shortest contact against the covalent-radius sum (rock salt: Na–Cl at a/2, like ions at a/√2)', () => {
    const [rNa, rCl] = [covalentRadius('Na'), covalentRadius('Cl')];
    for (const a of [5.64, 2.6]) {
      const expected = Math.min(a / 2 / (rNa + rCl), a / Math.SQRT2 / (2 * rNa), a / Math.SQRT2 / (2 * rCl));
      expect(shortestContactRatio(nacl(a).structure)).toBeCloseTo(expected, 9);
    }
    // A skewed triclinic cell of random atoms: equal to the exact pair search (minimumPairDistance on each pair).
    const rng = new Rng('contacts');
    const species = ['Sr', 'O', 'Ti', 'H'];
    const skewed = Structure.fromSpecies(Lattice.fromParameters(3.1, 7.9, 5.2, 63, 117, 78), Array.from({ length: 24 }, (_, i) => species[i % 4]!), Array.from({ length: 24 }, () => [rng.next(), rng.next(), rng.next()] as [number, number, number]));
    let exact = Infinity;
    for (let i = 0; i < 24; i++) {
      for (let j = i + 1; j < 24; j++) {
        const d = minimumPairDistance(skewed.lattice.matrix, [...skewed.sites[i]!.frac, ...skewed.sites[j]!.frac]);
        exact = Math.min(exact, d / (covalentRadius(skewed.sites[i]!.species) + covalentRadius(skewed.sites[j]!.species)));
      }
    }
    expect(shortestContactRatio(skewed)).toBeCloseTo(exact, 10);
    // a = 2.6 Å: Na–Cl 1.30 Å passes CDVAE's 0.5 Å but is below half the radius sum.
    expect(plausibleContacts(nacl(5.64).structure)).toBe(true);
    expect(plausibleContacts(nacl(2.6).structure)).toBe(false);
  });

  it('reports strict composition, contacts and fingerprints per candidate, with its rule in words', () => {
    const judge = createBatchJudge();
    const out = judge.judge([nacl(), zro(), nacl(2.6), mgo(), nacl(5.9)]);
    expect(out.strictComposition).toEqual([true, false, true, true, true]);
    expect(out.plausibleContacts).toEqual([true, true, false, true, true]);
    expect(new Set(out.fingerprints).size).toBe(3);
    expect(judge.rule).toMatch(/ICSD.*5 %.*0\.5 × \(r_i \+ r_j\)/);
  });
});

/** Cubic perovskite NaWO3 (W at 1a, Na at 1b, O at 3d): balanced only with W(V), held by 6.1 % of ICSD W compounds. */
const nawo3 = () =>
  candidate({
    spaceGroup: 221,
    lattice: cubic(3.87),
    sites: [{ letter: 'a', species: 'W', frac: [0, 0, 0] }, { letter: 'b', species: 'Na', frac: [0.5, 0.5, 0.5] }, { letter: 'd', species: 'O', frac: [0.5, 0, 0] }],
  });

describe('guards across batches and per-constraint penalties', () => {
  it('remembers motifs over a window of batches: the occurrence after maxRepeats is a repeat until the window forgets', () => {
    const memory = new MotifMemory(2, 2);
    expect(memory.judgeBatch(['A', 'A', 'A', 'B'])).toEqual([false, false, true, false]);
    // A has 3 occurrences in the window, B 1.
    expect(memory.judgeBatch(['B', 'A', 'C'])).toEqual([false, true, false]);
    // Window = the two batches before: A 4, B 2, C 1.
    expect(memory.judgeBatch(['B', 'C', 'D'])).toEqual([true, false, false]);
    // The first batch is forgotten: A 1 (batch 2), B 2, C 2.
    expect(memory.judgeBatch(['A', 'C', 'B'])).toEqual([false, true, true]);
    // Without memory and one copy allowed it is the within-batch rule.
    const plain = new MotifMemory(0, 1);
    expect(plain.judgeBatch(['A', 'A', 'B'])).toEqual([false, true, false]);
    expect(plain.judgeBatch(['A', 'B'])).toEqual([false, false]);
  });

  it('pays a motif again only while it is rare over the remembered batches of one reward function', async () => {
    const { registry } = registryWith();
    const spec = parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' }, guards: { duplicates: { reward: -3, memoryBatches: 1, maxRepeats: 2 } } });
    const fn = await createRewardFunction(spec, { predictors: registry });
    try {
      const first = await fn.evaluate([nacl(), nacl(5.7), mgo()]);
      expect(Array.from(first.reward)).toEqual([volumePerAtom(nacl()), volumePerAtom(nacl(5.7)), volumePerAtom(mgo())]);
      const second = await fn.evaluate([nacl(5.5), mgo()]);
      expect(Array.from(second.reward)).toEqual([-3, volumePerAtom(mgo())]);
      expect(second.rejected).toEqual(['guards.duplicates', undefined]);
      // Only the second batch is remembered now: NaCl once, MgO once.
      const third = await fn.evaluate([nacl(), mgo(), mgo()]);
      expect(Array.from(third.reward)).toEqual([volumePerAtom(nacl()), volumePerAtom(mgo()), -3]);
    } finally {
      await fn.close();
    }
  });

  it('rejects close contacts (rock salt at a = 2.6 Å passes the 0.5 Å check) at their own penalty and says why per candidate', async () => {
    const { registry, seen } = registryWith();
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'predictor', predictor: 'volume_per_atom' },
      constraints: { validity: { structural: true }, contacts: { minRatio: 0.5 }, composition: { rule: 'icsd-oxidation-states' } },
      penalty: -5,
      penalties: { contacts: -20 },
    });
    const result = await evaluateReward(spec, [nacl(), nacl(2.6), zro(), mgo()], { predictors: registry });
    expect(Array.from(result.reward)).toEqual([volumePerAtom(nacl()), -20, -5, volumePerAtom(mgo())]);
    expect(result.rejected).toEqual([undefined, 'contacts', 'composition', undefined]);
    expect(result.failures.constraints).toEqual({ contacts: 1, composition: 1 });
    expect(seen).toEqual([2]);
    // A looser ratio lets a = 2.6 Å through: Na–Cl 1.30 Å against r_Na + r_Cl = 2.68 Å is 0.485.
    const loose = await evaluateReward(parseRewardSpec({ ...spec, constraints: { contacts: { minRatio: 0.45 } } }), [nacl(2.6)], { predictors: registry });
    expect(loose.rejected).toEqual([undefined]);
  });

  it('refuses a penalty for an unknown constraint and a duplicate memory below 0, naming the field', () => {
    const base = { version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' } };
    expect(() => parseRewardSpec({ ...base, penalties: { overlap: -3 } })).toThrow(/penalties/);
    expect(() => parseRewardSpec({ ...base, guards: { duplicates: { memoryBatches: -1 } } })).toThrow(/guards\.duplicates\.memoryBatches/);
    expect(() => parseRewardSpec({ ...base, constraints: { contacts: { minRatio: 0 } } })).toThrow(/constraints\.contacts\.minRatio/);
  });

  it("judges a run with its spec's own threshold: W(V) (6.1 % of ICSD W compounds) passes at 0.05, not at 0.1", () => {
    const base = { version: 1, reward: { kind: 'predictor', predictor: 'volume_per_atom' } } as const;
    const at = (minStateProbability: number) =>
      batchJudgeForSpec(parseRewardSpec({ ...base, constraints: { composition: { rule: 'icsd-oxidation-states', minStateProbability } } }));
    expect(at(0.05).judge([nawo3(), nacl()]).strictComposition).toEqual([true, true]);
    expect(at(0.1).judge([nawo3(), nacl()]).strictComposition).toEqual([false, true]);
    expect(at(0.1).rule).toMatch(/≥ 10 %/);
    // Without a composition constraint: the default threshold, and all-metal compositions fail.
    expect(judgeOptionsForSpec(parseRewardSpec(base))).toEqual({ alloys: false });
  });
});
