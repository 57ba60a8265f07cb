/**
 * Reference sets for novelty and for the reference side of the distribution distances.
 *
 * Two sources:
 * - a token dataset directory from `cfstudio data prepare` (fast: compositions, densities and element counts come
 *   straight from the tokens; a structure is rebuilt only when a generated crystal has the same composition);
 * - a CSV (plain or gzip) with a `cif` column, e.g. MP-20. Parsing 26k CIFs takes about a minute, so the parsed
 *   cells are cached as gzip JSON under the cache directory (default `$XDG_CACHE_HOME/cfstudio` or
 *   `~/.cache/cfstudio`, or `CFSTUDIO_CACHE_DIR`), keyed by the SHA-256 of the file. Nothing is written next to
 *   the CSV.
 *
 * In both cases the symmetry analysis a match needs is done lazily, at the evaluation's symprec, for reference
 * crystals that share a composition with some generated crystal, and kept in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Mat3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { atomicMass, elementSymbol } from '../../shared/crystal/elements.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { buildStructure } from '../../shared/symmetry/analyze.ts';
import { type CrystalTokens, N_SLOTS, decodeCrystal, wyckoffTables } from '../../shared/tokens/index.ts';
import { type SplitName, loadDataset } from '../engine/train/dataset.ts';
import { readCsvRecords } from '../data/csv-source.ts';
import { type MatchableStructure, compositionKeyOf, compositionKeyOfStructure, prepareForMatching } from './matcher.ts';

const AVOGADRO = 6.02214076e23;

export interface ReferenceEntry {
  id: string;
  /** Reduced composition, elements by atomic number ('Na1 Cl1'). */
  compositionKey: string;
  numElements: number;
  /** g/cm³ */
  density: number;
}

export interface ReferenceSkip {
  id: string;
  where: string;
  message: string;
}

/** A set of known crystals, grouped by composition, with structures and their match preparation on demand. */
export class ReferenceSet {
  readonly entries: readonly ReferenceEntry[];
  private readonly byComposition = new Map<string, number[]>();
  private readonly preparedCache = new Map<string, MatchableStructure>();

