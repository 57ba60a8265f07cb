/**
 * Time per PPO step at batch 100 with the shipped model and the band gap × dielectric reward, split into sampling
 * (with structure building), reward (predictors and validity checks) and update (prior log-probabilities + the PPO
 * epochs), for the full batch (the reference) and for length-sorted mini-batches, in one run.
 *
 *   node --import tsx bench/ppo-step.ts [--steps N] [--model NAME|DIR]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FINETUNE, type FinetuneStepMetrics, runFinetuning } from '../electron/engine/rl/finetune.ts';
import { createRewardFunction, readRewardSpecFile } from '../electron/rewards/index.ts';

const { values } = parseArgs({ options: { steps: { type: 'string' }, model: { type: 'string' } } });
const steps = Number(values.steps ?? 4);
const model = values.model ?? 'default';

async function main(): Promise<void> {
  const reward = readRewardSpecFile(join(import.meta.dirname, '../resources/rewards/bandgap-dielectric.json'));
  console.log(`PPO step timing: model '${model}', batch 100, ${DEFAULT_FINETUNE.ppoEpochs} PPO epochs, ${steps} steps each (first step excluded: session set-up)`);
  for (const miniBatches of [1, 4]) {
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-bench-ppo-'));
    try {
      await runFinetuning({ model, reward, createReward: (s) => createRewardFunction(s), outDir: dir, config: { ...DEFAULT_FINETUNE, steps: steps + 1, miniBatches, checkpointEverySteps: 1000, seed: 3 }, log: () => {} });
      const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FinetuneStepMetrics).slice(1);
      const mean = (f: (m: FinetuneStepMetrics) => number) => metrics.reduce((s, m) => s + f(m), 0) / metrics.length;
      const total = mean((m) => m.seconds.total);
      console.log(
        `${miniBatches === 1 ? 'full batch      ' : `${miniBatches} mini-batches  `}  total ${total.toFixed(2)} s/step = ` +
          `sampling ${mean((m) => m.seconds.sample).toFixed(2)} + reward ${mean((m) => m.seconds.reward).toFixed(3)} + update ${mean((m) => m.seconds.update).toFixed(2)} ` +
          `(${(100 / total).toFixed(1)} samples/s)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

void main();
