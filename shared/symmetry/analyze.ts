/**
 * Symmetry analysis of a structure into CrystalFormer's Wyckoff description (space group, lattice, one
 * representative per occupied orbit), and the reverse: building the full conventional cell from a description.
 */
import { Lattice, type LatticeParameters } from '../crystal/lattice.ts';
import type { Mat3, Vec3 } from '../crystal/linalg.ts';
import { inverse3, matMul3, matVec, transpose3, wrapUnit } from '../crystal/linalg.ts';
import { Structure, type Site } from '../crystal/structure.ts';
import { atomicNumber, elementSymbol } from '../crystal/elements.ts';
import type { MoyoDataset } from '@spglib/moyo-wasm';
import { moyoModule } from './moyo.ts';
import { DEFAULT_SYMPREC, analyzeStructureWithPivotTolerance } from './tolerance.ts';
import { type SymmetryDeadline, type SymmetryLimits, SYMMETRY_LIMITS, SymmetryLimitError, SymmetryTimeoutError, checkDeadline, checkSymmetryLimits } from './limits.ts';
import { symmetrizeLatticeParameters } from './lattice-rules.ts';
import {
  type AffineOp,
  type CrystalSystem,
  GENERIC_PARAMETERS,
  applyOp,
  getSpaceGroup,
  letterRank,
  periodicFracDistance,
  projectOntoForm,
  wyckoffKernel,
  wyckoffKernels,
} from './spacegroups.ts';

/** One occupied Wyckoff orbit: its letter, element and the representative point (on the position's form). */
export interface WyckoffSite {
  letter: string;
  species: string;
  frac: Vec3;
}

export interface WyckoffDescription {
  spaceGroup: number;
  /** Conventional cell of the standard setting; lengths in Å, angles in degrees. */
  lattice: LatticeParameters;
  /** Ordered by Wyckoff letter, then by (x, y, z). */
  sites: WyckoffSite[];
}

export interface SymmetryAnalysis {
  spaceGroup: number;
  symbol: string;
  crystalSystem: CrystalSystem;
  description: WyckoffDescription;
  /** The standardized conventional cell, exactly symmetric; every site carries its Wyckoff letter. */
  conventional: Structure;
  /** Wyckoff letter of each input site, in input order. */
  inputWyckoffLetters: string[];
}

export class SymmetryError extends Error {
  override name = 'SymmetryError';
}

export { DEFAULT_SYMPREC };

export { SYMMETRY_LIMITS, SymmetryLimitError, SymmetryTimeoutError, type SymmetryLimits } from './limits.ts';

export interface AnalyzeOptions {
  /** Distance tolerance in Å (spglib's meaning), default DEFAULT_SYMPREC. */
  symprec?: number;
  /**
   * Runs moyo's `analyze_cell` on the cell JSON at a tolerance. Default: moyo on this thread. Node callers pass one
   * that runs in a worker with a time limit (electron/symmetry/bounded.ts `analyzeStructureBounded`).
   */
  analyzeCell?: (cellJson: string, symprec: number) => MoyoDataset;
  /** When the JavaScript parts must stop (limits.ts); none by default. */
  deadline?: SymmetryDeadline;
  /** Checked before moyo is called; SYMMETRY_LIMITS by default. */
  limits?: SymmetryLimits;
}

/**
 * Find the space group of `s` and describe it by Wyckoff orbits in the ITA standard setting (moyo's
 * standardization: conventional cell, origin choice 2, hexagonal axes for R groups). Structures beyond
 * SYMMETRY_LIMITS are refused with SymmetryLimitError before moyo is called.
 */
