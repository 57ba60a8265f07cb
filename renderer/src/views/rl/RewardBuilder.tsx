/**
 * The reward builder: terms (a predictor, the E_hull proxy or the potential's E_hull / energy per atom, each with a
 * transform, optional negation and weight), how they combine, and the constraints and guards of the spec. Each
 * problem the engine's spec schema finds is shown at its field.
 */
import { Field, NumberField } from '../NumberField.tsx';
import { newTerm, POTENTIAL_QUANTITIES, PREDICTORS, type PredictorName, type RewardDraft, type TermDraft, type TransformKind } from '../rlForm.ts';

const TRANSFORMS: { kind: TransformKind; label: string }[] = [
  { kind: 'none', label: 'value as is' },
  { kind: 'target', label: 'target: −|x − value|' },
  { kind: 'range', label: 'range: 1 inside [min, max], decays outside' },
  { kind: 'clip', label: 'clip to [min, max]' },
  { kind: 'log', label: 'log' },
];

export function RewardBuilder({ draft, errors, onChange, setDraft }: { draft: RewardDraft; errors: Record<string, string>; onChange: (d: RewardDraft) => void; setDraft: (u: (d: RewardDraft) => RewardDraft) => void }) {
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
          <input type="checkbox" checked={draft.contacts} onChange={(e) => onChange({ ...draft, contacts: e.target.checked })} data-testid="rl-contacts" />
          plausible contacts: no two atoms closer than the ratio × the sum of their covalent radii
        </label>
        {draft.contacts && (
          <div className="rl-row">
            <NumberField
              label="Contact ratio"
              value={draft.minContactRatio}
              step={0.05}
              placeholder="0.5"
              hint="least shortest distance as a fraction of rᵢ + rⱼ (empty = 0.5)"
              error={errors.minContactRatio ?? null}
              onChange={(v) => onChange({ ...draft, minContactRatio: v })}
            />
          </div>
        )}
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
          duplicate guard: repeats of a motif (formula + Wyckoff sequence) get the penalty
        </label>
        {draft.duplicateGuard && (
          <div className="rl-row">
            <NumberField
              label="Remembered batches"
              value={draft.duplicateMemory}
              step={1}
              placeholder="0"
              hint="earlier batches (fine-tuning steps) a motif is counted over (empty = its own batch only)"
              error={errors.duplicateMemory ?? null}
              onChange={(v) => onChange({ ...draft, duplicateMemory: v })}
            />
            <NumberField
              label="Copies paid"
              value={draft.duplicateRepeats}
              step={1}
              placeholder="1"
              hint="occurrences of a motif paid before repeats get the penalty (empty = 1)"
              error={errors.duplicateRepeats ?? null}
              onChange={(v) => onChange({ ...draft, duplicateRepeats: v })}
            />
          </div>
        )}
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
          label="Overlap penalty"
          value={draft.overlapPenalty}
          step={1}
          placeholder="the penalty"
          hint="reward of a crystal failing the 0.5 Å or the contact check (empty = the penalty)"
          error={errors.overlapPenalty ?? null}
          onChange={(v) => onChange({ ...draft, overlapPenalty: v })}
        />
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
