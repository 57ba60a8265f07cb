/**
 * Interoperability: files written by shared/io must read back in pymatgen and ASE as the same structure and
 * space group. Runs scripts/check_with_pymatgen_ase.py with a Python that has pymatgen, ASE and spglib (Debian:
 * apt-get install python3-pymatgen python3-ase); skipped, with the reason printed, when there is none.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { writeCifP1, writeExtendedXyz, writePoscar, writeSymmetrizedCif } from '../../shared/io/index.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { type WyckoffDescription, analyzeStructure, buildStructure } from '../../shared/symmetry/analyze.ts';

function findPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import pymatgen.core, ase, spglib'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const python = findPython();
if (!python) console.warn('skipping pymatgen/ASE interoperability test: no python3 with pymatgen, ase and spglib (apt-get install python3-pymatgen python3-ase)');

const lattice = (a: number, b: number, c: number, alpha: number, beta: number, gamma: number) => ({ a, b, c, alpha, beta, gamma });
const site = (letter: string, species: string, frac: Vec3) => ({ letter, species, frac });

/** Known crystals (and two generic low-symmetry ones) covering centring, origin choice 2, hexagonal and R axes. */
const DESCRIPTIONS: Record<string, WyckoffDescription> = {
  'rock-salt': { spaceGroup: 225, lattice: lattice(5.6402, 5.6402, 5.6402, 90, 90, 90), sites: [site('a', 'Na', [0, 0, 0]), site('b', 'Cl', [0.5, 0.5, 0.5])] },
  rutile: { spaceGroup: 136, lattice: lattice(4.594, 4.594, 2.959, 90, 90, 90), sites: [site('a', 'Ti', [0, 0, 0]), site('f', 'O', [0.3048, 0.3048, 0])] },
  silicon: { spaceGroup: 227, lattice: lattice(5.431, 5.431, 5.431, 90, 90, 90), sites: [site('a', 'Si', [0.125, 0.125, 0.125])] },
  arsenic: { spaceGroup: 166, lattice: lattice(3.7598, 3.7598, 10.5475, 90, 90, 120), sites: [site('c', 'As', [0, 0, 0.2271])] },
  wurtzite: { spaceGroup: 186, lattice: lattice(3.2495, 3.2495, 5.2069, 90, 90, 120), sites: [site('b', 'Zn', [1 / 3, 2 / 3, 0]), site('b', 'O', [1 / 3, 2 / 3, 0.3819])] },
  monoclinic: {
    spaceGroup: 14,
    lattice: lattice(5.1, 6.3, 7.2, 90, 104.5, 90),
    sites: [site('e', 'Fe', [0.13, 0.27, 0.31]), site('e', 'O', [0.37, 0.61, 0.83]), site('e', 'O', [0.71, 0.08, 0.44])],
  },
  triclinic: { spaceGroup: 2, lattice: lattice(5, 6, 7, 80, 95, 105), sites: [site('i', 'Cu', [0.1, 0.2, 0.3]), site('i', 'S', [0.4, 0.7, 0.15])] },
};

let dir: string;

beforeAll(async () => {
  await initSymmetry();
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-interop-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!python)('pymatgen and ASE read our files back', () => {
  it('agrees on structure and space group for symmetrized CIF, P1 CIF, POSCAR and XYZ', () => {
    const cases: { file: string; format: string; spaceGroup: number; reference: { lattice: number[][]; species: string[]; frac: Vec3[] } }[] = [];
    for (const [name, description] of Object.entries(DESCRIPTIONS)) {
      const structure = buildStructure(description);
      // Our own analysis must agree first, or the expectation itself would be wrong.
      expect(analyzeStructure(structure).spaceGroup, name).toBe(description.spaceGroup);
      const reference = { lattice: structure.lattice.matrix.map((row) => [...row]), species: structure.species, frac: structure.fracCoords };
      const files: [string, string, string][] = [
        [`${name}-sym.cif`, 'cif', writeSymmetrizedCif(description, { dataName: name })],
        [`${name}-p1.cif`, 'cif', writeCifP1(structure, { dataName: name })],
        [`${name}.vasp`, 'poscar', writePoscar(structure)],
        [`${name}.xyz`, 'xyz', writeExtendedXyz(structure)],
      ];
      for (const [fileName, format, text] of files) {
        const file = join(dir, fileName);
        writeFileSync(file, text);
        cases.push({ file, format, spaceGroup: description.spaceGroup, reference });
      }
    }
    const manifest = join(dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ cases }));
    const script = resolve(import.meta.dirname, '../../scripts/check_with_pymatgen_ase.py');
    const run = spawnSync(python!, [script, manifest], { encoding: 'utf8', timeout: 120_000 });
    const results = run.stdout
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { file: string; ok: boolean; problems: string[] });
    expect(results, run.stderr).toHaveLength(cases.length);
    const failures = results.filter((r) => !r.ok).map((r) => `${r.file}: ${r.problems.join('; ')}`);
    expect(failures).toEqual([]);
    expect(run.status).toBe(0);
  });
});
