import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifStructure, readPoscar } from '../../shared/io/index.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { runCli } from '../cli/run-cli.ts';

const RUTILE = `data_rutile
_cell_length_a    4.594
_cell_length_b    4.594
_cell_length_c    2.959
_cell_angle_alpha 90
_cell_angle_beta  90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 42/m n m'
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Ti1 0 0 0
O1 0.3048 0.3048 0
`;

/** Silicon in its 2-atom primitive cell, a = 5.431 Å. */
const SILICON = `Si\n5.431\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\nSi\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n`;

let dir: string;

beforeAll(async () => {
  await initSymmetry();
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-io-'));
  writeFileSync(join(dir, 'rutile.cif'), RUTILE);
  writeFileSync(join(dir, 'POSCAR'), SILICON);
  writeFileSync(join(dir, 'broken.cif'), RUTILE.replace("'P 42/m n m'", "'P 42/m n m"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('cfstudio inspect', () => {
  it('reports rutile: P4_2/mnm, Ti 2a + O 4f, density 4.25 g/cm³', async () => {
    const { code, out } = await run(['inspect', join(dir, 'rutile.cif'), '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.spaceGroup).toEqual({ number: 136, symbol: 'P4_2/mnm' });
    expect(report.crystalSystem).toBe('tetragonal');
    expect(report.wyckoffSequence).toBe('136-a-Ti-f-O');
    expect(report.formula).toEqual({ reduced: 'TiO2', hill: 'O4Ti2', formulaUnits: 2 });
    expect(report.numAtoms).toBe(6);
    // Rutile's X-ray density is 4.25 g/cm³: 2 TiO2 (79.866 g/mol) in 4.594² × 2.959 Å³.
    expect(report.density).toBeCloseTo((2 * 79.866) / 6.02214076e23 / (4.594 * 4.594 * 2.959e-24), 3);
    expect(report.density).toBeCloseTo(4.25, 1);
  });

  it('reports silicon from a POSCAR: Fd-3m, 8a, density 2.33 g/cm³, in text form', async () => {
    const { code, out } = await run(['inspect', join(dir, 'POSCAR')]);
    expect(code).toBe(0);
    expect(out).toMatch(/space group\s+227 Fd-3m \(cubic/);
    expect(out).toMatch(/Wyckoff\s+227-a-Si/);
    expect(out).toMatch(/density\s+2\.32\d\d g\/cm³/);
    expect(out).toMatch(/conventional\s+a 5\.4310/);
  });

  it('fails with one line naming the file (and line) for missing or bad input', async () => {
    const missing = await run(['inspect', join(dir, 'nope.cif')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`cfstudio: ${join(dir, 'nope.cif')}: no such file\n`);
    const broken = await run(['inspect', join(dir, 'broken.cif')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`^cfstudio: ${join(dir, 'broken.cif').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:8: quoted string`));
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    const noFile = await run(['inspect']);
    expect(noFile.code).toBe(1);
  });
});

describe('cfstudio convert', () => {
  it('writes a symmetrized CIF that reads back to the same space group and cell', async () => {
    const target = join(dir, 'rutile-sym.cif');
    const { code, log } = await run(['convert', join(dir, 'rutile.cif'), '--to', 'cif', '-o', target]);
    expect(code).toBe(0);
    expect(log).toMatch(/space group 136/);
    const text = readFileSync(target, 'utf8');
    expect(text).toMatch(/^_space_group_IT_number 136$/m);
    expect(text).toMatch(/^O O1 4 f /m);
    const back = readCifStructure(text);
    expect(back.structure.numSites).toBe(6);
    expect(analyzeStructure(back.structure).spaceGroup).toBe(136);
  });

  it('converts to P1 CIF, POSCAR and XYZ on standard output', async () => {
    const p1 = await run(['convert', join(dir, 'POSCAR'), '--to', 'cif-p1']);
    expect(p1.code).toBe(0);
    expect(readCifStructure(p1.out).structure.numSites).toBe(2);
    const poscar = await run(['convert', join(dir, 'rutile.cif'), '--to', 'poscar']);
    expect(readPoscar(poscar.out).structure.species).toEqual(['Ti', 'Ti', 'O', 'O', 'O', 'O']);
    const xyz = await run(['convert', join(dir, 'rutile.cif'), '--to', 'xyz']);
    expect(xyz.out.split('\n')[0]).toBe('6');
    const bad = await run(['convert', join(dir, 'rutile.cif'), '--to', 'pdb']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--to must be one of cif, cif-p1, poscar, xyz/);
  });
});
