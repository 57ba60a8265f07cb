/**
 * The generation prompt: space group → Wyckoff sites (in the order the model accepts) → elements (global set,
 * per site, ties between sites) → sampling settings → Run/Cancel through the backend.
 */
import { useEffect, useMemo, useState } from 'react';
import { getSpaceGroup, type SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import type { GenerationEvent, GenerationRequest, GenerationRun, ModelSummary, StudioBackend } from '../api/backend.ts';
import { PeriodicTablePicker } from './PeriodicTable.tsx';
import { appendBlocker, conventionalAtomCount, MAX_PROMPT_SITES, removeSite, validatePrompt, type PromptSite } from './rules.ts';
import { SpaceGroupPicker, SymbolText } from './SpaceGroupPicker.tsx';

export interface GenerationSettingsValue {
  samples: number;
  temperature: number;
  topP: number;
  /** Empty string = random seed. */
  seed: string;
  modelId: string;
}

export const DEFAULT_GENERATION_SETTINGS: GenerationSettingsValue = { samples: 100, temperature: 1, topP: 1, seed: '', modelId: '' };

export interface PromptBuilderProps {
  backend: StudioBackend;
  groups: readonly SpaceGroup[];
  /** Streams the run's events to the page (progress, candidates for the results grid). */
  onGenerationEvent: (event: GenerationEvent) => void;
  /** Called when a run is accepted by the backend (the results grid clears). */
  onRunStarted: () => void;
}

export function PromptBuilder({ backend, groups, onGenerationEvent, onRunStarted }: PromptBuilderProps) {
  const [spaceGroup, setSpaceGroup] = useState<number>(225);
  /** Sample each crystal's group from the model's training distribution instead of the chosen one. */
  const [anyGroup, setAnyGroup] = useState(false);
  const [sites, setSites] = useState<PromptSite[]>([]);
  const [allowed, setAllowed] = useState<string[]>([]);
  const [completePrompt, setCompletePrompt] = useState(true);
  const [lastRun, setLastRun] = useState<string | null>(null);
  const [editingSite, setEditingSite] = useState<number | null>(null);
  const [settings, setSettings] = useState<GenerationSettingsValue>(DEFAULT_GENERATION_SETTINGS);
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [frequencies, setFrequencies] = useState<Record<number, number>>({});
  const [run, setRun] = useState<GenerationRun | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  const group = getSpaceGroup(spaceGroup);

  useEffect(() => {
    backend.listModels().then(
      (list) => {
        setModels(list);
        if (list[0]) setSettings((s) => (s.modelId ? s : { ...s, modelId: list[0]!.id }));
      },
      (error: unknown) => setRunError(`Could not list models: ${(error as Error).message}`),
    );
  }, [backend]);

  useEffect(() => {
    if (!settings.modelId) return setFrequencies({});
    backend.spaceGroupFrequencies(settings.modelId).then(setFrequencies, () => setFrequencies({}));
  }, [backend, settings.modelId]);

  const chooseGroup = (g: number) => {
    if (g === spaceGroup) return;
    setSpaceGroup(g);
    setSites([]); // Wyckoff letters belong to one group
    setEditingSite(null);
  };

  const issues = useMemo(
    () => validatePrompt(group, { spaceGroup, sites: anyGroup ? [] : sites, allowedElements: allowed }),
    [group, spaceGroup, sites, allowed, anyGroup],
  );
  const atomCount = conventionalAtomCount(group, sites);
  const settingsErrors = checkSettings(settings, models.length > 0);

  const start = async () => {
    setRunError(null);
    setLastRun(null);
    setProgress(null);
    if (issues.length > 0) return setRunError('Fix the prompt first: ' + issues[0]!.message);
    const firstSettingsError = Object.values(settingsErrors).find((e) => e !== null);
    if (firstSettingsError) return setRunError(firstSettingsError);
    const request: GenerationRequest = {
      modelId: settings.modelId,
      spaceGroup: anyGroup ? 'training-distribution' : spaceGroup,
      sites: (anyGroup ? [] : sites).map((s) => ({ letter: s.letter, elements: s.elements, tiedTo: s.tiedTo })),
      completePrompt,
      allowedElements: allowed,
      samples: settings.samples,
      temperature: settings.temperature,
      topP: settings.topP,
      seed: settings.seed.trim() === '' ? null : Number(settings.seed),
    };
    // The grid clears before submitting: candidates may stream in before `generate` resolves.
    onRunStarted();
    let ended = false;
    try {
      const started = await backend.generate(request, (event) => {
        if (event.type === 'progress') setProgress({ done: event.done, total: event.total });
        if (event.type === 'finished') {
          ended = true;
          setRun(null);
          if (event.status === 'failed') setRunError(`Generation failed: ${event.reason ?? 'no reason given'}`);
          setLastRun(`Run ${event.status}${event.seed !== undefined ? ` (seed ${event.seed})` : ''}.`);
        }
        onGenerationEvent(event);
      });
      if (!ended) {
        setRun(started);
        setProgress((p) => p ?? { done: 0, total: settings.samples });
      }
    } catch (error) {
      setRunError((error as Error).message);
    }
  };

  const cancel = async () => {
    try {
      await run?.cancel();
    } catch (error) {
      setRunError(`Cancel failed: ${(error as Error).message}`);
    }
  };

  return (
    <div className="prompt-builder">
      <section className="panel sg-panel" aria-label="Space group">
        <h3>1 · Space group</h3>
        <SpaceGroupPicker groups={groups} value={spaceGroup} onChange={chooseGroup} frequencies={frequencies} />
        <label className="check">
          <input type="checkbox" checked={anyGroup} onChange={(e) => setAnyGroup(e.target.checked)} disabled={Object.keys(frequencies).length === 0} />
          Any space group, drawn from the model's training distribution (no Wyckoff prompt)
        </label>
      </section>

      <section className="panel wyckoff-panel" aria-label="Wyckoff sites">
        <h3>
          2 · Wyckoff sites of {spaceGroup} <SymbolText symbol={group.symbol} />
          <span className="count-badge" data-testid="atom-count">
            {sites.length} site{sites.length === 1 ? '' : 's'} · {atomCount} atoms / conventional cell
          </span>
        </h3>
        {anyGroup && (
          <p className="error" role="status">
            Not used: each crystal's space group is drawn from the training distribution, so no Wyckoff prompt applies.
          </p>
        )}
        <table className="dense wyckoff-table">
          <thead>
            <tr>
              <th scope="col">Letter</th>
              <th scope="col">Mult.</th>
              <th scope="col">Site sym.</th>
              <th scope="col">Coordinates</th>
              <th scope="col">DOF</th>
              <th scope="col">
                <span className="visually-hidden">Add</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {group.wyckoffPositions.map((w) => {
              const blocker = appendBlocker(group, sites, w.letter);
              return (
                <tr key={w.letter}>
                  <td className="mono">{w.letter}</td>
                  <td className="num">{w.multiplicity}</td>
                  <td>
                    <SymbolText symbol={w.siteSymmetry} />
                  </td>
                  <td className="mono">{w.coordinates}</td>
                  <td className="num">{w.dof}</td>
                  <td>
                    <button
                      type="button"
                      disabled={blocker !== null || anyGroup}
                      title={blocker ?? `Add a ${w.multiplicity}${w.letter} site`}
                      aria-label={`Add site ${w.multiplicity}${w.letter}`}
                      onClick={() => setSites([...sites, { letter: w.letter, elements: [], tiedTo: null }])}
                    >
                      + Add
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="hint">
          Sites are added in the order the model generates them: letters never decrease, and a position without a free coordinate
          takes one site at most. Up to {MAX_PROMPT_SITES} sites; none = the model chooses.
        </p>
      </section>

      <section className="panel sites-panel" aria-label="Prompt sites">
        <h3>3 · Sites and elements</h3>
        {sites.length === 0 ? (
          <p className="hint">No sites: the model picks the Wyckoff sequence itself.</p>
        ) : (
          <table className="dense site-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Site</th>
                <th scope="col">Elements</th>
                <th scope="col">Tie to</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sites.map((site, i) => {
                const position = group.wyckoffPositions.find((w) => w.letter === site.letter)!;
                const siteIssues = issues.filter((x) => x.where === i);
                return (
                  <tr key={i} className={siteIssues.length ? 'has-error' : ''}>
                    <td className="num">{i + 1}</td>
                    <td className="mono">
                      {position.multiplicity}
                      {site.letter}
                    </td>
                    <td>
                      {site.tiedTo !== null ? (
                        <span className="hint">same as site {site.tiedTo + 1}</span>
                      ) : site.elements.length > 0 ? (
                        site.elements.join(' ')
                      ) : (
                        <span className="hint">{allowed.length > 0 ? `allowed set (${allowed.join(' ')})` : 'any element'}</span>
                      )}
                      {siteIssues.map((x, k) => (
                        <span key={k} className="error" role="alert">
                          {' '}
                          {x.message}
                        </span>
                      ))}
                    </td>
                    <td>
                      <select
                        aria-label={`Tie site ${i + 1} to`}
                        value={site.tiedTo ?? ''}
                        disabled={i === 0}
                        onChange={(e) => {
                          const tiedTo = e.target.value === '' ? null : Number(e.target.value);
                          setSites(sites.map((s, k) => (k === i ? { ...s, tiedTo, elements: tiedTo === null ? s.elements : [] } : s)));
                        }}
                      >
                        <option value="">—</option>
                        {sites.slice(0, i).map((_, k) => (
                          <option key={k} value={k}>
                            site {k + 1}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        disabled={site.tiedTo !== null}
                        aria-expanded={editingSite === i}
                        onClick={() => setEditingSite(editingSite === i ? null : i)}
                      >
                        Elements…
                      </button>
                      <button
                        type="button"
                        aria-label={`Remove site ${i + 1}`}
                        onClick={() => {
                          setSites(removeSite(sites, i));
                          setEditingSite(null);
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {sites.length > 0 && (
          <label className="check">
            <input type="checkbox" checked={completePrompt} onChange={(e) => setCompletePrompt(e.target.checked)} />
            Exactly these sites (unchecked: they are the first sites and the model may add more)
          </label>
        )}
        {editingSite !== null && sites[editingSite] && (
          <div className="site-elements" aria-label={`Elements for site ${editingSite + 1}`}>
            <h4>
              Elements for site {editingSite + 1} ({group.wyckoffPositions.find((w) => w.letter === sites[editingSite]!.letter)!.multiplicity}
              {sites[editingSite]!.letter}) — empty = allowed set
            </h4>
            <PeriodicTablePicker
              label={`Elements for site ${editingSite + 1}`}
              selected={sites[editingSite]!.elements}
              onChange={(elements) => setSites(sites.map((s, k) => (k === editingSite ? { ...s, elements } : s)))}
            />
          </div>
        )}
        <h4>Allowed elements {allowed.length === 0 ? '(none chosen = any element)' : `(${allowed.length})`}</h4>
        <PeriodicTablePicker label="Allowed elements" selected={allowed} onChange={setAllowed} />
        {issues
          .filter((x) => x.where === 'elements' || x.where === 'sites')
          .map((x, k) => (
            <p key={k} className="error" role="alert">
              {x.message}
            </p>
          ))}
      </section>

      <section className="panel run-panel" aria-label="Generation settings">
        <h3>4 · Sampling</h3>
        <GenerationSettingsForm value={settings} onChange={setSettings} models={models} errors={settingsErrors} />
        <div className="run-row">
          <button type="button" className="primary" onClick={start} disabled={run !== null}>
            Run
          </button>
          <button type="button" onClick={cancel} disabled={run === null}>
            Cancel
          </button>
          {run && progress && (
            <>
              <progress max={progress.total || 1} value={progress.done} aria-label="Generation progress">
                {progress.done}/{progress.total}
              </progress>
              <span className="hint" data-testid="run-progress">
                {progress.done}/{progress.total}
              </span>
            </>
          )}
        </div>
        {lastRun && !runError && (
          <p className="hint" role="status" data-testid="run-status">
            {lastRun}
          </p>
        )}
        {runError && (
          <p className="error" role="alert" data-testid="run-error">
            {runError}
          </p>
        )}
        <p className="hint">{backend.description}</p>
      </section>
    </div>
  );
}

type SettingsErrors = Record<keyof GenerationSettingsValue, string | null>;

export function checkSettings(v: GenerationSettingsValue, haveModels: boolean): SettingsErrors {
  return {
    samples: Number.isInteger(v.samples) && v.samples >= 1 && v.samples <= 100_000 ? null : 'Samples: a whole number from 1 to 100000',
    temperature: Number.isFinite(v.temperature) && v.temperature > 0 && v.temperature <= 10 ? null : 'Temperature: above 0, at most 10',
    topP: Number.isFinite(v.topP) && v.topP > 0 && v.topP <= 1 ? null : 'Top-p: above 0, at most 1',
    seed:
      v.seed.trim() === '' || (/^\d+$/.test(v.seed.trim()) && Number(v.seed) <= 2 ** 32 - 1)
        ? null
        : 'Seed: a whole number from 0 to 4294967295, or empty for random',
    modelId: haveModels ? (v.modelId ? null : 'Model: choose one') : 'Model: no model is installed or connected',
  };
}

/** Size and held-out likelihood of the chosen model, from its card, so runs with different models can be compared. */
function ModelFacts({ model }: { model: ModelSummary | undefined }) {
  if (!model || (model.parameterCount === undefined && model.validationNll === undefined)) return null;
  const parts = [
    model.parameterCount !== undefined ? `${(model.parameterCount / 1e6).toFixed(2)} M parameters` : null,
    model.validationNll !== undefined ? `validation NLL ${model.validationNll.toFixed(1)} nats/crystal` : null,
  ].filter(Boolean);
  return (
    <p className="hint model-facts" title={model.description}>
      {parts.join(' · ')}
    </p>
  );
}

function GenerationSettingsForm({
  value,
  onChange,
  models,
  errors,
}: {
  value: GenerationSettingsValue;
  onChange: (v: GenerationSettingsValue) => void;
  models: ModelSummary[];
  errors: SettingsErrors;
}) {
  const numberField = (key: 'samples' | 'temperature' | 'topP', label: string, step: number) => (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        step={step}
        value={Number.isNaN(value[key]) ? '' : value[key]}
        aria-invalid={errors[key] !== null}
        onChange={(e) => onChange({ ...value, [key]: e.target.value === '' ? NaN : Number(e.target.value) })}
      />
      {errors[key] && (
        <span className="error" role="alert">
          {errors[key]}
        </span>
      )}
    </label>
  );
  return (
    <div className="settings-form">
      <label className="field">
        <span>Model</span>
        <select value={value.modelId} onChange={(e) => onChange({ ...value, modelId: e.target.value })} aria-invalid={errors.modelId !== null}>
          {models.length === 0 && <option value="">no model available</option>}
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <ModelFacts model={models.find((m) => m.id === value.modelId)} />
      {numberField('samples', 'Samples', 1)}
      {numberField('temperature', 'Temperature', 0.05)}
      {numberField('topP', 'Top-p', 0.05)}
      <label className="field">
        <span>Seed</span>
        <input value={value.seed} placeholder="random" aria-invalid={errors.seed !== null} onChange={(e) => onChange({ ...value, seed: e.target.value })} />
        {errors.seed && (
          <span className="error" role="alert">
            {errors.seed}
          </span>
        )}
      </label>
    </div>
  );
}
