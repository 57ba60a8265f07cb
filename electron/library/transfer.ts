/**
 * Moving structures into and out of the library: import CIF / POSCAR files (each file read once by shared/io, space
 * groups found within bounds by electron/symmetry/bounded.ts), export a selection as CIF files or one zip (fflate),
 * each with a manifest CSV (csv-stringify).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { csvSafeRow } from '../../shared/text/csv-cell.ts';
import { zipSync } from 'fflate';
import { Composition } from '../../shared/crystal/composition.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { readCifStructures } from '../../shared/io/cif.ts';
import { formatFromFileName, sniffFormat } from '../../shared/io/index.ts';
import { readPoscar, writePoscar } from '../../shared/io/poscar.ts';
import { writeExtendedXyz } from '../../shared/io/xyz.ts';
import { DEFAULT_SYMPREC } from '../../shared/symmetry/analyze.ts';
import { symmetryBudgetForFile } from '../symmetry/bounded.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { type MatchableStructure, type MatchTolerances, prepareForMatching, structuresMatch } from '../evaluate/matcher.ts';
import type { Library, StructureQuery, StructureRecord } from './library.ts';
import { libraryName } from './names.ts';

export interface TextToImport {
  /** File name (or path): picks the format by extension and names errors. */
  fileName: string;
  text: string;
}

export interface ImportOptions {
  /** Attach the structures to this run; by default an 'import' run is created and completed. */
  runId?: number;
  tags?: readonly string[];
  /** Tolerance in Å for finding the space group (default 0.01, as CrystalFormer's preprocessing). */
  symprec?: number;
  /** Accept partially occupied CIF sites (each kept as a full atom; reported in warnings). */
  allowPartialOccupancy?: boolean;
  /** Called after each file. */
  onProgress?: (progress: { done: number; total: number; file: string }) => void;
  /** Called for each structure as soon as it is committed. */
  onImported?: (item: ImportedStructure) => void;
  /**
   * A structure the library already holds (the same crystal: see `findDuplicate`) is skipped by default and
   * reported in `duplicates`; 'keep' stores it again.
   */
  duplicates?: 'skip' | 'keep';
  /** Called for each structure skipped as a duplicate. */
  onDuplicate?: (item: DuplicateStructure) => void;
}

/** A structure not imported because the library already holds the same crystal. */
export interface DuplicateStructure {
  file: string;
  name: string;
  formula: string;
  /** The library row it duplicates. */
  existingId: number;
}

export interface ImportedStructure {
  id: number;
  file: string;
  name: string;
  formula: string;
  spaceGroup: number | null;
  warnings: string[];
}

export interface ImportResult {
  runId: number;
  imported: ImportedStructure[];
  failed: { file: string; error: string }[];
  /** Skipped because the library already holds them (empty with `duplicates: 'keep'`). */
  duplicates: DuplicateStructure[];
}

export interface ExportResult {
  /** The zip file or the directory written. */
  path: string;
  count: number;
  /** Names of the CIF files (inside the zip or the directory), in manifest order. */
  files: string[];
}

interface ParsedEntry {
  name: string;
  structure: Structure;
  cif?: string;
  warnings: string[];
}

/** Every structure in one file's text: all CIF data blocks with atom sites, or the one POSCAR structure. */
function parseStructures(file: TextToImport, options: ImportOptions): ParsedEntry[] {
  const format = formatFromFileName(file.fileName) ?? sniffFormat(file.text);
  if (format === 'cif') {
    const blocks = readCifStructures(file.text, {
      fileName: file.fileName,
      ...(options.allowPartialOccupancy !== undefined ? { allowPartialOccupancy: options.allowPartialOccupancy } : {}),
    });
    if (blocks.length === 0) throw new Error(`${file.fileName}: no data block with atom sites`);
    // A single-block file is kept verbatim (with its symmetry and provenance); blocks of a multi-block file are
    // stored as P1 CIFs, since cutting the original text apart would be fragile.
    return blocks.map((block) => ({
      name: block.name,
      structure: block.structure,
      ...(blocks.length === 1 ? { cif: file.text } : {}),
      warnings: block.warnings,
    }));
  }
  const poscar = readPoscar(file.text, { fileName: file.fileName });
  const name = poscar.comment.trim() || basename(file.fileName);
  return [{ name, structure: poscar.structure, warnings: [] }];
}

