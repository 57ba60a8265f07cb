/**
 * `cfstudio finetune` end to end in a child process, on a tiny random model with the shipped band-gap predictor:
 * SIGTERM stops after the current step with a checkpoint (exit 0, status 'stopped'), `--resume` continues to the
 * requested step count, `model export --finetune` packages the run, and mistakes in the input are one-line errors
 * with exit code 1.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../engine/rl/tiny-model.ts';

const shipped = existsSync(join(import.meta.dirname, '../../models/predictor-band-gap/model.json'));
let dir: string;
let model: string;
let spec: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-ft-cli-'));
  model = join(dir, 'tiny');
  writeTinyModel(model);
  spec = join(dir, 'gap.json');
  writeFileSync(spec, JSON.stringify({ version: 1, name: 'band gap', reward: { kind: 'predictor', predictor: 'band_gap' }, penalty: -1 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['electron/cli/bin.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);

describe.skipIf(!shipped)('cfstudio finetune', () => {
  it('stops on SIGTERM with a checkpoint and resumes to the requested steps', async () => {
    const out = join(dir, 'run');
    const common = ['--model', model, '--batch-size', '8', '--ppo-epochs', '1', '--checkpoint-every', '100', '--space-groups', '225,221', '--out', out];
    let sent = false;
    const first = await cli(['finetune', '--reward', spec, '--steps', '200', ...common], (_text, kill) => {
      // The first step's metrics line is on disk: stop the run.
      if (!sent && existsSync(join(out, 'metrics.jsonl')) && lines(join(out, 'metrics.jsonl')).length >= 1) {
        sent = true;
        kill('SIGTERM');
      }
    });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^stopped: step \d+/);
    const stoppedAt = lines(join(out, 'metrics.jsonl')).length;
    expect(stoppedAt).toBeGreaterThanOrEqual(1);
    expect(stoppedAt).toBeLessThan(200);
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);

    const second = await cli(['finetune', '--resume', '--steps', String(stoppedAt + 2), ...common]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^finished: step ${stoppedAt + 2}`));
    const steps = lines(join(out, 'metrics.jsonl')).map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual(Array.from({ length: stoppedAt + 2 }, (_, i) => i + 1));
    // Every step reports its judges (issue #24) and the end of the run prints them with the rule in words.
    for (const line of lines(join(out, 'metrics.jsonl'))) {
      const { judges } = JSON.parse(line) as { judges: Record<string, number> };
      for (const key of ['unique', 'strictComposition', 'plausibleContacts', 'duplicates']) expect(judges[key], key).toBeGreaterThanOrEqual(0);
      expect(judges.unique).toBeGreaterThan(0);
      expect(judges.unique).toBeLessThanOrEqual(1);
    }
    expect(second.stdout).toMatch(/last \d+ steps: reward -?[\d.]+, unique \d+%, strict composition \d+%, contacts \d+%/);
    expect(second.stdout).toMatch(/ICSD compounds/);

    // The run packaged as a model folder; the tiny model has no validation set, so its NLL is n/a.
    const packaged = join(dir, 'packaged');
    const exported = await cli(['model', 'export', '--finetune', out, '--out', packaged]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^wrote .*packaged: [\d,]+ parameters, validation NLL\/crystal n\/a/);
    const card = JSON.parse(readFileSync(join(packaged, 'model.json'), 'utf8')) as { name: string; training: { finetune: { stepsDone: number; base: string } } };
    expect(card.name).toBe('packaged');
    expect(card.training.finetune).toMatchObject({ stepsDone: stoppedAt + 2, base: 'tiny-test' });
    expect(existsSync(join(packaged, 'model.onnx'))).toBe(true);
    for (const args of [['--out', join(dir, 'p2')], ['--run', out, '--finetune', out, '--out', join(dir, 'p3')]]) {
      const wrong = await cli(['model', 'export', ...args]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.trim().split('\n').filter((l) => !l.startsWith('npm'))).toEqual(['cfstudio: model export takes one of --run RUN_DIR (a training run) or --finetune RUN_DIR (a fine-tuning run)']);
    }
  }, 180_000);

  it('rejects bad input with one line and exit code 1', async () => {
    const bad = await cli(['finetune', '--reward', spec, '--model', model, '--advantage', 'median', '--out', join(dir, 'x')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n').filter((l) => !l.startsWith('npm')).join('\n')).toMatch(/--advantage must be 'baseline' or 'group'/);
    const existing = await cli(['finetune', '--reward', spec, '--model', model, '--out', join(dir, 'run')]);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toMatch(/already holds a run/);
    expect(existing.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const group = await cli(['finetune', '--reward', spec, '--model', model, '--advantage', 'group', '--batch-size', '10', '--group-size', '4', '--out', join(dir, 'y')]);
    expect(group.code).toBe(1);
    expect(group.stderr).toMatch(/multiple of the group size/);
  }, 120_000);
});
