// The RL panel's reward builder and settings (renderer/src/views/rlForm.ts) against the engine's own reward-spec
// schema and the shipped presets in resources/rewards, and the 'finetune' job's params schema.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finetuneParamsSchema } from '../../shared/api/jobs.ts';
import { parseRewardSpec } from '../../shared/api/reward-spec.ts';
import {
  builderErrors,
  checkRlSettings,
  checkSpec,
  DEFAULT_RL_SETTINGS,
  draftFromSpec,
  EMPTY_DRAFT,
  finetuneParamsFor,
  histogram,
  mergeCurves,
  newTerm,
  parseElements,
  resumeParamsFor,
  specFromDraft,
  type RewardDraft,
} from '../../renderer/src/views/rlForm.ts';

const presetDir = join(import.meta.dirname, '../../resources/rewards');
const presets = Object.fromEntries(readdirSync(presetDir).filter((f) => f.endsWith('.json')).map((f) => [f.replace(/\.json$/, ''), parseRewardSpec(readFileSync(join(presetDir, f), 'utf8'), f)]));

describe('reward builder', () => {
  it('expresses the predictor/E_hull presets exactly and leaves the external-oracle one to the JSON editor', () => {
    for (const id of ['bandgap-dielectric', 'bandgap-dielectric-smact', 'bandgap-window', 'stability', 'stability-proxy', 'structural-validity']) {
      const draft = draftFromSpec(presets[id]!);
      expect(draft, id).not.toBeNull();
      expect(specFromDraft(draft!), id).toEqual(presets[id]);
      expect(checkSpec(specFromDraft(draft!)).ok).toBe(true);
    }
    expect(draftFromSpec(presets['external-command']!)).toBeNull();
    // A predictor's uncertainty option has no field in the builder: the JSON editor keeps it rather than the form dropping it.
    const withBound = parseRewardSpec({ version: 1, reward: { kind: 'product', factors: [{ kind: 'predictor', predictor: 'band_gap', uncertainty: { bound: 'lower' } }] } });
    expect(draftFromSpec(withBound)).toBeNull();
    expect(draftFromSpec({ ...withBound, reward: { kind: 'product', factors: [{ kind: 'predictor', predictor: 'band_gap' }] } })).not.toBeNull();
    const headline = draftFromSpec(presets['bandgap-dielectric']!)!;
    // The issue #24 guards of the shipped preset have fields: contacts, one overlap penalty, the duplicate memory.
    const preset = presets['bandgap-dielectric']!;
    const duplicates = preset.guards?.duplicates;
    expect([headline.contacts, headline.overlapPenalty, headline.duplicateMemory, headline.duplicateRepeats]).toEqual([
      preset.constraints?.contacts !== undefined,
      preset.penalties?.contacts,
      typeof duplicates === 'object' ? duplicates.memoryBatches : NaN,
      typeof duplicates === 'object' ? duplicates.maxRepeats : NaN,
    ]);
    // Penalties the one field cannot hold stay in the JSON editor rather than being dropped.
    expect(draftFromSpec({ ...preset, penalties: { composition: -3 } })).toBeNull();
    expect(draftFromSpec({ ...preset, penalties: { 'validity.structural': -20, contacts: -10 } })).toBeNull();
    expect(headline.combine).toBe('product');
    expect(headline.terms.map((t) => [t.predictor, t.transform, t.min])).toEqual([
      ['band_gap', 'clip', 0],
      ['dielectric_total', 'clip', 1],
    ]);
  });

  it("the stability preset is the potential's E_hull, single point, negated after the clip", () => {
    const draft = draftFromSpec(presets['stability']!)!;
    // The builder shows the preset's own clip (resources/rewards/stability.json: E_hull in [−0.5, 2] eV/atom).
    expect(draft.terms.map((t) => [t.kind, t.relaxSteps, t.transform, t.min, t.max, t.negate])).toEqual([['potential_ehull', 0, 'clip', -0.5, 2, true]]);
    const relaxed = specFromDraft({ ...draft, terms: [{ ...draft.terms[0]!, relaxSteps: 20 }] });
    expect(relaxed.reward).toMatchObject({ kind: 'potential_ehull', relaxSteps: 20 });
    const tooMany = specFromDraft({ ...draft, terms: [{ ...draft.terms[0]!, relaxSteps: 5000 }] });
    expect(builderErrors(checkSpec(tooMany), draft)).toEqual({ 'term.0.relaxSteps': 'must be at most 500' });
  });

  it('one term is the reward itself; several are a product, or a weighted sum', () => {
    const one: RewardDraft = { ...EMPTY_DRAFT, terms: [{ ...newTerm('band_gap'), transform: 'target', value: 1.5 }] };
    expect(specFromDraft(one).reward).toEqual({ kind: 'predictor', predictor: 'band_gap', transform: { kind: 'target', value: 1.5 } });
    const two: RewardDraft = { ...EMPTY_DRAFT, combine: 'sum', terms: [newTerm('band_gap'), { ...newTerm('formation_energy'), kind: 'ehull', negate: true, weight: 0.5 }] };
    expect(specFromDraft(two).reward).toEqual({
      kind: 'sum',
      terms: [
        { weight: 1, term: { kind: 'predictor', predictor: 'band_gap' } },
        { weight: 0.5, term: { kind: 'ehull', formationEnergy: 'formation_energy', transform: { kind: 'linear', scale: -1 } } },
      ],
    });
  });

  it('puts each schema problem next to the field that caused it', () => {
    const draft: RewardDraft = {
      ...EMPTY_DRAFT,
      combine: 'sum',
      terms: [
        { ...newTerm('band_gap'), transform: 'range', min: 2, max: 1, scale: 0.3 },
        { ...newTerm('dielectric_total'), transform: 'range', min: 1, max: 5, scale: -1, weight: NaN },
      ],
      maxAtoms: 0,
      forbidden: 'Pb, Xx',
      penalty: NaN,
    };
    const errors = builderErrors(checkSpec(specFromDraft(draft)), draft);
    expect(errors['term.0.max']).toMatch(/min must not exceed max/);
    expect(errors['term.1.scale']).toMatch(/positive/);
    expect(errors['term.1.weight']).toBeDefined();
    expect(errors.maxAtoms).toMatch(/at least 1/);
    expect(errors.forbidden).toMatch(/not an element symbol/);
    expect(errors.penalty).toBeDefined();
    expect(errors.spec).toBeUndefined();
    // A single term's problems belong to term 0 (its path is reward.transform…).
    const single: RewardDraft = { ...EMPTY_DRAFT, terms: [{ ...newTerm('band_gap'), transform: 'target', value: NaN }] };
    expect(Object.keys(builderErrors(checkSpec(specFromDraft(single)), single))).toEqual(['term.0.value']);
    expect(checkSpec('{ not json')).toMatchObject({ ok: false, problems: [{ path: '(root)', message: expect.stringMatching(/not valid JSON/) }] });
  });

  it('reads element lists as symbols', () => {
    expect(parseElements(' pb, Cd;te |O ')).toEqual(['Pb', 'Cd', 'Te', 'O']);
  });
});

