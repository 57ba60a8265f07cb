import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import {
  PoscarError,
  formatFromFileName,
  readCifStructure,
  readPoscar,
  readStructureFile,
  readStructureText,
  writeCifP1,
  writeExtendedXyz,
  writePoscar,
  writeSymmetrizedCif,
} from '../../shared/io/index.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';

beforeAll(async () => {
  await initSymmetry();
});

/** Silicon, diamond structure, a = 5.431 Å, in the 2-atom fcc primitive cell; Si–Si bond = a√3/4 = 2.3517 Å. */
const SILICON_POSCAR = `Si diamond
5.431
  0.0 0.5 0.5
  0.5 0.0 0.5
  0.5 0.5 0.0
  Si
  2
Direct
  0.00 0.00 0.00
  0.25 0.25 0.25
`;

const samePoint = (a: Vec3, b: Vec3, digits = 7) => a.forEach((x, i) => expect(x - Math.round(x - b[i]!)).toBeCloseTo(b[i]!, digits));

describe('POSCAR', () => {
  it('reads a VASP 5 file with a scale factor', () => {
    const { structure, comment, selectiveDynamics } = readPoscar(SILICON_POSCAR);
    expect(comment).toBe('Si diamond');
    expect(selectiveDynamics).toBe(false);
    expect(structure.volume).toBeCloseTo(5.431 ** 3 / 4, 8);
    expect(structure.getDistance(0, 1)).toBeCloseTo((5.431 * Math.sqrt(3)) / 4, 8);
  });

  it('treats a negative scale as the cell volume, and reads Cartesian positions in scaled units', () => {
    const volume = 5.431 ** 3 / 4;
    const text = SILICON_POSCAR.replace('5.431', `-${volume}`).replace('Direct', 'Cartesian').replace('0.25 0.25 0.25', '0.25 0.25 0.25');
    const { structure } = readPoscar(text);
    expect(structure.volume).toBeCloseTo(volume, 8);
    // Cartesian (0.25, 0.25, 0.25) in units of the scale → fractional (0.25, 0.25, 0.25) in this cell.
    samePoint(structure.sites[1]!.frac, [0.25, 0.25, 0.25]);
  });

  it('tolerates selective dynamics, POTCAR suffixes, CRLF and the VASP 4 layout', () => {
    const selective = `NaCl\r\n1.0\r\n5.64 0 0\r\n0 5.64 0\r\n0 0 5.64\r\nNa_pv Cl/abc123\r\n1 1\r\nSelective dynamics\r\nDirect\r\n0 0 0 T T F\r\n0.5 0.5 0.5 F F F Cl\r\n`;
    const result = readPoscar(selective);
    expect(result.selectiveDynamics).toBe(true);
    expect(result.structure.species).toEqual(['Na', 'Cl']);
    const vasp4 = `Na Cl\n1.0\n5.64 0 0\n0 5.64 0\n0 0 5.64\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n`;
    expect(readPoscar(vasp4).structure.species).toEqual(['Na', 'Cl']);
  });

  it('names the line of a mistake', () => {
    const cases: [string, number, RegExp][] = [
      [SILICON_POSCAR.replace('5.431', 'abc'), 2, /scale factor/],
      [SILICON_POSCAR.replace('  0.5 0.0 0.5', '  0.5 0.0'), 4, /lattice vector 2/],
      [SILICON_POSCAR.replace('  Si\n', '  Xq\n'), 6, /'Xq' is not an element/],
      [SILICON_POSCAR.replace('  2\n', '  2 3\n'), 7, /1 element names but 2 counts/],
      [SILICON_POSCAR.replace('Direct', 'Reciprocal'), 8, /Direct/],
      [SILICON_POSCAR.replace('  0.25 0.25 0.25\n', ''), 10, /ends too early/],
      [SILICON_POSCAR.replace('5.431', '0'), 2, /scale factor is 0/],
    ];
    for (const [text, line, message] of cases) {
      try {
        readPoscar(text, { fileName: 'POSCAR' });
        expect.unreachable(text);
      } catch (error) {
        expect(error).toBeInstanceOf(PoscarError);
        expect((error as PoscarError).line).toBe(line);
        expect((error as Error).message).toMatch(message);
        expect((error as Error).message.startsWith(`POSCAR:${line}: `)).toBe(true);
      }
    }
  });

  it('round-trips through the writer in Direct and Cartesian form', () => {
    const lattice = Lattice.fromParameters(4.1, 5.2, 6.3, 80, 95, 110);
    const structure = new Structure(lattice, [
      { species: 'O', frac: [0.1, 0.2, 0.3] },
      { species: 'Fe', frac: [0.5, 0.6, 0.7] },
      { species: 'O', frac: [0.9, 0.05, 0.45] },
    ]);
    for (const cartesian of [false, true]) {
      const text = writePoscar(structure, { cartesian });
      const back = readPoscar(text).structure;
      // Grouped by element in order of first appearance: O, O, Fe.
      expect(back.species).toEqual(['O', 'O', 'Fe']);
      expect(text.split('\n')[5]!.trim().split(/\s+/)).toEqual(['O', 'Fe']);
      samePoint(back.sites[0]!.frac, [0.1, 0.2, 0.3]);
      samePoint(back.sites[1]!.frac, [0.9, 0.05, 0.45]);
      samePoint(back.sites[2]!.frac, [0.5, 0.6, 0.7]);
      expect(back.lattice.parameters.gamma).toBeCloseTo(110, 8);
    }
  });
});

