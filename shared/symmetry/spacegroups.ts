/**
 * The 230 space groups in their ITA standard setting as moyo defines it (`space_group_type(n).hall_number`, the
 * same setting `operations_from_number(n, {type: 'Standard'})` and `analyze_cell(…, 'Standard')` use: unique
 * axis b for monoclinic groups, origin choice 2 for the 24 groups with two origins, hexagonal axes for R groups).
 * Every table is built once per group on first use and cached.
 */
import type { Mat3, Vec3 } from '../crystal/linalg.ts';
import { wrapUnit } from '../crystal/linalg.ts';
import { moyoModule } from './moyo.ts';

export type CrystalSystem = 'triclinic' | 'monoclinic' | 'orthorhombic' | 'tetragonal' | 'trigonal' | 'hexagonal' | 'cubic';

/** p' = rotation·p + translation, p a column vector of fractional coordinates. */
export interface AffineOp {
  rotation: Mat3;
  translation: Vec3;
}

export interface WyckoffPosition {
  letter: string;
  multiplicity: number;
  /** Oriented site-symmetry symbol as in ITA, e.g. '.-3m' or '4m.2'. */
  siteSymmetry: string;
  /** Representative coordinate triplet as in ITA, e.g. 'x,1/4,z'. */
  coordinates: string;
  /** The parsed coordinate triplet: maps the free parameters (x, y, z) to the point. */
  representative: AffineOp;
  /** Row i of `representative.rotation` is non-zero (CrystalFormer's fc_mask rule: coordinate i is scored). */
  freeAxes: [boolean, boolean, boolean];
  /** Rank of `representative.rotation` (0 = fixed point). */
  dof: number;
  /** Exactly `multiplicity` group operations taking a point on the representative form to its whole orbit; the first is the identity. */
  orbitOps: AffineOp[];
}

export interface SpaceGroup {
  number: number;
  /** Short Hermann–Mauguin symbol without spaces, e.g. 'Fm-3m', 'P6_3/mmc'. */
  symbol: string;
  /** moyo's short H-M symbol, with spaces, e.g. 'F m -3 m'. */
  hmShort: string;
  hmFull: string;
  hallNumber: number;
  hallSymbol: string;
  crystalSystem: CrystalSystem;
  /** 'triclinic', 'monoclinic', 'orthorhombic', 'tetragonal', 'rhombohedral', 'hexagonal' or 'cubic'. */
  latticeSystem: string;
  /** Lattice centring letter: P, A, B, C, I, F or R (R groups are given on hexagonal axes). */
  centering: string;
  /** All operations of the conventional cell, including the centring translations; the first is the identity. */
  operations: AffineOp[];
  /** Wyckoff positions in ascending letter order: a, b, …, z, A. */
  wyckoffPositions: WyckoffPosition[];
}

/**
 * Flat numeric form of a Wyckoff position for hot loops (orbit expansion while sampling): no per-call allocation
 * of matrices. Ops are stored as 12 numbers each: the rotation row-major, then the translation.
 */
export interface WyckoffKernel {
  multiplicity: number;
  /** 12 × multiplicity numbers. */
  orbitOps: Float64Array;
  /** 12 numbers: the representative form. */
  representative: Float64Array;
  /** Orthogonal projector onto the column space of the representative's rotation (row-major 3×3). */
  formProjector: Float64Array;
}

const GROUP_COUNT = 230;
/** Free-parameter values for a point with no accidental extra symmetry (irrational-ish, distinct). */
export const GENERIC_PARAMETERS: Vec3 = [0.1370431, 0.2718281, 0.3141592];

const groupCache = new Map<number, SpaceGroup>();
const kernelCache = new Map<number, WyckoffKernel[]>();

function checkGroupNumber(g: number): void {
  if (!Number.isInteger(g) || g < 1 || g > GROUP_COUNT) throw new Error(`space group number must be an integer 1…230, got ${g}`);
}

