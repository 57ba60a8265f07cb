/**
 * Predicted properties stored on a library row (`properties.predictions`, written by the finetune job: value, unit
 * and calibrated 68 % interval per predictor) as a Candidate's `predictions`. Rows without them, or with a shape
 * this version does not know, get none rather than a guess.
 */
import { z } from 'zod';
import { propertyPredictionSchema, type PropertyPrediction } from '../../../shared/api/jobs.ts';

const storedPredictions = z.record(z.string(), propertyPredictionSchema);

export function predictionsOfRow(properties: Readonly<Record<string, unknown>>): { predictions?: Record<string, PropertyPrediction> } {
  const parsed = storedPredictions.safeParse(properties.predictions);
  return parsed.success && Object.keys(parsed.data).length ? { predictions: parsed.data } : {};
}
