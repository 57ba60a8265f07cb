/**
 * The folder of a training run, the same for pretraining and fine-tuning:
 *   run.json        what was asked, fixed at the first start (plus the execution providers of each invocation)
 *   metrics.jsonl   one JSON object per line, each with the optimizer `step` it belongs to
 *   checkpoints/    checkpoint-XXXXXXXX.safetensors: weights, Adam state and the run's own progress (the last few kept)
 * A new run refuses a folder that already holds one; `--resume` continues from the latest checkpoint and first drops
 * the metric lines written after it (a crash between a checkpoint and the next leaves lines for steps that are then
 * run again), so the file holds each step once, as an uninterrupted run would.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Checkpoint, type JsonValue, latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { ParameterStore } from './params.ts';
import { recordRunProviders } from './run-providers.ts';
import type { TrainingStep } from './train-step.ts';

/** What a checkpoint restored into a training step gives back: the run's progress as it was saved. */
export interface RestoredCheckpoint<Progress> {
  path: string;
  checkpoint: Checkpoint;
  progress: Progress;
}

export class RunFolder {
  readonly runFile: string;
  readonly metricsFile: string;
  readonly checkpointsDir: string;

  private constructor(readonly dir: string) {
    this.runFile = join(dir, 'run.json');
    this.metricsFile = join(dir, 'metrics.jsonl');
    this.checkpointsDir = join(dir, 'checkpoints');
  }

  /** A folder for a new run (refused when it already holds one) or one to resume (refused when it holds none). */
  static open(dir: string, options: { resume: boolean }): RunFolder {
    const folder = new RunFolder(dir);
    const exists = existsSync(folder.runFile);
    if (options.resume && !exists) throw new Error(`${dir}: nothing to resume (no run.json)`);
    if (!options.resume && exists) throw new Error(`${dir} already holds a run; pass --resume to continue it or choose another --out`);
    return folder;
  }

  async readRun<Run>(): Promise<Run> {
    return JSON.parse(await readFile(this.runFile, 'utf8')) as Run;
  }

  /** Write run.json (and create the folder with its checkpoints/). */
  async writeRun(run: unknown): Promise<void> {
    await mkdir(this.checkpointsDir, { recursive: true });
    await writeFile(this.runFile, JSON.stringify(run, null, 2));
  }

  /** Record in run.json which execution provider each workload runs on in this invocation (run-providers.ts). */
  recordProviders(): Promise<Record<string, string>> {
    return recordRunProviders(this.runFile);
  }

  /** The latest checkpoint, if any. */
  async latestCheckpoint(): Promise<{ path: string; checkpoint: Checkpoint } | undefined> {
    const path = await latestCheckpoint(this.checkpointsDir);
    return path ? { path, checkpoint: await loadCheckpoint(path) } : undefined;
  }

  /**
   * Load weights and optimizer state of a checkpoint into `step` and return the progress it saved. The caller then
   * drops the metric lines after the step the progress has reached (`dropMetricsAfter`; metrics count the run's own
   * steps, which for fine-tuning are not optimizer steps).
   */
  restore<Progress>(step: TrainingStep, found: { path: string; checkpoint: Checkpoint }): RestoredCheckpoint<Progress> {
    const { path, checkpoint } = found;
    const optimizer = checkpoint.optimizer;
    if (!optimizer) throw new Error(`${path}: checkpoint has no optimizer state`);
    step.loadState({ step: optimizer.step, parameters: new Map(checkpoint.params.names().map((n) => [n, checkpoint.params.get(n)])), m: optimizer.slots.m!, v: optimizer.slots.v! });
    return { path, checkpoint, progress: checkpoint.metadata?.progress as unknown as Progress };
  }

  /** Save the step's weights and Adam state with the run's progress; keeps the last `keepLast` checkpoints. */
  async saveCheckpoint(
    step: TrainingStep,
    saved: { kind: 'adam' | 'adamw'; hyper: Record<string, number>; progress: JsonValue; metadata?: Record<string, JsonValue>; keepLast: number },
  ): Promise<ParameterStore> {
    const state = step.state();
    const params = new ParameterStore();
    step.parameterNames.forEach((name, i) => params.set(name, state.parameters.get(name)!, step.parameterShapes[i]!));
    await saveCheckpoint(
      this.checkpointsDir,
      { params, optimizer: { kind: saved.kind, step: state.step, slots: { m: state.m, v: state.v }, hyper: saved.hyper }, metadata: { progress: saved.progress, ...saved.metadata } },
      { keepLast: saved.keepLast },
    );
    return params;
  }

  /** Append one metrics line; non-finite numbers are written as null (JSON has no NaN). */
  async appendMetrics<Line extends { step: number }>(line: Line): Promise<void> {
    await appendFile(this.metricsFile, JSON.stringify(line, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value)) + '\n');
  }

  /** Keep the metric lines of steps ≤ `step`; a line cut off by a crash goes too. */
  async dropMetricsAfter(step: number): Promise<void> {
    if (!existsSync(this.metricsFile)) return;
    const lines = (await readFile(this.metricsFile, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    const kept = lines.filter((line) => {
      try {
        return (JSON.parse(line) as { step?: number }).step! <= step;
      } catch {
        return false;
      }
    });
    if (kept.length !== lines.length) await writeFile(this.metricsFile, kept.map((l) => l + '\n').join(''));
  }
}
