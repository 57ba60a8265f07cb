/**
 * CrystalFormer's token representation of a crystal (crystalformer.md §1.2–1.6): the space group, then up to 20
 * Wyckoff sites (W, A, X, Y, Z) padded to 21 slots, and a normalised lattice. Also the per-space-group tables
 * the model's masks and loss need (§2.5, §3), computed from shared/symmetry.
 */
import type { LatticeParameters } from '../crystal/lattice.ts';
import type { Vec3 } from '../crystal/linalg.ts';
import { wrapUnit } from '../crystal/linalg.ts';
import { atomicNumber, elementSymbol } from '../crystal/elements.ts';
import { type WyckoffDescription, type WyckoffSite, sortSites } from '../symmetry/analyze.ts';
import { freeLatticeParameters, symmetrizeLatticeParameters } from '../symmetry/lattice-rules.ts';
import { getSpaceGroup, wyckoffPosition } from '../symmetry/spacegroups.ts';

/** At most 20 real sites: one of the 21 slots must stay padding so the lattice can be emitted after it. */
export const MAX_SITES = 20;
export const N_SLOTS = 21;
/** 0 = padding/stop, 1 = 'a' … 26 = 'z', 27 = 'A' (group 47 has 27 positions). */
export const WYCKOFF_VOCAB = 28;
/** 0 = padding, 1 = H … 118 = Og. */
export const ATOM_VOCAB = 119;
export const SPACE_GROUPS = 230;

const DEG = Math.PI / 180;

export interface CrystalTokens {
  spaceGroup: number;
  /** N_SLOTS entries: 0 pad, 1 = 'a' … 26 = 'z', 27 = 'A'. */
  wyckoff: Int32Array;
  /** N_SLOTS entries: 0 pad, else the atomic number Z. */
  atoms: Int32Array;
  /** N_SLOTS × 3 fractional coordinates of the orbit representatives, wrapped to [0,1); 0 for padding. */
  coords: Float64Array;
  /** a, b, c divided by N^(1/3) (N = Σ multiplicities = atoms in the conventional cell), then α, β, γ in radians. */
  lattice: Float64Array;
  numSites: number;
}

/** 'a' → 1 … 'z' → 26, 'A' → 27. */
export function letterToIndex(letter: string): number {
  if (letter.length === 1 && letter >= 'a' && letter <= 'z') return letter.charCodeAt(0) - 96;
  if (letter === 'A') return 27;
  throw new Error(`'${letter}' is not a Wyckoff letter (a…z or A)`);
}

/** 1 → 'a' … 26 → 'z', 27 → 'A'. */
export function indexToLetter(index: number): string {
  if (Number.isInteger(index) && index >= 1 && index <= 26) return String.fromCharCode(96 + index);
  if (index === 27) return 'A';
  throw new Error(`Wyckoff index must be 1…27, got ${index}`);
}

/** Σ multiplicities of the occupied positions: the number of atoms in the conventional cell (no merging). */
export function conventionalAtomCount(d: Pick<WyckoffDescription, 'spaceGroup' | 'sites'>): number {
  return d.sites.reduce((n, s) => n + wyckoffPosition(d.spaceGroup, s.letter).multiplicity, 0);
}

