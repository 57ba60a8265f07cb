/**
 * A symmetry-aware structure matcher for uniqueness and novelty.
 *
 * Preparation (once per structure, `prepareForMatching`): moyo finds the space group at `symprec` and gives the
 * standardized primitive cell (atoms symmetrized onto their orbits); its basis is then reduced (LLL + local
 * improvement). The fingerprint kept beside it is the reduced composition, the space group and the multiset of
 * Wyckoff orbits as (element, multiplicity in the conventional cell) — all invariant under change of setting,
 * origin, supercell and the equivalent Wyckoff descriptions of one crystal.
 *
 * Matching (`structuresMatch`) follows the algorithm of pymatgen's `StructureMatcher.fit` with its default
 * tolerances (ltol 0.2, stol 0.3, angle_tol 5°, primitive_cell, scale, no supercells):
 *  1. same reduced composition and the same number of atoms in the primitive cell;
 *  2. both cells scaled to the same volume (geometric mean), when `scale`;
 *  3. every basis of A's lattice whose vector lengths are within a factor (1 + ltol) of B's and whose angles are
 *     within angle_tol of B's, with a unimodular integer transformation (proper or improper), is tried;
 *  4. for each, A's atoms in that basis and B's atoms are compared on the lattice with the averaged parameters:
 *     B is translated so that one atom of its rarest element sits on each atom of that element in A; a quick
 *     per-axis fractional tolerance check (2·stol·(V/N)^⅓ / face height, as pymatgen) must pass; then atoms of
 *     each element are paired by minimum total squared distance (Hungarian method), the mean displacement is
 *     removed, and the structures match when every remaining displacement is below stol·(V/N)^⅓.
 * The symmetry part — requiring the same space group and Wyckoff multiset before geometry is compared — is
 * decided by the caller (evaluate.ts), as CrystalFormer compares only within one space group.
 */
import type { Mat3, Vec3 } from '../../shared/crystal/linalg.ts';
import { det3, dot, inverse3, norm } from '../../shared/crystal/linalg.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { atomicNumber, elementSymbol } from '../../shared/crystal/elements.ts';
import { SymmetryTimeoutError, analyzeCellWithTimeout } from '../symmetry/guard.ts';
import { checkSymmetryLimits } from '../../shared/symmetry/limits.ts';
import { DegenerateCellError, faceHeights, latticePointsWithin, reduceBasis } from '../../shared/crystal/geometry.ts';
import { minimumCostAssignment } from './assignment.ts';

export interface MatchTolerances {
  /** Fractional length tolerance (pymatgen ltol). */
  ltol: number;
  /** Site tolerance in units of (V/N)^⅓ (pymatgen stol). */
  stol: number;
  /** Angle tolerance in degrees. */
  angleTol: number;
  /** Compare at equal volume (pymatgen scale=True): structures differing only by a uniform strain match. */
  scale: boolean;
}

/** pymatgen StructureMatcher defaults, also used by MatterGen (novelty/uniqueness) and CrystalFormer (S.U.N.). */
export const DEFAULT_MATCH_TOLERANCES: Readonly<MatchTolerances> = Object.freeze({ ltol: 0.2, stol: 0.3, angleTol: 5, scale: true });

/** A structure reduced for matching, plus its fingerprint. */
export interface MatchableStructure {
  /** Reduced primitive basis, rows = lattice vectors (Å). */
  lattice: Mat3;
  /** 3 fractional coordinates per atom in that basis, wrapped to [0, 1). */
  frac: Float64Array;
  /** Atomic number per atom. */
  species: Int32Array;
  numSites: number;
  volume: number;
  /** Elements by atomic number with gcd-reduced counts, e.g. 'Na1 Cl1'. */
  compositionKey: string;
  /** Space group found, or null when the analysis failed. */
  spaceGroup: number | null;
  /** The tolerance the space group was found at: the one asked for, or a quarter of it after a moyo failure. */
  symprec: number;
  /** Sorted Wyckoff orbits as element + multiplicity in the conventional cell, e.g. 'Cl4 Na4'; null if no symmetry. */
  orbitKey: string | null;
  /** Why the symmetry analysis failed (the raw cell is then used, reduced but not made primitive). */
  symmetryError?: string;
  /** Not a crystal (lattice vector < 0.5 Å or almost no volume per atom): never matches anything. */
  degenerate: boolean;
}

