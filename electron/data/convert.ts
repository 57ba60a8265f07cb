/**
 * One dataset row → CrystalFormer tokens, or the reason it is skipped. Pure and synchronous (after
 * `initSymmetry()`), so the same code runs in the worker threads and in-process.
 */
import { CifError, readCifStructure } from '../../shared/io/cif.ts';
import { DEFAULT_SYMPREC } from '../../shared/symmetry/analyze.ts';
import { analyzeStructureBounded } from '../symmetry/bounded.ts';
import { MAX_SITES, encodeCrystal } from '../../shared/tokens/index.ts';
import type { SkipReason } from '../engine/train/dataset.ts';


export interface RowInput {
  /** Position of the row over all input files, for a deterministic output order. */
  index: number;
  id: string;
  cif: string;
  /** `file:line` of the CSV record, for messages. */
  where: string;
}

export interface ConvertedRow {
  index: number;
  id: string;
  spaceGroup: number;
  numSites: number;
  /** N_SLOTS Wyckoff indices, N_SLOTS atomic numbers, N_SLOTS × 3 coordinates, 6 lattice values. */
  wyckoff: Int32Array;
  atoms: Int32Array;
  coords: Float64Array;
  lattice: Float64Array;
}

export interface SkippedRow {
  index: number;
  id: string;
  reason: SkipReason;
  message: string;
}

export type RowResult = { ok: true; row: ConvertedRow } | { ok: false; skipped: SkippedRow };

export function convertRow(input: RowInput, symprec = DEFAULT_SYMPREC): RowResult {
  const skip = (reason: SkipReason, message: string): RowResult => ({ ok: false, skipped: { index: input.index, id: input.id, reason, message: `${input.where} (${input.id}): ${message}` } });
  let structure;
  try {
    structure = readCifStructure(input.cif, { fileName: input.id }).structure;
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (error instanceof CifError && /cannot tell the element|unknown element/i.test(error.reason)) return skip('unsupported element', message);
    if (error instanceof CifError && /partial occupancy/i.test(error.reason)) return skip('partial occupancy', message);
    return skip('parse error', message);
  }
  let analysis;
  try {
    analysis = analyzeStructureBounded(structure, { symprec });
  } catch (error) {
    return skip('symmetry failure', (error as Error)?.message ?? String(error));
  }
  const sites = analysis.description.sites.length;
  if (sites > MAX_SITES) return skip('more than 20 sites', `${sites} Wyckoff sites in space group ${analysis.spaceGroup}`);
  const tokens = encodeCrystal(analysis.description);
  return {
    ok: true,
    row: { index: input.index, id: input.id, spaceGroup: tokens.spaceGroup, numSites: tokens.numSites, wyckoff: tokens.wyckoff, atoms: tokens.atoms, coords: tokens.coords, lattice: tokens.lattice },
  };
}

/**
 * Key for de-duplication: identical token strings after rounding coordinates to 1e-3, normalised lengths to
 * 1e-2 Å and angles to 0.1°. (Coordinates are rounded before wrapping so that 0.9999 and 0.0001 agree.)
 */
export function dedupKey(row: ConvertedRow): string {
  const parts: string[] = [String(row.spaceGroup)];
  for (let i = 0; i < row.numSites; i++) {
    const xyz = [0, 1, 2].map((k) => (Math.round(row.coords[3 * i + k]! * 1000) % 1000).toString());
    parts.push(`${row.wyckoff[i]}:${row.atoms[i]}:${xyz.join(',')}`);
  }
  for (let k = 0; k < 3; k++) parts.push((Math.round(row.lattice[k]! * 100) / 100).toFixed(2));
  for (let k = 3; k < 6; k++) parts.push(((row.lattice[k]! * 180) / Math.PI).toFixed(1));
  return parts.join('|');
}
