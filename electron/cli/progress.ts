/**
 * A one-line progress bar on stderr with count, rate and ETA. When stderr is not a terminal (CI, pipes, logs) it
 * prints a plain line at most every `plainIntervalMs` instead of redrawing, so logs stay readable.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  unit?: string;
  stream?: NodeJS.WriteStream;
  plainIntervalMs?: number;
  /** Items already done before this bar started (a resumed run): they count towards the total, not the rate. */
  initial?: number;
}

export class ProgressBar {
  private readonly startedAt = performance.now();
  private lastDrawAt = 0;
  /** What the last line showed: finish() draws again only if the count or the status changed since. */
  private drawn: { done: number; extra: string } | undefined;
  private done: number;
  private extra = '';
  private readonly stream: NodeJS.WriteStream;
  private readonly interactive: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.interactive = Boolean(this.stream.isTTY);
    this.done = options.initial ?? 0;
  }

  /** Set the absolute count of finished items and an optional status text (e.g. the current loss). */
  update(done: number, extra = ''): void {
    this.done = done;
    this.extra = extra;
    const now = performance.now();
    const interval = this.interactive ? 100 : (this.options.plainIntervalMs ?? 10_000);
    if (now - this.lastDrawAt >= interval || done >= this.options.total) {
      this.lastDrawAt = now;
      this.draw();
    }
  }

  tick(count = 1, extra = ''): void {
    this.update(this.done + count, extra);
  }

  /** Finish the line (interactive) and return the elapsed seconds. */
  finish(extra = ''): number {
    this.extra = extra || this.extra;
    if (this.drawn?.done !== this.done || this.drawn.extra !== this.extra) this.draw();
    if (this.interactive) this.stream.write('\n');
    return (performance.now() - this.startedAt) / 1000;
  }

  private draw(): void {
    this.drawn = { done: this.done, extra: this.extra };
    const { total, label, unit = 'it' } = this.options;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const rate = elapsed > 0 ? (this.done - (this.options.initial ?? 0)) / elapsed : 0;
    const fraction = total > 0 ? Math.min(1, this.done / total) : 0;
    const eta = rate > 0 ? (total - this.done) / rate : Infinity;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const text = `${label} ${bar} ${this.done}/${total} ${(fraction * 100).toFixed(1)}% ${formatRate(rate)} ${unit}/s elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)}${this.extra ? ` ${this.extra}` : ''}`;
    this.stream.write(this.interactive ? `\r\x1b[2K${text}` : `${text}\n`);
  }
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 1 ? rate.toFixed(1) : rate.toFixed(3);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(rest).padStart(2, '0')}` : `${m}:${String(rest).padStart(2, '0')}`;
}
