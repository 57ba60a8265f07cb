/**
 * What the viewer draws for a structure: which atoms (the n×m×k supercell, periodic images on its faces, atoms
 * bonded from outside), which bonds, and which coordination polyhedra. Pure data, no three.js, so it can be tested
 * in Node and recomputed only when the structure or a drawing option changes — never per frame.
 */
import type { Structure } from '../../../shared/crystal/structure.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import { forEachPairWithin } from './neighbors.ts';

/** Why an atom is drawn. */
export type AtomKind =
  /** Inside the supercell box, fractional coordinates in [0, n) × [0, m) × [0, k). */
  | 'cell'
  /** A periodic image on a face, edge or corner of the box (fractional coordinate within ε of n, m or k). */
  | 'boundary'
  /** Outside the box, drawn because it bonds to an atom in the box or is a polyhedron vertex. */
  | 'outside';

export interface DisplayAtom {
  /** Index of the structure site this atom is an image of. */
  site: number;
  species: string;
  /** Fractional coordinates in the original cell's basis (may lie outside [0, 1) for images and supercells). */
  frac: Vec3;
  cart: Vec3;
  kind: AtomKind;
}

export interface DisplayBond {
  /** Indices into `DisplayModel.atoms`. */
  a: number;
  b: number;
  length: number;
}

export interface DisplayPolyhedron {
  /** Index into `DisplayModel.atoms` of the centre atom. */
  centre: number;
  /** Indices into `DisplayModel.atoms` of the bonded neighbours (the hull's vertices). */
  vertices: number[];
}

/**
 * A per-pair bond rule that replaces the radius rule for that pair (VESTA's Bonds dialog): bonded when
 * min ≤ d ≤ max. A max of 0 switches the pair off.
 */
export interface PairBondRule {
  a: string;
  b: string;
  min: number;
  max: number;
}

export interface DisplayOptions {
  supercell: [number, number, number];
  /** Draw periodic images of atoms that lie on the faces, edges and corners of the box. */
  boundaryImages: boolean;
  /** Draw atoms outside the box that bond to atoms inside (so bonds at the box walls are not cut). */
  bondedOutside: boolean;
  /** Radius rule tolerance: bonded when d < (r₁ + r₂)·(1 + tolerance). */
  bondTolerance: number;
  pairRules: readonly PairBondRule[];
  /** Elements whose atoms get a coordination polyhedron (convex hull of their bonded neighbours). */
  polyhedronCentres: readonly string[];
  /** Radius used by the bond rule, normally the covalent radius in Å. */
  bondRadius: (species: string) => number;
}

export interface DisplayModel {
  atoms: DisplayAtom[];
  bonds: DisplayBond[];
  polyhedra: DisplayPolyhedron[];
  /** Cartesian corners of the supercell box: origin and the three edge vectors n·a, m·b, k·c. */
  box: { origin: Vec3; edges: [Vec3, Vec3, Vec3] };
}

/** Fractional distance from a box wall within which an atom counts as lying on it. */
export const BOUNDARY_EPSILON = 1e-3;
/** Bonds shorter than this are overlapping atoms, not bonds. */
const MIN_BOND_LENGTH = 0.1;
/** The largest supercell axis the viewer accepts: beyond this nothing is readable and memory runs out. */
export const MAX_SUPERCELL = 30;
/** More atoms than this would stall the page for seconds per change and exhaust GPU memory on small machines. */
export const MAX_DISPLAY_ATOMS = 100_000;

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** Largest distance at which any pair of the given species can bond under these options. */
export function maximumBondLength(species: readonly string[], options: Pick<DisplayOptions, 'bondTolerance' | 'pairRules' | 'bondRadius'>): number {
  const distinct = [...new Set(species)];
  let largestRadius = 0;
  for (const s of distinct) largestRadius = Math.max(largestRadius, options.bondRadius(s));
  let cutoff = 2 * largestRadius * (1 + options.bondTolerance);
  for (const rule of options.pairRules) {
    if (distinct.includes(rule.a) && distinct.includes(rule.b)) cutoff = Math.max(cutoff, rule.max);
  }
  return cutoff;
}

