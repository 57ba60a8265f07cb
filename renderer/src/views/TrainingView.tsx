/**
 * The Training panel: prepare a dataset from one's own structures (DatasetPanel: a folder of CIF/POSCAR files or
 * library rows), then start a 'train' job — fine-tuning a trained model on it (`initModel`) or pretraining a fresh
 * network of a preset's size — or follow one the engine host is already running; the training loss
 * of every step and each validation NLL are charted as they stream in, with step, epoch, elapsed time and an ETA
 * from this run's own rate. Cancel stops after the current step with a checkpoint (Resume continues it).
 */
import { useEffect, useState } from 'react';
import type { JobResult, TrainOutput } from '../../../shared/api/jobs.ts';
import type { StudioBackend } from '../api/backend.ts';
import { ChartData, estimateRemainingSeconds, formatDuration } from '../charts/chartData.ts';
import { CHART_COLORS, LiveChart, type ChartAxisSpec, type ChartSeriesSpec } from '../charts/LiveChart.tsx';
import { LabeledSelect } from '../ui/LabeledSelect.tsx';
import { JobRun, useJobRun } from './jobRun.ts';
import { Field, NumberField } from './NumberField.tsx';
import { RunButtons } from './RunButtons.tsx';
import { checkTrainingForm, defaultRunFolder, defaultsFor, trainParamsFor, type TrainingForm } from './trainingForm.ts';
import { DatasetPanel } from './DatasetPanel.tsx';
import { TrainingJobList } from './TrainingJobList.tsx';
import { defaultDatasetForm, visibleErrors, type DatasetForm } from './datasetForm.ts';
import { ModelSelect, useModelChoice } from '../prompt/ModelSelect.tsx';
import './dashboards.css';

/** The engine's model presets (electron/engine/model/config.ts); an unknown name is refused by the job. */
const PRESETS = [
  { id: 'tiny', label: 'tiny (for trying things out)' },
  { id: 'default', label: 'default (the shipped model’s size)' },
  { id: 'published', label: 'published (the paper’s size; slow on a CPU)' },
] as const;

/** What the Training panel keeps while the app runs: the form, the followed job, its curves. */
export class TrainingDashboard {
  /** Series: training loss per step, validation NLL per validation. */
  readonly chart = new ChartData(2);
  first: TrainOutput | null = null;
  latest: TrainOutput | null = null;
  lastValidation: NonNullable<TrainOutput['validation']> | null = null;
  form: TrainingForm = {
    mode: 'finetune',
    initModel: '',
    data: '',
    val: '',
    config: 'tiny',
    out: defaultRunFolder(),
    epochs: NaN,
    batchSize: NaN,
    lr: NaN,
    validateEvery: NaN,
    seed: NaN,
    maxMinutes: NaN,
    resume: false,
  };
  datasetForm: DatasetForm = defaultDatasetForm();
  /** The last 'prepare-dataset' job (its result lists what was left out). */
  readonly prepare: JobRun<'prepare-dataset'> = new JobRun('prepare-dataset', () => {}, () => {});

  /** "Train on selected" in the Library: those rows become the dataset's structures. */
  useLibrarySelection(ids: readonly number[]): void {
    this.datasetForm = { ...this.datasetForm, source: 'library', ids: ids.join(', ') };
  }

  readonly run: JobRun<'train'> = new JobRun(
    'train',
    (item) => {
      this.first ??= item;
      this.latest = item;
      if (item.validation) this.lastValidation = item.validation;
      this.chart.append(item.step, [item.loss, item.validation?.nll.total ?? null]);
    },
    () => {
      this.chart.clear();
      this.first = null;
      this.latest = null;
      this.lastValidation = null;
    },
  );
}

const CHART_AXES: ChartAxisSpec[] = [{ scale: 'nll', label: 'NLL (nats/crystal)' }];
const CHART_SERIES: ChartSeriesSpec[] = [
  { label: 'training loss', scale: 'nll', color: CHART_COLORS[0], digits: 3, unit: 'nats' },
  { label: 'validation NLL', scale: 'nll', color: CHART_COLORS[1], digits: 3, unit: 'nats', points: true },
];

