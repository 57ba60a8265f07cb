/** Histograms, moments and the 1-D Wasserstein distance the field reports for density and number of elements. */

export interface Histogram {
  /** Bin edges (length = counts + 1); bin i holds lower[i] ≤ x < edges[i + 1] (the last bin also holds its upper edge). */
  edges: number[];
  counts: number[];
  /** Values outside the edges (or not finite). */
  outside: number;
}

export interface Summary {
  count: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

/** Fixed-width histogram from `start` in steps of `width`, covering `values` (at most `maxBins` bins). */
export function histogram(values: readonly number[], start: number, width: number, maxBins = 200): Histogram {
  const finite = values.filter(Number.isFinite);
  const top = finite.length ? Math.max(...finite) : start;
  const bins = Math.max(1, Math.min(maxBins, Math.floor((top - start) / width) + 1));
  const edges = Array.from({ length: bins + 1 }, (_, i) => round12(start + i * width));
  const counts = new Array<number>(bins).fill(0);
  let outside = 0;
  for (const x of values) {
    if (!Number.isFinite(x) || x < start) {
      outside++;
      continue;
    }
    const bin = Math.floor((x - start) / width);
    if (bin < bins) counts[bin]!++;
    else if (x === edges[bins]) counts[bins - 1]!++;
    else outside++;
  }
  return { edges, counts, outside };
}

/** Counts of each integer value 1…max (index 0 = value 1). */
export function integerHistogram(values: readonly number[]): { values: number[]; counts: number[] } {
  const max = values.length ? Math.max(...values) : 0;
  const counts = new Array<number>(max).fill(0);
  for (const v of values) if (v >= 1) counts[v - 1]!++;
  return { values: counts.map((_, i) => i + 1), counts };
}

/** Mean and population standard deviation (numpy's default), with min and max. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { count: 0, mean: null, std: null, min: null, max: null };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const variance = finite.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { count: n, mean, std: Math.sqrt(variance), min: Math.min(...finite), max: Math.max(...finite) };
}

/**
 * First Wasserstein distance between two empirical distributions with equal weights — the area between their
 * cumulative distribution functions, as scipy.stats.wasserstein_distance(u, v) computes it.
 */
export function wassersteinDistance(u: readonly number[], v: readonly number[]): number {
  if (u.length === 0 || v.length === 0) throw new Error('the Wasserstein distance needs two non-empty samples');
  const a = Float64Array.from(u).sort();
  const b = Float64Array.from(v).sort();
  let i = 0;
  let j = 0;
  let previous = Math.min(a[0]!, b[0]!);
  let area = 0;
  // Walk the merged sorted values; between consecutive ones both CDFs are constant.
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    area += Math.abs(i / a.length - j / b.length) * (next - previous);
    previous = next;
    while (i < a.length && a[i] === next) i++;
    while (j < b.length && b[j] === next) j++;
  }
  return area;
}

function round12(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}

/** The q-quantile (0 ≤ q ≤ 1) of the finite values with linear interpolation, numpy's default; null when none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}
