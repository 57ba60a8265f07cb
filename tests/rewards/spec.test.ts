/** Reward spec: the example files parse, mistakes are reported with their JSON path, transforms do what they say. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRadioactive } from '../../electron/engine/sample/conditions.ts';
import { readRewardSpecFile } from '../../electron/rewards/index.ts';
import { elementSymbol } from '../../shared/crystal/elements.ts';
import { applyTransforms, parseRewardSpec, RewardSpecError, walkTerms, type RewardSpec } from '../../shared/api/reward-spec.ts';

const EXAMPLES = join(import.meta.dirname, '../../resources/rewards');

function problemsOf(value: unknown): string[] {
  try {
    parseRewardSpec(value, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(RewardSpecError);
    return (error as RewardSpecError).problems;
  }
  throw new Error('expected the spec to be rejected');
}

const base = { version: 1, reward: { kind: 'predictor', predictor: 'band_gap' } };

describe('example specs in resources/rewards', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

  it('includes the seed examples', () => {
    expect(files).toEqual(expect.arrayContaining(['bandgap-dielectric.json', 'stability.json', 'stability-proxy.json']));
  });

  it.each(files)('%s parses', (file) => {
    const spec = readRewardSpecFile(join(EXAMPLES, file));
    expect(spec.version).toBe(1);
    expect(walkTerms(spec.reward).length).toBeGreaterThan(0);
  });

  it('the figure of merit is a product of band gap and dielectric constant', () => {
    const spec = readRewardSpecFile(join(EXAMPLES, 'bandgap-dielectric.json'));
    expect(spec.reward.kind).toBe('product');
    const leaves = walkTerms(spec.reward).filter((w) => w.term.kind === 'predictor').map((w) => w.name);
    expect(leaves).toEqual(['band_gap', 'dielectric_total']);
  });

  it('the above-40 preset is the figure of merit preset paying max(0, FoM − 40), with the same constraints, penalties and guards', () => {
    const plain = readRewardSpecFile(join(EXAMPLES, 'bandgap-dielectric.json'));
    const above = readRewardSpecFile(join(EXAMPLES, 'bandgap-dielectric-above40.json'));
    for (const key of ['constraints', 'penalty', 'penalties', 'failureReward', 'guards'] as const) expect(above[key]).toEqual(plain[key]);
    const { transform, ...factors } = above.reward;
    expect(factors).toEqual(plain.reward);
    expect([0, 25, 40, 41.5, 270].map((fom) => applyTransforms(fom, transform))).toEqual([0, 0, 0, 1.5, 230]);
    // Overlaps cost more than the spread of a group's figures of merit can hide (issue #24, session 11).
    expect(plain.penalties).toEqual({ 'validity.structural': -100, contacts: -100 });
  });

  it('stability-proxy says it is a proxy against a partial reference', () => {
    const spec = readRewardSpecFile(join(EXAMPLES, 'stability-proxy.json'));
    expect(spec.reward.kind).toBe('ehull');
    expect(spec.description).toMatch(/PROXY/);
    expect(spec.description).toMatch(/PARTIAL reference/);
    expect(spec.description).toMatch(/not a DFT hull/);
  });

  it("stability is the potential's single-point −E_hull clipped to [−0.5, 2]: blind spots earn no more than −0.5, invalid at the floor", () => {
    const spec = readRewardSpecFile(join(EXAMPLES, 'stability.json'));
    expect(spec.reward.kind).toBe('potential_ehull');
    expect(spec.reward.kind === 'potential_ehull' && (spec.reward.relaxSteps ?? 0)).toBe(0);
    const reward = (eHull: number) => applyTransforms(eHull, spec.reward.transform);
    // E_hull −3 (the first run's NaTbF4 / YO / CsF) earns what −0.5 earns; an exploded geometry what E_hull 2 earns.
    expect([reward(0.05), reward(-0.2), reward(-3), reward(50)]).toEqual([-0.05, 0.2, 0.5, -2]);
    // Failures score the worst clipped value, as CrystalFormer-RL counts them at its upper clip.
    expect(spec.penalty).toBe(reward(50));
    expect(spec.constraints?.validity?.structural).toBe(true);
    expect(spec.description).toMatch(/PARTIAL reference hull/);
  });

  it('stability-guarded is best just below the partial hull: a blind spot far below earns as little as a crystal as far above', () => {
    const spec = readRewardSpecFile(join(EXAMPLES, 'stability-guarded.json'));
    expect(spec.reward.kind).toBe('potential_ehull');
    const reward = (eHull: number) => applyTransforms(eHull, spec.reward.transform);
    expect(reward(-0.05)).toBeCloseTo(0, 12);
    // MP-20 validation crystals out of the hull sit near −0.08; a −0.6 blind spot scores like a +0.5 crystal, not best.
    expect(reward(-0.6)).toBeCloseTo(reward(0.5), 12);
    expect(reward(-0.08)).toBeGreaterThan(reward(0.1));
    expect(reward(-3)).toBeCloseTo(-0.95, 12);
    // Failures, overlaps and radioactive elements score below every clipped value.
    expect(spec.penalty!).toBeLessThan(reward(50));
    expect(spec.constraints?.validity?.structural).toBe(true);
    expect(spec.constraints?.elements?.forbidden).toEqual(expect.arrayContaining(['Tc', 'Pm', 'Po', 'Ac', 'Th', 'U', 'Pu', 'Og']));
    expect(spec.constraints?.elements?.forbidden).not.toContain('Bi');
    // Exactly the radioactive elements `generate --no-radioactive` leaves out (its noble gases aside).
    const radioactive = Array.from({ length: 118 }, (_, i) => i + 1).filter(isRadioactive).map(elementSymbol);
    expect([...spec.constraints!.elements!.forbidden!].sort()).toEqual(radioactive.sort());
    expect(spec.guards?.duplicates).toMatchObject({ memoryBatches: 20, maxRepeats: 3 });
  });
});

describe('parse errors name the JSON path', () => {
  it('reports invalid JSON', () => {
    expect(() => parseRewardSpec('{"version": 1,', 'x.json')).toThrow(/x\.json: invalid reward spec:\n {2}not valid JSON/);
  });

  it('reports wrong version, unknown kinds and typos', () => {
    expect(problemsOf({ ...base, version: 2 })).toEqual(['version: must be 1']);
    expect(problemsOf({ version: 1, reward: { kind: 'magic' } })[0]).toMatch(/^reward\.kind: /);
    expect(problemsOf({ ...base, penalti: 0 })[0]).toMatch(/^\(root\): Unrecognized key: "penalti"/);
    expect(problemsOf({ version: 1, reward: { kind: 'sum', terms: [{ wieght: 2, term: base.reward }] } })[0]).toMatch(/^reward\.terms\[0\]: Unrecognized key: "wieght"/);
  });

  it('reports nested problems with array indices', () => {
    const spec = {
      version: 1,
      reward: {
        kind: 'product',
        factors: [
          { kind: 'predictor', predictor: 'band_gap' },
          { kind: 'predictor', predictor: 'eps', transform: [{ kind: 'clip', min: 0 }, { kind: 'range', min: 2, max: 1, scale: 0 }] },
        ],
      },
    };
    const problems = problemsOf(spec);
    expect(problems).toContain('reward.factors[1].transform[1].scale: must be positive');
  });

  it('checks ranges, element symbols, oracle settings and duplicate names', () => {
    expect(problemsOf({ version: 1, reward: { kind: 'predictor', predictor: 'g', transform: { kind: 'range', min: 3, max: 1, scale: 1 } } })).toEqual([
      'reward.transform.max: min must not exceed max',
    ]);
    expect(problemsOf({ ...base, constraints: { elements: { allowed: ['Na', 'Xy'] } } })).toEqual(['constraints.elements.allowed[1]: is not an element symbol']);
    expect(problemsOf({ ...base, constraints: { elements: { required: ['O'], forbidden: ['O'] } } })).toEqual(['constraints.elements.forbidden: O both required and forbidden']);
    expect(problemsOf({ ...base, constraints: { maxAtoms: 0 } })).toEqual(['constraints.maxAtoms: must be at least 1']);
    expect(problemsOf({ version: 1, reward: { kind: 'oracle', oracle: { type: 'kserve', url: 'ftp://x', model: 'm' } } })).toEqual([
      'reward.oracle.url: must be an http:// or https:// URL',
    ]);
    expect(problemsOf({ version: 1, reward: { kind: 'oracle', oracle: { type: 'command', command: 'x', batchSize: 0 } } })).toEqual([
      'reward.oracle.batchSize: must be at least 1',
    ]);
    const duplicate = {
      version: 1,
      reward: { kind: 'sum', terms: [{ term: { kind: 'predictor', name: 'a', predictor: 'p' } }, { term: { kind: 'predictor', name: 'a', predictor: 'q' } }] },
    };
    expect(problemsOf(duplicate)).toEqual(["reward.terms[1].term.name: duplicate term name 'a' (also used at reward.terms[0].term)"]);
  });

  it('accepts an ehull term whose formation energy comes from an oracle', () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'ehull', formationEnergy: { kind: 'oracle', oracle: { type: 'onnx', path: 'eform.onnx' } }, transform: { kind: 'linear', scale: -1 } },
    });
    expect(walkTerms(spec.reward).map((w) => [w.name, w.path.join('.')])).toEqual([
      ['ehull', 'reward'],
      ['oracle:onnx', 'reward.formationEnergy'],
    ]);
  });
});

describe('term names', () => {
  it('default to the predictor name or kind, made unique in tree order', () => {
    const spec: RewardSpec = parseRewardSpec({
      version: 1,
      reward: {
        kind: 'sum',
        terms: [
          { term: { kind: 'predictor', predictor: 'band_gap' } },
          { weight: 2, term: { kind: 'predictor', predictor: 'band_gap', transform: { kind: 'target', value: 2 } } },
          { term: { kind: 'product', name: 'sum', factors: [{ kind: 'predictor', predictor: 'x' }] } },
        ],
      },
    });
    // The explicit name 'sum' wins; the root's default 'sum' becomes 'sum#2'.
    expect(walkTerms(spec.reward).map((w) => w.name)).toEqual(['sum#2', 'band_gap', 'band_gap#2', 'sum', 'x']);
  });
});

describe('transforms', () => {
  it('target is minus the distance to the target', () => {
    expect(applyTransforms(2.5, { kind: 'target', value: 2 })).toBeCloseTo(-0.5, 12);
    expect(applyTransforms(1.5, { kind: 'target', value: 2 })).toBeCloseTo(-0.5, 12);
  });

  it('range is 1 inside and decays by e per scale outside', () => {
    const range = { kind: 'range', min: 1, max: 2, scale: 0.5 } as const;
    expect(applyTransforms(1, range)).toBe(1);
    expect(applyTransforms(1.7, range)).toBe(1);
    expect(applyTransforms(2.5, range)).toBeCloseTo(Math.exp(-1), 12);
    expect(applyTransforms(0, range)).toBeCloseTo(Math.exp(-2), 12);
  });

  it('log floors, clip bounds, linear scales, lists apply in order, NaN stays NaN', () => {
    expect(applyTransforms(Math.E, { kind: 'log' })).toBeCloseTo(1, 12);
    expect(applyTransforms(-3, { kind: 'log' })).toBeCloseTo(Math.log(1e-6), 12);
    expect(applyTransforms(-3, { kind: 'log', floor: 0.1 })).toBeCloseTo(Math.log(0.1), 12);
    expect(applyTransforms(15, { kind: 'clip', min: -10, max: 10 })).toBe(10);
    expect(applyTransforms(-15, { kind: 'clip', min: -10 })).toBe(-10);
    expect(applyTransforms(0.2, [{ kind: 'clip', max: 0.1 }, { kind: 'linear', scale: -1, offset: 1 }])).toBeCloseTo(0.9, 12);
    for (const t of [{ kind: 'range', min: 0, max: 1, scale: 1 }, { kind: 'log' }, { kind: 'clip', min: 0 }, { kind: 'target', value: 1 }] as const) {
      expect(applyTransforms(NaN, t)).toBeNaN();
    }
  });
});
