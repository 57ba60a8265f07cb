/**
 * The RL panel (CrystalFormer-RL): build a reward — from a preset in resources/rewards or term by term (predicted
 * band gap, dielectric constant, formation energy, E_hull proxy; target/range/clip/log transforms; weighted sum or
 * product; validity, size and element constraints; penalty), checked live with the engine's own spec schema and
 * each problem shown at its field — then run a 'finetune' job (PPO with a KL penalty to the pretrained model).
 * While it runs: mean and max reward, each reward term, KL and entropy, validity and samples/s per step; a
 * histogram of the first step's rewards against the latest step's; the best crystals so far (they open in the
 * Viewer, and go into the library at the end). Stop checkpoints; Resume continues the same run folder. Two runs of
 * this session can be compared by their mean-reward curves.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FinetuneCandidate, FinetuneOutput, FinetuneStep, JobInfo, JobResult } from '../../../shared/api/jobs.ts';
import { EHULL_PROXY_NOTE, type RewardSpec } from '../../../shared/api/reward-spec.ts';
import type { Candidate, ModelSummary, StudioBackend, StructureData } from '../api/backend.ts';
import type { JobWatch } from '../api/jobs.ts';
import { ChartData, formatDuration, formatValue } from '../charts/chartData.ts';
import { CHART_COLORS, LiveChart, type ChartAxisSpec, type ChartSeriesSpec } from '../charts/LiveChart.tsx';
import { JobRun, useJobRun } from './jobRun.ts';
import { Field, NumberField } from './NumberField.tsx';
import { ResultsGrid } from './ResultsGrid.tsx';
import {
  builderErrors,
  checkRlSettings,
  checkSpec,
  DEFAULT_RL_SETTINGS,
  defaultRlFolder,
  draftFromSpec,
  EMPTY_DRAFT,
  finetuneParamsFor,
  histogram,
  mergeCurves,
  newTerm,
  POTENTIAL_QUANTITIES,
  PREDICTORS,
  resumeParamsFor,
  specFromDraft,
  type PredictorName,
  type RewardDraft,
  type RlSettings,
  type TermDraft,
  type TransformKind,
} from './rlForm.ts';
import './dashboards.css';
import './rl.css';

/** The shipped reward presets, by file name (bandgap-dielectric, stability …). */
const PRESET_FILES = import.meta.glob('../../../resources/rewards/*.json', { eager: true, import: 'default' }) as Record<string, unknown>;
export const REWARD_PRESETS: { id: string; spec: RewardSpec }[] = Object.entries(PRESET_FILES)
  .flatMap(([path, value]) => {
    const check = checkSpec(value);
    return check.ok ? [{ id: path.replace(/^.*\//, '').replace(/\.json$/, ''), spec: check.spec }] : [];
  })
  .sort((a, b) => (a.id === 'bandgap-dielectric' ? -1 : b.id === 'bandgap-dielectric' ? 1 : a.id.localeCompare(b.id)));

interface RlForm {
  mode: 'builder' | 'json';
  draft: RewardDraft;
  json: string;
  preset: string;
  settings: RlSettings;
}

/** What the RL panel keeps while the app runs: the form, the followed job, its curves, histogram and best list. */
export class RlDashboard {
  readonly rewardChart = new ChartData(2);
  readonly klChart = new ChartData(2);
  readonly validityChart = new ChartData(2);
  /** Uniqueness, strict composition and contacts of each batch (issue #24: hacking visible while it happens). */
  readonly judgesChart = new ChartData(3);
  /** Created at the first step, when the reward's term names are known. */
  termsChart: { names: string[]; data: ChartData } | null = null;
  first: FinetuneStep | null = null;
  latest: FinetuneStep | null = null;
  best: FinetuneCandidate[] = [];
  /** Run folder of the followed job (what Resume continues). */
  runFolder: string | null = null;
  /** Set while a Resume starts, so the curves so far are kept. */
  resuming = false;
  form: RlForm = {
    mode: 'builder',
    draft: (REWARD_PRESETS[0] && draftFromSpec(REWARD_PRESETS[0].spec)) ?? EMPTY_DRAFT,
    json: JSON.stringify(REWARD_PRESETS[0]?.spec ?? specFromDraft(EMPTY_DRAFT), null, 2),
    preset: REWARD_PRESETS[0]?.id ?? '',
    settings: { ...DEFAULT_RL_SETTINGS, out: defaultRlFolder() },
  };
  readonly run: JobRun<'finetune'> = new JobRun(
    'finetune',
    (item) => this.add(item),
    () => {
      // A resumed run continues the same curves (its steps go on from the checkpoint).
      if (this.resuming) {
        this.resuming = false;
        return;
      }
      this.rewardChart.clear();
      this.klChart.clear();
      this.validityChart.clear();
      this.judgesChart.clear();
      this.termsChart = null;
      this.first = null;
      this.latest = null;
      this.best = [];
    },
  );

  private add(item: FinetuneOutput): void {
    if (item.kind === 'best') {
      this.best = item.candidates;
      return;
    }
    // A resumed run's steps continue the numbering: keep the first step this job showed for the histogram.
    this.first ??= item;
    this.latest = item;
    // put, not append: a resumed run repeats the steps after its checkpoint, which the stopped run may have shown.
    this.rewardChart.put(item.step, [item.reward.mean, item.reward.max]);
    this.klChart.put(item.step, [item.kl, item.entropy]);
    this.validityChart.put(item.step, [item.validity.valid, item.samplesPerSecond]);
    if (item.judges) this.judgesChart.put(item.step, [item.judges.unique, item.judges.strictComposition, item.judges.plausibleContacts]);
    const names = Object.keys(item.terms).sort();
    if (!this.termsChart || this.termsChart.names.join('\n') !== names.join('\n')) {
      this.termsChart = names.length ? { names, data: new ChartData(names.length) } : null;
    }
    this.termsChart?.data.put(item.step, names.map((n) => item.terms[n] ?? null));
  }
}

const REWARD_AXES: ChartAxisSpec[] = [{ scale: 'r', label: 'reward' }];
const REWARD_SERIES: ChartSeriesSpec[] = [
  { label: 'mean reward', scale: 'r', color: CHART_COLORS[0], digits: 3, points: true },
  { label: 'max reward', scale: 'r', color: CHART_COLORS[1], digits: 3, dash: [5, 4], points: true },
];
const KL_AXES: ChartAxisSpec[] = [
  { scale: 'kl', label: 'KL (nats/crystal)' },
  { scale: 'h', label: 'entropy (nats)', side: 'right' },
];
const KL_SERIES: ChartSeriesSpec[] = [
  { label: 'KL', scale: 'kl', color: CHART_COLORS[3], digits: 3, unit: 'nats', points: true },
  { label: 'entropy', scale: 'h', color: CHART_COLORS[5], digits: 1, unit: 'nats', dash: [5, 4], points: true },
];
const VALIDITY_AXES: ChartAxisSpec[] = [
  { scale: 'v', label: 'valid (0–1)', range: [0, 1], digits: 1 },
  { scale: 'sps', label: 'samples/s', side: 'right' },
];
const VALIDITY_SERIES: ChartSeriesSpec[] = [
  { label: 'valid', scale: 'v', color: CHART_COLORS[2], digits: 3, points: true },
  { label: 'samples/s', scale: 'sps', color: CHART_COLORS[6], digits: 2, dash: [5, 4], points: true },
];
const JUDGES_AXES: ChartAxisSpec[] = [{ scale: 'f', label: 'fraction of the batch', range: [0, 1], digits: 1 }];
const JUDGES_SERIES: ChartSeriesSpec[] = [
  { label: 'unique motifs', scale: 'f', color: CHART_COLORS[0], digits: 3, points: true },
  { label: 'strict composition', scale: 'f', color: CHART_COLORS[1], digits: 3, points: true },
  { label: 'contacts ≥ ½(rᵢ + rⱼ)', scale: 'f', color: CHART_COLORS[4], digits: 3, dash: [5, 4], points: true },
];
const COMPARE_AXES: ChartAxisSpec[] = [{ scale: 'r', label: 'mean reward' }];

function candidateOf(jobId: string, c: FinetuneCandidate): Candidate {
  return {
    id: `${jobId}-best-${c.rank}`,
    formula: c.formula,
    spaceGroup: c.spaceGroup,
    spaceGroupFound: c.spaceGroupFound,
    minDistance: c.minDistance,
    structure: c.structure as StructureData | null,
    logLikelihood: c.logProbability,
    valid: true,
    index: c.rank,
    wyckoffLabel: c.wyckoffLabel,
  };
}

export function RlView({ backend, dashboard, onOpen }: { backend: StudioBackend; dashboard: RlDashboard; onOpen: (c: Candidate) => void }) {
  const [form, setForm] = useState<RlForm>(dashboard.form);
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [startError, setStartError] = useState<string | null>(null);
  const run = useJobRun(dashboard.run);
  const active = dashboard.run.active;

  useEffect(() => {
    dashboard.form = form;
  }, [dashboard, form]);
  useEffect(() => {
    backend.listModels().then(setModels, () => setModels([]));
  }, [backend]);

  const spec = form.mode === 'builder' ? specFromDraft(form.draft) : null;
  const check = useMemo(() => (form.mode === 'builder' ? checkSpec(spec) : checkSpec(form.json)), [form.mode, form.mode === 'builder' ? JSON.stringify(spec) : form.json]);
  const fieldErrors = form.mode === 'builder' ? builderErrors(check, form.draft) : {};
  const settingErrors = checkRlSettings(form.settings);

  const setDraft = (update: (d: RewardDraft) => RewardDraft) => setForm((f) => ({ ...f, draft: update(f.draft) }));
  const setSetting = <K extends keyof RlSettings>(key: K, value: RlSettings[K]) => setForm((f) => ({ ...f, settings: { ...f.settings, [key]: value } }));

  const choosePreset = (id: string) => {
    const preset = REWARD_PRESETS.find((p) => p.id === id);
    if (!preset) return setForm((f) => ({ ...f, preset: '' }));
    const draft = draftFromSpec(preset.spec);
    setForm((f) => ({ ...f, preset: id, json: JSON.stringify(preset.spec, null, 2), ...(draft ? { draft, mode: 'builder' as const } : { mode: 'json' as const }) }));
  };
  const switchMode = (mode: RlForm['mode']) => {
    if (mode === form.mode) return;
    if (mode === 'json') return setForm((f) => ({ ...f, mode, json: JSON.stringify(specFromDraft(f.draft), null, 2) }));
    const parsed = checkSpec(form.json);
    const draft = parsed.ok ? draftFromSpec(parsed.spec) : null;
    if (!draft) return setStartError(parsed.ok ? 'This spec uses parts the builder cannot show (an external oracle, nested terms or several transforms); keep editing it as JSON.' : 'Fix the JSON first: the builder needs a valid spec.');
    setStartError(null);
    setForm((f) => ({ ...f, mode, draft }));
  };

  const start = async () => {
    setStartError(null);
    if (!backend.jobs) return setStartError('No engine is connected: fine-tuning runs in the desktop app or behind `cfstudio serve`.');
    if (!check.ok) return setStartError(`Fix the reward first: ${check.problems[0]!.path}: ${check.problems[0]!.message}`);
    const first = Object.values(settingErrors)[0];
    if (first) return setStartError(`Fix the settings first: ${first}`);
    dashboard.runFolder = form.settings.out.trim();
    await dashboard.run.start(backend.jobs, finetuneParamsFor(form.settings, check.spec));
  };
  const resume = async () => {
    setStartError(null);
    if (!backend.jobs || !dashboard.runFolder) return;
    dashboard.resuming = true;
    await dashboard.run.start(backend.jobs, resumeParamsFor(dashboard.runFolder, form.settings.steps));
    dashboard.resuming = false;
  };
  const newFolder = () => setSetting('out', defaultRlFolder());

  const result = run.phase === 'completed' || run.phase === 'cancelled' ? (run.result as JobResult<'finetune'> | undefined) : undefined;
  const canResume = !active && dashboard.runFolder !== null && (run.phase === 'cancelled' || run.phase === 'completed' || run.phase === 'failed');
  const latest = dashboard.latest;
  const candidates = dashboard.best.map((c) => candidateOf(run.jobId ?? 'rl', c));
  const usesEhull = JSON.stringify(check.ok ? check.spec : spec ?? {}).includes('"ehull"');

  return (
    <div className="rl-view dashboard">
      <section className="panel rl-reward" aria-label="Reward">
        <h3>Reward</h3>
        <div className="rl-row">
          <label className="field">
            <span className="field-label">Preset</span>
            <select value={form.preset} onChange={(e) => choosePreset(e.target.value)} data-testid="rl-preset">
              <option value="">(custom)</option>
              {REWARD_PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.spec.name ?? p.id}
                </option>
              ))}
            </select>
          </label>
          <div className="segmented" role="group" aria-label="Edit the reward as">
            <button type="button" aria-pressed={form.mode === 'builder'} onClick={() => switchMode('builder')}>
              Builder
            </button>
            <button type="button" aria-pressed={form.mode === 'json'} onClick={() => switchMode('json')}>
              JSON
            </button>
          </div>
        </div>
        {form.mode === 'builder' ? (
          <RewardBuilder draft={form.draft} errors={fieldErrors} onChange={(d) => setForm((f) => ({ ...f, draft: d, preset: '' }))} setDraft={setDraft} />
        ) : (
          <Field label="Reward spec (JSON)" hint="the format of `cfstudio reward check` (electron/rewards/spec.ts)" error={check.ok ? null : check.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}>
            {({ id, describedBy }) => (
              <textarea
                id={id}
                className="rl-json mono"
                rows={16}
                spellCheck={false}
                value={form.json}
                aria-invalid={!check.ok}
                aria-describedby={describedBy}
                onChange={(e) => setForm((f) => ({ ...f, json: e.target.value, preset: '' }))}
              />
            )}
          </Field>
        )}
        <p className={check.ok ? 'hint' : 'error'} role="status" data-testid="rl-spec-status">
          {check.ok ? `Valid reward spec${check.spec.name ? ` “${check.spec.name}”` : ''}.` : `${check.problems.length} problem${check.problems.length === 1 ? '' : 's'} in the reward.`}
        </p>
        {usesEhull && <p className="hint rl-note">{EHULL_PROXY_NOTE}</p>}
      </section>

      <section className="panel rl-settings" aria-label="Run settings">
        <h3>Run</h3>
        <div className="settings-form">
          <Field label="Model" hint="a model in models/, or a model folder in the workspace (e.g. a fine-tuned policy)" error={settingErrors.model ?? null}>
            {({ id, describedBy }) => (
              <>
                <input id={id} list={`${id}-models`} value={form.settings.model} aria-invalid={settingErrors.model !== undefined} aria-describedby={describedBy} onChange={(e) => setSetting('model', e.target.value)} />
                <datalist id={`${id}-models`}>
                  {models.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label="Run folder" hint="checkpoints, metrics.jsonl, best/ and the fine-tuned model/, inside the workspace" error={settingErrors.out ?? null}>
            {({ id, describedBy }) => (
              <span className="rl-inline">
                <input id={id} value={form.settings.out} aria-invalid={settingErrors.out !== undefined} aria-describedby={describedBy} onChange={(e) => setSetting('out', e.target.value)} />
                <button type="button" onClick={newFolder} title="A fresh folder name from the current time">
                  New
                </button>
              </span>
            )}
          </Field>
          <NumberField label="Steps" value={form.settings.steps} step={1} error={settingErrors.steps ?? null} hint="on Resume, raises the run’s total" onChange={(v) => setSetting('steps', v)} />
          <NumberField label="Batch size" value={form.settings.batchSize} step={1} error={settingErrors.batchSize ?? null} onChange={(v) => setSetting('batchSize', v)} />
          <NumberField label="PPO epochs" value={form.settings.ppoEpochs} step={1} error={settingErrors.ppoEpochs ?? null} onChange={(v) => setSetting('ppoEpochs', v)} />
          <NumberField label="Learning rate" value={form.settings.lr} step={1e-6} error={settingErrors.lr ?? null} onChange={(v) => setSetting('lr', v)} />
          <NumberField label="β (KL weight)" value={form.settings.beta} step={0.01} error={settingErrors.beta ?? null} hint="weight of the KL penalty to the pretrained model" onChange={(v) => setSetting('beta', v)} />
          <NumberField label="Clip ε" value={form.settings.clip} step={0.05} error={settingErrors.clip ?? null} onChange={(v) => setSetting('clip', v)} />
          <label className="field">
            <span className="field-label">Advantage</span>
            <select value={form.settings.advantage} onChange={(e) => setSetting('advantage', e.target.value as RlSettings['advantage'])}>
              <option value="baseline">baseline (reward − running mean)</option>
              <option value="group">group (standardised per space group)</option>
            </select>
          </label>
          {form.settings.advantage === 'group' && (
            <NumberField label="Group size" value={form.settings.groupSize} step={1} error={settingErrors.groupSize ?? null} onChange={(v) => setSetting('groupSize', v)} />
          )}
          <NumberField label="Seed" value={form.settings.seed} step={1} placeholder="0" error={settingErrors.seed ?? null} onChange={(v) => setSetting('seed', v)} />
        </div>
        <div className="run-row">
          <button type="button" className="primary" onClick={start} disabled={active} data-testid="rl-start">
            Start fine-tuning
          </button>
          <button type="button" onClick={() => void dashboard.run.cancel()} disabled={!active || run.cancelling || run.jobId === null} title="Stops after the current step and writes a checkpoint" data-testid="rl-stop">
            {run.cancelling ? 'Stopping…' : 'Stop (checkpoint)'}
          </button>
          <button type="button" onClick={resume} disabled={!canResume} title={dashboard.runFolder ? `Continue ${dashboard.runFolder} from its last checkpoint` : 'Start a run first'} data-testid="rl-resume">
            Resume
          </button>
        </div>
        {startError && (
          <p className="error" role="alert" data-testid="rl-error">
            {startError}
          </p>
        )}
        {!backend.jobs && <p className="hint">No engine is connected: fine-tuning runs in the desktop app or behind `cfstudio serve`.</p>}
      </section>

      <section className="panel rl-curves" aria-label="Fine-tuning curves">
        <h3>Progress</h3>
        <div className="run-facts" role="status" data-testid="rl-status">
          {run.phase === 'idle' && <span className="hint">No run yet.</span>}
          {(run.phase === 'starting' || run.phase === 'queued') && <span>Waiting for the engine…</span>}
          {latest && (
            <>
              <span>
                step {latest.step}/{latest.steps}
              </span>
              <span>mean reward {latest.reward.mean === null ? '—' : formatValue(latest.reward.mean)}</span>
              <span>elapsed {formatDuration(latest.elapsedSeconds)}</span>
            </>
          )}
          {run.phase !== 'idle' && run.phase !== 'starting' && <span className={`job-status ${run.phase}`}>{run.phase}</span>}
        </div>
        {active && latest && (
          <progress max={latest.steps} value={latest.step} aria-label="Fine-tuning steps done">
            {latest.step}/{latest.steps}
          </progress>
        )}
        {active && run.progress?.message && <p className="hint progress-message">{run.progress.message}</p>}
        {run.error && (
          <p className="error" role="alert" data-testid="rl-run-error">
            {run.phase === 'failed' ? 'Fine-tuning failed: ' : ''}
            {run.error}
          </p>
        )}
        {run.phase === 'cancelled' && !result && (
          // A cancelled job reports no result; the engine checkpointed after the last step shown.
          <p className="hint" data-testid="rl-outcome">
            Stopped with a checkpoint{latest ? ` at step ${latest.step}/${latest.steps}` : ''}; the best crystals found so far are in the library. Resume continues the run.
          </p>
        )}
        {result && (
          <p className="hint" data-testid="rl-outcome">
            {result.status === 'finished' ? 'Finished' : result.status === 'stopped' ? 'Stopped with a checkpoint' : 'Time limit reached'} at step {result.step}/{result.steps} after {formatDuration(result.elapsedSeconds)}; {result.stored} best crystal
            {result.stored === 1 ? '' : 's'} stored in the library; fine-tuned model in <span className="mono">{result.modelDir}</span>.
          </p>
        )}
        <div className="rl-charts">
          <LiveChart title="Mean and max reward per step" xLabel="step" axes={REWARD_AXES} series={REWARD_SERIES} data={dashboard.rewardChart} version={dashboard.rewardChart.version} testId="rl-reward-chart" emptyText="No step yet." height={170} />
          {dashboard.termsChart ? (
            <TermsChart names={dashboard.termsChart.names} data={dashboard.termsChart.data} />
          ) : (
            <p className="hint">Reward terms appear after the first step.</p>
          )}
          <LiveChart title="KL to the pretrained model and entropy" xLabel="step" axes={KL_AXES} series={KL_SERIES} data={dashboard.klChart} version={dashboard.klChart.version} testId="rl-kl-chart" emptyText="No step yet." height={170} />
          <LiveChart title="Valid fraction and samples per second" xLabel="step" axes={VALIDITY_AXES} series={VALIDITY_SERIES} data={dashboard.validityChart} version={dashboard.validityChart.version} testId="rl-validity-chart" emptyText="No step yet." height={170} />
          <LiveChart title="Is the reward fooling its judges? Unique, strict composition, contacts" xLabel="step" axes={JUDGES_AXES} series={JUDGES_SERIES} data={dashboard.judgesChart} version={dashboard.judgesChart.version} testId="rl-judges-chart" emptyText="No step yet." height={170} />
          <RewardHistogram first={dashboard.first} latest={dashboard.latest} />
        </div>
        {latest?.judges && (
          <p className="hint" data-testid="rl-judges">
            Step {latest.step}: mean reward {formatValue(latest.reward.mean ?? NaN)} — unique motifs {(100 * latest.judges.unique).toFixed(0)} %, strict composition {(100 * latest.judges.strictComposition).toFixed(0)} %, contacts{' '}
            {(100 * latest.judges.plausibleContacts).toFixed(0)} %, mean reward of those passing both {latest.judges.meanRewardPlausible === null ? '–' : formatValue(latest.judges.meanRewardPlausible)}, duplicates penalised{' '}
            {(100 * latest.judges.duplicates).toFixed(0)} %. Strict composition: every atom in an oxidation state held by ≥ 5 % of the element&apos;s ICSD compounds, charge-balanced, cations less electronegative than anions; contacts: shortest distance ≥ 0.5 × the sum of covalent radii.
          </p>
        )}
      </section>

      <section className="panel rl-best" aria-label="Best crystals">
        <h3>Best crystals so far</h3>
        {dashboard.best.length === 0 ? (
          <p className="hint">None yet: valid crystals with the highest rewards appear here as the run finds them.</p>
        ) : (
          <table className="rl-best-table" data-testid="rl-best-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">formula</th>
                <th scope="col">space group</th>
                <th scope="col">reward</th>
                <th scope="col">terms</th>
                <th scope="col" title="strict compositional rule and contacts ≥ ½(rᵢ + rⱼ)">checks</th>
                <th scope="col" title="E_hull (eV/atom) after relaxing with the potential, space group kept; computed when a run with an E_hull reward ends">relaxed E_hull</th>
                <th scope="col">step</th>
              </tr>
            </thead>
            <tbody>
              {dashboard.best.map((c) => (
                <tr key={c.rank}>
                  <td>{c.rank}</td>
                  <td>{c.formula}</td>
                  <td>{c.spaceGroup}</td>
                  <td className="num">{formatValue(c.reward)}</td>
                  <td className="mono">{Object.entries(c.terms).map(([k, v]) => `${k} ${formatValue(v)}`).join(', ')}</td>
                  <td>{c.strictComposition === undefined ? '–' : `${c.strictComposition ? 'charge-balanced' : 'NOT charge-balanced (strict)'}${c.plausibleContacts === false ? ', atoms too close' : ''}`}</td>
                  <td className="num">{c.relaxedEHull === undefined ? '–' : c.relaxedEHull === null ? 'failed' : formatValue(c.relaxedEHull)}</td>
                  <td className="num">{c.step}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <ResultsGrid candidates={candidates} onOpen={onOpen} library={backend.library} />
      </section>

      <CompareRuns backend={backend} phase={run.phase} />
    </div>
  );
}

function TermsChart({ names, data }: { names: string[]; data: ChartData }) {
  const series = useMemo<ChartSeriesSpec[]>(() => names.map((name, i) => ({ label: name, scale: 't', color: CHART_COLORS[i % CHART_COLORS.length]!, digits: 3, points: true })), [names]);
  const axes = useMemo<ChartAxisSpec[]>(() => [{ scale: 't', label: 'term mean' }], []);
  return <LiveChart title="Reward terms (batch means)" xLabel="step" axes={axes} series={series} data={data} version={data.version} testId="rl-terms-chart" height={170} />;
}

const BINS = 12;

/** First step's batch rewards against the latest step's, as side-by-side bars over shared bins (SVG). */
function RewardHistogram({ first, latest }: { first: FinetuneStep | null; latest: FinetuneStep | null }) {
  const series = first && latest ? (first.step === latest.step ? [first.rewards] : [first.rewards, latest.rewards]) : [];
  const h = histogram(series, BINS);
  const width = 420;
  const height = 150;
  const pad = { left: 34, right: 8, top: 8, bottom: 30 };
  const maxCount = Math.max(1, ...h.counts.flat());
  const binWidth = (width - pad.left - pad.right) / BINS;
  const mean = (r: readonly number[]) => (r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN);
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
        <svg viewBox={`0 0 ${width} ${height}`} width="100%" aria-hidden="true">
          <line x1={pad.left} y1={height - pad.bottom} x2={width - pad.right} y2={height - pad.bottom} stroke="#4a505c" />
          <text x={pad.left - 4} y={pad.top + 8} textAnchor="end" fontSize="10" fill="#4a505c">
            {maxCount}
          </text>
          <text x={pad.left - 4} y={height - pad.bottom} textAnchor="end" fontSize="10" fill="#4a505c">
            0
          </text>
          {h.counts.map((counts, s) =>
            counts.map((count, b) => {
              const barHeight = ((height - pad.top - pad.bottom) * count) / maxCount;
              const w = binWidth / h.counts.length - 1;
              return (
                <rect key={`${s}-${b}`} x={pad.left + b * binWidth + s * (w + 1)} y={height - pad.bottom - barHeight} width={Math.max(1, w)} height={barHeight} fill={s === 0 ? CHART_COLORS[0] : CHART_COLORS[1]} opacity={0.85} />
              );
            }),
          )}
          {[0, BINS / 2, BINS].map((i) => (
            <text key={i} x={pad.left + i * binWidth} y={height - pad.bottom + 12} textAnchor={i === 0 ? 'start' : i === BINS ? 'end' : 'middle'} fontSize="10" fill="#4a505c">
              {formatValue(h.edges[i]!, 2)}
            </text>
          ))}
          <text x={(width + pad.left) / 2} y={height - 4} textAnchor="middle" fontSize="10" fill="#4a505c">
            reward
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

/** Overlay of two fine-tuning jobs' mean-reward curves (jobs of this engine session, running or finished). */
function CompareRuns({ backend, phase }: { backend: StudioBackend; phase: string }) {
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

const TRANSFORMS: { kind: TransformKind; label: string }[] = [
  { kind: 'none', label: 'value as is' },
  { kind: 'target', label: 'target: −|x − value|' },
  { kind: 'range', label: 'range: 1 inside [min, max], decays outside' },
  { kind: 'clip', label: 'clip to [min, max]' },
  { kind: 'log', label: 'log' },
];

function RewardBuilder({ draft, errors, onChange, setDraft }: { draft: RewardDraft; errors: Record<string, string>; onChange: (d: RewardDraft) => void; setDraft: (u: (d: RewardDraft) => RewardDraft) => void }) {
  const setTerm = (i: number, update: Partial<TermDraft>) => onChange({ ...draft, terms: draft.terms.map((t, k) => (k === i ? { ...t, ...update } : t)) });
  const several = draft.terms.length > 1;
  return (
    <div className="rl-builder">
      {errors.spec && (
        <p className="error" role="alert">
          {errors.spec}
        </p>
      )}
      <Field label="Name" error={errors.name ?? null}>
        {({ id }) => <input id={id} value={draft.name} onChange={(e) => onChange({ ...draft, name: e.target.value })} />}
      </Field>
      <fieldset className="rl-terms">
        <legend>Terms</legend>
        {several && (
          <div className="rl-row">
            <label className="field">
              <span className="field-label">Combine as</span>
              <select value={draft.combine} onChange={(e) => onChange({ ...draft, combine: e.target.value as RewardDraft['combine'] })} data-testid="rl-combine">
                <option value="product">product of the terms</option>
                <option value="sum">weighted sum of the terms</option>
              </select>
            </label>
            <Field label="Named" error={errors.combineName ?? null}>
              {({ id }) => <input id={id} className="short" value={draft.combineName} placeholder={draft.combine} onChange={(e) => onChange({ ...draft, combineName: e.target.value })} />}
            </Field>
          </div>
        )}
        {draft.terms.map((term, i) => {
          const err = (field: string) => errors[`term.${i}.${field}`] ?? null;
          const num = (field: 'value' | 'min' | 'max' | 'scale' | 'weight', label: string, step: number, placeholder?: string) => (
            <NumberField label={label} value={term[field]} step={step} placeholder={placeholder} error={err(field)} onChange={(v) => setTerm(i, { [field]: v })} />
          );
          return (
            <div className="rl-term" key={i} role="group" aria-label={`Term ${i + 1}`} data-testid="rl-term">
              <div className="rl-row">
                <label className="field">
                  <span className="field-label">Term {i + 1}</span>
                  <select
                    value={term.kind === 'predictor' ? term.predictor : term.kind}
                    onChange={(e) => {
                      const potential = POTENTIAL_QUANTITIES.find((q) => q.kind === e.target.value);
                      setTerm(i, potential ? { kind: potential.kind } : e.target.value === 'ehull' ? { kind: 'ehull', predictor: 'formation_energy' } : { kind: 'predictor', predictor: e.target.value as PredictorName });
                    }}
                    aria-label={`Term ${i + 1} quantity`}
                  >
                    {PREDICTORS.map((p) => (
                      <option key={p.name} value={p.name}>
                        {p.label}
                      </option>
                    ))}
                    <option value="ehull">E above hull, proxy (eV/atom)</option>
                    {POTENTIAL_QUANTITIES.map((q) => (
                      <option key={q.kind} value={q.kind}>
                        {q.label}
                      </option>
                    ))}
                  </select>
                </label>
                <Field label="Name" error={err('name')}>
                  {({ id }) => <input id={id} className="short" value={term.name} placeholder={term.kind === 'predictor' ? term.predictor : term.kind} onChange={(e) => setTerm(i, { name: e.target.value })} />}
                </Field>
                <button type="button" onClick={() => setDraft((d) => ({ ...d, terms: d.terms.filter((_, k) => k !== i) }))} disabled={!several} aria-label={`Remove term ${i + 1}`}>
                  Remove
                </button>
              </div>
              <div className="rl-row">
                <label className="field">
                  <span className="field-label">Transform</span>
                  <select value={term.transform} onChange={(e) => setTerm(i, { transform: e.target.value as TransformKind })} aria-label={`Term ${i + 1} transform`}>
                    {TRANSFORMS.map((t) => (
                      <option key={t.kind} value={t.kind}>
                        {t.label}
                      </option>
                    ))}
                  </select>
                </label>
                {err('transform') && (
                  <span className="error" role="alert">
                    {err('transform')}
                  </span>
                )}
                <label className="check">
                  <input type="checkbox" checked={term.negate} onChange={(e) => setTerm(i, { negate: e.target.checked })} />
                  then negate (−x)
                </label>
              </div>
              {(term.kind === 'potential_ehull' || term.kind === 'energy_per_atom') && (
                <div className="rl-row">
                  <NumberField label="Relaxation steps (0 = single point)" value={term.relaxSteps} step={1} error={err('relaxSteps')} onChange={(v) => setTerm(i, { relaxSteps: v })} />
                </div>
              )}
              {term.transform === 'target' && <div className="rl-row">{num('value', 'Target', 0.1)}</div>}
              {(term.transform === 'range' || term.transform === 'clip') && (
                <div className="rl-row">
                  {num('min', 'Min', 0.1, term.transform === 'clip' ? 'open' : undefined)}
                  {num('max', 'Max', 0.1, term.transform === 'clip' ? 'open' : undefined)}
                  {term.transform === 'range' && num('scale', 'Decay scale', 0.1)}
                </div>
              )}
              {several && draft.combine === 'sum' && <div className="rl-row">{num('weight', 'Weight', 0.1)}</div>}
            </div>
          );
        })}
        <button type="button" onClick={() => setDraft((d) => ({ ...d, terms: [...d.terms, newTerm('dielectric_total')] }))} disabled={draft.terms.length >= 8}>
          Add term
        </button>
      </fieldset>
      <fieldset className="rl-constraints">
        <legend>Constraints</legend>
        <label className="check">
          <input type="checkbox" checked={draft.structural} onChange={(e) => onChange({ ...draft, structural: e.target.checked })} />
          structurally valid (no atoms closer than 0.5 Å)
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.compositional} onChange={(e) => onChange({ ...draft, compositional: e.target.checked })} />
          compositionally valid by the SMACT rule (any listed oxidation state balances; lenient)
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.strictComposition} onChange={(e) => onChange({ ...draft, strictComposition: e.target.checked })} data-testid="rl-strict-composition" />
          strict composition: every atom in an oxidation state held by ≥ the threshold of the element&apos;s ICSD compounds, charge-balanced, cations less electronegative than anions
        </label>
        {draft.strictComposition && (
          <div className="rl-row">
            <NumberField
              label="ICSD state threshold"
              value={draft.minStateProbability}
              step={0.01}
              placeholder="0.05"
              hint="least fraction of the element's ICSD compounds showing an atom's oxidation state (empty = 0.05)"
              error={errors.minStateProbability ?? null}
              onChange={(v) => onChange({ ...draft, minStateProbability: v })}
            />
            <label className="check">
              <input type="checkbox" checked={draft.alloys !== false} onChange={(e) => onChange({ ...draft, alloys: e.target.checked ? null : false })} />
              all-metal compositions pass (intermetallics)
            </label>
          </div>
        )}
        <label className="check">
          <input type="checkbox" checked={draft.duplicateGuard} onChange={(e) => onChange({ ...draft, duplicateGuard: e.target.checked })} />
          duplicate guard: repeats of a motif (formula + Wyckoff sequence) in a batch get the penalty
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.extrapolationGuard} onChange={(e) => onChange({ ...draft, extrapolationGuard: e.target.checked })} />
          extrapolation guard: crystals outside a predictor&apos;s training domain get the penalty
        </label>
        <NumberField label="Max atoms" value={draft.maxAtoms} step={1} placeholder="no limit" error={errors.maxAtoms ?? null} onChange={(v) => onChange({ ...draft, maxAtoms: v })} />
        {(['allowed', 'required', 'forbidden'] as const).map((key) => (
          <Field key={key} label={`Elements ${key}`} error={errors[key] ?? null}>
            {({ id }) => <input id={id} value={draft[key]} placeholder="e.g. Pb, Cd" aria-invalid={errors[key] !== undefined} onChange={(e) => onChange({ ...draft, [key]: e.target.value })} />}
          </Field>
        ))}
        <NumberField label="Penalty" value={draft.penalty} step={0.1} hint="reward of a crystal that fails a constraint" error={errors.penalty ?? null} onChange={(v) => onChange({ ...draft, penalty: v })} />
        <NumberField
          label="Failure reward"
          value={draft.failureReward}
          step={0.1}
          placeholder="the penalty"
          hint="reward of a crystal whose prediction failed (empty = the penalty)"
          error={errors.failureReward ?? null}
          onChange={(v) => onChange({ ...draft, failureReward: v })}
        />
      </fieldset>
    </div>
  );
}
