// Reward terms scored by the interatomic potential (`potential_ehull`, `energy_per_atom`). With the shipped M3GNet:
// on known crystals the terms equal what `cfstudio energy` reports (E_hull, E per atom) and, with relaxSteps, what
// `cfstudio relax --steps N` reports; rock salt (MP's mp-22862, on the hull) scores E_hull near 0; a whole batch costs
// one potential call however many terms use it. Without the potential: spec mistakes are one line naming the field.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultPotentialDir } from '../../electron/engine/potential/load.ts';
import { M3GNetPotential } from '../../electron/engine/potential/m3gnet.ts';
import { createRewardFunction, evaluateReward } from '../../electron/rewards/index.ts';
import { defaultHullReferencePath } from '../../electron/rewards/hull.ts';
import type { RelaxationRecord, SinglePointRecord } from '../../electron/screening/records.ts';
import { parseRewardSpec, RewardSpecError, type RewardSpec } from '../../shared/api/reward-spec.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { runCli } from '../cli/run-cli.ts';
import { candidate, cscl, ironBcc, mgo, nacl, rutile } from './candidates.ts';

const m3gnet = existsSync(join(defaultPotentialDir(), 'model.safetensors'));
const stabilityData = defaultHullReferencePath() !== undefined;

await initSymmetry();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-potential-terms-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rock salt squeezed to a = 5.0 Å, so that a few relaxation steps change its energy. */
const crystals = { nacl: nacl(), mgo: mgo(), cscl: cscl(), rutile: rutile(), iron: ironBcc(), squeezed: nacl(5.0) };
const names = Object.keys(crystals) as (keyof typeof crystals)[];
const candidates = names.map((n) => crystals[n]);

function writeInputs(): string[] {
  return names.map((name) => {
    const file = join(dir, `${name}.cif`);
    writeFileSync(file, crystals[name].cif);
    return file;
  });
}

const bothTerms = (relaxSteps: number): RewardSpec => ({
  version: 1,
  reward: {
    kind: 'sum',
    terms: [
      { term: { kind: 'potential_ehull', name: 'e_hull', relaxSteps } },
      { weight: 0, term: { kind: 'energy_per_atom', name: 'e_atom', relaxSteps } },
    ],
  },
});

