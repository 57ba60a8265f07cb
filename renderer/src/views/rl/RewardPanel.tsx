/**
 * The reward: a preset from resources/rewards, edited in the builder or as JSON, checked live with the engine's own
 * spec schema (the check is the view's, passed in, so the Run panel refuses the same problems).
 */
import { EHULL_PROXY_NOTE, type RewardSpec } from '../../../../shared/api/reward-spec.ts';
import { Field } from '../NumberField.tsx';
import { builderErrors, type RewardDraft, type SpecCheck } from '../rlForm.ts';
import { RewardBuilder } from './RewardBuilder.tsx';
import { REWARD_PRESETS, type RlForm } from './rlDashboard.ts';

export function RewardPanel({
  form,
  check,
  spec,
  setForm,
  choosePreset,
  switchMode,
}: {
  form: RlForm;
  check: SpecCheck;
  /** The builder's spec (null in JSON mode). */
  spec: RewardSpec | null;
  setForm: (update: (f: RlForm) => RlForm) => void;
  choosePreset: (id: string) => void;
  switchMode: (mode: RlForm['mode']) => void;
}) {
  const fieldErrors = form.mode === 'builder' ? builderErrors(check, form.draft) : {};
  const setDraft = (update: (d: RewardDraft) => RewardDraft) => setForm((f) => ({ ...f, draft: update(f.draft) }));
  const usesEhull = JSON.stringify(check.ok ? check.spec : (spec ?? {})).includes('"ehull"');
  return (
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
        <Field label="Reward spec (JSON)" hint="the format of `cfstudio reward check` (shared/api/reward-spec.ts)" error={check.ok ? null : check.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}>
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
  );
}