describe('run settings', () => {
  const settings = { ...DEFAULT_RL_SETTINGS, out: 'runs/rl-test' };

  it('become params the finetune job accepts', () => {
    const params = finetuneParamsFor({ ...settings, steps: 3, batchSize: 8, advantage: 'group', groupSize: 4, seed: 11 }, presets['bandgap-dielectric']!);
    const parsed = finetuneParamsSchema.parse(params);
    expect(parsed).toMatchObject({ model: 'default', out: 'runs/rl-test', steps: 3, batchSize: 8, advantage: 'group', groupSize: 4, seed: 11, checkpointEverySteps: 3, resume: false });
    expect(parsed.reward).toEqual(presets['bandgap-dielectric']);
    expect(finetuneParamsSchema.parse(resumeParamsFor('runs/rl-test', 10))).toMatchObject({ out: 'runs/rl-test', resume: true, steps: 10 });
  });

  it('name the wrong field with its allowed range', () => {
    expect(checkRlSettings(settings)).toEqual({});
    const errors = checkRlSettings({ ...settings, steps: 0, lr: 0, clip: 1, beta: -1, advantage: 'group', batchSize: 10, groupSize: 4, out: ' ' });
    expect(Object.keys(errors).sort()).toEqual(['beta', 'clip', 'groupSize', 'lr', 'out', 'steps']);
    expect(errors.groupSize).toMatch(/multiple/);
  });
});

describe('histogram and comparison', () => {
  it('bins several samples over shared equal-width bins', () => {
    const h = histogram([[0, 1, 2, 3], [3, 3]], 2);
    expect(h.edges).toEqual([0, 1.5, 3]);
    expect(h.counts).toEqual([[2, 2], [0, 2]]);
    expect(histogram([[5, 5]], 4).counts[0]!.reduce((a, b) => a + b, 0)).toBe(2);
    expect(histogram([[]], 3).edges).toEqual([]);
  });

  it('merges two curves on the union of their steps', () => {
    const merged = mergeCurves(new Map([[1, 0.1], [2, 0.2]]), new Map([[2, 0.5], [4, 0.7]]));
    expect(merged).toEqual({ x: [1, 2, 4], a: [0.1, 0.2, null], b: [null, 0.5, 0.7] });
  });
});