export function encodeCrystal(d: WyckoffDescription): CrystalTokens {
  const group = getSpaceGroup(d.spaceGroup);
  if (d.sites.length === 0) throw new Error('cannot encode a crystal without sites');
  if (d.sites.length > MAX_SITES) {
    throw new Error(`crystal in space group ${d.spaceGroup} has ${d.sites.length} Wyckoff sites; the tokenization holds at most ${MAX_SITES}`);
  }
  const sites = sortSites(d.sites.map((s) => ({ ...s, frac: s.frac.map((x) => wrapUnit(x)) as Vec3 })));
  const wyckoff = new Int32Array(N_SLOTS);
  const atoms = new Int32Array(N_SLOTS);
  const coords = new Float64Array(3 * N_SLOTS);
  sites.forEach((site, i) => {
    wyckoffPosition(group.number, site.letter); // throws naming the group and letter
    wyckoff[i] = letterToIndex(site.letter);
    atoms[i] = atomicNumber(site.species);
    for (let k = 0; k < 3; k++) coords[3 * i + k] = site.frac[k]!;
  });
  const scale = Math.cbrt(conventionalAtomCount(d));
  const p = d.lattice;
  const lattice = Float64Array.of(p.a / scale, p.b / scale, p.c / scale, p.alpha * DEG, p.beta * DEG, p.gamma * DEG);
  return { spaceGroup: d.spaceGroup, wyckoff, atoms, coords, lattice, numSites: sites.length };
}

/**
 * Back to a Wyckoff description. Sites are read up to the first padding slot; the lattice is un-normalised with
 * N from the decoded sites and the crystal system's constraints are imposed (§5.4). Coordinates are only
 * wrapped: buildStructure moves off-form points onto their Wyckoff form.
 */
export function decodeCrystal(t: CrystalTokens): WyckoffDescription {
  const g = t.spaceGroup;
  getSpaceGroup(g);
  const sites: WyckoffSite[] = [];
  for (let i = 0; i < N_SLOTS && t.wyckoff[i] !== 0; i++) {
    const letter = indexToLetter(t.wyckoff[i]!);
    wyckoffPosition(g, letter);
    const z = t.atoms[i]!;
    if (!(z >= 1 && z <= 118)) throw new Error(`slot ${i}: Wyckoff ${letter} needs an element (atomic number 1…118), got ${z}`);
    sites.push({ letter, species: elementSymbol(z), frac: [wrapUnit(t.coords[3 * i]!), wrapUnit(t.coords[3 * i + 1]!), wrapUnit(t.coords[3 * i + 2]!)] });
  }
  if (sites.length === 0) throw new Error('the token sequence has no sites (first Wyckoff token is padding)');
  const scale = Math.cbrt(conventionalAtomCount({ spaceGroup: g, sites }));
  const l = t.lattice;
  const raw: LatticeParameters = { a: l[0]! * scale, b: l[1]! * scale, c: l[2]! * scale, alpha: l[3]! / DEG, beta: l[4]! / DEG, gamma: l[5]! / DEG };
  return { spaceGroup: g, lattice: symmetrizeLatticeParameters(g, raw), sites };
}

/**
 * CrystalFormer's projection of sampled coordinates onto the representative form (§5.3), done coordinate by
 * coordinate as the sampler does: X = op(x,0,0)[0], Y = op(X,y,0)[1], Z = op(X,Y,z)[2], each wrapped. Fixed
 * coordinates take their fixed values and tied ones (e.g. 'x,x,z') are overwritten.
 */
export function projectSampledCoordinates(g: number, letter: string, xyz: Vec3): Vec3 {
  const { rotation: r, translation: t } = wyckoffPosition(g, letter).representative;
  const x = wrapUnit(r[0][0] * xyz[0] + t[0]);
  const y = wrapUnit(r[1][0] * x + r[1][1] * xyz[1] + t[1]);
  const z = wrapUnit(r[2][0] * x + r[2][1] * y + r[2][2] * xyz[2] + t[2]);
  return [x, y, z];
}

/**
 * Per-(space group, Wyckoff letter) facts the sampler, the likelihood batches, MCMC and scoring read in their inner
 * loops, as flat typed arrays with named accessors: the layout ([g−1][w], 230 × 28) is spelled out once, here.
 */
