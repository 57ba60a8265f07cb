/**
 * Structure relaxation on a `Potential`: FIRE (Bitzek et al., PRL 97, 170201, 2006) on atom positions and the
 * cell together, through a Fréchet cell filter — the same algorithm, parameters and convergence test as ASE's
 * `FIRE(FrechetCellFilter(atoms))` (ase/optimize/fire.py, ase/filters.py), optionally with ASE's `FixSymmetry`
 * (symmetry-constraint.ts) so that a crystal stays in its space group.
 *
 * The cell filter's degrees of freedom, per structure with N atoms, original cell M₀ and deformation gradient F
 * (current cell M = M₀ Fᵀ, positions x = F z):
 *   - atoms: z, the Cartesian positions taken back to the original cell (so fractional = z M₀⁻¹), with generalized
 *     force Fᵀ f;
 *   - cell: U·N with U = log F (N is ASE's exp_cell_factor, which puts cell moves on the scale of atom moves), with
 *     generalized force L(Uᵀ, W F⁻ᵀ)/N, where W = −V(σ + p I) is the virial and L the Fréchet derivative of
 *     the matrix exponential (the exact gradient of the energy with respect to U).
 * fmax is the largest norm of a row of these generalized forces (N atom rows and 3 cell rows), as ASE measures it.
 *
 * Many structures relax together: every step the potential evaluates all still-running structures in one
 * `compute` call. A structure ends as converged (fmax below the target), not-converged (maxSteps FIRE steps
 * taken), exploded (two atoms closer than 0.5 Å, the volume grown or shrunk threefold, or a non-finite energy),
 * failed (the potential refused it, e.g. an unknown element) or cancelled (the signal fired); none of these throw.
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import { inverse3, matMul3, transpose3 } from '../../../shared/crystal/linalg.ts';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { DEFAULT_SYMPREC } from '../../../shared/symmetry/analyze.ts';
import { expm, expmFrechet, flat3, mat3 } from './matrix.ts';
import { SymmetryConstraint } from './symmetry-constraint.ts';
import type { Potential, PotentialResult } from './types.ts';

/** ASE's FIRE defaults (ase/optimize/fire.py; maxstep from Optimizer.defaults). */
export interface FireParameters {
  dt: number;
  /** Largest step of the whole generalized-coordinate vector, Å. */
  maxstep: number;
  dtmax: number;
  /** Downhill steps before dt may grow. */
  nMin: number;
  finc: number;
  fdec: number;
  astart: number;
  fa: number;
}

export const FIRE_DEFAULTS: Readonly<FireParameters> = { dt: 0.1, maxstep: 0.2, dtmax: 1.0, nMin: 5, finc: 1.1, fdec: 0.5, astart: 0.1, fa: 0.99 };

export interface RelaxOptions {
  /** Converged when every generalized force row is below this, eV/Å (default 0.05). */
  fmax?: number;
  /** FIRE steps at most (default 500). */
  maxSteps?: number;
  /** Relax the cell too (default true); false moves atoms only. */
  relaxCell?: boolean;
  /** Applied hydrostatic pressure in eV/Å³ (ASE's scalar_pressure; default 0). */
  scalarPressure?: number;
  /** Keep the starting structure's space group (ASE's FixSymmetry; default false). */
  keepSymmetry?: boolean;
  /** Tolerance for finding the operations, Å (default 0.01, spglib's meaning). */
  symprec?: number;
  fire?: Partial<FireParameters>;
  /** Stops every structure after the current step; their status becomes 'cancelled'. */
  signal?: AbortSignal;
  /** Called after each evaluation of each structure (step 0 is the start). */
  onStep?: (event: RelaxStepEvent) => void;
  /** Called once per structure when it ends (in any status), with its final result. */
  onDone?: (index: number, result: RelaxResult) => void;
}

export type RelaxStatus = 'converged' | 'not-converged' | 'exploded' | 'failed' | 'cancelled';

export interface RelaxStep {
  /** FIRE steps taken before this evaluation (0 = the starting structure). */
  step: number;
  /** eV. */
  energy: number;
  /** eV/Å, as ASE measures it (atoms and cell rows). */
  fmax: number;
  /** Å³. */
  volume: number;
}

export interface RelaxStepEvent extends RelaxStep {
  /** Which structure of the batch. */
  index: number;
  structure: Structure;
}

