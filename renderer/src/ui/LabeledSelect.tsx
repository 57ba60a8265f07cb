/** A select in a form row: the label names it, one option per entry (`id` is the value, `label` is shown). */
export function LabeledSelect({
  label,
  value,
  options,
  onChange,
  title,
  invalid,
  emptyOption,
}: {
  label: string;
  title?: string;
  value: string;
  options: readonly { id: string; label: string }[];
  onChange: (v: string) => void;
  /** Marks the select aria-invalid (its error is shown by the form). */
  invalid?: boolean;
  /** Shown as the one option (value '') while `options` is empty, e.g. 'no model available'. */
  emptyOption?: string;
}) {
  return (
    <label className="field" title={title}>
      <span>{label}</span>
      <select value={value} aria-invalid={invalid} onChange={(e) => onChange(e.target.value)}>
        {options.length === 0 && emptyOption !== undefined && <option value="">{emptyOption}</option>}
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
