// The records of `cfstudio relax` / `energy` and their jobs: RMS displacement is measured in the final cell (a cell
// that only changes shape gives 0; one atom moved by d among N gives d/√N), stress is converted to GPa with ASE's
// factor, and missing stability data gives null fields with the reason instead of an error.
import { describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { rmsDisplacement, singlePointRecord, stabilityRecord } from '../../electron/screening/records.ts';

await initSymmetry();

const site = (species: string, frac: Vec3) => ({ species, frac });
const start = new Structure(Lattice.fromParameters(4, 5, 6, 80, 95, 100), [site('Na', [0.1, 0.2, 0.3]), site('Cl', [0.6, 0.7, 0.8]), site('Cl', [0.95, 0.05, 0.5])]);

describe('rmsDisplacement', () => {
  it('is 0 when only the cell changes, and d/√N when one atom of N moves by d (across the cell boundary too)', () => {
    const sheared = new Structure(Lattice.fromParameters(4.3, 4.8, 6.2, 85, 92, 104), start.sites);
    expect(rmsDisplacement(start, sheared)).toBeLessThan(1e-12);
    // Atom 2 moves +0.1 along a (from x = 0.95 to 0.05, wrapped): 0.1 a = 0.4 Å in the final cell.
    const moved = new Structure(start.lattice, start.sites.map((s, i) => (i === 2 ? { ...s, frac: [0.05, 0.05, 0.5] as Vec3 } : s)));
    expect(rmsDisplacement(start, moved)).toBeCloseTo(0.4 / Math.sqrt(3), 12);
  });
});

describe('records', () => {
  it('stress in GPa with pressure −tr/3; forces per site and the largest one; no stability data → null fields with the reason', () => {
    const record = singlePointRecord(
      'x.cif',
      start,
      {
        energy: -9,
        forces: Float64Array.from([3, 4, 0, 0, 0, 0, -3, -4, 0]),
        stress: [
          [0.01, 0, 0],
          [0, 0.02, 0],
          [0, 0, 0.03],
        ],
      },
      { symprec: 0.01, stability: { error: 'no hull here' } },
    );
    expect(record.energyPerAtom).toBe(-3);
    expect(record.maxForce).toBe(5);
    expect(record.forces[2]).toEqual([-3, -4, 0]);
    expect(record.stressGPa[1][1]).toBeCloseTo(0.02 * 160.21766208, 10);
    expect(record.pressureGPa).toBeCloseTo(-0.02 * 160.21766208, 10);
    expect(record.formula).toBe('NaCl2');
    expect(record.eHull).toBeNull();
    expect(record.stabilityError).toBe('stability data not available: no hull here');
    expect(stabilityRecord(undefined, start, -9)).toEqual({ correctedEnergy: null, formationEnergyPerAtom: null, eHull: null, decomposition: null });
  });
});
