/**
 * Relaxation against ASE itself: ASE's FIRE on FrechetCellFilter(atoms) with ASE's LennardJones calculator
 * (ase_relax.py; with FixSymmetry for keepSymmetry) from the same starting structures must take the same number
 * of steps through the same energies to the same cell. Then what ASE cannot tell us: a symmetric saddle with
 * noise stays in its group only with keepSymmetry, the statuses (exploded, not converged, failed, cancelled), and
 * batching (one compute call per step over the running structures, same results as one at a time).
 */
import { describe, expect, it } from 'vitest';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { buildStructure } from '../../../shared/symmetry/analyze.ts';
import { detectSpaceGroup } from '../../../shared/symmetry/detect.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { Rng } from '../../../shared/random.ts';
import { LennardJonesPotential, type LennardJonesParameters } from '../../../electron/engine/potential/analytic.ts';
import { expm, expmFrechet } from '../../../electron/engine/potential/matrix.ts';
import { type RelaxResult, closestContactBelow, relaxStructure, relaxStructures } from '../../../electron/engine/potential/relax.ts';
import { SymmetryConstraint } from '../../../electron/engine/potential/symmetry-constraint.ts';
import type { Potential, PotentialRequest, PotentialResult } from '../../../electron/engine/potential/types.ts';
import { ASE_RELAX_SCRIPT, python, runPython } from './python.ts';

// Top level: the structures below are built from space-group tables when the module loads.
await initSymmetry();

interface AseRelaxation {
  energy: number;
  cell: number[][];
  positions: number[][];
  steps: number;
  converged: boolean;
  trajectory: { energy: number; fmax: number }[];
}

function aseRelax(lj: Required<LennardJonesParameters>, structures: Structure[], options: { fmax: number; steps: number; keepSymmetry?: boolean }): AseRelaxation[] {
  return runPython<AseRelaxation[]>([ASE_RELAX_SCRIPT], {
    lj,
    fmax: options.fmax,
    steps: options.steps,
    keepSymmetry: options.keepSymmetry ?? false,
    symprec: 0.01,
    structures: structures.map((s) => ({ cell: s.lattice.matrix, positions: s.cartCoords, numbers: s.atomicNumbers })),
  });
}

/** Same path and end point as ASE: step count, energy at every step, final cell and positions. */
function expectSameAsAse(ours: RelaxResult, ase: AseRelaxation, label: string): void {
  expect(ours.status, label).toBe('converged');
  expect(ase.converged, label).toBe(true);
  expect(ours.steps, label).toBe(ase.steps);
  expect(ours.trajectory.length, label).toBe(ase.trajectory.length);
  ours.trajectory.forEach((step, k) => {
    expect(Math.abs(step.energy - ase.trajectory[k]!.energy), `${label} energy at step ${k}`).toBeLessThan(1e-9);
    expect(Math.abs(step.fmax - ase.trajectory[k]!.fmax), `${label} fmax at step ${k}`).toBeLessThan(1e-7);
  });
  expect(Math.abs(ours.energy - ase.energy)).toBeLessThan(1e-9);
  ours.structure.lattice.matrix.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - ase.cell[i]![j]!), `${label} cell[${i}][${j}]`).toBeLessThan(1e-6)));
  ours.structure.cartCoords.forEach((x, i) => x.forEach((v, k) => expect(Math.abs(v - ase.positions[i]![k]!), `${label} position ${i}`).toBeLessThan(1e-6)));
}

const ar = (frac: Vec3) => ({ species: 'Ar', frac });
const ARGON: Required<LennardJonesParameters> = { sigma: 3.4, epsilon: 0.0104, rc: 8.5, ro: 6.5, smooth: true };
const GENERIC: Required<LennardJonesParameters> = { sigma: 2.0, epsilon: 0.05, rc: 5.5, ro: 4.0, smooth: true };

/** A distorted, slightly sheared conventional fcc cell of argon with two atoms off their sites. */
const distortedFccArgon = new Structure(
  new Lattice([
    [5.4 * 1.04, 0.1, 0],
    [0.2, 5.4 * 0.97, 0.15],
    [0, -0.1, 5.4 * 1.02],
  ]),
  [ar([0, 0, 0]), ar([0.5, 0.5, 0.02]), ar([0.5, 0, 0.5]), ar([0.03, 0.5, 0.5])],
);
const triclinicPair = new Structure(Lattice.fromParameters(4.1, 4.6, 5.2, 78, 96, 108), [ar([0.05, 0.1, 0.02]), ar([0.55, 0.45, 0.6])]);