describe.skipIf(!m3gnet || !stabilityData)('with the shipped M3GNet potential and the stability data', () => {
  it("single point: E_hull and E per atom equal `cfstudio energy`'s; rock salt sits near the hull", async () => {
    const { code, out } = await runCli(['energy', ...writeInputs(), '--json']);
    expect(code).toBe(0);
    const records = (JSON.parse(out) as { results: SinglePointRecord[] }).results;
    const result = await evaluateReward(bothTerms(0), candidates);
    names.forEach((name, i) => {
      const record = records.find((r) => r.file.endsWith(`${name}.cif`))!;
      // The CIF holds 8-decimal coordinates: the two structures agree to ~1e-8 Å.
      expect(result.terms['e_hull']![i]).toBeCloseTo(record.eHull!, 5);
      expect(result.terms['e_atom']![i]).toBeCloseTo(record.energyPerAtom, 5);
      expect(result.reward[i]).toBeCloseTo(record.eHull!, 5);
    });
    // mp-22862 NaCl is on the MP hull; M3GNet's formation energy error is tens of meV/atom.
    expect(Math.abs(result.terms['e_hull']![0]!)).toBeLessThan(0.1);
    expect(result.failures.unscored).toBe(0);
  });

  it('relaxSteps: the values after N FIRE steps equal `cfstudio relax --steps N` (space group kept)', async () => {
    const steps = 4;
    const { code, out } = await runCli(['relax', ...writeInputs(), '--out', join(dir, 'relaxed'), '--steps', String(steps), '--json']);
    expect(code).toBe(0);
    const records = (JSON.parse(out) as { results: RelaxationRecord[] }).results;
    const result = await evaluateReward(bothTerms(steps), candidates);
    names.forEach((name, i) => {
      const record = records.find((r) => r.file.endsWith(`${name}.cif`))!;
      expect(result.terms['e_hull']![i]).toBeCloseTo(record.eHull!, 4);
      expect(result.terms['e_atom']![i]).toBeCloseTo(record.energyPerAtom!, 4);
    });
    const single = await evaluateReward(bothTerms(0), [crystals.squeezed]);
    // Squeezed rock salt is far from its minimum: relaxing lowers its energy.
    expect(result.terms['e_atom']![names.indexOf('squeezed')]!).toBeLessThan(single.terms['e_atom']![0]! - 0.01);
  });

  it('one potential call per batch, whichever terms use it, and no gradients for a single point', async () => {
    const spy = vi.spyOn(M3GNetPotential.prototype, 'compute');
    try {
      const fn = await createRewardFunction(bothTerms(0));
      try {
        await fn.evaluate(candidates);
        expect(spy).toHaveBeenCalledTimes(1);
        expect(spy.mock.calls[0]![0]).toHaveLength(candidates.length);
        expect(spy.mock.calls[0]![1]).toEqual({ forces: false, stress: false });
        await fn.evaluate(candidates.slice(0, 2));
        expect(spy).toHaveBeenCalledTimes(2);
      } finally {
        await fn.close();
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('a crystal the potential refuses fails alone, by its own message; the rest of the batch is scored', async () => {
    // Simple cubic Na at a = 0.6 Å: atoms 0.6 Å apart pass the 0.5 Å contact check, but at 4.6 atoms/Å³ M3GNet's
    // three-body graph refuses the cell, and its refusal used to throw for the whole call (RL steps at the penalty).
    const packed = candidate({ spaceGroup: 221, lattice: { a: 0.6, b: 0.6, c: 0.6, alpha: 90, beta: 90, gamma: 90 }, sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }] });
    const spec: RewardSpec = { version: 1, reward: { kind: 'potential_ehull', name: 'e_hull' }, penalty: -10 };
    const alone = await evaluateReward(spec, [crystals.nacl, crystals.mgo]);
    const result = await evaluateReward(spec, [crystals.nacl, packed, crystals.mgo]);
    expect(result.reward[1]).toBe(-10);
    expect(result.failures.terms['e_hull']).toEqual({ nonFinite: 0, errors: 1, timeouts: 0 });
    expect(result.failures.messages[0]).toMatch(/^e_hull: .*atoms packed at 4\.63 per Å³/);
    expect(result.terms['e_hull']![0]).toBeCloseTo(alone.terms['e_hull']![0]!, 6);
    expect(result.terms['e_hull']![2]).toBeCloseTo(alone.terms['e_hull']![1]!, 6);
  });

  it('invalid crystals get the penalty without reaching the potential', async () => {
    const overlapping = nacl(0.8); // Na–Cl 0.4 Å apart
    const spy = vi.spyOn(M3GNetPotential.prototype, 'compute');
    try {
      const spec: RewardSpec = { version: 1, reward: { kind: 'potential_ehull' }, constraints: { validity: { structural: true } }, penalty: -10 };
      const result = await evaluateReward(spec, [overlapping, crystals.nacl]);
      expect(result.reward[0]).toBe(-10);
      expect(result.failures.constraints).toEqual({ 'validity.structural': 1 });
      expect(spy.mock.calls[0]![0]).toHaveLength(1);
      // Without the constraint, overlapping atoms still never reach the potential: they fail alone, named.
      const unconstrained = await evaluateReward({ version: 1, reward: { kind: 'potential_ehull', name: 'e_hull' }, penalty: -10 }, [overlapping, crystals.nacl]);
      expect(spy.mock.calls[1]![0]).toHaveLength(1);
      expect(unconstrained.reward[0]).toBe(-10);
      expect(unconstrained.failures.terms['e_hull']).toEqual({ nonFinite: 0, errors: 1, timeouts: 0 });
      expect(unconstrained.failures.messages[0]).toMatch(/^e_hull: two atoms are 0\.400 Å apart \(below 0\.5 Å\)/);
      expect(unconstrained.terms['e_hull']![1]).toBeCloseTo(result.terms['potential_ehull']![1]!, 9);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('spec problems are one line naming the field', () => {
  const problemsOf = (reward: unknown): string[] => {
    try {
      parseRewardSpec({ version: 1, reward }, 'stability.json');
    } catch (error) {
      expect(error).toBeInstanceOf(RewardSpecError);
      return (error as RewardSpecError).problems;
    }
    throw new Error('expected the spec to be rejected');
  };

  it('relaxSteps must be a whole number in 0…500; unknown fields are refused', () => {
    expect(problemsOf({ kind: 'potential_ehull', relaxSteps: -1 })).toEqual(['reward.relaxSteps: must be at least 0']);
    expect(problemsOf({ kind: 'energy_per_atom', relaxSteps: 2.5 })).toEqual(['reward.relaxSteps: must be a whole number']);
    expect(problemsOf({ kind: 'potential_ehull', relaxSteps: 501 })).toEqual(['reward.relaxSteps: must be at most 500']);
    expect(problemsOf({ kind: 'potential_ehull', source: 'potential' })[0]).toMatch(/^reward: Unrecognized key: "source"$/);
    expect(problemsOf({ kind: 'potential_ehull', potential: '' })).toEqual(['reward.potential: must not be empty']);
    for (const problem of problemsOf({ kind: 'potential_ehull', relaxSteps: 'ten', keepSymmetry: 1 })) expect(problem).not.toMatch(/\n/);
  });

  it('a missing potential folder fails at set-up, naming the JSON path and the folder', async () => {
    const spec: RewardSpec = { version: 1, reward: { kind: 'product', factors: [{ kind: 'potential_ehull', potential: 'no-such-potential' }] } };
    await expect(createRewardFunction(spec, { baseDir: dir })).rejects.toThrow(/^reward\.factors\[0\]\.potential: .*no-such-potential: no such potential folder$/);
  });
});