export interface RelaxResult {
  status: RelaxStatus;
  /** Why it exploded, failed or was cancelled. */
  message?: string;
  /** The last structure evaluated (the relaxed one when converged). */
  structure: Structure;
  /** The potential's energy (eV), forces (eV/Å) and stress (eV/Å³) of `structure`; NaN / empty if never evaluated. */
  energy: number;
  forces: Float64Array;
  stress: Mat3;
  /** Final fmax (generalized forces, after symmetrization when keepSymmetry). */
  fmax: number;
  /** FIRE steps taken. */
  steps: number;
  trajectory: RelaxStep[];
  /** With keepSymmetry: the space group kept and the number of its operations in the cell (absent when not found). */
  symmetry?: { spaceGroup: number; operations: number };
  warnings: string[];
}

/** Two atoms closer than this (Å) mean the structure exploded. */
export const EXPLODED_MIN_DISTANCE = 0.5;
/** A volume this many times larger (or smaller) than the start means the structure exploded. */
export const EXPLODED_VOLUME_FACTOR = 3;

const NAN_STRESS: Mat3 = [
  [NaN, NaN, NaN],
  [NaN, NaN, NaN],
  [NaN, NaN, NaN],
];

/** One structure's optimizer state. */
class Relaxation {
  readonly n: number;
  /** Original cell M₀ (after symmetry refinement) and its inverse. */
  readonly cell0: Mat3;
  readonly cell0Inverse: Mat3;
  /** z: N×3 Cartesian positions in the original cell. */
  readonly z: Float64Array;
  /** U = log F, row-major 3×3. */
  u: Float64Array = new Float64Array(9);
  velocity: Float64Array | undefined;
  dt: number;
  alpha: number;
  downhillSteps = 0;
  steps = 0;
  readonly startVolume: number;
  readonly trajectory: RelaxStep[] = [];
  readonly warnings: string[] = [];
  status: RelaxStatus | undefined;
  message: string | undefined;
  symmetry: SymmetryConstraint | undefined;
  current: Structure;
  last: { structure: Structure; result: PotentialResult; fmax: number } | undefined;
  /** Set once the structure has ended and been reported. */
  result: RelaxResult | undefined;
  /** Position in the batch. */
  index = 0;

  constructor(
    start: Structure,
    readonly fire: FireParameters,
    readonly relaxCell: boolean,
  ) {
    this.n = start.numSites;
    this.cell0 = start.lattice.matrix;
    this.cell0Inverse = inverse3(this.cell0);
    this.z = new Float64Array(3 * this.n);
    start.sites.forEach((site, i) => {
      const f = site.frac;
      for (let k = 0; k < 3; k++) this.z[3 * i + k] = f[0] * this.cell0[0][k] + f[1] * this.cell0[1][k] + f[2] * this.cell0[2][k];
    });
    this.dt = fire.dt;
    this.alpha = fire.astart;
    this.startVolume = start.volume;
    this.current = start;
  }

  get deformation(): Mat3 {
    return mat3(expm(this.u, 3));
  }

  /** The structure for the present z and U. */
  build(template: Structure): Structure {
    const f = this.deformation;
    const lattice = new Lattice(matMul3(this.cell0, transpose3(f)));
    const inv = this.cell0Inverse;
    const z = this.z;
    return new Structure(
      lattice,
      template.sites.map((site, i) => {
        const x = [z[3 * i]!, z[3 * i + 1]!, z[3 * i + 2]!];
        return { ...site, frac: [0, 1, 2].map((k) => x[0]! * inv[0][k] + x[1]! * inv[1][k] + x[2]! * inv[2][k]) as [number, number, number] };
      }),
    );
  }