/**
 * moyo serialises its 3×3 matrices (nalgebra) column by column, although the TypeScript type is a flat array:
 * element [3·j + i] is row i, column j. (Reading them row by row gives operations that contradict moyo's own
 * Wyckoff tables, e.g. for P4/n; the orbit-size test over all 1,731 positions pins this down.)
 */
export function matrixFromMoyo(m: readonly number[]): Mat3 {
  return [
    [m[0]!, m[3]!, m[6]!],
    [m[1]!, m[4]!, m[7]!],
    [m[2]!, m[5]!, m[8]!],
  ];
}

function opFromMoyo(rotation: readonly number[], translation: readonly number[]): AffineOp {
  return {
    rotation: matrixFromMoyo(rotation),
    // moyo gives translations as floats (0.5, 0.333…); snap to twelfths, the only denominators in space groups.
    translation: [snapTwelfth(translation[0]!), snapTwelfth(translation[1]!), snapTwelfth(translation[2]!)],
  };
}

function snapTwelfth(x: number): number {
  const snapped = Math.round(x * 12) / 12;
  return Math.abs(snapped - x) < 1e-6 ? snapped : x;
}

/** Apply an affine op to a point (no wrapping). */
export function applyOp(op: AffineOp, p: Vec3): Vec3 {
  const r = op.rotation;
  const t = op.translation;
  return [
    r[0][0] * p[0] + r[0][1] * p[1] + r[0][2] * p[2] + t[0],
    r[1][0] * p[0] + r[1][1] * p[1] + r[1][2] * p[2] + t[1],
    r[2][0] * p[0] + r[2][1] * p[1] + r[2][2] * p[2] + t[2],
  ];
}

const wrapVec = (p: Vec3): Vec3 => [wrapUnit(p[0]), wrapUnit(p[1]), wrapUnit(p[2])];

/** Distance between two fractional points modulo lattice translations, measured in fractional units (max norm). */
export function periodicFracDistance(a: Vec3, b: Vec3): number {
  let worst = 0;
  for (let i = 0; i < 3; i++) {
    const d = a[i]! - b[i]!;
    const r = Math.abs(d - Math.round(d));
    if (r > worst) worst = r;
  }
  return worst;
}

/**
 * Parse an ITA coordinate triplet such as 'x,2x,z', '-x+1/2,y,1/4' or '1/8,y,-y+1/4' into the affine map from the
 * free parameters (x, y, z) to the point.
 */
export function parseCoordinateTriplet(text: string): AffineOp {
  const parts = text.split(',');
  if (parts.length !== 3) throw new Error(`coordinate triplet '${text}' does not have three components`);
  const rotation: Mat3 = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const translation: Vec3 = [0, 0, 0];
  parts.forEach((part, row) => {
    const compact = part.replace(/\s+/g, '');
    if (compact === '') throw new Error(`coordinate triplet '${text}' has an empty component`);
    // Terms: optional sign, then either [integer]variable or a number/fraction.
    const termPattern = /([+-]?)(?:(\d*)([xyz])|(\d+(?:\.\d+)?)(?:\/(\d+))?)/gy;
    let consumed = 0;
    for (const match of compact.matchAll(termPattern)) {
      if (match.index !== consumed || match[0] === '') break;
      consumed += match[0].length;
      const sign = match[1] === '-' ? -1 : 1;
      if (match[3] !== undefined) {
        const coefficient = match[2] ? Number(match[2]) : 1;
        rotation[row]![match[3].charCodeAt(0) - 120] += sign * coefficient; // 'x' = 120
      } else {
        const numerator = Number(match[4]);
        const denominator = match[5] !== undefined ? Number(match[5]) : 1;
        translation[row] += (sign * numerator) / denominator;
      }
    }
    if (consumed !== compact.length) throw new Error(`cannot parse component '${part}' of coordinate triplet '${text}'`);
  });
  return { rotation, translation };
}