/**
 * Cells with less volume per atom than this (Å³), or a lattice vector shorter than MIN_LATTICE_VECTOR (every atom
 * closer than 0.5 Å to its own image), are not crystals and are not given to the symmetry analysis.
 */
const MIN_VOLUME_PER_ATOM = 1e-3;
const MIN_LATTICE_VECTOR = 0.5;
const MAX_CANDIDATE_TRIPLES = 5_000_000;

/** Reduced composition key from element counts, elements ordered by atomic number. */
export function compositionKeyOf(counts: ReadonlyMap<number, number>): string {
  const zs = [...counts.keys()].sort((a, b) => a - b);
  let divisor = 0;
  for (const z of zs) divisor = gcd(divisor, counts.get(z)!);
  return zs.map((z) => `${elementSymbol(z)}${counts.get(z)! / (divisor || 1)}`).join(' ');
}

export function compositionKeyOfStructure(structure: Structure): string {
  const counts = new Map<number, number>();
  for (const site of structure.sites) {
    const z = atomicNumber(site.species);
    counts.set(z, (counts.get(z) ?? 0) + 1);
  }
  return compositionKeyOf(counts);
}

/**
 * Symmetry analysis (moyo, `symprec` Å, within SYMMETRY_LIMITS and in a worker with a time limit: ../symmetry/guard.ts; retried once at
 * symprec / 4 when moyo reports an error) and reduction to the standardized primitive cell. Never throws for a bad
 * structure: a failed or timed-out analysis is reported in `symmetryError` and the input cell is used as is.
 */
export function prepareForMatching(structure: Structure, symprec: number): MatchableStructure {
  const n = structure.numSites;
  const inputNumbers = structure.sites.map((s) => atomicNumber(s.species));
  const compositionKey = compositionKeyOf(countBy(inputNumbers));
  let lattice: Mat3 = structure.lattice.matrix;
  let positions: readonly (readonly number[])[] = structure.sites.map((s) => s.frac);
  let numbers: readonly number[] = inputNumbers;
  let spaceGroup: number | null = null;
  let orbitKey: string | null = null;
  let symmetryError: string | undefined;
  const reduced = reduceBasis(structure.lattice.matrix).matrix;
  const shortest = Math.min(norm(reduced[0]), norm(reduced[1]), norm(reduced[2]));
  const degenerate = !(structure.volume / Math.max(1, n) >= MIN_VOLUME_PER_ATOM) || !(shortest >= MIN_LATTICE_VECTOR);
  let symprecUsed = symprec;
  try {
    if (degenerate) throw new Error(`not a crystal (volume per atom below ${MIN_VOLUME_PER_ATOM} Å³ or a lattice vector shorter than ${MIN_LATTICE_VECTOR} Å): not analysed`);
    checkSymmetryLimits(structure);
    const cell = JSON.stringify({ lattice: { basis: structure.lattice.matrix.flat() }, positions, numbers: inputNumbers });
    let dataset;
    try {
      dataset = analyzeCellWithTimeout(cell, symprec);
    } catch (error) {
      // moyo gives up on some noisy cells at a loose tolerance (PrimitiveSymmetrySearchError) that it analyses at a
      // tighter one; one retry at a quarter of symprec. A timeout is not retried.
      if (error instanceof SymmetryTimeoutError || symprec / 4 < 1e-5) throw error;
      symprecUsed = symprec / 4;
      dataset = analyzeCellWithTimeout(cell, symprecUsed);
    }
    spaceGroup = dataset.number;
    const b = dataset.prim_std_cell.lattice.basis;
    lattice = [
      [b[0], b[1], b[2]],
      [b[3], b[4], b[5]],
      [b[6], b[7], b[8]],
    ];
    positions = dataset.prim_std_cell.positions;
    numbers = dataset.prim_std_cell.numbers;
    // Orbit sizes in the input cell scale to multiplicities in the conventional (standardized) cell.
    const scaleToConventional = dataset.std_cell.numbers.length / n;
    const orbitSizes = new Map<number, number>();
    for (const representative of dataset.orbits) orbitSizes.set(representative, (orbitSizes.get(representative) ?? 0) + 1);
    orbitKey = [...orbitSizes]
      .map(([representative, size]) => `${elementSymbol(inputNumbers[representative]!)}${Math.round(size * scaleToConventional)}`)
      .sort()
      .join(' ');
  } catch (error) {
    symmetryError = (error as Error)?.message ?? String(error);
  }
  const { matrix, transform } = reduceBasis(lattice);
  const inv = inverse3(transform);
  const count = numbers.length;
  const frac = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) {
    const p = positions[i]!;
    for (let k = 0; k < 3; k++) {
      const x = p[0]! * inv[0][k] + p[1]! * inv[1][k] + p[2]! * inv[2][k];
      frac[3 * i + k] = x - Math.floor(x);
    }
  }
  return {
    lattice: matrix,
    frac,
    species: Int32Array.from(numbers),
    numSites: count,
    volume: Math.abs(det3(matrix)),
    compositionKey,
    spaceGroup,
    symprec: symprecUsed,
    orbitKey,
    ...(symmetryError !== undefined ? { symmetryError } : {}),
    degenerate,
  };
}