  /** ASE's generalized forces of the cell filter for this evaluation: N atom rows, then 3 cell rows. */
  generalizedForces(structure: Structure, forces: Float64Array, stress: Mat3, pressure: number): Float64Array {
    const n = this.n;
    const out = new Float64Array(3 * (n + 3));
    const f = this.deformation;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) out[3 * i + k] = forces[3 * i]! * f[0][k] + forces[3 * i + 1]! * f[1][k] + forces[3 * i + 2]! * f[2][k];
    }
    if (!this.relaxCell) return out;
    const volume = structure.volume;
    const virial = stress.map((row, i) => row.map((s, j) => -volume * (s + (i === j ? pressure : 0)))) as Mat3;
    const gradient = matMul3(virial, inverse3(transpose3(f)));
    const cellForce = expmFrechet(flat3(transpose3(mat3(this.u))), flat3(gradient), 3);
    for (let k = 0; k < 9; k++) out[3 * n + k] = cellForce[k]! / n;
    return out;
  }

  /** One FIRE step (ase/optimize/fire.py) on the generalized coordinates, then the move of z and U. */
  step(force: Float64Array): Float64Array {
    const p = this.fire;
    const size = force.length;
    if (this.velocity === undefined) {
      this.velocity = new Float64Array(size);
    } else {
      const v = this.velocity;
      let vf = 0;
      let ff = 0;
      let vv = 0;
      for (let i = 0; i < size; i++) {
        vf += v[i]! * force[i]!;
        ff += force[i]! * force[i]!;
        vv += v[i]! * v[i]!;
      }
      if (vf > 0) {
        const mix = (this.alpha * Math.sqrt(vv)) / Math.sqrt(ff);
        for (let i = 0; i < size; i++) v[i] = (1 - this.alpha) * v[i]! + mix * force[i]!;
        if (this.downhillSteps > p.nMin) {
          this.dt = Math.min(this.dt * p.finc, p.dtmax);
          this.alpha *= p.fa;
        }
        this.downhillSteps++;
      } else {
        v.fill(0);
        this.alpha = p.astart;
        this.dt *= p.fdec;
        this.downhillSteps = 0;
      }
    }
    const v = this.velocity;
    const dr = new Float64Array(size);
    let norm = 0;
    for (let i = 0; i < size; i++) {
      v[i] += this.dt * force[i]!;
      dr[i] = this.dt * v[i]!;
      norm += dr[i]! * dr[i]!;
    }
    norm = Math.sqrt(norm);
    if (norm > p.maxstep) for (let i = 0; i < size; i++) dr[i] = (dr[i]! * p.maxstep) / norm;
    return dr;
  }

  /** Applies a generalized step: atoms rows move z, cell rows move U·N. With symmetry, both are symmetrized. */
  move(dr: Float64Array): void {
    const n = this.n;
    if (this.symmetry) {
      // The position step as fractional displacements, averaged over the operations (ASE's adjust_positions).
      const inv = this.cell0Inverse;
      const frac = new Float64Array(3 * n);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 3; k++) frac[3 * i + k] = dr[3 * i]! * inv[0][k] + dr[3 * i + 1]! * inv[1][k] + dr[3 * i + 2]! * inv[2][k];
      }
      const symmetric = this.symmetry.symmetrizeFractionalStep(frac);
      const m = this.cell0;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 3; k++) dr[3 * i + k] = symmetric[3 * i]! * m[0][k] + symmetric[3 * i + 1]! * m[1][k] + symmetric[3 * i + 2]! * m[2][k];
      }
    }
    for (let i = 0; i < 3 * n; i++) this.z[i] += dr[i]!;
    if (!this.relaxCell) return;
    for (let k = 0; k < 9; k++) this.u[k] += dr[3 * n + k]! / n;
    // U is averaged over the rotations like a change of the deformation gradient (ASE's adjust_cell); the
    // rotations of the original cell are those of every symmetric deformation of it.
    if (this.symmetry) this.u = flat3(this.symmetry.symmetrizeRank2(this.cell0, mat3(this.u)));
  }
}

/** Relaxes one structure; see `relaxStructures`. */
export async function relaxStructure(potential: Potential, structure: Structure, options: RelaxOptions = {}): Promise<RelaxResult> {
  const [result] = await relaxStructures(potential, [structure], options);
  return result!;
}

/**
 * Relaxes many structures with one potential, evaluating all still-running ones in one `compute` call per step.
 * Results are in input order. Never throws for a structure that fails; only for invalid options.
 */