function matrixRank(m: Mat3): number {
  // Gaussian elimination on a copy; entries are small integers so a fixed tolerance is safe.
  const a = m.map((row) => [...row]);
  let rank = 0;
  for (let col = 0; col < 3 && rank < 3; col++) {
    let pivot = -1;
    for (let r = rank; r < 3; r++) if (Math.abs(a[r]![col]!) > 1e-9) pivot = r;
    if (pivot < 0) continue;
    [a[rank], a[pivot]] = [a[pivot]!, a[rank]!];
    for (let r = 0; r < 3; r++) {
      if (r === rank) continue;
      const factor = a[r]![col]! / a[rank]![col]!;
      for (let c = 0; c < 3; c++) a[r]![c]! -= factor * a[rank]![c]!;
    }
    rank++;
  }
  return rank;
}

/** Orthogonal projector onto the column space of m (the directions a point on the Wyckoff form can move in). */
function columnSpaceProjector(m: Mat3): Float64Array {
  // Gram–Schmidt on the columns.
  const basis: Vec3[] = [];
  for (let c = 0; c < 3; c++) {
    const v: Vec3 = [m[0][c], m[1][c], m[2][c]];
    for (const b of basis) {
      const d = v[0] * b[0] + v[1] * b[1] + v[2] * b[2];
      v[0] -= d * b[0];
      v[1] -= d * b[1];
      v[2] -= d * b[2];
    }
    const n = Math.hypot(v[0], v[1], v[2]);
    if (n > 1e-9) basis.push([v[0] / n, v[1] / n, v[2] / n]);
  }
  const p = new Float64Array(9);
  for (const b of basis) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) p[i * 3 + j]! += b[i]! * b[j]!;
  return p;
}

function toCrystalSystem(moyoName: string): CrystalSystem {
  const name = moyoName.toLowerCase();
  switch (name) {
    case 'triclinic':
    case 'monoclinic':
    case 'orthorhombic':
    case 'tetragonal':
    case 'trigonal':
    case 'hexagonal':
    case 'cubic':
      return name;
    default:
      throw new Error(`unexpected crystal system '${moyoName}' from moyo`);
  }
}

/** Letter order a…z then A (group 47 has 27 positions). */
export function letterRank(letter: string): number {
  if (letter.length === 1 && letter >= 'a' && letter <= 'z') return letter.charCodeAt(0) - 97;
  if (letter === 'A') return 26;
  throw new Error(`'${letter}' is not a Wyckoff letter (a…z or A)`);
}

function buildOrbitOps(operations: readonly AffineOp[], representative: AffineOp, multiplicity: number, g: number, letter: string): AffineOp[] {
  const point = applyOp(representative, GENERIC_PARAMETERS);
  const images: Vec3[] = [];
  const ops: AffineOp[] = [];
  for (const op of operations) {
    const image = wrapVec(applyOp(op, point));
    if (images.some((seen) => periodicFracDistance(seen, image) < 1e-7)) continue;
    images.push(image);
    ops.push(op);
  }
  if (ops.length !== multiplicity) {
    throw new Error(`internal: Wyckoff position ${g}${letter} expands to ${ops.length} points, expected ${multiplicity}`);
  }
  return ops;
}

function buildSpaceGroup(g: number): SpaceGroup {
  const moyo = moyoModule();
  const type = moyo.space_group_type(g);
  const entry = moyo.hall_symbol_entry(type.hall_number);
  const operations = moyo.operations_from_number(g, { type: 'Standard' }, false).map((op) => opFromMoyo(op.rotation, op.translation));
  // Put the identity first so that orbitOps[0] (the first op reaching a new image) is the identity as well.
  const identityIndex = operations.findIndex((op) => isIdentity(op));
  if (identityIndex < 0) throw new Error(`internal: space group ${g} has no identity operation`);
  if (identityIndex > 0) operations.unshift(...operations.splice(identityIndex, 1));
  const wyckoffPositions = moyo
    .wyckoff_positions(type.hall_number)
    .map((w): WyckoffPosition => {
      const representative = parseCoordinateTriplet(w.coordinates);
      const rows = representative.rotation;
      return {
        letter: w.letter,
        multiplicity: w.multiplicity,
        siteSymmetry: w.site_symmetry,
        coordinates: w.coordinates,
        representative,
        freeAxes: [rows[0].some((v) => v !== 0), rows[1].some((v) => v !== 0), rows[2].some((v) => v !== 0)],
        dof: matrixRank(rows),
        orbitOps: buildOrbitOps(operations, representative, w.multiplicity, g, w.letter),
      };
    })
    .sort((p, q) => letterRank(p.letter) - letterRank(q.letter));
  return {
    number: g,
    symbol: type.hm_short.replace(/\s+/g, ''),
    hmShort: type.hm_short,
    hmFull: type.hm_full,
    hallNumber: type.hall_number,
    hallSymbol: entry.hall_symbol,
    crystalSystem: toCrystalSystem(type.crystal_system),
    latticeSystem: type.lattice_system.toLowerCase(),
    centering: entry.centering,
    operations,
    wyckoffPositions,
  };
}

