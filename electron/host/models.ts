/**
 * The models the app can sample from: every folder in the repository's models/ with a model card (model.json), then
 * the policies of the workspace's fine-tuning runs (each finetune job's `model/` folder), so that a run finished in
 * the RL panel can be chosen in Generate without `cfstudio model export`. Reads the cards only (no weights), so the
 * main process can answer `models.list` without loading the engine.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ApiResult } from '../../shared/api/contract.ts';
import type { JobInfo } from '../../shared/api/jobs.ts';
import { type ModelCard, MODEL_FORMAT, modelsDir } from '../engine/model/files.ts';

export type ModelInfo = ApiResult<'models.list'>[number];

function validationNll(card: ModelCard): number | null {
  // A fine-tuned model's card measures its own weights under 'validation'; a pretrained one's under 'validationAtBest'.
  const best = card.metrics?.['validation'] ?? card.metrics?.['validationAtBest'];
  if (typeof best === 'object' && best !== null && typeof (best as { total?: unknown }).total === 'number') return (best as { total: number }).total;
  return null;
}

/** The summary of the card in `dir`, listed as `name`; throws when the card cannot be read. */
function readModelInfo(dir: string, name: string, source: ModelInfo['source']): ModelInfo {
  const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelCard;
  if (card.format !== MODEL_FORMAT) throw new Error(`not a ${MODEL_FORMAT} card`);
  const counts = Array.isArray(card.spaceGroupCounts) && card.spaceGroupCounts.length === 230 ? card.spaceGroupCounts : [];
  return {
    name,
    source,
    description: typeof card.description === 'string' ? card.description : '',
    parameterCount: Number.isFinite(card.parameterCount) ? card.parameterCount : null,
    validationNll: validationNll(card),
    trainCrystals: typeof card.data?.trainCrystals === 'number' ? card.data.trainCrystals : null,
    spaceGroupCounts: counts,
    createdAt: typeof card.createdAt === 'string' ? card.createdAt : null,
  };
}

/** Cards that cannot be read are skipped with a note in `problems`, so one broken folder hides no other model. */
export function listModels(dir = modelsDir()): { models: ModelInfo[]; problems: string[] } {
  const models: ModelInfo[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { models, problems: [`no models folder at ${dir}`] };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const modelDir = join(dir, entry.name);
    if (!existsSync(join(modelDir, 'model.json'))) continue;
    try {
      models.push(readModelInfo(modelDir, entry.name, 'shipped'));
    } catch (error) {
      problems.push(`${join(modelDir, 'model.json')}: ${(error as Error).message}`);
    }
  }
  models.sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
  return { models, problems };
}

/**
 * The policies of the workspace's fine-tuning jobs (newest first, each folder once: a resumed run reuses its folder)
 * whose `model/` folder holds a card, i.e. that reached their first checkpoint. Each is named by its path relative to
 * the workspace, which a sampling job's `model` accepts; folders outside the workspace are left out.
 */
export function fineTunedModels(workspaceDir: string, jobs: readonly JobInfo[]): { models: ModelInfo[]; problems: string[] } {
  // Job results hold real paths (confined by jobs/workspace-paths.ts), so compare against the workspace's real path.
  const workspace = existsSync(workspaceDir) ? realpathSync(workspaceDir) : workspaceDir;
  const models: ModelInfo[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  // A running job's policy is still being rewritten at each checkpoint: it is listed once the job has ended.
  const ended = [...jobs].filter((job) => job.type === 'finetune' && job.status !== 'queued' && job.status !== 'running');
  for (const job of ended.sort((a, b) => b.createdAt - a.createdAt)) {
    // A stopped or failed job may have no result, but its last checkpoint is in out/model/.
    const out = (job.params as { out?: unknown } | undefined)?.out;
    const fromResult = (job.result as { modelDir?: unknown } | undefined)?.modelDir;
    const modelDir = typeof fromResult === 'string' ? fromResult : typeof out === 'string' ? resolve(workspace, out, 'model') : null;
    if (modelDir === null || seen.has(modelDir)) continue;
    seen.add(modelDir);
    const name = relative(workspace, modelDir).split(sep).join('/');
    if (name === '' || name === '..' || name.startsWith('../') || isAbsolute(name) || !existsSync(join(modelDir, 'model.json'))) continue;
    try {
      models.push(readModelInfo(modelDir, name, 'fine-tuned'));
    } catch (error) {
      problems.push(`${join(modelDir, 'model.json')}: ${(error as Error).message}`);
    }
  }
  return { models, problems };
}
