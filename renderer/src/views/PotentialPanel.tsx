/**
 * The viewer's potential actions for the structure on screen: Relax (a 'relax' job with fmax, max steps and
 * keep-symmetry; energy per atom and fmax charted per step; cancellable; the result with status, steps, energy,
 * formation energy, E_hull with its decomposition, volume change and space group before/after; the relaxed
 * structure and the trajectory offered to the viewer) and Energy (an 'energy' job: the single point's energy per
 * atom, formation energy and E_hull). E_hull is always labelled with what it was computed on.
 */
import { useEffect, useReducer, useState } from 'react';
import type { StudioBackend } from '../api/backend.ts';
import { formatDuration, formatValue } from '../charts/chartData.ts';
import { CHART_COLORS, LiveChart, type ChartAxisSpec, type ChartSeriesSpec } from '../charts/LiveChart.tsx';
import { useJobRun } from './jobRun.ts';
import { NumberField } from './NumberField.tsx';
import { checkRelaxSettings, formatDecomposition, framesMatch, potentialInputsFor, type PotentialActions, type PotentialTarget, type RelaxedRecord } from './potentialRun.ts';
import { RunButtons } from './RunButtons.tsx';

const CHART_AXES: ChartAxisSpec[] = [
  { scale: 'energy', label: 'energy (eV/atom)', digits: 3 },
  { scale: 'force', label: 'fmax (eV/Å)', side: 'right', digits: 2 },
];
const CHART_SERIES: ChartSeriesSpec[] = [
  { label: 'energy', scale: 'energy', color: CHART_COLORS[0], unit: 'eV/atom', digits: 4, points: true },
  { label: 'fmax', scale: 'force', color: CHART_COLORS[1], unit: 'eV/Å', digits: 3, dash: [5, 4] },
];

const HULL_NOTE = 'against a partial reference hull (MP-20 + MPTS-52 entries and the elements, not all of the Materials Project): a lower bound';

const STATUS_TEXT: Record<RelaxedRecord['status'], string> = {
  converged: 'converged',
  'not-converged': 'not converged',
  exploded: 'exploded',
  failed: 'failed',
  cancelled: 'cancelled',
};

function ev(value: number | null, unit = 'eV/atom', digits = 4): string {
  return value === null ? '—' : `${formatValue(value, digits)} ${unit}`;
}

export interface PotentialPanelProps {
  backend: StudioBackend;
  actions: PotentialActions;
  /** The structure relaxed: the input on screen (never its relaxed form or a frame), or null when none is shown. */
  target: PotentialTarget | null;
  /** The structure a single point is computed for: exactly what is on screen (the input, the relaxed one or a frame). */
  shownTarget: PotentialTarget | null;
}

