import { beforeAll, describe, expect, it } from 'vitest';
import { CifError, cifValues, parseCif, parseCifNumber, readCifStructure, readCifStructures } from '../../shared/io/cif.ts';
import { formatSymmetryOperation, parseSymmetryOperation } from '../../shared/io/symop.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';

beforeAll(async () => {
  await initSymmetry();
});

/** Rutile TiO2, P4_2/mnm (136), a = 4.594 Å, c = 2.959 Å, O at 4f (x, x, 0) with x = 0.3048 (Baur 1956 / ICSD). */
const RUTILE = `# rutile with all 16 operations of P4_2/mnm written out
data_rutile
_chemical_name_mineral 'Rutile'
_cell_length_a    4.594(1)
_cell_length_b    4.594(1)
_cell_length_c    2.959(2)
_cell_angle_alpha 90
_cell_angle_beta  90.0
_cell_angle_gamma 90.
_symmetry_space_group_name_H-M 'P 42/m n m'
loop_
_symmetry_equiv_pos_site_id
_symmetry_equiv_pos_as_xyz
1 x,y,z
2 -x,-y,z
3 -y+1/2,x+1/2,z+1/2
4 y+1/2,-x+1/2,z+1/2
5 -x+1/2,y+1/2,-z+1/2
6 x+1/2,-y+1/2,-z+1/2
7 y,x,-z
8 -y,-x,-z
9 -x,-y,-z
10 x,y,-z
11 'y+1/2, -x+1/2, -z+1/2'
12 "-y+1/2, x+1/2, -z+1/2"
13 x+1/2,-y+1/2,z+1/2
14 -x+1/2,y+1/2,z+1/2
15 -y,-x,z
16 y,x,z
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Ti1 Ti4+ 0 0 0 1
O1 O2- 0.3048(3) 0.3048(3) 0 1.0
`;

const nearestDistances = (text: string) => {
  const { structure } = readCifStructure(text);
  const distances: number[] = [];
  for (let i = 0; i < structure.numSites; i++) for (let j = i + 1; j < structure.numSites; j++) distances.push(structure.getDistance(i, j));
  return { structure, distances: distances.sort((a, b) => a - b) };
};

