import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_COLUMNS, openLibrary, type Library } from '../../electron/library/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-library-io-'));
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

const cell = (a: number, b: number, c: number, alpha = 90, beta = 90, gamma = 90) =>
  `_cell_length_a ${a}\n_cell_length_b ${b}\n_cell_length_c ${c}\n_cell_angle_alpha ${alpha}\n_cell_angle_beta ${beta}\n_cell_angle_gamma ${gamma}\n`;
const sites = (rows: string[]) => `loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${rows.join('\n')}\n`;

// Asymmetric units only; the reader expands them with the operations of the declared space group.
// Rock salt NaCl: Fm-3m (No. 225), a = 5.64 Å, Na 4a, Cl 4b.
const NACL_CIF = `data_NaCl\n${cell(5.64, 5.64, 5.64)}_symmetry_space_group_name_H-M 'F m -3 m'\n_symmetry_Int_Tables_number 225\n${sites(['Na1 Na 0 0 0', 'Cl1 Cl 0.5 0.5 0.5'])}`;
// Rutile TiO2: P4_2/mnm (No. 136), a = 4.594, c = 2.959 Å, Ti 2a, O 4f with x = 0.3053.
const RUTILE_CIF = `data_rutile\n${cell(4.594, 4.594, 2.959)}_symmetry_Int_Tables_number 136\n${sites(['Ti1 Ti 0 0 0', 'O1 O 0.3053 0.3053 0'])}`;
// Two blocks: CsCl (Pm-3m, No. 221) and bcc iron (Im-3m, No. 229).
const TWO_BLOCKS_CIF =
  `data_CsCl\n${cell(4.12, 4.12, 4.12)}_symmetry_Int_Tables_number 221\n${sites(['Cs1 Cs 0 0 0', 'Cl1 Cl 0.5 0.5 0.5'])}\n` +
  `data_Fe_bcc\n${cell(2.87, 2.87, 2.87)}_symmetry_Int_Tables_number 229\n${sites(['Fe1 Fe 0 0 0'])}`;
// Diamond silicon in its two-atom primitive cell: Fd-3m (No. 227).
const SILICON_POSCAR = 'Si diamond\n1.0\n0.0 2.715 2.715\n2.715 0.0 2.715\n2.715 2.715 0.0\nSi\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n';

function writeInputs(): Record<string, string> {
  const dir = join(root, `inputs-${counter++}`);
  mkdirSync(dir);
  const files: Record<string, string> = {
    nacl: join(dir, 'NaCl.cif'),
    rutile: join(dir, 'rutile.cif'),
    two: join(dir, 'two-blocks.cif'),
    silicon: join(dir, 'POSCAR'),
    broken: join(dir, 'broken.cif'),
  };
  writeFileSync(files.nacl!, NACL_CIF);
  writeFileSync(files.rutile!, RUTILE_CIF);
  writeFileSync(files.two!, TWO_BLOCKS_CIF);
  writeFileSync(files.silicon!, SILICON_POSCAR);
  writeFileSync(files.broken!, `data_broken\n${cell(5, 5, 5)}loop_\n_atom_site_label\n_atom_site_fract_x\nA1 0.1 0.2\n`);
  files.missing = join(dir, 'missing.cif');
  return files;
}

describe('import', () => {
  it('imports CIF (all blocks) and POSCAR files with the space groups of the known crystals', async () => {
    const library = freshLibrary();
    const files = writeInputs();
    const streamed: number[] = [];
    const progress: number[] = [];
    const result = await library.importFiles(Object.values(files), {
      tags: ['reference'],
      onImported: (item) => streamed.push(item.id),
      onProgress: ({ done }) => progress.push(done),
    });
    const summary = result.imported.map((i) => [i.name, i.formula, i.spaceGroup]);
    expect(summary).toEqual([
      ['NaCl', 'NaCl', 225],
      ['rutile', 'TiO2', 136],
      ['CsCl', 'CsCl', 221],
      ['Fe_bcc', 'Fe', 229],
      ['Si diamond', 'Si', 227],
    ]);
    expect(streamed).toEqual(result.imported.map((i) => i.id));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.failed.map((f) => f.file)).toEqual([files.broken, files.missing]);
    expect(result.failed[0]!.error).toContain('broken.cif');
    expect(result.failed[1]!.error).toMatch(/missing\.cif: cannot read file \(ENOENT\)/);

    const nacl = library.getStructure(result.imported[0]!.id)!;
    expect(nacl.numSites).toBe(8);
    expect(nacl.source).toBe('imported');
    expect(nacl.cif).toBe(NACL_CIF); // single-block files are kept verbatim
    expect(nacl.tags).toEqual(['reference']);
    expect(library.getStructure(result.imported[1]!.id)!.numSites).toBe(6);
    expect(library.getStructure(result.imported[3]!.id)!.cif).toMatch(/^data_Fe_bcc$/m); // written as P1 from the block

    const run = library.getRun(result.runId)!;
    expect(run.kind).toBe('import');
    expect(run.status).toBe('completed');
    expect(run.error).toBe('2 of 6 files could not be imported');
    expect(run.timings.import).toBeGreaterThan(0);
    expect(library.selectIds({ runId: run.id })).toEqual(result.imported.map((i) => i.id));
    expect(library.selectIds({ spaceGroups: [225, 227] })).toEqual([result.imported[0]!.id, result.imported[4]!.id]);
  });

  it('imports uploaded texts and marks a run with nothing importable as failed', async () => {
    const library = freshLibrary();
    const ok = await library.importTexts([{ fileName: 'upload.vasp', text: SILICON_POSCAR }]);
    expect(ok.imported.map((i) => i.spaceGroup)).toEqual([227]);
    const bad = await library.importTexts([{ fileName: 'junk.cif', text: 'data_x\n_cell_length_a 1\n' }]);
    expect(bad.imported).toEqual([]);
    expect(bad.failed[0]!.error).toMatch(/junk\.cif/);
    expect(library.getRun(bad.runId)!.status).toBe('failed');
  });
});