/** pymatgen-style geometric match of two prepared structures (see the file comment). */
export function structuresMatch(a: MatchableStructure, b: MatchableStructure, tolerances: MatchTolerances = DEFAULT_MATCH_TOLERANCES): boolean {
  // pymatgen's fit: the first mapping whose largest displacement (in units of (V/N)^⅓) is below stol.
  let matched = false;
  searchMappings(a, b, tolerances, (squared, normalization) => {
    let largest = 0;
    for (const d2 of squared) if (d2 > largest) largest = d2;
    matched = Math.sqrt(largest) * normalization < tolerances.stol;
    return matched;
  });
  return matched;
}

/** Displacements of the best mapping found by `structureRmsDistance`, both in units of (V/N)^⅓ as pymatgen reports them. */
export interface RmsDistance {
  /** Root mean square displacement of paired atoms after removing the mean shift. */
  rms: number;
  /** Largest displacement of that mapping. */
  maxDistance: number;
}

/**
 * pymatgen's `StructureMatcher.get_rms_dist`: over every lattice mapping and anchor translation that passes the
 * tolerances (the same search as `structuresMatch`), the smallest root mean square displacement, normalised by
 * (V/N)^⅓; null when no mapping exists or the smallest RMS is not below stol. This is the CDVAE/DiffCSP CSP
 * criterion: a prediction matches when this is not null (a looser test than `structuresMatch`, which needs every
 * displacement below stol), and the reported RMSE averages `rms` over matches.
 */
export function structureRmsDistance(a: MatchableStructure, b: MatchableStructure, tolerances: MatchTolerances = DEFAULT_MATCH_TOLERANCES): RmsDistance | null {
  let best: RmsDistance | null = null;
  searchMappings(a, b, tolerances, (squared, normalization) => {
    let sum = 0;
    let largest = 0;
    for (const d2 of squared) {
      sum += d2;
      if (d2 > largest) largest = d2;
    }
    const rms = Math.sqrt(sum / squared.length) * normalization;
    if (best === null || rms < best.rms) best = { rms, maxDistance: Math.sqrt(largest) * normalization };
    // As pymatgen: an exact match cannot be improved on.
    return rms < 1e-5;
  });
  const found = best as RmsDistance | null;
  return found !== null && found.rms < tolerances.stol ? found : null;
}

