/**
 * One dashboard's job as the page remembers it: which job runs (or ran last), its state, progress, error and
 * result, and whatever the dashboard builds from its outputs (chart points, crystals). It lives in App, outside the
 * view, so leaving the panel (to open a crystal in the Viewer) and coming back keeps the chart and results, and a
 * running job keeps streaming into it. Views read it through `useJobRun`.
 */
import { useSyncExternalStore } from 'react';
import type { JobInfo, JobOutput, JobParams, JobProgress, JobType } from '../../../shared/api/jobs.ts';
import type { JobsBackend, JobWatch } from '../api/jobs.ts';

export type RunPhase = 'idle' | 'starting' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface RunState {
  phase: RunPhase;
  jobId: string | null;
  progress: JobProgress | null;
  /** Why the job failed or could not start, as the engine said it. */
  error: string | null;
  result: unknown;
  startedAt: number | null;
  finishedAt: number | null;
  cancelling: boolean;
}

/** Slowest redraw rate of a dashboard while its job streams (10 per second). */
const RENDER_INTERVAL_MS = 100;

const IDLE: RunState = { phase: 'idle', jobId: null, progress: null, error: null, result: undefined, startedAt: null, finishedAt: null, cancelling: false };

export class JobRun<T extends JobType> {
  private state: RunState = IDLE;
  private watch: JobWatch | null = null;
  private readonly listeners = new Set<() => void>();
  /** Grows on every change (state or outputs). */
  private version = 0;
  /** The version the views last heard of: a fast job streams hundreds of outputs a second, the page redraws at most every RENDER_INTERVAL_MS. */
  private published = 0;
  private notifyTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly type: T,
    /** Called with each output in order; the dashboard updates its chart and lists. */
    private readonly onOutput: (item: JobOutput<T>, index: number) => void,
    /** Called when a new run starts or another job is followed: clear what the last one drew. */
    private readonly onReset: () => void,
  ) {}

  get current(): RunState {
    return this.state;
  }

  get active(): boolean {
    return this.state.phase === 'starting' || this.state.phase === 'queued' || this.state.phase === 'running';
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.published;

  /** Tells the views that something changed (also after the dashboard changed its own data); coalesced. */
  changed(): void {
    this.version++;
    if (this.notifyTimer !== null) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      this.published = this.version;
      for (const listener of this.listeners) listener();
    }, RENDER_INTERVAL_MS);
  }

  private set(update: Partial<RunState>): void {
    this.state = { ...this.state, ...update };
    this.changed();
  }

  private handlers() {
    return {
      onOutput: (item: JobOutput<T>, index: number) => {
        this.onOutput(item, index);
        this.changed();
      },
      onState: (job: JobInfo) => this.applyJob(job),
      onFinished: (job: JobInfo) => {
        this.applyJob(job);
        this.watch = null;
        this.set({ cancelling: false });
      },
    };
  }

  private applyJob(job: JobInfo): void {
    this.set({
      phase: job.status,
      jobId: job.id,
      progress: job.progress ?? this.state.progress,
      error: job.error ?? null,
      result: job.result,
      startedAt: job.startedAt ?? null,
      finishedAt: job.finishedAt ?? null,
    });
  }

  private begin(): void {
    this.watch?.detach();
    this.watch = null;
    this.onReset();
    this.state = { ...IDLE, phase: 'starting' };
    this.changed();
  }

  async start(jobs: JobsBackend, params: JobParams<T>): Promise<void> {
    if (this.active) throw new Error('a run is already going; cancel it first');
    this.begin();
    try {
      this.watch = await jobs.start(this.type, params, this.handlers());
    } catch (error) {
      this.set({ phase: 'failed', error: (error as Error).message });
    }
  }

  async follow(jobs: JobsBackend, jobId: string): Promise<void> {
    this.begin();
    try {
      this.watch = await jobs.follow(this.type, jobId, this.handlers());
    } catch (error) {
      this.set({ phase: 'failed', error: (error as Error).message });
    }
  }

  async cancel(): Promise<void> {
    if (!this.watch) return;
    this.set({ cancelling: true });
    try {
      await this.watch.cancel();
    } catch (error) {
      this.set({ cancelling: false, error: `Cancel failed: ${(error as Error).message}` });
    }
  }
}

/** Re-renders the calling component whenever the run changes; returns its state. */
export function useJobRun<T extends JobType>(run: JobRun<T>): RunState {
  useSyncExternalStore(run.subscribe, run.snapshot);
  return run.current;
}
