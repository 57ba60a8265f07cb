/**
 * Job 'predict': the shipped property predictors (electron/predictors, `predictProperties`) on structure files —
 * CIF (every data block) or POSCAR, by path or uploaded — or on library rows by id. One output per structure: its
 * predictions with units, or a readable error naming the file (and line, where the reader knows it). Structures are
 * predicted in small chunks so a cancel is noticed between them.
 */
import type { PredictedStructure } from '../../../shared/api/jobs.ts';
import { Composition } from '../../../shared/crystal/composition.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { predictProperties } from '../../predictors/predict.ts';
import { PROPERTY_NAMES, PROPERTIES, isPropertyName } from '../../predictors/properties.ts';
import { hasShippedPredictor, registerBuiltInPredictors } from '../../predictors/registry.ts';
import { predictorRegistry } from '../../rewards/predictors.ts';
import type { JobRunner } from './types.ts';
import { checkpoint } from './read-sources.ts';
import { readStructureItems } from './structure-inputs.ts';
import type { InputFailure } from '../../../shared/batch/each-input.ts';

/** Structures per predictProperties call: large enough to batch the networks, small enough to notice a cancel. */
const CHUNK = 64;


/** The predictor names to use: the requested ones (each must exist), or every shipped one present. */
function propertyNames(requested: readonly string[] | undefined): string[] {
  registerBuiltInPredictors(predictorRegistry);
  if (requested === undefined) {
    const shipped = PROPERTY_NAMES.filter((name) => hasShippedPredictor(name));
    if (shipped.length === 0) throw new Error('properties: no shipped predictor is present in models/ (predictor-band-gap, -formation-energy, -dielectric)');
    return shipped;
  }
  const unknown = requested.filter((name) => !predictorRegistry.has(name));
  if (unknown.length) {
    const known = predictorRegistry.names();
    const missing = unknown.map((name) => (isPropertyName(name) ? `'${name}' (its model folder models/${PROPERTIES[name].modelDir} is missing)` : `'${name}'`));
    throw new Error(`properties: no predictor named ${missing.join(', ')} (available: ${known.join(', ') || 'none'})`);
  }
  return [...new Set(requested)];
}

export const predict: JobRunner<'predict'> = async (params, context) => {
  const names = propertyNames(params.properties);
  await initSymmetry();
  const units = names.map((name) => ({ name, unit: predictorRegistry.get(name)!.unit }));
  let predicted = 0;
  let failed = 0;
  const fail = (source: string, error: string) => {
    failed++;
    context.output({ ok: false, source, error });
  };

  // Read everything first (cheap next to prediction) so progress has a total. A source or row that cannot be
  // read is one failed output; the others go on.
  const items = await readStructureItems(params, context, (failure: InputFailure) => fail(failure.file, failure.error));

  for (let start = 0; start < items.length; start += CHUNK) {
    await checkpoint(context.signal);
    context.progress({ done: start, total: items.length, message: `predicting ${names.join(', ')}` });
    const chunk = items.slice(start, start + CHUNK);
    const result = await predictProperties(
      chunk.map((item) => item.structure),
      names,
      { symprec: params.symprec },
    );
    chunk.forEach((item, i) => {
      const predictions: Extract<PredictedStructure, { ok: true }>['predictions'] = {};
      for (const p of result.properties) {
        const value = p.values[i]!;
        const s = p.spread;
        const spread = s && Number.isFinite(s.halfWidth[i]!) ? { halfWidth: s.halfWidth[i]!, lower: s.lower[i]!, upper: s.upper[i]! } : null;
        predictions[p.name] = { value: Number.isFinite(value) ? value : null, unit: p.unit, ...(s ? { uncertainty: spread } : {}) };
      }
      const description = result.descriptions[i];
      const error = result.errors[i];
      const missing = Object.entries(predictions).filter(([, p]) => p.value === null).map(([name]) => name);
      const warning = error ?? (missing.length ? `no prediction for ${missing.join(', ')} (the predictor could not encode this structure)` : undefined);
      predicted++;
      context.output({
        ok: true,
        source: item.source,
        block: item.block,
        ...(item.libraryId !== undefined ? { libraryId: item.libraryId } : {}),
        formula: Composition.fromStructure(item.structure).reducedFormula,
        spaceGroup: description?.spaceGroup ?? null,
        predictions,
        ...(warning ? { warning } : {}),
      });
    });
  }
  context.progress({ done: items.length, total: items.length });
  return { predicted, failed, properties: units };
};
