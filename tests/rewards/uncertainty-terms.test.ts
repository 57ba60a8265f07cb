/**
 * A predictor term's `uncertainty` option (shared/api/reward-spec.ts) with the shipped predictors: the confidence
 * bound and the rejection of wide predictions, checked against the calibration written in each model card
 * (bins by predicted value, a ±1 RMS half-width per bin, in ε's case in ln ε) read here from model.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { parseRewardSpec, type RewardSpec, type Term } from '../../shared/api/reward-spec.ts';
import { shippedModelDir, type PropertyName } from '../../electron/predictors/properties.ts';
import { hasShippedPredictor, registerBuiltInPredictors } from '../../electron/predictors/registry.ts';
import { PredictorRegistry, createRewardFunction } from '../../electron/rewards/index.ts';
import type { CandidateInput } from '../../electron/rewards/types.ts';
import { cscl, ironBcc, mgo, nacl, rutile } from './candidates.ts';

interface CardCalibration {
  space: 'linear' | 'log';
  edges: number[];
  halfWidths: number[];
}

/** The card's half-width for a prediction: the first bin whose upper edge the value does not exceed. */
function cardHalfWidth(property: PropertyName, value: number): { w: number; space: 'linear' | 'log' } {
  const card = JSON.parse(readFileSync(join(shippedModelDir(property), 'model.json'), 'utf8')) as { uncertainty: CardCalibration };
  const { edges, halfWidths, space } = card.uncertainty;
  const bin = edges.findIndex((edge) => value <= edge);
  return { w: halfWidths[bin === -1 ? halfWidths.length - 1 : bin]!, space };
}

const spec = (reward: Term, extra: Partial<RewardSpec> = {}): RewardSpec => ({ version: 1, reward, penalty: -1, failureReward: -5, ...extra });

const shipped = hasShippedPredictor('band_gap') && hasShippedPredictor('dielectric_total');
let batch: CandidateInput[] = [];
let registry: PredictorRegistry;
const plain: Record<string, Float64Array> = {};

beforeAll(async () => {
  await initSymmetry();
  // Wide-gap salts, a semiconductor oxide, metals: predictions land in several calibration bins.
  batch = [nacl(), mgo(), cscl(), rutile(), ironBcc()];
  registry = new PredictorRegistry();
  registerBuiltInPredictors(registry);
  if (!shipped) return;
  for (const name of ['band_gap', 'dielectric_total']) plain[name] = await registry.get(name)!.predict(batch);
});

describe('the uncertainty option in the schema', () => {
  const parse = (uncertainty: unknown) => parseRewardSpec({ version: 1, reward: { kind: 'predictor', predictor: 'band_gap', uncertainty } }, 'u.json');

  it('takes a bound, a threshold, or both', () => {
    expect(parse({ bound: 'lower', k: 2 }).reward).toMatchObject({ uncertainty: { bound: 'lower', k: 2 } });
    expect(parse({ maxHalfWidth: 0.5 }).reward).toMatchObject({ uncertainty: { maxHalfWidth: 0.5 } });
  });

  it('refuses k without a bound, an empty option, a non-positive threshold and unknown fields, naming the path', () => {
    expect(() => parse({ k: 2 })).toThrow(/reward\.uncertainty\.k: k needs a bound/);
    expect(() => parse({})).toThrow(/reward\.uncertainty: needs maxHalfWidth, bound or both/);
    expect(() => parse({ maxHalfWidth: 0 })).toThrow(/reward\.uncertainty\.maxHalfWidth: must be positive/);
    expect(() => parse({ bound: 'middle' })).toThrow(/reward\.uncertainty\.bound/);
    expect(() => parse({ bound: 'lower', sigma: 1 })).toThrow(/reward\.uncertainty/);
  });

  it('set-up fails for a predictor that states no spread (min_distance)', async () => {
    const reward: Term = { kind: 'product', factors: [{ kind: 'predictor', predictor: 'min_distance', uncertainty: { bound: 'lower' } }] };
    await expect(createRewardFunction(spec(reward), { predictors: registry })).rejects.toThrow(/reward\.factors\[0\]\.uncertainty: predictor 'min_distance' states no uncertainty/);
  });
});