export async function importStructureTexts(library: Library, files: readonly TextToImport[], options: ImportOptions = {}): Promise<ImportResult> {
  return importFromSources(library, files.map((file) => ({ fileName: file.fileName, load: async () => file.text })), options);
}

export async function importStructureFiles(library: Library, paths: readonly string[], options: ImportOptions = {}): Promise<ImportResult> {
  return importFromSources(
    library,
    paths.map((path) => ({
      fileName: path,
      load: async () => {
        try {
          return await readFile(path, 'utf8');
        } catch (error) {
          throw new Error(`${path}: cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        }
      },
    })),
    options,
  );
}

async function importFromSources(
  library: Library,
  sources: readonly { fileName: string; load: () => Promise<string> }[],
  options: ImportOptions,
): Promise<ImportResult> {
  await initSymmetry();
  const started = performance.now();
  const symprec = options.symprec ?? DEFAULT_SYMPREC;
  const ownRun = options.runId === undefined;
  const runId = options.runId ?? library.createRun({ kind: 'import', status: 'running', config: { files: sources.length } }).id;
  const result: ImportResult = { runId, imported: [], failed: [], duplicates: [] };
  const duplicateFinder = options.duplicates === 'keep' ? undefined : new DuplicateFinder(library);
  try {
    for (const [index, source] of sources.entries()) {
      try {
        const entries = parseStructures({ fileName: source.fileName, text: await source.load() }, options);
        const symmetry = symmetryBudgetForFile();
        for (const entry of entries) {
          const warnings = [...entry.warnings];
          let spaceGroup: number | null = null;
          try {
            spaceGroup = symmetry.analyze(entry.structure, { symprec }).spaceGroup;
          } catch (error) {
            warnings.push(`space group not determined: ${(error as Error).message}`);
          }
          const existingId = duplicateFinder?.find(entry.structure, spaceGroup);
          if (existingId !== undefined) {
            const duplicate: DuplicateStructure = { file: source.fileName, name: libraryName(entry.name), formula: Composition.fromStructure(entry.structure).reducedFormula, existingId };
            result.duplicates.push(duplicate);
            options.onDuplicate?.(duplicate);
            continue;
          }
          const id = library.addStructure({
            structure: entry.structure,
            ...(entry.cif !== undefined ? { cif: entry.cif } : {}),
            source: 'imported',
            name: entry.name,
            runId,
            ...(spaceGroup !== null ? { spaceGroupFound: spaceGroup } : {}),
            ...(options.tags ? { tags: options.tags } : {}),
            ...(warnings.length ? { validity: { importWarnings: warnings } } : {}),
          });
          const stored = library.getStructure(id)!;
          duplicateFinder?.remember(stored, entry.structure);
          const item: ImportedStructure = { id, file: source.fileName, name: stored.name ?? '', formula: stored.formula, spaceGroup, warnings };
          result.imported.push(item);
          options.onImported?.(item);
        }
      } catch (error) {
        result.failed.push({ file: source.fileName, error: (error as Error).message });
      }
      options.onProgress?.({ done: index + 1, total: sources.length, file: source.fileName });
    }
  } finally {
    if (ownRun) {
      const allFailed = result.failed.length > 0 && result.imported.length === 0;
      library.updateRun(runId, {
        status: allFailed ? 'failed' : 'completed',
        error: result.failed.length ? `${result.failed.length} of ${sources.length} files could not be imported` : null,
        timings: { import: (performance.now() - started) / 1000 },
      });
    }
  }
  return result;
}

/**
 * "The same crystal" for duplicate imports: the structure matcher's algorithm (pymatgen StructureMatcher) with
 * tighter tolerances than its defaults and no rescaling, so that another setting, origin, supercell or atom order
 * of one crystal is a duplicate, while the same structure type at a lattice 5 % larger, or a distorted variant,
 * is a different entry.
 */
export const DUPLICATE_TOLERANCES: Readonly<MatchTolerances> = Object.freeze({ ltol: 0.05, stol: 0.1, angleTol: 2, scale: false });
/** Symmetry tolerance (Å) of the matcher's preparation (as the evaluation's uniqueness check). */
const DUPLICATE_SYMPREC = 0.1;

/** Rows prepared for matching, per open library, by id and creation time (a row's crystal never changes). */
const preparedRows = new WeakMap<Library, Map<string, MatchableStructure | null>>();
/** Prepared rows kept per library (oldest dropped first): a few hundred bytes each. */
const MAX_PREPARED_ROWS = 20_000;

/**
 * Finds a library row holding the same crystal as a new structure: rows of the same reduced formula and space
 * group (SQL, indexed), then the matcher on each. Prepared rows are cached across imports into the same library
 * (the import job imports one file at a time).
 */
class DuplicateFinder {
  private readonly prepared: Map<string, MatchableStructure | null>;

  constructor(private readonly library: Library) {
    let cache = preparedRows.get(library);
    if (!cache) preparedRows.set(library, (cache = new Map()));
    this.prepared = cache;
  }

  find(structure: Structure, spaceGroup: number | null): number | undefined {
    const candidates = this.library.duplicateCandidates(Composition.fromStructure(structure).reducedFormula, spaceGroup);
    if (candidates.length === 0) return undefined;
    const mine = prepareForMatching(structure, DUPLICATE_SYMPREC);
    for (const row of candidates) {
      const other = this.preparedRow(row);
      if (!other) continue;
      if (mine.spaceGroup !== null && other.spaceGroup !== null && mine.spaceGroup !== other.spaceGroup) continue;
      if (structuresMatch(mine, other, DUPLICATE_TOLERANCES)) return row.id;
    }
    return undefined;
  }

  /** A row just stored from `structure` (saves reading its CIF back). */
  remember(row: { id: number; createdAt: string }, structure: Structure): void {
    this.keep(row, prepareForMatching(structure, DUPLICATE_SYMPREC));
  }

  private keep(row: { id: number; createdAt: string }, prepared: MatchableStructure | null): void {
    this.prepared.set(`${row.id}@${row.createdAt}`, prepared);
    if (this.prepared.size > MAX_PREPARED_ROWS) this.prepared.delete(this.prepared.keys().next().value!);
  }

  private preparedRow(row: { id: number; createdAt: string }): MatchableStructure | null {
    const id = row.id;
    let prepared = this.prepared.get(`${id}@${row.createdAt}`);
    if (prepared === undefined) {
      prepared = null;
      const record = this.library.getStructure(id);
      if (record) {
        try {
          prepared = prepareForMatching(readCifStructure(record.cif, { fileName: `library #${id}`, allowPartialOccupancy: true }).structure, DUPLICATE_SYMPREC);
        } catch {
          // A row whose CIF cannot be read back cannot be compared; it is not called a duplicate of anything.
        }
      }
      this.keep(row, prepared);
    }
    return prepared;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Export

function resolveSelection(library: Library, selection: readonly number[] | StructureQuery): StructureRecord[] {
  const ids = Array.isArray(selection) ? (selection as readonly number[]) : library.selectIds(selection as StructureQuery);
  const records: StructureRecord[] = [];
  const missing: number[] = [];
  for (const id of ids) {
    const record = library.getStructure(id);
    if (record) records.push(record);
    else missing.push(id);
  }
  if (missing.length) throw new Error(`export: no structure with id ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''}`);
  return records;
}

/** `12-Fe2O3-sg167.cif`: id first so names are unique and sort by id. */
export function exportFileName(record: Pick<StructureRecord, 'id' | 'formula' | 'spaceGroupFound'>): string {
  const formula = record.formula.replace(/[^A-Za-z0-9]+/g, '') || 'structure';
  return `${record.id}-${formula}${record.spaceGroupFound !== null ? `-sg${record.spaceGroupFound}` : ''}.cif`;
}

export const MANIFEST_COLUMNS = [
  'file', 'id', 'name', 'formula', 'elements', 'num_sites', 'volume', 'space_group_requested', 'space_group_found', 'valid',
  'reward', 'log_probability', 'favourite', 'tags', 'source', 'run_id', 'created_at', 'properties', 'rewards',
  'e_hull', 'energy_kind', 'energy_per_atom', 'formation_energy_per_atom', 'parent_id',
] as const;

/**
 * Text that a spreadsheet would take for a formula (`=HYPERLINK(…)`, `+…`, `-…`, `@…`, or a leading tab / carriage
 * return) gets a leading apostrophe, so opening the manifest runs nothing (CSV injection, OWASP's advice). Only
 * free text (names, tags) is treated; numbers stay numbers.
 */
export function neutralizeCsvFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The manifest CSV: one row per exported file (RFC 4180 quoting by csv-stringify; JSON for nested values). */
export function manifestCsv(records: readonly StructureRecord[]): string {
  const rows = records.map((r) => [
    exportFileName(r), r.id, neutralizeCsvFormula(r.name ?? ''), r.formula, r.elements.join(' '), r.numSites, r.volume, r.spaceGroupRequested ?? '',
    r.spaceGroupFound ?? '', r.valid === null ? '' : r.valid ? 'true' : 'false', r.reward ?? '', r.logProbability ?? '',
    r.favourite ? 'true' : 'false', neutralizeCsvFormula(r.tags.join(';')), r.source, r.runId ?? '', r.createdAt, JSON.stringify(r.properties), JSON.stringify(r.rewards),
    r.eHull ?? '', r.energyKind ?? '', r.energyPerAtom ?? '', r.formationEnergyPerAtom ?? '', r.parentId ?? '',
  ]);
  // Names, tags and sources are user text: neutralised so `=HYPERLINK(...)` stays text in a spreadsheet.
  return stringify([[...MANIFEST_COLUMNS], ...rows.map(csvSafeRow)]);
}

function cifText(record: StructureRecord): string {
  return record.cif.endsWith('\n') ? record.cif : `${record.cif}\n`;
}

export function buildExportZip(library: Library, selection: readonly number[] | StructureQuery): { zip: Uint8Array; files: string[] } {
  const records = resolveSelection(library, selection);
  const encoder = new TextEncoder();
  const entries: Record<string, Uint8Array> = { 'manifest.csv': encoder.encode(manifestCsv(records)) };
  const files = records.map((record) => {
    const name = exportFileName(record);
    entries[name] = encoder.encode(cifText(record));
    return name;
  });
  return { zip: zipSync(entries, { level: 6 }), files };
}

export async function exportZip(library: Library, selection: readonly number[] | StructureQuery, zipPath: string): Promise<ExportResult> {
  const { zip, files } = buildExportZip(library, selection);
  await mkdir(dirname(zipPath), { recursive: true });
  // Temp file + rename: an interrupted export never leaves a truncated zip under the chosen name.
  const temp = `${zipPath}.partial-${process.pid}`;
  try {
    await writeFile(temp, zip);
    await rename(temp, zipPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`${zipPath}: cannot write export (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { path: zipPath, count: files.length, files };
}

export async function exportCifFiles(library: Library, selection: readonly number[] | StructureQuery, directory: string): Promise<ExportResult> {
  const records = resolveSelection(library, selection);
  await mkdir(directory, { recursive: true });
  const files: string[] = [];
  for (const record of records) {
    const name = exportFileName(record);
    await writeFile(join(directory, name), cifText(record));
    files.push(name);
  }
  await writeFile(join(directory, 'manifest.csv'), manifestCsv(records));
  return { path: directory, count: files.length, files };
}

// ---------------------------------------------------------------------------------------------------------------
// Other export formats: POSCAR files (zip), one extended XYZ file, one JSON file

/** The library export formats beyond CIF: a zip of POSCARs, one multi-frame extended XYZ, one JSON document. */
export type StructureExportFormat = 'poscar-zip' | 'extxyz' | 'json';

/** The row's crystal with every atom (CIFs are stored symmetrized; POSCAR and XYZ list all atoms of the cell). */
function recordStructure(record: StructureRecord): Structure {
  return readCifStructure(record.cif, { fileName: `library #${record.id}`, allowPartialOccupancy: true }).structure;
}

/** `12-Fe2O3-sg167.vasp` (same stem as the CIF export). */
export function poscarFileName(record: Pick<StructureRecord, 'id' | 'formula' | 'spaceGroupFound'>): string {
  return exportFileName(record).replace(/\.cif$/, '.vasp');
}

/** Scalar facts of a row for the extended XYZ comment line (ASE reads them into `atoms.info`). */
function xyzInfo(record: StructureRecord): Record<string, string | number> {
  const info: Record<string, string | number> = { library_id: record.id, formula: record.formula, source: record.source };
  if (record.name) info['name'] = record.name;
  if (record.spaceGroupFound !== null) info['space_group'] = record.spaceGroupFound;
  if (record.reward !== null) info['reward'] = record.reward;
  if (record.eHull !== null) info['e_hull'] = record.eHull;
  if (record.energyKind !== null) info['energy_kind'] = record.energyKind;
  for (const [name, value] of Object.entries(record.properties)) {
    if (typeof value === 'number' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) info[`predicted_${name}`] = value;
  }
  return info;
}

/** One JSON document: every row's facts, its CIF and its atoms (Cartesian lattice rows in Å, fractional positions). */
export function exportJson(records: readonly StructureRecord[]): string {
  return `${JSON.stringify(
    {
      format: 'cfstudio-library-export',
      version: 1,
      structures: records.map((record) => {
        const structure = recordStructure(record);
        const { tokens: _tokens, tokenLogProbs: _tokenLogProbs, ...row } = record;
        return {
          ...row,
          structure: {
            lattice: structure.lattice.matrix.map((r) => [...r]),
            species: structure.sites.map((s) => s.species),
            frac: structure.sites.map((s) => [...s.frac]),
          },
        };
      }),
    },
    null,
    1,
  )}\n`;
}

/** The bytes and file names of one export of the selection in `format`. */
export function buildExport(library: Library, selection: readonly number[] | StructureQuery, format: StructureExportFormat): { bytes: Uint8Array; files: string[]; count: number } {
  const records = resolveSelection(library, selection);
  const encoder = new TextEncoder();
  if (format === 'poscar-zip') {
    const entries: Record<string, Uint8Array> = { 'manifest.csv': encoder.encode(manifestCsv(records)) };
    const files = records.map((record) => {
      const name = poscarFileName(record);
      entries[name] = encoder.encode(writePoscar(recordStructure(record), { comment: `${record.formula} library #${record.id}${record.spaceGroupFound !== null ? ` sg ${record.spaceGroupFound}` : ''}` }));
      return name;
    });
    return { bytes: zipSync(entries, { level: 6 }), files, count: records.length };
  }
  if (format === 'extxyz') {
    const text = records.map((record) => writeExtendedXyz(recordStructure(record), { info: xyzInfo(record) })).join('');
    return { bytes: encoder.encode(text), files: ['structures.extxyz'], count: records.length };
  }
  return { bytes: encoder.encode(exportJson(records)), files: ['structures.json'], count: records.length };
}

/** Writes one export file (temp file + rename, as `exportZip`). */
export async function exportAs(library: Library, selection: readonly number[] | StructureQuery, format: StructureExportFormat, path: string): Promise<ExportResult> {
  const { bytes, files, count } = buildExport(library, selection, format);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.partial-${process.pid}`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`${path}: cannot write export (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { path, count, files };
}
