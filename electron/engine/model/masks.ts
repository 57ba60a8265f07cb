import type { WyckoffTables } from '../../../shared/tokens/index.ts';
import { ATOM_CLASSES, N_SLOTS, WYCKOFF_CLASSES } from './config.ts';

export type { WyckoffTables };

/** Additive mask value for forbidden classes: large enough that exp() underflows to 0 in float32. */
export const FORBIDDEN = -1e10;

/**
 * Which Wyckoff indices may come at a slot (crystalformer.md §2.5). Slot 0 follows the space group alone: the empty
 * crystal (0) is forbidden. Later slots follow the previous letter: letters never decrease, a fixed position
 * (no free coordinate) cannot repeat, and after a stop (0) only further stops are allowed. The last slot (index 20)
 * is always a stop: at most 20 sites, so that a padding slot is left to predict the lattice. Writes 0 (allowed) or
 * FORBIDDEN into `out` at `offset`.
 */
export function writeWyckoffMask(tables: WyckoffTables, spaceGroup: number, previous: number | null, out: Float32Array, offset: number, slot = 0): void {
  const wmax = tables.wmax[spaceGroup - 1]!;
  for (let w = 0; w < WYCKOFF_CLASSES; w++) {
    let allowed: boolean;
    if (slot >= N_SLOTS - 1) {
      allowed = w === 0;
    } else if (previous === null) {
      allowed = w >= 1 && w <= wmax;
    } else if (previous === 0) {
      allowed = w === 0;
    } else if (w === 0) {
      allowed = true;
    } else {
      const strictly = tables.isFixedPoint(spaceGroup, previous);
      allowed = w <= wmax && (strictly ? w > previous : w >= previous);
    }
    out[offset + w] = allowed ? 0 : FORBIDDEN;
  }
}

/** A real site (W > 0) takes any element 1…118; a padding slot (W = 0) only the padding element 0. */
export function writeAtomMask(wyckoff: number, out: Float32Array, offset: number, allowedElements?: ReadonlySet<number>): void {
  for (let a = 0; a < ATOM_CLASSES; a++) {
    const allowed = wyckoff === 0 ? a === 0 : a !== 0 && (!allowedElements || allowedElements.has(a));
    out[offset + a] = allowed ? 0 : FORBIDDEN;
  }
}
