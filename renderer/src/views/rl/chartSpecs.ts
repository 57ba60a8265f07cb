/** Axes and series of the RL panel's charts (ProgressPanel.tsx). */
import { formatValue } from '../../charts/chartData.ts';
import { CHART_COLORS, type ChartAxisSpec, type ChartSeriesSpec } from '../../charts/LiveChart.tsx';

/** Tick labels that stay readable from 1e-5 (a KL early in a run) to 1e6 (a product reward): 0.0002 → 2.0e-4. */
const tick = (value: number) => (value === 0 ? '0' : Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6 ? formatValue(value, 2) : String(+value.toPrecision(3)));

// Mean and max reward on their own axes: the max of a batch often sits an order of magnitude above its mean, which
// flattened the mean's curve on one shared axis.
export const REWARD_AXES: ChartAxisSpec[] = [
  { scale: 'mean', label: 'mean reward', format: tick },
  { scale: 'max', label: 'max reward', side: 'right', format: tick },
];
export const REWARD_SERIES: ChartSeriesSpec[] = [
  { label: 'mean reward', scale: 'mean', color: CHART_COLORS[0], digits: 3, points: true },
  { label: 'max reward', scale: 'max', color: CHART_COLORS[1], digits: 3, dash: [5, 4], points: true },
];
export const KL_AXES: ChartAxisSpec[] = [
  { scale: 'kl', label: 'KL (nats/crystal)', format: tick },
  { scale: 'h', label: 'entropy (nats)', side: 'right' },
];
export const KL_SERIES: ChartSeriesSpec[] = [
  { label: 'KL (mean log-ratio)', scale: 'kl', color: CHART_COLORS[3], digits: 3, unit: 'nats', points: true },
  { label: 'entropy', scale: 'h', color: CHART_COLORS[5], digits: 1, unit: 'nats', dash: [5, 4], points: true },
];
export const VALIDITY_AXES: ChartAxisSpec[] = [
  { scale: 'v', label: 'valid (0–1)', range: [0, 1], digits: 1 },
  { scale: 'sps', label: 'samples/s', side: 'right' },
];
export const VALIDITY_SERIES: ChartSeriesSpec[] = [
  { label: 'valid', scale: 'v', color: CHART_COLORS[2], digits: 3, points: true },
  { label: 'samples/s', scale: 'sps', color: CHART_COLORS[6], digits: 2, dash: [5, 4], points: true },
];
export const JUDGES_AXES: ChartAxisSpec[] = [{ scale: 'f', label: 'fraction of the batch', range: [0, 1], digits: 1 }];
export const JUDGES_SERIES: ChartSeriesSpec[] = [
  { label: 'unique motifs', scale: 'f', color: CHART_COLORS[0], digits: 3, points: true },
  { label: 'strict composition', scale: 'f', color: CHART_COLORS[1], digits: 3, points: true },
  { label: 'contacts ≥ ½(rᵢ + rⱼ)', scale: 'f', color: CHART_COLORS[4], digits: 3, dash: [5, 4], points: true },
];
export const COMPARE_AXES: ChartAxisSpec[] = [{ scale: 'r', label: 'mean reward' }];