describe('CIF syntax', () => {
  it('reads items, loops, quotes, text fields, comments and special values', () => {
    const text = [
      'data_first # comment after the block name',
      "_plain value",
      "_single 'it''s quoted'",
      "_dog 'a dog's life'",
      '_double "two words"',
      '_hash s#t#r',
      '_unknown ?',
      '_inapplicable .',
      "_quoted_question '?'",
      '_text',
      ';line one',
      'line two',
      ';',
      'loop_ _a _b',
      '1 2',
      "3 'x y'",
      'data_second',
      '_value 1.5(3)',
    ].join('\n');
    const [first, second] = parseCif(text);
    expect(first!.name).toBe('first');
    expect(first!.items.get('_plain')!.text).toBe('value');
    expect(first!.items.get('_dog')!.text).toBe("a dog's life");
    expect(first!.items.get('_double')!.text).toBe('two words');
    expect(first!.items.get('_hash')!.text).toBe('s#t#r');
    expect(first!.items.get('_unknown')).toMatchObject({ text: '?', quoted: false });
    expect(first!.items.get('_quoted_question')).toMatchObject({ text: '?', quoted: true });
    expect(first!.items.get('_text')!.text).toBe('line one\nline two');
    expect(first!.items.get('_text')!.line).toBe(11);
    expect(cifValues(first!, '_b').map((v) => v.text)).toEqual(['2', 'x y']);
    expect(first!.loops[0]!.rows).toHaveLength(2);
    expect(second!.name).toBe('second');
    expect(parseCifNumber(second!.items.get('_value')!.text)).toBe(1.5);
  });

  it('treats tags case-insensitively and counts lines the same for LF, CRLF and CR files', () => {
    const lines = ['data_x', '_Cell_Length_A 5.0', '', '_bad_value', "'unterminated"];
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = lines.join(eol);
      const error = (() => {
        try {
          parseCif(text, { fileName: 'eol.cif' });
        } catch (e) {
          return e as CifError;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(CifError);
      expect(error!.line).toBe(5);
      expect(error!.fileName).toBe('eol.cif');
      expect(error!.message).toMatch(/^eol\.cif:5: /);
      expect(parseCif(lines.slice(0, 2).join(eol))[0]!.items.get('_cell_length_a')!.text).toBe('5.0');
    }
  });

  it('parses numbers with standard uncertainties and rejects non-numbers', () => {
    expect(parseCifNumber('1.234(5)')).toBe(1.234);
    expect(parseCifNumber('-0.5')).toBe(-0.5);
    expect(parseCifNumber('.75')).toBe(0.75);
    expect(parseCifNumber('85.')).toBe(85);
    expect(parseCifNumber('3.e08')).toBe(3e8);
    expect(parseCifNumber('2.1e12')).toBe(2.1e12);
    for (const bad of ['?', '.', '1-0', 'NaN', 'Infinity', '0x10', '1e999', '', '1.2(', '1.2(3']) expect(parseCifNumber(bad), bad).toBeUndefined();
  });

  it('keeps save frames and global blocks apart from data', () => {
    const blocks = parseCif('global_\n_g 1\ndata_d\nsave_frame\n_a 1\nsave_\n_b 2\n');
    expect(blocks.map((b) => [b.name, b.isGlobal])).toEqual([
      ['global_', true],
      ['d', false],
    ]);
    expect(blocks[1]!.saveFrames[0]!.items.get('_a')!.text).toBe('1');
    expect(blocks[1]!.items.get('_b')!.text).toBe('2');
    expect(blocks[1]!.items.has('_a')).toBe(false);
  });

  it('reports syntax errors with the line', () => {
    const cases: [string, number, RegExp][] = [
      ['data_a\n_x 1\n_y\n', 3, /has no value/],
      ['data_a\nloop_\n_p _q\n1 2\n3\n', 5, /not a multiple/],
      ['data_a\n_x 1\n_X 2\n', 3, /duplicate tag/],
      ['data_a\n_t\n;never closed\n', 3, /never closed/],
      ['_x 1\n', 1, /before any data_ block/],
      ['data_a\n_x 1 2\n', 2, /has no tag/],
      ['data_a\nsave_f\n_x 1\n', 2, /not closed/],
    ];
    for (const [text, line, message] of cases) {
      expect(() => parseCif(text), text).toThrow(CifError);
      try {
        parseCif(text);
      } catch (error) {
        expect((error as CifError).line, text).toBe(line);
        expect((error as CifError).message, text).toMatch(message);
      }
    }
  });
});

describe('symmetry operations', () => {
  it('parses coordinate triplets in the forms CIFs use', () => {
    const op = parseSymmetryOperation('-x+1/2, y, z+0.5');
    expect(op.rotation).toEqual([
      [-1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(op.translation).toEqual([0.5, 0, 0.5]);
    const hex = parseSymmetryOperation('x-y,x,1/2+z');
    expect(hex.rotation).toEqual([
      [1, -1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(hex.translation).toEqual([0, 0, 0.5]);
    expect(parseSymmetryOperation('+X, -Y+0.33333, 2/3-Z').translation[1]).toBeCloseTo(1 / 3, 12);
    for (const bad of ['x,y', 'x,y,w', 'x,,z', '2x,y,z', 'x+,y,z', 'x,y,z/2', '1/0+x,y,z', 'x y,z,x']) {
      expect(() => parseSymmetryOperation(bad), bad).toThrow();
    }
  });

  it('writes operations that parse back to themselves', () => {
    for (const text of ['x,y,z', '-x+1/2,y+1/2,-z+1/2', 'x-y,x,z+1/6', '-y+3/4,x+1/4,z+3/4', 'y,x,-z+1/3']) {
      expect(formatSymmetryOperation(parseSymmetryOperation(text))).toBe(text);
    }
  });
});

describe('CIF structures', () => {
  it('expands rutile to 2 Ti + 4 O with the published Ti–O bond lengths', () => {
    const { structure, distances } = nearestDistances(RUTILE);
    expect(structure.numSites).toBe(6);
    expect(Composition.fromStructure(structure).reducedFormula).toBe('TiO2');
    expect(structure.lattice.a).toBeCloseTo(4.594, 6);
    expect(structure.lattice.c).toBeCloseTo(2.959, 6);
    // Rutile's TiO6 octahedron: 4 equatorial bonds of 1.948 Å and 2 apical bonds of 1.980 Å (√2·x·a).
    expect(distances[0]).toBeCloseTo(1.948, 2);
    expect(distances[0]).toBeCloseTo(Math.sqrt(2 * (0.5 - 0.3048) ** 2 * 4.594 ** 2 + (2.959 / 2) ** 2), 9);
    const apical = Math.SQRT2 * 0.3048 * 4.594;
    expect(apical).toBeCloseTo(1.980, 3);
    expect(distances.some((d) => Math.abs(d - apical) < 1e-9)).toBe(true);
    const { declaredSpaceGroup } = readCifStructure(RUTILE);
    expect(declaredSpaceGroup.symbol).toBe('P 42/m n m');
  });

  const rockSalt = (symmetry: string) => `data_NaCl
_cell_length_a 5.6402
_cell_length_b 5.6402
_cell_length_c 5.6402
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
${symmetry}
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na1 0 0 0
Cl1 0.5 0.5 0.5
`;

  it('uses the space group named by H-M symbol, Hall symbol or number when no operations are listed', () => {
    for (const symmetry of [
      "_symmetry_space_group_name_H-M 'F m -3 m'",
      '_space_group_name_H-M_alt Fm-3m',
      "_space_group_name_Hall '-F 4 2 3'",
      '_symmetry_Int_Tables_number 225',
      '_space_group_IT_number 225',
    ]) {
      const result = readCifStructure(rockSalt(symmetry));
      expect(result.structure.numSites, symmetry).toBe(8);
      expect(result.structure.minimumDistance()).toBeCloseTo(5.6402 / 2, 6);
      expect(result.warnings.join(' ')).toMatch(/space group 225/);
    }
  });

  it('assumes P1 with a warning when there is no symmetry at all, and rejects unknown symbols', () => {
    const result = readCifStructure(rockSalt(''));
    expect(result.structure.numSites).toBe(2);
    expect(result.warnings.join(' ')).toMatch(/assuming P1/);
    expect(() => readCifStructure(rockSalt("_symmetry_space_group_name_H-M 'Q 9'"))).toThrow(/names no known space group/);
  });

  it('merges images of special positions written with 4 decimals, even in a large cell', () => {
    // CdI2 type, P-3m1 (164): Cd at 1a, I at 2d (1/3, 2/3, z) — written 0.3333/0.6667.
    const ops = ['x,y,z', '-y,x-y,z', '-x+y,-x,z', 'y,x,-z', 'x-y,-y,-z', '-x,-x+y,-z', '-x,-y,-z', 'y,-x+y,-z', 'x-y,x,-z', '-y,-x,z', '-x+y,y,z', 'x,x-y,z'];
    for (const a of [4.24, 20]) {
      const text = `data_CdI2\n_cell_length_a ${a}\n_cell_length_b ${a}\n_cell_length_c 6.84\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\nloop_\n_space_group_symop_operation_xyz\n${ops.map((o) => `'${o}'`).join('\n')}\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCd1 0 0 0\nI1 0.3333 0.6667 0.2492\n`;
      const { structure, warnings } = readCifStructure(text);
      expect(structure.species.sort(), `a=${a}`).toEqual(['Cd', 'I', 'I']);
      expect(warnings).toEqual([]);
    }
  });

  it('takes the element from type symbols with charges or from labels', () => {
    const text = `data_x\n_cell_length_a 10\n_cell_length_b 10\n_cell_length_c 10\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nFe1 0 0 0\nO2A 0.5 0 0\nCL3 0 0.5 0\nCa1 0 0 0.5\nOw 0.5 0.5 0\n`;
    expect(readCifStructure(text).structure.species).toEqual(['Fe', 'O', 'Cl', 'Ca', 'O']);
    const typed = text.replace('_atom_site_label\n', '_atom_site_label\n_atom_site_type_symbol\n').replace('Fe1 ', 'Fe1 Fe3+ ').replace('O2A ', 'O2A O2- ').replace('CL3 ', 'CL3 Cl1- ').replace('Ca1 ', 'Ca1 Ca2+ ').replace('Ow ', 'Ow O ');
    expect(readCifStructure(typed).structure.species).toEqual(['Fe', 'O', 'Cl', 'Ca', 'O']);
    expect(() => readCifStructure(text.replace('Fe1 0 0 0', 'Qq1 0 0 0'), { fileName: 'bad.cif' })).toThrow(/bad\.cif:\d+: cannot tell the element of site 'Qq1'/);
  });

  it('rejects partial occupancy naming the site, or reports it when allowed', () => {
    const text = RUTILE.replace('O1 O2- 0.3048(3) 0.3048(3) 0 1.0', 'O1 O2- 0.3048(3) 0.3048(3) 0 0.95');
    expect(() => readCifStructure(text, { fileName: 'rutile.cif' })).toThrow(/rutile\.cif:\d+: site 'O1' \(O\) has occupancy 0\.95/);
    const result = readCifStructure(text, { allowPartialOccupancy: true });
    expect(result.structure.numSites).toBe(6);
    expect(result.partialSites).toEqual([{ label: 'O1', species: 'O', occupancy: 0.95, line: expect.any(Number) }]);
    expect(result.warnings.join(' ')).toMatch(/O1.*partially occupied/);
  });

  it('reports substitutional disorder (two elements on one site)', () => {
    const text = `data_alloy\n_cell_length_a 3.6\n_cell_length_b 3.6\n_cell_length_c 3.6\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\nCu1 Cu 0 0 0 0.75\nAu1 Au 0 0 0 0.25\n`;
    expect(() => readCifStructure(text)).toThrow(/occupancy 0\.75/);
    const result = readCifStructure(text, { allowPartialOccupancy: true });
    expect(result.structure.species).toEqual(['Cu']);
    expect(result.warnings.join(' ')).toMatch(/dropped 'Au1'/);
  });

  it('calls two different elements at one position an overlap, with the distance, and suggests --allow-partial only for partial occupancies', () => {
    const p1 = (rows: string) =>
      `data_ov\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n${rows}`;
    // Full occupancies 0.001 × 4 Å = 0.004 Å apart (inside the 0.01 Å merge tolerance), across the cell boundary for the second pair.
    const overlap = p1('Na1 Na 0 0 0 1\nCl1 Cl 0.001 0 0 1\n');
    expect(() => readCifStructure(overlap, { fileName: 'ov.cif' })).toThrow(/^ov\.cif:16: overlapping atoms: site 'Cl1' \(Cl\) lies 0\.004 Å from an atom of site 'Na1' \(Na\) \(line 15\), closer than the 0\.01 Å merge tolerance/);
    expect(() => readCifStructure(overlap)).not.toThrow(/allow-partial|disorder/);
    expect(() => readCifStructure(p1('Na1 Na 0.9995 0 0 1\nCl1 Cl 0.0005 0 0 1\n'))).toThrow(/lies 0\.004 Å/);
    // Partial occupancies are disorder: there the option is the way to read the file.
    expect(() => readCifStructure(p1('Na1 Na 0 0 0 0.5\nCl1 Cl 0 0 0 0.5\n'))).toThrow(/--allow-partial/);
  });

  it('reads Cartesian coordinates', () => {
    const text = `data_c\n_cell_length_a 4\n_cell_length_b 5\n_cell_length_c 6\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_Cartn_x\n_atom_site_Cartn_y\n_atom_site_Cartn_z\nC1 1 2.5 3\n`;
    const { structure } = readCifStructure(text);
    structure.sites[0]!.frac.forEach((x, i) => expect(x).toBeCloseTo([0.25, 0.5, 0.5][i]!, 12));
  });

  it('reads every block with atoms and skips blocks without', () => {
    const text = `data_meta\n_journal_name_full 'Some journal'\n${RUTILE}\n${rockSalt('_space_group_IT_number 225').replace('data_NaCl', 'data_salt')}`;
    const all = readCifStructures(text);
    expect(all.map((s) => s.name)).toEqual(['rutile', 'salt']);
    expect(readCifStructure(text).name).toBe('rutile');
    expect(() => readCifStructure('data_meta\n_a 1\n', { fileName: 'm.cif' })).toThrow(/m\.cif:1: no block has atom sites/);
    expect(() => readCifStructure('# nothing here\n')).toThrow(/no data_ block/);
  });

  it('names the file, line and tag for structural mistakes', () => {
    expect(() => readCifStructure(RUTILE.replace('_cell_length_c    2.959(2)\n', ''), { fileName: 'r.cif' })).toThrow(/r\.cif:2: block data_rutile has atom sites but no _cell_length_c/);
    expect(() => readCifStructure(RUTILE.replace('0.3048(3) 0.3048(3) 0 1.0', 'abc 0.3048(3) 0 1.0'))).toThrow(/site 'O1': _atom_site_fract_x is 'abc'/);
    expect(() => readCifStructure(RUTILE.replace('16 y,x,z', '16 y,x,q'))).toThrow(/:29: _symmetry_equiv_pos_as_xyz: symmetry operation 'y,x,q'/);
    expect(() => readCifStructure(RUTILE.replace('_cell_angle_gamma 90.', '_cell_angle_gamma 190'))).toThrow(/invalid cell/);
  });
});
