/**
 * The Library view's data: filters, sort and page offset; the page of rows they select (reloaded when they change
 * or the library changes); and the thumbnails of the rows on the page.
 */
import { useCallback, useEffect, useState } from 'react';
import type { LibraryBackend, LibraryRow, StructureData } from '../../api/backend.ts';
import { DEFAULT_LIBRARY_FILTERS, libraryQueryFor, LIBRARY_PAGE_SIZE, type LibraryFilterState, type LibrarySort } from './libraryQuery.ts';

export interface LibraryPage {
  filters: LibraryFilterState;
  setFilters: (filters: LibraryFilterState) => void;
  sort: LibrarySort;
  setSort: (sort: LibrarySort) => void;
  offset: number;
  setOffset: (offset: number) => void;
  page: { rows: LibraryRow[]; total: number } | null;
  /** A filter that cannot be read, or a failed query. */
  error: string | null;
  refresh: () => void;
}

export function useLibraryPage(library: LibraryBackend | undefined): LibraryPage {
  const [filters, setFiltersState] = useState<LibraryFilterState>(DEFAULT_LIBRARY_FILTERS);
  const [sort, setSortState] = useState<LibrarySort>({ by: 'id', direction: 'desc' });
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ rows: LibraryRow[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  // Any filter or sort change goes back to the first page.
  const setFilters = useCallback((next: LibraryFilterState) => {
    setFiltersState(next);
    setOffset(0);
  }, []);
  const setSort = useCallback((next: LibrarySort) => {
    setSortState(next);
    setOffset(0);
  }, []);

  useEffect(() => {
    if (!library) return;
    let current = true;
    let query;
    try {
      query = libraryQueryFor(filters, sort, offset, LIBRARY_PAGE_SIZE);
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    library.query(query).then(
      (result) => {
        if (!current) return;
        setPage(result);
        setError(null);
      },
      (e: unknown) => current && setError((e as Error).message),
    );
    return () => {
      current = false;
    };
  }, [library, filters, sort, offset, tick]);

  // Refresh when a job or another window writes to the library (throttled by the host).
  useEffect(() => library?.onChanged(refresh), [library, refresh]);

  return { filters, setFilters, sort, setSort, offset, setOffset, page, error, refresh };
}

/** Structures of the rows shown, fetched once per row id (a row's crystal never changes). */
export function useThumbnails(library: LibraryBackend | undefined, rows: readonly LibraryRow[]): ReadonlyMap<number, StructureData | null> {
  const [structures, setStructures] = useState<ReadonlyMap<number, StructureData | null>>(new Map());
  const missing = rows.map((r) => r.id).filter((id) => !structures.has(id));
  const key = missing.join(',');
  useEffect(() => {
    if (!library || key === '') return;
    let current = true;
    const ids = key.split(',').map(Number);
    library.structures(ids).then(
      (found) => {
        if (current) setStructures((old) => new Map([...old, ...found]));
      },
      () => {
        // No thumbnails (e.g. an older engine without library.structures): the rows stay usable without pictures.
        if (current) setStructures((old) => new Map([...old, ...ids.map((id) => [id, null] as const)]));
      },
    );
    return () => {
      current = false;
    };
  }, [library, key]);
  return structures;
}
