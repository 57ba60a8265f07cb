import { useId, type ReactNode } from 'react';

/**
 * A labelled field for dashboard forms: the label names the input alone (the hint is its description, not part of
 * its name), the error shows under the field it belongs to.
 */
export function Field({ label, hint, error, children }: { label: string; hint?: string | undefined; error: string | null; children: (ids: { id: string; describedBy: string | undefined }) => ReactNode }) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children({ id, describedBy: hint ? hintId : undefined })}
      {hint && (
        <span className="field-hint" id={hintId}>
          {hint}
        </span>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** A number input; an empty field is NaN (reported by the caller's check rather than silently replaced). */
export function NumberField({
  label,
  value,
  step,
  error,
  hint,
  placeholder,
  onChange,
}: {
  label: string;
  value: number;
  step: number;
  error: string | null;
  hint?: string | undefined;
  /** Shown while empty, e.g. the default an empty optional field stands for. */
  placeholder?: string | undefined;
  onChange: (value: number) => void;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {({ id, describedBy }) => (
        <input
          id={id}
          type="number"
          step={step}
          value={Number.isNaN(value) ? '' : value}
          placeholder={placeholder}
          aria-invalid={error !== null}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value === '' ? NaN : Number(e.target.value))}
        />
      )}
    </Field>
  );
}
