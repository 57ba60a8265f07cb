// The 'finetune' job in the real engine host, on a tiny random model written here and a reward the test controls:
// a `command` oracle (a small node script; the host is started with CFSTUDIO_ALLOW_COMMAND_ORACLES=1) that scores each crystal as numSites / 10. (A custom PredictorRegistry
// cannot cross into the host process; a command oracle can.) Checked: every step streams its metrics and batch
// rewards, best lists are sorted and their rewards are the oracle's formula of their own CIF, the best crystals land
// in the library under a 'finetune' run, cancel checkpoints and resume continues at the next step, and bad params
// are refused naming the field.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinetuneOutput, JobResult } from '../../shared/api/jobs.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { listCheckpoints } from '../../electron/engine/checkpoint.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { fineTunedModels } from '../../electron/host/models.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { hasShippedPredictor } from '../../electron/predictors/registry.ts';
import type { RewardSpec } from '../../electron/rewards/index.ts';
import { refuseCommandOracles } from '../../electron/host/jobs/finetune.ts';
import { writeTinyModel } from '../engine/rl/tiny-model.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-finetune-job-'));
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false, env: { CFSTUDIO_ALLOW_COMMAND_ORACLES: '1' } }), onEvent: () => {}, log: () => {} });
const oracleScript = join(workspace, 'oracle.mjs');

/** numSites / 10: the reward every crystal gets from the test's oracle. */
const expectedReward = (numSites: number) => numSites / 10;

const reward: RewardSpec = {
  version: 1,
  name: 'sites over ten',
  reward: { kind: 'oracle', name: 'sites', oracle: { type: 'command', command: process.execPath, args: [oracleScript], timeoutSeconds: 60 } },
  penalty: -1,
};

beforeAll(async () => {
  writeTinyModel(join(workspace, 'tiny-model'));
  writeFileSync(
    oracleScript,
    [
      "import { createInterface } from 'node:readline';",
      'const lines = createInterface({ input: process.stdin });',
      'lines.on("line", (line) => { const r = JSON.parse(line); process.stdout.write(JSON.stringify({ id: r.id, reward: r.numSites / 10 }) + "\\n"); });',
    ].join('\n'),
  );
  await supervisor.start();
}, 60_000);
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

const base = { model: 'tiny-model', reward, batchSize: 16, ppoEpochs: 1, learningRate: 1e-3, spaceGroups: [225, 221, 62], seed: 7 };

