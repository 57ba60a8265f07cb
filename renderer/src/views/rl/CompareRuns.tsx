import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { JobInfo } from '../../../../shared/api/jobs.ts';
import type { StudioBackend } from '../../api/backend.ts';
import type { JobWatch } from '../../api/jobs.ts';
import { ChartData } from '../../charts/chartData.ts';
import { CHART_COLORS, LiveChart, type ChartSeriesSpec } from '../../charts/LiveChart.tsx';
import { mergeCurves } from '../rlForm.ts';
import { COMPARE_AXES } from './chartSpecs.ts';

/** Overlay of two fine-tuning jobs' mean-reward curves (jobs of this engine session, running or finished). */
export function CompareRuns({ backend, phase }: { backend: StudioBackend; phase: string }) {
  const [jobs, setJobs] = useState<JobInfo[]>([]);
  const [picked, setPicked] = useState<[string, string]>(['', '']);
  const [error, setError] = useState<string | null>(null);
  const curves = useRef<[Map<number, number>, Map<number, number>]>([new Map(), new Map()]);
  const [chart, setChart] = useState(() => new ChartData(2));

  const refresh = useCallback(() => {
    backend.jobs?.list('finetune').then(setJobs, (e: unknown) => setError(`Could not list jobs: ${(e as Error).message}`));
  }, [backend]);
  useEffect(refresh, [refresh, phase]);

  const label = (job: JobInfo | undefined) => {
    const p = job?.params as { out?: unknown; resume?: unknown } | undefined;
    return job ? `${typeof p?.out === 'string' ? p.out : job.id}${p?.resume ? ' (resumed)' : ''} — ${job.status}` : '';
  };

  useEffect(() => {
    if (!backend.jobs) return;
    const watches: JobWatch[] = [];
    let cancelled = false;
    curves.current = [new Map(), new Map()];
    const redraw = () => {
      const merged = mergeCurves(curves.current[0], curves.current[1]);
      const data = new ChartData(2);
      merged.x.forEach((x, i) => data.append(x, [merged.a[i], merged.b[i]]));
      setChart(data);
    };
    redraw();
    picked.forEach((id, slot) => {
      if (!id) return;
      backend.jobs!.follow('finetune', id, {
        onOutput: (item) => {
          if (item.kind === 'step' && item.reward.mean !== null) {
            curves.current[slot as 0 | 1].set(item.step, item.reward.mean);
            redraw();
          }
        },
      }).then(
        (w) => (cancelled ? w.detach() : watches.push(w)),
        (e: unknown) => setError(`Could not read job ${id}: ${(e as Error).message}`),
      );
    });
    return () => {
      cancelled = true;
      watches.forEach((w) => w.detach());
    };
  }, [backend, picked]);

  const series = useMemo<ChartSeriesSpec[]>(
    () => [
      { label: `A: ${label(jobs.find((j) => j.id === picked[0])) || 'none'}`.slice(0, 80), scale: 'r', color: CHART_COLORS[0], digits: 3, points: true },
      { label: `B: ${label(jobs.find((j) => j.id === picked[1])) || 'none'}`.slice(0, 80), scale: 'r', color: CHART_COLORS[1], digits: 3, dash: [5, 4], points: true },
    ],
    [jobs, picked],
  );

  return (
    <section className="panel rl-compare" aria-label="Compare runs">
      <h3>Compare two runs</h3>
      {!backend.jobs ? (
        <p className="hint">No engine is connected.</p>
      ) : (
        <>
          <div className="rl-row">
            {([0, 1] as const).map((slot) => (
              <label className="field" key={slot}>
                <span className="field-label">Run {slot === 0 ? 'A' : 'B'}</span>
                <select value={picked[slot]} onChange={(e) => setPicked((p) => (slot === 0 ? [e.target.value, p[1]] : [p[0], e.target.value]))} data-testid={`rl-compare-${slot === 0 ? 'a' : 'b'}`}>
                  <option value="">(none)</option>
                  {jobs.map((job) => (
                    <option key={job.id} value={job.id}>
                      {label(job)}
                    </option>
                  ))}
                </select>
              </label>
            ))}
            <button type="button" onClick={refresh}>
              Refresh list
            </button>
          </div>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <LiveChart title="Mean reward per step, two runs" xLabel="step" axes={COMPARE_AXES} series={series} data={chart} version={chart.version} testId="rl-compare-chart" emptyText="Pick two fine-tuning jobs of this session." />
        </>
      )}
    </section>
  );
}