  constructor(
    readonly source: string,
    readonly kind: 'csv' | 'dataset' | 'structures',
    entries: ReferenceEntry[],
    private readonly structureAt: (index: number) => Structure,
    /** Rows that could not be used (unparsable CIF, …), reported but not fatal. */
    readonly skipped: readonly ReferenceSkip[] = [],
  ) {
    this.entries = entries;
    entries.forEach((entry, index) => {
      const list = this.byComposition.get(entry.compositionKey);
      if (list) list.push(index);
      else this.byComposition.set(entry.compositionKey, [index]);
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Indices of reference crystals with this reduced composition. */
  candidates(compositionKey: string): readonly number[] {
    return this.byComposition.get(compositionKey) ?? [];
  }

  structure(index: number): Structure {
    return this.structureAt(index);
  }

  /** The crystal reduced for matching at `symprec` (computed once per symprec). */
  prepared(index: number, symprec: number): MatchableStructure {
    const key = `${symprec}:${index}`;
    let prepared = this.preparedCache.get(key);
    if (!prepared) {
      prepared = prepareForMatching(this.structureAt(index), symprec);
      this.preparedCache.set(key, prepared);
    }
    return prepared;
  }
}

/** A reference set from structures in memory (tests, the library, other callers). */
export function referenceSetFromStructures(items: readonly { id: string; structure: Structure }[], source = 'structures'): ReferenceSet {
  return new ReferenceSet(
    source,
    'structures',
    items.map((item) => entryFromStructure(item.id, item.structure)),
    (index) => items[index]!.structure,
  );
}

export interface ReferenceLoadOptions {
  /** For a dataset directory: which split to use (default 'all'). */
  split?: SplitName | 'all';
  /** Where the CSV parse cache lives (see the file comment). */
  cacheDir?: string;
  /** Progress while parsing a CSV that is not cached yet: rows done, and bytes of the file read so far / in all. */
  onProgress?: (rowsDone: number, bytesRead: number, totalBytes: number) => void;
}

/** A dataset directory (has manifest.json) or a CSV file with a `cif` column. */
export async function loadReferenceSet(path: string, options: ReferenceLoadOptions = {}): Promise<ReferenceSet> {
  await initSymmetry();
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`${path}: no such file or directory`);
  }
  if (info.isDirectory()) return loadDatasetReference(path, options.split ?? 'all');
  return loadCsvReference(path, options);
}

async function loadDatasetReference(dir: string, split: SplitName | 'all'): Promise<ReferenceSet> {
  const data = await loadDataset(dir, { split });
  const tables = wyckoffTables();
  const entries: ReferenceEntry[] = [];
  const tokensAt = (i: number): CrystalTokens => ({
    spaceGroup: data.spaceGroup[i]!,
    wyckoff: data.wyckoff.subarray(i * N_SLOTS, (i + 1) * N_SLOTS),
    atoms: data.atoms.subarray(i * N_SLOTS, (i + 1) * N_SLOTS),
    coords: Float64Array.from(data.coords.subarray(i * N_SLOTS * 3, (i + 1) * N_SLOTS * 3)),
    lattice: Float64Array.from(data.lattice.subarray(i * 6, (i + 1) * 6)),
    numSites: data.numSites[i]!,
  });
  for (let i = 0; i < data.count; i++) {
    const g = data.spaceGroup[i]!;
    // Composition from Wyckoff multiplicities: no structure needs to be built.
    const counts = new Map<number, number>();
    let atomsInCell = 0;
    let mass = 0;
    for (let s = 0; s < data.numSites[i]!; s++) {
      const z = data.atoms[i * N_SLOTS + s]!;
      const multiplicity = tables.multiplicityOf(g, data.wyckoff[i * N_SLOTS + s]!);
      counts.set(z, (counts.get(z) ?? 0) + multiplicity);
      atomsInCell += multiplicity;
      mass += multiplicity * atomicMass(elementSymbol(z));
    }
    // The lattice tokens hold a, b, c / N^⅓ and angles in radians.
    const scale = Math.cbrt(atomsInCell);
    const [a, b, c] = [data.lattice[i * 6]! * scale, data.lattice[i * 6 + 1]! * scale, data.lattice[i * 6 + 2]! * scale];
    const [ca, cb, cc] = [Math.cos(data.lattice[i * 6 + 3]!), Math.cos(data.lattice[i * 6 + 4]!), Math.cos(data.lattice[i * 6 + 5]!)];
    const volume = a * b * c * Math.sqrt(Math.max(0, 1 - ca * ca - cb * cb - cc * cc + 2 * ca * cb * cc));
    entries.push({
      id: data.ids[i]!,
      compositionKey: compositionKeyOf(counts),
      numElements: counts.size,
      density: mass / AVOGADRO / (volume * 1e-24),
    });
  }
  return new ReferenceSet(resolve(dir), 'dataset', entries, (index) => buildStructure(decodeCrystal(tokensAt(index))));
}

const CACHE_FORMAT = 'cfstudio-reference-cache';
const CACHE_VERSION = 1;

interface CachedCell {
  id: string;
  /** Lattice matrix rows, 9 numbers. */
  lattice: number[];
  /** Atomic numbers. */
  z: number[];
  /** 3 fractional coordinates per atom. */
  frac: number[];
}

interface CacheFile {
  format: typeof CACHE_FORMAT;
  version: number;
  source: string;
  sha256: string;
  cells: CachedCell[];
  skipped: ReferenceSkip[];
}

export function defaultCacheDir(): string {
  if (process.env.CFSTUDIO_CACHE_DIR) return process.env.CFSTUDIO_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'cfstudio');
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function loadCsvReference(path: string, options: ReferenceLoadOptions): Promise<ReferenceSet> {
  const digest = await sha256OfFile(path);
  const cacheDir = join(options.cacheDir ?? defaultCacheDir(), 'reference');
  const cachePath = join(cacheDir, `${digest}.json.gz`);
  let cache: CacheFile | undefined;
  try {
    const parsed = JSON.parse(gunzipSync(await readFile(cachePath)).toString('utf8')) as CacheFile;
    if (parsed.format === CACHE_FORMAT && parsed.version === CACHE_VERSION && parsed.sha256 === digest) cache = parsed;
  } catch {
    // No cache yet, or an unreadable one: parse the CSV again.
  }
  if (!cache) {
    const cells: CachedCell[] = [];
    const skipped: ReferenceSkip[] = [];
    let rows = 0;
    let bytesRead = 0;
    const totalBytes = (await stat(path)).size;
    for await (const record of readCsvRecords([path], (bytes) => (bytesRead = bytes))) {
      rows++;
      try {
        const { structure } = readCifStructure(record.cif, { fileName: `${basename(record.file)}:${record.line}` });
        cells.push({
          id: record.id,
          lattice: structure.lattice.matrix.flat(),
          z: structure.atomicNumbers,
          frac: structure.sites.flatMap((s) => s.frac),
        });
      } catch (error) {
        skipped.push({ id: record.id, where: `${record.file}:${record.line}`, message: ((error as Error)?.message ?? String(error)).split('\n')[0]! });
      }
      if (rows % 200 === 0) options.onProgress?.(rows, bytesRead, totalBytes);
    }
    options.onProgress?.(rows, totalBytes, totalBytes);
    cache = { format: CACHE_FORMAT, version: CACHE_VERSION, source: resolve(path), sha256: digest, cells, skipped };
    try {
      await mkdir(cacheDir, { recursive: true });
      const temporary = `${cachePath}.tmp-${process.pid}`;
      await writeFile(temporary, gzipSync(JSON.stringify(cache)));
      await rename(temporary, cachePath);
    } catch {
      // A read-only or full cache directory only costs the next run the parse time.
    }
  }
  const cells = cache.cells;
  const structures: (Structure | undefined)[] = new Array(cells.length);
  const structureAt = (index: number): Structure => {
    let s = structures[index];
    if (!s) {
      const cell = cells[index]!;
      const l = cell.lattice;
      const matrix: Mat3 = [
        [l[0]!, l[1]!, l[2]!],
        [l[3]!, l[4]!, l[5]!],
        [l[6]!, l[7]!, l[8]!],
      ];
      s = new Structure(
        new Lattice(matrix),
        cell.z.map((z, i) => ({ species: elementSymbol(z), frac: [cell.frac[3 * i]!, cell.frac[3 * i + 1]!, cell.frac[3 * i + 2]!] })),
      );
      structures[index] = s;
    }
    return s;
  };
  const entries = cells.map((cell, index) => entryFromStructure(cell.id, structureAt(index)));
  // Keep memory flat: the Structure objects are rebuilt on demand for the few compositions that are compared.
  structures.fill(undefined);
  return new ReferenceSet(resolve(path), 'csv', entries, structureAt, cache.skipped);
}

function entryFromStructure(id: string, structure: Structure): ReferenceEntry {
  return {
    id,
    compositionKey: compositionKeyOfStructure(structure),
    numElements: new Set(structure.species).size,
    density: structure.densityFrom(atomicMass),
  };
}