async function waitForOutputs(id: string, count: number): Promise<void> {
  const started = Date.now();
  while (supervisor.get(id).outputCount < count) {
    if (Date.now() - started > 120_000) throw new Error(`job ${id} streamed ${supervisor.get(id).outputCount} of ${count} outputs in 2 min (${supervisor.get(id).status}: ${supervisor.get(id).error ?? ''})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('finetune job', () => {
  it('refuses command oracles unless the host allows them (they run programs on the engine machine)', () => {
    const previous = process.env.CFSTUDIO_ALLOW_COMMAND_ORACLES;
    delete process.env.CFSTUDIO_ALLOW_COMMAND_ORACLES;
    try {
      expect(() => refuseCommandOracles(reward)).toThrow(/reward\.reward: command oracles .* CFSTUDIO_ALLOW_COMMAND_ORACLES=1/);
      const nested: RewardSpec = { version: 1, reward: { kind: 'product', factors: [{ kind: 'predictor', predictor: 'band_gap' }, reward.reward] } };
      expect(() => refuseCommandOracles(nested)).toThrow(/reward\.reward\.factors\[1\]/);
      expect(() => refuseCommandOracles({ version: 1, reward: { kind: 'predictor', predictor: 'band_gap' } })).not.toThrow();
      process.env.CFSTUDIO_ALLOW_COMMAND_ORACLES = '1';
      expect(() => refuseCommandOracles(reward)).not.toThrow();
    } finally {
      if (previous === undefined) delete process.env.CFSTUDIO_ALLOW_COMMAND_ORACLES;
      else process.env.CFSTUDIO_ALLOW_COMMAND_ORACLES = previous;
    }
  });

  it('runs 3 steps: step metrics with the batch rewards, sorted best lists scored by the oracle, best crystals in the library', async () => {
    const job = await supervisor.waitFor(supervisor.submit('finetune', { ...base, out: 'runs/rl-three', steps: 3, checkpointEverySteps: 1 }).id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'finetune'>;
    expect(result).toMatchObject({ status: 'finished', step: 3, steps: 3, outDir: join(workspace, 'runs', 'rl-three'), modelDir: join(workspace, 'runs', 'rl-three', 'model') });
    expect(existsSync(join(result.modelDir, 'model.json'))).toBe(true);

    const outputs = supervisor.outputs(job.id) as FinetuneOutput[];
    const steps = outputs.filter((o) => o.kind === 'step');
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    for (const s of steps) {
      expect(s.steps).toBe(3);
      // Every sample is scored (no constraints): rewards are numSites/10 ≥ 0.1, or the −1 penalty for a crystal that could not be built.
      expect(s.rewards.length).toBeGreaterThan(0);
      expect(s.rewards.length).toBeLessThanOrEqual(16);
      for (const r of s.rewards) expect(r === -1 || (r >= 0.1 && Math.abs(r * 10 - Math.round(r * 10)) < 1e-9)).toBe(true);
      const mean = s.rewards.reduce((a, b) => a + b, 0) / s.rewards.length;
      expect(s.reward.mean).toBeCloseTo(mean, 9);
      expect(s.reward.max).toBe(Math.max(...s.rewards));
      expect(s.validity.valid).toBeGreaterThanOrEqual(0);
      expect(s.validity.valid).toBeLessThanOrEqual(1);
      expect(Number.isFinite(s.kl)).toBe(true);
      // The reported KL is Schulman's k3, never negative; the plain mean log-ratio is kept beside it.
      expect(s.kl!).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(s.klLogRatio)).toBe(true);
    }
    // The first batch is drawn from the prior itself: KL(π_old ‖ π_0) = 0.
    expect(steps[0]!.kl).toBeCloseTo(0, 3);

    const bests = outputs.filter((o) => o.kind === 'best');
    expect(bests.length).toBeGreaterThanOrEqual(1);
    const last = bests.at(-1)!;
    expect(last.candidates.length).toBeGreaterThan(0);
    expect(last.candidates.length).toBeLessThanOrEqual(12);
    last.candidates.forEach((c, i) => {
      expect(c.rank).toBe(i + 1);
      if (i > 0) expect(c.reward).toBeLessThanOrEqual(last.candidates[i - 1]!.reward);
      const structure = readCifStructure(c.cif, { fileName: `${c.formula}.cif` }).structure;
      expect(c.reward).toBeCloseTo(expectedReward(structure.numSites), 9);
      expect(c.terms.sites).toBeCloseTo(c.reward, 9);
      expect(c.structure?.sites.length).toBe(structure.numSites);
      // Only valid crystals enter the best list: no two atoms closer than 0.5 Å.
      expect(c.minDistance).toBeCloseTo(structure.minimumDistance(), 9);
      expect(c.minDistance!).toBeGreaterThanOrEqual(0.5);
      if (c.spaceGroupFound !== null) expect(c.spaceGroupFound).toBeGreaterThanOrEqual(1);
    });

    // The library: one 'finetune' run holding every best crystal of the run (all found during this job), each
    // streamed candidate stored when it entered the list (a candidate later replaced by a better one of its motif
    // stays), so its card links to its row.
    expect(result.stored).toBeGreaterThanOrEqual(result.best);
    const streamedIds = new Set(bests.flatMap((b) => b.candidates.map((c) => c.libraryId)));
    expect(streamedIds.has(undefined)).toBe(false);
    const library = openLibrary(workspace, { readonly: true });
    try {
      expect(library.getRun(result.runId)).toMatchObject({ kind: 'finetune', status: 'completed' });
      const page = library.queryStructures({ runId: result.runId, limit: 100 });
      expect(page.total).toBe(result.stored);
      for (const id of streamedIds) expect(page.rows.some((row) => row.id === id)).toBe(true);
      for (const c of last.candidates) {
        const row = library.getStructure(c.libraryId!)!;
        expect(row.cif).toBe(c.cif);
        if (!hasShippedPredictor('band_gap')) continue;
        // The shipped band gap with its calibrated 68 % interval, on the streamed candidate and its row alike.
        const gap = c.predictions!.band_gap!;
        expect(gap.unit).toBe('eV');
        if (gap.value === null) {
          expect(row.properties.band_gap).toBeUndefined();
          continue;
        }
        expect(gap.value).toBe(row.properties.band_gap);
        expect(gap.uncertainty!.lower).toBeLessThanOrEqual(gap.value!);
        expect(gap.uncertainty!.upper).toBeGreaterThanOrEqual(gap.value!);
        expect(gap.uncertainty!.halfWidth).toBeCloseTo((gap.uncertainty!.upper - gap.uncertainty!.lower) / 2, 9);
        expect((row.properties.predictions as Record<string, unknown>).band_gap).toEqual(gap);
      }
      for (const row of page.rows) {
        const full = library.getStructure(row.id)!;
        expect(full.tags).toContain('finetune');
        // RL crystals are their own source in the library (they showed as 'generated' before).
        expect(full.source).toBe('rl');
        expect(full.valid).toBe(true);
        expect(full.reward).toBeCloseTo(expectedReward(full.numSites), 9);
        expect(full.rewards.sites).toBeCloseTo(full.reward!, 9);
        if (hasShippedPredictor('band_gap')) {
          // As for the streamed candidates above: a crystal the predictor gives no value (null) stores none.
          const predicted = (full.properties.predictions as Record<string, { value: number | null }> | undefined)?.band_gap;
          if (predicted?.value === null) {
            expect(full.properties.band_gap).toBeUndefined();
            continue;
          }
          expect(typeof full.properties.band_gap).toBe('number');
          expect(full.properties.band_gap as number).toBeGreaterThanOrEqual(0);
        }
      }
      // The top streamed candidate is the best stored row.
      const top = library.queryStructures({ runId: result.runId, sort: { by: 'reward', direction: 'desc' }, limit: 1 }).rows[0]!;
      expect(top.reward).toBeCloseTo(last.candidates[0]!.reward, 9);
    } finally {
      library.close();
    }
  }, 240_000);

  it("lists an ended run's policy as a model for Generate (by its workspace folder), and a generate job samples from it", async () => {
    // After the 3-step run above: its policy is offered next to the shipped models, named as a job's `model` takes it.
    const listed = fineTunedModels(workspace, supervisor.list());
    const three = listed.models.find((m) => m.name === 'runs/rl-three/model');
    expect(three, JSON.stringify(listed)).toMatchObject({ source: 'fine-tuned', parameterCount: expect.any(Number) });
    expect(three!.description).toMatch(/fine-tuned by PPO/);
    expect(listed.problems).toEqual([]);
    const job = await supervisor.waitFor(supervisor.submit('generate', { model: 'runs/rl-three/model', spaceGroups: [225], n: 4, seed: 3, batchSize: 4 }).id);
    expect(job.error).toBeUndefined();
    expect((job.result as JobResult<'generate'>).generated).toBe(4);
    // A path that leads out of the workspace is refused, naming the field.
    expect(() => supervisor.submit('generate', { model: '../elsewhere/model', n: 1 })).toThrow(/params\.model: .* is outside the workspace/);
  });

  it('cancel stops after the current step with a checkpoint; resume continues at the next step', async () => {
    const submitted = supervisor.submit('finetune', { ...base, out: 'runs/rl-cancel', steps: 200, checkpointEverySteps: 50 });
    await waitForOutputs(submitted.id, 3);
    supervisor.cancel(submitted.id);
    const job = await supervisor.waitFor(submitted.id);
    expect(job.status).toBe('cancelled');
    const stoppedAt = Math.max(...(supervisor.outputs(job.id) as FinetuneOutput[]).filter((o) => o.kind === 'step').map((o) => o.step));
    expect(stoppedAt).toBeGreaterThanOrEqual(1);
    expect(stoppedAt).toBeLessThan(200);
    const checkpoints = await listCheckpoints(join(workspace, 'runs', 'rl-cancel', 'checkpoints'));
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    const library = openLibrary(workspace, { readonly: true });
    try {
      const runs = library.listRuns({ kind: 'finetune', status: 'cancelled' });
      expect(runs.length).toBe(1);
      expect(runs[0]!.error).toMatch(/stopped by the user at step \d+/);
    } finally {
      library.close();
    }

    // Resume: no reward needed (the run keeps its own); the first step is the one after the checkpointed step.
    const resumed = supervisor.submit('finetune', { model: 'default', out: 'runs/rl-cancel', resume: true });
    await waitForOutputs(resumed.id, 1);
    supervisor.cancel(resumed.id);
    const second = await supervisor.waitFor(resumed.id);
    expect(second.error).toBeUndefined();
    expect(second.status).toBe('cancelled');
    const firstResumed = (supervisor.outputs(resumed.id) as FinetuneOutput[]).find((o) => o.kind === 'step');
    expect(firstResumed?.step).toBe(stoppedAt + 1);
    // The resumed job stores only the crystals it found: no crystal of the first job is stored twice.
    const again = openLibrary(workspace, { readonly: true });
    try {
      const runIds = again.listRuns({ kind: 'finetune' }).filter((r) => (r.config as { outDir?: string }).outDir === join(workspace, 'runs', 'rl-cancel')).map((r) => r.id);
      expect(runIds.length).toBe(2);
      const cifs = runIds.flatMap((runId) => again.queryStructures({ runId, limit: 100 }).rows.map((row) => again.getStructure(row.id)!.cif));
      expect(cifs.length).toBeGreaterThan(0);
      expect(new Set(cifs).size).toBe(cifs.length);
    } finally {
      again.close();
    }
  }, 240_000);

  it('refuses bad params naming the field, and fails readably for a missing model, an existing run or nothing to resume', async () => {
    const badSpec = { ...reward, reward: { kind: 'product', factors: [{ kind: 'predictor', predictor: 'band_gap', transform: { kind: 'range', min: 1, max: 2, scale: -1 } }] } };
    expect(() => supervisor.submit('finetune', { ...base, reward: badSpec, out: 'runs/bad' })).toThrow(/params\.reward\.reward\.factors\[0\]\.transform\.scale/);
    expect(() => supervisor.submit('finetune', { ...base, reward: { ...reward, version: 2 }, out: 'runs/bad' })).toThrow(/params\.reward\.version/);
    expect(() => supervisor.submit('finetune', { model: 'tiny-model', out: 'runs/bad' })).toThrow(/params\.reward: a reward spec is required/);
    expect(() => supervisor.submit('finetune', { ...base, out: 'runs/bad', advantage: 'group', batchSize: 10, groupSize: 4 })).toThrow(/params\.groupSize: with group advantages/);
    expect(() => supervisor.submit('finetune', { ...base, out: 'runs/bad', steps: 0 })).toThrow(/params\.steps/);

    const missing = await supervisor.waitFor(supervisor.submit('finetune', { ...base, model: 'no-such-model', out: 'runs/x' }).id);
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/model: '.*no-such-model' is neither a model in .* nor a model folder/);
    expect(() => supervisor.submit('finetune', { ...base, out: '../elsewhere' })).toThrow(/params\.out: '\.\.\/elsewhere' is outside the workspace/);
    const existing = await supervisor.waitFor(supervisor.submit('finetune', { ...base, out: 'runs/rl-three', steps: 1 }).id);
    expect(existing.error).toMatch(/out: '.*runs\/rl-three' already holds a run/);
    const nothing = await supervisor.waitFor(supervisor.submit('finetune', { out: 'runs/never', resume: true }).id);
    expect(nothing.error).toMatch(/out: '.*runs\/never' holds no run to resume/);
    const predictor = await supervisor.waitFor(
      supervisor.submit('finetune', { ...base, reward: { version: 1, reward: { kind: 'predictor', predictor: 'no_such_property' } }, out: 'runs/no-predictor', steps: 1 }).id,
    );
    expect(predictor.status).toBe('failed');
    expect(predictor.error).toMatch(/reward: no predictor named 'no_such_property'/);
    // Refused before the engine wrote anything, so the folder stays free for a corrected run.
    expect(existsSync(join(workspace, 'runs', 'no-predictor', 'run.json'))).toBe(false);
  }, 120_000);
});