function isIdentity(op: AffineOp): boolean {
  const r = op.rotation;
  return (
    r[0][0] === 1 && r[1][1] === 1 && r[2][2] === 1 &&
    r[0][1] === 0 && r[0][2] === 0 && r[1][0] === 0 && r[1][2] === 0 && r[2][0] === 0 && r[2][1] === 0 &&
    op.translation.every((t) => Math.abs(t - Math.round(t)) < 1e-12)
  );
}

export function getSpaceGroup(g: number): SpaceGroup {
  checkGroupNumber(g);
  let group = groupCache.get(g);
  if (!group) {
    group = buildSpaceGroup(g);
    groupCache.set(g, group);
  }
  return group;
}

export function allSpaceGroups(): SpaceGroup[] {
  return Array.from({ length: GROUP_COUNT }, (_, i) => getSpaceGroup(i + 1));
}

export function crystalSystemOf(g: number): CrystalSystem {
  return getSpaceGroup(g).crystalSystem;
}

export function wyckoffPosition(g: number, letter: string): WyckoffPosition {
  const group = getSpaceGroup(g);
  const position = group.wyckoffPositions.find((w) => w.letter === letter);
  if (!position) {
    const letters = group.wyckoffPositions.map((w) => w.letter).join('');
    throw new Error(`space group ${g} (${group.symbol}) has no Wyckoff position '${letter}' (it has ${letters})`);
  }
  return position;
}

/** How a group's standard setting is named in a CIF (`_space_group_name_H-M_alt`, `_space_group_name_Hall`). */
export interface CifSpaceGroupNames {
  /**
   * Short H-M symbol as the CIF dictionary writes it — subscripts without '_' ('P 21/c', 'P 42/n m c') — with the
   * setting qualifier of the ITA/xHM convention when the group has more than one: ':2' for origin choice 2 (the
   * 24 groups 48, 50, …, 228), ':H' for R groups on hexagonal axes, e.g. 'P 4/n m m :2', 'R -3 m :H'.
   */
  hermannMauguin: string;
  /** Hall symbol in the notation of Hall (1981) and the CIF dictionary: '"' for a double prime, e.g. '-P 3 2"'. */
  hall: string;
}

/**
 * The names of space group g's standard setting (the one its operations and Wyckoff tables use) for writing CIFs.
 * moyo gives subscripts as '_' ('P 2_1/c') and the double prime as '=' (spglib's ASCII form of the Hall symbol);
 * readers that resolve the group by name (gemmi 0.5 uses only the H-M symbol) need the qualifier ':2', without
 * which 'P 4/n m m' means origin choice 1.
 */
export function cifSpaceGroupNames(g: number): CifSpaceGroupNames {
  const group = getSpaceGroup(g);
  const setting = moyoModule().hall_symbol_entry(group.hallNumber).setting;
  const symbol = group.hmShort.replace(/_/g, '');
  const qualifier = setting === '1' || setting === '2' || setting === 'H' || setting === 'R' ? ` :${setting}` : '';
  return { hermannMauguin: symbol + qualifier, hall: group.hallSymbol.replace(/=/g, '"') };
}

