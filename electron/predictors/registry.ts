/**
 * The shipped predictors (models/predictor-band-gap, -formation-energy, -dielectric) under the names reward specs
 * use: 'band_gap' (eV), 'formation_energy' (eV/atom), 'dielectric_total' (dimensionless).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { predictorRegistry, type PredictorRegistry } from '../rewards/predictors.ts';
import type { CandidateInput, PropertyPredictor } from '../rewards/types.ts';
import { NearestNeighbourDistance } from './geometry.ts';
import { OnnxPropertyPredictor } from './onnx-predictor.ts';
import { PROPERTIES, PROPERTY_NAMES, type PropertyName, shippedModelDir } from './properties.ts';

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

  async predict(batch: readonly CandidateInput[]): Promise<Float64Array> {
    this.loaded ??= OnnxPropertyPredictor.load(this.dir).catch((error: Error) => {
      this.loaded = undefined;
      throw error;
    });
    return (await this.loaded).predict(batch);
  }

  async outOfDomain(batch: readonly CandidateInput[]): Promise<boolean[]> {
    this.loaded ??= OnnxPropertyPredictor.load(this.dir).catch((error: Error) => {
      this.loaded = undefined;
      throw error;
    });
    return (await this.loaded).outOfDomain(batch);
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
export function registerShippedPredictors(registry: PredictorRegistry = predictorRegistry): PropertyName[] {
  const added: PropertyName[] = [];
  for (const name of PROPERTY_NAMES) {
    if (registry.has(name) || !hasShippedPredictor(name)) continue;
    registry.register(new LazyShippedPredictor(name, shippedModelDir(name)));
    added.push(name);
  }
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
