// The 'train' job in the real engine host: the tiny preset on a small corpus of textbook prototypes prepared here
// (rock salt and CsCl with random cations, anions and cell sizes), so each run takes seconds.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../shared/api/jobs.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { loadDataset } from '../../electron/engine/train/dataset.ts';
import { prepareDataset } from '../../electron/data/prepare.ts';
import { listCheckpoints } from '../../electron/engine/checkpoint.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { rockSaltCsClCorpusCsv } from './fixtures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-train-job-'));
const dataDir = join(workspace, 'data');
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false }), onEvent: () => {}, log: () => {} });

beforeAll(async () => {
  await initSymmetry();
  writeFileSync(join(workspace, 'corpus.csv'), rockSaltCsClCorpusCsv(64, 5));
  await prepareDataset({ inputs: [join(workspace, 'corpus.csv')], outDir: dataDir, valFraction: 0.25, workers: 0 });
  await supervisor.start();
}, 60_000);
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('train job', () => {
  it('trains the tiny preset for one epoch: finished, progress streamed per step, checkpoint and metrics written', async () => {
    const job = await supervisor.waitFor(supervisor.submit('train', { data: dataDir, config: 'tiny', out: 'runs/one-epoch', epochs: 1, batchSize: 16, learningRate: 1e-3, resume: false }).id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'train'>;
    expect(result.status).toBe('finished');
    expect(result.outDir).toBe(join(workspace, 'runs', 'one-epoch'));
    // One epoch = the training split in full batches of 16; validation covers the val split.
    const train = await loadDataset(dataDir, { split: 'train' });
    const val = await loadDataset(dataDir, { split: 'val' });
    const steps = Math.floor(train.count / 16);
    expect(steps).toBeGreaterThanOrEqual(2);
    const outputs = supervisor.outputs(job.id) as Array<{ step: number; totalSteps: number; loss: number; lastValidation?: { total: number }; validation?: { step: number } }>;
    expect(outputs.map((o) => o.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    expect(outputs.every((o) => o.totalSteps === steps && Number.isFinite(o.loss))).toBe(true);
    // The end-of-epoch validation rides on the last step's item (no later step would carry it).
    expect(outputs.at(-1)!.validation).toMatchObject({ step: steps, nll: { crystals: val.count }, best: true });
    expect(result.step).toBe(steps);
    expect(result.bestValidation?.crystals).toBe(val.count);
    expect(result.checkpoints.length).toBeGreaterThanOrEqual(1);
    for (const path of result.checkpoints) expect(existsSync(path)).toBe(true);
    const metrics = readFileSync(join(result.outDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(metrics.some((m) => m.kind === 'val')).toBe(true);
  }, 120_000);

  it('cancel stops after the current step with a checkpoint, and resume continues from it', async () => {
    const submitted = supervisor.submit('train', { data: dataDir, config: 'tiny', out: 'runs/cancelled', epochs: 500, batchSize: 16, resume: false });
    const started = Date.now();
    while (supervisor.get(submitted.id).outputCount < 2) {
      if (Date.now() - started > 60_000) throw new Error('training made no progress');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    supervisor.cancel(submitted.id);
    const job = await supervisor.waitFor(submitted.id);
    expect(job.status).toBe('cancelled');
    const checkpoints = await listCheckpoints(join(workspace, 'runs', 'cancelled', 'checkpoints'));
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    const stoppedAt = supervisor.outputs(job.id).length;
    expect(stoppedAt).toBeLessThan(1500);

    // Resuming continues from the checkpoint's step (not from 0); cancelled again at once.
    const resumed = supervisor.submit('train', { data: dataDir, config: 'tiny', out: 'runs/cancelled', resume: true });
    while (supervisor.get(resumed.id).outputCount < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    supervisor.cancel(resumed.id);
    const second = await supervisor.waitFor(resumed.id);
    expect(second.status).toBe('cancelled');
    const firstStep = (supervisor.outputs(resumed.id)[0] as { step: number }).step;
    // The checkpoint holds the stopped run's last step, so the resumed run's first update is the next one.
    expect(firstStep).toBe(stoppedAt + 1);
  }, 120_000);

  it('fails with a readable reason for an unknown preset, an output outside the workspace or an existing run', async () => {
    const preset = await supervisor.waitFor(supervisor.submit('train', { data: dataDir, config: 'huge', out: 'runs/x' }).id);
    expect(preset.status).toBe('failed');
    expect(preset.error).toMatch(/config: 'huge' is not a model preset \(.*tiny/);
    expect(() => supervisor.submit('train', { data: dataDir, config: 'tiny', out: '../elsewhere' })).toThrow(/params\.out: '\.\.\/elsewhere' is outside the workspace/);
    const existing = await supervisor.waitFor(supervisor.submit('train', { data: dataDir, config: 'tiny', out: 'runs/one-epoch', epochs: 1, batchSize: 16 }).id);
    expect(existing.status).toBe('failed');
    expect(existing.error).toMatch(/already holds a run; pass --resume/);
    expect(() => supervisor.submit('train', { data: dataDir, out: 'runs/y', epochs: 0 })).toThrow(/params\.epochs/);
  }, 60_000);
});