export function analyzeStructure(s: Structure, options: AnalyzeOptions = {}): SymmetryAnalysis {
  const symprec = options.symprec ?? DEFAULT_SYMPREC;
  if (!(symprec > 0)) throw new Error(`symprec must be a positive length in Å, got ${symprec}`);
  if (s.numSites === 0) throw new SymmetryError('cannot analyse the symmetry of a structure without atoms');
  checkSymmetryLimits(s, options.limits ?? SYMMETRY_LIMITS);
  const analyzeCell = options.analyzeCell ?? ((cellJson: string, t: number) => moyoModule().analyze_cell(cellJson, t, 'Standard'));
  const deadline = options.deadline;
  let dataset;
  try {
    dataset = analyzeStructureWithPivotTolerance(s, symprec, analyzeCell, deadline);
  } catch (error) {
    if (error instanceof SymmetryTimeoutError || error instanceof SymmetryLimitError) throw error;
    throw new SymmetryError(`symmetry analysis failed (symprec ${symprec} Å): ${(error as Error)?.message ?? String(error)}`);
  }
  checkDeadline(deadline);
  const g = dataset.number;
  const group = getSpaceGroup(g);
  const basis = dataset.std_cell.lattice.basis;
  // moyo's cell basis lists the lattice vectors one after another (as in its input), i.e. rows of our matrix.
  let matrix: Mat3 = [
    [basis[0], basis[1], basis[2]],
    [basis[3], basis[4], basis[5]],
    [basis[6], basis[7], basis[8]],
  ];
  let positions: Vec3[] = dataset.std_cell.positions.map((p) => [p[0], p[1], p[2]]);
  let basisChange: Mat3 = IDENTITY;
  if (group.crystalSystem === 'monoclinic') {
    const reduced = reduceMonoclinicCell(g, matrix);
    matrix = matMul3(reduced.latticeTransform, matrix);
    basisChange = reduced.coordinateTransform;
    positions = positions.map((p) => matVec(basisChange, p));
  }
  const stdLattice = new Lattice(matrix);
  const lattice = symmetrizeLatticeParameters(g, stdLattice.parameters);
  const orbits = collectOrbits(g, stdLattice, positions, dataset.std_cell.numbers, Math.max(2 * symprec, 1e-4));
  checkDeadline(deadline);
  const { sites, shift } = canonicalDescription(g, orbits);
  const description: WyckoffDescription = { spaceGroup: g, lattice, sites };
  // moyo's letters refer to its own standardized cell; map them through the same cell change and origin shift.
  const letterMap = letterPermutation(g, basisChange, shift);
  return {
    spaceGroup: g,
    symbol: group.symbol,
    crystalSystem: group.crystalSystem,
    description,
    conventional: buildStructure(description),
    inputWyckoffLetters: dataset.wyckoffs.map((letter) => letterMap.get(letter) ?? letter),
  };
}

const IDENTITY: Mat3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

interface Orbit {
  atomicNumber: number;
  /** All points of the orbit, exactly symmetric, wrapped. */
  points: Vec3[];
}

/** Split the standardized cell into symmetry orbits, each exactly symmetrized. */
function collectOrbits(g: number, lattice: Lattice, positions: readonly Vec3[], numbers: readonly number[], tolerance: number): Orbit[] {
  const ops = getSpaceGroup(g).operations;
  const m = lattice.matrix;
  const distance = (a: Vec3, b: Vec3): number => {
    const r: Vec3 = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    for (let k = 0; k < 3; k++) r[k] -= Math.round(r[k]!);
    return Math.hypot(
      r[0] * m[0][0] + r[1] * m[1][0] + r[2] * m[2][0],
      r[0] * m[0][1] + r[1] * m[1][1] + r[2] * m[2][1],
      r[0] * m[0][2] + r[1] * m[1][2] + r[2] * m[2][2],
    );
  };
  const assigned = new Array<boolean>(positions.length).fill(false);
  const orbits: Orbit[] = [];
  for (let i = 0; i < positions.length; i++) {
    if (assigned[i]) continue;
    const z = numbers[i]!;
    const p0 = positions[i]!;
    // Symmetrize: average the images of p0 under its site-symmetry group (each image brought next to p0).
    const sum: Vec3 = [0, 0, 0];
    let stabiliserOrder = 0;
    for (const op of ops) {
      const image = applyOp(op, p0);
      if (distance(image, p0) > tolerance) continue;
      stabiliserOrder++;
      for (let k = 0; k < 3; k++) sum[k] += p0[k]! + (image[k]! - p0[k]! - Math.round(image[k]! - p0[k]!));
    }
    const points = distinctImages(ops, [sum[0] / stabiliserOrder, sum[1] / stabiliserOrder, sum[2] / stabiliserOrder]);
    // Mark the standardized-cell atoms of this orbit; a mismatch means the tolerance does not fit the cell.
    let members = 0;
    for (let j = i; j < positions.length; j++) {
      if (assigned[j] || numbers[j] !== z) continue;
      if (points.some((q) => distance(q, positions[j]!) <= tolerance)) {
        assigned[j] = true;
        members++;
      }
    }
    if (members !== points.length) {
      throw new SymmetryError(`space group ${g}: the orbit of ${elementSymbol(z)} at (${p0.map((x) => x.toFixed(4)).join(', ')}) has ${points.length} points but the standardized cell holds ${members}`);
    }
    orbits.push({ atomicNumber: z, points });
  }
  return orbits;
}