const site = (letter: string, species: string, frac: Vec3) => ({ letter, species, frac });
/** Generated-like crystals: built from a space group and Wyckoff sites, far from the potential's minimum. */
const monoclinic = buildStructure({
  spaceGroup: 14,
  lattice: { a: 5.1, b: 6.3, c: 7.2, alpha: 90, beta: 104.5, gamma: 90 },
  sites: [site('e', 'Fe', [0.13, 0.27, 0.31]), site('e', 'O', [0.37, 0.61, 0.83]), site('e', 'O', [0.71, 0.08, 0.44])],
});
const hexagonal = buildStructure({ spaceGroup: 194, lattice: { a: 2.6, b: 2.6, c: 4.0, alpha: 90, beta: 90, gamma: 120 }, sites: [site('c', 'Mg', [1 / 3, 2 / 3, 0.25])] });
const rutileLike = buildStructure({ spaceGroup: 136, lattice: { a: 4.594, b: 4.594, c: 2.959, alpha: 90, beta: 90, gamma: 90 }, sites: [site('a', 'Ti', [0, 0, 0]), site('f', 'O', [0.3048, 0.3048, 0])] });

describe('matrix exponential and its Fréchet derivative', () => {
  it('exp of a rotation generator is the rotation, and L(A, E) is the derivative of exp', () => {
    const angle = 0.7;
    const generator = Float64Array.from([0, -angle, 0, angle, 0, 0, 0, 0, 0]);
    const rotation = expm(generator, 3);
    const expected = [Math.cos(angle), -Math.sin(angle), 0, Math.sin(angle), Math.cos(angle), 0, 0, 0, 1];
    expected.forEach((v, i) => expect(rotation[i]).toBeCloseTo(v, 14));
    const rng = new Rng(5);
    const a = Float64Array.from({ length: 9 }, () => rng.uniform() * 1.6 - 0.8);
    const e = Float64Array.from({ length: 9 }, () => rng.uniform() * 20 - 10);
    const derivative = expmFrechet(a, e, 3);
    const h = 1e-6;
    const plus = expm(a.map((x, i) => x + h * e[i]!), 3);
    const minus = expm(a.map((x, i) => x - h * e[i]!), 3);
    derivative.forEach((v, i) => expect(Math.abs(v - (plus[i]! - minus[i]!) / (2 * h))).toBeLessThan(1e-6 * Math.max(1, Math.abs(v))));
  });
});

describe.skipIf(!python)('relaxation agrees with ASE (FIRE + FrechetCellFilter, LennardJones)', () => {
  it('distorted fcc argon and a triclinic two-atom cell: same steps, energies, cell and positions', async () => {
    const structures = [distortedFccArgon, triclinicPair];
    const ours = await relaxStructures(new LennardJonesPotential(ARGON), structures, { fmax: 0.001, maxSteps: 1000 });
    const ase = aseRelax(ARGON, structures, { fmax: 0.001, steps: 1000 });
    expectSameAsAse(ours[0]!, ase[0]!, 'fcc Ar');
    expectSameAsAse(ours[1]!, ase[1]!, 'triclinic pair');
    // Back to fcc (the cell is soft: at fmax 0.001 eV/Å its edges still differ by ~0.01 Å).
    expect(detectSpaceGroup(distortedFccArgon, 0.1)).not.toBe(225);
    expect(detectSpaceGroup(ours[0]!.structure, 0.1)).toBe(225);
  }, 300_000); // ASE in Python takes a while on a busy machine

  it('with keepSymmetry, as ASE with FixSymmetry: generated-like crystals stay in their space group', async () => {
    const structures = [monoclinic, hexagonal, rutileLike];
    const ours = await relaxStructures(new LennardJonesPotential(GENERIC), structures, { fmax: 0.01, maxSteps: 1000, keepSymmetry: true });
    const ase = aseRelax(GENERIC, structures, { fmax: 0.01, steps: 1000, keepSymmetry: true });
    structures.forEach((start, i) => {
      const group = detectSpaceGroup(start, 0.01);
      expectSameAsAse(ours[i]!, ase[i]!, `space group ${group}`);
      expect(ours[i]!.symmetry?.spaceGroup).toBe(group);
      expect(detectSpaceGroup(ours[i]!.structure, 0.01)).toBe(group);
    });
  }, 300_000); // ASE in Python takes a while on a busy machine
});

