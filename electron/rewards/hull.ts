/**
 * A convex-hull stability proxy: the lower convex hull of formation energy per atom over composition, built from a
 * reference table of known phases (by default ../shared/data/properties/hull_reference.csv: ~27k Materials
 * Project entries from MP-20 and MPTS-52) plus every element at 0 eV/atom.
 *
 * This is a PROXY against a PARTIAL reference, not a DFT convex hull: the reference holds only the phases that
 * happen to be in those data sets (the full Materials Project hull has many more), so hull energies here are
 * upper bounds of the true ones and energies above the hull are lower bounds — a candidate can look stable here
 * because a competing phase is simply missing. The candidate's formation energy usually comes from a predictor,
 * whose error (tens of meV/atom) adds to this.
 *
 * The hull energy at a composition c is the optimum of the LP
 *   minimise Σᵢ xᵢ Eᵢ  subject to  Σᵢ xᵢ cᵢ = c (atomic fractions), x ≥ 0
 * over the phases i of every sub-system of c's elements (Eᵢ = formation energy per atom, cᵢ = atomic fractions);
 * Σ xᵢ = 1 follows from the fractions summing to 1. The optimal x is the decomposition into hull phases.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { Composition } from '../../shared/crystal/composition.ts';
import { EqualityLp, highsRuntime } from './lp.ts';
import type { Highs } from 'highs';

/** One reference phase. */
export interface HullEntry {
  id: string;
  composition: Composition;
  /** Formation energy in eV/atom relative to the elemental references. */
  formationEnergyPerAtom: number;
  /** The E_hull the source reported (eV/atom) against its own (fuller) hull, when the table has it. */
  reportedEnergyAboveHull?: number;
  /** Free-text origin (the CSV's `source` column). */
  source?: string;
}

/** A composition as a Composition, an element → amount record, or a formula string ('Li2O', 'Fe2 O3'). */
export type CompositionLike = Composition | Readonly<Record<string, number>> | string;

export interface DecompositionPhase {
  /** Reference entry id, or `element:Fe` for an elemental reference. */
  id: string;
  formula: string;
  /** True for the implicit elemental references at 0 eV/atom. */
  elementalReference: boolean;
  /** Fraction of the atoms of the target composition that sit in this phase (fractions sum to 1). */
  atomFraction: number;
  formationEnergyPerAtom: number;
}

export interface Decomposition {
  /** Hull energy at the composition, eV/atom. */
  hullEnergy: number;
  /** Phases with a non-zero share, largest share first. On a facet holding more phases than the system has
   *  elements the decomposition is not unique; this is the one the solver found. */
  phases: DecompositionPhase[];
}

export interface HullReferenceOptions {
  /** How many chemical systems keep a prepared LP (default 512); the least recently used is dropped beyond. */
  cacheSize?: number;
}

/** Compositions with more elements than this are refused: their sub-system count (2ⁿ) makes no sense to query. */
const MAX_ELEMENTS = 16;
/** Amounts at or below this (atom fraction) count as absent in decompositions. */
const PHASE_TOLERANCE = 1e-9;

/** Sorted element symbols joined by '-' (the usual chemical-system key, e.g. 'Fe-Li-O-P'). */
export function chemicalSystemKey(elements: Iterable<string>): string {
  return [...new Set(elements)].sort().join('-');
}

function toComposition(value: CompositionLike): Composition {
  if (value instanceof Composition) return value;
  if (typeof value === 'string') return Composition.fromFormula(value);
  return new Composition(value);
}

/** A phase column of a prepared system: fractions over the system's elements and energy per atom. */
interface PhaseColumn {
  id: string;
  formula: string;
  elementalReference: boolean;
  energy: number;
  fractions: Float64Array;
}

interface PreparedSystem {
  elements: string[];
  columns: PhaseColumn[];
  lp: EqualityLp;
}

/**
 * The reference phases indexed by chemical system, with one prepared LP per queried system (kept in a small
 * LRU cache: RL batches revisit the same few systems). Queries are synchronous once created.
 */
