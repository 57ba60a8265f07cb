/**
 * The contract between an interatomic potential (M3GNet on the engine, or a simple analytic one in tests) and
 * what is built on it (relaxation, stability, screening). Units follow ASE: eV, Å, and stress as
 * σ = (1/V) ∂E/∂ε in eV/Å³ (ε the symmetric strain applied as lattice → lattice·(I + ε)).
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';

export interface PotentialRequest {
  /** Compute −∂E/∂positions (default true). */
  forces?: boolean;
  /** Compute (1/V) ∂E/∂ε (default true). */
  stress?: boolean;
}

export interface PotentialResult {
  /** Total energy of the cell, eV. */
  energy: number;
  /** Cartesian forces, eV/Å, three numbers per site in site order; present when requested. */
  forces?: Float64Array;
  /** σ = (1/V) ∂E/∂ε, eV/Å³ (multiply by 160.21766208 for GPa); present when requested. */
  stress?: Mat3;
}

export interface Potential {
  /** A short name for records and cards, e.g. 'M3GNet-MP-2021.2.8-PES'. */
  readonly name: string;
  /** Elements the potential knows; a structure with any other element is refused with its symbol named. */
  readonly elements: ReadonlySet<string>;
  /**
   * Why this potential cannot evaluate a structure (an element it does not know, atoms packed beyond what it can
   * hold in memory), or undefined; `compute` throws this reason for such a structure. Optional: callers that batch
   * (relaxation) use it to set such structures aside before the first call.
   */
  refusal?(structure: Structure): string | undefined;
  /** Evaluates many structures in one call (batched where the implementation can). */
  compute(structures: readonly Structure[], request?: PotentialRequest): Promise<PotentialResult[]>;
  /** Releases sessions and workers. */
  close(): Promise<void>;
}

/** eV/Å³ → GPa. */
export const EV_PER_A3_TO_GPA = 160.21766208;
