/**
 * A Lennard-Jones pair potential with exact energy, forces and stress: the documented test potential for what is
 * built on `Potential` (relaxation, the relax/energy commands and jobs), and the same function as ASE's
 * `LennardJones` calculator (ase/calculators/lj.py), so relaxations can be checked against ASE itself.
 *
 * All atoms interact alike whatever their element (as ASE's calculator): u(r) = 4ε[(σ/r)¹² − (σ/r)⁶] for
 * r < rc. With `smooth` (the default here) u is multiplied by ASE's cutoff function in r², which goes from 1 at
 * ro to 0 at rc with a continuous first derivative, so forces are continuous; without it u is shifted to 0 at rc
 * and the forces jump there. Neighbours are every periodic image within rc, searched as far as the cell's face
 * heights require, so skewed and small cells are exact. O(N² × images): for tests and small cells, not screening.
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import { ELEMENT_SYMBOLS } from '../../../shared/crystal/elements.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import type { Potential, PotentialRequest, PotentialResult } from './types.ts';

export interface LennardJonesParameters {
  /** Å; the pair minimum is at 2^(1/6) σ. Default 1. */
  sigma?: number;
  /** eV, the well depth. Default 1. */
  epsilon?: number;
  /** Cutoff in Å; default 3σ (as ASE). */
  rc?: number;
  /** Onset of the smooth cutoff in Å; default 0.66 rc (as ASE). */
  ro?: number;
  /** Smooth cutoff (true, default) or energy shifted to zero at rc (false, ASE's default). */
  smooth?: boolean;
}

export class LennardJonesPotential implements Potential {
  readonly name: string;
  readonly elements: ReadonlySet<string> = new Set(ELEMENT_SYMBOLS);
  readonly sigma: number;
  readonly epsilon: number;
  readonly rc: number;
  readonly ro: number;
  readonly smooth: boolean;
  /** How many structures each `compute` call received, in order (lets tests see the batching). */
  readonly callSizes: number[] = [];

  constructor(parameters: LennardJonesParameters = {}) {
    this.sigma = parameters.sigma ?? 1;
    this.epsilon = parameters.epsilon ?? 1;
    this.rc = parameters.rc ?? 3 * this.sigma;
    this.ro = parameters.ro ?? 0.66 * this.rc;
    this.smooth = parameters.smooth ?? true;
    for (const [key, value] of Object.entries({ sigma: this.sigma, epsilon: this.epsilon, rc: this.rc, ro: this.ro })) {
      if (!(Number.isFinite(value) && value > 0)) throw new Error(`Lennard-Jones ${key} must be a positive number, got ${value}`);
    }
    if (this.smooth && !(this.ro < this.rc)) throw new Error(`Lennard-Jones ro (${this.ro}) must be below rc (${this.rc})`);
    this.name = `LennardJones(sigma=${this.sigma}, epsilon=${this.epsilon}, rc=${this.rc}${this.smooth ? `, smooth from ${this.ro}` : ', shifted'})`;
  }

  async compute(structures: readonly Structure[], request: PotentialRequest = {}): Promise<PotentialResult[]> {
    this.callSizes.push(structures.length);
    return structures.map((s) => this.computeOne(s, request));
  }

  async close(): Promise<void> {}

  computeOne(structure: Structure, request: PotentialRequest = {}): PotentialResult {
    const wantForces = request.forces ?? true;
    const wantStress = request.stress ?? true;
    const n = structure.numSites;
    const m = structure.lattice.matrix;
    const { sigma, epsilon, rc, ro, smooth } = this;
    const rc2 = rc * rc;
    const ro2 = ro * ro;
    const shift = 4 * epsilon * ((sigma / rc) ** 12 - (sigma / rc) ** 6);
    const forces = new Float64Array(3 * n);
    const virial = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    // Wrapped coordinates: every fractional difference lies in (−1, 1), so one extra image per axis suffices.
    const frac = structure.sites.map((site) => site.frac.map((x) => x - Math.floor(x)));
    const [na, nb, nc] = structure.lattice.imageRangeForRadius(rc).map((k) => k + 1) as [number, number, number];
    let energy = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const df = [frac[j]![0]! - frac[i]![0]!, frac[j]![1]! - frac[i]![1]!, frac[j]![2]! - frac[i]![2]!];
        for (let a = -na; a <= na; a++) {
          for (let b = -nb; b <= nb; b++) {
            for (let c = -nc; c <= nc; c++) {
              if (i === j && a === 0 && b === 0 && c === 0) continue;
              const f0 = df[0]! + a;
              const f1 = df[1]! + b;
              const f2 = df[2]! + c;
              const dx = f0 * m[0][0] + f1 * m[1][0] + f2 * m[2][0];
              const dy = f0 * m[0][1] + f1 * m[1][1] + f2 * m[2][1];
              const dz = f0 * m[0][2] + f1 * m[1][2] + f2 * m[2][2];
              const r2 = dx * dx + dy * dy + dz * dz;
              if (r2 >= rc2) continue;
              const c6 = (sigma * sigma / r2) ** 3;
              const c12 = c6 * c6;
              let u = 4 * epsilon * (c12 - c6);
              // dU/d(d) = g·d with g the derivative with respect to r², times 2.
              let g = (-24 * epsilon * (2 * c12 - c6)) / r2;
              if (smooth) {
                let cut = 1;
                let dcut = 0;
                if (r2 >= ro2) {
                  const span3 = (rc2 - ro2) ** 3;
                  cut = ((rc2 - r2) ** 2 * (rc2 + 2 * r2 - 3 * ro2)) / span3;
                  dcut = (6 * (rc2 - r2) * (ro2 - r2)) / span3;
                }
                g = cut * g + 2 * dcut * u;
                u *= cut;
              } else {
                u -= shift;
              }
              // A pair (i, j, image) with i ≠ j stands for both directions; i = j pairs with its own images are
              // met once per image and its negative, so each of those counts half.
              const weight = i === j ? 0.5 : 1;
              energy += weight * u;
              if (i !== j) {
                forces[3 * i] += g * dx;
                forces[3 * i + 1] += g * dy;
                forces[3 * i + 2] += g * dz;
                forces[3 * j] -= g * dx;
                forces[3 * j + 1] -= g * dy;
                forces[3 * j + 2] -= g * dz;
              }
              const d = [dx, dy, dz];
              for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) virial[3 * p + q] += weight * g * d[p]! * d[q]!;
            }
          }
        }
      }
    }
    const volume = structure.volume;
    const result: PotentialResult = { energy };
    if (wantForces) result.forces = forces;
    if (wantStress) {
      const s = virial.map((x) => x / volume);
      result.stress = [
        [s[0]!, s[1]!, s[2]!],
        [s[3]!, s[4]!, s[5]!],
        [s[6]!, s[7]!, s[8]!],
      ] as Mat3;
    }
    return result;
  }
}
