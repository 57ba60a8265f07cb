/**
 * Reading crystal structures from CIF 1.1 files.
 *
 * `parseCif` gives the raw blocks (see cif-syntax.ts); `readCifStructures` turns every block that lists atom
 * sites into a `Structure`: cell from `_cell_length_*`/`_cell_angle_*`, the asymmetric unit from the
 * `_atom_site_*` loop, expanded by the listed symmetry operations (or, when none are listed, by the operations of
 * the space group named by its Hall symbol, H-M symbol or number, via shared/symmetry).
 *
 * Merging symmetry images: two images closer than `mergeTolerance` (default 0.01 Å, periodic Cartesian distance)
 * are the same atom. Why 0.01 Å: CIF coordinates are usually rounded to 4 decimals, so images of a site on a
 * special position (x = 0.3333 under x−y → 0.6666 vs 0.6667) differ by up to ~1e-4 in fractional units, i.e.
 * ~2e-3 Å in a 20 Å cell — above a 1e-3 Å cut-off — while no two real atoms are closer than ~0.7 Å (H2).
 */
import { Lattice } from '../crystal/lattice.ts';
import { cellProblem, fractionalCoordinateProblem, latticeLengthProblem } from '../crystal/cell-bounds.ts';
import type { Mat3, Vec3 } from '../crystal/linalg.ts';
import { cross, matVec, norm, wrapUnit } from '../crystal/linalg.ts';
import { isElementSymbol } from '../crystal/elements.ts';
import { type Site, Structure } from '../crystal/structure.ts';
import { type AffineOp, findSpaceGroupSetting } from '../symmetry/spacegroups.ts';
import {
  type CifBlock,
  CifError,
  type CifParseOptions,
  type CifValue,
  cifItem,
  cifValues,
  isCifNull,
  parseCif,
  parseCifNumber,
} from './cif-syntax.ts';
import { SymmetryOperationError, formatSymmetryOperation, parseSymmetryOperation } from './symop.ts';
import { quoteForMessage } from '../text/safe-text.ts';

export { CifError, parseCif, parseCifNumber, isCifNull, cifValues, cifItem, cifLoopWith } from './cif-syntax.ts';
export type { CifBlock, CifFrame, CifLoop, CifValue, CifParseOptions } from './cif-syntax.ts';

export interface CifReadOptions extends CifParseOptions {
  /**
   * Accept sites with occupancy below 1 (disorder). Each is kept as a full atom and listed in `partialSites` and
   * `warnings`; where several species share one position only the most occupied is kept (also reported).
   * Without this option a partially occupied site is an error.
   */
  allowPartialOccupancy?: boolean;
  /** Images of sites closer than this (Å, periodic) are merged. Default 0.01 Å (see the file comment). */
  mergeTolerance?: number;
  /** A lower bound than MAX_EXPANDED_IMAGES_PER_FILE on the images (sites × operations) expanded in the file. */
  maxExpandedImagesPerFile?: number;
}

export interface PartialSite {
  label: string;
  species: string;
  occupancy: number;
  line: number;
}

export interface CifStructure {
  /** The data block name (after `data_`). */
  name: string;
  structure: Structure;
  warnings: string[];
  /** Space group as declared in the file (number and/or H-M symbol), when given. */
  declaredSpaceGroup: { number?: number; symbol?: string };
  /** Sites with occupancy < 1 (only with `allowPartialOccupancy`). */
  partialSites: PartialSite[];
  /** Number of atoms in the asymmetric unit as listed. */
  asymmetricUnitSize: number;
}

/** A site whose occupancy is below 1 − OCCUPANCY_TOLERANCE is partially occupied. */
const OCCUPANCY_TOLERANCE = 1e-3;
/** Atoms closer than this after expansion are reported as a likely problem (unmerged duplicates, disorder). */
const SUSPICIOUS_DISTANCE = 0.5;

const SYMOP_TAGS = [
  '_space_group_symop_operation_xyz',
  '_symmetry_equiv_pos_as_xyz',
  '_space_group_symop.operation_xyz',
  '_symmetry_equiv.pos_as_xyz',
];
// Written as the dictionaries spell them (look-ups are case-insensitive), so that messages quote familiar names.
const HALL_TAGS = ['_space_group_name_Hall', '_symmetry_space_group_name_Hall', '_space_group.name_Hall'];
const HM_TAGS = ['_space_group_name_H-M_alt', '_symmetry_space_group_name_H-M', '_space_group.name_H-M_alt'];
const NUMBER_TAGS = ['_space_group_IT_number', '_symmetry_Int_Tables_number', '_space_group.IT_number'];

/** Every block with atom sites, as a structure. Blocks without `_atom_site_fract_*`/`_atom_site_Cartn_*` are skipped. */
export function readCifStructures(text: string, options: CifReadOptions = {}): CifStructure[] {
  const blocks = parseCif(text, options);
  const budget = expansionBudget(options);
  return blocks.filter(hasAtomSites).map((block) => structureFromBlockWithLine(block, options, budget));
}

