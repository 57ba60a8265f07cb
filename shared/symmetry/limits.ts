/**
 * Limits on what a symmetry analysis is asked to do, decided before moyo is called.
 *
 * moyo (the WebAssembly symmetry finder) cannot be interrupted on the thread that calls it and has no work bound
 * of its own: a 3-atom cell with c = 1e6 Å never returns, a supercell of a few hundred atoms takes seconds (its
 * cost grows like n³ with the lattice translations of a supercell), a 10⁵-atom cell minutes. So every analysis first checks the
 * structure against these limits and fails at once with a one-line reason naming the limit; what passes still runs
 * with a time limit where the platform allows it (electron/symmetry/bounded.ts in Node, a Web Worker in the
 * renderer), and the pure-JavaScript parts honour a deadline (see `SymmetryDeadline`).
 */
import type { Structure } from '../crystal/structure.ts';
import { cross, norm } from '../crystal/linalg.ts';

export interface SymmetryLimits {
  /** Most atoms in the analysed cell. Real crystals in the databases rarely exceed a few hundred. */
  maxAtoms: number;
  /** Longest lattice vector (Å). */
  maxLength: number;
  /** Largest ratio of the longest lattice vector to the smallest distance between opposite cell faces. */
  maxAnisotropy: number;
}

export const SYMMETRY_LIMITS: Readonly<SymmetryLimits> = Object.freeze({
  maxAtoms: 1000,
  maxLength: 1e4,
  // moyo stalls on some cells past ~1e5 (and on one 200 × 2 × 0.6 Å cell at 333); slabs with 30 Å of vacuum on
  // a 3 Å cell are at 10–20, a 1,000 Å capsid cell of 100 Å thickness at 10.
  maxAnisotropy: 1000,
});

/** An analysis refused before it started: the structure is beyond one of `SYMMETRY_LIMITS`. */
export class SymmetryLimitError extends Error {
  override name = 'SymmetryLimitError';
}

/** An analysis stopped at its time limit. */
export class SymmetryTimeoutError extends Error {
  override name = 'SymmetryTimeoutError';
}

/** Throws SymmetryLimitError with the limit named when `s` is beyond `limits`. */
export function checkSymmetryLimits(s: Structure, limits: SymmetryLimits = SYMMETRY_LIMITS): void {
  if (s.numSites > limits.maxAtoms) {
    throw new SymmetryLimitError(`symmetry analysis refused: ${s.numSites} atoms is more than the limit of ${limits.maxAtoms} atoms per structure`);
  }
  const m = s.lattice.matrix;
  const lengths = [norm(m[0]), norm(m[1]), norm(m[2])];
  const longest = Math.max(...lengths);
  if (!(longest <= limits.maxLength)) {
    throw new SymmetryLimitError(`symmetry analysis refused: the longest lattice vector (${longest.toPrecision(4)} Å) is beyond the limit of ${limits.maxLength} Å`);
  }
  const volume = s.lattice.volume;
  const thinnest = Math.min(volume / norm(cross(m[1], m[2])), volume / norm(cross(m[2], m[0])), volume / norm(cross(m[0], m[1])));
  const anisotropy = longest / thinnest;
  if (!(anisotropy <= limits.maxAnisotropy)) {
    throw new SymmetryLimitError(
      `symmetry analysis refused: the cell is too anisotropic (longest lattice vector ${longest.toPrecision(4)} Å over the thinnest cell height ${thinnest.toPrecision(4)} Å is ${anisotropy.toPrecision(3)}, above the limit of ${limits.maxAnisotropy})`,
    );
  }
}

/**
 * When the pure-JavaScript parts of an analysis (the pivot-rule checks, the orbit collection) must stop with
 * SymmetryTimeoutError: `at` in performance.now() milliseconds; `limitMs` is the time limit it came from, for the
 * message. `undefined` means no deadline.
 */
export type SymmetryDeadline = { readonly at: number; readonly limitMs: number } | undefined;

export function deadlineAfter(limitMs: number): SymmetryDeadline {
  return { at: performance.now() + limitMs, limitMs };
}

export function checkDeadline(deadline: SymmetryDeadline): void {
  if (deadline !== undefined && performance.now() > deadline.at) {
    throw new SymmetryTimeoutError(`symmetry analysis stopped at its time limit of ${seconds(deadline.limitMs)} s per structure`);
  }
}

/** Milliseconds as seconds for messages, to two significant digits (a limit cut to what a file has left is 0.79998 s). */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toPrecision(2)));
}
