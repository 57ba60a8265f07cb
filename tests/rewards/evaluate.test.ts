/**
 * Reward evaluation on known crystals with predictors that compute real properties (volume per atom, density from
 * atomic masses) and a tabulated formation-energy model, checked against values worked out here by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicMass } from '../../shared/crystal/elements.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { createRewardFunction, evaluateReward } from '../../electron/rewards/evaluate.ts';
import { HullReference } from '../../electron/rewards/hull.ts';
import { PredictorRegistry } from '../../electron/rewards/predictors.ts';
import { parseRewardSpec } from '../../shared/api/reward-spec.ts';
import type { CandidateInput, PropertyPredictor } from '../../electron/rewards/types.ts';
import { cscl, ironBcc, mgo, nacl, naCl2, rutile } from './candidates.ts';

/** A predictor from a per-candidate function, recording the batch sizes it was called with. */
function predictor(name: string, unit: string, f: (c: CandidateInput) => number): PropertyPredictor & { calls: number[] } {
  const calls: number[] = [];
  return {
    name,
    unit,
    calls,
    async predict(batch) {
      calls.push(batch.length);
      return Float64Array.from(batch, f);
    },
  };
}

/** A registry holding just these predictors. */
function registryOf(...predictors: PropertyPredictor[]): PredictorRegistry {
  const registry = new PredictorRegistry();
  for (const p of predictors) registry.register(p);
  return registry;
}

const volumePerAtom = (c: CandidateInput) => c.structure.volume / c.structure.numSites;
const density = (c: CandidateInput) => c.structure.densityFrom(atomicMass);
/** Tabulated formation energies (eV/atom) by reduced formula; NaN for compositions the table lacks. */
const FORMATION = new Map([
  ['NaCl', -2.0],
  ['MgO', -3.0],
  ['TiO2', -3.3],
]);
const formationEnergy = (c: CandidateInput) => FORMATION.get(Composition.fromStructure(c.structure).reducedFormula) ?? NaN;

let registry: PredictorRegistry;
let hull: HullReference;
beforeAll(async () => {
  await initSymmetry();
  registry = registryOf(predictor('volume_per_atom', 'Å³', volumePerAtom), predictor('density', 'g/cm³', density), predictor('formation_energy', 'eV/atom', formationEnergy));
  hull = await HullReference.fromEntries([
    { id: 'ref-NaCl', composition: Composition.fromFormula('NaCl'), formationEnergyPerAtom: -2.1 },
    { id: 'ref-MgO', composition: Composition.fromFormula('MgO'), formationEnergyPerAtom: -3.05 },
    { id: 'ref-TiO2', composition: Composition.fromFormula('TiO2'), formationEnergyPerAtom: -3.4 },
    { id: 'ref-Ti2O3', composition: Composition.fromFormula('Ti2O3'), formationEnergyPerAtom: -3.2 },
  ]);
});
afterAll(() => hull.dispose());

