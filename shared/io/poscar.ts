/**
 * VASP POSCAR/CONTCAR files (VASP 5 format, with the element-name line).
 *
 * Layout: comment; scale (one number, or three per-axis factors; a negative single value is the cell volume in
 * Å³); three lattice vectors; element names; counts; optional 'Selective dynamics'; 'Direct' or 'Cartesian'
 * (only the first letter counts: D, C or K); one position per atom (selective-dynamics flags and trailing
 * labels are ignored). Element names may carry POTCAR suffixes ('Fe_pv', 'Fe/1a2b…'). A VASP 4 file (no
 * element line) is accepted when the comment line starts with the element names, as pymatgen writes it.
 */
import { Lattice } from '../crystal/lattice.ts';
import { safeMessageLine } from '../text/safe-text.ts';
import type { Mat3, Vec3 } from '../crystal/linalg.ts';
import { isElementSymbol } from '../crystal/elements.ts';
import { Composition } from '../crystal/composition.ts';
import { type Site, Structure } from '../crystal/structure.ts';
import { cellProblem, fractionalCoordinateProblem, latticeLengthProblem } from '../crystal/cell-bounds.ts';

export class PoscarError extends Error {
  override name = 'PoscarError';
  readonly line: number;
  readonly fileName: string;
  constructor(reason: string, line: number, fileName = '<POSCAR>') {
    // Reasons quote the file's own text and the name may be anything: escaped and bounded (shared/text/safe-text.ts).
    super(safeMessageLine(`${fileName}:${line}: ${reason}`));
    this.line = line;
    this.fileName = fileName;
  }
}

export interface PoscarReadOptions {
  fileName?: string;
}

export interface PoscarResult {
  comment: string;
  structure: Structure;
  /** True when the file had a 'Selective dynamics' section (the flags themselves are not kept). */
  selectiveDynamics: boolean;
}

// Numbers as Fortran writes them, including 'D' exponents; anchored and unambiguous (linear-time).
const FLOAT_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eEdD][+-]?\d+)?$/;

function parseFloatStrict(text: string): number | undefined {
  if (text.length > 64 || !FLOAT_PATTERN.test(text)) return undefined;
  const value = Number(text.replace(/[dD]/, 'e'));
  return Number.isFinite(value) ? value : undefined;
}

function elementOfPotcarName(name: string): string | undefined {
  const base = name.split(/[_/.]/)[0]!;
  return isElementSymbol(base) ? base : undefined;
}

