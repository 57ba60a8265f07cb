// Bad values that reach the library through imports: names of any length or with terminal escapes, the same
// crystal imported twice, names that a spreadsheet would run as formulas, non-finite cells.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { DUPLICATE_TOLERANCES, MAX_NAME_LENGTH, manifestCsv, openLibrary, type Library } from '../../electron/library/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-library-hardening-'));
const opened: Library[] = [];
afterAll(() => {
  for (const library of opened) library.close();
  rmSync(root, { recursive: true, force: true });
});
let counter = 0;
function freshLibrary(): Library {
  const library = openLibrary(join(root, `ws-${counter++}`));
  opened.push(library);
  return library;
}

const siteLoop = (rows: string[]) => `loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${rows.join('\n')}\n`;
const cubicCell = (a: number) => `_cell_length_a ${a}\n_cell_length_b ${a}\n_cell_length_c ${a}\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n`;
/** Rock salt NaCl (Fm-3m, Na 4a, Cl 4b) with lattice constant a. */
const rockSalt = (name: string, a: number) => `data_${name}\n${cubicCell(a)}_symmetry_Int_Tables_number 225\n${siteLoop(['Na1 Na 0 0 0', 'Cl1 Cl 0.5 0.5 0.5'])}`;
/** The same rock salt crystal in its two-atom primitive (fcc) cell, origin on Cl, atoms listed the other way round. */
const rockSaltPrimitivePoscar = (a: number) =>
  `NaCl primitive\n1.0\n0 ${a / 2} ${a / 2}\n${a / 2} 0 ${a / 2}\n${a / 2} ${a / 2} 0\nCl Na\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n`;
/** NaCl in the CsCl structure (Pm-3m): the same formula, another crystal. */
const csclTypeNaCl = `data_NaCl_B2\n${cubicCell(3.3)}_symmetry_Int_Tables_number 221\n${siteLoop(['Na1 Na 0 0 0', 'Cl1 Cl 0.5 0.5 0.5'])}`;

describe('names', () => {
  it('bounds a 1 MB POSCAR comment to the name limit and keeps pages small', async () => {
    const library = freshLibrary();
    const comment = 'x'.repeat(1_000_000);
    const result = await library.importTexts([{ fileName: 'POSCAR', text: rockSaltPrimitivePoscar(5.64).replace('NaCl primitive', comment) }]);
    expect(result.failed).toEqual([]);
    const row = library.getStructure(result.imported[0]!.id)!;
    expect(row.name!.length).toBe(MAX_NAME_LENGTH);
    expect(row.name!.endsWith('…')).toBe(true);
    expect(result.imported[0]!.name).toBe(row.name);
    expect(JSON.stringify(library.queryStructures({})).length).toBeLessThan(5_000);
  });

  it('writes control characters of a name (terminal escapes, NUL) as visible escapes', async () => {
    const library = freshLibrary();
    const result = await library.importTexts([{ fileName: 'POSCAR', text: rockSaltPrimitivePoscar(5.64).replace('NaCl primitive', 'red\u001b[31m\u0000end') }]);
    const name = library.getStructure(result.imported[0]!.id)!.name!;
    expect(name).toBe('red\\x1b[31m\\x00end');
    expect(/[\u0000-\u001f]/.test(name)).toBe(false);
  });
});