function flattenOp(op: AffineOp, out: Float64Array, offset: number): void {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[offset + i * 3 + j] = op.rotation[i]![j]!;
    out[offset + 9 + i] = op.translation[i]!;
  }
}

/** Flat numeric tables of every Wyckoff position of g, in the same (letter) order as `wyckoffPositions`. */
export function wyckoffKernels(g: number): WyckoffKernel[] {
  let kernels = kernelCache.get(g);
  if (!kernels) {
    kernels = getSpaceGroup(g).wyckoffPositions.map((w) => {
      const orbitOps = new Float64Array(12 * w.multiplicity);
      w.orbitOps.forEach((op, k) => flattenOp(op, orbitOps, 12 * k));
      const representative = new Float64Array(12);
      flattenOp(w.representative, representative, 0);
      return { multiplicity: w.multiplicity, orbitOps, representative, formProjector: columnSpaceProjector(w.representative.rotation) };
    });
    kernelCache.set(g, kernels);
  }
  return kernels;
}

/** Kernel of one Wyckoff position; throws naming g and the letter. */
export function wyckoffKernel(g: number, letter: string): WyckoffKernel {
  const index = getSpaceGroup(g).wyckoffPositions.indexOf(wyckoffPosition(g, letter));
  return wyckoffKernels(g)[index]!;
}

/**
 * Squared fractional distance from p to the nearest point of the Wyckoff form (modulo lattice translations), and
 * that nearest point written into `out` (not wrapped). The form is the affine subspace τ + col(R); the integer
 * shifts tried are −1…1 per axis, which covers every form after p − τ is reduced to [−½, ½)³ (forms have
 * coefficients of at most 2, see the test over all 1,731 positions).
 */
export function projectOntoForm(kernel: WyckoffKernel, p: Vec3, out: Vec3): number {
  const rep = kernel.representative;
  const proj = kernel.formProjector;
  const d0 = p[0] - rep[9]!;
  const d1 = p[1] - rep[10]!;
  const d2 = p[2] - rep[11]!;
  const r0 = d0 - Math.round(d0);
  const r1 = d1 - Math.round(d1);
  const r2 = d2 - Math.round(d2);
  let best = Infinity;
  for (let n0 = -1; n0 <= 1; n0++) {
    for (let n1 = -1; n1 <= 1; n1++) {
      for (let n2 = -1; n2 <= 1; n2++) {
        const v0 = r0 + n0;
        const v1 = r1 + n1;
        const v2 = r2 + n2;
        const q0 = proj[0]! * v0 + proj[1]! * v1 + proj[2]! * v2;
        const q1 = proj[3]! * v0 + proj[4]! * v1 + proj[5]! * v2;
        const q2 = proj[6]! * v0 + proj[7]! * v1 + proj[8]! * v2;
        const e0 = v0 - q0;
        const e1 = v1 - q1;
        const e2 = v2 - q2;
        const err = e0 * e0 + e1 * e1 + e2 * e2;
        if (err < best) {
          best = err;
          // Nearest form point, expressed near p: p − (v − q).
          out[0] = p[0] - e0;
          out[1] = p[1] - e1;
          out[2] = p[2] - e2;
        }
      }
    }
  }
  return best;
}

/**
 * All points of the orbit of `point` under Wyckoff position (g, letter), wrapped to [0,1) and distinct.
 * `point` should lie on the position's representative form (e.g. 'x,1/4,z'); if it does not, it is first moved
 * to the nearest point of the form. When special parameter values give extra symmetry (e.g. x = 0 on 'x,0,0')
 * coinciding images are merged, so fewer than `multiplicity` points come back.
 */
