/**
 * The run's progress: one status line (step, mean reward, elapsed, time left, state) taken from the same step
 * items the charts plot, the outcome, and the charts — mean and max reward on their own axes, reward terms, the
 * KL estimate and entropy, validity and speed, the judges — with the reward histogram.
 */
import { useMemo } from 'react';
import type { JobResult } from '../../../../shared/api/jobs.ts';
import { type ChartData, formatDuration, formatValue } from '../../charts/chartData.ts';
import { CHART_COLORS, LiveChart, type ChartAxisSpec, type ChartSeriesSpec } from '../../charts/LiveChart.tsx';
import type { RunState } from '../jobRun.ts';
import { JUDGES_AXES, JUDGES_SERIES, KL_AXES, KL_SERIES, REWARD_AXES, REWARD_SERIES, VALIDITY_AXES, VALIDITY_SERIES } from './chartSpecs.ts';
import { RewardHistogram } from './RewardHistogram.tsx';
import type { RlDashboard } from './rlDashboard.ts';
import { isStepProgressMessage, rlRunStatus } from './rlStatus.ts';

const CHART_HEIGHT = 170;

function TermsChart({ names, data }: { names: string[]; data: ChartData }) {
  const series = useMemo<ChartSeriesSpec[]>(() => names.map((name, i) => ({ label: name, scale: 't', color: CHART_COLORS[i % CHART_COLORS.length]!, digits: 3, points: true })), [names]);
  const axes = useMemo<ChartAxisSpec[]>(() => [{ scale: 't', label: 'term mean' }], []);
  return <LiveChart title="Reward terms (batch means)" xLabel="step" axes={axes} series={series} data={data} testId="rl-terms-chart" height={CHART_HEIGHT} />;
}

export function ProgressPanel({ dashboard, run }: { dashboard: RlDashboard; run: RunState }) {
  const result = run.phase === 'completed' || run.phase === 'cancelled' ? (run.result as JobResult<'finetune'> | undefined) : undefined;
  const latest = dashboard.latest;
  const status = rlRunStatus(run.phase, dashboard.first, latest, result);
  const active = run.phase === 'starting' || run.phase === 'queued' || run.phase === 'running';
  const message = run.progress?.message;
  return (
    <section className="panel rl-curves" aria-label="Fine-tuning curves">
      <h3>Progress</h3>
      <div className="run-facts" role="status" data-testid="rl-status" data-step={status.step ?? ''}>
        {run.phase === 'idle' && <span className="hint">No run yet.</span>}
        {(run.phase === 'starting' || run.phase === 'queued') && <span>Waiting for the engine…</span>}
        {latest && (
          <>
            <span data-testid="rl-status-step">
              step {status.step}/{status.steps}
            </span>
            <span>mean reward {latest.reward.mean === null ? '—' : formatValue(latest.reward.mean)}</span>
            <span>elapsed {formatDuration(latest.elapsedSeconds)}</span>
            {status.etaSeconds !== null && <span data-testid="rl-eta">about {formatDuration(status.etaSeconds)} left</span>}
          </>
        )}
        {run.phase !== 'idle' && run.phase !== 'starting' && (
          <span className={`job-status ${status.phaseLabel}`} data-testid="rl-phase">
            {status.phaseLabel}
          </span>
        )}
      </div>
      {active && latest && (
        <progress max={latest.steps} value={latest.step} aria-label="Fine-tuning steps done">
          {latest.step}/{latest.steps}
        </progress>
      )}
      {active && message && !isStepProgressMessage(message) && <p className="hint progress-message">{message}</p>}
      {run.error && (
        <p className="error" role="alert" data-testid="rl-run-error">
          {run.phase === 'failed' ? 'Fine-tuning failed: ' : ''}
          {run.error}
        </p>
      )}
      {status.outcome && (
        <p className="hint" data-testid="rl-outcome">
          {status.outcome}
          {result ? (
            <>
              ; fine-tuned model in <span className="mono">{result.modelDir}</span>, listed under Model in Generate and MCMC.
            </>
          ) : (
            '.'
          )}
        </p>
      )}
      <div className="rl-charts">
        <LiveChart title="Mean reward (left axis) and max reward (right axis) per step" xLabel="step" axes={REWARD_AXES} series={REWARD_SERIES} data={dashboard.rewardChart} testId="rl-reward-chart" emptyText="No step yet." height={CHART_HEIGHT} />
        {dashboard.termsChart ? <TermsChart names={dashboard.termsChart.names} data={dashboard.termsChart.data} /> : <p className="hint">Reward terms appear after the first step.</p>}
        <LiveChart title="KL to the pretrained model (mean log-ratio) and entropy" xLabel="step" axes={KL_AXES} series={KL_SERIES} data={dashboard.klChart} testId="rl-kl-chart" emptyText="No step yet." height={CHART_HEIGHT} />
        <LiveChart title="Valid fraction and samples per second" xLabel="step" axes={VALIDITY_AXES} series={VALIDITY_SERIES} data={dashboard.validityChart} testId="rl-validity-chart" emptyText="No step yet." height={CHART_HEIGHT} />
        <LiveChart title="Is the reward fooling its judges? Unique, strict composition, contacts" xLabel="step" axes={JUDGES_AXES} series={JUDGES_SERIES} data={dashboard.judgesChart} testId="rl-judges-chart" emptyText="No step yet." height={CHART_HEIGHT} />
      </div>
      <p className="hint rl-note">
        KL is the mean of ln π(x) − ln π₀(x) over each batch, the estimate the run&apos;s report uses: unbiased, and one batch can put it slightly below zero. Schulman&apos;s k3, (r − 1) − ln r with r = π₀(x)/π(x), is never negative but grows like r, so a single crystal the pretrained model finds far likelier than the policy does makes it jump by orders of magnitude; it stays in metrics.jsonl as kl.
      </p>
      <RewardHistogram first={dashboard.first} latest={latest} />
      {latest?.judges && (
        <p className="hint" data-testid="rl-judges">
          Step {latest.step}: mean reward {formatValue(latest.reward.mean ?? NaN)} — unique motifs {(100 * latest.judges.unique).toFixed(0)} %, strict composition {(100 * latest.judges.strictComposition).toFixed(0)} %, contacts{' '}
          {(100 * latest.judges.plausibleContacts).toFixed(0)} %, mean reward of those passing both {latest.judges.meanRewardPlausible === null ? '–' : formatValue(latest.judges.meanRewardPlausible)}, duplicates penalised{' '}
          {(100 * latest.judges.duplicates).toFixed(0)} %. Strict composition: every atom in an oxidation state held by ≥ 5 % of the element&apos;s ICSD compounds, charge-balanced, cations less electronegative than anions; contacts: shortest distance ≥ 0.5 × the sum of covalent radii.
        </p>
      )}
    </section>
  );
}
