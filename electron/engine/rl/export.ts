/**
 * Turn a fine-tuning run into a shipped model folder like `cfstudio model export` does for pretraining: the final
 * policy's weights, a standalone ONNX log-likelihood graph, and a card that keeps the pretrained model's data and
 * training record, adds what the fine-tuning did (reward, PPO settings, KL to the pretrained model, reward before and
 * after) and measures the policy's own validation NLL, next to the pretrained one.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { wyckoffTables } from '../../../shared/tokens/index.ts';
import { loadDataset } from '../train/dataset.ts';
import { MODEL_FORMAT, type ModelCard, loadModel } from '../model/files.ts';
import { ParameterStore } from '../params.ts';
import { readSafetensors } from '../safetensors.ts';
import { LikelihoodEvaluator, summarize } from '../train/evaluate-nll.ts';
import { writeModelFiles } from '../train/export.ts';
import type { FinetuneStepMetrics, RunFile } from './finetune.ts';

export interface FinetunedExportOptions {
  name: string;
  /** Validation dataset for the policy's NLL; default: the pretrained card's `data.validation`, when it exists. */
  validation?: string;
}

export async function exportFinetunedModel(runDir: string, outDir: string, options: FinetunedExportOptions): Promise<ModelCard> {
  const run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as RunFile;
  const weightsFile = join(runDir, 'model', 'model.safetensors');
  if (!existsSync(weightsFile)) throw new Error(`${runDir}: no fine-tuned policy yet (model/model.safetensors is written at the first checkpoint)`);
  const base = await loadModel(run.modelDir);
  const params = ParameterStore.fromSafetensors(await readSafetensors(weightsFile), weightsFile);
  const steps = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { kind?: string })
    .filter((m): m is FinetuneStepMetrics => m.kind === 'step');
  if (steps.length === 0) throw new Error(`${runDir}: metrics.jsonl has no PPO steps`);
  const window = Math.min(10, steps.length);
  const mean = (rows: typeof steps, pick: (m: (typeof steps)[number]) => number) => rows.reduce((s, m) => s + pick(m), 0) / rows.length;

  // The policy's likelihood of held-out crystals: what fine-tuning cost the fit to the data distribution.
  const validationDir = options.validation ?? (typeof base.card.data?.validation === 'string' ? base.card.data.validation.replace(/ \(val split\)$/, '') : undefined);
  let validation: Record<string, number> | null = null;
  if (validationDir && existsSync(join(validationDir, 'manifest.json'))) {
    // A card's "DIR (val split)" means the validation split inside a training dataset; a folder given here is used whole.
    const split = options.validation === undefined && base.card.data.validation.endsWith('(val split)') ? 'val' : 'all';
    const data = await loadDataset(validationDir, { split });
    await initSymmetry(); // the Wyckoff tables behind the likelihood's masks
    const evaluator = await LikelihoodEvaluator.create(base.config);
    try {
      validation = { ...summarize(await evaluator.evaluate(data, wyckoffTables(), new Map(params.names().map((n) => [n, params.get(n)])))) };
    } finally {
      await evaluator.release();
    }
  }

  const last = steps.at(-1)!;
  const files = await writeModelFiles(outDir, base.config, params, { model: options.name, finetune_step: String(last.step) });
  const card: ModelCard = {
    format: MODEL_FORMAT,
    version: 1,
    name: options.name,
    description: `${base.card.description} Then fine-tuned by PPO with a KL penalty (β ${run.config.beta}) to that pretrained model toward the reward '${run.reward.name ?? 'unnamed'}' (${last.step} steps × ${run.config.batchSize} samples).`,
    config: base.config,
    parameterCount: params.totalCount(),
    data: base.card.data,
    training: {
      ...base.card.training,
      finetune: {
        base: base.card.name,
        reward: run.reward,
        settings: run.config,
        stepsDone: last.step,
        wallTimeSeconds: last.elapsedSeconds,
        ...(run.providers ? { providers: run.providers } : {}),
        meanRewardFirstSteps: mean(steps.slice(0, window), (m) => m.reward.mean),
        meanRewardLastSteps: mean(steps.slice(-window), (m) => m.reward.mean),
        // The plain mean log-ratio, as the run's reports and the dashboard (kl.ts: k3 jumps on single crystals).
        meanKlLastSteps: mean(steps.slice(-window), (m) => m.klLogRatio ?? m.kl),
        klEstimate: 'mean of log π − log π₀ over each batch',
        stepsAveraged: window,
      },
    },
    metrics: {
      note: `${String(base.card.metrics.note ?? '')} 'validation': the fine-tuned weights; 'pretrainedValidationAtBest': the pretrained model's.`,
      validation,
      pretrainedValidationAtBest: base.card.metrics.validationAtBest ?? null,
    },
    spaceGroupCounts: base.card.spaceGroupCounts,
    ...files,
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(outDir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
  return card;
}