/**
 * Choose one description among the equivalent ones that differ by an origin shift of the Euclidean normalizer
 * (e.g. NaCl as Na 4a + Cl 4b or Na 4b + Cl 4a; moyo's choice depends on the input). Rule: the smallest letter
 * sequence, then the smallest atomic-number sequence, then the smallest coordinates. Only discrete shifts are
 * tried (components in quarters and, for hexagonal axes, thirds), not continuous shifts along polar axes.
 *
 * Within one description, each orbit is represented as follows: its Wyckoff position is the one whose multiplicity
 * equals the orbit size and whose representative form contains an orbit member; among all orbit members on that
 * form, the representative is the one whose wrapped (x, y, z), rounded to 1e-6, is lexicographically smallest.
 */
function canonicalDescription(g: number, orbits: readonly Orbit[]): { sites: WyckoffSite[]; shift: Vec3 } {
  let best: { sites: WyckoffSite[]; shift: Vec3; key: string } | undefined;
  for (const shift of originShifts(g)) {
    const sites = sortSites(
      orbits.map((orbit) =>
        representativeSite(
          g,
          orbit.points.map((p): Vec3 => [wrapUnit(p[0] + shift[0]), wrapUnit(p[1] + shift[1]), wrapUnit(p[2] + shift[2])]),
          elementSymbol(orbit.atomicNumber),
        ),
      ),
    );
    const key = descriptionKey(sites);
    if (!best || key < best.key) best = { sites, shift, key };
  }
  return { sites: best!.sites, shift: best!.shift };
}

function descriptionKey(sites: readonly WyckoffSite[]): string {
  const letters = sites.map((s) => String.fromCharCode(65 + letterRank(s.letter))).join('');
  const numbers = sites.map((s) => String(atomicNumber(s.species)).padStart(3, '0')).join('');
  const coordinates = sites.map((s) => s.frac.map((x) => roundCoordinate(x).toFixed(6)).join(',')).join(';');
  return `${letters}|${numbers}|${coordinates}`;
}

const shiftCache = new Map<number, Vec3[]>();

/** Discrete origin shifts t that map the group onto itself: every (R, τ) has (R, τ + (I − R)t) in the group. */
function originShifts(g: number): Vec3[] {
  let shifts = shiftCache.get(g);
  if (shifts) return shifts;
  const ops = getSpaceGroup(g).operations;
  const quarters = [0, 0.25, 0.5, 0.75];
  const candidates: Vec3[] = [];
  for (const x of quarters) for (const y of quarters) for (const z of quarters) candidates.push([x, y, z]);
  if (getSpaceGroup(g).crystalSystem === 'hexagonal' || getSpaceGroup(g).crystalSystem === 'trigonal') {
    for (const z of quarters) candidates.push([1 / 3, 2 / 3, z], [2 / 3, 1 / 3, z]);
  }
  const centring = ops.filter((op) => isTranslation(op)).map((op) => op.translation);
  shifts = [];
  for (const t of candidates) {
    // Skip shifts equivalent to one already kept (they differ by a centring translation).
    if (shifts.some((kept) => centring.some((c) => periodicFracDistance([kept[0] + c[0], kept[1] + c[1], kept[2] + c[2]], t) < 1e-9))) continue;
    const normalizes = ops.every((op) => {
      const r = op.rotation;
      const moved: Vec3 = [
        op.translation[0] + t[0] - (r[0][0] * t[0] + r[0][1] * t[1] + r[0][2] * t[2]),
        op.translation[1] + t[1] - (r[1][0] * t[0] + r[1][1] * t[1] + r[1][2] * t[2]),
        op.translation[2] + t[2] - (r[2][0] * t[0] + r[2][1] * t[1] + r[2][2] * t[2]),
      ];
      return ops.some((other) => sameRotation(other, op) && periodicFracDistance(other.translation, moved) < 1e-9);
    });
    if (normalizes) shifts.push(t);
  }
  shiftCache.set(g, shifts);
  return shifts;
}

