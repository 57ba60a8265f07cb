/**
 * Fuzzing the CIF and POSCAR readers with seeded mutations of valid files: every mutant must either parse or
 * fail with the reader's own error type (CifError / PoscarError, which name file and line) — never another
 * exception, never a hang. The per-case bound is generous (it catches runaway loops and regex backtracking,
 * not slowness).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CifError, parseCif, readCifStructures } from '../../shared/io/cif.ts';
import { PoscarError, readPoscar } from '../../shared/io/poscar.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { findSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { POSCAR_SEEDS, rng } from './reader-fuzz.ts';

beforeAll(async () => {
  await initSymmetry();
  findSpaceGroup('P 1'); // builds the symbol index once, so its one-time cost is not charged to a mutant
});

const SEEDS = [
  `data_rutile
_cell_length_a 4.594(1)
_cell_length_b 4.594(1)
_cell_length_c 2.959(2)
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 42/m n m'
_symmetry_Int_Tables_number 136
loop_
_symmetry_equiv_pos_as_xyz
x,y,z
-x,-y,z
-y+1/2,x+1/2,z+1/2
y+1/2,-x+1/2,z+1/2
-x+1/2,y+1/2,-z+1/2
x+1/2,-y+1/2,-z+1/2
y,x,-z
-y,-x,-z
-x,-y,-z
x,y,-z
'y+1/2,-x+1/2,-z+1/2'
"-y+1/2,x+1/2,-z+1/2"
x+1/2,-y+1/2,z+1/2
-x+1/2,y+1/2,z+1/2
-y,-x,z
y,x,z
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Ti1 Ti4+ 0 0 0 1
O1 O2- 0.3048(3) 0.3048(3) 0 1.0
`,
  `# rock salt by space-group name only, with text fields and a second block
data_salt
_publ_section_title
;
 A title over
 two lines
;
_cell_length_a 5.64
_cell_length_b 5.64
_cell_length_c 5.64
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_space_group_name_H-M_alt 'F m -3 m'
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Na1 0 0 0 1
Cl1 0.5 0.5 0.5 1
data_hex
_cell_length_a 4.24
_cell_length_b 4.24
_cell_length_c 6.84
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 120
_space_group_IT_number 164
save_frame
_x 1
save_
loop_
_atom_site_label
_atom_site_Cartn_x
_atom_site_Cartn_y
_atom_site_Cartn_z
Cd1 0 0 0
I1 2.12 1.224 1.71
`,
];

const INSERTIONS = ["'", '"', ';', '\n;', '#', ' ', '\n', '\r', '\r\n', '_', 'data_', 'loop_', 'save_', '?', '.', '(', ')', '1e999', 'NaN', '-', '/', ',', 'ü', '😀', '\u0000', '\uFEFF', 'é', '1'.repeat(400), "'".repeat(50), 'x,y'];
const NUMBERS = ['1e308', '1e-308', '-0', '0', 'NaN', 'Infinity', '1e999', '9'.repeat(40), '0.5(', '1.2(3)4', '-1', '180', '1e6', '3.5e-7'];

function mutate(text: string, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const lines = text.split('\n');
  const steps = 1 + Math.floor(random() * 3);
  let result = text;
  for (let s = 0; s < steps; s++) {
    const kind = Math.floor(random() * 9);
    const current = result.split('\n');
    const at = Math.floor(random() * current.length);
    switch (kind) {
      case 0: // delete a line
        current.splice(at, 1);
        result = current.join('\n');
        break;
      case 1: // duplicate a line
        current.splice(at, 0, current[at] ?? '');
        result = current.join('\n');
        break;
      case 2: {
        // swap two lines
        const other = Math.floor(random() * current.length);
        [current[at], current[other]] = [current[other]!, current[at]!];
        result = current.join('\n');
        break;
      }
      case 3: // cut at a random byte
        result = result.slice(0, Math.floor(random() * result.length));
        break;
      case 4: {
        // insert a troublesome token anywhere
        const position = Math.floor(random() * (result.length + 1));
        result = result.slice(0, position) + pick(INSERTIONS) + result.slice(position);
        break;
      }
      case 5: {
        // replace a number with an extreme or invalid one
        const matches = [...result.matchAll(/-?\d+(\.\d+)?/g)];
        if (matches.length === 0) break;
        const m = pick(matches);
        result = result.slice(0, m.index) + pick(NUMBERS) + result.slice(m.index! + m[0].length);
        break;
      }
      case 6: // insert a line from the seed at a random place
        current.splice(at, 0, pick(lines));
        result = current.join('\n');
        break;
      case 7: {
        // delete a random character span
        const from = Math.floor(random() * result.length);
        result = result.slice(0, from) + result.slice(from + 1 + Math.floor(random() * 20));
        break;
      }
      default: // repeat a chunk many times (big loops, many blocks)
        {
          const from = Math.floor(random() * result.length);
          const chunk = result.slice(from, from + 1 + Math.floor(random() * 80));
          result = result.slice(0, from) + chunk.repeat(1 + Math.floor(random() * 60)) + result.slice(from);
        }
        break;
    }
  }
  return result;
}

// A hang detector, not a speed test: typical cases take well under a millisecond, and the machine is shared.
const CASE_TIME_LIMIT_MS = 1000;

describe('CIF fuzzing', () => {
  it('parses or throws CifError for 3000 seeded mutants, each quickly', () => {
    const random = rng(20240611);
    const outcomes = { parsed: 0, cifErrors: 0 };
    let slowest = 0;
    for (let n = 0; n < 3000; n++) {
      const text = mutate(SEEDS[n % SEEDS.length]!, random);
      const started = performance.now();
      try {
        parseCif(text, { fileName: 'fuzz.cif' });
        readCifStructures(text, { fileName: 'fuzz.cif', allowPartialOccupancy: n % 2 === 0 });
        outcomes.parsed++;
      } catch (error) {
        if (!(error instanceof CifError)) {
          throw new Error(`mutant ${n} threw ${(error as Error)?.name}: ${(error as Error)?.message}\n--- input ---\n${text.slice(0, 2000)}`);
        }
        expect(error.line).toBeGreaterThanOrEqual(1);
        expect(error.message.startsWith('fuzz.cif:')).toBe(true);
        outcomes.cifErrors++;
      }
      const elapsed = performance.now() - started;
      slowest = Math.max(slowest, elapsed);
      if (elapsed > CASE_TIME_LIMIT_MS) throw new Error(`mutant ${n} took ${elapsed.toFixed(0)} ms\n${text.slice(0, 2000)}`);
    }
    // Both outcomes must occur, or the mutations are too weak (or too destructive) to test anything.
    expect(outcomes.parsed).toBeGreaterThan(300);
    expect(outcomes.cifErrors).toBeGreaterThan(300);
  });

  it('handles pathological inputs without backtracking blow-ups', () => {
    const hostile = [
      "data_a\n_x '" + "a'".repeat(20000) + '\n',
      'data_a\n_x ' + '1'.repeat(100000) + '(' + '\n',
      'data_a\nloop_\n' + '_t\n'.repeat(5000) + '1 '.repeat(4999) + '\n',
      'data_a\n' + ';\n'.repeat(20000),
      'data_' + 'data_ '.repeat(20000),
      '\r'.repeat(50000) + 'data_a _x',
    ];
    for (const text of hostile) {
      const started = performance.now();
      try {
        readCifStructures(text);
      } catch (error) {
        expect(error).toBeInstanceOf(CifError);
      }
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });
});

describe('POSCAR fuzzing', () => {
  it('parses or throws PoscarError for 1000 seeded mutants', () => {
    const random = rng(7);
    let parsed = 0;
    for (let n = 0; n < 1000; n++) {
      const text = mutate(POSCAR_SEEDS[0]!, random);
      const started = performance.now();
      try {
        readPoscar(text, { fileName: 'POSCAR' });
        parsed++;
      } catch (error) {
        if (!(error instanceof PoscarError)) throw new Error(`mutant ${n} threw ${(error as Error)?.name}: ${(error as Error)?.message}\n${text}`);
      }
      expect(performance.now() - started).toBeLessThan(CASE_TIME_LIMIT_MS);
    }
    expect(parsed).toBeGreaterThan(50);
  });
});