export function expandOrbit(g: number, letter: string, point: Vec3): Vec3[] {
  const kernel = wyckoffKernel(g, letter);
  const onForm: Vec3 = [0, 0, 0];
  projectOntoForm(kernel, point, onForm);
  const ops = kernel.orbitOps;
  const result: Vec3[] = [];
  for (let k = 0; k < kernel.multiplicity; k++) {
    const o = 12 * k;
    const image: Vec3 = [
      wrapUnit(ops[o]! * onForm[0] + ops[o + 1]! * onForm[1] + ops[o + 2]! * onForm[2] + ops[o + 9]!),
      wrapUnit(ops[o + 3]! * onForm[0] + ops[o + 4]! * onForm[1] + ops[o + 5]! * onForm[2] + ops[o + 10]!),
      wrapUnit(ops[o + 6]! * onForm[0] + ops[o + 7]! * onForm[1] + ops[o + 8]! * onForm[2] + ops[o + 11]!),
    ];
    let duplicate = false;
    for (const seen of result) {
      if (periodicFracDistance(seen, image) < 1e-8) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) result.push(image);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Symbol look-up

interface SettingEntry {
  number: number;
  hallNumber: number;
  /** moyo's setting code: '' (only setting), '1'/'2' (origin choice), 'H'/'R' (axes), 'b1', 'cab', … */
  setting: string;
  hallSymbol: string;
  isStandard: boolean;
}

interface SymbolIndex {
  exact: Map<string, SettingEntry>;
  folded: Map<string, SettingEntry>;
  hall: Map<string, SettingEntry>;
}

let symbolIndex: SymbolIndex | undefined;

/** ITA 2002 renamed five groups' symbols with the double-glide letter 'e'; older files use the earlier names. */
const LEGACY_GLIDE_SYMBOLS: Record<string, string> = {
  Aem2: 'Abm2', // 39
  Aea2: 'Aba2', // 41
  Cmce: 'Cmca', // 64
  Cmme: 'Cmma', // 67
  Ccce: 'Ccca', // 68
};

/** Canonical key of an H-M symbol: no spaces, no underscores, '2(1)' → '21'. */
function hmKey(symbol: string): string {
  return symbol
    .replace(/[\s_]+/g, '')
    .replace(/(\d)\((\d)\)/g, '$1$2');
}

function hallKey(symbol: string): string {
  // moyo (like spglib) writes the double prime of a Hall symbol as '='; CIFs write '"'.
  return symbol.trim().replace(/\s+/g, ' ').replace(/"/g, '=').toLowerCase();
}

function buildSymbolIndex(): SymbolIndex {
  const moyo = moyoModule();
  const exact = new Map<string, SettingEntry>();
  const folded = new Map<string, SettingEntry>();
  const hall = new Map<string, SettingEntry>();
  const add = (map: Map<string, SettingEntry>, key: string, entry: SettingEntry) => {
    const existing = map.get(key);
    // Standard settings win over other settings that share a symbol; otherwise the first (lowest Hall number) wins.
    if (!existing || (entry.isStandard && !existing.isStandard)) map.set(key, entry);
  };
  for (let g = 1; g <= GROUP_COUNT; g++) {
    const standardHall = moyo.space_group_type(g).hall_number;
    const cubic = moyo.space_group_type(g).crystal_system === 'Cubic';
    for (const e of moyo.hall_symbol_entries_from_number(g)) {
      const entry: SettingEntry = { number: g, hallNumber: e.hall_number, setting: e.setting, hallSymbol: e.hall_symbol, isStandard: e.hall_number === standardHall };
      const keys = [hmKey(e.hm_short), hmKey(e.hm_full)];
      // Qualified forms as written in CIFs: 'F d -3 m :2', 'R -3 m :H', 'P 1 21/c 1 :b1'? (moyo's codes).
      if (e.setting !== '') keys.push(...keys.map((k) => `${k}:${e.setting}`));
      // Pre-1983 cubic symbols without the bar on 3 ('Fm3m', 'Pm3'), still found in older CIFs.
      if (cubic) keys.push(...keys.map((k) => k.replace('-3', '3')));
      // Short monoclinic symbols of non-standard settings ('P 1 2_1/n 1' → 'P21/n'); moyo's hm_short names the
      // standard cell for every setting, so derive them from the full symbol by dropping the '1' axes.
      if (moyo.space_group_type(g).crystal_system === 'Monoclinic') keys.push(hmKey(e.hm_full.split(/\s+/).filter((part, i) => i === 0 || part !== '1').join('')));
      // Symbols from before the 'e' (double glide) notation of ITA 2002.
      const legacy = LEGACY_GLIDE_SYMBOLS[hmKey(e.hm_short)];
      if (legacy && entry.isStandard) keys.push(legacy);
      for (const key of keys) {
        add(exact, key, entry);
        add(folded, key.toLowerCase(), entry);
      }
      add(hall, hallKey(e.hall_symbol), entry);
    }
  }
  return { exact, folded, hall };
}

/** What a symbol is known to be (a CIF tag says so): Hall symbols such as 'P 4 2' (group 89) also read as H-M 'P 42' (77). */
export type SpaceGroupSymbolKind = 'any' | 'hall';

function lookUpSetting(query: string, kind: SpaceGroupSymbolKind = 'any'): SettingEntry | undefined {
  // Strip one pair of enclosing quotes only: a Hall symbol may end in '"' (a double prime, '-P 3 2"').
  const text = query.trim().replace(/^(['"])(.*)\1$/s, '$2').trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) {
    const g = Number(text);
    if (g < 1 || g > GROUP_COUNT) return undefined;
    const moyo = moyoModule();
    const hallNumber = moyo.space_group_type(g).hall_number;
    const e = moyo.hall_symbol_entry(hallNumber);
    return { number: g, hallNumber, setting: e.setting, hallSymbol: e.hall_symbol, isStandard: true };
  }
  symbolIndex ??= buildSymbolIndex();
  const key = hmKey(text);
  if (kind === 'hall') return symbolIndex.hall.get(hallKey(text));
  return (
    symbolIndex.exact.get(key) ??
    symbolIndex.hall.get(hallKey(text)) ??
    symbolIndex.folded.get(key.toLowerCase()) ??
    // 'R-3m:H'-style qualifiers that moyo does not list for this group: ignore the qualifier.
    (key.includes(':') ? symbolIndex.exact.get(key.slice(0, key.indexOf(':'))) ?? symbolIndex.folded.get(key.slice(0, key.indexOf(':')).toLowerCase()) : undefined)
  );
}

/**
 * The space group named by `query`: a number ('225'), a Hermann–Mauguin symbol, short or full, with or without
 * spaces and underscores ('Fm-3m', 'F m -3 m', 'P 1 21/c 1', 'P6_3/mmc', 'P2(1)/c', also other settings such as
 * 'P 21/n' or 'Pbnm', optionally with a ':1'/':2'/':H'/':R' qualifier) or a Hall symbol ('-F 4 2 3'). Returns the
 * group (always described in its standard setting); see `findSpaceGroupSetting` for the setting the symbol names.
 */
export function findSpaceGroup(query: string): SpaceGroup | undefined {
  const entry = lookUpSetting(query);
  return entry ? getSpaceGroup(entry.number) : undefined;
}

export interface SpaceGroupSetting {
  spaceGroup: SpaceGroup;
  hallNumber: number;
  hallSymbol: string;
  /** moyo's setting code ('' when the group has a single setting). */
  setting: string;
  isStandard: boolean;
  /** Conventional-cell operations in this setting (for expanding a CIF that gives only a symbol). */
  operations: AffineOp[];
}

/**
 * Like `findSpaceGroup`, but also reports which setting the symbol names and that setting's operations. With kind
 * 'hall' the query is only matched against Hall symbols.
 */
export function findSpaceGroupSetting(query: string, kind: SpaceGroupSymbolKind = 'any'): SpaceGroupSetting | undefined {
  const entry = lookUpSetting(query, kind);
  if (!entry) return undefined;
  const spaceGroup = getSpaceGroup(entry.number);
  const operations = entry.isStandard
    ? spaceGroup.operations
    : moyoModule()
        .operations_from_number(entry.number, { type: 'HallNumber', value: entry.hallNumber }, false)
        .map((op) => opFromMoyo(op.rotation, op.translation));
  return { spaceGroup, hallNumber: entry.hallNumber, hallSymbol: entry.hallSymbol, setting: entry.setting, isStandard: entry.isStandard, operations };
}
