/**
 * Bad values the readers must keep out (issue 15), each with the file and line: non-finite and overflowing cells
 * (a POSCAR component of 1e308 gave b = ∞, α = NaN), huge cells (≥ 1e150 Å threw a plain Error), degenerate or
 * impossibly dense cells, absurd coordinates, symmetry-operation lists that are not groups, expansions beyond the
 * per-file bound, and input echoed into messages (escape sequences, huge tokens).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { CifError, readCifStructure, readCifStructures, MAX_EXPANDED_IMAGES_PER_FILE } from '../../shared/io/cif.ts';
import { PoscarError, readPoscar } from '../../shared/io/poscar.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';

beforeAll(async () => {
  await initSymmetry();
});

const poscar = (rows: string[], positions = '0 0 0\n0.5 0.5 0.5', counts = '1 1', scale = '1.0') => `test\n${scale}\n${rows.join('\n')}\nNa Cl\n${counts}\nDirect\n${positions}\n`;

const cif = (cell: { a?: string; b?: string; c?: string; alpha?: string; beta?: string; gamma?: string } = {}, sites = 'Na1 0 0 0\nCl1 0.5 0.5 0.5', operations?: string[]) => `data_t
_cell_length_a ${cell.a ?? '5.64'}
_cell_length_b ${cell.b ?? '5.64'}
_cell_length_c ${cell.c ?? '5.64'}
_cell_angle_alpha ${cell.alpha ?? '90'}
_cell_angle_beta ${cell.beta ?? '90'}
_cell_angle_gamma ${cell.gamma ?? '90'}
${operations ? `loop_\n_space_group_symop_operation_xyz\n${operations.map((o) => `'${o}'`).join('\n')}\n` : ''}loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
${sites}
`;

const poscarError = (text: string) => {
  try {
    readPoscar(text, { fileName: 'POSCAR' });
  } catch (error) {
    expect(error).toBeInstanceOf(PoscarError);
    return error as PoscarError;
  }
  throw new Error('expected a PoscarError');
};
const cifError = (text: string) => {
  try {
    readCifStructures(text, { fileName: 't.cif' });
  } catch (error) {
    expect(error).toBeInstanceOf(CifError);
    return error as CifError;
  }
  throw new Error('expected a CifError');
};

describe('cells', () => {
  it('rejects the issue cases: a 1e308 component, c = 1e15 Å, 1e150 Å cells — with file and line', () => {
    const infinite = poscarError(poscar(['5 0 0', '1e308 1e308 0', '0 0 5']));
    expect(infinite.message).toBe('POSCAR:4: lattice vector 2 (after scaling): lattice vector length 1.414e+308 Å is above the bound of 10000 Å');
    expect(poscarError(poscar(['3.1 0 0', '0.2 3.3 0', '0.1 0.3 1e15'])).line).toBe(5);
    expect(poscarError(poscar(['1e150 0 0', '0 1e150 0', '0 0 1e150'])).message).toMatch(/^POSCAR:3: /);
    expect(poscarError(poscar(['1 0 0', '0 1 0', '0 0 1'], undefined, undefined, '1e150')).message).toMatch(/^POSCAR:3: .*1\.000e\+150 Å is above the bound/);
    expect(cifError(cif({ c: '1e150' })).message).toBe('t.cif:4: _cell_length_c: lattice vector length 1.000e+150 Å is above the bound of 10000 Å');
    // A length that overflows the number type is not a number at all.
    expect(cifError(cif({ b: '1e400' })).message).toBe("t.cif:3: _cell_length_b is '1e400', not a number");
  });

  it('the Lattice constructor refuses matrices whose lengths or volume overflow', () => {
    expect(() => new Lattice([[1e308, 1e308, 0], [0, 1, 0], [0, 0, 1]])).toThrow(/overflow/);
    expect(() => new Lattice([[1e200, 0, 0], [0, 1e200, 0], [0, 0, 1]])).toThrow(/overflow/);
  });

  it('rejects cells below the volume floor and denser than atoms 0.5 Å apart can be, keeps real dense crystals', () => {
    expect(cifError(cif({ a: '0.4', b: '0.4', c: '0.4' })).message).toBe('t.cif:2: invalid cell (0.4, 0.4, 0.4, 90, 90, 90): cell volume 0.064 Å³ is below the floor of 0.1 Å³');
    // 100 atoms 0.02 Å apart in 8 Å³: 0.08 Å³ per atom, below what atoms 0.5 Å apart can fill (0.5³/√2 = 0.0884).
    const crowded = Array.from({ length: 100 }, (_, i) => `C${i} ${(i / 100).toFixed(2)} 0 0`).join('\n');
    expect(cifError(cif({ a: '2', b: '2', c: '2' }, crowded)).message).toBe(
      't.cif:2: block data_t: cell volume 8 Å³ for 100 atoms is 0.08 Å³ per atom, below the floor of 0.0883883 Å³ per atom (atoms closer than 0.5 Å; diamond has 5.7)',
    );
    const positions = Array.from({ length: 6 }, (_, i) => `${i / 6} 0 0\n${i / 6} 0.5 0.5`).join('\n');
    const dense = poscarError(poscar(['1 0 0', '0 1 0', '0 0 1'], positions, '6 6'));
    expect(dense.message).toMatch(/^POSCAR:3: invalid lattice: cell volume 1 Å³ for 12 atoms is 0\.0833333 Å³ per atom/);
    // Diamond (5.67 Å³ per atom, the densest element at ambient pressure) reads.
    const diamond = readPoscar('C\n3.567\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\nC\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n');
    expect(diamond.structure.volume / diamond.structure.numSites).toBeCloseTo(3.567 ** 3 / 8, 6);
  });

  it('rejects absurd and non-finite fractional coordinates at their line', () => {
    expect(cifError(cif({}, 'Na1 0 1e30 0\nCl1 0.5 0.5 0.5')).message).toBe('t.cif:13: site \'Na1\': fractional y = 1.000e+30 is beyond ±1000000 (no precision left for a position in the cell)');
    expect(poscarError(poscar(['5 0 0', '0 5 0', '0 0 5'], '0 0 0\n0.5 -2e7 0.5')).message).toMatch(/^POSCAR:10: position of atom 2: fractional y = -2\.000e\+7 is beyond/);
    const cartesian = 'test\n1\n5 0 0\n0 5 0\n0 0 5\nNa\n1\nCartesian\n0 0 1e300\n';
    expect(poscarError(cartesian).message).toMatch(/^POSCAR:9: position of atom 1: fractional z = 2\.000e\+299 is beyond/);
  });
});

describe('symmetry operations', () => {
  it('accepts a group (P 21/c) and rejects lists that are not closed, naming the missing product', () => {
    const p21c = ['x,y,z', '-x,y+1/2,-z+1/2', '-x,-y,-z', 'x,-y+1/2,z+1/2'];
    expect(readCifStructure(cif({ beta: '100' }, 'C1 0.1 0.2 0.3', p21c)).structure.numSites).toBe(4);
    expect(cifError(cif({}, 'C1 0.1 0.2 0.3', ['x,y,z', 'x+1/4,y,z'])).message).toBe(
      "t.cif:10: the 2 operations of _space_group_symop_operation_xyz are not a group: 'x+1/4,y,z' after 'x+1/4,y,z' gives 'x+1/2,y,z', which is not listed",
    );
    // Half of P 21/c: the screw axis without the inversion is a group; the inversion with the glide alone is not.
    expect(readCifStructure(cif({ beta: '100' }, 'C1 0.1 0.2 0.3', p21c.slice(0, 2))).structure.numSites).toBe(2);
    expect(cifError(cif({}, 'C1 0.1 0.2 0.3', ['x,y,z', '-x,-y,-z', 'x,-y+1/2,z+1/2'])).message).toMatch(/are not a group: /);
    // Decimal translations as old files write them (0.3333 for 1/3) still close.
    expect(readCifStructure(cif({ gamma: '120' }, 'C1 0.1 0.2 0.3', ['x,y,z', 'x+0.3333,y+0.6667,z+0.6667', 'x+0.6667,y+0.3333,z+0.3333'])).structure.numSites).toBe(3);
  });

  it('refuses more operations than any setting needs', () => {
    const operations = Array.from({ length: 1537 }, (_, k) => `x+${k}/1537,y,z`);
    expect(cifError(cif({}, 'C1 0.1 0.2 0.3', operations)).message).toMatch(/^t\.cif:10: _space_group_symop_operation_xyz lists 1537 operations, more than this reader accepts \(1536;/);
  });
});

describe('work per file', () => {
  it('bounds the symmetry expansion per file, saying so', () => {
    expect(MAX_EXPANDED_IMAGES_PER_FILE).toBe(500_000);
    const operations = ['x,y,z', '-x,-y,-z', 'x,y+1/2,z', '-x,-y+1/2,-z'];
    const sites = Array.from({ length: 1000 }, (_, i) => `C${i} ${(i / 2000).toFixed(5)} 0.1 0.2`).join('\n');
    const block = cif({ a: '400', b: '20', c: '20' }, sites, operations);
    // 4,000 images per block; a caller's lower bound of 10,000 stops the file at its third block.
    const blocks = [0, 1, 2].map((i) => block.replace('data_t', `data_t${i}`)).join('');
    expect(readCifStructures(blocks.slice(0, 2 * block.length + 1), { maxExpandedImagesPerFile: 10_000 })).toHaveLength(2);
    let error: unknown;
    try {
      readCifStructures(blocks, { fileName: 't.cif', maxExpandedImagesPerFile: 10_000 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CifError);
    expect((error as CifError).message).toMatch(/^t\.cif:\d+: this block's 1000 sites × 4 symmetry operations would take the file past the 10000 images this reader expands per file; split the file$/);
  });
});

describe('messages that quote the input', () => {
  it('escape control characters and stay short', () => {
    const escape = cifError(cif({ a: '\u001b]0;pwned\u0007' }));
    expect(escape.message).toBe("t.cif:2: _cell_length_a is '\\x1b]0;pwned\\x07', not a number");
    const huge = cifError(cif({ a: `${'9'.repeat(1_000_000)}x` }));
    expect(huge.message.length).toBeLessThan(600);
    expect(huge.message).toMatch(/…\[\d+ characters\]…/);
    const element = poscarError('t\n1\n5 0 0\n0 5 0\n0 0 5\nNa\u0000\u202e\n1\nDirect\n0 0 0\n');
    expect(element.message).toBe("POSCAR:6: 'Na\\x00\\u202e' is not an element symbol");
  });
});