/** The first block with atom sites. Throws {@link CifError} when there is none. */
export function readCifStructure(text: string, options: CifReadOptions = {}): CifStructure {
  const blocks = parseCif(text, options);
  const block = blocks.find(hasAtomSites);
  if (!block) {
    throw new CifError(
      blocks.length === 0 ? 'no data_ block found' : `no block has atom sites (_atom_site_fract_x or _atom_site_Cartn_x); blocks: ${blocks.map((b) => b.name).join(', ')}`,
      blocks.length === 0 ? 1 : blocks[0]!.line,
      options.fileName ?? '<cif>',
    );
  }
  return structureFromBlockWithLine(block, options, expansionBudget(options));
}

/** `structureFromBlock`, with any error that is not yet a CifError given the block's file and line. */
function structureFromBlockWithLine(block: CifBlock, options: CifReadOptions, budget: ExpansionBudget): CifStructure {
  try {
    return structureFromBlock(block, options, budget);
  } catch (error) {
    if (error instanceof CifError) throw error;
    throw new CifError(`block data_${block.name}: ${(error as Error)?.message ?? String(error)}`, block.line, block.fileName);
  }
}

export function hasAtomSites(block: CifBlock): boolean {
  return cifValues(block, '_atom_site_fract_x').length > 0 || cifValues(block, '_atom_site_cartn_x').length > 0;
}

/** Number in a tag; errors name the tag and the line. */
function requiredNumber(block: CifBlock, tag: string): number {
  const value = cifItem(block, tag);
  if (value === undefined) {
    if (cifValues(block, tag).length > 0) throw new CifError(`${tag} must be a single value, not a loop`, block.line, block.fileName);
    throw new CifError(`block data_${block.name} has atom sites but no ${tag}`, block.line, block.fileName);
  }
  const number = isCifNull(value) ? undefined : parseCifNumber(value.text);
  if (number === undefined) throw new CifError(`${tag} is ${quoteForMessage(value.text)}, not a number`, value.line, block.fileName);
  return number;
}

function firstItemText(block: CifBlock, tags: readonly string[]): { text: string; line: number } | undefined {
  for (const tag of tags) {
    const value = cifItem(block, tag);
    if (value && !isCifNull(value) && value.text.trim() !== '') return { text: value.text.trim(), line: value.line };
  }
  return undefined;
}

/**
 * The element of an atom-site type symbol or label: 'Fe3+' → Fe, 'O2-' → O, 'Fe1' → Fe, 'O2A' → O, 'CL1' → Cl,
 * 'Ow' → O. Two-letter symbols are preferred when valid. Deuterium/tritium ('D', 'T') map to H.
 */
export function elementFromSiteSymbol(text: string): string | undefined {
  let letters = '';
  for (const ch of text) {
    if (/[A-Za-z]/.test(ch)) letters += ch;
    else break;
  }
  if (letters === '') return undefined;
  const first = letters[0]!.toUpperCase();
  if (letters.length >= 2) {
    const two = first + letters[1]!.toLowerCase();
    if (isElementSymbol(two)) return two;
  }
  if (isElementSymbol(first)) return first;
  if (first === 'D' || first === 'T') return 'H';
  return undefined;
}

interface AsymmetricSite {
  label: string;
  species: string;
  frac: Vec3;
  occupancy: number;
  wyckoff?: string;
  line: number;
}

