/**
 * Generated candidates as compact cards, as they stream in: a static picture of the cell, formula, space group
 * requested → found, validity badges, log-probability, and E_hull on a colour scale when the run scored it. Sort
 * and filter locally (also by E_hull, max E_hull); select cards to export them (CIF for one, zip for several)
 * through the library, or to relax them with the potential (saved to the library linked to the card's row);
 * favourite; open one in the Viewer.
 */
import { useMemo, useState } from 'react';
import type { Candidate, LibraryBackend, RelaxedEntry } from '../api/backend.ts';
import { EHullBadge } from './EHullBadge.tsx';
import { StructureThumbnail } from './StructureThumbnail.tsx';
import { PlausibilityBadges } from './PlausibilityBadges.tsx';
import { isPlausible } from '../../../shared/api/plausibility.ts';
import { PredictionList } from '../ui/PredictionList.tsx';

type SortKey = 'index' | 'logp' | 'formula' | 'minDistance' | 'eHull' | 'contactRatio' | 'density';

/** The E_hull a card is judged by: the relaxed one when it has been relaxed, else the single point. */
function cardEHull(c: Candidate): number | null {
  return c.relaxed?.eHull ?? c.score?.eHull ?? null;
}

/** Sort and filters of the grid; the page may hold them so that they outlive the view. */
export interface ResultsViewState {
  sort: SortKey;
  validOnly: boolean;
  matchedOnly: boolean;
  text: string;
  /** Only crystals whose contacts and charges are both plausible (PlausibilityBadges). */
  plausibleOnly?: boolean;
  /** Only charge-balanced crystals (alloys and elements count as balanced). */
  chargeBalancedOnly?: boolean;
}
export const DEFAULT_RESULTS_VIEW: ResultsViewState = { sort: 'index', validOnly: false, matchedOnly: false, text: '', plausibleOnly: false, chargeBalancedOnly: false };

/** Cards drawn at most: a run of 100 000 crystals stays usable here; the Library view pages through all of them. */
const MAX_CARDS = 500;

export function ValidityBadges({ built, valid, minDistance }: { built: boolean; valid: boolean | undefined | null; minDistance: number | null | undefined }) {
  return (
    <span className="badges">
      <span className={`badge ${built ? 'ok' : 'bad'}`} title={built ? 'The sampled tokens built a structure' : 'The sampled tokens could not be built into a structure'}>
        {built ? 'built' : 'not built'}
      </span>
      {built && minDistance !== undefined && minDistance !== null && (
        // A fact, not a verdict: 0.62 Å passes the 0.5 Å rule yet is no crystal; the plausibility badge judges.
        <span className={`badge ${valid ? 'none' : 'bad'}`} title="Shortest interatomic distance (structurally valid when at least 0.5 Å; the plausibility badge compares it with the atoms' radii)">
          d<sub>min</sub> {minDistance.toFixed(2)} Å
        </span>
      )}
    </span>
  );
}

export function SpaceGroupArrow({ requested, found }: { requested: number | null; found: number | null | undefined }) {
  if (requested === null) return <span>SG {found ?? '?'}</span>;
  const matched = found === requested;
  return (
    <span className={matched ? 'sg-match' : 'sg-mismatch'} title={matched ? 'The built structure has the requested space group' : 'Symmetry analysis found a different space group'}>
      SG {requested} → {found ?? '?'}
    </span>
  );
}

