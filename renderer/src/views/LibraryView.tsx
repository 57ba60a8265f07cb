/**
 * The Library view: every structure saved in the workspace library (generated, imported or relaxed), as a
 * sortable, filterable, paged table. Filters: space group found, elements contained, validity, favourites, source,
 * text, max E_hull. The E_hull column says whether it is a single point on the stored structure or the relaxed
 * value; a relaxed row names the row it was relaxed from. Rows open in the Viewer; selected rows export as CIF
 * (one) or zip (several) through the export job, get a single-point E_hull ('energy' job), or relax with the
 * potential (saved as new rows linked to them).
 */
import { useCallback, useEffect, useState } from 'react';
import type { Candidate, LibraryQuery, LibraryRow, StudioBackend } from '../api/backend.ts';
import { SpaceGroupArrow } from './ResultsGrid.tsx';
import { EHullBadge } from './EHullBadge.tsx';

const PAGE_SIZE = 50;

type SortBy = LibraryQuery['sort']['by'];

/** '225, 221' → [225, 221]; throws naming the bad entry. */
export function parseSpaceGroupList(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => {
      const n = Number(part);
      if (!Number.isInteger(n) || n < 1 || n > 230) throw new Error(`Space group '${part}': a number from 1 to 230`);
      return n;
    });
}

/** 'na cl' → ['Na', 'Cl']. */
export function parseElementFilter(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1).toLowerCase());
}

export interface LibraryActions {
  /** "Template": open the row in the Viewer with its template choices (then MCMC or Generate). */
  onUseAsTemplate?: ((candidate: Candidate) => void) | undefined;
  /** "Train on selected": the selected rows become the Training panel's dataset. */
  onTrainOn?: ((ids: number[]) => void) | undefined;
}