export class HullReference {
  readonly entries: readonly HullEntry[];
  /** Where the entries came from (file path or 'entries'). */
  readonly source: string;
  private readonly bySystem = new Map<string, HullEntry[]>();
  private readonly prepared = new Map<string, PreparedSystem>();
  private readonly cacheSize: number;
  private disposed = false;

  private constructor(
    private readonly highs: Highs,
    entries: readonly HullEntry[],
    source: string,
    options: HullReferenceOptions,
  ) {
    this.entries = entries;
    this.source = source;
    this.cacheSize = options.cacheSize ?? 512;
    for (const entry of entries) {
      const key = chemicalSystemKey(entry.composition.elements);
      let list = this.bySystem.get(key);
      if (!list) this.bySystem.set(key, (list = []));
      list.push(entry);
    }
  }

  /** A hull over the given phases (every element is added at 0 eV/atom). */
  static async fromEntries(entries: readonly HullEntry[], options: HullReferenceOptions & { source?: string } = {}): Promise<HullReference> {
    for (const [index, entry] of entries.entries()) {
      if (!Number.isFinite(entry.formationEnergyPerAtom)) throw new Error(`hull entry ${index} (${entry.id}): formation energy must be a finite number`);
      if (entry.composition.elements.length === 0) throw new Error(`hull entry ${index} (${entry.id}): empty composition`);
    }
    return new HullReference(await highsRuntime(), entries, options.source ?? 'entries', options);
  }

  /** Load a reference CSV (plain or gzip) — see {@link readHullReferenceCsv} for the columns. */
  static async load(file: string, options: HullReferenceOptions = {}): Promise<HullReference> {
    const entries = readHullReferenceCsv(file);
    return new HullReference(await highsRuntime(), entries, resolve(file), options);
  }

  /** Chemical systems present in the reference (sorted element keys). */
  get chemicalSystems(): string[] {
    return [...this.bySystem.keys()];
  }

  /** Reference entries whose elements are all among `elements` (every sub-system, the system itself included). */
  entriesInSystem(elements: Iterable<string>): HullEntry[] {
    const symbols = [...new Set(elements)].sort();
    if (symbols.length > MAX_ELEMENTS) throw new Error(`hull query: ${symbols.length} elements is more than the ${MAX_ELEMENTS} supported`);
    const result: HullEntry[] = [];
    const n = symbols.length;
    // Walk the 2ⁿ − 1 non-empty subsets; each is one index lookup (sorted subsets of a sorted list stay sorted).
    for (let mask = 1; mask < 1 << n; mask++) {
      const subset: string[] = [];
      for (let i = 0; i < n; i++) if (mask & (1 << i)) subset.push(symbols[i]!);
      const list = this.bySystem.get(subset.join('-'));
      if (list) result.push(...list);
    }
    return result;
  }

  /** Energy of the hull (eV/atom) at a composition: the lowest-energy mixture of reference phases. */
  hullEnergy(composition: CompositionLike): number {
    return this.solve(toComposition(composition)).objective;
  }

  /**
   * Energy above the hull (eV/atom) of a phase with this composition and formation energy per atom: negative when
   * the phase would lie below the reference hull (it would be a new hull phase).
   */
  energyAboveHull(composition: CompositionLike, formationEnergyPerAtom: number): number {
    if (!Number.isFinite(formationEnergyPerAtom)) throw new Error(`energyAboveHull: formation energy must be finite, got ${formationEnergyPerAtom}`);
    return formationEnergyPerAtom - this.hullEnergy(composition);
  }

  /** The hull phases (and atom fractions) a composition decomposes into, and the hull energy there. */
  decompositionOf(composition: CompositionLike): Decomposition {
    const { objective, x, system } = this.solve(toComposition(composition));
    let total = 0;
    for (const value of x) if (value > PHASE_TOLERANCE) total += value;
    const phases: DecompositionPhase[] = [];
    system.columns.forEach((column, j) => {
      const share = x[j]!;
      if (share > PHASE_TOLERANCE) {
        phases.push({
          id: column.id,
          formula: column.formula,
          elementalReference: column.elementalReference,
          atomFraction: share / total,
          formationEnergyPerAtom: column.energy,
        });
      }
    });
    phases.sort((a, b) => b.atomFraction - a.atomFraction);
    return { hullEnergy: objective, phases };
  }

