/**
 * The points of a live chart: one shared x column (step, sweep, seconds …) and one y column per series, grown in
 * place as outputs stream in (a long training run has tens of thousands of steps; copying the arrays on every
 * point would be quadratic). A series without a value at some x holds null there (e.g. validation NLL, measured
 * every few hundred steps, next to the per-step loss). Pure TypeScript, so it is tested in Node.
 */
export type ChartColumns = [number[], ...(number | null)[][]];

export class ChartData {
  readonly x: number[] = [];
  readonly columns: (number | null)[][];
  /** Grows by one on every change; a chart redraws when it sees a new version. */
  version = 0;

  constructor(readonly seriesCount: number) {
    if (!Number.isInteger(seriesCount) || seriesCount < 1) throw new Error(`a chart needs at least one series, got ${seriesCount}`);
    this.columns = Array.from({ length: seriesCount }, () => []);
  }

  get length(): number {
    return this.x.length;
  }

  /**
   * Adds a point at `x` with one value per series (null/undefined = no value for that series there; non-finite
   * values count as none, so one diverged number does not wreck the scale). Returns false, adding nothing, when x
   * is not finite or lies before the last point: the x column must stay sorted for the chart.
   */
  append(x: number, values: readonly (number | null | undefined)[]): boolean {
    if (values.length > this.seriesCount) throw new Error(`${values.length} values for a chart of ${this.seriesCount} series`);
    const lastX = this.x[this.x.length - 1];
    if (!Number.isFinite(x) || (lastX !== undefined && x < lastX)) return false;
    this.x.push(x);
    for (let s = 0; s < this.seriesCount; s++) {
      const v = values[s];
      this.columns[s]!.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
    }
    this.version++;
    return true;
  }

  /**
   * Adds the point at `x` after dropping every point at or after it: a run resumed from a checkpoint repeats the
   * steps after the checkpoint, and the repeat replaces what the stopped run had shown of them. Returns false,
   * changing nothing, when x is not finite.
   */
  put(x: number, values: readonly (number | null | undefined)[]): boolean {
    if (!Number.isFinite(x)) return false;
    let keep = this.x.length;
    while (keep > 0 && this.x[keep - 1]! >= x) keep--;
    if (keep < this.x.length) {
      this.x.length = keep;
      for (const column of this.columns) column.length = keep;
    }
    return this.append(x, values);
  }

  /** The last value of a series and its x, or null when the series has none yet. */
  latest(series: number): { x: number; y: number } | null {
    const column = this.columns[series];
    if (!column) throw new Error(`no series ${series} (the chart has ${this.seriesCount})`);
    for (let i = column.length - 1; i >= 0; i--) {
      const y = column[i];
      if (y !== null && y !== undefined) return { x: this.x[i]!, y };
    }
    return null;
  }

  /** Number of points where a series has a value. */
  count(series: number): number {
    let n = 0;
    for (const y of this.columns[series] ?? []) if (y !== null) n++;
    return n;
  }

  clear(): void {
    this.x.length = 0;
    for (const column of this.columns) column.length = 0;
    this.version++;
  }

  /** The arrays in the layout uPlot draws ([x, y1, y2, …]); the same arrays, not copies. */
  aligned(): ChartColumns {
    return [this.x, ...this.columns];
  }
}

/** A number for a label: fixed digits for ordinary magnitudes, exponent form for very small or large ones. */
export function formatValue(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(Math.max(0, digits - 1));
  return value.toFixed(digits);
}

/** Seconds as a short duration: '45 s', '12 min 05 s', '3 h 07 min'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Time left from the progress of this run: the rate between the first point seen and the latest one (so a resumed
 * run's earlier steps do not count), or null until two points at different times are known.
 */
export function estimateRemainingSeconds(first: { done: number; seconds: number }, latest: { done: number; seconds: number }, total: number): number | null {
  const work = latest.done - first.done;
  const time = latest.seconds - first.seconds;
  if (work <= 0 || time <= 0 || total <= 0) return null;
  return Math.max(0, total - latest.done) * (time / work);
}

export interface ChartSeriesSpec {
  label: string;
  /** Scale key of one of the chart's axes. */
  scale: string;
  /** CSS colour of the line and its legend entry. */
  color: string;
  /** Shown after values in the legend and the summary, e.g. '%' or 'nats'. */
  unit?: string;
  digits?: number;
  /** Draw a dot at every point (sparse series such as validation NLL). */
  points?: boolean;
  dash?: number[];
}

/** The summary line: each series' latest value and where it was taken. */
export function chartSummary(data: ChartData, series: readonly ChartSeriesSpec[], xLabel: string, emptyText = 'No data yet.'): string {
  const parts = series.flatMap((s, i) => {
    const last = data.latest(i);
    return last ? [`${s.label} ${formatValue(last.y, s.digits ?? 3)}${s.unit ? ` ${s.unit}` : ''} (${xLabel} ${+last.x.toFixed(3)})`] : [];
  });
  return parts.length === 0 ? emptyText : `Latest: ${parts.join('; ')}.`;
}

/** Tick spacings for whole-number axes: 1, 2, 5, 10, 20, 50 … up to 5·10^15. */
const INTEGER_SPACINGS = Array.from({ length: 16 }, (_, k) => [1, 2, 5].map((m) => m * 10 ** k)).flat();

/**
 * Ticks at whole numbers for a step/sweep axis from min to max: the smallest spacing of 1, 2, 5, 10, 20, 50 … that
 * leaves at least `minSpace` pixels between ticks. A degenerate range gives no ticks rather than a long loop.
 */
export function integerTicks(min: number, max: number, widthPx: number, minSpace = 60): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min || !(widthPx > 0)) return [];
  const maxTicks = Math.max(1, Math.floor(widthPx / minSpace));
  const spacing = INTEGER_SPACINGS.find((d) => (max - min) / d <= maxTicks) ?? INTEGER_SPACINGS.at(-1)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / spacing) * spacing; v <= max && ticks.length <= maxTicks; v += spacing) ticks.push(v);
  return ticks;
}