export function LibraryView({ backend, onOpen, onUseAsTemplate, onTrainOn }: { backend: StudioBackend; onOpen: (candidate: Candidate) => void } & LibraryActions) {
  const library = backend.library;
  const [spaceGroupText, setSpaceGroupText] = useState('');
  const [elementText, setElementText] = useState('');
  const [validity, setValidity] = useState<'any' | 'valid' | 'invalid'>('any');
  const [favouritesOnly, setFavouritesOnly] = useState(false);
  const [source, setSource] = useState<'' | 'generated' | 'imported' | 'mcmc' | 'relaxed'>('');
  const [maxEHullText, setMaxEHullText] = useState('');
  const [relaxing, setRelaxing] = useState(false);
  const [search, setSearch] = useState('');
  const [sortBy, setSortBy] = useState<SortBy>('id');
  const [direction, setDirection] = useState<'asc' | 'desc'>('desc');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ rows: LibraryRow[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [refreshTick, setRefreshTick] = useState(0);

  const load = useCallback(async () => {
    if (!library) return;
    let query: LibraryQuery;
    try {
      const spaceGroups = parseSpaceGroupList(spaceGroupText);
      const elements = parseElementFilter(elementText);
      const maxEHull = maxEHullText.trim() === '' ? undefined : Number(maxEHullText);
      if (maxEHull !== undefined && !Number.isFinite(maxEHull)) throw new Error(`Max E_hull '${maxEHullText}': a number in eV/atom`);
      query = {
        ...(maxEHull !== undefined ? { maxEHull } : {}),
        ...(spaceGroups.length ? { spaceGroups } : {}),
        ...(elements.length ? { elements } : {}),
        ...(validity !== 'any' ? { valid: validity === 'valid' } : {}),
        ...(favouritesOnly ? { favourite: true } : {}),
        ...(source ? { source } : {}),
        ...(search.trim() ? { search: search.trim() } : {}),
        sort: { by: sortBy, direction },
        limit: PAGE_SIZE,
        offset,
      };
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    try {
      setPage(await library.query(query));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [library, spaceGroupText, elementText, validity, favouritesOnly, source, search, maxEHullText, sortBy, direction, offset]);

  useEffect(() => {
    void load();
  }, [load, refreshTick]);

  // Refresh when a job or another window writes to the library (throttled by the host).
  useEffect(() => library?.onChanged(() => setRefreshTick((t) => t + 1)), [library]);

  // Any filter change goes back to the first page.
  useEffect(() => setOffset(0), [spaceGroupText, elementText, validity, favouritesOnly, source, search, maxEHullText, sortBy, direction]);

  if (!library) {
    return (
      <section className="library-view library-empty" aria-label="Library">
        <h2>Library</h2>
        <p className="hint">
          No engine is connected, so there is no workspace library here. The library lives in the desktop app's workspace, or behind{' '}
          <code>cfstudio serve</code> (open the address it prints, with its token).
        </p>
      </section>
    );
  }

  const open = async (id: number) => {
    try {
      onOpen(await library.open(id));
    } catch (e) {
      setError(`Could not open structure ${id}: ${(e as Error).message}`);
    }
  };
  const favourite = async (row: LibraryRow) => {
    try {
      await library.setFavourite([row.id], !row.favourite);
      setRefreshTick((t) => t + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const exportSelected = async () => {
    setMessage(null);
    try {
      const result = await library.export([...selected]);
      if (result.count > 0) setMessage(`Exported ${result.count} structure${result.count === 1 ? '' : 's'} as ${result.fileName}`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const relaxSelected = async () => {
    setMessage(`Relaxing ${selected.size} with the potential (space group kept)…`);
    setRelaxing(true);
    try {
      const entries = await library.relax([...selected], (done, total) => setMessage(`Relaxing: ${done} of ${total} done…`));
      const saved = entries.filter((e) => e.savedId !== null);
      const notSaved = entries.filter((e) => e.savedId === null);
      setMessage(
        `Relaxed ${entries.length}: ${saved.length} saved (${saved.map((e) => `#${e.savedId} from #${e.parentId}`).join(', ') || 'none'})` +
          (notSaved.length ? `; not saved: ${notSaved.map((e) => `#${e.parentId} ${e.status}${e.error ? ` (${e.error})` : ''}`).join(', ')}` : ''),
      );
      setRefreshTick((t) => t + 1);
    } catch (e) {
      setError((e as Error).message);
      setMessage(null);
    } finally {
      setRelaxing(false);
    }
  };
  const scoreSelected = async () => {
    setMessage(`Computing single-point E_hull for ${selected.size}…`);
    setRelaxing(true);
    try {
      const { scored, failed } = await library.score([...selected]);
      setMessage(`Scored ${scored}${failed ? `; ${failed} failed` : ''} (single point, M3GNet).`);
      setRefreshTick((t) => t + 1);
    } catch (e) {
      setError((e as Error).message);
      setMessage(null);
    } finally {
      setRelaxing(false);
    }
  };
  const toggle = (id: number) => setSelected((set) => (set.has(id) ? new Set([...set].filter((x) => x !== id)) : new Set([...set, id])));
  const total = page?.total ?? 0;
  const rows = page?.rows ?? [];

  return (
    <section className="library-view" aria-label="Library">
      <div className="panel library-filters" role="group" aria-label="Library filters">
        <h2>Library {page ? `(${total} structure${total === 1 ? '' : 's'})` : ''}</h2>
        <label className="field">
          <span>Space group</span>
          <input value={spaceGroupText} onChange={(e) => setSpaceGroupText(e.target.value)} placeholder="e.g. 225, 221" aria-label="Space group found" />
        </label>
        <label className="field">
          <span>Elements</span>
          <input value={elementText} onChange={(e) => setElementText(e.target.value)} placeholder="contains all, e.g. Na Cl" aria-label="Contains elements" />
        </label>
        <label className="field">
          <span>Validity</span>
          <select value={validity} onChange={(e) => setValidity(e.target.value as typeof validity)} aria-label="Validity">
            <option value="any">any</option>
            <option value="valid">valid</option>
            <option value="invalid">invalid</option>
          </select>
        </label>
        <label className="field">
          <span>Source</span>
          <select value={source} onChange={(e) => setSource(e.target.value as typeof source)} aria-label="Source">
            <option value="">any</option>
            <option value="generated">generated</option>
            <option value="imported">imported</option>
            <option value="mcmc">MCMC</option>
            <option value="relaxed">relaxed</option>
          </select>
        </label>
        <label className="field">
          <span>Search</span>
          <input value={search} onChange={(e) => setSearch(e.target.value)} placeholder="formula or name" aria-label="Search" />
        </label>
        <label className="field">
          <span>Max E_hull</span>
          <input
            type="number"
            step={0.01}
            value={maxEHullText}
            onChange={(e) => setMaxEHullText(e.target.value)}
            placeholder="eV/atom"
            aria-label="Maximum E_hull (eV/atom)"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={favouritesOnly} onChange={(e) => setFavouritesOnly(e.target.checked)} /> favourites only
        </label>
        <label className="field">
          <span>Sort</span>
          <select value={sortBy} onChange={(e) => setSortBy(e.target.value as SortBy)} aria-label="Sort by">
            <option value="id">id</option>
            <option value="createdAt">date</option>
            <option value="logProbability">log-probability</option>
            <option value="spaceGroup">space group</option>
            <option value="formula">formula</option>
            <option value="numSites">atoms</option>
            <option value="volume">volume</option>
            <option value="eHull">E_hull</option>
          </select>
        </label>
        <button type="button" onClick={() => setDirection(direction === 'asc' ? 'desc' : 'asc')} aria-label="Sort direction">
          {direction === 'asc' ? '↑ ascending' : '↓ descending'}
        </button>
        <button
          type="button"
          disabled={selected.size === 0 || relaxing}
          onClick={relaxSelected}
          title="Relax with the M3GNet potential (FIRE, space group kept) and save each relaxed structure as a new row linked to its parent"
        >
          Relax selected{selected.size > 0 ? ` (${selected.size})` : ''}
        </button>
        <button
          type="button"
          disabled={selected.size === 0 || relaxing}
          onClick={scoreSelected}
          title="Single point of the M3GNet potential on each selected structure as stored: E_hull labelled single point, stored on the row"
        >
          Score E_hull
        </button>
        {onTrainOn && (
          <button type="button" disabled={selected.size === 0} onClick={() => onTrainOn([...selected].sort((a, b) => a - b))} title="Prepare a training dataset from the selected rows in the Training view">
            Train on selected
          </button>
        )}
        <button type="button" className="primary" disabled={selected.size === 0} onClick={exportSelected}>
          Export {selected.size === 1 ? 'CIF' : selected.size > 1 ? `${selected.size} as zip` : 'selected'}
        </button>
        {error && (
          <p className="error" role="alert" data-testid="library-error">
            {error}
          </p>
        )}
        {message && (
          <p className="hint" role="status" data-testid="library-message">
            {message}
          </p>
        )}
      </div>
      <div className="panel library-table-panel">
        {rows.length === 0 ? (
          <p className="hint">{page ? 'No structure matches these filters.' : 'Loading…'}</p>
        ) : (
          <table className="dense library-table">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select page"
                    checked={rows.every((r) => selected.has(r.id))}
                    onChange={(e) => setSelected(e.target.checked ? new Set([...selected, ...rows.map((r) => r.id)]) : new Set([...selected].filter((id) => !rows.some((r) => r.id === id))))}
                  />
                </th>
                <th scope="col">Id</th>
                <th scope="col">Formula</th>
                <th scope="col">Space group</th>
                <th scope="col">Atoms</th>
                <th scope="col">Volume (Å³)</th>
                <th scope="col">log p</th>
                <th scope="col">Valid</th>
                <th scope="col" title="Energy above the partial MP hull, eV/atom (M3GNet): single point on the stored structure, or relaxed">
                  E<sub>hull</sub>
                </th>
                <th scope="col">Source</th>
                <th scope="col">★</th>
                <th scope="col">
                  <span className="visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-testid="library-row">
                  <td>
                    <input type="checkbox" aria-label={`Select structure ${row.id}`} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
                  </td>
                  <td className="num">{row.id}</td>
                  <td className="formula">{row.formula}</td>
                  <td>
                    <SpaceGroupArrow requested={row.spaceGroupRequested} found={row.spaceGroupFound} />
                  </td>
                  <td className="num">{row.numSites}</td>
                  <td className="num">{row.volume.toFixed(1)}</td>
                  <td className="num">{row.logProbability !== null ? row.logProbability.toFixed(2) : '—'}</td>
                  <td>
                    {row.valid === null ? <span className="hint">unchecked</span> : <span className={`badge ${row.valid ? 'ok' : 'bad'}`}>{row.valid ? 'valid' : 'invalid'}</span>}
                  </td>
                  <td data-testid="library-ehull">{row.energyKind !== null ? <EHullBadge score={{ kind: row.energyKind, eHull: row.eHull }} /> : <span className="hint">—</span>}</td>
                  <td data-testid="library-source">
                    {row.source}
                    {row.parentId !== null && (
                      <span className="hint parent-link" data-testid="parent-link">
                        {' '}
                        relaxed from{' '}
                        <button type="button" className="link" onClick={() => open(row.parentId!)} title={`Open #${row.parentId}`}>
                          #{row.parentId}
                        </button>
                      </span>
                    )}
                  </td>
                  <td>
                    <button type="button" className="star" aria-pressed={row.favourite} aria-label={row.favourite ? `Remove ${row.id} from favourites` : `Add ${row.id} to favourites`} onClick={() => favourite(row)}>
                      {row.favourite ? '★' : '☆'}
                    </button>
                  </td>
                  <td>
                    <button type="button" onClick={() => open(row.id)}>
                      Open
                    </button>
                    {onUseAsTemplate && (
                      <button
                        type="button"
                        aria-label={`Use ${row.id} as template`}
                        title="Open MCMC or Generate with this crystal's space group, Wyckoff sites and elements"
                        onClick={async () => {
                          try {
                            onUseAsTemplate(await library.open(row.id));
                          } catch (e) {
                            setError(`Could not open structure ${row.id}: ${(e as Error).message}`);
                          }
                        }}
                      >
                        Template
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {total > PAGE_SIZE && (
          <div className="pager" role="group" aria-label="Pages">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              ‹ Previous
            </button>
            <span className="hint">
              {offset + 1}–{Math.min(offset + PAGE_SIZE, total)} of {total}
            </span>
            <button type="button" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Next ›
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
