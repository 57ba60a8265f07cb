/**
 * Uncertainty of a property prediction as a calibrated spread from held-out residuals: the held-out predictions
 * are cut into bins of about equal count by predicted value (never splitting equal predictions, e.g. the many
 * band gaps clamped at 0), and each bin records the root-mean-square residual (in the space the model learned:
 * ε in ln ε, the others as they are). A new prediction gets ± that of its bin: a ±1σ band for a normal error
 * (68 % coverage); where errors are rare but large (an insulator predicted as a metal) it is wider than the
 * typical error, which is the point. It says nothing about crystals unlike the held-out set: out-of-distribution
 * inputs (rare elements, exotic structure types, a policy exploiting the model) can be wrong by much more.
 */

export interface UncertaintyCalibration {
  method: 'held-out RMS residual per prediction bin';
  /** 'log': half-widths are in ln(value), the interval is value·e^(±w); 'linear': value ± w. */
  space: 'linear' | 'log';
  /** Share of the held-out truths inside the interval, per bin (measured, not imposed). */
  coverage: number[];
  /** Upper edges of all bins but the last, ascending (in the property's unit). */
  edges: number[];
  /** Half-width per bin (in `space`). */
  halfWidths: number[];
  /** Held-out crystals per bin. */
  counts: number[];
  /** What the residuals came from (data set, split, model). */
  heldOut: string;
  note?: string;
}

export interface PredictionSpread {
  /** ±1 RMS interval; NaN where the value is NaN. */
  lower: Float64Array;
  upper: Float64Array;
  /** Half the interval's width, in the property's unit (for log space: (upper − lower) / 2). */
  halfWidth: Float64Array;
}

/**
 * Calibrates from held-out predictions and truths (same length, finite pairs used). About `bins` equal-count bins
 * by predicted value (default: as many as keep ≥ 60 crystals each, at most 6); fewer when equal predictions fill
 * more than one.
 */
export function calibrateUncertainty(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  options: { space: 'linear' | 'log'; heldOut: string; bins?: number; note?: string },
): UncertaintyCalibration {
  if (predicted.length !== truth.length) throw new Error(`calibrateUncertainty: ${predicted.length} predictions for ${truth.length} truths`);
  const pairs: { p: number; residual: number }[] = [];
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    if (!Number.isFinite(p) || !Number.isFinite(t)) continue;
    if (options.space === 'log' && (p <= 0 || t <= 0)) continue;
    pairs.push({ p, residual: Math.abs(options.space === 'log' ? Math.log(t) - Math.log(p) : t - p) });
  }
  if (pairs.length < 10) throw new Error(`calibrateUncertainty: ${pairs.length} usable held-out pairs; need at least 10`);
  pairs.sort((a, b) => a.p - b.p);
  const bins = Math.max(1, Math.min(options.bins ?? Math.min(6, Math.floor(pairs.length / 60)), pairs.length));
  const edges: number[] = [];
  const halfWidths: number[] = [];
  const counts: number[] = [];
  const coverage: number[] = [];
  let start = 0;
  for (let b = 0; b < bins && start < pairs.length; b++) {
    let end = b === bins - 1 ? pairs.length : Math.max(start + 1, Math.round(((b + 1) * pairs.length) / bins));
    while (end < pairs.length && pairs[end]!.p === pairs[end - 1]!.p) end++; // equal predictions stay together
    const slice = pairs.slice(start, end);
    const rms = Math.sqrt(slice.reduce((sum, x) => sum + x.residual * x.residual, 0) / slice.length);
    halfWidths.push(rms);
    counts.push(slice.length);
    coverage.push(slice.filter((x) => x.residual <= rms).length / slice.length);
    if (end < pairs.length) edges.push((pairs[end - 1]!.p + pairs[end]!.p) / 2);
    start = end;
  }
  return {
    method: 'held-out RMS residual per prediction bin',
    space: options.space,
    coverage,
    edges,
    halfWidths,
    counts,
    heldOut: options.heldOut,
    ...(options.note !== undefined ? { note: options.note } : {}),
  };
}

/** Checks a calibration read from a card; errors name the field. */
export function validateCalibration(value: unknown, where: string): UncertaintyCalibration {
  const c = value as UncertaintyCalibration;
  const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (typeof c !== 'object' || c === null) throw new Error(`${where}: uncertainty must be an object`);
  if (c.space !== 'linear' && c.space !== 'log') throw new Error(`${where}: uncertainty.space must be linear or log`);
  if (!numbers(c.halfWidths) || c.halfWidths.length === 0 || c.halfWidths.some((w) => w < 0)) throw new Error(`${where}: uncertainty.halfWidths must be non-negative numbers`);
  if (!numbers(c.edges) || c.edges.length !== c.halfWidths.length - 1) throw new Error(`${where}: uncertainty.edges must hold one number fewer than halfWidths`);
  for (let i = 1; i < c.edges.length; i++) if (!(c.edges[i]! >= c.edges[i - 1]!)) throw new Error(`${where}: uncertainty.edges must ascend`);
  return c;
}

/** The calibrated 68 % interval of each prediction. */
export function predictionSpread(calibration: UncertaintyCalibration, values: ArrayLike<number>): PredictionSpread {
  const n = values.length;
  const lower = new Float64Array(n).fill(NaN);
  const upper = new Float64Array(n).fill(NaN);
  const halfWidth = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    let bin = 0;
    while (bin < calibration.edges.length && v > calibration.edges[bin]!) bin++;
    const w = calibration.halfWidths[bin]!;
    if (calibration.space === 'log') {
      if (!(v > 0)) continue;
      lower[i] = v * Math.exp(-w);
      upper[i] = v * Math.exp(w);
    } else {
      lower[i] = v - w;
      upper[i] = v + w;
    }
    halfWidth[i] = (upper[i]! - lower[i]!) / 2;
  }
  return { lower, upper, halfWidth };
}

/** A predictor that can state its spread (the shipped ones with a calibrated card). */
export interface UncertaintyAware {
  spread(values: ArrayLike<number>): Promise<PredictionSpread | undefined>;
}

export function isUncertaintyAware(predictor: object): predictor is UncertaintyAware {
  return typeof (predictor as Partial<UncertaintyAware>).spread === 'function';
}
