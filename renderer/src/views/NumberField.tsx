import { useId } from 'react';

/**
 * A labelled number input for dashboard settings: an empty field is NaN (reported by the caller's check rather
 * than silently replaced), the error shows under the field it belongs to, a hint explains the setting.
 */
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
  const hintId = useId();
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        step={step}
        value={Number.isNaN(value) ? '' : value}
        placeholder={placeholder}
        aria-invalid={error !== null}
        aria-describedby={hint ? hintId : undefined}
        onChange={(e) => onChange(e.target.value === '' ? NaN : Number(e.target.value))}
      />
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
    </label>
  );
}
