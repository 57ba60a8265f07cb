/**
 * A live line chart (uPlot) for job dashboards: several series over one x (step, sweep, seconds), each on a named
 * y-scale with its own labelled axis (left or right), points appended as a job streams them, redrawn at most once
 * per animation frame, resized with its container. uPlot's legend shows the values under the cursor; below the
 * plot a text line gives every series' latest value, which is also what assistive technology reads (the canvas
 * itself is hidden from it). Reused by the MCMC, Training and RL dashboards.
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';
import { chartSummary, type ChartData, type ChartSeriesSpec, formatValue, integerTicks } from './chartData.ts';

export interface ChartAxisSpec {
  /** Scale key the series refer to. */
  scale: string;
  /** Axis title with its unit, e.g. 'loss (nats/crystal)'. */
  label: string;
  side?: 'left' | 'right';
  /** Fixed range (e.g. [0, 1] for a rate); default: fitted to the data. */
  range?: [number, number];
  /** Digits of the tick labels. */
  digits?: number;
  /**
   * Tick label text, when fixed digits do not fit (uPlot's default keeps at most 3 decimals, so ticks of 2e-4 read
   * "0"): e.g. `(v) => formatValue(v, 2)`.
   */
  format?: (value: number) => string;
}

export type { ChartSeriesSpec } from './chartData.ts';

export interface LiveChartProps {
  /** Names the figure for assistive technology and heads the chart. */
  title: string;
  /** The x quantity and its unit, e.g. 'step' or 'time (s)'. */
  xLabel: string;
  axes: readonly ChartAxisSpec[];
  series: readonly ChartSeriesSpec[];
  data: ChartData;
  /** @deprecated The chart follows `data.version` itself; this prop is ignored (callers may drop it). */
  version?: number;
  /** Height of the plotting area in CSS pixels. */
  height?: number;
  /** x takes whole numbers only (steps, sweeps): no ticks between them. Default true. */
  integerX?: boolean;
  /** Shown in the summary line while there is no point yet. */
  emptyText?: string;
  testId?: string;
}

/** Colours with at least 4.5:1 contrast on white, distinct for the common colour-vision deficiencies in pairs. */
export const CHART_COLORS = ['#1d5fd1', '#c2410c', '#15803d', '#7c3aed', '#b3261e', '#0f766e', '#6b4f00'] as const;

const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';

/** Legend values of the latest point (after the data was cleared the legend may hold a stale index: the value formatters show a dash for it). */
function showLatestInLegend(u: uPlot): void {
  const n = u.data[0]?.length ?? 0;
  if (n > 0) u.setLegend({ idx: n - 1 }, false);
}

function buildOptions(props: LiveChartProps, width: number): Options {
  const axisColor = '#4a505c';
  const grid = { stroke: '#e8ebf0', width: 1 };
  const ticks = { stroke: '#d5d9e0', width: 1, size: 4 };
  return {
    width,
    height: props.height ?? 220,
    // Rescale on every draw: new points may move the range.
    scales: Object.fromEntries([
      ['x', { time: false }],
      ...props.axes.map((a) => [a.scale, a.range ? { auto: false, range: a.range } : { auto: true }]),
    ]),
    axes: [
      {
        scale: 'x',
        label: props.xLabel,
        stroke: axisColor,
        grid,
        ticks,
        font: FONT,
        labelFont: FONT,
        labelSize: 18,
        ...(props.integerX === false ? {} : { splits: (u: uPlot, _axis: number, min: number, max: number) => integerTicks(min, max, u.bbox.width / (window.devicePixelRatio || 1)) }),
      },
      ...props.axes.map((a, i) => ({
        scale: a.scale,
        label: a.label,
        side: a.side === 'right' ? (1 as const) : (3 as const),
        stroke: axisColor,
        // Only the first axis draws grid lines; more would cross each other.
        grid: i === 0 ? grid : { show: false },
        ticks,
        font: FONT,
        labelFont: FONT,
        labelSize: 18,
        size: 56,
        ...(a.format ? { values: (_u: uPlot, splits: number[]) => splits.map((v) => a.format!(v)) } : a.digits !== undefined ? { values: (_u: uPlot, splits: number[]) => splits.map((v) => v.toFixed(a.digits)) } : {}),
      })),
    ],
    series: [
      { label: props.xLabel, value: (_u: uPlot, v: number | null | undefined) => (v === null || v === undefined ? '—' : String(+v.toFixed(3))) },
      ...props.series.map((s) => ({
        label: s.label,
        scale: s.scale,
        stroke: s.color,
        width: 1.5,
        spanGaps: true,
        ...(s.dash ? { dash: s.dash } : {}),
        points: s.points ? { show: true, size: 6, fill: s.color } : { show: false },
        value: (_u: uPlot, v: number | null | undefined) => (v === null || v === undefined ? '—' : `${formatValue(v, s.digits ?? 3)}${s.unit ? ` ${s.unit}` : ''}`),
      })),
    ],
    legend: { show: true, live: true },
    hooks: {
      // Away from the cursor (it left the plot), the legend shows the latest point rather than dashes.
      setCursor: [
        (u: uPlot) => {
          if (u.cursor.idx === null || u.cursor.idx === undefined) showLatestInLegend(u);
        },
      ],
    },
    cursor: { drag: { x: false, y: false } },
  };
}

export function LiveChart(props: LiveChartProps) {
  const { title, xLabel, axes, series, data, height = 220, emptyText, testId } = props;
  const version = data.version;
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const frame = useRef<number | null>(null);
  // The chart is rebuilt only when its shape changes, not on every new point.
  const shape = useMemo(() => JSON.stringify({ xLabel, axes, series: series.map((s) => ({ ...s })), height, integerX: props.integerX }), [xLabel, axes, series, height, props.integerX]);
  const propsRef = useRef(props);
  propsRef.current = props;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = Math.max(200, element.clientWidth);
    const chart = new uPlot(buildOptions(propsRef.current, width), propsRef.current.data.aligned() as AlignedData, element);
    showLatestInLegend(chart);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const w = Math.max(200, element.clientWidth);
      if (Math.abs(w - chart.width) >= 1) chart.setSize({ width: w, height: propsRef.current.height ?? 220 });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
      chart.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const chart = plot.current;
      if (!chart) return;
      chart.setData(propsRef.current.data.aligned() as AlignedData);
      if (chart.cursor.idx === null || chart.cursor.idx === undefined) showLatestInLegend(chart);
    });
  }, [version, data]);

  const summary = chartSummary(data, series, xLabel, emptyText);
  return (
    <figure className="live-chart" aria-label={title} data-testid={testId} data-points={data.length}>
      <div className="live-chart-title" aria-hidden="true">
        {title}
      </div>
      <div className="live-chart-plot" ref={host} aria-hidden="true" />
      <figcaption className="live-chart-summary" data-testid={testId ? `${testId}-summary` : undefined}>
        {summary}
      </figcaption>
    </figure>
  );
}