  /** Free the solver models (the HullReference cannot be queried afterwards). */
  dispose(): void {
    this.disposed = true;
    for (const system of this.prepared.values()) system.lp.dispose();
    this.prepared.clear();
  }

  private solve(composition: Composition): { objective: number; x: Float64Array; system: PreparedSystem } {
    if (this.disposed) throw new Error('HullReference: used after dispose()');
    const elements = composition.elements;
    if (elements.length === 0) throw new Error('hull query: empty composition');
    const system = this.systemFor(elements);
    const fractions = composition.fractions;
    const rhs = system.elements.map((symbol) => fractions.get(symbol) ?? 0);
    const { x, objective } = system.lp.solve(rhs);
    return { objective, x, system };
  }

  private systemFor(elements: readonly string[]): PreparedSystem {
    const key = chemicalSystemKey(elements);
    const cached = this.prepared.get(key);
    if (cached) {
      // Re-insert to mark as most recently used.
      this.prepared.delete(key);
      this.prepared.set(key, cached);
      return cached;
    }
    const system = this.prepareSystem(key.split('-'));
    this.prepared.set(key, system);
    if (this.prepared.size > this.cacheSize) {
      const [oldestKey, oldest] = this.prepared.entries().next().value as [string, PreparedSystem];
      oldest.lp.dispose();
      this.prepared.delete(oldestKey);
    }
    return system;
  }

  private prepareSystem(elements: string[]): PreparedSystem {
    const index = new Map(elements.map((symbol, i) => [symbol, i]));
    // Only the lowest-energy phase at each composition can touch the hull, and nothing above 0 eV/atom can
    // (the elemental references already reach 0 everywhere); dropping the rest keeps the LP small.
    const best = new Map<string, PhaseColumn>();
    const consider = (column: PhaseColumn) => {
      const key = Array.from(column.fractions, (f) => f.toFixed(10)).join(',');
      const current = best.get(key);
      if (!current || column.energy < current.energy) best.set(key, column);
    };
    for (const symbol of elements) {
      const fractions = new Float64Array(elements.length);
      fractions[index.get(symbol)!] = 1;
      consider({ id: `element:${symbol}`, formula: symbol, elementalReference: true, energy: 0, fractions });
    }
    for (const entry of this.entriesInSystem(elements)) {
      if (entry.formationEnergyPerAtom > 0) continue;
      const fractions = new Float64Array(elements.length);
      for (const [symbol, fraction] of entry.composition.fractions) fractions[index.get(symbol)!] = fraction;
      consider({ id: entry.id, formula: entry.composition.reducedFormula, elementalReference: false, energy: entry.formationEnergyPerAtom, fractions });
    }
    const columns = [...best.values()];
    const matrix = new Float64Array(elements.length * columns.length);
    columns.forEach((column, j) => column.fractions.forEach((f, i) => (matrix[i * columns.length + j] = f)));
    const lp = new EqualityLp(this.highs, elements.length, columns.length, matrix, Float64Array.from(columns, (c) => c.energy));
    return { elements, columns, lp };
  }
}

/**
 * Read a hull reference table: CSV, plain or gzip (detected from the content), with columns `material_id` (or
 * `id`), `formula_sum` (or `formula`; any formula Composition.fromFormula reads, e.g. 'Ga4 Te4'),
 * `formation_energy_per_atom` (eV/atom) and optionally `e_above_hull` and `source`. Errors name file, line and column.
 */
