/**
 * The shipped predictors (models/predictor-*) against physical facts, their cards, the `predict` CLI and the
 * reward function. Skipped, with a message, when the trained models are not in models/.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCifP1 } from '../../shared/io/index.ts';
import { buildStructure, type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { main } from '../../electron/cli/main.ts';
import type { PredictorCard } from '../../electron/predictors/files.ts';
import { predictProperties } from '../../electron/predictors/predict.ts';
import { PROPERTY_NAMES, shippedModelDir } from '../../electron/predictors/properties.ts';
import { MEGNET_PREDICTOR_NAMES, hasShippedPredictor, registerShippedPredictors, shippedMegnetDir } from '../../electron/predictors/registry.ts';
import { PredictorRegistry, createRewardFunction } from '../../electron/rewards/index.ts';
import { mgo, nacl, rutile } from '../rewards/candidates.ts';

const shipped = PROPERTY_NAMES.every(hasShippedPredictor);
const title = shipped ? 'shipped predictors' : 'shipped predictors — SKIPPED: models/predictor-band-gap, -formation-energy, -dielectric not all present (npm run train:predictors)';

const cubic = (a: number) => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
const rockSalt = (cation: string, anion: string, a: number): WyckoffDescription => ({
  spaceGroup: 225,
  lattice: cubic(a),
  sites: [{ letter: 'a', species: cation, frac: [0, 0, 0] }, { letter: 'b', species: anion, frac: [0.5, 0.5, 0.5] }],
});
const fcc = (element: string, a: number): WyckoffDescription => ({ spaceGroup: 225, lattice: cubic(a), sites: [{ letter: 'a', species: element, frac: [0, 0, 0] }] });
const bcc = (element: string, a: number): WyckoffDescription => ({ spaceGroup: 229, lattice: cubic(a), sites: [{ letter: 'a', species: element, frac: [0, 0, 0] }] });

// Room-temperature lattice constants from R. W. G. Wyckoff, Crystal Structures, vol. 1, 2nd ed. (Wiley, 1963).
const CRYSTALS = {
  MgO: rockSalt('Mg', 'O', 4.2112),
  NaCl: rockSalt('Na', 'Cl', 5.6402),
  LiF: rockSalt('Li', 'F', 4.0270),
  Cu: fcc('Cu', 3.6150),
  Al: fcc('Al', 4.0496),
  Na: bcc('Na', 4.2906),
};
type Name = keyof typeof CRYSTALS;
const NAMES = Object.keys(CRYSTALS) as Name[];

let predicted: Record<string, Record<Name, number>> = {};
let spreads: Record<string, { lower: Float64Array; upper: Float64Array; halfWidth: Float64Array } | undefined> = {};

beforeAll(async () => {
  if (!shipped) return;
  await initSymmetry();
  const structures = NAMES.map((n) => buildStructure(CRYSTALS[n]));
  const result = await predictProperties(structures, PROPERTY_NAMES, { registry: new PredictorRegistry() });
  predicted = Object.fromEntries(result.properties.map((p) => [p.name, Object.fromEntries(NAMES.map((n, i) => [n, p.values[i]!])) as Record<Name, number>]));
  spreads = Object.fromEntries(result.properties.map((p) => [p.name, p.spread]));
});

describe.skipIf(!shipped)(title, () => {
  it('band gap: the wide-gap ionic crystals MgO, NaCl, LiF above 3 eV; the metals Cu, Al, Na below 0.5 eV', () => {
    const gap = predicted.band_gap!;
    for (const n of ['MgO', 'NaCl', 'LiF'] as const) expect(gap[n], n).toBeGreaterThan(3);
    for (const n of ['Cu', 'Al', 'Na'] as const) expect(gap[n], n).toBeLessThan(0.5);
  });

  it('formation energy: NaCl and MgO strongly negative (< −1.5 eV/atom), elemental Cu ≈ 0 (±0.2)', () => {
    const e = predicted.formation_energy!;
    expect(e.NaCl).toBeLessThan(-1.5);
    expect(e.MgO).toBeLessThan(-1.5);
    expect(Math.abs(e.Cu)).toBeLessThan(0.2);
  });

  it('dielectric constant of MgO between 5 and 20 (DFPT ≈ 10, experiment 9.8)', () => {
    expect(predicted.dielectric_total!.MgO).toBeGreaterThan(5);
    expect(predicted.dielectric_total!.MgO).toBeLessThan(20);
  });

  it('cards: held-out MAE below the mean-baseline MAE, sources and clamp range named', async () => {
    for (const name of PROPERTY_NAMES) {
      const card = JSON.parse(await readFile(join(shippedModelDir(name), 'model.json'), 'utf8')) as PredictorCard;
      expect(card.property).toBe(name);
      const m = card.metrics.heldOut;
      expect(m.n, name).toBeGreaterThan(100);
      expect(m.mae, name).toBeLessThan(m.meanBaselineMae);
      expect(card.data.sources.length).toBeGreaterThan(0);
      expect(card.parameterCount).toBeLessThanOrEqual(300_000);
      expect(card.clamp.min).toBeLessThan(card.clamp.max);
      // Every prediction of the tests above lies in the clamp range.
      for (const n of NAMES) {
        expect(predicted[name]![n]).toBeGreaterThanOrEqual(card.clamp.min);
        expect(predicted[name]![n]).toBeLessThanOrEqual(card.clamp.max);
      }
    }
  });

  it('uncertainty: every shipped card is calibrated on its held-out set, and each prediction gets an interval around it', async () => {
    for (const name of PROPERTY_NAMES) {
      const card = JSON.parse(await readFile(join(shippedModelDir(name), 'model.json'), 'utf8')) as PredictorCard;
      expect(card.uncertainty, name).toBeDefined();
      expect(card.uncertainty!.counts.reduce((a, b) => a + b, 0), name).toBeLessThanOrEqual(card.metrics.heldOut.n);
      const s = spreads[name]!;
      NAMES.forEach((n, i) => {
        expect(s.lower[i]!, `${name} ${n}`).toBeLessThanOrEqual(predicted[name]![n]);
        expect(s.upper[i]!, `${name} ${n}`).toBeGreaterThanOrEqual(predicted[name]![n]);
        expect(s.halfWidth[i]!, `${name} ${n}`).toBeCloseTo((s.upper[i]! - s.lower[i]!) / 2, 9);
      });
    }
    // ε is learned as ln ε: its interval is multiplicative, so it widens with ε.
    expect(card('dielectric_total').uncertainty!.space).toBe('log');
  });

  it('cfstudio predict prints every property with units for structure files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-predict-cli-'));
    writeFileSync(join(dir, 'MgO.cif'), writeCifP1(buildStructure(CRYSTALS.MgO)));
    writeFileSync(join(dir, 'Cu.cif'), writeCifP1(buildStructure(CRYSTALS.Cu)));
    let out = '';
    const code = await main(['predict', join(dir, 'MgO.cif'), join(dir, 'Cu.cif'), '--json'], { log: () => {}, out: (t) => (out += t) });
    expect(code).toBe(0);
    const result = JSON.parse(out) as { units: Record<string, string>; predictions: Record<string, number | string>[] };
    expect(result.units).toEqual({ band_gap: 'eV', formation_energy: 'eV/atom', dielectric_total: '' });
    expect(result.predictions[0]!.band_gap).toBeCloseTo(predicted.band_gap!.MgO, 4);
    expect(result.predictions[1]!.formation_energy).toBeCloseTo(predicted.formation_energy!.Cu, 4);
    const uncertainty = (result.predictions[0] as unknown as { uncertainty: Record<string, { halfWidth: number }> }).uncertainty;
    expect(uncertainty.band_gap!.halfWidth).toBeCloseTo(spreads.band_gap!.halfWidth[NAMES.indexOf('MgO')]!, 6);
    let text = '';
    expect(await main(['predict', join(dir, 'MgO.cif'), '--property', 'band_gap'], { log: () => {}, out: (t) => (text += t) })).toBe(0);
    expect(text).toMatch(/band_gap \(eV\)\t±/);
    expect(await main(['predict', join(dir, 'MgO.cif'), '--property', 'hardness'], { log: () => {}, out: () => {} })).toBe(1);
  });

  it('reward function: band_gap × dielectric_total evaluates to finite positive numbers on real candidates', async () => {
    const spec = {
      version: 1 as const,
      reward: { kind: 'product' as const, factors: [{ kind: 'predictor' as const, predictor: 'band_gap' }, { kind: 'predictor' as const, predictor: 'dielectric_total' }] },
    };
    // Through the process-wide registry (createRewardFunction registers the shipped models) …
    const fn = await createRewardFunction(spec);
    const candidates = [mgo(), nacl(), rutile()];
    const { reward, failures } = await fn.evaluate(candidates);
    await fn.close();
    expect(failures.unscored).toBe(0);
    for (const r of reward) {
      expect(Number.isFinite(r)).toBe(true);
      expect(r).toBeGreaterThan(0);
    }
    // … and through an explicit registry filled by registerShippedPredictors: the same values.
    const registry = new PredictorRegistry();
    const megnet = existsSync(join(shippedMegnetDir(), 'model.safetensors')) ? Object.keys(MEGNET_PREDICTOR_NAMES) : [];
    expect(registerShippedPredictors(registry).sort()).toEqual([...PROPERTY_NAMES, ...megnet].sort());
    expect(registerShippedPredictors(registry)).toEqual([]); // idempotent
    const again = await createRewardFunction(spec, { predictors: registry });
    const second = await again.evaluate(candidates);
    await again.close();
    second.reward.forEach((r, i) => expect(r).toBeCloseTo(reward[i]!, 5));
  });
});

function card(name: (typeof PROPERTY_NAMES)[number]): PredictorCard {
  return JSON.parse(readFileSync(join(shippedModelDir(name), 'model.json'), 'utf8')) as PredictorCard;
}