/**
 * Called for each mapping that survives the tolerance checks with the squared displacements (Å², mean shift
 * removed, one per atom) and the normalization (N/V)^⅓; returns true to stop the search.
 */
type MappingVisitor = (squaredDisplacements: Float64Array, normalization: number) => boolean;

function searchMappings(a: MatchableStructure, b: MatchableStructure, tolerances: MatchTolerances, visit: MappingVisitor): void {
  if (a.degenerate || b.degenerate || a.numSites !== b.numSites || a.compositionKey !== b.compositionKey) return;
  const n = a.numSites;
  const groupsA = groupBySpecies(a.species);
  const groupsB = groupBySpecies(b.species);
  for (const [z, indices] of groupsB) if (groupsA.get(z)?.length !== indices.length) return;

  const ratio = tolerances.scale ? Math.pow(b.volume / a.volume, 1 / 6) : 1;
  const latticeA = scaleMatrix(a.lattice, ratio);
  const latticeB = scaleMatrix(b.lattice, 1 / ratio);
  const lengthsB: Vec3 = [norm(latticeB[0]), norm(latticeB[1]), norm(latticeB[2])];
  const anglesB: Vec3 = [angle(latticeB[1], latticeB[2]), angle(latticeB[0], latticeB[2]), angle(latticeB[0], latticeB[1])];
  const { ltol, angleTol } = tolerances;

  let points;
  try {
    points = latticePointsWithin(latticeA, Math.max(...lengthsB) * (1 + ltol));
  } catch (error) {
    if (error instanceof DegenerateCellError) return;
    throw error;
  }
  const candidates = lengthsB.map((length) => points.filter((p) => p.length / length < 1 + ltol && p.length / length > 1 / (1 + ltol)));
  const [ca, cb, cc] = candidates as [typeof points, typeof points, typeof points];
  // Reduced cells of real crystals give tens of candidates per axis; millions of triples mean a pathological cell.
  if (ca.length * cb.length * cc.length > MAX_CANDIDATE_TRIPLES) return;

  // The rarest element of B anchors the translations.
  let anchorSpecies = -1;
  for (const [z, indices] of groupsB) if (anchorSpecies < 0 || indices.length < groupsB.get(anchorSpecies)!.length) anchorSpecies = z;
  const anchorB = groupsB.get(anchorSpecies)![0]!;
  const workspace = new MatchWorkspace(n);

  for (const va of ca) {
    for (const vb of cb) {
      if (Math.abs(angle(va.cartesian, vb.cartesian) - anglesB[2]) >= angleTol) continue;
      for (const vc of cc) {
        if (Math.abs(angle(vb.cartesian, vc.cartesian) - anglesB[0]) >= angleTol) continue;
        if (Math.abs(angle(va.cartesian, vc.cartesian) - anglesB[1]) >= angleTol) continue;
        const s: Mat3 = [va.integer, vb.integer, vc.integer];
        if (Math.abs(Math.abs(det3(s)) - 1) > 0.5) continue; // same lattice only (no supercells)
        if (visitTranslations(a, b, s, [va.cartesian, vb.cartesian, vc.cartesian], latticeB, groupsA, groupsB, anchorSpecies, anchorB, tolerances.stol, workspace, visit)) return;
      }
    }
  }
}

class MatchWorkspace {
  readonly fracA: Float64Array;
  readonly shiftedB: Float64Array;
  readonly vectors: Float64Array;
  readonly squared: Float64Array;
  constructor(n: number) {
    this.fracA = new Float64Array(3 * n);
    this.shiftedB = new Float64Array(3 * n);
    this.vectors = new Float64Array(3 * n);
    this.squared = new Float64Array(n);
  }
}

