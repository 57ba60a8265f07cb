/** The run's settings (model, folder, PPO settings) and its Start / Stop / Resume buttons. */
import type { ModelSummary } from '../../api/backend.ts';
import { Field, NumberField } from '../NumberField.tsx';
import { defaultRlFolder, type RlSettings } from '../rlForm.ts';

export interface RunButtons {
  canStart: boolean;
  canStop: boolean;
  stopping: boolean;
  canResume: boolean;
  resumeTitle: string;
  start: () => void;
  stop: () => void;
  resume: () => void;
}

export function RunSettingsPanel({
  settings,
  errors,
  models,
  setSetting,
  buttons,
  startError,
  engineMissing,
}: {
  settings: RlSettings;
  errors: Partial<Record<keyof RlSettings, string>>;
  models: ModelSummary[];
  setSetting: <K extends keyof RlSettings>(key: K, value: RlSettings[K]) => void;
  buttons: RunButtons;
  startError: string | null;
  engineMissing: boolean;
}) {
  return (
    <section className="panel rl-settings" aria-label="Run settings">
      <h3>Run</h3>
      <div className="settings-form">
        <Field label="Model" hint="a model in models/, or a model folder in the workspace (e.g. a fine-tuned policy)" error={errors.model ?? null}>
          {({ id, describedBy }) => (
            <>
              <input id={id} list={`${id}-models`} value={settings.model} aria-invalid={errors.model !== undefined} aria-describedby={describedBy} onChange={(e) => setSetting('model', e.target.value)} />
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
        <Field label="Run folder" hint="checkpoints, metrics.jsonl, best/ and the fine-tuned model/, inside the workspace" error={errors.out ?? null}>
          {({ id, describedBy }) => (
            <span className="rl-inline">
              <input id={id} value={settings.out} aria-invalid={errors.out !== undefined} aria-describedby={describedBy} onChange={(e) => setSetting('out', e.target.value)} />
              <button type="button" onClick={() => setSetting('out', defaultRlFolder())} title="A fresh folder name from the current time">
                New
              </button>
            </span>
          )}
        </Field>
        <NumberField label="Steps" value={settings.steps} step={1} error={errors.steps ?? null} hint="on Resume, raises the run’s total" onChange={(v) => setSetting('steps', v)} />
        <NumberField label="Batch size" value={settings.batchSize} step={1} error={errors.batchSize ?? null} onChange={(v) => setSetting('batchSize', v)} />
        <NumberField label="PPO epochs" value={settings.ppoEpochs} step={1} error={errors.ppoEpochs ?? null} onChange={(v) => setSetting('ppoEpochs', v)} />
        <NumberField label="Learning rate" value={settings.lr} step={1e-6} error={errors.lr ?? null} onChange={(v) => setSetting('lr', v)} />
        <NumberField label="β (KL weight)" value={settings.beta} step={0.01} error={errors.beta ?? null} hint="weight of the KL penalty to the pretrained model" onChange={(v) => setSetting('beta', v)} />
        <NumberField label="Clip ε" value={settings.clip} step={0.05} error={errors.clip ?? null} onChange={(v) => setSetting('clip', v)} />
        <label className="field">
          <span className="field-label">Advantage</span>
          <select value={settings.advantage} onChange={(e) => setSetting('advantage', e.target.value as RlSettings['advantage'])}>
            <option value="baseline">baseline (reward − running mean)</option>
            <option value="group">group (standardised per space group)</option>
          </select>
        </label>
        {settings.advantage === 'group' && <NumberField label="Group size" value={settings.groupSize} step={1} error={errors.groupSize ?? null} onChange={(v) => setSetting('groupSize', v)} />}
        <NumberField label="Seed" value={settings.seed} step={1} placeholder="0" error={errors.seed ?? null} onChange={(v) => setSetting('seed', v)} />
      </div>
      <div className="run-row">
        <button type="button" className="primary" onClick={buttons.start} disabled={!buttons.canStart} data-testid="rl-start">
          Start fine-tuning
        </button>
        <button type="button" onClick={buttons.stop} disabled={!buttons.canStop} title="Stops after the current step and writes a checkpoint" data-testid="rl-stop">
          {buttons.stopping ? 'Stopping…' : 'Stop (checkpoint)'}
        </button>
        <button type="button" onClick={buttons.resume} disabled={!buttons.canResume} title={buttons.resumeTitle} data-testid="rl-resume">
          Resume
        </button>
      </div>
      {startError && (
        <p className="error" role="alert" data-testid="rl-error">
          {startError}
        </p>
      )}
      {engineMissing && <p className="hint">No engine is connected: fine-tuning runs in the desktop app or behind `cfstudio serve`.</p>}
    </section>
  );
}
