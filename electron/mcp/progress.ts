/**
 * Job progress as MCP progress notifications. The protocol asks that `progress` increase with every notification,
 * but a job's `done` counter starts again at each stage (csp: sampling, then merging, then single points). So when
 * `done` falls back or the total changes, the count goes on from the last value sent: the new stage's `done` and
 * `total` are offset by it, which keeps the fraction progress/total meaningful within the stage. The first report
 * is sent even at 0 (the job has started: a client that resets its timeout on progress hears of it before the first
 * unit is done); after that a notification that would not increase the value is dropped, and at most one is sent per
 * `minIntervalMs` (the last one is sent when the job ends, see `flush`).
 */
import type { JobProgress } from '../../shared/api/jobs.ts';

export interface ProgressNotice {
  progress: number;
  total?: number;
  message?: string;
}

export class MonotonicProgress {
  private offset = 0;
  private lastTotal: number | undefined;
  private lastDone = -1;
  /** -1 until the first notice, so that a first report of 0 is sent. */
  private lastSent = -1;
  private lastSentAt = -Infinity;
  private pending: ProgressNotice | undefined;

  constructor(
    private readonly send: (notice: ProgressNotice) => void,
    private readonly minIntervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a job's progress report; sends (or keeps for later) the notice it maps to. */
  report(progress: JobProgress): void {
    const stageChanged = progress.done < this.lastDone || progress.total !== this.lastTotal;
    if (stageChanged && this.lastDone >= 0) this.offset = Math.max(this.offset, this.lastSent, 0);
    this.lastDone = progress.done;
    this.lastTotal = progress.total;
    const value = this.offset + progress.done;
    if (value <= this.lastSent) return;
    this.pending = {
      progress: value,
      ...(progress.total !== undefined ? { total: this.offset + progress.total } : {}),
      ...(progress.message !== undefined ? { message: progress.message } : {}),
    };
    if (this.now() - this.lastSentAt >= this.minIntervalMs) this.flush();
  }

  /** Sends the notice held back by the rate limit, if any. */
  flush(): void {
    if (!this.pending) return;
    const notice = this.pending;
    this.pending = undefined;
    this.lastSent = notice.progress;
    this.lastSentAt = this.now();
    this.send(notice);
  }
}
