/**
 * The first step's batch rewards against the latest step's, as side-by-side bars over shared bins (SVG), with
 * labelled axes: crystals per bin up the side, reward along the bottom with a tick at every other bin edge.
 */
import type { FinetuneStep } from '../../../../shared/api/jobs.ts';
import { formatValue } from '../../charts/chartData.ts';
import { CHART_COLORS } from '../../charts/LiveChart.tsx';
import { histogram } from '../rlForm.ts';

const BINS = 16;
const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 48, right: 12, top: 12, bottom: 44 };
const INK = '#4a505c';

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** Whole-number count ticks: 0, the top, and a middle one when the top allows it. */
function countTicks(maxCount: number): number[] {
  return maxCount >= 2 ? [0, Math.round(maxCount / 2), maxCount] : [0, maxCount];
}

export function RewardHistogram({ first, latest }: { first: FinetuneStep | null; latest: FinetuneStep | null }) {
  const series = first && latest ? (first.step === latest.step ? [first.rewards] : [first.rewards, latest.rewards]) : [];
  const h = histogram(series, BINS);
  const maxCount = Math.max(1, ...h.counts.flat());
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const binWidth = plotWidth / BINS;
  const y = (count: number) => HEIGHT - PAD.bottom - (plotHeight * count) / maxCount;
  const caption =
    first && latest
      ? `Rewards of step ${first.step} (${first.rewards.length} crystals, mean ${formatValue(mean(first.rewards))})` +
        (first.step === latest.step ? '.' : ` and of step ${latest.step} (${latest.rewards.length} crystals, mean ${formatValue(mean(latest.rewards))}).`)
      : 'No step yet.';
  return (
    <figure className="rl-histogram" aria-label="Reward histogram, first step against the latest" data-testid="rl-histogram" data-bars={h.counts.flat().filter((c) => c > 0).length}>
      <div className="live-chart-title" aria-hidden="true">
        Reward histogram: first step vs latest
      </div>
      {h.edges.length > 0 && (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" aria-hidden="true" fontSize="12" fill={INK}>
          {countTicks(maxCount).map((count) => (
            <g key={count}>
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(count)} y2={y(count)} stroke="#e8ebf0" />
              <text x={PAD.left - 6} y={y(count) + 4} textAnchor="end">
                {count}
              </text>
            </g>
          ))}
          <text transform={`translate(14 ${PAD.top + plotHeight / 2}) rotate(-90)`} textAnchor="middle">
            crystals
          </text>
          {h.counts.map((counts, s) =>
            counts.map((count, b) => {
              const w = binWidth / h.counts.length - 1;
              return <rect key={`${s}-${b}`} x={PAD.left + b * binWidth + s * (w + 1)} y={y(count)} width={Math.max(1, w)} height={HEIGHT - PAD.bottom - y(count)} fill={CHART_COLORS[s]} opacity={0.85} />;
            }),
          )}
          <line x1={PAD.left} y1={HEIGHT - PAD.bottom} x2={WIDTH - PAD.right} y2={HEIGHT - PAD.bottom} stroke={INK} />
          {h.edges.map((edge, i) =>
            i % 2 === 0 ? (
              <g key={i}>
                <line x1={PAD.left + i * binWidth} x2={PAD.left + i * binWidth} y1={HEIGHT - PAD.bottom} y2={HEIGHT - PAD.bottom + 4} stroke={INK} />
                <text x={PAD.left + i * binWidth} y={HEIGHT - PAD.bottom + 17} textAnchor={i === 0 ? 'start' : i === BINS ? 'end' : 'middle'}>
                  {formatValue(edge, 2)}
                </text>
              </g>
            ) : null,
          )}
          <text x={PAD.left + plotWidth / 2} y={HEIGHT - 6} textAnchor="middle">
            reward of a crystal
          </text>
        </svg>
      )}
      <figcaption className="live-chart-summary">
        {first && latest && (
          <span className="rl-legend">
            <span className="swatch" style={{ background: CHART_COLORS[0] }} /> step {first.step}
            {first.step !== latest.step && (
              <>
                {' '}
                <span className="swatch" style={{ background: CHART_COLORS[1] }} /> step {latest.step}
              </>
            )}
            {' — '}
          </span>
        )}
        {caption}
      </figcaption>
    </figure>
  );
}