describe('export', () => {
  async function populated(): Promise<{ library: Library; ids: number[] }> {
    const library = freshLibrary();
    const files = writeInputs();
    const result = await library.importFiles([files.nacl!, files.rutile!, files.two!, files.silicon!]);
    const ids = result.imported.map((i) => i.id);
    library.updateStructure(ids[0]!, { reward: 0.9, properties: { note: 'has "quotes", commas\nand a newline' } });
    library.addTags([ids[0]!, ids[1]!], ['shortlist', 'dft']);
    library.setFavourite(ids[1]!, true);
    return { library, ids };
  }

  it('writes one zip with a CIF per structure and a manifest CSV that parses back', async () => {
    const { library, ids } = await populated();
    const zipPath = join(root, 'exports', 'selection.zip');
    const result = await library.exportZip(ids, zipPath);
    expect(result.count).toBe(5);
    expect(result.files).toEqual([
      `${ids[0]}-NaCl-sg225.cif`, `${ids[1]}-TiO2-sg136.cif`, `${ids[2]}-CsCl-sg221.cif`, `${ids[3]}-Fe-sg229.cif`, `${ids[4]}-Si-sg227.cif`,
    ]);
    const bytes = readFileSync(zipPath);
    const unzipTool = spawnSync('unzip', ['-tq', zipPath], { encoding: 'utf8' });
    if (unzipTool.error === undefined) expect(unzipTool.stdout).toMatch(/No errors detected/); // Info-ZIP's own integrity check
    const entries = unzipSync(bytes);
    expect(Object.keys(entries).sort()).toEqual(['manifest.csv', ...result.files].sort());
    expect(new TextDecoder().decode(entries[result.files[0]!]!)).toBe(`${NACL_CIF}`);

    const manifest = parse(new TextDecoder().decode(entries['manifest.csv']!), { columns: true }) as Record<string, string>[];
    expect(Object.keys(manifest[0]!)).toEqual([...MANIFEST_COLUMNS]);
    expect(manifest.map((row) => [row.file, row.formula, row.space_group_found, row.num_sites])).toEqual([
      [result.files[0], 'NaCl', '225', '8'],
      [result.files[1], 'TiO2', '136', '6'],
      [result.files[2], 'CsCl', '221', '2'],
      [result.files[3], 'Fe', '229', '2'],
      [result.files[4], 'Si', '227', '2'],
    ]);
    expect(manifest[0]!.tags).toBe('dft;shortlist');
    expect(manifest[0]!.reward).toBe('0.9');
    expect(JSON.parse(manifest[0]!.properties!)).toEqual({ note: 'has "quotes", commas\nand a newline' });
    expect(manifest[1]!.favourite).toBe('true');
    expect(manifest[2]!.reward).toBe('');

    // The exported CIFs import again as the same crystals.
    const again = freshLibrary();
    const reimported = await again.importTexts(result.files.map((name) => ({ fileName: name, text: new TextDecoder().decode(entries[name]!) })));
    expect(reimported.imported.map((i) => [i.formula, i.spaceGroup])).toEqual([['NaCl', 225], ['TiO2', 136], ['CsCl', 221], ['Fe', 229], ['Si', 227]]);
  });

  it('writes CIF files and a manifest into a directory for a query selection', async () => {
    const { library, ids } = await populated();
    const dir = join(root, 'exports', `cifs-${counter++}`);
    const result = await library.exportCifFiles({ tags: ['shortlist'] }, dir);
    expect(result.files).toEqual([`${ids[0]}-NaCl-sg225.cif`, `${ids[1]}-TiO2-sg136.cif`]);
    expect(readdirSync(dir).sort()).toEqual([...result.files, 'manifest.csv'].sort());
    const manifest = parse(readFileSync(join(dir, 'manifest.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(manifest.map((r) => r.id)).toEqual([String(ids[0]), String(ids[1])]);
    expect(readFileSync(join(dir, result.files[1]!), 'utf8')).toBe(`${RUTILE_CIF}`);
  });

  it('refuses to export ids that do not exist, leaving no partial zip', async () => {
    const { library, ids } = await populated();
    const zipPath = join(root, 'exports', 'bad.zip');
    await expect(library.exportZip([ids[0]!, 9999], zipPath)).rejects.toThrow('export: no structure with id 9999');
    expect(existsSync(zipPath)).toBe(false);
    expect(library.buildExportZip([]).length).toBeGreaterThan(0); // an empty selection is a zip with just the manifest
  });
});
