/**
 * What `symprec` means here: spglib's rule, the one pymatgen's SpacegroupAnalyzer and the Materials Project's
 * space-group labels use. An operation (R, t) is a symmetry of the cell when t is the displacement of one pivot atom
 * (of the least frequent species) onto an atom of its species, and then every atom, rotated and translated, lies
 * within symprec (Cartesian, fractional differences rounded to the nearest lattice vector) of an atom of its species.
 *
 * moyo finds operations with a translation fitted to all atoms at once (least squares), which accepts slightly
 * larger distortions than the pivot rule at the same symprec: on MP-20 it reports a higher group than spglib for
 * ~0.6 % of the structures (e.g. C2/c for C2 when the inversion is 0.11 Å off). So every operation moyo reports is
 * checked with the pivot rule, and when one fails moyo is asked again at a smaller tolerance, until its whole group
 * passes at the requested symprec.
 *
 * Structure matching (electron/evaluate/matcher.ts) keeps moyo's own, looser rule on purpose: there a noisy copy of
 * a crystal must still standardise to the same cell (the matcher's tests jitter atoms by 0.05 Å).
 */
import type { MoyoDataset, MoyoOperation } from '@spglib/moyo-wasm';
import { atomicNumber } from '../crystal/elements.ts';
import type { Structure } from '../crystal/structure.ts';
import { type SymmetryDeadline, checkDeadline } from './limits.ts';

/**
 * The two symmetry tolerances in Å (spglib's meaning), one name each:
 * - DEFAULT_SYMPREC, for analysing a structure as given (inspect, data preparation, scoring, relaxation):
 *   CrystalFormer's preprocessing uses SpacegroupAnalyzer(symprec = 0.01);
 * - EVALUATION_SYMPREC, for the space group a generated crystal is found in (found = requested, the group written in
 *   its CIF, `cfstudio evaluate`): CrystalFormer's and MatterGen's evaluations use spglib at 0.1.
 */
export const DEFAULT_SYMPREC = 0.01;
export const EVALUATION_SYMPREC = 0.1;

export interface SymmetryCell {
  /** Lattice vectors as rows (Å). */
  lattice: readonly (readonly number[])[];
  positions: readonly (readonly number[])[];
  numbers: readonly number[];
}

/** Each retry multiplies moyo's tolerance by this; 12 tries go down to ~0.17 × the requested value. */
const RETRY_FACTOR = 0.85;
const MAX_TRIES = 12;

/**
 * moyo's dataset for `cell` whose operations all hold at `symprec` under the pivot rule. `analyze` runs moyo at a
 * given tolerance (directly, or in a worker with a time limit). When no tolerance down to 0.17 × symprec gives a
 * group that passes, the last dataset moyo returned is used (its group is the smallest found).
 */
export function analyzeWithPivotTolerance(cell: SymmetryCell, symprec: number, analyze: (symprec: number) => MoyoDataset, deadline?: SymmetryDeadline): MoyoDataset {
  const checker = new PivotRule(cell, symprec);
  let tolerance = symprec;
  // An error at the requested tolerance is the answer (as without the check); a later one ends the search with
  // the last group found, so a cell on which moyo times out costs one time limit more at most.
  let last = analyze(tolerance);
  // Each check costs up to n² distance tests; a supercell can have thousands of operations (its translations).
  const holds = (op: MoyoOperation): boolean => {
    checkDeadline(deadline);
    return checker.holds(op);
  };
  for (let attempt = 1; attempt < MAX_TRIES; attempt++) {
    if (last.operations.every(holds)) return last;
    tolerance *= RETRY_FACTOR;
    try {
      last = analyze(tolerance);
    } catch {
      return last;
    }
  }
  return last;
}

/**
 * `analyzeWithPivotTolerance` for a structure: builds the cell and the JSON moyo takes once, and hands the JSON to
 * `analyzeJson` (moyo directly, or through a worker with a time limit) at each tolerance tried.
 */