export class WyckoffTables {
  constructor(
    /** [g−1][w] (230 × 28): multiplicity of letter index w in group g; 0 for w = 0 and w > wmax. */
    readonly multiplicity: Int32Array,
    /** [g−1]: number of Wyckoff positions of g (largest allowed W index). */
    readonly wmax: Int32Array,
    /** [g−1][w]: 1 when the position has zero degrees of freedom (W must strictly increase after it); 0 for w = 0. */
    readonly dof0: Uint8Array,
    /** [g−1][w][d] (230 × 28 × 3): 1 when coordinate d of the representative is not fixed (row d non-zero). */
    readonly fcMask: Uint8Array,
    /** [g−1][k] (230 × 6): 1 when lattice parameter k of (a, b, c, α, β, γ) is independent. */
    readonly latticeMask: Uint8Array,
    /** [g−1][w] × 12: representative op of each position, rotation row-major then translation (for projection). */
    readonly representativeOps: Float64Array,
  ) {}

  /** Index of (space group g, letter index w) in the [g−1][w] tables. */
  static cell(g: number, w: number): number {
    return (g - 1) * WYCKOFF_VOCAB + w;
  }

  /** Atoms in the conventional cell of one site at letter index w of group g (0 for the stop, w = 0). */
  multiplicityOf(g: number, w: number): number {
    return this.multiplicity[WyckoffTables.cell(g, w)]!;
  }

  /** Whether the position has no free coordinate (a fixed point: it can be occupied once). */
  isFixedPoint(g: number, w: number): boolean {
    return this.dof0[WyckoffTables.cell(g, w)] === 1;
  }

  /** Whether coordinate `axis` (0 x, 1 y, 2 z) of the representative is free (sampled and scored). */
  isFreeAxis(g: number, w: number, axis: number): boolean {
    return this.fcMask[3 * WyckoffTables.cell(g, w) + axis] === 1;
  }

  /** 1 for each independent lattice parameter (a, b, c, α, β, γ) of group g; a view, not a copy. */
  freeLatticeParameters(g: number): Uint8Array {
    return this.latticeMask.subarray(6 * (g - 1), 6 * g);
  }

  /** The representative operation of the position: rotation row-major then translation (12 numbers); a view. */
  representativeOp(g: number, w: number): Float64Array {
    const at = 12 * WyckoffTables.cell(g, w);
    return this.representativeOps.subarray(at, at + 12);
  }
}

let tables: WyckoffTables | undefined;

export function wyckoffTables(): WyckoffTables {
  if (tables) return tables;
  const multiplicity = new Int32Array(SPACE_GROUPS * WYCKOFF_VOCAB);
  const wmax = new Int32Array(SPACE_GROUPS);
  const dof0 = new Uint8Array(SPACE_GROUPS * WYCKOFF_VOCAB);
  const fcMask = new Uint8Array(SPACE_GROUPS * WYCKOFF_VOCAB * 3);
  const latticeMask = new Uint8Array(SPACE_GROUPS * 6);
  const representativeOps = new Float64Array(SPACE_GROUPS * WYCKOFF_VOCAB * 12);
  for (let g = 1; g <= SPACE_GROUPS; g++) {
    const group = getSpaceGroup(g);
    wmax[g - 1] = group.wyckoffPositions.length;
    for (const w of group.wyckoffPositions) {
      const cell = WyckoffTables.cell(g, letterToIndex(w.letter));
      multiplicity[cell] = w.multiplicity;
      dof0[cell] = w.dof === 0 ? 1 : 0;
      for (let d = 0; d < 3; d++) fcMask[3 * cell + d] = w.freeAxes[d] ? 1 : 0;
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) representativeOps[12 * cell + 3 * i + j] = w.representative.rotation[i]![j]!;
        representativeOps[12 * cell + 9 + i] = w.representative.translation[i]!;
      }
    }
    freeLatticeParameters(g).forEach((free, k) => {
      latticeMask[6 * (g - 1) + k] = free ? 1 : 0;
    });
  }
  tables = new WyckoffTables(multiplicity, wmax, dof0, fcMask, latticeMask, representativeOps);
  return tables;
}