function structureFromBlock(block: CifBlock, options: CifReadOptions, budget: ExpansionBudget): CifStructure {
  const fileName = block.fileName;
  const fail = (reason: string, line: number): never => {
    throw new CifError(reason, line, fileName);
  };
  const warnings: string[] = [];
  const length = (tag: string): number => {
    const value = requiredNumber(block, tag);
    const problem = latticeLengthProblem(value);
    if (problem) fail(`${tag}: ${problem}`, cifItem(block, tag)!.line);
    return value;
  };
  const a = length('_cell_length_a');
  const b = length('_cell_length_b');
  const c = length('_cell_length_c');
  const angle = (tag: string): number => {
    if (cifValues(block, tag).length === 0 || isCifNull(cifItem(block, tag))) {
      warnings.push(`${tag} missing; assuming 90°`);
      return 90;
    }
    return requiredNumber(block, tag);
  };
  const [alpha, beta, gamma] = [angle('_cell_angle_alpha'), angle('_cell_angle_beta'), angle('_cell_angle_gamma')];
  let lattice: Lattice;
  try {
    lattice = Lattice.fromParameters(a, b, c, alpha, beta, gamma);
  } catch (error) {
    const line = cifItem(block, '_cell_length_a')?.line ?? block.line;
    return fail(`invalid cell (${a}, ${b}, ${c}, ${alpha}, ${beta}, ${gamma}): ${(error as Error).message}`, line);
  }
  const cellLine = cifItem(block, '_cell_length_a')!.line;
  const shapeProblem = cellProblem(lattice);
  if (shapeProblem) fail(`invalid cell (${a}, ${b}, ${c}, ${alpha}, ${beta}, ${gamma}): ${shapeProblem}`, cellLine);

  const asymmetricUnit = readAtomSites(block, lattice, warnings, options);
  const partialSites: PartialSite[] = [];
  for (const site of asymmetricUnit) {
    if (site.occupancy < 1 - OCCUPANCY_TOLERANCE) {
      if (!options.allowPartialOccupancy) {
        fail(
          `site '${site.label}' (${site.species}) has occupancy ${site.occupancy}: partial occupancy (disorder) is not supported; pass allowPartialOccupancy (cfstudio: --allow-partial) to read it anyway`,
          site.line,
        );
      }
      partialSites.push({ label: site.label, species: site.species, occupancy: site.occupancy, line: site.line });
      warnings.push(`site '${site.label}' (${site.species}) is partially occupied (${site.occupancy}) but read as a full atom`);
    }
  }

  const declaredSpaceGroup = readDeclaredSpaceGroup(block);
  const operations = readOperations(block, warnings);
  const mergeTolerance = options.mergeTolerance ?? 0.01;
  const sites = expandAsymmetricUnit(asymmetricUnit, operations, lattice, mergeTolerance, options, warnings, fileName, budget);
  const densityProblem = cellProblem(lattice, sites.length);
  if (densityProblem) fail(`block data_${block.name}: ${densityProblem}`, cellLine);
  let structure: Structure;
  try {
    structure = new Structure(lattice, sites);
  } catch (error) {
    return fail(`invalid structure: ${(error as Error).message}`, block.line);
  }
  reportCloseContacts(structure, warnings);
  return { name: block.name, structure, warnings, declaredSpaceGroup, partialSites, asymmetricUnitSize: asymmetricUnit.length };
}

function readDeclaredSpaceGroup(block: CifBlock): { number?: number; symbol?: string } {
  const result: { number?: number; symbol?: string } = {};
  const symbol = firstItemText(block, HM_TAGS);
  if (symbol) result.symbol = symbol.text;
  const number = firstItemText(block, NUMBER_TAGS);
  const parsed = number ? parseCifNumber(number.text) : undefined;
  if (parsed !== undefined && Number.isInteger(parsed) && parsed >= 1 && parsed <= 230) result.number = parsed;
  return result;
}

function readAtomSites(block: CifBlock, lattice: Lattice, warnings: string[], options: CifReadOptions): AsymmetricSite[] {
  const fileName = block.fileName;
  const fractional = cifValues(block, '_atom_site_fract_x').length > 0;
  const axes = fractional ? ['_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z'] : ['_atom_site_Cartn_x', '_atom_site_Cartn_y', '_atom_site_Cartn_z'];
  const columns = axes.map((tag) => cifValues(block, tag));
  const count = columns[0]!.length;
  for (const [i, column] of columns.entries()) {
    if (column.length !== count) throw new CifError(`${axes[i]} has ${column.length} values but ${axes[0]} has ${count}`, block.line, fileName);
  }
  const optionalColumn = (tag: string): (CifValue | undefined)[] => {
    const values = cifValues(block, tag);
    return values.length === count ? values : new Array<CifValue | undefined>(count).fill(undefined);
  };
  const labels = optionalColumn('_atom_site_label');
  const typeSymbols = optionalColumn('_atom_site_type_symbol');
  const occupancies = optionalColumn('_atom_site_occupancy');
  const wyckoffSymbols = optionalColumn('_atom_site_wyckoff_symbol');
  const calcFlags = optionalColumn('_atom_site_calc_flag');
  const toFractional = fractional ? undefined : cartesianToFractional(block, lattice, warnings);

  const sites: AsymmetricSite[] = [];
  for (let row = 0; row < count; row++) {
    const line = columns[0]![row]!.line;
    const labelValue = labels[row];
    const label = labelValue && !isCifNull(labelValue) ? labelValue.text : `site ${row + 1}`;
    if (calcFlags[row] && calcFlags[row]!.text.toLowerCase() === 'dum') {
      warnings.push(`dummy site '${label}' (calc_flag dum) skipped`);
      continue;
    }
    const typeValue = typeSymbols[row];
    const symbolSource = typeValue && !isCifNull(typeValue) ? typeValue : labelValue && !isCifNull(labelValue) ? labelValue : undefined;
    if (!symbolSource) throw new CifError(`site ${row + 1} has neither _atom_site_type_symbol nor _atom_site_label`, line, fileName);
    const species = elementFromSiteSymbol(symbolSource.text);
    if (!species) throw new CifError(`cannot tell the element of site '${label}' from ${quoteForMessage(symbolSource.text)}`, symbolSource.line, fileName);
    if (/^[DT](?![a-z])/.test(symbolSource.text)) warnings.push(`site '${label}': '${symbolSource.text}' read as hydrogen`);
    const coords = columns.map((column, axis) => {
      const value = column[row]!;
      const number = isCifNull(value) ? undefined : parseCifNumber(value.text);
      if (number === undefined) throw new CifError(`site '${label}': ${axes[axis]} is ${quoteForMessage(value.text)}, not a number`, value.line, fileName);
      return number;
    }) as Vec3;
    const frac = toFractional ? toFractional(coords) : coords;
    const coordinateProblem = fractionalCoordinateProblem(frac);
    if (coordinateProblem) throw new CifError(`site '${label}': ${coordinateProblem}`, line, fileName);
    let occupancy = 1;
    const occupancyValue = occupancies[row];
    if (occupancyValue && !isCifNull(occupancyValue)) {
      const parsed = parseCifNumber(occupancyValue.text);
      if (parsed === undefined || parsed < 0) throw new CifError(`site '${label}': occupancy ${quoteForMessage(occupancyValue.text)} is not a number in [0, 1]`, occupancyValue.line, fileName);
      if (parsed > 1 + OCCUPANCY_TOLERANCE) throw new CifError(`site '${label}': occupancy ${parsed} is greater than 1`, occupancyValue.line, fileName);
      occupancy = Math.min(parsed, 1);
    }
    if (occupancy === 0 && options.allowPartialOccupancy) {
      warnings.push(`site '${label}' has occupancy 0 and is left out`);
      continue;
    }
    const wyckoffValue = wyckoffSymbols[row];
    const wyckoff = wyckoffValue && !isCifNull(wyckoffValue) ? /[a-zA-Z]$/.exec(wyckoffValue.text.trim())?.[0] : undefined;
    sites.push({ label, species, frac, occupancy, line, ...(wyckoff ? { wyckoff } : {}) });
  }
  if (sites.length === 0) throw new CifError(`block data_${block.name} lists no usable atom sites`, block.line, fileName);
  return sites;
}