export function analyzeStructureWithPivotTolerance(
  s: Structure,
  symprec: number,
  analyzeJson: (cellJson: string, symprec: number) => MoyoDataset,
  deadline?: SymmetryDeadline,
): MoyoDataset {
  const positions = s.sites.map((site) => site.frac);
  const numbers = s.sites.map((site) => atomicNumber(site.species));
  const cellJson = JSON.stringify({ lattice: { basis: s.lattice.matrix.flat() }, positions, numbers });
  return analyzeWithPivotTolerance({ lattice: s.lattice.matrix, positions, numbers }, symprec, (t) => analyzeJson(cellJson, t), deadline);
}

/** The pivot rule for one cell at one tolerance. */
export class PivotRule {
  private readonly n: number;
  private readonly frac: Float64Array;
  private readonly pivot: number;
  private readonly lattice: readonly (readonly number[])[];
  private readonly rotated: Float64Array;

  constructor(
    private readonly cell: SymmetryCell,
    private readonly symprec: number,
  ) {
    this.n = cell.positions.length;
    this.lattice = cell.lattice;
    this.frac = new Float64Array(this.n * 3);
    cell.positions.forEach((p, i) => this.frac.set([p[0]!, p[1]!, p[2]!], 3 * i));
    this.rotated = new Float64Array(this.n * 3);
    const counts = new Map<number, number>();
    for (const z of cell.numbers) counts.set(z, (counts.get(z) ?? 0) + 1);
    let pivot = 0;
    for (let i = 1; i < this.n; i++) if (counts.get(cell.numbers[i]!)! < counts.get(cell.numbers[pivot]!)!) pivot = i;
    this.pivot = pivot;
  }

  /** Cartesian length of the fractional difference a − b after rounding each component to the nearest integer. */
  private distance(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
    let dx = ax - bx;
    let dy = ay - by;
    let dz = az - bz;
    dx -= Math.round(dx);
    dy -= Math.round(dy);
    dz -= Math.round(dz);
    const L = this.lattice;
    const x = dx * L[0]![0]! + dy * L[1]![0]! + dz * L[2]![0]!;
    const y = dx * L[0]![1]! + dy * L[1]![1]! + dz * L[2]![1]!;
    const z = dx * L[0]![2]! + dy * L[1]![2]! + dz * L[2]![2]!;
    return Math.sqrt(x * x + y * y + z * z);
  }

  /**
   * Does the operation hold? moyo serialises its 3×3 matrices column by column (nalgebra's storage order), so
   * entry (row i, column j) is `rotation[3 j + i]`.
   */
  holds(op: MoyoOperation): boolean {
    const R = op.rotation;
    const { n, frac, rotated } = this;
    for (let i = 0; i < n; i++) {
      const x = frac[3 * i]!;
      const y = frac[3 * i + 1]!;
      const z = frac[3 * i + 2]!;
      rotated[3 * i] = R[0] * x + R[3] * y + R[6] * z;
      rotated[3 * i + 1] = R[1] * x + R[4] * y + R[7] * z;
      rotated[3 * i + 2] = R[2] * x + R[5] * y + R[8] * z;
    }
    const numbers = this.cell.numbers;
    const p = this.pivot;
    const [tx, ty, tz] = op.translation;
    for (let j = 0; j < n; j++) {
      if (numbers[j] !== numbers[p]) continue;
      const cx = frac[3 * j]! - rotated[3 * p]!;
      const cy = frac[3 * j + 1]! - rotated[3 * p + 1]!;
      const cz = frac[3 * j + 2]! - rotated[3 * p + 2]!;
      // Only translations equal to the operation's own modulo the lattice; the others belong to other operations.
      if (this.distance(cx, cy, cz, tx, ty, tz) > 4 * this.symprec) continue;
      if (this.allAtomsOverlap(cx, cy, cz)) return true;
    }
    return false;
  }

  private allAtomsOverlap(tx: number, ty: number, tz: number): boolean {
    const { n, frac, rotated, symprec } = this;
    const numbers = this.cell.numbers;
    for (let i = 0; i < n; i++) {
      const qx = rotated[3 * i]! + tx;
      const qy = rotated[3 * i + 1]! + ty;
      const qz = rotated[3 * i + 2]! + tz;
      let found = false;
      for (let k = 0; k < n; k++) {
        if (numbers[k] === numbers[i] && this.distance(qx, qy, qz, frac[3 * k]!, frac[3 * k + 1]!, frac[3 * k + 2]!) < symprec) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
}
