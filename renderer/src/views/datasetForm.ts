/**
 * The Training panel's "Prepare a dataset" form (a folder of CIF/POSCAR files or library rows → the
 * 'prepare-dataset' job's params), and when its messages are shown. Pure, so it is tested in Node.
 */
import type { PrepareDatasetParams } from '../../../shared/api/jobs.ts';

export interface DatasetForm {
  source: 'folder' | 'library';
  /** A folder inside the workspace holding the structure files. */
  folder: string;
  /** Library row ids as typed: '12, 15-20 31'. */
  ids: string;
  /** The dataset folder to write, inside the workspace. */
  out: string;
  /** Share held out for validation, in per cent. */
  valPercent: number;
}

/** Most ids a typed range may expand to (the job's own limit is far above what anyone types). */
const MAX_IDS = 100_000;

function stamp(d = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

export function defaultDatasetFolder(d = new Date()): string {
  return `datasets/mine-${stamp(d)}`;
}

export function defaultDatasetForm(): DatasetForm {
  return { source: 'folder', folder: '', ids: '', out: defaultDatasetFolder(), valPercent: 10 };
}

/** '12, 15-17 31' → [12, 15, 16, 17, 31] (in order, without repeats), or why the text is not a list of ids. */
export function parseIdList(text: string): number[] | string {
  const ids: number[] = [];
  const seen = new Set<number>();
  // '15 - 20' is one range: spaces around a dash do not separate ids.
  for (const part of text.replace(/\s*[-–]\s*/g, '-').split(/[\s,;]+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    const single = /^\d+$/.test(part) ? Number(part) : null;
    const [from, to] = range ? [Number(range[1]), Number(range[2])] : single !== null ? [single, single] : [NaN, NaN];
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1) return `'${part}' is not a row id (a whole number from 1) or a range such as 15-20`;
    if (to < from) return `'${part}': the range runs backwards`;
    if (ids.length + (to - from + 1) > MAX_IDS) return `more than ${MAX_IDS.toLocaleString('en-US')} rows: choose them with the Library's filters instead`;
    for (let id = from; id <= to; id++) {
      if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    }
  }
  return ids;
}

/** Why each field is wrong (absent = fine). */
export function checkDatasetForm(f: DatasetForm): Partial<Record<keyof DatasetForm, string>> {
  const errors: Partial<Record<keyof DatasetForm, string>> = {};
  if (f.source === 'folder' && f.folder.trim() === '') errors.folder = 'Folder: the workspace folder holding your CIF/POSCAR files, e.g. structures/mine';
  if (f.source === 'library') {
    const ids = parseIdList(f.ids);
    if (typeof ids === 'string') errors.ids = `Library rows: ${ids}`;
    else if (ids.length === 0) errors.ids = 'Library rows: give row ids (e.g. 12, 15-20), or select rows in the Library and choose “Train on selected”';
  }
  if (f.out.trim() === '') errors.out = 'Dataset folder: where the prepared dataset goes (a new folder inside the workspace)';
  if (!(f.valPercent >= 0 && f.valPercent <= 100)) errors.valPercent = 'Validation share: a per cent from 0 to 100';
  return errors;
}

export function prepareParamsFor(f: DatasetForm): PrepareDatasetParams {
  const ids = parseIdList(f.ids);
  return {
    source: f.source === 'folder' ? { folder: f.folder.trim() } : { library: { ids: typeof ids === 'string' ? [] : ids } },
    out: f.out.trim(),
    valFraction: f.valPercent / 100,
  };
}

/**
 * Errors a user should see now: a field's only once it was edited, all of them once a start was attempted — an
 * empty form is not "wrong" before anyone typed in it.
 */
export function visibleErrors<K extends string>(errors: Partial<Record<K, string>>, touched: ReadonlySet<K>, attempted: boolean): Partial<Record<K, string>> {
  if (attempted) return errors;
  const shown: Partial<Record<K, string>> = {};
  for (const key of Object.keys(errors) as K[]) if (touched.has(key)) shown[key] = errors[key];
  return shown;
}