describe('duplicate imports', () => {
  it('skips the same file imported again and names the row it duplicates', async () => {
    const library = freshLibrary();
    const first = await library.importTexts([{ fileName: 'NaCl.cif', text: rockSalt('NaCl', 5.64) }]);
    const again = await library.importTexts([{ fileName: 'NaCl-again.cif', text: rockSalt('NaCl', 5.64) }]);
    expect(again.imported).toEqual([]);
    expect(again.failed).toEqual([]);
    expect(again.duplicates).toEqual([{ file: 'NaCl-again.cif', name: 'NaCl', formula: 'NaCl', existingId: first.imported[0]!.id }]);
    expect(library.countStructures()).toBe(1);
  });

  it('recognises the same crystal in another cell, origin and atom order (conventional vs primitive rock salt)', async () => {
    const library = freshLibrary();
    const first = await library.importTexts([{ fileName: 'NaCl.cif', text: rockSalt('NaCl', 5.64) }]);
    const primitive = await library.importTexts([{ fileName: 'POSCAR', text: rockSaltPrimitivePoscar(5.64) }]);
    expect(primitive.duplicates.map((d) => d.existingId)).toEqual([first.imported[0]!.id]);
  });

  it('keeps different crystals of one formula: another structure type, or the same type at a 10 % larger lattice', async () => {
    const library = freshLibrary();
    const result = await library.importTexts([
      { fileName: 'NaCl.cif', text: rockSalt('NaCl', 5.64) },
      { fileName: 'NaCl-B2.cif', text: csclTypeNaCl },
      { fileName: 'NaCl-expanded.cif', text: rockSalt('NaCl_expanded', 6.2) },
    ]);
    expect(result.duplicates).toEqual([]);
    expect(result.imported.map((i) => i.name)).toEqual(['NaCl', 'NaCl_B2', 'NaCl_expanded']);
  });

  it('finds duplicates within one import (two blocks of one file) and stores them with duplicates: keep', async () => {
    const library = freshLibrary();
    const twice = `${rockSalt('first', 5.64)}\n${rockSalt('second', 5.64)}`;
    const skipped = await library.importTexts([{ fileName: 'twice.cif', text: twice }]);
    expect(skipped.imported.map((i) => i.name)).toEqual(['first']);
    expect(skipped.duplicates.map((d) => d.name)).toEqual(['second']);
    const kept = await library.importTexts([{ fileName: 'twice.cif', text: twice }], { duplicates: 'keep' });
    expect(kept.imported.map((i) => i.name)).toEqual(['first', 'second']);
    expect(library.countStructures()).toBe(3);
  });

  it('is not fooled by a reused id: after the newest row is deleted, its id holds another crystal', async () => {
    const library = freshLibrary();
    const first = await library.importTexts([{ fileName: 'NaCl.cif', text: rockSalt('NaCl', 5.64) }]);
    const id = first.imported[0]!.id;
    library.deleteStructures([id]);
    const other = await library.importTexts([{ fileName: 'B2.cif', text: csclTypeNaCl }]);
    // SQLite hands out the freed id again (INTEGER PRIMARY KEY without AUTOINCREMENT).
    expect(other.imported[0]!.id).toBe(id);
    const again = await library.importTexts([{ fileName: 'NaCl.cif', text: rockSalt('NaCl', 5.64) }]);
    expect(again.duplicates).toEqual([]);
    expect(again.imported).toHaveLength(1);
  });

  it('compares with generated rows too (a crystal the model already produced is not stored twice)', async () => {
    const library = freshLibrary();
    const a = 5.64;
    const generated = Structure.fromSpecies(
      Lattice.fromParameters(a, a, a, 90, 90, 90),
      ['Na', 'Na', 'Na', 'Na', 'Cl', 'Cl', 'Cl', 'Cl'],
      [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0], [0.5, 0.5, 0.5], [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]],
    );
    const id = library.addStructure({ structure: generated, source: 'generated', spaceGroupFound: 225 });
    const result = await library.importTexts([{ fileName: 'NaCl.cif', text: rockSalt('NaCl', a) }]);
    expect(result.duplicates.map((d) => d.existingId)).toEqual([id]);
  });
});

const hasPymatgen = spawnSync('/usr/bin/python3', ['-c', 'import pymatgen.analysis.structure_matcher'], { encoding: 'utf8' }).status === 0;
if (!hasPymatgen) console.warn('skipping the pymatgen comparison of duplicate verdicts: no /usr/bin/python3 with pymatgen (apt-get install python3-pymatgen)');

interface StructureFile {
  text: string;
  /** pymatgen's format name. */
  fmt: 'cif' | 'poscar';
  fileName: string;
}