describe('CIF writers', () => {
  it('writes a P1 CIF that reads back to the same cell and atoms', () => {
    const lattice = Lattice.fromParameters(4.1, 5.2, 6.3, 80, 95, 110);
    const structure = new Structure(lattice, [
      { species: 'Ti', frac: [0.1, 0.2, 0.3] },
      { species: 'O', frac: [0.5, 0.6, 0.999999999] },
      { species: 'O', frac: [-0.1, 0.05, 0.45] },
    ]);
    const text = writeCifP1(structure, { dataName: 'my structure' });
    expect(text).toMatch(/^data_my_structure$/m);
    expect(text).toMatch(/^_chemical_formula_sum 'O2 Ti'$/m);
    const back = readCifStructure(text);
    expect(back.warnings).toEqual([]);
    expect(back.structure.species).toEqual(['Ti', 'O', 'O']);
    const p = back.structure.lattice.parameters;
    expect([p.a, p.b, p.c, p.alpha, p.beta, p.gamma].map((x) => Number(x.toFixed(6)))).toEqual([4.1, 5.2, 6.3, 80, 95, 110]);
    structure.sites.forEach((site, i) => samePoint(back.structure.sites[i]!.frac, site.frac));
  });

  const describeRoundTrip = (spaceGroup: number, lattice: [number, number, number, number, number, number], sites: { letter: string; species: string; frac: Vec3 }[]) => {
    const [a, b, c, alpha, beta, gamma] = lattice;
    const text = writeSymmetrizedCif({ spaceGroup, lattice: { a, b, c, alpha, beta, gamma }, sites });
    return { text, read: readCifStructure(text) };
  };

  it('writes symmetrized CIFs whose operations regenerate the full cell (rock salt, rutile)', () => {
    const salt = describeRoundTrip(225, [5.6402, 5.6402, 5.6402, 90, 90, 90], [
      { letter: 'a', species: 'Na', frac: [0, 0, 0] },
      { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] },
    ]);
    expect(salt.text).toMatch(/^_space_group_IT_number 225$/m);
    expect(salt.text).toMatch(/^_symmetry_Int_Tables_number 225$/m);
    expect(salt.text).toMatch(/^_space_group_name_H-M_alt 'F m -3 m'$/m);
    expect(salt.text).toMatch(/^Na Na1 4 a 0\.00000000 0\.00000000 0\.00000000 1$/m);
    expect(salt.text.match(/^\d+ '?[-xyz+0-9/,]+'?$/gm)).toHaveLength(192);
    expect(salt.read.structure.numSites).toBe(8);
    expect(salt.read.structure.minimumDistance()).toBeCloseTo(5.6402 / 2, 8);
    expect(salt.text).toMatch(/^_cell_formula_units_Z 4$/m);

    const rutile = describeRoundTrip(136, [4.594, 4.594, 2.959, 90, 90, 90], [
      { letter: 'a', species: 'Ti', frac: [0, 0, 0] },
      { letter: 'f', species: 'O', frac: [0.3048, 0.3048, 0] },
    ]);
    expect(Composition.fromStructure(rutile.read.structure).amount('O')).toBe(4);
    expect(rutile.read.structure.numSites).toBe(6);
  });

  it('uses origin choice 2 and hexagonal axes consistently (diamond Si, α-As)', () => {
    // Diamond in Fd-3m origin choice 2: Si at 8a = (1/8, 1/8, 1/8); bond a√3/4.
    const diamond = describeRoundTrip(227, [5.431, 5.431, 5.431, 90, 90, 90], [{ letter: 'a', species: 'Si', frac: [0.125, 0.125, 0.125] }]);
    expect(diamond.read.structure.numSites).toBe(8);
    expect(diamond.read.structure.minimumDistance()).toBeCloseTo((5.431 * Math.sqrt(3)) / 4, 6);
    // Grey arsenic, R-3m on hexagonal axes: As at 6c (0, 0, z), z = 0.2271 → 6 atoms in the hexagonal cell.
    const arsenic = describeRoundTrip(166, [3.7598, 3.7598, 10.5475, 90, 90, 120], [{ letter: 'c', species: 'As', frac: [0, 0, 0.2271] }]);
    expect(arsenic.read.structure.numSites).toBe(6);
    expect(arsenic.text).toMatch(/^As As1 6 c /m);
  });

  it('names the setting by Hall symbol, so the file still reads right without its operations', () => {
    // Origin choice 2 of Fd-3m puts the inversion centre at the origin; read with origin-1 operations, Si at
    // (1/8, 1/8, 1/8) would not give the diamond structure.
    const { text } = describeRoundTrip(227, [5.431, 5.431, 5.431, 90, 90, 90], [{ letter: 'a', species: 'Si', frac: [0.125, 0.125, 0.125] }]);
    expect(text).toMatch(/^_space_group_name_Hall '-F 4vw 2vw 3'$/m);
    const withoutOperations = text.replace(/loop_\n_space_group_symop_id\n_space_group_symop_operation_xyz\n(\d+ .*\n)+/, '');
    expect(withoutOperations).not.toMatch(/symop/);
    const read = readCifStructure(withoutOperations);
    expect(read.warnings.join(' ')).toMatch(/_space_group_name_Hall/);
    expect(read.structure.numSites).toBe(8);
    expect(read.structure.minimumDistance()).toBeCloseTo((5.431 * Math.sqrt(3)) / 4, 6);
  });
});

