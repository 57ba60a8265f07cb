/** The Library view's filter and sort controls (state held by useLibraryPage). */
import type { LibrarySortField } from '../../api/backend.ts';
import type { LibraryFilterState, LibrarySort, PlausibilityFilter } from './libraryQuery.ts';

export const SORT_LABELS: Record<LibrarySortField, string> = {
  id: 'id',
  createdAt: 'date',
  logProbability: 'log-probability',
  spaceGroup: 'space group',
  formula: 'formula',
  numSites: 'atoms',
  volume: 'volume',
  eHull: 'E_hull',
  reward: 'reward',
  contactRatio: 'shortest contact / radii',
  density: 'density',
  a: 'a',
};

const PLAUSIBILITY_LABELS: Record<PlausibilityFilter, string> = {
  any: 'any',
  plausible: 'plausible (contacts and charges)',
  'contacts-ok': 'contacts ≥ 0.5 Σr',
  'too-close': 'atoms too close',
  'charge-balanced': 'charge balanced',
  'not-balanced': 'not charge balanced',
};

export function LibraryFilters({
  filters,
  onChange,
  sort,
  onSort,
  tags,
}: {
  filters: LibraryFilterState;
  onChange: (filters: LibraryFilterState) => void;
  sort: LibrarySort;
  onSort: (sort: LibrarySort) => void;
  /** Tags in use, offered as suggestions. */
  tags: readonly { name: string; count: number }[];
}) {
  const set = <K extends keyof LibraryFilterState>(key: K, value: LibraryFilterState[K]) => onChange({ ...filters, [key]: value });
  return (
    <>
      <label className="field">
        <span>Space group</span>
        <input value={filters.spaceGroupText} onChange={(e) => set('spaceGroupText', e.target.value)} placeholder="e.g. 225, 221" aria-label="Space group found" />
      </label>
      <label className="field">
        <span>Elements</span>
        <input value={filters.elementText} onChange={(e) => set('elementText', e.target.value)} placeholder="contains all, e.g. Na Cl" aria-label="Contains elements" />
      </label>
      <label className="field">
        <span>Plausibility</span>
        <select value={filters.plausibility} onChange={(e) => set('plausibility', e.target.value as PlausibilityFilter)} aria-label="Plausibility">
          {Object.entries(PLAUSIBILITY_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Validity</span>
        <select value={filters.validity} onChange={(e) => set('validity', e.target.value as LibraryFilterState['validity'])} aria-label="Validity">
          <option value="any">any</option>
          <option value="valid">valid (no pair under 0.5 Å)</option>
          <option value="invalid">invalid</option>
        </select>
      </label>
      <label className="field">
        <span>Source</span>
        <select value={filters.source} onChange={(e) => set('source', e.target.value as LibraryFilterState['source'])} aria-label="Source">
          <option value="">any</option>
          <option value="generated">generated</option>
          <option value="rl">RL</option>
          <option value="mcmc">MCMC</option>
          <option value="imported">imported</option>
          <option value="relaxed">relaxed</option>
        </select>
      </label>
      <label className="field">
        <span>Search</span>
        <input value={filters.search} onChange={(e) => set('search', e.target.value)} placeholder="formula or name" aria-label="Search" />
      </label>
      <label className="field">
        <span>Max E_hull</span>
        <input type="number" step={0.01} value={filters.maxEHullText} onChange={(e) => set('maxEHullText', e.target.value)} placeholder="eV/atom" aria-label="Maximum E_hull (eV/atom)" />
      </label>
      <label className="field">
        <span>Tags</span>
        <input value={filters.tagText} onChange={(e) => set('tagText', e.target.value)} placeholder="all of, e.g. keep" aria-label="Has tags" list="library-tag-list" />
        <datalist id="library-tag-list">
          {tags.map((t) => (
            <option key={t.name} value={t.name}>{`${t.name} (${t.count})`}</option>
          ))}
        </datalist>
      </label>
      <label className="check">
        <input type="checkbox" checked={filters.favouritesOnly} onChange={(e) => set('favouritesOnly', e.target.checked)} /> favourites only
      </label>
      <label className="field">
        <span>Sort</span>
        <select value={sort.by} onChange={(e) => onSort({ ...sort, by: e.target.value as LibrarySortField })} aria-label="Sort by">
          {Object.entries(SORT_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => onSort({ ...sort, direction: sort.direction === 'asc' ? 'desc' : 'asc' })} aria-label="Sort direction">
        {sort.direction === 'asc' ? '↑ ascending' : '↓ descending'}
      </button>
    </>
  );
}