describe.skipIf(!shipped)('the uncertainty option with the shipped predictors', () => {
  it('bound lower, k = 2: band gap − 2 × the card half-width of its bin', async () => {
    const fn = await createRewardFunction(spec({ kind: 'predictor', predictor: 'band_gap', uncertainty: { bound: 'lower', k: 2 } }), { predictors: registry });
    const result = await fn.evaluate(batch);
    await fn.close();
    plain.band_gap!.forEach((gap, i) => {
      const { w, space } = cardHalfWidth('band_gap', gap);
      expect(space).toBe('linear');
      expect(result.reward[i]!, `candidate ${i}`).toBeCloseTo(gap - 2 * w, 9);
    });
  });

  it('dielectric_total is calibrated in ln ε: bound lower / upper with k = 1 are ε·e^(∓w)', async () => {
    const reward: Term = {
      kind: 'sum',
      terms: [
        { term: { kind: 'predictor', name: 'eps_low', predictor: 'dielectric_total', uncertainty: { bound: 'lower' } } },
        { term: { kind: 'predictor', name: 'eps_high', predictor: 'dielectric_total', uncertainty: { bound: 'upper' } } },
      ],
    };
    const fn = await createRewardFunction(spec(reward), { predictors: registry });
    const result = await fn.evaluate(batch);
    await fn.close();
    plain.dielectric_total!.forEach((eps, i) => {
      const { w, space } = cardHalfWidth('dielectric_total', eps);
      expect(space).toBe('log');
      expect(result.terms['eps_low']![i]!, `candidate ${i}`).toBeCloseTo(eps * Math.exp(-w), 9);
      expect(result.terms['eps_high']![i]!, `candidate ${i}`).toBeCloseTo(eps * Math.exp(w), 9);
    });
  });

  it('maxHalfWidth rejects exactly the predictions whose card half-width is above it: failureReward, counted as uncertain', async () => {
    const threshold = 0.5;
    const rejected = [...plain.band_gap!].map((gap) => cardHalfWidth('band_gap', gap).w > threshold);
    // The batch must test both sides: salts predicted with wide gaps (wide bins) and metals near 0 eV (narrow bins).
    expect(rejected.some(Boolean)).toBe(true);
    expect(rejected.some((r) => !r)).toBe(true);
    const fn = await createRewardFunction(spec({ kind: 'predictor', predictor: 'band_gap', uncertainty: { maxHalfWidth: threshold } }), { predictors: registry });
    const result = await fn.evaluate(batch);
    await fn.close();
    rejected.forEach((isRejected, i) => expect(result.reward[i]!, `candidate ${i}`).toBe(isRejected ? -5 : plain.band_gap![i]!));
    const count = rejected.filter(Boolean).length;
    expect(result.failures.unscored).toBe(count);
    expect(result.failures.terms['band_gap']).toEqual({ nonFinite: 0, errors: 0, timeouts: 0, uncertain: count });
    expect(result.failures.messages).toContain('band_gap: predictions wider than ±0.5 rejected (uncertainty.maxHalfWidth)');
  });

  it('the bound applies before the transform, and terms without the option keep the plain prediction', async () => {
    const reward: Term = {
      kind: 'sum',
      terms: [
        { term: { kind: 'predictor', name: 'gap', predictor: 'band_gap' } },
        { term: { kind: 'predictor', name: 'gap_lcb', predictor: 'band_gap', uncertainty: { bound: 'lower' }, transform: { kind: 'clip', min: 0 } } },
      ],
    };
    const fn = await createRewardFunction(spec(reward), { predictors: registry });
    const result = await fn.evaluate(batch);
    await fn.close();
    plain.band_gap!.forEach((gap, i) => {
      const bound = gap - cardHalfWidth('band_gap', gap).w;
      expect(result.terms['gap']![i]!).toBe(gap);
      expect(result.raw['gap_lcb']![i]!).toBeCloseTo(bound, 9);
      expect(result.terms['gap_lcb']![i]!).toBeCloseTo(Math.max(0, bound), 9);
    });
  });
});