describe('keepSymmetry', () => {
  /** Simple cubic is a symmetric saddle for Lennard-Jones: with a little noise it leaves Pm-3m unless held there. */
  function noisySimpleCubic(seed: number): Structure {
    const rng = new Rng(seed);
    const frac: Vec3[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) frac.push([i / 2, j / 2, k / 2]);
    const noise = () => (rng.uniform() - 0.5) * 0.0005;
    return new Structure(
      new Lattice([
        [4.6 + noise(), noise(), noise()],
        [noise(), 4.6 + noise(), noise()],
        [noise(), noise(), 4.6 + noise()],
      ]),
      frac.map((f) => ar([f[0] + noise(), f[1] + noise(), f[2] + noise()])),
    );
  }

  it('holds a noisy simple-cubic crystal in Pm-3m; without it the crystal leaves the group', async () => {
    const start = noisySimpleCubic(3);
    expect(detectSpaceGroup(start, 0.01)).toBe(221);
    const potential = new LennardJonesPotential(GENERIC);
    const kept = await relaxStructure(potential, start, { keepSymmetry: true, fmax: 0.001, maxSteps: 2000 });
    expect(kept.status).toBe('converged');
    expect(kept.symmetry).toEqual({ spaceGroup: 221, operations: 48 * 8 });
    expect(detectSpaceGroup(kept.structure, 1e-4)).toBe(221);
    const free = await relaxStructure(potential, start, { keepSymmetry: false, fmax: 0.001, maxSteps: 2000 });
    expect(free.status).toBe('converged');
    expect(detectSpaceGroup(free.structure, 0.01)).not.toBe(221);
    // Leaving the saddle lowers the energy.
    expect(free.energy).toBeLessThan(kept.energy - 1e-3);
  });

  it('refines the start to exact symmetry: every operation then holds to 1e-9 Å', () => {
    const start = noisySimpleCubic(4);
    const { constraint, refined } = SymmetryConstraint.find(start, 0.01);
    expect(constraint.holdsOn(start, 1e-4)).toBe(false);
    expect(constraint.holdsOn(refined, 1e-9)).toBe(true);
    const p = refined.lattice.parameters;
    expect(Math.abs(p.a - p.b) + Math.abs(p.a - p.c)).toBeLessThan(1e-12);
  });
});

describe('statuses', () => {
  const potential = new LennardJonesPotential(GENERIC);

  it('not converged after maxSteps, with the trajectory of every evaluation', async () => {
    const result = await relaxStructure(potential, monoclinic, { maxSteps: 3 });
    expect(result.status).toBe('not-converged');
    expect(result.steps).toBe(3);
    expect(result.trajectory.map((s) => s.step)).toEqual([0, 1, 2, 3]);
    expect(result.message).toMatch(/after 3 steps/);
    expect(result.fmax).toBe(result.trajectory[3]!.fmax);
    expect(result.energy).toBe(result.trajectory[3]!.energy);
  });

  it('exploded when the volume grows threefold (under tension) or atoms come closer than 0.5 Å (under pressure)', async () => {
    const [stretched, crushed] = await relaxStructures(potential, [hexagonal, hexagonal], { maxSteps: 100_000 }).then(async (plain) => {
      expect(plain[0]!.status).toBe('converged');
      // −0.05 eV/Å³ (−8 GPa) pulls the cell apart beyond the cutoff; +5 eV/Å³ crushes it.
      const [a] = await relaxStructures(potential, [hexagonal], { scalarPressure: -0.05, maxSteps: 100_000 });
      const [b] = await relaxStructures(potential, [hexagonal], { scalarPressure: 5, maxSteps: 100_000 });
      return [a!, b!];
    });
    expect(stretched.status).toBe('exploded');
    expect(stretched.message).toMatch(/volume changed/);
    expect(stretched.structure.volume / hexagonal.volume).toBeGreaterThan(3);
    expect(crushed.status).toBe('exploded');
    expect(crushed.message).toMatch(/volume changed|Å apart/);
  });

  it('exploded at once when the start has overlapping atoms; failed for elements the potential does not know', async () => {
    const overlapping = new Structure(Lattice.cubic(5), [ar([0, 0, 0]), ar([0.05, 0, 0])]);
    const limited: Potential = {
      name: 'argon-only',
      elements: new Set(['Ar']),
      compute: (s, r) => potential.compute(s, r),
      close: async () => {},
    };
    const [exploded, failed] = await relaxStructures(limited, [overlapping, monoclinic]);
    expect(exploded!.status).toBe('exploded');
    expect(exploded!.steps).toBe(0);
    expect(exploded!.message).toMatch(/0\.250 Å apart/);
    expect(failed!.status).toBe('failed');
    expect(failed!.message).toBe('argon-only does not know the elements Fe, O');
    expect(failed!.trajectory).toEqual([]);
  });

  it('a structure on which the potential throws fails alone; the others go on', async () => {
    const picky: Potential = {
      name: 'picky',
      elements: potential.elements,
      async compute(structures: readonly Structure[], request?: PotentialRequest): Promise<PotentialResult[]> {
        if (structures.some((s) => s.numSites === 12)) throw new Error('cannot handle twelve atoms\nsecond line');
        return potential.compute(structures, request);
      },
      close: async () => {},
    };
    const [good, bad] = await relaxStructures(picky, [hexagonal, monoclinic]);
    expect(good!.status).toBe('converged');
    expect(bad!.status).toBe('failed');
    expect(bad!.message).toBe('cannot handle twelve atoms');
  });

  it('cancelled when the signal fires, after the step in progress', async () => {
    const controller = new AbortController();
    const results = await relaxStructures(potential, [monoclinic, rutileLike], {
      signal: controller.signal,
      onStep: (event) => {
        if (event.step === 4) controller.abort();
      },
    });
    for (const r of results) {
      expect(r.status).toBe('cancelled');
      expect(r.steps).toBe(5);
    }
  });
});