describe('combining terms', () => {
  it('multiplies factors and reports each term', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'product', factors: [{ kind: 'predictor', predictor: 'volume_per_atom' }, { kind: 'predictor', predictor: 'density' }] },
    });
    const batch = [nacl(), cscl(), rutile()];
    const result = await evaluateReward(spec, batch, { predictors: registry });
    // NaCl: a³/8 = 5.64³/8 = 22.43 Å³ per atom; density = 4·(22.990+35.45) g/mol / (N_A · a³).
    expect(result.terms.volume_per_atom![0]).toBeCloseTo(5.64 ** 3 / 8, 9);
    const naclDensity = (4 * (atomicMass('Na') + atomicMass('Cl'))) / 6.02214076e23 / (5.64 ** 3 * 1e-24);
    expect(result.terms.density![0]).toBeCloseTo(naclDensity, 9);
    expect(naclDensity).toBeCloseTo(2.16, 2); // rock salt's handbook density
    batch.forEach((c, i) => expect(result.reward[i]).toBeCloseTo(volumePerAtom(c) * density(c), 9));
    expect(result.terms.product).toEqual(result.reward);
    expect(result.failures).toMatchObject({ candidates: 3, invalid: 0, unscored: 0, terms: {} });
  });

  it('adds weighted, transformed terms and keeps raw values of transformed terms', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: {
        kind: 'sum',
        terms: [
          { weight: 2, term: { kind: 'predictor', predictor: 'density', transform: { kind: 'target', value: 4 } } },
          { weight: -0.1, term: { kind: 'predictor', predictor: 'volume_per_atom', transform: { kind: 'range', min: 10, max: 20, scale: 5 } } },
        ],
      },
    });
    const batch = [nacl(), mgo(), ironBcc()];
    const result = await evaluateReward(spec, batch, { predictors: registry });
    batch.forEach((c, i) => {
      const v = volumePerAtom(c);
      const inRange = v < 10 ? Math.exp(-(10 - v) / 5) : v > 20 ? Math.exp(-(v - 20) / 5) : 1;
      expect(result.reward[i]).toBeCloseTo(2 * -Math.abs(density(c) - 4) + -0.1 * inRange, 9);
      expect(result.raw.density![i]).toBeCloseTo(density(c), 9);
    });
    // MgO: 4.21³/8 = 9.33 Å³/atom, just under the range → exp(−0.67/5).
    expect(result.terms.volume_per_atom![1]).toBeCloseTo(Math.exp(-(10 - 4.21 ** 3 / 8) / 5), 9);
  });

  it('calls a predictor once per batch however many terms use it', async () => {
    const counting = predictor('density', 'g/cm³', density);
    const local = registryOf(counting);
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'product', factors: [{ kind: 'predictor', predictor: 'density' }, { kind: 'predictor', predictor: 'density', transform: { kind: 'log' } }] },
    });
    const fn = await createRewardFunction(spec, { predictors: local });
    const result = await fn.evaluate([nacl(), mgo()]);
    await fn.evaluate([cscl()]);
    await fn.close();
    expect(counting.calls).toEqual([2, 1]);
    expect(result.reward[1]).toBeCloseTo(density(mgo()) * Math.log(density(mgo())), 9);
    expect(fn.termNames).toEqual(['product', 'density', 'density#2']);
  });
});

describe('constraints', () => {
  it('gives the penalty to invalid candidates, counts the first failed constraint, and never predicts for them', async () => {
    const counting = predictor('volume_per_atom', 'Å³', volumePerAtom);
    const local = registryOf(counting);
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'predictor', predictor: 'volume_per_atom' },
      constraints: { validity: { structural: true, compositional: true }, elements: { forbidden: ['Cs'] }, maxAtoms: 10 },
      penalty: -5,
    });
    // rock salt squeezed to a = 0.8 Å puts Na–Cl at 0.4 Å (< 0.5 Å); NaCl2 is not charge-balanced; CsCl is
    // forbidden; rutile and MgO pass; the 12-atom NaCl2 fails maxAtoms before validity is looked at.
    const batch = [nacl(0.8), naCl2(), cscl(), rutile(), mgo()];
    const result = await evaluateReward(spec, batch, { predictors: local });
    expect(Array.from(result.reward.slice(0, 3))).toEqual([-5, -5, -5]);
    expect(result.reward[3]).toBeCloseTo(volumePerAtom(rutile()), 9);
    expect(result.reward[4]).toBeCloseTo(volumePerAtom(mgo()), 9);
    expect(result.failures.invalid).toBe(3);
    expect(result.failures.constraints).toEqual({ 'validity.structural': 1, maxAtoms: 1, 'elements.forbidden': 1 });
    expect(counting.calls).toEqual([2]);
    expect(result.terms.volume_per_atom![0]).toBeNaN();
  });

  it('checks compositional validity (SMACT rules) and element sets', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'predictor', predictor: 'density' },
      constraints: { validity: { compositional: true }, elements: { allowed: ['Na', 'Cl', 'Mg', 'O', 'Fe'], required: ['Cl'] } },
    });
    const result = await evaluateReward(spec, [naCl2(), nacl(), mgo(), rutile(), ironBcc()], { predictors: registry });
    expect(result.failures.constraints).toEqual({ 'validity.compositional': 1, 'elements.required': 2, 'elements.allowed': 1 });
    // The default penalty is −1.
    expect(Array.from(result.reward)).toEqual([-1, expect.closeTo(density(nacl()), 9), -1, -1, -1]);
  });
});