function isTranslation(op: AffineOp): boolean {
  const r = op.rotation;
  return r[0][0] === 1 && r[1][1] === 1 && r[2][2] === 1 && r[0][1] === 0 && r[0][2] === 0 && r[1][0] === 0 && r[1][2] === 0 && r[2][0] === 0 && r[2][1] === 0;
}

function sameRotation(a: AffineOp, b: AffineOp): boolean {
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (a.rotation[i]![j] !== b.rotation[i]![j]) return false;
  return true;
}

interface MonoclinicReduction {
  /** Rows: new lattice vectors in terms of the old ones (new matrix = latticeTransform · old matrix). */
  latticeTransform: Mat3;
  /** New fractional coordinates (column) = coordinateTransform · old ones. */
  coordinateTransform: Mat3;
}

const monoclinicCache = new Map<number, MonoclinicReduction[]>();

/**
 * Cell changes in the a–c plane (b → ±b, determinant +1, coefficients −2…2) that keep the group's operations
 * exactly as they are (so centring and glide letters stay those of the standard symbol).
 */
function monoclinicCellChanges(g: number): MonoclinicReduction[] {
  let changes = monoclinicCache.get(g);
  if (changes) return changes;
  const ops = getSpaceGroup(g).operations;
  changes = [];
  const range = [-2, -1, 0, 1, 2];
  for (const s of [1, -1]) {
    for (const i of range) for (const j of range) for (const k of range) for (const l of range) {
      if (s * (i * l - j * k) !== 1) continue;
      const latticeTransform: Mat3 = [
        [i, 0, j],
        [0, s, 0],
        [k, 0, l],
      ];
      // Fractional coordinates transform with the inverse transpose of the basis change.
      const coordinateTransform = transpose3(inverse3(latticeTransform));
      const inverseCoordinate = inverse3(coordinateTransform);
      const preserved = ops.every((op) => {
        const rotation = matMul3(matMul3(coordinateTransform, op.rotation), inverseCoordinate);
        const translation = matVec(coordinateTransform, op.translation);
        if (rotation.some((row) => row.some((v) => Math.abs(v - Math.round(v)) > 1e-9))) return false;
        const rounded = rotation.map((row) => row.map((v) => Math.round(v))) as Mat3;
        return ops.some((other) => sameRotation(other, { rotation: rounded, translation }) && periodicFracDistance(other.translation, translation) < 1e-9);
      });
      if (preserved) changes.push({ latticeTransform, coordinateTransform });
    }
  }
  monoclinicCache.set(g, changes);
  return changes;
}

/**
 * moyo standardizes monoclinic groups to unique axis b but does not reduce the a–c plane (β-Ga2O3 comes back with
 * β = 126° instead of the usual 103.8°). Choose the allowed cell with the shortest a + c, then β ≥ 90° closest to 90°.
 */
function reduceMonoclinicCell(g: number, matrix: Mat3): MonoclinicReduction {
  let best: { change: MonoclinicReduction; key: [number, number, number] } | undefined;
  for (const change of monoclinicCellChanges(g)) {
    const m = matMul3(change.latticeTransform, matrix);
    const a = Math.hypot(...m[0]);
    const c = Math.hypot(...m[2]);
    const beta = (Math.acos(Math.max(-1, Math.min(1, (m[0][0] * m[2][0] + m[0][1] * m[2][1] + m[0][2] * m[2][2]) / (a * c)))) * 180) / Math.PI;
    const key: [number, number, number] = [Math.round((a + c) * 1e6), beta >= 90 - 1e-6 ? 0 : 1, Math.round(Math.abs(beta - 90) * 1e6)];
    if (!best || key[0] < best.key[0] || (key[0] === best.key[0] && (key[1] < best.key[1] || (key[1] === best.key[1] && key[2] < best.key[2])))) {
      best = { change, key };
    }
  }
  return best!.change;
}