/**
 * Cartesian → fractional: from `_atom_sites_fract_tran_matrix_ij`/`_vector_i` when given, else with the usual
 * orthogonalisation convention (a along x, b in the xy-plane, c* along z — as in the PDB and mmCIF).
 */
function cartesianToFractional(block: CifBlock, lattice: Lattice, warnings: string[]): (cart: Vec3) => Vec3 {
  const matrixValue = (i: number, j: number) => {
    const v = cifItem(block, `_atom_sites_fract_tran_matrix_${i}${j}`);
    return v && !isCifNull(v) ? parseCifNumber(v.text) : undefined;
  };
  const entries = [1, 2, 3].map((i) => [1, 2, 3].map((j) => matrixValue(i, j)));
  if (entries.every((row) => row.every((x) => x !== undefined))) {
    const m = entries as Mat3;
    const vector = [1, 2, 3].map((i) => {
      const v = cifItem(block, `_atom_sites_fract_tran_vector_${i}`);
      return (v && !isCifNull(v) ? parseCifNumber(v.text) : undefined) ?? 0;
    }) as Vec3;
    return (cart) => {
      const f = matVec(m, cart);
      return [f[0] + vector[0], f[1] + vector[1], f[2] + vector[2]];
    };
  }
  warnings.push('Cartesian atom coordinates read with the a‖x, b in xy-plane convention');
  const p = lattice.parameters;
  const deg = Math.PI / 180;
  const [ca, cb, cg, sg] = [Math.cos(p.alpha * deg), Math.cos(p.beta * deg), Math.cos(p.gamma * deg), Math.sin(p.gamma * deg)];
  const cx = p.c * cb;
  const cy = (p.c * (ca - cb * cg)) / sg;
  const cz = Math.sqrt(Math.max(p.c * p.c - cx * cx - cy * cy, 0));
  const standard = new Lattice([
    [p.a, 0, 0],
    [p.b * cg, p.b * sg, 0],
    [cx, cy, cz],
  ]);
  return (cart) => standard.getFractionalCoords(cart);
}

