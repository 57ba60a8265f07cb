/**
 * The Library table: one row per stored crystal with what decides it — a thumbnail, formula, space group, a,
 * atoms, density, plausibility (contacts over radii, guessed oxidation states), E_hull, reward, predicted
 * properties (± when stored), run and prompt, source, tags. Sortable column headers; rows open in the Viewer.
 */
import type { LibraryRow, LibrarySortField, StructureData } from '../../api/backend.ts';
import { Formula } from '../../ui/Formula.tsx';
import { EHullBadge } from '../EHullBadge.tsx';
import { PlausibilityBadges } from '../PlausibilityBadges.tsx';
import { SpaceGroupArrow } from '../ResultsGrid.tsx';
import { StructureThumbnail } from '../StructureThumbnail.tsx';
import type { LibrarySort } from './libraryQuery.ts';
import { formatProperty, promptLabel, propertyValues, runLabel } from './rowFormat.ts';

const SOURCE_LABEL: Record<LibraryRow['source'], string> = { generated: 'generated', rl: 'RL', mcmc: 'MCMC', imported: 'imported', relaxed: 'relaxed' };

function SortHeader({ field, sort, onSort, children, title }: { field: LibrarySortField; sort: LibrarySort; onSort: (sort: LibrarySort) => void; children: React.ReactNode; title?: string }) {
  const active = sort.by === field;
  return (
    <th scope="col" aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'} title={title}>
      <button type="button" className="link sort-header" onClick={() => onSort({ by: field, direction: active && sort.direction === 'desc' ? 'asc' : 'desc' })}>
        {children}
        {active ? (sort.direction === 'asc' ? ' ↑' : ' ↓') : ''}
      </button>
    </th>
  );
}

export function LibraryTable({
  rows,
  thumbnails,
  sort,
  onSort,
  selected,
  onSelect,
  onOpen,
  onUseAsTemplate,
  onFavourite,
}: {
  rows: readonly LibraryRow[];
  thumbnails: ReadonlyMap<number, StructureData | null>;
  sort: LibrarySort;
  onSort: (sort: LibrarySort) => void;
  selected: ReadonlySet<number>;
  onSelect: (ids: readonly number[], on: boolean) => void;
  onOpen: (id: number) => void;
  /** "Template": open MCMC or Generate with the row's group, Wyckoff sites and elements (absent: no button). */
  onUseAsTemplate?: ((id: number) => void) | undefined;
  onFavourite: (row: LibraryRow) => void;
}) {
  const header = { sort, onSort };
  return (
    <table className="dense library-table">
      <thead>
        <tr>
          <th scope="col">
            <input type="checkbox" aria-label="Select page" checked={rows.length > 0 && rows.every((r) => selected.has(r.id))} onChange={(e) => onSelect(rows.map((r) => r.id), e.target.checked)} />
          </th>
          <SortHeader field="id" {...header}>Id</SortHeader>
          <th scope="col">
            <span className="visually-hidden">Picture</span>
          </th>
          <SortHeader field="formula" {...header}>Formula</SortHeader>
          <SortHeader field="spaceGroup" {...header}>Space group</SortHeader>
          <SortHeader field="a" {...header} title="Lattice parameter a of the stored cell">a (Å)</SortHeader>
          <SortHeader field="numSites" {...header}>Atoms</SortHeader>
          <SortHeader field="density" {...header}>ρ (g/cm³)</SortHeader>
          <SortHeader field="contactRatio" {...header} title="Plausibility: shortest contact over the radii sum (sorts by it), guessed oxidation states">
            Plausibility
          </SortHeader>
          <SortHeader field="eHull" {...header} title="Energy above the partial MP hull, eV/atom (M3GNet): single point on the stored structure, or relaxed">
            E<sub>hull</sub>
          </SortHeader>
          <SortHeader field="reward" {...header}>Reward</SortHeader>
          <th scope="col">Predicted</th>
          <th scope="col">Run · prompt</th>
          <th scope="col">Source</th>
          <th scope="col">Tags</th>
          <th scope="col">★</th>
          <th scope="col">
            <span className="visually-hidden">Open</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const structure = thumbnails.get(row.id);
          const run = runLabel(row);
          const prompt = promptLabel(row);
          return (
            <tr key={row.id} data-testid="library-row" data-id={row.id}>
              <td>
                <input type="checkbox" aria-label={`Select structure ${row.id}`} checked={selected.has(row.id)} onChange={(e) => onSelect([row.id], e.target.checked)} />
              </td>
              <td className="num">{row.id}</td>
              <td className="thumb-cell">
                {structure ? (
                  <button type="button" className="thumb-button" onClick={() => onOpen(row.id)} title="Open in the Viewer">
                    <StructureThumbnail structure={structure} size={48} title={`${row.formula} unit cell`} />
                  </button>
                ) : null}
              </td>
              <td data-testid="library-formula">
                <Formula formula={row.formula} />
                {row.name && row.name !== row.formula && <span className="hint row-name"> {row.name}</span>}
              </td>
              <td>
                <SpaceGroupArrow requested={row.spaceGroupRequested} found={row.spaceGroupFound} />
              </td>
              <td className="num">{row.lattice.a.toFixed(3)}</td>
              <td className="num">{row.numSites}</td>
              <td className="num" data-testid="library-density">
                {row.plausibility ? row.plausibility.density.toFixed(2) : '—'}
              </td>
              <td data-testid="library-plausibility">
                <PlausibilityBadges plausibility={row.plausibility} compact showDensity={false} />
              </td>
              <td data-testid="library-ehull">{row.energyKind !== null ? <EHullBadge score={{ kind: row.energyKind, eHull: row.eHull }} /> : <span className="hint">—</span>}</td>
              <td className="num" data-testid="library-reward">
                {row.reward !== null ? row.reward.toFixed(3) : '—'}
              </td>
              <td data-testid="library-properties">
                {propertyValues(row.properties).map((p) => (
                  <div key={p.name} className="property">
                    {formatProperty(p)}
                  </div>
                ))}
              </td>
              <td data-testid="library-run">
                {run && <div>{run}</div>}
                {prompt && <div className="hint">{prompt}</div>}
              </td>
              <td data-testid="library-source">
                {SOURCE_LABEL[row.source]}
                {row.parentId !== null && (
                  <span className="hint parent-link" data-testid="parent-link">
                    {' '}
                    relaxed from{' '}
                    <button type="button" className="link" onClick={() => onOpen(row.parentId!)} title={`Open #${row.parentId}`}>
                      #{row.parentId}
                    </button>
                  </span>
                )}
              </td>
              <td data-testid="library-tags">
                {row.tags.map((t) => (
                  <span key={t} className="tag">
                    {t}
                  </span>
                ))}
              </td>
              <td>
                <button type="button" className="star" aria-pressed={row.favourite} aria-label={row.favourite ? `Remove ${row.id} from favourites` : `Add ${row.id} to favourites`} onClick={() => onFavourite(row)}>
                  {row.favourite ? '★' : '☆'}
                </button>
              </td>
              <td>
                <button type="button" onClick={() => onOpen(row.id)}>
                  Open
                </button>
                {onUseAsTemplate && (
                  <button type="button" aria-label={`Use ${row.id} as template`} title="Open MCMC or Generate with this crystal's space group, Wyckoff sites and elements" onClick={() => onUseAsTemplate(row.id)}>
                    Template
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