describe('extended XYZ', () => {
  it('writes the lattice rows and Cartesian positions', () => {
    const lattice = Lattice.fromParameters(3, 4, 5, 90, 90, 120);
    const structure = new Structure(lattice, [
      { species: 'C', frac: [0, 0, 0] },
      { species: 'N', frac: [0.5, 0.25, 0.1] },
    ]);
    const text = writeExtendedXyz(structure, { info: { energy: -1.5, note: 'two words' } });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('2');
    const latticeText = /Lattice="([^"]+)"/.exec(lines[1]!)![1]!.split(' ').map(Number);
    lattice.matrix.flat().forEach((x, i) => expect(latticeText[i]).toBeCloseTo(x, 7));
    expect(lines[1]).toContain('Properties=species:S:1:pos:R:3');
    expect(lines[1]).toContain('pbc="T T T"');
    expect(lines[1]).toContain('note="two words"');
    const [species, ...xyz] = lines[3]!.trim().split(/\s+/);
    expect(species).toBe('N');
    const expected = lattice.getCartesianCoords([0.5, 0.25, 0.1]);
    xyz.map(Number).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 7));
  });
});

describe('readStructureText / readStructureFile', () => {
  it('detects the format from the name or the content', async () => {
    expect(formatFromFileName('/tmp/x/POSCAR')).toBe('poscar');
    expect(formatFromFileName('CONTCAR_relaxed')).toBe('poscar');
    expect(formatFromFileName('a.vasp')).toBe('poscar');
    expect(formatFromFileName('quartz.CIF')).toBe('cif');
    expect(formatFromFileName('notes.txt')).toBeUndefined();
    expect(readStructureText(SILICON_POSCAR).format).toBe('poscar');
    const cif = writeCifP1(readPoscar(SILICON_POSCAR).structure);
    const fromText = await readStructureFile(cif);
    expect(fromText.format).toBe('cif');
    expect(fromText.structure.numSites).toBe(2);
    await expect(readStructureFile('/nonexistent/file.cif')).rejects.toThrow(/ENOENT/);
  });
});