describe('batching', () => {
  it('evaluates all running structures in one call per step and gives the results of one-at-a-time runs', async () => {
    const structures = [monoclinic, rutileLike, hexagonal];
    const batched = new LennardJonesPotential(GENERIC);
    const ended: number[] = [];
    const reported: RelaxResult[] = [];
    const together = await relaxStructures(batched, structures, {
      fmax: 0.01,
      onDone: (index, result) => {
        ended.push(index);
        reported[index] = result;
      },
    });
    // onDone once per structure, in the order they finish, with the result that is returned.
    expect([...ended].sort()).toEqual([0, 1, 2]);
    expect(ended.map((i) => together[i]!.steps)).toEqual([...together.map((r) => r.steps)].sort((a, b) => a - b));
    together.forEach((r, i) => expect(reported[i]).toBe(r));
    const alone = await Promise.all(structures.map((s) => relaxStructure(new LennardJonesPotential(GENERIC), s, { fmax: 0.01 })));
    together.forEach((r, i) => {
      expect(r.status).toBe('converged');
      expect(r.trajectory).toEqual(alone[i]!.trajectory);
      expect(r.structure.lattice.matrix).toEqual(alone[i]!.structure.lattice.matrix);
    });
    const longest = Math.max(...together.map((r) => r.steps));
    expect(batched.callSizes.length).toBe(longest + 1);
    // Batch size is the number still running at each step: 3 at first, then it drops as each converges.
    batched.callSizes.forEach((size, step) => expect(size).toBe(together.filter((r) => r.steps >= step).length));
  });
});

describe('closestContactBelow (the explosion check)', () => {
  it('equals the shortest interatomic distance (Structure.minimumDistance) on skewed and small cells when below the threshold', () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 40; trial++) {
      // Strongly sheared cells: random off-diagonal entries up to 1.5 times the diagonal ones.
      const diagonal = [1.5 + 3 * rng.uniform(), 1.5 + 3 * rng.uniform(), 1.5 + 3 * rng.uniform()];
      const row = (i: number): Vec3 => [0, 1, 2].map((j) => (i === j ? diagonal[i]! : (rng.uniform() - 0.5) * 3 * diagonal[i]!)) as Vec3;
      const lattice = new Lattice([row(0), row(1), row(2)]);
      if (lattice.volume < 1) continue;
      const atoms = 1 + rng.int(4);
      const structure = new Structure(
        lattice,
        Array.from({ length: atoms }, () => ar([rng.uniform(), rng.uniform(), rng.uniform()])),
      );
      const shortest = structure.minimumDistance();
      expect(closestContactBelow(structure, shortest + 0.01)).toBeCloseTo(shortest, 12);
      expect(closestContactBelow(structure, shortest - 0.01)).toBe(Infinity);
    }
  });
});