export function TrainingView({ backend, dashboard }: { backend: StudioBackend; dashboard: TrainingDashboard }) {
  const [form, setForm] = useState<TrainingForm>(dashboard.form);
  const [formError, setFormError] = useState<string | null>(null);
  const [datasetForm, setDatasetForm] = useState<DatasetForm>(dashboard.datasetForm);
  // Messages appear under a field once it was edited, and under all of them once a start was attempted.
  const [touched, setTouched] = useState<ReadonlySet<keyof TrainingForm>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const run = useJobRun(dashboard.run);
  const allErrors = checkTrainingForm(form);
  const errors = visibleErrors(allErrors, touched, attempted);
  const defaults = defaultsFor(form.mode);
  const { models, error: modelError } = useModelChoice(backend, form.initModel, (first) => setForm((f) => (f.initModel ? f : { ...f, initModel: first })));
  const active = dashboard.run.active;

  useEffect(() => {
    dashboard.form = form;
  }, [dashboard, form]);
  useEffect(() => {
    dashboard.datasetForm = datasetForm;
  }, [dashboard, datasetForm]);


  const set = <K extends keyof TrainingForm>(key: K, value: TrainingForm[K]) => {
    setTouched((t) => new Set([...t, key]));
    setForm((f) => ({ ...f, [key]: value }));
  };

  const start = async () => {
    setFormError(null);
    setAttempted(true);
    if (!backend.jobs) return setFormError('No engine is connected: training runs in the desktop app or behind `cfstudio serve`.');
    const first = Object.values(allErrors)[0];
    if (first) return setFormError(`Fix the form first: ${first}`);
    await dashboard.run.start(backend.jobs, trainParamsFor(form));
  };

  const latest = dashboard.latest;
  const firstPoint = dashboard.first;
  const remaining =
    active && latest && firstPoint ? estimateRemainingSeconds({ done: firstPoint.step, seconds: firstPoint.seconds }, { done: latest.step, seconds: latest.seconds }, latest.totalSteps) : null;
  const result = run.phase === 'completed' || run.phase === 'cancelled' ? (run.result as JobResult<'train'> | undefined) : undefined;
  const textField = (key: 'data' | 'val' | 'out', label: string, placeholder: string, hint: string) => (
    <Field label={label} hint={hint} error={errors[key] ?? null}>
      {({ id, describedBy }) => (
        <input id={id} value={form[key]} placeholder={placeholder} aria-invalid={errors[key] !== undefined} aria-describedby={describedBy} onChange={(e) => set(key, e.target.value)} />
      )}
    </Field>
  );
  const numberField = (key: 'epochs' | 'batchSize' | 'lr' | 'validateEvery' | 'seed' | 'maxMinutes', label: string, step: number, placeholder: string) => (
    <NumberField label={label} value={form[key]} step={step} placeholder={placeholder} error={errors[key] ?? null} onChange={(v) => set(key, v)} />
  );

  const onPrepared = (folder: string) => {
    dashboard.form = { ...dashboard.form, data: folder };
    setForm((f) => ({ ...f, data: folder }));
  };

  return (
    <div className="training-view dashboard">
      <DatasetPanel
        backend={backend}
        form={datasetForm}
        onFormChange={(next) => {
          dashboard.datasetForm = next;
          setDatasetForm(next);
        }}
        run={dashboard.prepare}
        onPrepared={onPrepared}
      />
      <section className="panel training-form" aria-label="Training run">
        <h3>2 · Training run</h3>
        <div className="settings-form">
          <fieldset className="field source-choice">
            <legend className="field-label">Start from</legend>
            <label className="check">
              <input type="radio" name="training-mode" checked={form.mode === 'finetune'} onChange={() => set('mode', 'finetune')} /> a trained model (fine-tune on your structures)
            </label>
            <label className="check">
              <input type="radio" name="training-mode" checked={form.mode === 'pretrain'} onChange={() => set('mode', 'pretrain')} /> scratch (pretrain a fresh network)
            </label>
          </fieldset>
          {form.mode === 'finetune' ? (
            <ModelSelect models={models} value={form.initModel} invalid={errors.initModel !== undefined} error={modelError ?? errors.initModel ?? null} onChange={(id) => set('initModel', id)} />
          ) : (
            <LabeledSelect label="Preset" value={form.config} options={PRESETS} invalid={errors.config !== undefined} onChange={(config) => set('config', config)} />
          )}
          {textField('data', 'Training data', 'e.g. datasets/mine', 'a prepared dataset folder inside the workspace (above, or `cfstudio data prepare`); its train split is used, its val split validates')}
          {textField('val', 'Validation data', 'the training set’s val split', 'optional: another prepared folder (inside the workspace) to validate on')}
          {textField('out', 'Run folder', 'runs/my-run', 'checkpoints, metrics.jsonl and best.safetensors, inside the workspace')}
          {numberField('epochs', 'Epochs', 1, defaults.epochs)}
          {numberField('batchSize', 'Batch size', 1, defaults.batchSize)}
          {numberField('lr', 'Learning rate', 0.0001, defaults.lr)}
          {numberField('validateEvery', 'Validate every', 1, defaults.validateEvery)}
          {numberField('seed', 'Seed', 1, '42')}
          {numberField('maxMinutes', 'Time limit', 1, 'none (minutes)')}
          <label className="check">
            <input type="checkbox" checked={form.resume} onChange={(e) => set('resume', e.target.checked)} />
            Resume the run in this folder from its latest checkpoint (its saved settings win)
          </label>
        </div>
        <div className="run-row">
          <RunButtons
            run={dashboard.run}
            onStart={start}
            startLabel="Start training"
            cancelLabel="Cancel (checkpoint)"
            cancellingLabel="Stopping…"
            cancelTitle="Stops after the current step and writes a checkpoint"
          />
        </div>
        {formError && (
          <p className="error" role="alert" data-testid="training-error">
            {formError}
          </p>
        )}
        {!backend.jobs && <p className="hint">No engine is connected: training runs in the desktop app or behind `cfstudio serve` (open the URL it prints).</p>}

        <TrainingJobList backend={backend} dashboard={dashboard} followedJobId={run.jobId} phase={run.phase} />
      </section>

      <section className="panel training-curves" aria-label="Training curves">
        <h3>Curves</h3>
        <div className="run-facts" role="status" data-testid="training-status">
          {run.phase === 'idle' && <span className="hint">No run shown: start one, or show a job from the list.</span>}
          {(run.phase === 'starting' || run.phase === 'queued') && <span>Waiting for the engine…</span>}
          {latest && (
            <>
              <span>
                step {latest.step}/{latest.totalSteps}
              </span>
              <span>epoch {latest.epoch + 1}</span>
              <span>elapsed {formatDuration(latest.seconds)}</span>
              {active && <span data-testid="training-eta">ETA {remaining === null ? '—' : formatDuration(remaining)}</span>}
              {dashboard.lastValidation && (
                <span>
                  validation NLL {dashboard.lastValidation.nll.total.toFixed(3)} at step {dashboard.lastValidation.step}
                </span>
              )}
            </>
          )}
          {run.phase !== 'idle' && run.phase !== 'starting' && <span className={`job-status ${run.phase}`}>{run.phase}</span>}
        </div>
        {active && latest && (
          <progress max={latest.totalSteps || 1} value={latest.step} aria-label="Training steps done">
            {latest.step}/{latest.totalSteps}
          </progress>
        )}
        {active && run.progress?.message && <p className="hint progress-message">{run.progress.message}</p>}
        {run.phase === 'failed' && run.error && (
          <p className="error" role="alert" data-testid="training-error">
            Training failed: {run.error}
          </p>
        )}
        {run.error && run.phase !== 'failed' && (
          <p className="error" role="alert">
            {run.error}
          </p>
        )}
        {result && (
          <p className="hint" data-testid="training-outcome">
            {result.status === 'finished' ? 'Finished' : result.status === 'stopped' ? 'Stopped with a checkpoint' : 'Time limit reached'} at step {result.step} (epoch {result.epoch}) after{' '}
            {formatDuration(result.elapsedSeconds)}
            {result.bestValidation ? `; best validation NLL ${result.bestValidation.total.toFixed(3)} nats/crystal` : ''}; {result.checkpoints.length} checkpoint
            {result.checkpoints.length === 1 ? '' : 's'} in <span className="mono">{result.outDir}</span>. To sample from it, make it a model:{' '}
            <code>cfstudio model export --run {result.outDir} --out models/NAME</code>.
          </p>
        )}
        <LiveChart
          title="Training loss and validation NLL per step"
          xLabel="step"
          axes={CHART_AXES}
          series={CHART_SERIES}
          data={dashboard.chart}
          height={300}
          emptyText={active ? 'Waiting for the first step…' : 'No curve yet.'}
          testId="training-chart"
        />
      </section>
    </div>
  );
}