export function readPoscar(text: string, options: PoscarReadOptions = {}): PoscarResult {
  const fileName = options.fileName ?? '<POSCAR>';
  const lines = text.split(/\r\n|\r|\n/);
  const fail = (reason: string, line: number): never => {
    throw new PoscarError(reason, line, fileName);
  };
  // Line numbers below are 1-based; `at(n)` is the text of line n.
  const at = (n: number): string => {
    const line = lines[n - 1];
    if (line === undefined) fail('file ends too early', n);
    return line!;
  };
  const words = (n: number) => at(n).trim().split(/\s+/).filter((w) => w !== '');
  const numbers = (n: number, count: number, what: string): number[] => {
    const w = words(n);
    if (w.length === 0 && lines.slice(n - 1).every((l) => l.trim() === '')) fail(`file ends too early (${what} missing)`, n);
    if (w.length < count) fail(`${what}: expected ${count} numbers, found ${w.length}`, n);
    return w.slice(0, count).map((x) => parseFloatStrict(x) ?? fail(`${what}: '${x}' is not a number`, n));
  };

  const comment = at(1).trim();
  const scaleWords = words(2);
  if (scaleWords.length === 0) fail('scale factor: line is empty', 2);
  const scaleCount = scaleWords.length >= 3 && scaleWords.slice(0, 3).every((w) => parseFloatStrict(w) !== undefined) ? 3 : 1;
  const scale = numbers(2, scaleCount, 'scale factor');
  let matrix = [3, 4, 5].map((n) => numbers(n, 3, `lattice vector ${n - 2}`)) as Mat3;

  let line = 6;
  let speciesNames: string[];
  const sixth = words(6);
  if (sixth.length > 0 && sixth.every((w) => /^\d+$/.test(w))) {
    // VASP 4: no element line; take the names from the comment.
    const fromComment = comment.split(/\s+/).map(elementOfPotcarName);
    if (fromComment.length < sixth.length || fromComment.slice(0, sixth.length).some((e) => e === undefined)) {
      fail('no element names (VASP 4 format) and the comment line does not start with them', 6);
    }
    speciesNames = fromComment.slice(0, sixth.length) as string[];
  } else {
    speciesNames = sixth.map((name) => elementOfPotcarName(name) ?? fail(`'${name}' is not an element symbol`, 6));
    line = 7;
  }
  const countWords = words(line);
  if (countWords.length !== speciesNames.length) fail(`${speciesNames.length} element names but ${countWords.length} counts`, line);
  const counts = countWords.map((w) => (/^\d+$/.test(w) ? Number(w) : fail(`atom count '${w}' is not a non-negative integer`, line)));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) fail('no atoms', line);
  line++;

  let selectiveDynamics = false;
  if (/^\s*[sS]/.test(at(line))) {
    selectiveDynamics = true;
    line++;
  }
  const mode = at(line).trim()[0];
  let cartesian: boolean;
  if (mode === 'D' || mode === 'd') cartesian = false;
  else if (mode === 'C' || mode === 'c' || mode === 'K' || mode === 'k') cartesian = true;
  else return fail(`expected 'Direct' or 'Cartesian', found '${at(line).trim()}'`, line);
  line++;

  // Scale: one positive factor multiplies everything; a negative one is the wanted volume; three scale axes.
  const rawVolume = Math.abs(matrix[0][0] * (matrix[1][1] * matrix[2][2] - matrix[1][2] * matrix[2][1]) - matrix[0][1] * (matrix[1][0] * matrix[2][2] - matrix[1][2] * matrix[2][0]) + matrix[0][2] * (matrix[1][0] * matrix[2][1] - matrix[1][1] * matrix[2][0]));
  let factors: Vec3;
  if (scale.length === 3) {
    if (scale.some((s) => s <= 0)) fail('per-axis scale factors must be positive', 2);
    factors = scale as Vec3;
  } else if (scale[0]! < 0) {
    if (rawVolume === 0) fail('lattice vectors are linearly dependent', 3);
    const f = Math.cbrt(-scale[0]! / rawVolume);
    factors = [f, f, f];
  } else if (scale[0]! > 0) {
    factors = [scale[0]!, scale[0]!, scale[0]!];
  } else {
    return fail('scale factor is 0', 2);
  }
  matrix = matrix.map((row) => [row[0] * factors[0], row[1] * factors[1], row[2] * factors[2]]) as Mat3;
  matrix.forEach((row, axis) => {
    const problem = latticeLengthProblem(Math.hypot(row[0], row[1], row[2]));
    if (problem) fail(`lattice vector ${axis + 1} (after scaling): ${problem}`, 3 + axis);
  });
  let lattice: Lattice;
  try {
    lattice = new Lattice(matrix);
  } catch (error) {
    return fail(`invalid lattice: ${(error as Error).message}`, 3);
  }
  const shapeProblem = cellProblem(lattice);
  if (shapeProblem) fail(`invalid lattice: ${shapeProblem}`, 3);

  const sites: Site[] = [];
  speciesNames.forEach((species, kind) => {
    for (let k = 0; k < counts[kind]!; k++) {
      const position = numbers(line, 3, `position of atom ${sites.length + 1}`) as Vec3;
      const frac = cartesian ? lattice.getFractionalCoords([position[0] * factors[0], position[1] * factors[1], position[2] * factors[2]]) : position;
      const coordinateProblem = fractionalCoordinateProblem(frac);
      if (coordinateProblem) fail(`position of atom ${sites.length + 1}: ${coordinateProblem}`, line);
      sites.push({ species, frac });
      line++;
    }
  });
  const densityProblem = cellProblem(lattice, sites.length);
  if (densityProblem) fail(`invalid lattice: ${densityProblem}`, 3);
  let structure: Structure;
  try {
    structure = new Structure(lattice, sites);
  } catch (error) {
    return fail(`invalid structure: ${(error as Error).message}`, line);
  }
  return { comment, structure, selectiveDynamics };
}

export interface PoscarWriteOptions {
  /** First line; defaults to the reduced formula. Newlines are replaced by spaces. */
  comment?: string;
  /** Write Cartesian positions in Å instead of fractional ('Direct') ones. */
  cartesian?: boolean;
}

/**
 * POSCAR in VASP 5 format, scale 1. Atoms are grouped by element in order of first appearance (VASP needs each
 * element in one block); within an element the input order is kept.
 */
export function writePoscar(structure: Structure, options: PoscarWriteOptions = {}): string {
  const order: string[] = [];
  const groups = new Map<string, Site[]>();
  for (const site of structure.sites) {
    if (!groups.has(site.species)) {
      groups.set(site.species, []);
      order.push(site.species);
    }
    groups.get(site.species)!.push(site);
  }
  const number = (x: number) => {
    const text = x.toFixed(10);
    return (text.startsWith('-') ? '' : ' ') + (text === '-0.0000000000' ? '0.0000000000' : text);
  };
  const comment = (options.comment ?? Composition.fromStructure(structure).reducedFormula).replace(/[\r\n]+/g, ' ');
  const lines = [comment, '1.0'];
  for (const row of structure.lattice.matrix) lines.push(`  ${row.map(number).join('  ')}`);
  lines.push(`  ${order.join('  ')}`, `  ${order.map((s) => groups.get(s)!.length).join('  ')}`, options.cartesian ? 'Cartesian' : 'Direct');
  for (const species of order) {
    for (const site of groups.get(species)!) {
      const p = options.cartesian ? structure.lattice.getCartesianCoords(site.frac) : site.frac;
      lines.push(`  ${p.map(number).join('  ')}  ${species}`);
    }
  }
  return lines.join('\n') + '\n';
}