/** pymatgen's StructureMatcher at DUPLICATE_TOLERANCES on each pair: an independent verdict, one Python run. */
function pymatgenVerdicts(pairs: readonly (readonly [StructureFile, StructureFile])[]): boolean[] {
  const script = `
import json, sys
from pymatgen.core import Structure
from pymatgen.analysis.structure_matcher import StructureMatcher
pairs, tol = json.loads(sys.stdin.read())
m = StructureMatcher(ltol=tol["ltol"], stol=tol["stol"], angle_tol=tol["angleTol"], scale=tol["scale"], primitive_cell=True)
print(json.dumps([bool(m.fit(Structure.from_str(a["text"], fmt=a["fmt"]), Structure.from_str(b["text"], fmt=b["fmt"]))) for a, b in pairs]))
`;
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify([pairs, DUPLICATE_TOLERANCES]), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`pymatgen: ${run.stderr.slice(-500)}`);
  return JSON.parse(run.stdout.trim()) as boolean[];
}

describe.skipIf(!hasPymatgen)('duplicate verdicts agree with pymatgen StructureMatcher at the same tolerances', () => {
  const rockSaltFile = (a: number): StructureFile => ({ text: rockSalt(`a${a}`, a), fmt: 'cif', fileName: `NaCl-${a}.cif` });
  const pairs: [string, StructureFile, StructureFile][] = [
    ['conventional vs primitive rock salt', rockSaltFile(5.64), { text: rockSaltPrimitivePoscar(5.64), fmt: 'poscar', fileName: 'POSCAR' }],
    ['rock salt at 5.64 vs 5.66 Å (0.4 %)', rockSaltFile(5.64), rockSaltFile(5.66)],
    ['rock salt at 5.64 vs 6.2 Å (10 %)', rockSaltFile(5.64), rockSaltFile(6.2)],
    ['rock salt vs CsCl-type NaCl', rockSaltFile(5.64), { text: csclTypeNaCl, fmt: 'cif', fileName: 'B2.cif' }],
  ];
  const verdicts = hasPymatgen ? pymatgenVerdicts(pairs.map(([, a, b]) => [a, b] as const)) : [];

  it('pymatgen\'s verdicts are the expected ones (same, same, different, different)', () => {
    expect(verdicts).toEqual([true, true, false, false]);
  });

  pairs.forEach(([label, a, b], i) => {
    it(label, async () => {
      const library = freshLibrary();
      const result = await library.importTexts([
        { fileName: a.fileName, text: a.text },
        { fileName: b.fileName, text: b.text },
      ]);
      expect(result.failed).toEqual([]);
      expect(result.duplicates.length === 1).toBe(verdicts[i]);
    });
  });
});

describe('manifest.csv', () => {
  it('neutralises names and tags a spreadsheet would run as formulas, and leaves numbers alone', async () => {
    const library = freshLibrary();
    const result = await library.importTexts([{ fileName: 'POSCAR', text: rockSaltPrimitivePoscar(5.64).replace('NaCl primitive', '=HYPERLINK("http://evil.example","x")') }], { tags: ['+cmd'] });
    const id = result.imported[0]!.id;
    library.updateStructure(id, { reward: -1.5 });
    const [header, row] = parse(manifestCsv([library.getStructure(id)!])) as string[][];
    const cell = (column: string) => row![header!.indexOf(column)]!;
    expect(cell('name')).toBe('\'=HYPERLINK("http://evil.example","x")');
    expect(cell('tags')).toBe("'+cmd");
    expect(cell('reward')).toBe('-1.5');
  });
});

describe('non-finite cells', () => {
  it('refuses a cell whose length overflows (b = 1e308·√2 = Infinity, α = NaN) before anything is stored', () => {
    const library = freshLibrary();
    // The determinant (1e308) is finite, but b is not: the lattice itself refuses to exist (shared/crystal/lattice.ts),
    // so no such structure can reach the library.
    expect(() => new Lattice([[1, 0, 0], [1e308, 1e308, 0], [0, 0, 1]])).toThrow(/too large to compute with/);
    expect(library.countStructures()).toBe(0);
  });
});