export function PotentialPanel({ backend, actions, target, shownTarget }: PotentialPanelProps) {
  const relax = useJobRun(actions.relaxRun);
  const energy = useJobRun(actions.energyRun);
  // Held in React state (a controlled input needs its value back in the same render) and copied to the actions
  // object, which outlives this view.
  const [settings, setSettingsState] = useState(actions.settings);
  useEffect(() => {
    actions.settings = settings;
  }, [actions, settings]);
  const errors = checkRelaxSettings(settings);
  // The show-relaxed toggle and the trajectory slider live on the actions object: redraw this panel at once (its
  // controlled inputs need it) and tell the viewer through the run's (throttled) change notice.
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const changeShown = (update: () => void) => {
    update();
    redraw();
    actions.relaxRun.changed();
  };
  const setSettings = (update: Partial<typeof settings>) => setSettingsState((s) => ({ ...s, ...update }));

  const noEngine = !backend.jobs;
  const relaxHere = actions.relaxTarget !== null && target !== null && actions.relaxTarget.key === target.key;
  const energyHere = actions.energyTarget !== null && shownTarget !== null && actions.energyTarget.key === shownTarget.key;

  const startRelax = async () => {
    if (!backend.jobs || !target) return;
    if (errors.fmax || errors.maxSteps) return;
    const run = actions.relaxRun;
    actions.relaxTarget = { key: target.key, title: target.title, atoms: target.structure.sites.length, settings };
    await run.start(backend.jobs, {
      ...potentialInputsFor(target),
      fmax: settings.fmax,
      maxSteps: settings.maxSteps,
      keepSymmetry: settings.keepSymmetry,
      saveToLibrary: settings.saveToLibrary,
      trajectory: true,
      frames: true,
    });
  };
  const startEnergy = async () => {
    if (!backend.jobs || !shownTarget) return;
    actions.energyTarget = { key: shownTarget.key, title: shownTarget.title };
    await actions.energyRun.start(backend.jobs, potentialInputsFor(shownTarget));
  };

  const relaxStatus =
    relax.phase === 'starting' || relax.phase === 'queued'
      ? 'waiting for the engine…'
      : relax.phase === 'running'
        ? actions.lastStep
          ? `step ${actions.lastStep.step} of at most ${actions.relaxTarget?.settings.maxSteps ?? '?'} · fmax ${formatValue(actions.lastStep.fmax, 3)} eV/Å`
          : relax.progress?.message ?? 'loading the potential…'
        : null;
  const result = relaxHere ? actions.relaxed : null;
  const framesUsable = relaxHere && target !== null && actions.frames.length > 1 && framesMatch(target.structure, actions.frames[0]);
  const seconds = relax.phase === 'completed' ? (relax.result as { seconds?: number } | undefined)?.seconds : undefined;

  return (
    <section className="panel potential-panel" aria-label="Interatomic potential">
      <div className="potential-form">
        <h3>Relax and energy · M3GNet potential</h3>
        <NumberField label="fmax (eV/Å)" value={settings.fmax} step={0.01} error={errors.fmax} onChange={(fmax) => setSettings({ fmax })} />
        <NumberField label="Max steps" value={settings.maxSteps} step={50} error={errors.maxSteps} onChange={(maxSteps) => setSettings({ maxSteps })} />
        <label className="check">
          <input type="checkbox" checked={settings.keepSymmetry} onChange={(e) => setSettings({ keepSymmetry: e.target.checked })} />
          <span>Keep space group</span>
        </label>
        <label
          className="check"
          title={
            target?.libraryId !== undefined
              ? `Store the relaxed structure as a new library row linked to #${target.libraryId}, its E_hull labelled relaxed`
              : 'Store the relaxed structure as a new library row (this structure is not a library row, so it gets no parent link)'
          }
        >
          <input type="checkbox" checked={settings.saveToLibrary} onChange={(e) => setSettings({ saveToLibrary: e.target.checked })} />
          <span>Save relaxed to library</span>
        </label>
        <div className="run-row">
          <RunButtons run={actions.relaxRun} onStart={() => void startRelax()} startLabel="Relax" cancelLabel="Cancel" cancellingLabel="Cancelling…" />
          <button type="button" onClick={() => void startEnergy()} disabled={noEngine || !shownTarget || actions.energyRun.active}>
            {actions.energyRun.active ? 'Computing…' : 'Energy'}
          </button>
        </div>
        {noEngine && <p className="hint">No engine is connected: relaxation runs in the desktop app or behind `cfstudio serve`.</p>}
        {relaxStatus && (
          <p className="hint" role="status" data-testid="relax-status">
            {actions.relaxTarget && !relaxHere ? `Relaxing ${actions.relaxTarget.title}: ` : ''}
            {relaxStatus}
          </p>
        )}
        {actions.relaxTarget && !relaxHere && !actions.relaxRun.active && relax.phase !== 'idle' && (
          <p className="hint" data-testid="relax-elsewhere">
            The chart shows the last relaxation, of {actions.relaxTarget.title}: open it to see its result.
          </p>
        )}
        {relax.phase === 'failed' && relax.error && (
          <p className="error" role="alert" data-testid="relax-error">
            Relaxation failed: {relax.error}
          </p>
        )}
        {relaxHere && actions.relaxFailure && (
          <p className="error" role="alert" data-testid="relax-error">
            {actions.relaxFailure}
          </p>
        )}
        {relax.phase === 'cancelled' && relaxHere && (
          <p className="hint" role="status" data-testid="relax-outcome">
            Relaxation cancelled{actions.lastStep ? ` after ${actions.lastStep.step} steps` : ''}.
          </p>
        )}
        {energy.phase === 'failed' && energy.error && (
          <p className="error" role="alert">
            Energy failed: {energy.error}
          </p>
        )}
        {energyHere && actions.energyFailure && (
          <p className="error" role="alert">
            {actions.energyFailure}
          </p>
        )}
      </div>

      <LiveChart
        title="Relaxation: energy per atom and fmax per step"
        xLabel="step"
        axes={CHART_AXES}
        series={CHART_SERIES}
        data={actions.chart}
        height={170}
        emptyText={actions.relaxRun.active ? 'Waiting for the first step…' : 'No relaxation yet: press Relax to follow energy and fmax per FIRE step.'}
        testId="relax-chart"
      />

      <div className="potential-results">
        {result && (
          <dl className="result-facts" data-testid="relax-result">
            <dt>Status</dt>
            <dd data-testid="relax-result-status">
              <b>{STATUS_TEXT[result.status]}</b>
              {result.message ? ` — ${result.message}` : ''}
            </dd>
            <dt>Steps</dt>
            <dd>
              {result.steps} · fmax {ev(result.fmax, 'eV/Å', 3)}
              {seconds !== undefined ? ` · ${formatDuration(seconds)}` : ''}
            </dd>
            <dt>Energy</dt>
            <dd>{ev(result.energyPerAtom)}</dd>
            <dt>Formation energy</dt>
            <dd>{ev(result.formationEnergyPerAtom)}</dd>
            <dt title={HULL_NOTE}>E_hull (relaxed)</dt>
            <dd data-testid="relax-ehull" title={HULL_NOTE}>
              {ev(result.eHull)}
            </dd>
            <dt>Decomposition</dt>
            <dd>{formatDecomposition(result.decomposition)}</dd>
            <dt>Volume change</dt>
            <dd>{result.volumeChange === null ? '—' : `${result.volumeChange >= 0 ? '+' : ''}${(100 * result.volumeChange).toFixed(2)} %`}</dd>
            <dt>Space group</dt>
            <dd>
              {result.spaceGroupBefore ?? '?'} → {result.spaceGroupAfter ?? '?'}
            </dd>
            {result.stabilityError && (
              <>
                <dt>Stability</dt>
                <dd className="warn">{result.stabilityError}</dd>
              </>
            )}
          </dl>
        )}
        {result?.savedId !== undefined && (
          <p className="hint" data-testid="relax-saved">
            Saved to the library as #{result.savedId}
            {result.libraryId !== undefined ? `, relaxed from #${result.libraryId}` : ''}.
          </p>
        )}
        {result?.saveError && <p className="hint warn">Not saved to the library: {result.saveError}</p>}
        {result?.warnings && result.warnings.length > 0 && <p className="hint warn">{result.warnings.join(' · ')}</p>}
        {result?.cif && (
          <label className="check">
            <input
              type="checkbox"
              checked={actions.showRelaxed}
              onChange={(e) =>
                changeShown(() => {
                  actions.showRelaxed = e.target.checked;
                  actions.frameIndex = null;
                })
              }
            />
            <span>Show relaxed structure</span>
          </label>
        )}
        {framesUsable && !actions.relaxRun.active && (
          <label className="field">
            <span>
              Trajectory {actions.frameIndex === null ? '—' : `step ${actions.frames[actions.frameIndex]!.step}`}
            </span>
            <input
              type="range"
              min={0}
              max={actions.frames.length - 1}
              step={1}
              value={actions.frameIndex ?? actions.frames.length - 1}
              aria-label="Trajectory step shown"
              onChange={(e) =>
                changeShown(() => {
                  actions.frameIndex = Number(e.target.value);
                })
              }
            />
          </label>
        )}
        {energyHere && actions.energy && (
          <dl className="result-facts" data-testid="energy-result">
            <dt>Energy (single point)</dt>
            <dd>{ev(actions.energy.energyPerAtom)}</dd>
            <dt>Formation energy</dt>
            <dd>{ev(actions.energy.formationEnergyPerAtom)}</dd>
            <dt title={HULL_NOTE}>E_hull (single point)</dt>
            <dd data-testid="energy-ehull" title={HULL_NOTE}>
              {ev(actions.energy.eHull)}
            </dd>
            <dt>Decomposition</dt>
            <dd>{formatDecomposition(actions.energy.decomposition)}</dd>
            <dt>Max force</dt>
            <dd>{ev(actions.energy.maxForce, 'eV/Å', 3)}</dd>
            <dt>Pressure</dt>
            <dd>{formatValue(actions.energy.pressureGPa, 3)} GPa</dd>
            {actions.energy.stabilityError && (
              <>
                <dt>Stability</dt>
                <dd className="warn">{actions.energy.stabilityError}</dd>
              </>
            )}
          </dl>
        )}
        {(result || (energyHere && actions.energy)) && <p className="hint">E_hull is measured {HULL_NOTE}.</p>}
      </div>
    </section>
  );
}
