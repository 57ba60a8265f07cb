/**
 * A one-line progress bar with rate and ETA for long CLI jobs. On a terminal it redraws in place (carriage
 * return); otherwise (logs, CI) it prints a plain line at most every `logIntervalMs`. Written by hand because it
 * is small and must share stderr with the command's other log lines.
 */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastText = '';

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly redrawMs = 200,
    private readonly logIntervalMs = 5000,
  ) {}

  /**
   * `fraction` of the work done (0…1, e.g. bytes read / total bytes), `items` processed so far (for the rate),
   * `detail` a short extra note (e.g. skipped counts).
   */
  update(fraction: number, items: number, detail = '', force = false): void {
    const now = Date.now();
    const interval = this.sink.isTTY ? this.redrawMs : this.logIntervalMs;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const text = formatProgress(this.label, fraction, items, (now - this.started) / 1000, detail);
    if (this.sink.isTTY) {
      const padding = this.lastText.length > text.length ? ' '.repeat(this.lastText.length - text.length) : '';
      this.sink.write(`\r${text}${padding}`);
    } else {
      this.sink.write(`${text}\n`);
    }
    this.lastText = text;
  }

  finish(items: number, detail = ''): void {
    this.update(1, items, detail, true);
    if (this.sink.isTTY) this.sink.write('\n');
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(rest).padStart(2, '0')}` : `${m}:${String(rest).padStart(2, '0')}`;
}

export function formatProgress(label: string, fraction: number, items: number, elapsedSeconds: number, detail = ''): string {
  const f = Math.min(1, Math.max(0, fraction));
  const width = 24;
  const filled = Math.round(f * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const rate = elapsedSeconds > 0 ? items / elapsedSeconds : 0;
  const eta = f > 0 && f < 1 ? (elapsedSeconds * (1 - f)) / f : f >= 1 ? 0 : Infinity;
  return `${label} ${bar} ${(f * 100).toFixed(1).padStart(5)}% ${items} rows ${rate.toFixed(1)}/s elapsed ${formatDuration(elapsedSeconds)} ETA ${formatDuration(eta)}${detail ? ` ${detail}` : ''}`;
}