export function ResultsGrid({
  candidates,
  onOpen,
  library,
  onFavourite,
  onRelaxed,
  status,
  view,
  onViewChange,
}: {
  view?: ResultsViewState;
  onViewChange?: (view: ResultsViewState) => void;
  candidates: readonly Candidate[];
  /** One line about the run in progress (e.g. 'sampling 12 of 100…'), or null. */
  status?: string | null;
  onOpen: (c: Candidate) => void;
  library?: LibraryBackend | undefined;
  /** Called after a favourite was stored, so the page can update its copy. */
  onFavourite?: (libraryId: number, favourite: boolean) => void;
  /** Called with the relaxed rows saved by 'Relax selected', so the page can show them on their cards. */
  onRelaxed?: (entries: RelaxedEntry[]) => void;
}) {
  const [localView, setLocalView] = useState<ResultsViewState>(DEFAULT_RESULTS_VIEW);
  const viewState = view ?? localView;
  const setView = onViewChange ?? setLocalView;
  const { sort, validOnly, matchedOnly, text } = viewState;
  const plausibleOnly = viewState.plausibleOnly ?? false;
  const chargeBalancedOnly = viewState.chargeBalancedOnly ?? false;
  const setPlausibleOnly = (v: boolean) => setView({ ...viewState, plausibleOnly: v });
  const setChargeBalancedOnly = (v: boolean) => setView({ ...viewState, chargeBalancedOnly: v });
  const setSort = (v: SortKey) => setView({ ...viewState, sort: v });
  const setValidOnly = (v: boolean) => setView({ ...viewState, validOnly: v });
  const setMatchedOnly = (v: boolean) => setView({ ...viewState, matchedOnly: v });
  const setText = (v: string) => setView({ ...viewState, text: v });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [maxEHull, setMaxEHull] = useState('');
  const [relaxing, setRelaxing] = useState(false);
  const eHullLimit = maxEHull.trim() === '' || !Number.isFinite(Number(maxEHull)) ? null : Number(maxEHull);

  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const list = candidates.filter(
      (c) =>
        (!validOnly || c.valid === true) &&
        (!matchedOnly || c.spaceGroupFound === c.spaceGroup) &&
        (!plausibleOnly || (c.plausibility !== undefined && isPlausible(c.plausibility))) &&
        (!chargeBalancedOnly || c.plausibility?.chargeBalanced === true) &&
        (!needle || c.formula.toLowerCase().includes(needle)) &&
        (eHullLimit === null || (cardEHull(c) !== null && cardEHull(c)! <= eHullLimit)),
    );
    const by: Record<SortKey, (a: Candidate, b: Candidate) => number> = {
      index: (a, b) => (a.index ?? 0) - (b.index ?? 0),
      logp: (a, b) => (b.logLikelihood ?? -Infinity) - (a.logLikelihood ?? -Infinity),
      formula: (a, b) => a.formula.localeCompare(b.formula),
      minDistance: (a, b) => (b.minDistance ?? -Infinity) - (a.minDistance ?? -Infinity),
      // Lowest first; unscored cards last.
      eHull: (a, b) => (cardEHull(a) ?? Infinity) - (cardEHull(b) ?? Infinity) || (a.index ?? 0) - (b.index ?? 0),
      // Roomiest contacts first; unchecked cards last.
      contactRatio: (a, b) => (b.plausibility?.contactRatio ?? -Infinity) - (a.plausibility?.contactRatio ?? -Infinity) || (a.index ?? 0) - (b.index ?? 0),
      density: (a, b) => (b.plausibility?.density ?? -Infinity) - (a.plausibility?.density ?? -Infinity) || (a.index ?? 0) - (b.index ?? 0),
    };
    return [...list].sort(by[sort]);
  }, [candidates, sort, validOnly, matchedOnly, plausibleOnly, chargeBalancedOnly, text, eHullLimit]);

  const selectedIds = candidates.filter((c) => selected.has(c.id) && c.libraryId !== undefined).map((c) => c.libraryId!);
  const toggle = (id: string) => setSelected((set) => (set.has(id) ? new Set([...set].filter((x) => x !== id)) : new Set([...set, id])));

  const exportSelected = async () => {
    if (!library || selectedIds.length === 0) return;
    setMessage(null);
    try {
      const result = await library.export(selectedIds);
      if (result.count > 0) setMessage({ error: false, text: `Exported ${result.count} structure${result.count === 1 ? '' : 's'} as ${result.fileName}` });
    } catch (error) {
      setMessage({ error: true, text: (error as Error).message });
    }
  };

  const relaxSelected = async () => {
    if (!library || selectedIds.length === 0) return;
    setMessage({ error: false, text: `Relaxing ${selectedIds.length} with the potential (space group kept)…` });
    setRelaxing(true);
    try {
      const entries = await library.relax(selectedIds, (done, total) => setMessage({ error: false, text: `Relaxing: ${done} of ${total} done…` }));
      onRelaxed?.(entries);
      const saved = entries.filter((e) => e.savedId !== null);
      const notSaved = entries.filter((e) => e.savedId === null);
      setMessage({
        error: saved.length === 0,
        text:
          `Relaxed ${entries.length}: ${saved.length} saved to the library` +
          (saved.length ? ` (${saved.map((e) => `#${e.savedId} from #${e.parentId}`).join(', ')})` : '') +
          (notSaved.length ? `; not saved: ${notSaved.map((e) => `#${e.parentId} ${e.status}${e.error ? ` (${e.error})` : ''}`).join(', ')}` : ''),
      });
    } catch (error) {
      setMessage({ error: true, text: (error as Error).message });
    } finally {
      setRelaxing(false);
    }
  };

  const favourite = async (c: Candidate) => {
    if (!library || c.libraryId === undefined) return;
    try {
      await library.setFavourite([c.libraryId], !c.favourite);
      onFavourite?.(c.libraryId, !c.favourite);
    } catch (error) {
      setMessage({ error: true, text: `Could not change the favourite: ${(error as Error).message}` });
    }
  };

  const validCount = candidates.filter((c) => c.valid).length;
  const plausibleCount = candidates.filter((c) => c.plausibility !== undefined && isPlausible(c.plausibility)).length;
  const matchedCount = candidates.filter((c) => c.spaceGroupFound === c.spaceGroup).length;

  return (
    <section className="panel results" aria-label="Results">
      <div className="results-header">
        <h3>
          Results {candidates.length > 0 ? `(${candidates.length}; ${validCount} valid, ${plausibleCount} plausible, ${matchedCount} with the requested space group)` : ''}
        </h3>
        {status && (
          <span className="hint" role="status" data-testid="results-status">
            {status}
          </span>
        )}
        {candidates.length > 0 && (
          <div className="results-tools" role="group" aria-label="Sort and filter results">
            <label className="field">
              <span>Sort</span>
              <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)} aria-label="Sort results">
                <option value="index">order sampled</option>
                <option value="logp">log-probability (high first)</option>
                <option value="formula">formula</option>
                <option value="minDistance">shortest distance (large first)</option>
                <option value="eHull">E_hull (low first)</option>
                <option value="contactRatio">shortest contact / radii (large first)</option>
                <option value="density">density (high first)</option>
              </select>
            </label>
            <label className="field">
              <span>max E_hull</span>
              <input
                className="filter-number"
                type="number"
                step={0.01}
                placeholder="eV/atom"
                value={maxEHull}
                onChange={(e) => setMaxEHull(e.target.value)}
                aria-label="Maximum E_hull (eV/atom)"
              />
            </label>
            <label className="check">
              <input type="checkbox" checked={validOnly} onChange={(e) => setValidOnly(e.target.checked)} /> valid only
            </label>
            <label className="check">
              <input type="checkbox" checked={matchedOnly} onChange={(e) => setMatchedOnly(e.target.checked)} /> requested group only
            </label>
            <label className="check">
              <input type="checkbox" checked={plausibleOnly} onChange={(e) => setPlausibleOnly(e.target.checked)} /> plausible only
            </label>
            <label className="check">
              <input type="checkbox" checked={chargeBalancedOnly} onChange={(e) => setChargeBalancedOnly(e.target.checked)} /> charge balanced only
            </label>
            <input className="filter-text" placeholder="formula contains…" value={text} onChange={(e) => setText(e.target.value)} aria-label="Filter by formula" />
            <button type="button" onClick={() => setSelected(new Set(shown.filter((c) => c.libraryId !== undefined).map((c) => c.id)))}>
              Select shown
            </button>
            <button type="button" onClick={() => setSelected(new Set())} disabled={selected.size === 0}>
              Clear selection
            </button>
            <button type="button" onClick={relaxSelected} disabled={!library || selectedIds.length === 0 || relaxing} title="Relax with the M3GNet potential (FIRE, space group kept) and save each relaxed structure to the library, linked to its card's row">
              Relax selected{selectedIds.length > 0 ? ` (${selectedIds.length})` : ''}
            </button>
            <button type="button" className="primary" onClick={exportSelected} disabled={!library || selectedIds.length === 0}>
              Export {selectedIds.length === 1 ? 'CIF' : selectedIds.length > 1 ? `${selectedIds.length} as zip` : 'selected'}
            </button>
          </div>
        )}
      </div>
      {message && (
        <p className={message.error ? 'error' : 'hint'} role={message.error ? 'alert' : 'status'} data-testid="results-message">
          {message.text}
        </p>
      )}
      {shown.length > MAX_CARDS && (
        <p className="hint">
          Showing the first {MAX_CARDS} of {shown.length} (in this order); the Library view lists every stored crystal.
        </p>
      )}
      {candidates.length === 0 ? (
        <p className="hint">No candidates yet. Generated structures appear here as they are sampled.</p>
      ) : (
        <ul className="results-grid">
          {shown.slice(0, MAX_CARDS).map((c) => (
            <li key={c.id} className={`result-card${selected.has(c.id) ? ' selected' : ''}`} data-testid="result-card">
              <div className="card-top">
                <input
                  type="checkbox"
                  aria-label={`Select ${c.formula} #${c.index ?? ''}`}
                  checked={selected.has(c.id)}
                  disabled={c.libraryId === undefined}
                  onChange={() => toggle(c.id)}
                />
                <span className="formula">{c.formula}</span>
                <button
                  type="button"
                  className="star"
                  aria-pressed={c.favourite === true}
                  aria-label={c.favourite ? 'Remove from favourites' : 'Add to favourites'}
                  disabled={!library || c.libraryId === undefined}
                  onClick={() => favourite(c)}
                >
                  {c.favourite ? '★' : '☆'}
                </button>
              </div>
              {c.structure ? (
                <button type="button" className="thumb-button" onClick={() => onOpen(c)} title="Open in the Viewer">
                  <StructureThumbnail structure={c.structure} title={`${c.formula} unit cell`} />
                </button>
              ) : (
                <p className="error thumb-placeholder">{c.error ?? 'not built'}</p>
              )}
              <span className="hint">
                <SpaceGroupArrow requested={c.spaceGroup} found={c.spaceGroupFound} /> · {c.structure ? `${c.structure.sites.length} atoms` : '—'}
              </span>
              <ValidityBadges built={c.structure !== null} valid={c.valid} minDistance={c.minDistance} />
              {c.structure && <PlausibilityBadges plausibility={c.plausibility} minDistance={c.minDistance} compact />}
              {(c.score || c.relaxed) && (
                <span className="badges">
                  {c.score && <EHullBadge score={c.score} />}
                  {c.relaxed && (
                    <EHullBadge score={{ kind: 'relaxed', eHull: c.relaxed.eHull, error: c.relaxed.error ?? c.relaxed.status }} />
                  )}
                </span>
              )}
              <PredictionList predictions={c.predictions} compact />
              {c.relaxed && (
                <span className="hint" data-testid="relaxed-link">
                  {c.relaxed.savedId !== null ? `relaxed (${c.relaxed.status}) → library #${c.relaxed.savedId}` : `relax ${c.relaxed.status}`}
                </span>
              )}
              <span className="hint">{c.logLikelihood !== undefined ? `log p ${c.logLikelihood.toFixed(2)}` : ''}</span>
              <button type="button" onClick={() => onOpen(c)} disabled={!c.structure}>
                View
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
