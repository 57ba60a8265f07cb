/**
 * Space-group picker: all 230 groups, searchable by number or Hermann–Mauguin symbol (spaces, underscores and
 * case ignored), filterable by crystal system, with the group's frequency in the model's training data when the
 * model ships it. Keyboard: type in the search box, ↑/↓ move through the list, Enter picks.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { findSpaceGroup, type CrystalSystem, type SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { SymbolText } from '../ui/SymbolText.tsx';
import { findPrototypes, type StructurePrototype } from './prototypes.ts';

export { SymbolText };

export const CRYSTAL_SYSTEMS: readonly CrystalSystem[] = ['triclinic', 'monoclinic', 'orthorhombic', 'tetragonal', 'trigonal', 'hexagonal', 'cubic'];

function normalise(symbol: string): string {
  return symbol.replace(/[\s_]/g, '').toLowerCase();
}

/** Without bars and subscripts' underscores: 'Fm3m' finds 'Fm-3m' among the partial matches. */
function unbarred(symbol: string): string {
  return normalise(symbol).replace(/-/g, '');
}

/**
 * The group a whole query names: a number, a short or full Hermann–Mauguin symbol in any spacing ('Fm-3m',
 * 'F m -3 m', 'F 4/m -3 2/m'), a non-standard setting ('Pbnm' → 62, 'P 21/n' → 14, via moyo's setting table), or
 * the pre-1983 cubic symbols that drop the bar over 3 ('Fm3m', 'Pn3m', 'Ia3d'). Needs moyo initialised.
 */
export function resolveSpaceGroup(query: string): SpaceGroup | undefined {
  const text = query.trim();
  if (text === '') return undefined;
  const direct = findSpaceGroup(text);
  if (direct) return direct;
  // Old cubic notation: a 3 without its bar (only cubic groups have a 3 in the second position).
  if (/(^|[^-])3/.test(text)) {
    const barred = findSpaceGroup(text.replace(/(^|[^-])3/g, '$1-3'));
    if (barred?.crystalSystem === 'cubic') return barred;
  }
  return undefined;
}

/**
 * Groups matching a query: the group the whole query names first (resolveSpaceGroup), then symbols that start
 * with, then contain, the query (also ignoring bars, so 'Fd3' lists Fd-3m and Fd-3c).
 */
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
  const named = resolveSpaceGroup(query);
  const exact = named && pool.some((g) => g.number === named.number) ? [pool.find((g) => g.number === named.number)!] : [];
  const starts: SpaceGroup[] = [];
  const contains: SpaceGroup[] = [];
  const qUnbarred = unbarred(query);
  for (const g of pool) {
    if (exact[0] === g) continue;
    const names = [normalise(g.symbol), normalise(g.hmFull)];
    const plain = [unbarred(g.symbol), unbarred(g.hmFull)];
    if (names.some((n) => n.startsWith(q))) starts.push(g);
    else if (names.some((n) => n.includes(q)) || plain.some((n) => n.startsWith(qUnbarred))) contains.push(g);
  }
  return [...exact, ...starts, ...contains];
}

export interface SpaceGroupPickerProps {
  groups: readonly SpaceGroup[];
  value: number | null;
  onChange: (g: number) => void;
  /** Training-data count per group number; empty until the model ships statistics. */
  frequencies: Record<number, number>;
  /** A prototype was chosen by name ("perovskite"): the caller sets its group and pre-fills its Wyckoff prompt. */
  onPrototype?: (prototype: StructurePrototype) => void;
}

export function SpaceGroupPicker({ groups, value, onChange, frequencies, onPrototype }: SpaceGroupPickerProps) {
  const [query, setQuery] = useState('');
  const [system, setSystem] = useState<CrystalSystem | 'all'>('all');
  /** The keyboard cursor; null until the user types or uses the arrows (so only the chosen group stands out). */
  const [active, setActive] = useState<number | null>(null);
  const listId = useId();
  const list = useRef<HTMLUListElement>(null);
  const results = useMemo(() => searchSpaceGroups(groups, query, system), [groups, query, system]);
  const prototypes = useMemo(() => (onPrototype ? findPrototypes(query) : []), [query, onPrototype]);
  const total = useMemo(() => Object.values(frequencies).reduce((s, n) => s + n, 0), [frequencies]);
  const hasFrequencies = total > 0;

  // Bring the chosen group into the list's view (only the list scrolls, never the page).
  useEffect(() => {
    const host = list.current;
    const item = value === null ? null : document.getElementById(`${listId}-${value}`);
    if (!host || !item) return;
    const top = item.offsetTop - host.offsetTop;
    if (top < host.scrollTop || top + item.offsetHeight > host.scrollTop + host.clientHeight) host.scrollTop = Math.max(0, top - host.clientHeight / 2);
  }, [value, listId, results]);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const from = active ?? Math.max(0, results.findIndex((g) => g.number === value));
      const next = Math.max(0, Math.min(results.length - 1, from + (e.key === 'ArrowDown' ? 1 : -1)));
      setActive(next);
      document.getElementById(`${listId}-${results[next]?.number}`)?.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const pick = results[active ?? 0];
      if (pick) onChange(pick.number);
      else if (prototypes[0]) onPrototype?.(prototypes[0]);
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
            placeholder="number, symbol or prototype: 225, Fm-3m, Pbnm, perovskite"
            role="combobox"
            aria-expanded="true"
            aria-controls={listId}
            aria-activedescendant={active !== null && results[active] ? `${listId}-${results[active].number}` : undefined}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(e.target.value.trim() === '' ? null : 0);
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
              setActive(null);
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
      {prototypes.length > 0 && (
        <ul className="sg-prototypes" aria-label="Structure prototypes">
          {prototypes.map((p) => (
            <li key={p.archetype}>
              <button type="button" onClick={() => onPrototype?.(p)} title="Sets the space group and pre-fills the Wyckoff sites with the archetype's elements">
                Use prototype <b>{p.names[0]}</b> ({p.archetype}, {p.spaceGroup} <SymbolText symbol={groups.find((g) => g.number === p.spaceGroup)?.symbol ?? ''} />):{' '}
                {p.sites.map((s) => `${s.letter} ${s.element}`).join(' · ')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {results.length === 0 && (
        <p className="hint sg-no-match" role="status">
          No space group matches “{query}”{prototypes.length > 0 ? '; a prototype of that name is above' : ''}. Try a number (1–230), a Hermann–Mauguin symbol or a prototype name.
        </p>
      )}
      <ul className="sg-list" id={listId} role="listbox" aria-label="Space groups" ref={list}>
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
                {hasFrequencies ? `${((100 * count) / total).toFixed(2)} %` : '—'}
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
