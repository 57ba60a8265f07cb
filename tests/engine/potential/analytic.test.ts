/**
 * The Lennard-Jones test potential: forces and stress are central finite differences of its energy (skewed,
 * triclinic and one-atom cells, where an atom meets many images of itself), forces sum to zero, and energy,
 * forces and stress equal ASE's LennardJones calculator on the same cells.
 */
import { describe, expect, it } from 'vitest';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Mat3, Vec3 } from '../../../shared/crystal/linalg.ts';
import { matMul3 } from '../../../shared/crystal/linalg.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { LennardJonesPotential } from '../../../electron/engine/potential/analytic.ts';
import { python, runPython } from './python.ts';

const ar = (frac: Vec3) => ({ species: 'Ar', frac });

const CELLS: Record<string, Structure> = {
  'one atom, small cell': new Structure(Lattice.fromParameters(2.9, 3.1, 3.3, 70, 80, 100), [ar([0, 0, 0])]),
  'triclinic, two atoms': new Structure(Lattice.fromParameters(4.1, 4.6, 5.2, 78, 96, 108), [ar([0.05, 0.1, 0.02]), ar([0.55, 0.45, 0.6])]),
  'strongly skewed': new Structure(
    new Lattice([
      [4.5, 0, 0],
      [4.0, 1.9, 0],
      [3.6, 0.8, 2.2],
    ]),
    [ar([0.1, 0.2, 0.3]), ar([0.6, 0.7, 0.4]), ar([0.35, 0.05, 0.8])],
  ),
};

const PARAMETERS = [
  { sigma: 2.0, epsilon: 0.05, rc: 5.5, ro: 4.0, smooth: true },
  { sigma: 2.0, epsilon: 0.05, rc: 5.5, ro: 4.0, smooth: false },
];

/** Relative agreement (absolute below 1): central differences with h = 1e-5 carry errors near 1e-7 of the value. */
function expectClose(actual: number, expected: number, relative = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

function withCartesian(s: Structure, cart: Vec3[], lattice = s.lattice): Structure {
  return new Structure(
    lattice,
    s.sites.map((site, i) => ({ ...site, frac: lattice.getFractionalCoords(cart[i]!) })),
  );
}

describe('LennardJonesPotential', () => {
  for (const [name, structure] of Object.entries(CELLS)) {
    it(`forces and stress are finite differences of the energy (${name})`, () => {
      const potential = new LennardJonesPotential(PARAMETERS[0]);
      const { energy, forces, stress } = potential.computeOne(structure);
      expect(Number.isFinite(energy)).toBe(true);
      const h = 1e-5;
      const cart = structure.cartCoords;
      for (let i = 0; i < structure.numSites; i++) {
        for (let k = 0; k < 3; k++) {
          const shifted = (delta: number) => {
            const moved = cart.map((x) => [...x] as Vec3);
            moved[i]![k] += delta;
            return potential.computeOne(withCartesian(structure, moved)).energy;
          };
          const numeric = -(shifted(h) - shifted(-h)) / (2 * h);
          expectClose(forces![3 * i + k]!, numeric);
        }
      }
      // σ = (1/V) ∂E/∂ε for lattice → lattice·(I + ε), atoms carried along (fractional coordinates fixed).
      for (let p = 0; p < 3; p++) {
        for (let q = 0; q < 3; q++) {
          const strained = (delta: number) => {
            const strain: Mat3 = [
              [1, 0, 0],
              [0, 1, 0],
              [0, 0, 1],
            ];
            strain[p]![q] += delta;
            return potential.computeOne(new Structure(new Lattice(matMul3(structure.lattice.matrix, strain)), structure.sites)).energy;
          };
          const numeric = (strained(h) - strained(-h)) / (2 * h) / structure.volume;
          expectClose(stress![p]![q]!, numeric);
        }
      }
      const total = [0, 1, 2].map((k) => forces!.filter((_, j) => j % 3 === k).reduce((a, b) => a + b, 0));
      for (const t of total) expect(Math.abs(t)).toBeLessThan(1e-9);
    });
  }

  it.skipIf(!python)('gives ASE LennardJones energies, forces and stresses', () => {
    const cases = PARAMETERS.flatMap((parameters) => Object.values(CELLS).map((structure) => ({ parameters, structure })));
    const code = [
      'import json, sys',
      'from ase import Atoms',
      'from ase.calculators.lj import LennardJones',
      'from ase.stress import voigt_6_to_full_3x3_stress',
      'out = []',
      'for c in json.load(sys.stdin):',
      '    atoms = Atoms(numbers=c["numbers"], positions=c["positions"], cell=c["cell"], pbc=True)',
      '    atoms.calc = LennardJones(**c["lj"])',
      '    out.append({"energy": atoms.get_potential_energy(), "forces": atoms.get_forces().tolist(), "stress": voigt_6_to_full_3x3_stress(atoms.get_stress()).tolist()})',
      'json.dump(out, sys.stdout)',
    ].join('\n');
    const reference = runPython<{ energy: number; forces: number[][]; stress: number[][] }[]>(
      ['-c', code],
      cases.map(({ parameters, structure }) => ({ lj: parameters, cell: structure.lattice.matrix, positions: structure.cartCoords, numbers: structure.atomicNumbers })),
    );
    cases.forEach(({ parameters, structure }, c) => {
      const ours = new LennardJonesPotential(parameters).computeOne(structure);
      const ref = reference[c]!;
      expectClose(ours.energy, ref.energy, 1e-12);
      ref.forces.flat().forEach((f, j) => expectClose(ours.forces![j]!, f, 1e-12));
      ref.stress.forEach((row, p) => row.forEach((s, q) => expectClose(ours.stress![p]![q]!, s, 1e-12)));
    });
  });
});