function readOperations(block: CifBlock, warnings: string[]): AffineOp[] {
  const fileName = block.fileName;
  for (const tag of SYMOP_TAGS) {
    const values = cifValues(block, tag).filter((v) => !isCifNull(v));
    if (values.length === 0) continue;
    if (values.length > MAX_SYMMETRY_OPERATIONS) {
      throw new CifError(`${tag} lists ${values.length} operations, more than this reader accepts (${MAX_SYMMETRY_OPERATIONS}; a space group in its conventional cell has at most 192)`, values[0]!.line, fileName);
    }
    const operations = values.map((value) => {
      try {
        return parseSymmetryOperation(value.text);
      } catch (error) {
        if (error instanceof SymmetryOperationError) throw new CifError(`${tag}: ${error.message}`, value.line, fileName);
        throw error;
      }
    });
    const notClosed = closureFailure(operations);
    if (notClosed) {
      const [i, j, product] = notClosed;
      throw new CifError(
        `the ${operations.length} operations of ${tag} are not a group: '${formatSymmetryOperation(operations[i]!)}' after '${formatSymmetryOperation(operations[j]!)}' gives '${formatSymmetryOperation(product)}', which is not listed`,
        values[0]!.line,
        fileName,
      );
    }
    return operations;
  }
  // No operations listed: the space group must be named.
  const candidates = [
    ...HALL_TAGS.map((tag) => ({ tag, value: firstItemText(block, [tag]) })),
    ...HM_TAGS.map((tag) => ({ tag, value: firstItemText(block, [tag]) })),
    ...NUMBER_TAGS.map((tag) => ({ tag, value: firstItemText(block, [tag]) })),
  ].filter((c) => c.value !== undefined);
  for (const { tag, value } of candidates) {
    let setting;
    try {
      setting = findSpaceGroupSetting(value!.text, HALL_TAGS.includes(tag) ? 'hall' : 'any');
    } catch (error) {
      throw new CifError(`resolving ${tag} '${value!.text}': ${(error as Error).message}`, value!.line, fileName);
    }
    if (setting) {
      warnings.push(`no symmetry operations listed; used those of space group ${setting.spaceGroup.number} (${tag} '${value!.text}')`);
      return setting.operations;
    }
    warnings.push(`${tag} '${value!.text}' is not a space group symbol this reader knows`);
  }
  if (candidates.length > 0) {
    const { tag, value } = candidates[0]!;
    throw new CifError(`no symmetry operations listed and ${tag} '${value!.text}' names no known space group`, value!.line, fileName);
  }
  warnings.push('no symmetry operations or space group given; assuming P1');
  return [
    {
      rotation: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      translation: [0, 0, 0],
    },
  ];
}

/**
 * Upper bounds on the expansion (sites × operations, i.e. images placed and merged), per block and per file, so
 * that no file makes the reader run for long: the per-file bound is under a second of work on an idle core
 * (`npm run bench:cif-parse` measures the cost of an image, parsing included). The largest inorganic cells (zeolites, ~200
 * sites × 192 operations) need ~40,000 images.
 */
export const MAX_EXPANDED_IMAGES = 200_000;
export const MAX_EXPANDED_IMAGES_PER_FILE = 500_000;
/** A space group has at most 192 operations in its conventional cell; non-standard (supercell) settings more. */
export const MAX_SYMMETRY_OPERATIONS = 1536;
const MAX_BINS_PER_AXIS = 1 << 16;
/**
 * Bins in all: about two per atom placed (at most 2^22), so keys stay small integers (fast Map keys) and a big cell
 * with few atoms does not spread them over billions of empty bins. Bins only need to be at least the tolerance
 * thick; thicker ones hold more atoms but let most look-ups stay in one bin (see `find`).
 */
const MAX_BINS = 1 << 22;

interface ExpansionBudget {
  /** Images the rest of the file may still place. */
  images: number;
}

function expansionBudget(options: CifReadOptions): ExpansionBudget {
  return { images: Math.min(options.maxExpandedImagesPerFile ?? MAX_EXPANDED_IMAGES_PER_FILE, MAX_EXPANDED_IMAGES_PER_FILE) };
}

/** Distances between opposite faces of the cell (Å): the thickness of the cell along each axis. */
function faceHeights(lattice: Lattice): Vec3 {
  const m = lattice.matrix;
  const volume = lattice.volume;
  return [volume / norm(cross(m[1], m[2])), volume / norm(cross(m[2], m[0])), volume / norm(cross(m[0], m[1]))];
}

/** Translations of a product closer than this (fractional, per component, periodic) to a listed one match it. */
const CLOSURE_TOLERANCE = 2e-3;
const CLOSURE_BINS = Math.floor(1 / CLOSURE_TOLERANCE);

/**
 * Checks that the listed operations are closed under composition modulo lattice translations (a finite closed set
 * of invertible operations is a group). Returns the first pair (i, j) whose product op_i ∘ op_j is missing, with
 * that product, or undefined. Listed translations are hashed on a grid of CLOSURE_TOLERANCE, so the check costs
 * one look-up (27 at worst) per product: n² products for n operations.
 */