/** Every anchor translation of one lattice mapping; true when the visitor asked to stop. */
function visitTranslations(
  a: MatchableStructure,
  b: MatchableStructure,
  s: Mat3,
  mappedBasis: Mat3,
  latticeB: Mat3,
  groupsA: Map<number, number[]>,
  groupsB: Map<number, number[]>,
  anchorSpecies: number,
  anchorB: number,
  stol: number,
  work: MatchWorkspace,
  visit: MappingVisitor,
): boolean {
  const n = a.numSites;
  // A's fractional coordinates in the mapped basis: f' = f · S⁻¹.
  const inv = inverse3(s);
  for (let i = 0; i < n; i++) {
    const x = a.frac[3 * i]!, y = a.frac[3 * i + 1]!, z = a.frac[3 * i + 2]!;
    for (let k = 0; k < 3; k++) {
      const value = x * inv[0][k] + y * inv[1][k] + z * inv[2][k];
      work.fracA[3 * i + k] = value - Math.floor(value);
    }
  }
  // Distances are measured on the lattice with the averaged parameters, as pymatgen does.
  let average: Mat3;
  try {
    const pa = parametersOf(mappedBasis);
    const pb = parametersOf(latticeB);
    average = Lattice.fromParameters(...(pa.map((x, k) => (x + pb[k]!) / 2) as [number, number, number, number, number, number])).matrix;
  } catch {
    return false;
  }
  const volume = Math.abs(det3(average));
  const normalization = Math.cbrt(n / volume);
  const heights = faceHeights(average);
  const fracTol: Vec3 = [0, 1, 2].map((k) => (2 * stol) / (heights[k]! * normalization)) as Vec3;

  for (const anchorA of groupsA.get(anchorSpecies)!) {
    const t0 = work.fracA[3 * anchorA]! - b.frac[3 * anchorB]!;
    const t1 = work.fracA[3 * anchorA + 1]! - b.frac[3 * anchorB + 1]!;
    const t2 = work.fracA[3 * anchorA + 2]! - b.frac[3 * anchorB + 2]!;
    for (let i = 0; i < n; i++) {
      work.shiftedB[3 * i] = b.frac[3 * i]! + t0;
      work.shiftedB[3 * i + 1] = b.frac[3 * i + 1]! + t1;
      work.shiftedB[3 * i + 2] = b.frac[3 * i + 2]! + t2;
    }
    if (!everyAtomHasNeighbour(work.shiftedB, work.fracA, groupsA, groupsB, fracTol)) continue;
    if (pairedDisplacements(work, average, groupsA, groupsB, fracTol) && visit(work.squared, normalization)) return true;
  }
  return false;
}

/** pymatgen's `is_coord_subset_pbc` pre-check: each B atom has an A atom of its element within the per-axis tolerance. */
function everyAtomHasNeighbour(fracB: Float64Array, fracA: Float64Array, groupsA: Map<number, number[]>, groupsB: Map<number, number[]>, tol: Vec3): boolean {
  for (const [z, indicesB] of groupsB) {
    const indicesA = groupsA.get(z)!;
    for (const i of indicesB) {
      let found = false;
      for (const j of indicesA) {
        let d = fracB[3 * i]! - fracA[3 * j]!;
        if (Math.abs(d - Math.round(d)) > tol[0]) continue;
        d = fracB[3 * i + 1]! - fracA[3 * j + 1]!;
        if (Math.abs(d - Math.round(d)) > tol[1]) continue;
        d = fracB[3 * i + 2]! - fracA[3 * j + 2]!;
        if (Math.abs(d - Math.round(d)) > tol[2]) continue;
        found = true;
        break;
      }
      if (!found) return false;
    }
  }
  return true;
}

const FORBIDDEN = 1e20;

/**
 * Pair atoms of each element by minimum total squared distance and remove the mean displacement (pymatgen's
 * `_cart_dists`), leaving the squared remaining displacements (Å²) in `work.squared`; false when some atom has no
 * partner within the per-axis tolerance.
 */
