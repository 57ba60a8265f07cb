/**
 * The shipped predictors (models/predictor-band-gap, -formation-energy, -dielectric) under the names reward specs
 * use: 'band_gap' (eV), 'formation_energy' (eV/atom), 'dielectric_total' (dimensionless).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { predictorRegistry, type PredictorRegistry } from '../rewards/predictors.ts';
import type { CandidateInput, PropertyPredictor } from '../rewards/types.ts';
import { NearestNeighbourDistance } from './geometry.ts';
import { readFileSync } from 'node:fs';
import { type PredictionSpread, type UncertaintyCalibration, predictionSpread, validateCalibration } from './uncertainty.ts';
import { OnnxPropertyPredictor } from './onnx-predictor.ts';
import { MEGNET_FIDELITIES, MegnetBandGapModel, type MegnetFidelity } from './megnet.ts';
import { PROPERTIES, PROPERTY_NAMES, type PropertyName, repositoryRoot, shippedModelDir } from './properties.ts';

/** Loads its model folder on the first prediction, so registering costs nothing until a spec uses the name. */
class LazyShippedPredictor implements PropertyPredictor {
  private loaded: Promise<OnnxPropertyPredictor> | undefined;
  readonly unit: string;
  constructor(
    readonly name: PropertyName,
    readonly dir: string,
  ) {
    this.unit = PROPERTIES[name].unit;
  }

  /** The loaded model; a failed load is forgotten so that the next call tries again. */
  private model(): Promise<OnnxPropertyPredictor> {
    return (this.loaded ??= OnnxPropertyPredictor.load(this.dir).catch((error: Error) => {
      this.loaded = undefined;
      throw error;
    }));
  }

  async predict(batch: readonly CandidateInput[]): Promise<Float64Array> {
    return (await this.model()).predict(batch);
  }

  async spread(values: ArrayLike<number>): Promise<PredictionSpread | undefined> {
    return (await this.model()).spread(values);
  }

  async outOfDomain(batch: readonly CandidateInput[]): Promise<boolean[]> {
    return (await this.model()).outOfDomain(batch);
  }
}

/** The shipped MEGNet band-gap folder (matgl's multi-fidelity model, converted; electron/predictors/megnet.ts). */
export function shippedMegnetDir(): string {
  return join(repositoryRoot(), 'models', 'predictor-band-gap-megnet');
}

/**
 * Registry names of the MEGNet band gap, one per fidelity: 'band_gap_megnet' is PBE (the fidelity of the
 * Materials Project gaps the other predictors learned), then 'band_gap_megnet_gllb_sc', '_hse', '_scan'.
 */
export const MEGNET_PREDICTOR_NAMES: Readonly<Record<string, MegnetFidelity>> = Object.fromEntries(
  MEGNET_FIDELITIES.map((f) => [f === 'PBE' ? 'band_gap_megnet' : `band_gap_megnet_${f.toLowerCase().replace('-', '_')}`, f]),
);

/** One fidelity of the shared MEGNet model; loads the model (once for all fidelities) on the first prediction. */
class LazyMegnetPredictor implements PropertyPredictor {
  readonly unit = 'eV';
  constructor(
    readonly name: string,
    private readonly fidelity: MegnetFidelity,
    private readonly model: () => Promise<MegnetBandGapModel>,
  ) {}

  async predict(batch: readonly CandidateInput[]): Promise<Float64Array> {
    return (await this.model()).predict(batch.map((c) => c.structure), this.fidelity);
  }

  /** The card's spread, calibrated on PBE residuals (MP-20 val); used for every fidelity, as the card notes. */
  async spread(values: ArrayLike<number>): Promise<PredictionSpread | undefined> {
    const calibration = megnetCalibration();
    return calibration ? predictionSpread(calibration, values) : undefined;
  }
}

let megnetCalibrationCache: UncertaintyCalibration | null | undefined;
function megnetCalibration(): UncertaintyCalibration | undefined {
  if (megnetCalibrationCache === undefined) {
    const path = join(shippedMegnetDir(), 'model.json');
    const card = JSON.parse(readFileSync(path, 'utf8')) as { uncertainty?: unknown };
    megnetCalibrationCache = card.uncertainty === undefined ? null : validateCalibration(card.uncertainty, path);
  }
  return megnetCalibrationCache ?? undefined;
}

function registerMegnet(registry: PredictorRegistry, added: string[]): void {
  const dir = shippedMegnetDir();
  if (!existsSync(join(dir, 'model.json')) || !existsSync(join(dir, 'model.safetensors'))) return;
  let loaded: Promise<MegnetBandGapModel> | undefined;
  const model = (): Promise<MegnetBandGapModel> =>
    (loaded ??= MegnetBandGapModel.load(dir).catch((error: Error) => {
      loaded = undefined;
      throw error;
    }));
  for (const [name, fidelity] of Object.entries(MEGNET_PREDICTOR_NAMES)) {
    if (registry.has(name)) continue;
    registry.register(new LazyMegnetPredictor(name, fidelity, model));
    added.push(name);
  }
}

/** Whether the shipped model of `name` is present (models/ may lack it in a checkout without the trained files). */
export function hasShippedPredictor(name: PropertyName): boolean {
  const dir = shippedModelDir(name);
  return existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'model.onnx'));
}

/**
 * Register the shipped predictors that exist on disk and whose names are still free in `registry` (a predictor
 * registered earlier under the same name wins, so callers can substitute their own). Returns the names added.
 * Idempotent.
 */
export function registerShippedPredictors(registry: PredictorRegistry = predictorRegistry): string[] {
  const added: string[] = [];
  for (const name of PROPERTY_NAMES) {
    if (registry.has(name) || !hasShippedPredictor(name)) continue;
    registry.register(new LazyShippedPredictor(name, shippedModelDir(name)));
    added.push(name);
  }
  registerMegnet(registry, added);
  return added;
}

/**
 * Everything a reward spec can name without registering anything itself: the shipped models (above) and the exact
 * geometric quantities of `geometry.ts` ('min_distance'). Names already taken are left alone. Returns the names added.
 */
export function registerBuiltInPredictors(registry: PredictorRegistry = predictorRegistry): string[] {
  const added: string[] = registerShippedPredictors(registry);
  for (const predictor of [new NearestNeighbourDistance()]) {
    if (registry.has(predictor.name)) continue;
    registry.register(predictor);
    added.push(predictor.name);
  }
  return added;
}
