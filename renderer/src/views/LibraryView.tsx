/**
 * The Library view: every structure saved in the workspace library (generated, RL, MCMC, imported or relaxed), as
 * a sortable, filterable, paged table (library/LibraryTable.tsx) with filters (library/LibraryFilters.tsx) and
 * actions on the selection (library/LibraryActions.tsx: relax, score E_hull, export, tag, delete; import files).
 * Rows open in the Viewer.
 */
import { useEffect, useState } from 'react';
import type { Candidate, LibraryExportFormat, LibraryRow, MenuCommand, StudioBackend } from '../api/backend.ts';
import { exportSelection, LibraryActions, LibraryImport, useLibraryImport, type LibraryFeedback } from './library/LibraryActions.tsx';
import { LibraryFilters } from './library/LibraryFilters.tsx';
import { LibraryTable } from './library/LibraryTable.tsx';
import { LIBRARY_PAGE_SIZE } from './library/libraryQuery.ts';
import { useLibraryPage, useThumbnails } from './library/useLibraryPage.ts';

export { parseElementFilter, parseSpaceGroupList } from './library/libraryQuery.ts';

export interface LibraryViewActions {
  /** "Template": open the row in the Viewer with its template choices (then MCMC or Generate). */
  onUseAsTemplate?: ((candidate: Candidate) => void) | undefined;
  /** "Train on selected": the selected rows become the Training panel's dataset. */
  onTrainOn?: ((ids: number[]) => void) | undefined;
  /** A desktop File-menu command waiting to be carried out here; `onMenuCommandDone` is called once it has started. */
  menuCommand?: MenuCommand | null | undefined;
  onMenuCommandDone?: (() => void) | undefined;
}

export function LibraryView({ backend, onOpen, onUseAsTemplate, onTrainOn, menuCommand, onMenuCommandDone }: { backend: StudioBackend; onOpen: (candidate: Candidate) => void } & LibraryViewActions) {
  const library = backend.library;
  const { filters, setFilters, sort, setSort, offset, setOffset, page, error: queryError, refresh } = useLibraryPage(library);
  const thumbnails = useThumbnails(library, page?.rows ?? []);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [tags, setTags] = useState<{ name: string; count: number }[]>([]);
  const [exportFormat, setExportFormat] = useState<LibraryExportFormat>('zip');
  const feedback: LibraryFeedback = { message: setMessage, error: setError };
  const importer = useLibraryImport(library, feedback, refresh);

  // Tags in use (filter suggestions), again whenever the page reloads.
  useEffect(() => {
    library?.tags().then(setTags, () => setTags([]));
  }, [library, page]);

  // File › Import Structures… opens the native dialog; File › Export Selection… exports the ticked rows.
  useEffect(() => {
    if (!menuCommand || !library) return;
    onMenuCommandDone?.();
    if (menuCommand === 'import-structures') {
      void importer.chooseAndImport?.();
      return;
    }
    if (selected.size === 0) {
      setMessage(null);
      setError('Export Selection: tick the rows to export first');
      return;
    }
    setError(null);
    exportSelection(library, [...selected], exportFormat).then(setMessage, (e: Error) => setError(e.message));
    // Runs once per command: the other values are read as they are when it arrives.
  }, [menuCommand]);

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

  // Open a row, then hand the structure to the Viewer (Open) or to the template chooser (Template).
  const openFor = (use: (candidate: Candidate) => void) => async (id: number) => {
    try {
      use(await library.open(id));
    } catch (e) {
      setError(`Could not open structure ${id}: ${(e as Error).message}`);
    }
  };
  const open = openFor(onOpen);
  const useAsTemplate = onUseAsTemplate ? openFor(onUseAsTemplate) : undefined;
  const favourite = async (row: LibraryRow) => {
    try {
      await library.setFavourite([row.id], !row.favourite);
      refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const select = (ids: readonly number[], on: boolean) => setSelected((set) => (on ? new Set([...set, ...ids]) : new Set([...set].filter((id) => !ids.includes(id)))));
  const total = page?.total ?? 0;
  const rows = page?.rows ?? [];
  const shownError = queryError ?? error;

  return (
    <section className="library-view" aria-label="Library">
      <div className="panel library-filters" role="group" aria-label="Library filters">
        <h2>Library {page ? `(${total} structure${total === 1 ? '' : 's'})` : ''}</h2>
        <LibraryImport busy={importer.busy} onFiles={(list) => void importer.importFileList(list)} />
        <LibraryFilters filters={filters} onChange={setFilters} sort={sort} onSort={setSort} tags={tags} />
        <LibraryActions library={library} selected={[...selected]} format={exportFormat} onFormat={setExportFormat} feedback={feedback} onChanged={refresh} onDeleted={(ids) => select(ids, false)} onTrainOn={onTrainOn} />
        {shownError && (
          <p className="error" role="alert" data-testid="library-error">
            {shownError}
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
          <LibraryTable rows={rows} thumbnails={thumbnails} sort={sort} onSort={setSort} selected={selected} onSelect={select} onOpen={open} onUseAsTemplate={useAsTemplate} onFavourite={favourite} />
        )}
        {total > LIBRARY_PAGE_SIZE && (
          <div className="pager" role="group" aria-label="Pages">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - LIBRARY_PAGE_SIZE))}>
              ‹ Previous
            </button>
            <span className="hint">
              {offset + 1}–{Math.min(offset + LIBRARY_PAGE_SIZE, total)} of {total}
            </span>
            <button type="button" disabled={offset + LIBRARY_PAGE_SIZE >= total} onClick={() => setOffset(offset + LIBRARY_PAGE_SIZE)}>
              Next ›
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