function closureFailure(operations: readonly AffineOp[]): [number, number, AffineOp] | undefined {
  const table = new Map<number | string, Map<number, Vec3[]>>();
  const bin = (x: number) => Math.min(CLOSURE_BINS - 1, Math.floor(wrapUnit(x) * CLOSURE_BINS));
  const binKey = (i: number, j: number, k: number) => i + CLOSURE_BINS * (j + CLOSURE_BINS * k);
  for (const op of operations) {
    const key = rotationKey(op.rotation);
    let translations = table.get(key);
    if (!translations) table.set(key, (translations = new Map()));
    const t = op.translation;
    const cell = binKey(bin(t[0]), bin(t[1]), bin(t[2]));
    const members = translations.get(cell);
    if (members) members.push(t);
    else translations.set(cell, [t]);
  }
  const matches = (t: Vec3, listed: Vec3[] | undefined) =>
    listed?.some((u) => [0, 1, 2].every((k) => Math.abs(t[k]! - u[k]! - Math.round(t[k]! - u[k]!)) <= CLOSURE_TOLERANCE)) ?? false;
  const contains = (rotation: Mat3, t: Vec3): boolean => {
    const translations = table.get(rotationKey(rotation));
    if (!translations) return false;
    const [b0, b1, b2] = [bin(t[0]), bin(t[1]), bin(t[2])];
    if (matches(t, translations.get(binKey(b0, b1, b2)))) return true;
    for (let di = -1; di <= 1; di++) {
      for (let dj = -1; dj <= 1; dj++) {
        for (let dk = -1; dk <= 1; dk++) {
          const cell = binKey((b0 + di + CLOSURE_BINS) % CLOSURE_BINS, (b1 + dj + CLOSURE_BINS) % CLOSURE_BINS, (b2 + dk + CLOSURE_BINS) % CLOSURE_BINS);
          if (matches(t, translations.get(cell))) return true;
        }
      }
    }
    return false;
  };
  for (let i = 0; i < operations.length; i++) {
    const a = operations[i]!;
    for (let j = 0; j < operations.length; j++) {
      const b = operations[j]!;
      const rotation: Mat3 = [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ];
      const translation: Vec3 = [0, 0, 0];
      for (let r = 0; r < 3; r++) {
        const ar = a.rotation[r]!;
        for (let c = 0; c < 3; c++) rotation[r]![c] = ar[0]! * b.rotation[0]![c]! + ar[1]! * b.rotation[1]![c]! + ar[2]! * b.rotation[2]![c]!;
        translation[r] = ar[0]! * b.translation[0] + ar[1]! * b.translation[1] + ar[2]! * b.translation[2] + a.translation[r]!;
      }
      if (!contains(rotation, translation)) return [i, j, { rotation, translation }];
    }
  }
  return undefined;
}

/** A map key for an integer rotation matrix: a number when every entry is in −7…7 (always, in practice). */
function rotationKey(rotation: Mat3): number | string {
  let key = 0;
  for (const row of rotation) {
    for (const entry of row) {
      if (entry < -7 || entry > 7) return rotation.flat().join(',');
      key = key * 16 + entry + 8;
    }
  }
  return key;
}

interface PlacedAtom {
  frac: Vec3;
  source: AsymmetricSite;
}

/**
 * Spatial hash of atom positions on fractional coordinates, so that merging stays linear for large cells. Bins
 * are at least `tolerance` thick along each axis (measured between lattice planes), so two atoms closer than the
 * tolerance always sit in the same or neighbouring bins (periodically wrapped).
 */
class PositionIndex {
  private readonly m: Mat3;
  private readonly toleranceSquared: number;
  private readonly bins: Vec3;
  /** The tolerance in units of a bin's width along each axis: how close to a bin face a neighbour can be. */
  private readonly reach: Vec3;
  private readonly grid = new Map<number, number[]>();

  constructor(lattice: Lattice, tolerance: number, expectedAtoms: number) {
    this.m = lattice.matrix;
    this.toleranceSquared = tolerance * tolerance;
    const heights = faceHeights(lattice);
    const bins: Vec3 = [binCount(heights[0], tolerance), binCount(heights[1], tolerance), binCount(heights[2], tolerance)];
    const total = bins[0] * bins[1] * bins[2];
    const wanted = Math.min(MAX_BINS, Math.max(1, 2 * expectedAtoms));
    if (total > wanted) {
      const shrink = Math.cbrt(wanted / total);
      for (let axis = 0; axis < 3; axis++) bins[axis] = Math.max(1, Math.floor(bins[axis]! * shrink));
    }
    this.bins = bins;
    this.reach = [(tolerance * bins[0]) / heights[0], (tolerance * bins[1]) / heights[1], (tolerance * bins[2]) / heights[2]];
  }

  private bin(x: number, axis: 0 | 1 | 2): number {
    const n = this.bins[axis];
    return Math.min(n - 1, Math.floor(x * n));
  }

  private key(i: number, j: number, k: number): number {
    return i + this.bins[0] * (j + this.bins[1] * k);
  }

  add(p: Vec3, id: number): void {
    const key = this.key(this.bin(p[0], 0), this.bin(p[1], 1), this.bin(p[2], 2));
    const members = this.grid.get(key);
    if (members) members.push(id);
    else this.grid.set(key, [id]);
  }

