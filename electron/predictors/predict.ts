/**
 * `predictProperties`: structures in, predicted properties out — symmetry analysis (shared/symmetry), Wyckoff
 * description, then each named predictor of the registry (the shipped ones are registered on the way). Used by
 * `cfstudio predict` and meant for the app's predict job.
 */
import type { Structure } from '../../shared/crystal/structure.ts';
import { writeCifP1 } from '../../shared/io/index.ts';
import { DEFAULT_SYMPREC, type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { analyzeStructureBounded } from '../symmetry/bounded.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { analysedCandidate } from '../rewards/canonical.ts';
import { predictorRegistry, type PredictorRegistry } from '../rewards/predictors.ts';
import type { CandidateInput } from '../rewards/types.ts';
import { registerShippedPredictors } from './registry.ts';
import { isUncertaintyAware } from './uncertainty.ts';

export interface PropertyPredictions {
  name: string;
  unit: string;
  /** One value per structure; NaN where the structure could not be analysed or encoded. */
  values: Float64Array;
  /**
   * The predictor's calibrated 68 % interval per structure (./uncertainty.ts) and its half-width, in `unit`;
   * absent for predictors without a calibration (e.g. exact geometric quantities, or a registered oracle).
   */
  spread?: { lower: Float64Array; upper: Float64Array; halfWidth: Float64Array };
}

export interface PredictionResult {
  properties: PropertyPredictions[];
  /** Per structure: why it got no predictions (symmetry analysis failed), else undefined. */
  errors: (string | undefined)[];
  /** Per structure: the description the predictors saw (undefined where analysis failed). */
  descriptions: (WyckoffDescription | undefined)[];
}

export interface PredictOptions {
  /** Symmetry tolerance in Å (default 0.01, as the training data). */
  symprec?: number;
  registry?: PredictorRegistry;
}

export async function predictProperties(structures: readonly Structure[], names: readonly string[], options: PredictOptions = {}): Promise<PredictionResult> {
  const registry = options.registry ?? predictorRegistry;
  registerShippedPredictors(registry);
  const unknown = names.filter((n) => !registry.has(n));
  if (unknown.length) {
    throw new Error(`no predictor named ${unknown.map((n) => `'${n}'`).join(', ')} (available: ${registry.names().join(', ') || 'none — are the models in models/?'})`);
  }
  await initSymmetry();
  const errors: (string | undefined)[] = [];
  const descriptions: (WyckoffDescription | undefined)[] = [];
  const candidates: CandidateInput[] = [];
  const positions: number[] = [];
  structures.forEach((structure, i) => {
    try {
      const description = analyzeStructureBounded(structure, { symprec: options.symprec ?? DEFAULT_SYMPREC }).description;
      descriptions.push(description);
      errors.push(undefined);
      candidates.push(analysedCandidate({ structure, description, cif: writeCifP1(structure) }));
      positions.push(i);
    } catch (error) {
      descriptions.push(undefined);
      errors.push(`symmetry analysis failed: ${(error as Error).message.split('\n')[0]}`);
    }
  });
  const properties: PropertyPredictions[] = [];
  for (const name of names) {
    const predictor = registry.get(name)!;
    const values = new Float64Array(structures.length).fill(NaN);
    if (candidates.length) {
      const predicted = await predictor.predict(candidates);
      positions.forEach((p, k) => (values[p] = predicted[k]!));
    }
    const spread = isUncertaintyAware(predictor) ? await predictor.spread(values) : undefined;
    properties.push({ name, unit: predictor.unit, values, ...(spread ? { spread } : {}) });
  }
  return { properties, errors, descriptions };
}