/** Where each Wyckoff letter goes under p → basisChange·p + shift (a normalizer element permutes the positions). */
const permutationCache = new Map<string, Map<string, string>>();

function letterPermutation(g: number, basisChange: Mat3, shift: Vec3): Map<string, string> {
  const key = `${g}|${basisChange.flat().join(',')}|${shift.join(',')}`;
  const cached = permutationCache.get(key);
  if (cached) return cached;
  const group = getSpaceGroup(g);
  const map = new Map<string, string>();
  permutationCache.set(key, map);
  for (const w of group.wyckoffPositions) {
    const p = matVec(basisChange, applyOp(w.representative, GENERIC_PARAMETERS));
    const moved: Vec3 = [p[0] + shift[0], p[1] + shift[1], p[2] + shift[2]];
    map.set(w.letter, representativeSite(g, distinctImages(group.operations, moved), 'H').letter);
  }
  return map;
}

function distinctImages(ops: readonly AffineOp[], point: Vec3): Vec3[] {
  const images: Vec3[] = [];
  for (const op of ops) {
    const q = applyOp(op, point);
    const image: Vec3 = [wrapUnit(q[0]), wrapUnit(q[1]), wrapUnit(q[2])];
    if (!images.some((seen) => periodicFracDistance(seen, image) < 1e-6)) images.push(image);
  }
  return images;
}

function roundCoordinate(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r >= 1 ? 0 : r;
}

function compareCoordinates(a: Vec3, b: Vec3): number {
  for (let k = 0; k < 3; k++) {
    const d = roundCoordinate(a[k]!) - roundCoordinate(b[k]!);
    if (d !== 0) return d;
  }
  return 0;
}

function representativeSite(g: number, orbit: readonly Vec3[], species: string): WyckoffSite {
  const group = getSpaceGroup(g);
  const kernels = wyckoffKernels(g);
  const projected: Vec3 = [0, 0, 0];
  for (let w = 0; w < group.wyckoffPositions.length; w++) {
    const position = group.wyckoffPositions[w]!;
    if (position.multiplicity !== orbit.length) continue;
    let best: Vec3 | undefined;
    for (const q of orbit) {
      if (projectOntoForm(kernels[w]!, q, projected) > 1e-12) continue;
      const candidate: Vec3 = [wrapUnit(projected[0]), wrapUnit(projected[1]), wrapUnit(projected[2])];
      if (!best || compareCoordinates(candidate, best) < 0) best = candidate;
    }
    if (best) return { letter: position.letter, species, frac: best };
  }
  throw new SymmetryError(`space group ${g}: no Wyckoff position of multiplicity ${orbit.length} contains the ${species} orbit through (${orbit[0]!.map((x) => x.toFixed(4)).join(', ')})`);
}

/** Sort sites as CrystalFormer does (crystalformer.md §1.4): by letter, ties by wrapped (x, y, z). */
export function sortSites(sites: WyckoffSite[]): WyckoffSite[] {
  return sites.sort((p, q) => letterRank(p.letter) - letterRank(q.letter) || compareCoordinates(p.frac, q.frac));
}

/**
 * Expand a Wyckoff description into the conventional cell. Each representative is first moved onto its
 * position's form (if it is off the form, the general-position image closest to the form is used, as
 * CrystalFormer's awl2struct does), then mapped by the position's orbit operations. Atoms of the same element
 * closer than `mergeTolerance` Å (default 0.01) are merged — that happens when a free coordinate takes a special
 * value; atoms of different elements are never merged, so overlaps stay visible to validity checks.
 */
