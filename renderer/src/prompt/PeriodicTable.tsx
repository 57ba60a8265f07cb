/**
 * Periodic-table element picker: 18 columns plus the lanthanide and actinide rows. One tab stop for the whole
 * table (roving focus); arrow keys move between elements, Space/Enter toggles. A text field beside it accepts a
 * typed list ("La Ni O") for speed.
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ELEMENT_TABLE, elementColor } from '../../../shared/crystal/elements.ts';
import { parseElementList } from './rules.ts';

/** Grid position (1-based row and column) of element Z in the usual long-form layout, f-block rows 9 and 10. */
export function periodicTablePosition(z: number): { row: number; column: number } {
  if (!Number.isInteger(z) || z < 1 || z > 118) throw new Error(`no element with atomic number ${z}`);
  if (z === 1) return { row: 1, column: 1 };
  if (z === 2) return { row: 1, column: 18 };
  if (z >= 57 && z <= 71) return { row: 9, column: z - 57 + 3 };
  if (z >= 89 && z <= 103) return { row: 10, column: z - 89 + 3 };
  const periodStarts = [3, 11, 19, 37, 55, 87];
  let period = 2;
  for (let p = 0; p < periodStarts.length; p++) if (z >= periodStarts[p]!) period = p + 2;
  const offset = z - periodStarts[period - 2]!;
  if (period <= 3) return { row: period, column: offset < 2 ? offset + 1 : offset + 11 };
  if (period <= 5) return { row: period, column: offset + 1 };
  // Periods 6 and 7: s-block, then (after the f-block row) Hf/Rf onwards from column 4.
  if (offset < 2) return { row: period, column: offset + 1 };
  return { row: period, column: offset - 14 + 1 };
}

export interface PeriodicTablePickerProps {
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  /** Accessible name, e.g. 'Allowed elements'. */
  label: string;
}

export function PeriodicTablePicker({ selected, onChange, label }: PeriodicTablePickerProps) {
  const cells = useMemo(() => ELEMENT_TABLE.map((e) => ({ ...periodicTablePosition(e.z), symbol: e.symbol, name: e.name, z: e.z })), []);
  const byPosition = useMemo(() => new Map(cells.map((c) => [`${c.row},${c.column}`, c])), [cells]);
  const [focusZ, setFocusZ] = useState(26);
  const buttons = useRef(new Map<number, HTMLButtonElement>());
  const [typed, setTyped] = useState('');
  const [typedError, setTypedError] = useState<string | null>(null);

  const toggle = (symbol: string) => {
    onChange(selected.includes(symbol) ? selected.filter((s) => s !== symbol) : [...selected, symbol]);
  };

  const move = (e: KeyboardEvent, z: number) => {
    const here = cells[z - 1]!;
    const deltas: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const delta = deltas[e.key];
    if (!delta) return;
    e.preventDefault();
    let { row, column } = here;
    for (let step = 0; step < 18; step++) {
      row += delta[0];
      column += delta[1];
      if (row < 1 || row > 10 || column < 1 || column > 18) return;
      const target = byPosition.get(`${row},${column}`);
      if (target) {
        setFocusZ(target.z);
        buttons.current.get(target.z)?.focus();
        return;
      }
    }
  };

  const applyTyped = () => {
    try {
      const list = parseElementList(typed);
      setTypedError(null);
      onChange(list);
    } catch (error) {
      setTypedError((error as Error).message);
    }
  };

  return (
    <div className="periodic-picker">
      <div className="periodic-table" role="group" aria-label={label}>
        {cells.map((c) => {
          const on = selected.includes(c.symbol);
          return (
            <button
              key={c.z}
              ref={(el) => {
                if (el) buttons.current.set(c.z, el);
              }}
              type="button"
              className={`element${on ? ' on' : ''}`}
              style={{ gridRow: c.row, gridColumn: c.column, ['--element-color' as string]: elementColor(c.symbol, 'jmol') }}
              tabIndex={c.z === focusZ ? 0 : -1}
              aria-pressed={on}
              title={`${c.z} ${c.name}`}
              onClick={() => {
                setFocusZ(c.z);
                toggle(c.symbol);
              }}
              onKeyDown={(e) => move(e, c.z)}
            >
              {c.symbol}
            </button>
          );
        })}
        <span className="f-marker" style={{ gridRow: 6, gridColumn: 3 }} aria-hidden="true">
          57–71
        </span>
        <span className="f-marker" style={{ gridRow: 7, gridColumn: 3 }} aria-hidden="true">
          89–103
        </span>
      </div>
      <div className="typed-elements">
        <label className="field">
          <span>Type</span>
          <input
            value={typed}
            placeholder="e.g. La Ni O"
            aria-invalid={typedError !== null}
            onChange={(e) => setTyped(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') applyTyped();
            }}
          />
        </label>
        <button type="button" onClick={applyTyped}>
          Set
        </button>
        <button type="button" onClick={() => onChange([])} disabled={selected.length === 0}>
          Clear
        </button>
        <span className="selected-list" aria-live="polite">
          {selected.length === 0 ? 'none selected' : selected.join(' ')}
        </span>
      </div>
      {typedError && (
        <p className="error" role="alert">
          {typedError}
        </p>
      )}
    </div>
  );
}
