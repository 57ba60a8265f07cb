// manifest.csv against CSV injection (OWASP): user text that a spreadsheet would run as a formula (=, +, -, @, tab,
// CR first) is written with a leading apostrophe; numbers we computed, negative ones included, stay numbers.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibrary } from '../../electron/library/index.ts';
import { csvSafeCell } from '../../shared/text/csv-cell.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-manifest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NACL_CIF =
  "data_NaCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'F m -3 m'\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n";

describe('manifest.csv', () => {
  it('keeps formulas in names and tags as text, and negative numbers as numbers', async () => {
    const library = openLibrary(join(root, 'ws'));
    try {
      const imported = await library.importTexts([{ fileName: 'a.cif', text: NACL_CIF }, { fileName: 'b.cif', text: NACL_CIF.replaceAll('5.64', '5.70') }], { duplicates: 'keep' });
      const [first, second] = imported.imported.map((i) => i.id) as [number, number];
      library.updateStructure(first, { name: '=HYPERLINK("http://example.com/x","click")', reward: -1.5 });
      library.updateStructure(second, { name: '@SUM(1+1)', reward: 2 });
      library.addTags([first], ['+cmd', '-2+3']);
      const zip = await library.exportZip([first, second], join(root, 'out.zip'));
      const text = new TextDecoder().decode(unzipSync(new Uint8Array(readFileSync(join(root, 'out.zip'))))['manifest.csv']!);
      expect(zip.count).toBe(2);
      const rows = parse(text, { columns: true }) as Record<string, string>[];
      expect(rows[0]!.name).toBe(`'=HYPERLINK("http://example.com/x","click")`);
      expect(rows[1]!.name).toBe(`'@SUM(1+1)`);
      // Tags are joined first; the cell starts with '+' (or '-') and is neutralised as a whole.
      expect(rows[0]!.tags!.startsWith("'")).toBe(true);
      expect(rows[0]!.reward).toBe('-1.5');
      expect(rows[1]!.reward).toBe('2');
      // No cell of the file starts a formula.
      for (const row of rows) for (const value of Object.values(row)) if (typeof value === 'string' && value !== row.reward) expect(value).not.toMatch(/^[=+\-@\t\r]/);
    } finally {
      library.close();
    }
  });

  it('csvSafeCell: the OWASP list of formula starts, nothing else', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvSafeCell(`${start}1`)).toBe(`'${start}1`);
    expect(csvSafeCell('NaCl')).toBe('NaCl');
    expect(csvSafeCell(-3)).toBe(-3);
    expect(csvSafeCell('')).toBe('');
    expect(csvSafeCell(null)).toBe(null);
  });
});