export function buildStructure(d: WyckoffDescription, options: { mergeTolerance?: number } = {}): Structure {
  const mergeTolerance = options.mergeTolerance ?? 0.01;
  const lattice = Lattice.fromLatticeParameters(d.lattice);
  const group = getSpaceGroup(d.spaceGroup);
  const m = lattice.matrix;
  const m00 = m[0][0], m01 = m[0][1], m02 = m[0][2], m10 = m[1][0], m11 = m[1][1], m12 = m[1][2], m20 = m[2][0], m21 = m[2][1], m22 = m[2][2];
  const tol2 = mergeTolerance * mergeTolerance;

  // Flat storage of the atoms placed so far, for the merge test without per-atom allocation.
  let capacity = 64;
  let coords = new Float64Array(3 * capacity);
  let elements = new Int32Array(capacity);
  let count = 0;
  const sites: Site[] = [];
  const onForm: Vec3 = [0, 0, 0];
  const trial: Vec3 = [0, 0, 0];

  d.sites.forEach((site, index) => {
    const kernel = wyckoffKernel(d.spaceGroup, site.letter);
    const z = atomicNumberForSite(site, index);
    if (!site.frac.every(Number.isFinite)) throw new Error(`site ${index} (${site.species} ${site.letter}) has a non-finite coordinate`);
    if (projectOntoForm(kernel, site.frac, onForm) > 1e-10) {
      let bestError = Infinity;
      for (const op of group.operations) {
        const image = applyOp(op, site.frac);
        const error = projectOntoForm(kernel, image, trial);
        if (error < bestError) {
          bestError = error;
          onForm[0] = trial[0];
          onForm[1] = trial[1];
          onForm[2] = trial[2];
        }
      }
    }
    const ops = kernel.orbitOps;
    for (let k = 0; k < kernel.multiplicity; k++) {
      const o = 12 * k;
      const x = wrapUnit(ops[o]! * onForm[0] + ops[o + 1]! * onForm[1] + ops[o + 2]! * onForm[2] + ops[o + 9]!);
      const y = wrapUnit(ops[o + 3]! * onForm[0] + ops[o + 4]! * onForm[1] + ops[o + 5]! * onForm[2] + ops[o + 10]!);
      const w = wrapUnit(ops[o + 6]! * onForm[0] + ops[o + 7]! * onForm[1] + ops[o + 8]! * onForm[2] + ops[o + 11]!);
      let duplicate = false;
      for (let j = 0; j < count; j++) {
        if (elements[j] !== z) continue;
        // Nearest-image difference by rounding is exact for distances far below the cell size (the merge case).
        let dx = coords[3 * j]! - x;
        let dy = coords[3 * j + 1]! - y;
        let dz = coords[3 * j + 2]! - w;
        dx -= Math.round(dx);
        dy -= Math.round(dy);
        dz -= Math.round(dz);
        const cx = dx * m00 + dy * m10 + dz * m20;
        const cy = dx * m01 + dy * m11 + dz * m21;
        const cz = dx * m02 + dy * m12 + dz * m22;
        if (cx * cx + cy * cy + cz * cz < tol2) {
          duplicate = true;
          break;
        }
      }
      if (duplicate) continue;
      if (count === capacity) {
        capacity *= 2;
        const grownCoords = new Float64Array(3 * capacity);
        grownCoords.set(coords);
        coords = grownCoords;
        const grownElements = new Int32Array(capacity);
        grownElements.set(elements);
        elements = grownElements;
      }
      coords[3 * count] = x;
      coords[3 * count + 1] = y;
      coords[3 * count + 2] = w;
      elements[count] = z;
      count++;
      sites.push({ species: site.species, frac: [x, y, w], wyckoff: site.letter });
    }
  });
  return new Structure(lattice, sites);
}

function atomicNumberForSite(site: WyckoffSite, index: number): number {
  try {
    return atomicNumber(site.species);
  } catch {
    throw new Error(`site ${index} (Wyckoff ${site.letter}) has unknown element '${site.species}'`);
  }
}

/** A compact label of the Wyckoff sequence, e.g. '225-a-Na-b-Cl' (space group, then letter-element per site). */
export function wyckoffSequenceLabel(d: WyckoffDescription): string {
  return [String(d.spaceGroup), ...d.sites.map((s) => `${s.letter}-${s.species}`)].join('-');
}
