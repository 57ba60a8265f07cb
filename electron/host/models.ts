/**
 * The models the app can sample from: every folder in the repository's models/ with a model card (model.json).
 * Reads the cards only (no weights), so the main process can answer `models.list` without loading the engine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiResult } from '../../shared/api/contract.ts';
import { type ModelCard, MODEL_FORMAT, modelsDir } from '../engine/model/files.ts';

export type ModelInfo = ApiResult<'models.list'>[number];

function validationNll(card: ModelCard): number | null {
  // A fine-tuned model's card measures its own weights under 'validation'; a pretrained one's under 'validationAtBest'.
  const best = card.metrics['validation'] ?? card.metrics['validationAtBest'];
  if (typeof best === 'object' && best !== null && typeof (best as { total?: unknown }).total === 'number') return (best as { total: number }).total;
  return null;
}

/** Cards that cannot be read are skipped with a note in `problems`, so one broken folder hides no other model. */
export function listModels(dir = modelsDir()): { models: ModelInfo[]; problems: string[] } {
  const models: ModelInfo[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { models, problems: [`no models folder at ${dir}`] };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const cardPath = join(dir, entry.name, 'model.json');
    if (!existsSync(cardPath)) continue;
    try {
      const card = JSON.parse(readFileSync(cardPath, 'utf8')) as ModelCard;
      if (card.format !== MODEL_FORMAT) throw new Error(`not a ${MODEL_FORMAT} card`);
      const counts = Array.isArray(card.spaceGroupCounts) && card.spaceGroupCounts.length === 230 ? card.spaceGroupCounts : [];
      models.push({
        name: entry.name,
        description: typeof card.description === 'string' ? card.description : '',
        parameterCount: Number.isFinite(card.parameterCount) ? card.parameterCount : null,
        validationNll: validationNll(card),
        trainCrystals: typeof card.data?.trainCrystals === 'number' ? card.data.trainCrystals : null,
        spaceGroupCounts: counts,
        createdAt: typeof card.createdAt === 'string' ? card.createdAt : null,
      });
    } catch (error) {
      problems.push(`${cardPath}: ${(error as Error).message}`);
    }
  }
  models.sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
  return { models, problems };
}