export function readHullReferenceCsv(file: string): HullEntry[] {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    throw new Error(`${file}: cannot read hull reference: ${(error as Error).message}`);
  }
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
  // Rows as arrays, without per-record line info: twice as fast on the 27k-row table. Line numbers for messages are
  // recovered by a second, slower parse only when a row is bad.
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new Error(`${file}: malformed CSV: ${(error as Error).message}`);
  }
  if (rows.length < 2) throw new Error(`${file}: no rows`);
  const header = rows[0]!.map((name) => name.trim());
  const pick = (names: string[], required: boolean): number => {
    const found = names.find((n) => header.includes(n));
    if (!found && required) throw new Error(`${file}: missing column '${names[0]}' (found: ${header.join(', ')})`);
    return found ? header.indexOf(found) : -1;
  };
  const idColumn = pick(['material_id', 'id'], true);
  const formulaColumn = pick(['formula_sum', 'formula', 'pretty_formula'], true);
  const energyColumn = pick(['formation_energy_per_atom'], true);
  const hullColumn = pick(['e_above_hull', 'energy_above_hull'], false);
  const sourceColumn = pick(['source'], false);
  const fail = (rowIndex: number, column: number, message: string): never => {
    const lines = (parse(text, { bom: true, skip_empty_lines: true, info: true }) as unknown as { info: { lines: number } }[])[rowIndex]?.info.lines;
    throw new Error(`${file}:${lines ?? `row ${rowIndex}`}: column '${header[column]}' ${message}`);
  };
  const entries: HullEntry[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    let composition: Composition;
    try {
      composition = Composition.fromFormula(row[formulaColumn]!);
    } catch (error) {
      fail(r, formulaColumn, `is not a formula: ${(error as Error).message}`);
    }
    const energyText = row[energyColumn]!.trim();
    const energy = Number(energyText);
    if (energyText === '' || !Number.isFinite(energy)) fail(r, energyColumn, `must be a number, got '${energyText}'`);
    const entry: HullEntry = { id: row[idColumn]!, composition: composition!, formationEnergyPerAtom: energy };
    const reported = hullColumn >= 0 ? row[hullColumn]!.trim() : '';
    if (reported !== '') {
      const value = Number(reported);
      if (!Number.isFinite(value)) fail(r, hullColumn, `must be a number or empty, got '${reported}'`);
      entry.reportedEnergyAboveHull = value;
    }
    if (sourceColumn >= 0 && row[sourceColumn]) entry.source = row[sourceColumn];
    entries.push(entry);
  }
  return entries;
}

const loaded = new Map<string, { mtimeMs: number; size: number; reference: Promise<HullReference> }>();

/** Load a reference file once per process (reloaded when the file changes on disk). */
export function loadHullReference(file: string): Promise<HullReference> {
  const path = resolve(file);
  let mtimeMs = 0;
  let size = 0;
  try {
    const info = statSync(path);
    mtimeMs = info.mtimeMs;
    size = info.size;
  } catch {
    return Promise.reject(new Error(`${path}: hull reference file not found`));
  }
  const hit = loaded.get(path);
  if (hit && hit.mtimeMs === mtimeMs && hit.size === size) return hit.reference;
  const reference = HullReference.load(path);
  reference.catch(() => loaded.delete(path));
  loaded.set(path, { mtimeMs, size, reference });
  return reference;
}

/**
 * Where the default hull reference lives: $CFSTUDIO_HULL_REFERENCE, else ../shared/data/properties/
 * hull_reference.csv next to the project checkout (the data are not shipped in the repository). Undefined when
 * neither exists.
 */
export function defaultHullReferencePath(): string | undefined {
  const fromEnv = process.env.CFSTUDIO_HULL_REFERENCE;
  if (fromEnv) return resolve(fromEnv);
  const candidates = [
    fileURLToPath(new URL('../../../shared/data/properties/hull_reference.csv', import.meta.url)),
    resolve(process.cwd(), '../shared/data/properties/hull_reference.csv'),
  ];
  for (const candidate of candidates) {
    for (const file of [candidate, `${candidate}.gz`]) {
      try {
        if (statSync(file).isFile()) return file;
      } catch {
        // not there; try the next
      }
    }
  }
  return undefined;
}
