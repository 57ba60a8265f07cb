"""Reference relaxations with ASE itself, for tests/engine/potential/relax.test.ts.

Reads JSON on stdin: {"lj": {sigma, epsilon, rc, ro, smooth}, "fmax", "steps", "keepSymmetry", "symprec",
"structures": [{"cell": 3x3 rows, "positions": Nx3 Cartesian, "numbers": [...]}]} and runs, per structure,
ASE's FIRE (default parameters) on FrechetCellFilter(atoms) with ASE's LennardJones calculator, optionally with
FixSymmetry(symprec). Prints JSON: per structure the final energy, cell, Cartesian positions, steps taken,
whether it converged, and the energy and fmax at every evaluation.

ASE before 3.23 (Debian's python3-ase is 3.22.1) has no FrechetCellFilter. Then the filter is built here on
ASE's own UnitCellFilter as ASE 3.23 defines it: degrees of freedom log(F) * exp_cell_factor (the number of
atoms), cell gradient from scipy's Fréchet derivative of expm contracted with the UnitCellFilter cell gradient.
"""
import json
import sys
from itertools import product

import numpy as np
from ase import Atoms
from ase.calculators.lj import LennardJones
from ase.optimize import FIRE
from ase.stress import voigt_6_to_full_3x3_stress

try:
    from ase.filters import FrechetCellFilter
except ImportError:
    from ase.constraints import UnitCellFilter
    from scipy.linalg import expm, expm_frechet, logm

    class FrechetCellFilter(UnitCellFilter):
        """ASE 3.23's FrechetCellFilter (no mask, hydrostatic or constant-volume options) on ASE 3.22."""

        def __init__(self, atoms, scalar_pressure=0.0):
            UnitCellFilter.__init__(self, atoms, scalar_pressure=scalar_pressure)
            self.exp_cell_factor = float(len(atoms))

        def get_positions(self):
            pos = UnitCellFilter.get_positions(self)
            n = len(self.atoms)
            pos[n:] = logm(self.deform_grad()).real * self.exp_cell_factor
            return pos

        def set_positions(self, new, **kwargs):
            n = len(self.atoms)
            new2 = new.copy()
            new2[n:] = expm(new[n:] / self.exp_cell_factor) * self.cell_factor
            UnitCellFilter.set_positions(self, new2, **kwargs)

        def get_forces(self, **kwargs):
            stress = self.atoms.get_stress(**kwargs)
            volume = self.atoms.get_volume()
            virial = -volume * (voigt_6_to_full_3x3_stress(stress) + np.diag([self.scalar_pressure] * 3))
            deform_grad = self.deform_grad()
            log_deform_grad = logm(deform_grad).real
            ucf_cell_grad = virial @ np.linalg.inv(deform_grad.T)
            cell_force = np.zeros((3, 3))
            for mu, nu in product(range(3), repeat=2):
                direction = np.zeros((3, 3))
                direction[mu, nu] = 1.0
                derivative = expm_frechet(log_deform_grad, direction, compute_expm=False)
                cell_force[mu, nu] = np.sum(derivative * ucf_cell_grad)
            n = len(self.atoms)
            forces = np.zeros((n + 3, 3))
            forces[:n] = self.atoms.get_forces(**kwargs) @ deform_grad
            forces[n:] = cell_force / self.exp_cell_factor
            return forces


def relax(spec, structure):
    atoms = Atoms(numbers=structure["numbers"], positions=structure["positions"], cell=structure["cell"], pbc=True)
    lj = spec["lj"]
    atoms.calc = LennardJones(sigma=lj["sigma"], epsilon=lj["epsilon"], rc=lj["rc"], ro=lj["ro"], smooth=lj["smooth"])
    if spec.get("keepSymmetry"):
        try:
            from ase.constraints import FixSymmetry
        except ImportError:
            from ase.spacegroup.symmetrize import FixSymmetry
        atoms.set_constraint(FixSymmetry(atoms, symprec=spec.get("symprec", 0.01)))
    filtered = FrechetCellFilter(atoms)
    optimizer = FIRE(filtered, logfile=None)
    trajectory = []

    def record():
        forces = filtered.get_forces()
        trajectory.append({"energy": float(atoms.get_potential_energy()), "fmax": float(np.sqrt((forces**2).sum(axis=1).max()))})

    optimizer.attach(record, interval=1)
    converged = bool(optimizer.run(fmax=spec["fmax"], steps=spec["steps"]))
    return {
        "energy": float(atoms.get_potential_energy()),
        "cell": atoms.cell.array.tolist(),
        "positions": atoms.positions.tolist(),
        "steps": int(optimizer.nsteps),
        "converged": converged,
        "trajectory": trajectory,
    }


def main():
    spec = json.load(sys.stdin)
    json.dump([relax(spec, s) for s in spec["structures"]], sys.stdout)


if __name__ == "__main__":
    main()