  /** Index of an atom within the tolerance of `p` (periodic Cartesian distance), or -1. */
  find(p: Vec3, atoms: readonly PlacedAtom[]): number {
    const [n0, n1, n2] = this.bins;
    const b0 = this.bin(p[0], 0);
    const b1 = this.bin(p[1], 1);
    const b2 = this.bin(p[2], 2);
    // A neighbouring bin can hold a match only when p lies within the tolerance of the face they share: a Cartesian
    // step d changes the fractional coordinate along an axis by at most d / (the cell's height along it). With
    // fewer than 3 bins along an axis, every bin is a neighbour.
    const [r0, r1, r2] = this.reach;
    const f0 = p[0] * n0 - b0;
    const f1 = p[1] * n1 - b1;
    const f2 = p[2] * n2 - b2;
    const from0 = n0 < 3 ? 0 : f0 < r0 ? b0 - 1 : b0;
    const to0 = n0 < 3 ? n0 - 1 : 1 - f0 < r0 ? b0 + 1 : b0;
    const from1 = n1 < 3 ? 0 : f1 < r1 ? b1 - 1 : b1;
    const to1 = n1 < 3 ? n1 - 1 : 1 - f1 < r1 ? b1 + 1 : b1;
    const from2 = n2 < 3 ? 0 : f2 < r2 ? b2 - 1 : b2;
    const to2 = n2 < 3 ? n2 - 1 : 1 - f2 < r2 ? b2 + 1 : b2;
    for (let i = from0; i <= to0; i++) {
      const wi = (i + n0) % n0;
      for (let j = from1; j <= to1; j++) {
        const wj = (j + n1) % n1;
        for (let k = from2; k <= to2; k++) {
          const members = this.grid.get(this.key(wi, wj, (k + n2) % n2));
          if (members === undefined) continue;
          for (const id of members) if (this.coincident(atoms[id]!.frac, p)) return id;
        }
      }
    }
    return -1;
  }

  private coincident(p: Vec3, q: Vec3): boolean {
    const m = this.m;
    let dx = p[0] - q[0];
    let dy = p[1] - q[1];
    let dz = p[2] - q[2];
    dx -= Math.round(dx);
    dy -= Math.round(dy);
    dz -= Math.round(dz);
    const x = dx * m[0][0] + dy * m[1][0] + dz * m[2][0];
    const y = dx * m[0][1] + dy * m[1][1] + dz * m[2][1];
    const z = dx * m[0][2] + dy * m[1][2] + dz * m[2][2];
    return x * x + y * y + z * z < this.toleranceSquared;
  }
}

function binCount(height: number, tolerance: number): number {
  return Math.max(1, Math.min(MAX_BINS_PER_AXIS, Math.floor(height / tolerance)));
}

/**
 * Applies every operation to every asymmetric site and keeps one atom per position. An image that lands on an
 * atom already placed from the same site is a symmetry duplicate (special position). Landing on an atom of a
 * different site is either a repeated site (same element: merged, with a warning) or substitutional disorder
 * (different elements: error unless partial occupancy is allowed, then the more occupied site wins).
 */