export async function relaxStructures(potential: Potential, structures: readonly Structure[], options: RelaxOptions = {}): Promise<RelaxResult[]> {
  const fmaxTarget = options.fmax ?? 0.05;
  const maxSteps = options.maxSteps ?? 500;
  const pressure = options.scalarPressure ?? 0;
  const symprec = options.symprec ?? DEFAULT_SYMPREC;
  if (!(fmaxTarget > 0)) throw new Error(`fmax must be a positive force in eV/Å, got ${fmaxTarget}`);
  if (!(Number.isInteger(maxSteps) && maxSteps >= 0)) throw new Error(`maxSteps must be a whole number ≥ 0, got ${maxSteps}`);
  if (!Number.isFinite(pressure)) throw new Error(`scalarPressure must be a finite number, got ${pressure}`);
  const fire: FireParameters = { ...FIRE_DEFAULTS, ...options.fire };
  const relaxCell = options.relaxCell ?? true;

  const states = structures.map((input, index) => {
    let start = input;
    const warnings: string[] = [];
    let symmetry: SymmetryConstraint | undefined;
    if (options.keepSymmetry && input.numSites > 0) {
      try {
        const found = SymmetryConstraint.find(input, symprec);
        symmetry = found.constraint;
        start = found.refined;
      } catch (error) {
        warnings.push(`symmetry not kept: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    const state = new Relaxation(start, fire, relaxCell);
    state.index = index;
    state.symmetry = symmetry;
    state.warnings.push(...warnings);
    const unknown = [...new Set(input.species)].filter((e) => !potential.elements.has(e));
    if (input.numSites === 0) fail(state, 'failed', 'the structure has no atoms');
    else if (unknown.length) fail(state, 'failed', `${potential.name} does not know ${unknown.length > 1 ? 'the elements' : 'the element'} ${unknown.join(', ')}`);
    else {
      const refusal = potential.refusal?.(start);
      if (refusal) fail(state, 'failed', refusal);
    }
    return state;
  });

  const reportEnded = () => {
    states.forEach((state, index) => {
      if (state.status === undefined || state.result !== undefined) return;
      state.result = resultOf(state);
      options.onDone?.(index, state.result);
    });
  };
  reportEnded();
  for (;;) {
    const running = states.filter((s) => s.status === undefined);
    if (running.length === 0) break;
    // Let queued events in (a cancel message, a worker's RPC): a potential that computes synchronously never
    // yields to the event loop otherwise, and a whole relaxation would run as one uninterruptible task.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) {
      for (const s of running) fail(s, 'cancelled', 'cancelled');
      reportEnded();
      break;
    }
    const evaluated = await computeIsolatingFailures(
      potential,
      running.map((s) => s.current),
    );
    running.forEach((state, k) => {
      const outcome = evaluated[k]!;
      if ('error' in outcome) {
        fail(state, 'failed', outcome.error);
        return;
      }
      advance(state, outcome.result);
    });
    reportEnded();
  }

  function advance(state: Relaxation, raw: PotentialResult): void {
    const index = state.index;
    const structure = state.current;
    if (!raw.forces || !raw.stress) {
      fail(state, 'failed', `${potential.name} returned no ${raw.forces ? 'stress' : 'forces'}`);
      return;
    }
    let forces: Float64Array = raw.forces;
    let stress = raw.stress;
    if (state.symmetry) {
      forces = state.symmetry.symmetrizeForces(structure.lattice.matrix, forces);
      stress = state.symmetry.symmetrizeRank2(structure.lattice.matrix, stress);
    }
    const generalized = state.generalizedForces(structure, forces, stress, pressure);
    let fmax = 0;
    for (let row = 0; row < generalized.length / 3; row++) {
      const norm = Math.hypot(generalized[3 * row]!, generalized[3 * row + 1]!, generalized[3 * row + 2]!);
      if (!(norm <= fmax)) fmax = norm; // NaN propagates
    }
    const record: RelaxStep = { step: state.steps, energy: raw.energy, fmax, volume: structure.volume };
    state.trajectory.push(record);
    state.last = { structure, result: raw, fmax };
    options.onStep?.({ ...record, index, structure });

    const explosion = explosionReason(structure, state.startVolume, raw.energy, fmax);
    if (explosion) fail(state, 'exploded', explosion);
    else if (fmax < fmaxTarget) state.status = 'converged';
    else if (state.steps >= maxSteps) {
      state.status = 'not-converged';
      state.message = `fmax ${fmax.toPrecision(3)} eV/Å after ${maxSteps} steps (target ${fmaxTarget})`;
    } else {
      state.move(state.step(generalized));
      state.steps++;
      state.current = state.build(structure);
    }
  }

  return states.map((state) => state.result!);

  function resultOf(state: Relaxation): RelaxResult {
    return {
      status: state.status!,
      ...(state.message !== undefined ? { message: state.message } : {}),
      structure: state.last?.structure ?? state.current,
      energy: state.last?.result.energy ?? NaN,
      forces: state.last?.result.forces ?? new Float64Array(0),
      stress: state.last?.result.stress ?? NAN_STRESS,
      fmax: state.last?.fmax ?? NaN,
      steps: state.steps,
      trajectory: state.trajectory,
      ...(state.symmetry ? { symmetry: { spaceGroup: state.symmetry.spaceGroup, operations: state.symmetry.order } } : {}),
      warnings: state.warnings,
    };
  }
}

function fail(state: Relaxation, status: RelaxStatus, message: string): void {
  state.status = status;
  state.message = message;
}

/** Why the structure counts as exploded, or undefined when it does not. */
function explosionReason(structure: Structure, startVolume: number, energy: number, fmax: number): string | undefined {
  if (!Number.isFinite(energy) || !Number.isFinite(fmax)) return `the potential gave a non-finite ${Number.isFinite(energy) ? 'force or stress' : 'energy'}`;
  const ratio = structure.volume / startVolume;
  if (ratio > EXPLODED_VOLUME_FACTOR || ratio < 1 / EXPLODED_VOLUME_FACTOR) return `the volume changed ${ratio.toFixed(2)}-fold`;
  const contact = closestContactBelow(structure, EXPLODED_MIN_DISTANCE);
  if (contact < EXPLODED_MIN_DISTANCE) return `two atoms are ${contact.toFixed(3)} Å apart (below ${EXPLODED_MIN_DISTANCE} Å)`;
  return undefined;
}

/**
 * The shortest distance between two atoms (an atom and its own images included) if it is below `threshold`, else
 * Infinity. Only the lattice translations that can bring a pair within `threshold` are tried, from the distance
 * between opposite cell faces, so this is exact for skewed cells and cheap enough to run every step.
 */
export function closestContactBelow(structure: Structure, threshold: number): number {
  const m = structure.lattice.matrix;
  const volume = structure.volume;
  const faceNormalLength = (a: number, b: number) => {
    const u = m[a]!;
    const v = m[b]!;
    return Math.hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);
  };
  // Fractional extent of a ball of radius threshold along each axis: threshold / (distance between faces).
  const extent = [threshold * faceNormalLength(1, 2) / volume, threshold * faceNormalLength(2, 0) / volume, threshold * faceNormalLength(0, 1) / volume];
  const sites = structure.sites;
  let best = Infinity;
  const lo = [0, 0, 0];
  const hi = [0, 0, 0];
  for (let i = 0; i < sites.length; i++) {
    for (let j = i; j < sites.length; j++) {
      const d = [0, 1, 2].map((k) => {
        const x = sites[j]!.frac[k]! - sites[i]!.frac[k]!;
        return x - Math.round(x);
      });
      for (let k = 0; k < 3; k++) {
        lo[k] = Math.ceil(-d[k]! - extent[k]!);
        hi[k] = Math.floor(-d[k]! + extent[k]!);
      }
      for (let a = lo[0]!; a <= hi[0]!; a++) {
        for (let b = lo[1]!; b <= hi[1]!; b++) {
          for (let c = lo[2]!; c <= hi[2]!; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const f0 = d[0]! + a;
            const f1 = d[1]! + b;
            const f2 = d[2]! + c;
            const x = f0 * m[0][0] + f1 * m[1][0] + f2 * m[2][0];
            const y = f0 * m[0][1] + f1 * m[1][1] + f2 * m[2][1];
            const z = f0 * m[0][2] + f1 * m[1][2] + f2 * m[2][2];
            const r = Math.sqrt(x * x + y * y + z * z);
            if (r < best) best = r;
          }
        }
      }
    }
  }
  return best < threshold ? best : Infinity;
}

type Outcome = { result: PotentialResult } | { error: string };

/**
 * One batched call; when it throws, each structure is evaluated alone so that one bad structure fails alone and
 * the message says which.
 */
async function computeIsolatingFailures(potential: Potential, structures: Structure[]): Promise<Outcome[]> {
  try {
    const results = await potential.compute(structures, { forces: true, stress: true });
    if (results.length !== structures.length) throw new Error(`${potential.name} returned ${results.length} results for ${structures.length} structures`);
    return results.map((result) => ({ result }));
  } catch (error) {
    if (structures.length === 1) return [{ error: (error as Error)?.message?.split('\n')[0] ?? String(error) }];
    const outcomes: Outcome[] = [];
    for (const s of structures) outcomes.push(...(await computeIsolatingFailures(potential, [s])));
    return outcomes;
  }
}

