/**
 * The Library view's filters as plain data, and the query they make (pure: unit-tested in
 * tests/renderer/library-query.test.ts). Bad text in a filter is a one-line error naming the field.
 */
import type { LibraryQuery, LibrarySortField } from '../../api/backend.ts';
import type { StructureSource } from '../../../../shared/api/jobs.ts';

export const LIBRARY_PAGE_SIZE = 50;

export type PlausibilityFilter = 'any' | 'plausible' | 'contacts-ok' | 'too-close' | 'charge-balanced' | 'not-balanced';

export interface LibraryFilterState {
  spaceGroupText: string;
  elementText: string;
  validity: 'any' | 'valid' | 'invalid';
  plausibility: PlausibilityFilter;
  favouritesOnly: boolean;
  source: '' | StructureSource;
  search: string;
  maxEHullText: string;
  /** Tags the rows must all carry, comma separated. */
  tagText: string;
}

export const DEFAULT_LIBRARY_FILTERS: LibraryFilterState = {
  spaceGroupText: '',
  elementText: '',
  validity: 'any',
  plausibility: 'any',
  favouritesOnly: false,
  source: '',
  search: '',
  maxEHullText: '',
  tagText: '',
};

export interface LibrarySort {
  by: LibrarySortField;
  direction: 'asc' | 'desc';
}

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

/** 'stable, keep' → ['stable', 'keep'] (trimmed, no empties). */
export function parseTagList(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}

const PLAUSIBILITY_QUERY: Record<PlausibilityFilter, Pick<LibraryQuery, 'chargeBalanced' | 'contactsPlausible'>> = {
  any: {},
  plausible: { chargeBalanced: true, contactsPlausible: true },
  'contacts-ok': { contactsPlausible: true },
  'too-close': { contactsPlausible: false },
  'charge-balanced': { chargeBalanced: true },
  'not-balanced': { chargeBalanced: false },
};

/** The backend query for the filters, sort and page; throws a readable error for bad filter text. */
export function libraryQueryFor(filters: LibraryFilterState, sort: LibrarySort, offset: number, limit = LIBRARY_PAGE_SIZE): LibraryQuery {
  const spaceGroups = parseSpaceGroupList(filters.spaceGroupText);
  const elements = parseElementFilter(filters.elementText);
  const maxEHull = filters.maxEHullText.trim() === '' ? undefined : Number(filters.maxEHullText);
  if (maxEHull !== undefined && !Number.isFinite(maxEHull)) throw new Error(`Max E_hull '${filters.maxEHullText}': a number in eV/atom`);
  const tags = parseTagList(filters.tagText);
  return {
    ...(maxEHull !== undefined ? { maxEHull } : {}),
    ...(spaceGroups.length ? { spaceGroups } : {}),
    ...(elements.length ? { elements } : {}),
    ...(filters.validity !== 'any' ? { valid: filters.validity === 'valid' } : {}),
    ...PLAUSIBILITY_QUERY[filters.plausibility],
    ...(filters.favouritesOnly ? { favourite: true } : {}),
    ...(filters.source ? { source: filters.source } : {}),
    ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
    ...(tags.length ? { tags } : {}),
    sort,
    limit,
    offset,
  };
}
