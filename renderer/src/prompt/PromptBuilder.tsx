/**
 * The generation prompt: space group → Wyckoff sites (in the order the model accepts) → elements (global set,
 * per site, ties between sites) → sampling settings → Run/Cancel through the backend.
 */
import { useEffect, useMemo, useState } from 'react';
import { getSpaceGroup, type SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import type { GenerationEvent, GenerationRequest, GenerationRun, ModelSummary, StudioBackend } from '../api/backend.ts';
import { ModelSelect, useModelChoice } from './ModelSelect.tsx';
import { conventionalAtomCount, MAX_PROMPT_SITES, removeSite, validatePrompt } from './rules.ts';
import { AllowedElements, SiteElementsEditor, SiteTable } from './SiteTable.tsx';
import { SpaceGroupPicker, SymbolText } from './SpaceGroupPicker.tsx';
import { WyckoffTable } from './WyckoffTable.tsx';

import { DEFAULT_GENERATION_SETTINGS, type GenerationSettingsValue, type PromptState } from './promptState.ts';
import type { StructurePrototype } from './prototypes.ts';

export { DEFAULT_GENERATION_SETTINGS, type GenerationSettingsValue };

export interface PromptBuilderProps {
  backend: StudioBackend;
  groups: readonly SpaceGroup[];
  /** Streams the run's events to the page (progress, candidates for the results grid). */
  onGenerationEvent: (event: GenerationEvent) => void;
  /** Called when a run is accepted by the backend (the results grid clears), with the prompt that started it. */
  onRunStarted: (prompt: PromptState) => void;
  /** The prompt, held by the app so that it outlives this view. */
  prompt: PromptState;
  onPromptChange: (update: (prompt: PromptState) => PromptState) => void;
}

export function PromptBuilder({ backend, groups, onGenerationEvent, onRunStarted, prompt, onPromptChange }: PromptBuilderProps) {
  const { spaceGroup, anyGroup, sites, allowed, completePrompt, settings } = prompt;
  const field =
    <K extends keyof PromptState>(key: K) =>
    (value: PromptState[K] | ((old: PromptState[K]) => PromptState[K])) =>
      onPromptChange((p) => ({ ...p, [key]: typeof value === 'function' ? (value as (old: PromptState[K]) => PromptState[K])(p[key]) : value }));
  const setSpaceGroup = field('spaceGroup');
  const setAnyGroup = field('anyGroup');
  const setSites = field('sites');
  const setAllowed = field('allowed');
  const setCompletePrompt = field('completePrompt');
  const setSettings = field('settings');
  const [lastRun, setLastRun] = useState<string | null>(null);
  const [editingSite, setEditingSite] = useState<number | null>(null);
  const [run, setRun] = useState<GenerationRun | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  const group = getSpaceGroup(spaceGroup);
  const { models, frequencies, error: modelsError } = useModelChoice(backend, settings.modelId, (first) =>
    setSettings((s) => (s.modelId ? s : { ...s, modelId: first })),
  );

  // A prompt restored after a restart may name a model that is no longer installed: fall back to the first one.
  useEffect(() => {
    if (models.length > 0 && settings.modelId !== '' && !models.some((m) => m.id === settings.modelId)) setSettings((s) => ({ ...s, modelId: models[0]!.id }));
  }, [models, settings.modelId]);

  const chooseGroup = (g: number) => {
    if (g === spaceGroup) return;
    onPromptChange((p) => ({ ...p, spaceGroup: g, sites: [] })); // Wyckoff letters belong to one group
    setEditingSite(null);
  };
  const choosePrototype = (prototype: StructurePrototype) => {
    onPromptChange((p) => ({
      ...p,
      spaceGroup: prototype.spaceGroup,
      anyGroup: false,
      sites: prototype.sites.map((s) => ({ letter: s.letter, elements: [s.element], tiedTo: null })),
    }));
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
      scoreEHull: settings.scoreEHull,
    };
    // The grid clears before submitting: candidates may stream in before `generate` resolves.
    onRunStarted(prompt);
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
        <SpaceGroupPicker groups={groups} value={spaceGroup} onChange={chooseGroup} frequencies={frequencies} onPrototype={choosePrototype} />
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
        <WyckoffTable group={group} sites={sites} siteSymmetry disabled={anyGroup} onAdd={(letter) => setSites([...sites, { letter, elements: [], tiedTo: null }])} />
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
          <SiteTable
            group={group}
            sites={sites}
            elementHeader="Elements"
            messagesOf={(i) => issues.filter((x) => x.where === i).map((x) => x.message)}
            renderElements={(site) =>
              site.tiedTo !== null ? (
                <span className="hint">same as site {site.tiedTo + 1}</span>
              ) : site.elements.length > 0 ? (
                site.elements.join(' ')
              ) : (
                <span className="hint">{allowed.length > 0 ? `allowed set (${allowed.join(' ')})` : 'any element'}</span>
              )
            }
            renderActions={(site, i) => (
              <button type="button" disabled={site.tiedTo !== null} aria-expanded={editingSite === i} onClick={() => setEditingSite(editingSite === i ? null : i)}>
                Elements…
              </button>
            )}
            onTie={(i, tiedTo) => setSites(sites.map((s, k) => (k === i ? { ...s, tiedTo, elements: tiedTo === null ? s.elements : [] } : s)))}
            onRemove={(i) => {
              setSites(removeSite(sites, i));
              setEditingSite(null);
            }}
          />
        )}
        {sites.length > 0 && (
          <label className="check">
            <input type="checkbox" checked={completePrompt} onChange={(e) => setCompletePrompt(e.target.checked)} />
            Exactly these sites (unchecked: they are the first sites and the model may add more)
          </label>
        )}
        {editingSite !== null && sites[editingSite] && (
          <SiteElementsEditor
            index={editingSite}
            heading={`Elements for site ${editingSite + 1} (${group.wyckoffPositions.find((w) => w.letter === sites[editingSite]!.letter)!.multiplicity}${sites[editingSite]!.letter}) — empty = allowed set`}
            selected={sites[editingSite]!.elements}
            onChange={(elements) => setSites(sites.map((s, k) => (k === editingSite ? { ...s, elements } : s)))}
          />
        )}
        <AllowedElements
          heading={`Allowed elements ${allowed.length === 0 ? '(none chosen = any element)' : `(${allowed.length})`}`}
          label="Allowed elements"
          selected={allowed}
          onChange={setAllowed}
          messages={issues.filter((x) => x.where === 'elements' || x.where === 'sites').map((x) => x.message)}
        />
      </section>

      <section className="panel run-panel" aria-label="Generation settings">
        <h3>4 · Sampling</h3>
        <GenerationSettingsForm value={settings} onChange={setSettings} models={models} modelsError={modelsError} errors={settingsErrors} />
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
    scoreEHull: null,
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
  modelsError,
  errors,
}: {
  value: GenerationSettingsValue;
  onChange: (v: GenerationSettingsValue) => void;
  models: ModelSummary[];
  modelsError: string | null;
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
      <ModelSelect models={models} value={value.modelId} invalid={errors.modelId !== null} error={modelsError} onChange={(modelId) => onChange({ ...value, modelId })} />
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
      <label className="check" title="Single point of the M3GNet potential on each structurally valid crystal: energy, formation energy and E_hull against the partial MP hull, stored in the library. Slows generation down (README: measured cost).">
        <input type="checkbox" checked={value.scoreEHull} onChange={(e) => onChange({ ...value, scoreEHull: e.target.checked })} /> score E_hull (potential, single point)
      </label>
    </div>
  );
}