function pairedDisplacements(work: MatchWorkspace, m: Mat3, groupsA: Map<number, number[]>, groupsB: Map<number, number[]>, fracTol: Vec3): boolean {
  let total = 0;
  const mean: Vec3 = [0, 0, 0];
  for (const [z, indicesB] of groupsB) {
    const indicesA = groupsA.get(z)!;
    const k = indicesB.length;
    const cost = new Float64Array(k * k);
    const vectors = new Float64Array(3 * k * k);
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) {
        const vector = shortestVector(work.shiftedB, indicesB[r]!, work.fracA, indicesA[c]!, m, fracTol);
        const o = r * k + c;
        if (!vector) {
          cost[o] = FORBIDDEN;
          continue;
        }
        vectors[3 * o] = vector[0];
        vectors[3 * o + 1] = vector[1];
        vectors[3 * o + 2] = vector[2];
        cost[o] = dot(vector, vector);
      }
    }
    const assignment = minimumCostAssignment(cost, k);
    for (let r = 0; r < k; r++) {
      const o = r * k + assignment[r]!;
      if (cost[o]! >= FORBIDDEN) return false;
      const atom = indicesB[r]!;
      for (let d = 0; d < 3; d++) {
        work.vectors[3 * atom + d] = vectors[3 * o + d]!;
        mean[d] += vectors[3 * o + d]!;
      }
      total++;
    }
  }
  for (let d = 0; d < 3; d++) mean[d] /= total;
  for (let atom = 0; atom < total; atom++) {
    const x = work.vectors[3 * atom]! - mean[0];
    const y = work.vectors[3 * atom + 1]! - mean[1];
    const z = work.vectors[3 * atom + 2]! - mean[2];
    work.squared[atom] = x * x + y * y + z * z;
  }
  return true;
}

/**
 * Shortest Cartesian vector from B atom i to A atom j over the 27 images around the nearest fractional
 * difference; undefined when that difference exceeds the per-axis tolerance (pymatgen's lll_frac_tol cut-off).
 */
function shortestVector(fracB: Float64Array, i: number, fracA: Float64Array, j: number, m: Mat3, tol: Vec3): Vec3 | undefined {
  const d: Vec3 = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const raw = fracA[3 * j + k]! - fracB[3 * i + k]!;
    d[k] = raw - Math.round(raw);
    if (Math.abs(d[k]) > tol[k] + 1e-12) return undefined;
  }
  let best: Vec3 | undefined;
  let best2 = Infinity;
  for (let a = -1; a <= 1; a++) {
    for (let b = -1; b <= 1; b++) {
      for (let c = -1; c <= 1; c++) {
        const e0 = d[0] + a, e1 = d[1] + b, e2 = d[2] + c;
        const x = e0 * m[0][0] + e1 * m[1][0] + e2 * m[2][0];
        const y = e0 * m[0][1] + e1 * m[1][1] + e2 * m[2][1];
        const z = e0 * m[0][2] + e1 * m[1][2] + e2 * m[2][2];
        const length2 = x * x + y * y + z * z;
        if (length2 < best2) {
          best2 = length2;
          best = [x, y, z];
        }
      }
    }
  }
  return best;
}

function groupBySpecies(species: Int32Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  species.forEach((z, i) => {
    const list = groups.get(z);
    if (list) list.push(i);
    else groups.set(z, [i]);
  });
  return groups;
}

function countBy(values: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function scaleMatrix(m: Mat3, factor: number): Mat3 {
  return m.map((row) => row.map((x) => x * factor)) as Mat3;
}

function angle(u: Vec3, v: Vec3): number {
  const cosine = Math.max(-1, Math.min(1, dot(u, v) / (norm(u) * norm(v))));
  return (Math.acos(cosine) * 180) / Math.PI;
}

function parametersOf(m: Mat3): [number, number, number, number, number, number] {
  return [norm(m[0]), norm(m[1]), norm(m[2]), angle(m[1], m[2]), angle(m[0], m[2]), angle(m[0], m[1])];
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}
