/**
 * Space-group picker: all 230 groups, searchable by number or Hermann–Mauguin symbol (spaces, underscores and
 * case ignored), filterable by crystal system, with the group's frequency in the model's training data when the
 * model ships it. Keyboard: type in the search box, ↑/↓ move through the list, Enter picks.
 */
import { useId, useMemo, useState, type KeyboardEvent } from 'react';
import type { CrystalSystem, SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { SymbolText } from '../ui/SymbolText.tsx';

export { SymbolText };

export const CRYSTAL_SYSTEMS: readonly CrystalSystem[] = ['triclinic', 'monoclinic', 'orthorhombic', 'tetragonal', 'trigonal', 'hexagonal', 'cubic'];

function normalise(symbol: string): string {
  return symbol.replace(/[\s_]/g, '').toLowerCase();
}

/** Groups matching a query: an exact number first, then symbols that start with, then contain, the query. */
export function searchSpaceGroups(groups: readonly SpaceGroup[], query: string, system: CrystalSystem | 'all'): SpaceGroup[] {
  const pool = system === 'all' ? groups : groups.filter((g) => g.crystalSystem === system);
  const q = normalise(query);
  if (q === '') return [...pool];
  if (/^\d+$/.test(q)) {
    const n = Number(q);
    const exact = pool.filter((g) => g.number === n);
    const prefix = pool.filter((g) => g.number !== n && String(g.number).startsWith(q));
    return [...exact, ...prefix];
  }
  const starts: SpaceGroup[] = [];
  const contains: SpaceGroup[] = [];
  for (const g of pool) {
    const names = [normalise(g.symbol), normalise(g.hmFull)];
    if (names.some((n) => n.startsWith(q))) starts.push(g);
    else if (names.some((n) => n.includes(q))) contains.push(g);
  }
  return [...starts, ...contains];
}

export interface SpaceGroupPickerProps {
  groups: readonly SpaceGroup[];
  value: number | null;
  onChange: (g: number) => void;
  /** Training-data count per group number; empty until the model ships statistics. */
  frequencies: Record<number, number>;
}

export function SpaceGroupPicker({ groups, value, onChange, frequencies }: SpaceGroupPickerProps) {
  const [query, setQuery] = useState('');
  const [system, setSystem] = useState<CrystalSystem | 'all'>('all');
  const [active, setActive] = useState(0);
  const listId = useId();
  const results = useMemo(() => searchSpaceGroups(groups, query, system), [groups, query, system]);
  const total = useMemo(() => Object.values(frequencies).reduce((s, n) => s + n, 0), [frequencies]);
  const hasFrequencies = total > 0;

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = Math.max(0, Math.min(results.length - 1, active + (e.key === 'ArrowDown' ? 1 : -1)));
      setActive(next);
      document.getElementById(`${listId}-${results[next]?.number}`)?.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter' && results[active]) {
      e.preventDefault();
      onChange(results[active].number);
    }
  };

  return (
    <div className="sg-picker">
      <div className="sg-filters">
        <label className="field grow">
          <span>Space group</span>
          <input
            type="search"
            value={query}
            placeholder="number or symbol, e.g. 225, Fm-3m, P6_3/mmc"
            role="combobox"
            aria-expanded="true"
            aria-controls={listId}
            aria-activedescendant={results[active] ? `${listId}-${results[active].number}` : undefined}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKey}
          />
        </label>
        <label className="field">
          <span>System</span>
          <select
            value={system}
            onChange={(e) => {
              setSystem(e.target.value as CrystalSystem | 'all');
              setActive(0);
            }}
          >
            <option value="all">all</option>
            {CRYSTAL_SYSTEMS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ul className="sg-list" id={listId} role="listbox" aria-label="Space groups">
        {results.length === 0 && <li className="hint">No space group matches “{query}”.</li>}
        {results.map((g, i) => {
          const count = frequencies[g.number] ?? 0;
          return (
            <li
              key={g.number}
              id={`${listId}-${g.number}`}
              role="option"
              aria-selected={g.number === value}
              className={`${i === active ? 'active' : ''}${g.number === value ? ' chosen' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => {
                setActive(i);
                onChange(g.number);
              }}
            >
              <span className="sg-number">{g.number}</span>
              <SymbolText symbol={g.symbol} />
              <span className="sg-system">{g.crystalSystem}</span>
              <span className="sg-freq" title={hasFrequencies ? `${count} training structures` : 'training statistics not available'}>
                {hasFrequencies ? `${((100 * count) / total).toFixed(count > 0 && count / total < 0.001 ? 2 : 1)}%` : '—'}
              </span>
            </li>
          );
        })}
      </ul>
      <p className="hint">
        {results.length} of {groups.length} groups{hasFrequencies ? '' : ' · frequencies appear when the model ships training statistics'}
      </p>
    </div>
  );
}