describe('failures never throw', () => {
  it('a NaN prediction gets failureReward and is counted at its term', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'product', factors: [{ kind: 'predictor', predictor: 'formation_energy' }, { kind: 'predictor', predictor: 'density' }] },
      failureReward: -2,
      penalty: -1,
    });
    const result = await evaluateReward(spec, [nacl(), cscl(), mgo()], { predictors: registry });
    expect(result.reward[0]).toBeCloseTo(-2.0 * density(nacl()), 9);
    expect(result.reward[1]).toBe(-2);
    expect(result.failures.unscored).toBe(1);
    expect(result.failures.terms).toEqual({ formation_energy: { nonFinite: 1, errors: 0, timeouts: 0 } });
  });

  it('a predictor that throws or returns the wrong count fails its batch, with the message', async () => {
    const local = registryOf(
      { name: 'broken', unit: '', predict: async () => Promise.reject(new Error('CUDA out of memory')) },
      { name: 'short', unit: '', predict: async () => new Float64Array(1) },
    );
    for (const [name, message] of [
      ['broken', /broken: predictor 'broken' failed: CUDA out of memory/],
      ['short', /short: predictor 'short' returned 1 values for 2 candidates/],
    ] as const) {
      const spec = parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: name }, penalty: 0 });
      const result = await evaluateReward(spec, [nacl(), mgo()], { predictors: local });
      expect(Array.from(result.reward)).toEqual([0, 0]);
      expect(result.failures.unscored).toBe(2);
      expect(result.failures.terms[name]).toEqual({ nonFinite: 0, errors: 2, timeouts: 0 });
      expect(result.failures.messages[0]).toMatch(message);
    }
  });

  it('set-up errors name the term and what is missing', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'sum', terms: [{ term: { kind: 'predictor', predictor: 'density' } }, { term: { kind: 'predictor', predictor: 'band_gap' } }] },
    });
    await expect(createRewardFunction(spec, { predictors: registry })).rejects.toThrow(
      "reward.terms[1].term.predictor: no predictor named 'band_gap' is registered (registered: density, formation_energy, volume_per_atom)",
    );
    const ehull = parseRewardSpec({ version: 1, reward: { kind: 'ehull', formationEnergy: 'formation_energy', reference: 'no/such/hull.csv' } });
    await expect(createRewardFunction(ehull, { predictors: registry, baseDir: '/tmp' })).rejects.toThrow(/^reward: \/tmp\/no\/such\/hull\.csv: hull reference file not found/);
  });
});

describe('ehull term', () => {
  it('scores −E_hull against the reference and reports E_hull itself as the raw value', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'ehull', formationEnergy: 'formation_energy', transform: { kind: 'linear', scale: -1 } },
      penalty: -1,
    });
    const result = await evaluateReward(spec, [nacl(), mgo(), rutile(), cscl()], { predictors: registry, hullReference: hull });
    // NaCl −2.0 vs hull −2.1 → 0.1; MgO −3.0 vs −3.05 → 0.05; TiO2 −3.3 vs −3.4 → 0.1; CsCl: no prediction.
    expect(result.raw.ehull![0]).toBeCloseTo(0.1, 9);
    expect(result.raw.ehull![1]).toBeCloseTo(0.05, 9);
    expect(result.raw.ehull![2]).toBeCloseTo(0.1, 9);
    expect(Array.from(result.reward.slice(0, 3))).toEqual([expect.closeTo(-0.1, 9), expect.closeTo(-0.05, 9), expect.closeTo(-0.1, 9)]);
    expect(result.reward[3]).toBe(-1);
    expect(result.failures.terms).toEqual({ ehull: { nonFinite: 1, errors: 0, timeouts: 0 } });
  });

  it('takes the formation energy from any term', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: {
        kind: 'ehull',
        formationEnergy: { kind: 'predictor', name: 'eform', predictor: 'formation_energy', transform: { kind: 'linear', offset: -0.5 } },
      },
    });
    const result = await evaluateReward(spec, [rutile()], { predictors: registry, hullReference: hull });
    expect(result.terms.eform![0]).toBeCloseTo(-3.8, 9);
    expect(result.reward[0]).toBeCloseTo(-3.8 + 3.4, 9);
  });
});
