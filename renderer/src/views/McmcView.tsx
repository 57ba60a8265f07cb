/**
 * The MCMC panel: a template (space group, Wyckoff sites in the model's order, each site's element fixed, masked
 * or one of a set, ties, optionally fixed coordinates) → the annealing settings → Run/Cancel as an 'mcmc' job.
 * Every sweep's acceptance rate and log-likelihood are charted as they stream in; the final crystals (best log p
 * first) land in the results grid, from where they open in the Viewer.
 */
import { useEffect, useMemo, useState } from 'react';
import type { McmcOutput } from '../../../shared/api/jobs.ts';
import { getSpaceGroup, type SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import type { Candidate, StudioBackend } from '../api/backend.ts';
import { candidateFromOutput } from '../api/connected.ts';
import type { SymmetryState } from '../App.tsx';
import { ChartData, formatDuration } from '../charts/chartData.ts';
import { CHART_COLORS, LiveChart, type ChartAxisSpec, type ChartSeriesSpec } from '../charts/LiveChart.tsx';
import { ModelSelect, useModelChoice } from '../prompt/ModelSelect.tsx';
import { MAX_PROMPT_SITES, removeSite } from '../prompt/rules.ts';
import { AllowedElements, SiteElementsEditor, SiteTable } from '../prompt/SiteTable.tsx';
import { SpaceGroupPicker, SymbolText } from '../prompt/SpaceGroupPicker.tsx';
import { SymmetryGate } from '../prompt/SymmetryGate.tsx';
import { WyckoffTable } from '../prompt/WyckoffTable.tsx';
import { JobRun, useJobRun } from './jobRun.ts';
import {
  checkMcmcSettings,
  checkTemplate,
  applyMcmcPreset,
  DEFAULT_MCMC_SETTINGS,
  MCMC_PRESETS,
  mcmcParamsFor,
  mcmcPresetOf,
  siteOfEngineError,
  type McmcRunSettings,
  type SiteElementMode,
  type TemplateSiteDraft,
} from './mcmcTemplate.ts';
import { NumberField } from './NumberField.tsx';
import { ResultsGrid } from './ResultsGrid.tsx';
import { mcmcSitesFor, type StructureTemplate, type TemplateChoice } from './structureTemplate.ts';
import { RunButtons } from './RunButtons.tsx';
import './dashboards.css';

type SweepStats = Extract<McmcOutput, { kind: 'sweep' }>;

interface SiteRow extends TemplateSiteDraft {
  /** The element field as typed ('Ba Sr'); `elements` is parsed from it. */
  elementsText: string;
}

interface McmcForm {
  spaceGroup: number;
  sites: SiteRow[];
  allowed: string[];
  settings: McmcRunSettings;
  /** The crystal the template was taken from ("Use as template"), until the group is changed. */
  templateSource?: string;
}

/** What the MCMC panel keeps while the app runs: the form, the job, its chart and crystals. */
export class McmcDashboard {
  readonly chart = new ChartData(3);
  candidates: Candidate[] = [];
  lastSweep: SweepStats | null = null;
  form: McmcForm = { spaceGroup: 225, sites: [], allowed: [], settings: DEFAULT_MCMC_SETTINGS };

  /** Puts a crystal's template into the form (the panel reads the form when it is next shown); settings are kept. */
  useTemplate(template: StructureTemplate, choice: TemplateChoice): void {
    const sites = mcmcSitesFor(template, choice).map((site) => ({ ...site, elementsText: site.elements.join(' ') }));
    this.form = { ...this.form, spaceGroup: template.spaceGroup, sites, allowed: [], templateSource: template.source };
  }
  readonly run: JobRun<'mcmc'> = new JobRun(
    'mcmc',
    (item) => {
      if (item.kind === 'sweep') {
        this.lastSweep = item;
        this.chart.append(item.sweep, [item.acceptance, item.meanLogp, item.maxLogp]);
      } else {
        this.candidates = [...this.candidates, candidateFromOutput(this.run.current.jobId ?? 'mcmc', item)];
      }
    },
    () => {
      this.chart.clear();
      this.candidates = [];
      this.lastSweep = null;
    },
  );
}

const CHART_AXES: ChartAxisSpec[] = [
  { scale: 'rate', label: 'acceptance rate (0–1)', range: [0, 1], digits: 1 },
  { scale: 'logp', label: 'log p (nats)', side: 'right' },
];
const CHART_SERIES: ChartSeriesSpec[] = [
  { label: 'acceptance', scale: 'rate', color: CHART_COLORS[0], digits: 3, points: true },
  { label: 'mean log p', scale: 'logp', color: CHART_COLORS[1], digits: 2, unit: 'nats' },
  { label: 'max log p', scale: 'logp', color: CHART_COLORS[2], digits: 2, unit: 'nats', dash: [5, 4] },
];

/** 'ba, Sr|ca' → ['Ba', 'Sr', 'Ca'] (capitalised as symbols; unknown ones are reported by checkTemplate). */
function parseSymbols(text: string): string[] {
  return text
    .split(/[\s,|;]+/)
    .filter((s) => s !== '')
    .map((s) => s[0]!.toUpperCase() + s.slice(1).toLowerCase());
}

export interface McmcViewProps {
  backend: StudioBackend;
  symmetry: SymmetryState;
  dashboard: McmcDashboard;
  onOpen: (candidate: Candidate) => void;
}

export function McmcView({ backend, symmetry, dashboard, onOpen }: McmcViewProps) {
  return (
    <div className="mcmc-view dashboard">
      <SymmetryGate symmetry={symmetry} what="the template builder">
        {(groups) => <McmcPanels backend={backend} groups={groups} dashboard={dashboard} onOpen={onOpen} />}
      </SymmetryGate>
    </div>
  );
}

function McmcPanels({ backend, groups, dashboard, onOpen }: { backend: StudioBackend; groups: readonly SpaceGroup[]; dashboard: McmcDashboard; onOpen: (c: Candidate) => void }) {
  const [form, setForm] = useState<McmcForm>(dashboard.form);
  const [editingSite, setEditingSite] = useState<number | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const run = useJobRun(dashboard.run);
  const { spaceGroup, sites, allowed, settings } = form;
  const group = getSpaceGroup(spaceGroup);

  useEffect(() => {
    dashboard.form = form;
  }, [dashboard, form]);

  const { models, frequencies, error: modelError } = useModelChoice(backend, settings.model, (first) =>
    setForm((f) => (f.settings.model ? f : { ...f, settings: { ...f.settings, model: first } })),
  );

  const issues = useMemo(() => checkTemplate(group, sites, allowed), [group, sites, allowed]);
  const settingsErrors = checkMcmcSettings(settings);
  const engineSite = run.phase === 'failed' && run.error ? siteOfEngineError(run.error) : null;

  const setSites = (next: SiteRow[]) => setForm((f) => ({ ...f, sites: next }));
  const updateSite = (i: number, update: Partial<SiteRow>) => setSites(sites.map((s, k) => (k === i ? { ...s, ...update } : s)));
  const chooseGroup = (g: number) => {
    if (g === spaceGroup) return;
    setForm((f) => ({ spaceGroup: g, sites: [], allowed: f.allowed, settings: f.settings })); // Wyckoff letters belong to one group
    setEditingSite(null);
  };
  const addSite = (letter: string) => setSites([...sites, { letter, mode: 'masked', elements: [], elementsText: '', tiedTo: null, coords: '' }]);

  const start = async () => {
    setFormError(null);
    if (!backend.jobs) return setFormError('No engine is connected: MCMC runs in the desktop app or behind `cfstudio serve`.');
    if (issues.length > 0) return setFormError(`Fix the template first: ${issues[0]!.message}`);
    const firstSettingsError = Object.values(settingsErrors).find((e) => e !== null);
    if (firstSettingsError) return setFormError(firstSettingsError);
    await dashboard.run.start(backend.jobs, mcmcParamsFor(spaceGroup, sites, allowed, settings));
  };

  const active = dashboard.run.active;
  const last = dashboard.lastSweep;
  const progress = run.progress;
  const result = run.phase === 'completed' ? (run.result as { stored: number; valid: number; meanAcceptance: number | null; seconds: number } | undefined) : undefined;
  const status =
    run.phase === 'starting' || run.phase === 'queued'
      ? 'waiting for the engine…'
      : run.phase === 'running'
        ? last && last.sweep < last.sweeps
          ? `sweep ${last.sweep} of ${last.sweeps}…`
          : progress?.message ?? 'running…'
        : null;

  return (
    <>
      <section className="panel sg-panel" aria-label="Template space group">
        <h3>1 · Space group</h3>
        <SpaceGroupPicker groups={groups} value={spaceGroup} onChange={chooseGroup} frequencies={frequencies} />
      </section>

      <section className="panel wyckoff-panel" aria-label="Template Wyckoff sites">
        <h3>
          2 · Wyckoff sites of {spaceGroup} <SymbolText symbol={group.symbol} />
        </h3>
        <WyckoffTable group={group} sites={sites} onAdd={addSite} />
        <p className="hint">Sites in the model's order: letters never decrease, a position without a free coordinate takes one site. Up to {MAX_PROMPT_SITES} sites.</p>
      </section>

      <section className="panel sites-panel" aria-label="Template sites">
        <h3>3 · What the chain may change</h3>
        {form.templateSource && (
          <p className="hint" data-testid="mcmc-template-source">
            Template from {form.templateSource}: a fixed site keeps its element, “any allowed” lets the chain choose.
          </p>
        )}
        {sites.length === 0 ? (
          <p className="hint">No sites yet: add the template's Wyckoff sites from the list.</p>
        ) : (
          <SiteTable
            group={group}
            sites={sites}
            className="template-table"
            elementHeader="Element"
            extraHeaders={['Fixed x, y, z']}
            rowTestId="template-site"
            messagesOf={(i) => [...issues.filter((x) => x.where === i).map((x) => x.message), ...(engineSite === i && run.error ? [run.error] : [])]}
            renderElements={(site, i) => {
              const tied = site.tiedTo !== null;
              return (
                <div className="site-element">
                  <select aria-label={`Site ${i + 1} element`} value={tied ? 'masked' : site.mode} disabled={tied} onChange={(e) => updateSite(i, { mode: e.target.value as SiteElementMode })}>
                    <option value="fixed">fixed</option>
                    <option value="masked">any allowed (?)</option>
                    <option value="set">one of</option>
                  </select>
                  {tied ? (
                    <span className="hint">same as site {site.tiedTo! + 1}</span>
                  ) : site.mode === 'masked' ? (
                    <span className="hint">{allowed.length > 0 ? allowed.join(' ') : 'default set'}</span>
                  ) : (
                    <>
                      <input
                        className="symbols"
                        aria-label={`Site ${i + 1} ${site.mode === 'fixed' ? 'element symbol' : 'element symbols'}`}
                        placeholder={site.mode === 'fixed' ? 'e.g. Cl' : 'e.g. Ba Sr'}
                        value={site.elementsText}
                        aria-invalid={issues.some((x) => x.where === i)}
                        onChange={(e) => updateSite(i, { elementsText: e.target.value, elements: parseSymbols(e.target.value) })}
                      />
                      <button type="button" aria-expanded={editingSite === i} onClick={() => setEditingSite(editingSite === i ? null : i)}>
                        Table…
                      </button>
                    </>
                  )}
                </div>
              );
            }}
            renderExtraCells={(site, i, position) => (
              <td>
                <input
                  className="coords"
                  aria-label={`Site ${i + 1} fixed coordinates`}
                  placeholder={position.dof === 0 ? position.coordinates : `free: ${position.coordinates}`}
                  title={position.dof === 0 ? 'No free coordinate: the position fixes it' : `Leave empty to let the chain move ${position.coordinates}; or fix them, e.g. 1/4,0,0`}
                  disabled={position.dof === 0}
                  value={site.coords}
                  onChange={(e) => updateSite(i, { coords: e.target.value })}
                />
              </td>
            )}
            onTie={(i, tiedTo) => updateSite(i, { tiedTo })}
            onRemove={(i) => {
              setSites(removeSite(sites, i));
              setEditingSite(null);
            }}
          />
        )}
        {editingSite !== null && sites[editingSite] && sites[editingSite]!.mode !== 'masked' && (
          <SiteElementsEditor
            index={editingSite}
            heading={`Elements for site ${editingSite + 1}`}
            selected={sites[editingSite]!.elements}
            onChange={(elements) => updateSite(editingSite, { elements, elementsText: elements.join(' ') })}
          />
        )}
        <AllowedElements
          heading={`Elements for the “any allowed” sites ${allowed.length === 0 ? '(none chosen = all but radioactive elements and noble gases)' : `(${allowed.length})`}`}
          label="Allowed elements for masked sites"
          selected={allowed}
          onChange={(next) => setForm((f) => ({ ...f, allowed: next }))}
          messages={issues.filter((x) => x.where === 'elements' || (x.where === 'sites' && sites.length > 0)).map((x) => x.message)}
        />
      </section>

      <section className="panel run-panel" aria-label="MCMC settings">
        <h3>4 · Annealing</h3>
        <div className="settings-form">
          <ModelSelect
            models={models}
            value={settings.model}
            invalid={settingsErrors.model !== null}
            error={modelError}
            onChange={(model) => setForm((f) => ({ ...f, settings: { ...f.settings, model } }))}
          />
          <SettingsFields settings={settings} errors={settingsErrors} onChange={(next) => setForm((f) => ({ ...f, settings: next }))} />
        </div>
        <div className="run-row">
          <RunButtons run={dashboard.run} onStart={start} startLabel="Run" cancelLabel="Cancel" cancellingLabel="Cancelling…" />
          {active && progress?.total !== undefined && (
            <progress max={progress.total || 1} value={progress.done} aria-label="Sweeps done">
              {progress.done}/{progress.total}
            </progress>
          )}
          {status && (
            <span className="hint" role="status" data-testid="mcmc-status">
              {status}
            </span>
          )}
        </div>
        {formError && (
          <p className="error" role="alert" data-testid="mcmc-error">
            {formError}
          </p>
        )}
        {run.phase === 'failed' && run.error && engineSite === null && (
          <p className="error" role="alert" data-testid="mcmc-error">
            MCMC failed: {run.error}
          </p>
        )}
        {run.phase === 'cancelled' && (
          <p className="hint" role="status" data-testid="mcmc-outcome">
            Run cancelled{last ? ` after ${last.sweep} of ${last.sweeps} sweeps` : ''}; unfinished chains are not stored.
          </p>
        )}
        {result && (
          <p className="hint" role="status" data-testid="mcmc-outcome">
            Run completed: {result.stored} crystals stored ({result.valid} valid), mean acceptance{' '}
            {result.meanAcceptance === null ? '—' : result.meanAcceptance.toFixed(3)}, {formatDuration(result.seconds)}.
          </p>
        )}
        {!backend.jobs && <p className="hint">No engine is connected: MCMC runs in the desktop app or behind `cfstudio serve` (open the URL it prints).</p>}
        <LiveChart
          title="Acceptance rate and log-likelihood per sweep"
          xLabel="sweep"
          axes={CHART_AXES}
          series={CHART_SERIES}
          data={dashboard.chart}
          height={200}
          emptyText={active ? 'Waiting for the first sweep…' : 'No sweep yet: run a template to see acceptance and log p per sweep.'}
          testId="mcmc-chart"
        />
        {last && (
          <p className="hint" data-testid="mcmc-sweep">
            Sweep {last.sweep}/{last.sweeps} · T {last.temperature.toFixed(3)} · acceptance {(100 * last.acceptance).toFixed(1)} % · {last.seconds.toFixed(2)} s per sweep
          </p>
        )}
      </section>

      <ResultsGrid
        candidates={dashboard.candidates}
        onOpen={onOpen}
        status={run.phase === 'running' && last && last.sweep >= last.sweeps ? 'building the final crystals…' : null}
        library={backend.library}
        onFavourite={(libraryId, favourite) => {
          dashboard.candidates = dashboard.candidates.map((c) => (c.libraryId === libraryId ? { ...c, favourite } : c));
          dashboard.run.changed();
        }}
      />
    </>
  );
}

function SettingsFields({ settings, errors, onChange }: { settings: McmcRunSettings; errors: Record<keyof McmcRunSettings, string | null>; onChange: (s: McmcRunSettings) => void }) {
  const field = (key: Exclude<keyof McmcRunSettings, 'model' | 'schedule'>, label: string, step: number, hint?: string) => (
    <NumberField label={label} value={settings[key]} step={step} error={errors[key]} hint={hint} onChange={(v) => onChange({ ...settings, [key]: v })} />
  );
  const preset = mcmcPresetOf(settings);
  return (
    <>
      <label className="field">
        <span>Preset</span>
        <select
          aria-label="Annealing preset"
          value={preset?.id ?? 'custom'}
          onChange={(e) => {
            const chosen = MCMC_PRESETS.find((p) => p.id === e.target.value);
            if (chosen) onChange(applyMcmcPreset(settings, chosen));
          }}
        >
          {MCMC_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom" disabled>
            custom
          </option>
        </select>
        <span className="hint">{preset ? preset.hint : 'edited settings'}</span>
      </label>
      {field('chains', 'Chains', 1, 'independent chains, one crystal each')}
      {field('sweeps', 'Sweeps', 1, 'each sweep moves every movable site once')}
      {field('tStart', 'T start', 0.5)}
      {field('tEnd', 'T end', 0.5)}
      <label className="field">
        <span>Schedule</span>
        <select value={settings.schedule} onChange={(e) => onChange({ ...settings, schedule: e.target.value as McmcRunSettings['schedule'] })}>
          <option value="inverse-linear">1/T linear</option>
          <option value="geometric">geometric</option>
        </select>
      </label>
      {field('width', 'Step width', 0.01, 'coordinate proposal width (fractional)')}
      {field('latticeTemperature', 'Lattice T', 0.1, 'temperature of the final lattice draw')}
      {field('seed', 'Seed', 1)}
    </>
  );
}
