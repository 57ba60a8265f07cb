/** Runs pymatgen_stability.py (pymatgen's MP2020 corrections and PhaseDiagram) on test crystals. */
import { spawnSync } from 'node:child_process';
import type { TestCrystal } from './crystals.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('./pymatgen_stability.py', import.meta.url).pathname;

/** One JSON record per crystal (see the script for the fields); the raw energy defaults to −5 eV/atom. */
export function runPymatgen(crystals: TestCrystal[], hull?: { csv: string; elements: string }, energies?: number[]): Record<string, unknown>[] {
  const cases = crystals.map((c, i) => ({ id: c.id, lattice: c.structure.lattice.matrix, species: c.structure.species, frac: c.structure.fracCoords, energy: energies?.[i] ?? -5 * c.structure.numSites }));
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ cases, hull: hull ?? null }), encoding: 'utf8', maxBuffer: 16 << 20 });
  if (run.status !== 0) throw new Error(`pymatgen_stability.py failed: ${run.stderr}`);
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}
