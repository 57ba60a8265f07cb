/**
 * Physical bounds every structure reader applies before it hands a cell to the rest of the program.
 *
 * Why bounds at all: a finite but absurd cell (a POSCAR component of 1e308, a CIF length of 1e200 Å) gives
 * infinite lengths, NaN angles and zero inverse matrices further on; stored in the library it breaks every page
 * that contains it and is exported as `_cell_length_b Infinity`. So the readers reject such cells with the file and
 * line, and the bounds are chosen far outside anything a crystal file describes:
 *
 * - `maxLength` 1e4 Å: the largest unit cells in the crystallographic databases (virus capsids in the PDB) have
 *   edges of ~1,000–2,000 Å; slab and molecule-in-a-box models use vacuum of tens of Å.
 * - `minVolume` 0.1 Å³: below any cell that can hold an atom (see the per-atom floor).
 * - `minVolumePerAtom` 0.0884 Å³ = 0.5³/√2: the densest packing of atoms kept 0.5 Å apart, the distance below
 *   which this program calls a crystal structurally invalid (electron/evaluate, the reward specs). Real crystals
 *   are far above it — diamond, the densest element at ambient pressure, has 5.67 Å³ per atom (a = 3.567 Å,
 *   8 atoms), and the ~50,000 structures of MP-20, MPTS-52, perov-5 and carbon-24 have at least 5.42 — but the
 *   floor cannot be higher without rejecting crystals the program itself generates, calls valid and writes (an
 *   early fine-tuning policy draws 8 Ba atoms in 6.9 Å³ with no two closer than 0.5 Å). Below it, atoms overlap.
 * - `maxFractionalCoordinate` 1e6: coordinates are wrapped into [0, 1) after reading; a value of 1e30 has no digits
 *   left below the decimal point (float64 keeps ~16 significant digits), so the atom's position is meaningless.
 */
import type { Lattice } from './lattice.ts';

export const CELL_BOUNDS = {
  maxLength: 1e4,
  minVolume: 0.1,
  minVolumePerAtom: 0.5 ** 3 / Math.SQRT2,
  maxFractionalCoordinate: 1e6,
} as const;

/** Why a lattice vector length (Å) is out of bounds, or undefined when it is fine. */
export function latticeLengthProblem(length: number): string | undefined {
  if (!Number.isFinite(length)) return `lattice vector length ${length} is not a finite number`;
  if (length > CELL_BOUNDS.maxLength) return `lattice vector length ${formatNumber(length)} Å is above the bound of ${CELL_BOUNDS.maxLength} Å`;
  return undefined;
}

/**
 * Why a cell holding `atomCount` atoms is not physical (non-finite entries, lengths above the bound, a volume or a
 * volume per atom below the floor), or undefined when it is fine. `atomCount` 0 skips the per-atom test.
 */
export function cellProblem(lattice: Lattice, atomCount = 0): string | undefined {
  for (const row of lattice.matrix) {
    for (const value of row) if (!Number.isFinite(value)) return `lattice matrix has a non-finite entry (${value})`;
  }
  const names = ['a', 'b', 'c'] as const;
  for (const [axis, length] of lattice.abc.entries()) {
    const problem = latticeLengthProblem(length);
    if (problem) return `${names[axis]}: ${problem}`;
  }
  const volume = lattice.volume;
  if (!Number.isFinite(volume)) return `cell volume ${volume} is not a finite number`;
  if (volume < CELL_BOUNDS.minVolume) return `cell volume ${formatNumber(volume)} Å³ is below the floor of ${CELL_BOUNDS.minVolume} Å³`;
  if (atomCount > 0 && volume / atomCount < CELL_BOUNDS.minVolumePerAtom) {
    return `cell volume ${formatNumber(volume)} Å³ for ${atomCount} atoms is ${formatNumber(volume / atomCount)} Å³ per atom, below the floor of ${formatNumber(CELL_BOUNDS.minVolumePerAtom)} Å³ per atom (atoms closer than 0.5 Å; diamond has 5.7)`;
  }
  return undefined;
}

/** Why a fractional coordinate triple is unusable (non-finite or |x| above the bound), or undefined. */
export function fractionalCoordinateProblem(frac: readonly number[]): string | undefined {
  for (const [axis, x] of frac.entries()) {
    const name = 'xyz'[axis] ?? String(axis);
    if (!Number.isFinite(x)) return `fractional ${name} = ${x} is not a finite number`;
    if (Math.abs(x) > CELL_BOUNDS.maxFractionalCoordinate) {
      return `fractional ${name} = ${formatNumber(x)} is beyond ±${CELL_BOUNDS.maxFractionalCoordinate} (no precision left for a position in the cell)`;
    }
  }
  return undefined;
}

/** Short form for messages: 1e+308 rather than 308 digits. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const magnitude = Math.abs(x);
  return magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}