function expandAsymmetricUnit(
  asymmetricUnit: AsymmetricSite[],
  operations: AffineOp[],
  lattice: Lattice,
  tolerance: number,
  options: CifReadOptions,
  warnings: string[],
  fileName: string,
  budget: ExpansionBudget,
): Site[] {
  const images = asymmetricUnit.length * operations.length;
  if (images > MAX_EXPANDED_IMAGES) {
    throw new CifError(
      `${asymmetricUnit.length} sites × ${operations.length} symmetry operations is more than this reader expands in one block (${MAX_EXPANDED_IMAGES} images)`,
      asymmetricUnit[0]!.line,
      fileName,
    );
  }
  if (images > budget.images) {
    throw new CifError(
      `this block's ${asymmetricUnit.length} sites × ${operations.length} symmetry operations would take the file past the ${options.maxExpandedImagesPerFile ?? MAX_EXPANDED_IMAGES_PER_FILE} images this reader expands per file; split the file`,
      asymmetricUnit[0]!.line,
      fileName,
    );
  }
  budget.images -= images;
  const index = new PositionIndex(lattice, tolerance, images);
  const placed: PlacedAtom[] = [];
  const reported = new Set<string>();
  for (const site of asymmetricUnit) {
    for (const op of operations) {
      const r = op.rotation;
      const f = site.frac;
      const image: Vec3 = [
        wrapUnit(r[0][0] * f[0] + r[0][1] * f[1] + r[0][2] * f[2] + op.translation[0]),
        wrapUnit(r[1][0] * f[0] + r[1][1] * f[1] + r[1][2] * f[2] + op.translation[1]),
        wrapUnit(r[2][0] * f[0] + r[2][1] * f[1] + r[2][2] * f[2] + op.translation[2]),
      ];
      const clashIndex = index.find(image, placed);
      if (clashIndex < 0) {
        index.add(image, placed.length);
        placed.push({ frac: image, source: site });
        continue;
      }
      const other = placed[clashIndex]!.source;
      if (other === site) continue;
      const key = `${other.label}|${site.label}`;
      if (other.species === site.species && !(site.occupancy < 1 - OCCUPANCY_TOLERANCE)) {
        if (!reported.has(key)) warnings.push(`site '${site.label}' coincides with site '${other.label}' (same element) and was merged into it`);
        reported.add(key);
        continue;
      }
      if (!options.allowPartialOccupancy) {
        // Two different elements at one position: with full occupancies that is an overlap (a broken structure),
        // not disorder; only sites with occupancy < 1 are the substitutional disorder --allow-partial reads.
        const partial = site.occupancy < 1 - OCCUPANCY_TOLERANCE || other.occupancy < 1 - OCCUPANCY_TOLERANCE;
        const distance = periodicDistance(lattice, image, placed[clashIndex]!.frac);
        const where = other.line === site.line ? '' : ` (line ${other.line})`;
        throw new CifError(
          partial
            ? `sites '${other.label}' (${other.species}, occupancy ${other.occupancy})${where} and '${site.label}' (${site.species}, occupancy ${site.occupancy}) share a position (${distance.toFixed(3)} Å apart): partial occupancy (disorder) is not supported; pass allowPartialOccupancy (cfstudio: --allow-partial) to keep the majority site`
            : `overlapping atoms: ${isIdentityOp(op) ? 'site' : 'a symmetry image of site'} '${site.label}' (${site.species}) lies ${distance.toFixed(3)} Å from an atom of site '${other.label}' (${other.species})${where}, closer than the ${tolerance} Å merge tolerance; atoms of different elements cannot share a position`,
          site.line,
          fileName,
        );
      }
      if (site.occupancy > other.occupancy) placed[clashIndex] = { frac: placed[clashIndex]!.frac, source: site };
      if (!reported.has(key)) {
        const [kept, dropped] = site.occupancy > other.occupancy ? [site, other] : [other, site];
        warnings.push(`sites '${kept.label}' and '${dropped.label}' share a position; kept '${kept.label}' (${kept.species}, occupancy ${kept.occupancy}), dropped '${dropped.label}' (${dropped.species}, occupancy ${dropped.occupancy})`);
      }
      reported.add(key);
    }
  }
  return placed.map(({ frac, source }) => ({ species: source.species, frac, label: source.label, ...(source.wyckoff ? { wyckoff: source.wyckoff } : {}) }));
}

function isIdentityOp(op: AffineOp): boolean {
  const r = op.rotation;
  return r.every((row, i) => row.every((x, j) => x === (i === j ? 1 : 0))) && op.translation.every((t) => Math.abs(t - Math.round(t)) < 1e-12);
}

/** Cartesian distance between two fractional positions, to the nearest periodic image of the difference (exact for near-overlaps). */
function periodicDistance(lattice: Lattice, p: Vec3, q: Vec3): number {
  const d: Vec3 = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
  for (let k = 0; k < 3; k++) d[k] = d[k]! - Math.round(d[k]!);
  const m = lattice.matrix;
  const x = d[0] * m[0][0] + d[1] * m[1][0] + d[2] * m[2][0];
  const y = d[0] * m[0][1] + d[1] * m[1][1] + d[2] * m[2][1];
  const z = d[0] * m[0][2] + d[1] * m[1][2] + d[2] * m[2][2];
  return Math.hypot(x, y, z);
}

function reportCloseContacts(structure: Structure, warnings: string[]): void {
  // The pairwise check is O(N²); past a few hundred atoms it costs more than it is worth. Distances use the
  // rounded fractional difference (an upper bound of the minimum-image distance, exact for near-overlaps),
  // never an image search whose size depends on the cell shape — a hostile cell must not make this slow.
  const n = structure.numSites;
  if (n > 500) return;
  const m = structure.lattice.matrix;
  const sites = structure.sites;
  let worst = { d: Infinity, i: -1, j: -1 };
  for (let i = 0; i < n; i++) {
    const p = sites[i]!.frac;
    for (let j = i + 1; j < n; j++) {
      const q = sites[j]!.frac;
      const dx = p[0] - q[0] - Math.round(p[0] - q[0]);
      const dy = p[1] - q[1] - Math.round(p[1] - q[1]);
      const dz = p[2] - q[2] - Math.round(p[2] - q[2]);
      const x = dx * m[0][0] + dy * m[1][0] + dz * m[2][0];
      const y = dx * m[0][1] + dy * m[1][1] + dz * m[2][1];
      const z = dx * m[0][2] + dy * m[1][2] + dz * m[2][2];
      const d = Math.sqrt(x * x + y * y + z * z);
      if (d < worst.d) worst = { d, i, j };
    }
  }
  if (worst.d < SUSPICIOUS_DISTANCE) {
    const si = sites[worst.i]!;
    const sj = sites[worst.j]!;
    warnings.push(`atoms '${si.label ?? si.species}' and '${sj.label ?? sj.species}' are only ${worst.d.toFixed(3)} Å apart (unmerged images or disorder?)`);
  }
}