export function buildDisplayModel(structure: Structure, options: DisplayOptions): DisplayModel {
  const [na, nb, nc] = options.supercell;
  for (const [axis, n] of options.supercell.entries()) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_SUPERCELL) {
      throw new Error(`supercell ${'abc'[axis]} repetition must be an integer from 1 to ${MAX_SUPERCELL}, got ${n}`);
    }
  }
  if (!(options.bondTolerance >= -0.5 && options.bondTolerance <= 2)) {
    throw new Error(`bond tolerance must lie between -0.5 and 2, got ${options.bondTolerance}`);
  }
  const cellAtoms = structure.sites.length * na * nb * nc;
  if (cellAtoms > MAX_DISPLAY_ATOMS) {
    throw new Error(
      `a ${na}×${nb}×${nc} supercell of ${structure.sites.length} sites has ${cellAtoms.toLocaleString('en')} atoms; the viewer draws at most ${MAX_DISPLAY_ATOMS.toLocaleString('en')}`,
    );
  }
  const lattice = structure.lattice;
  const m = lattice.matrix;
  const counts = [na, nb, nc];

  const speciesList = structure.sites.map((s) => s.species);
  const cutoff = maximumBondLength(speciesList, options);
  const needsShell = (options.bondedOutside || options.polyhedronCentres.length > 0) && cutoff > 0;
  // Distance between opposite faces of the cell along each axis: a margin of cutoff/height cells in fractional
  // units reaches every atom within `cutoff` of the box.
  const volume = lattice.volume;
  const faceHeights = [0, 1, 2].map((axis) => {
    const u = m[(axis + 1) % 3], v = m[(axis + 2) % 3];
    const cx = u[1] * v[2] - u[2] * v[1], cy = u[2] * v[0] - u[0] * v[2], cz = u[0] * v[1] - u[1] * v[0];
    return volume / Math.hypot(cx, cy, cz);
  });
  const margin = faceHeights.map((h) => (needsShell ? cutoff / h : 0) + BOUNDARY_EPSILON);

  // Candidate atoms: every image of every site within the box widened by the margin.
  const candidateSite: number[] = [];
  const candidateFrac: number[] = [];
  const candidateKind: AtomKind[] = [];
  structure.sites.forEach((site, siteIndex) => {
    const wrapped = site.frac.map((x) => x - Math.floor(x));
    const ranges = [0, 1, 2].map((axis) => {
      const f = wrapped[axis]!;
      return [Math.ceil(-margin[axis]! - f), Math.floor(counts[axis]! + margin[axis]! - f)] as const;
    });
    for (let i = ranges[0]![0]; i <= ranges[0]![1]; i++) {
      for (let j = ranges[1]![0]; j <= ranges[1]![1]; j++) {
        for (let k = ranges[2]![0]; k <= ranges[2]![1]; k++) {
          const f: Vec3 = [wrapped[0]! + i, wrapped[1]! + j, wrapped[2]! + k];
          let kind: AtomKind = 'cell';
          for (let axis = 0; axis < 3; axis++) {
            const x = f[axis]!;
            const n = counts[axis]!;
            if (x >= 0 && x < n) continue;
            if (x >= -BOUNDARY_EPSILON && x <= n + BOUNDARY_EPSILON) {
              if (kind === 'cell') kind = 'boundary';
            } else kind = 'outside';
          }
          candidateSite.push(siteIndex);
          candidateFrac.push(f[0], f[1], f[2]);
          candidateKind.push(kind);
        }
      }
    }
  });

  const count = candidateSite.length;
  const positions = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) {
    const f0 = candidateFrac[3 * i]!, f1 = candidateFrac[3 * i + 1]!, f2 = candidateFrac[3 * i + 2]!;
    positions[3 * i] = f0 * m[0][0] + f1 * m[1][0] + f2 * m[2][0];
    positions[3 * i + 1] = f0 * m[0][1] + f1 * m[1][1] + f2 * m[2][1];
    positions[3 * i + 2] = f0 * m[0][2] + f1 * m[1][2] + f2 * m[2][2];
  }

  // Bond test per pair of species, resolved once per distinct pair.
  const distinctSpecies = [...new Set(speciesList)];
  const speciesIndex = new Map(distinctSpecies.map((s, i) => [s, i]));
  const ruleByPair = new Map(options.pairRules.map((r) => [pairKey(r.a, r.b), r]));
  const ns = distinctSpecies.length;
  const bondMin = new Float64Array(ns * ns);
  const bondMax = new Float64Array(ns * ns);
  for (let p = 0; p < ns; p++) {
    for (let q = 0; q < ns; q++) {
      const rule = ruleByPair.get(pairKey(distinctSpecies[p]!, distinctSpecies[q]!));
      if (rule) {
        bondMin[p * ns + q] = Math.max(MIN_BOND_LENGTH, rule.min);
        bondMax[p * ns + q] = rule.max;
      } else {
        bondMin[p * ns + q] = MIN_BOND_LENGTH;
        bondMax[p * ns + q] =
          (options.bondRadius(distinctSpecies[p]!) + options.bondRadius(distinctSpecies[q]!)) * (1 + options.bondTolerance);
      }
    }
  }
  const candidateSpecies = Int32Array.from(candidateSite, (s) => speciesIndex.get(speciesList[s]!)!);

  const visible = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const kind = candidateKind[i]!;
    visible[i] = kind === 'cell' || (kind === 'boundary' && options.boundaryImages) ? 1 : 0;
  }

  const pairA: number[] = [];
  const pairB: number[] = [];
  const pairLength: number[] = [];
  if (cutoff > 0) {
    forEachPairWithin(positions, cutoff, (i, j, d) => {
      // Only pairs touching the drawn core matter; skipping the rest keeps the outer shell cheap.
      if (!visible[i] && !visible[j]) return;
      const key = candidateSpecies[i]! * ns + candidateSpecies[j]!;
      if (d >= bondMin[key]! && d <= bondMax[key]!) {
        pairA.push(i);
        pairB.push(j);
        pairLength.push(d);
      }
    });
  }

  const core = visible.slice();
  if (options.bondedOutside) {
    for (let p = 0; p < pairA.length; p++) {
      if (core[pairA[p]!]) visible[pairB[p]!] = 1;
      if (core[pairB[p]!]) visible[pairA[p]!] = 1;
    }
  }
  const centreSet = new Set(options.polyhedronCentres);
  const neighboursOf = new Map<number, number[]>();
  if (centreSet.size > 0) {
    const addNeighbour = (centre: number, other: number) => {
      if (!core[centre] || !centreSet.has(speciesList[candidateSite[centre]!]!)) return;
      let list = neighboursOf.get(centre);
      if (!list) neighboursOf.set(centre, (list = []));
      list.push(other);
    };
    for (let p = 0; p < pairA.length; p++) {
      addNeighbour(pairA[p]!, pairB[p]!);
      addNeighbour(pairB[p]!, pairA[p]!);
    }
    for (const list of neighboursOf.values()) {
      if (list.length >= 4) for (const v of list) visible[v] = 1;
    }
  }

  const displayIndex = new Int32Array(count).fill(-1);
  const atoms: DisplayAtom[] = [];
  for (let i = 0; i < count; i++) {
    if (!visible[i]) continue;
    displayIndex[i] = atoms.length;
    const site = candidateSite[i]!;
    atoms.push({
      site,
      species: speciesList[site]!,
      frac: [candidateFrac[3 * i]!, candidateFrac[3 * i + 1]!, candidateFrac[3 * i + 2]!],
      cart: [positions[3 * i]!, positions[3 * i + 1]!, positions[3 * i + 2]!],
      kind: candidateKind[i]!,
    });
  }

  const bonds: DisplayBond[] = [];
  for (let p = 0; p < pairA.length; p++) {
    const i = pairA[p]!, j = pairB[p]!;
    // A bond is drawn between two drawn atoms when at least one of them belongs to the box; bonds between two
    // atoms that are only there as outside neighbours would extend the picture without end.
    if (visible[i] && visible[j] && (core[i] || core[j])) {
      bonds.push({ a: displayIndex[i]!, b: displayIndex[j]!, length: pairLength[p]! });
    }
  }

  const polyhedra: DisplayPolyhedron[] = [];
  for (const [centre, list] of neighboursOf) {
    if (list.length < 4) continue; // fewer than four vertices cannot enclose a volume
    polyhedra.push({ centre: displayIndex[centre]!, vertices: list.map((v) => displayIndex[v]!) });
  }
  polyhedra.sort((p, q) => p.centre - q.centre);

  const scaleRow = (row: Vec3, n: number): Vec3 => [row[0] * n, row[1] * n, row[2] * n];
  return {
    atoms,
    bonds,
    polyhedra,
    box: { origin: [0, 0, 0], edges: [scaleRow(m[0], na), scaleRow(m[1], nb), scaleRow(m[2], nc)] },
  };
}
