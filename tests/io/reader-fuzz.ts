/**
 * Generators and the per-input check for the reader fuzz suites (issue 15): tests/io/reader-fuzz.test.ts runs a few
 * hundred inputs in `npm test`, tests/extended/reader-fuzz.test.ts ≥ 10,000 with CFSTUDIO_EXTENDED=1.
 *
 * Each input goes the way a file goes through the app: read (CIF or POSCAR), then the first structure's symmetry
 * analysed within SYMMETRY_LIMITS and a time limit (electron/symmetry/bounded.ts). It must end in a clean result —
 * a structure whose cell and coordinates are finite and physical, with a space group or a one-line analysis error —
 * or in the reader's own error (CifError / PoscarError) as one printable line naming the file and line. The time of
 * each input is measured, and the suites fail an input that takes more than 2 s: a hang detector generous enough
 * for a loaded 2-core machine, not a speed test.
 */
import { CELL_BOUNDS } from '../../shared/crystal/cell-bounds.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { CifError, readCifStructures } from '../../shared/io/cif.ts';
import { PoscarError, readPoscar } from '../../shared/io/poscar.ts';
import { formatSymmetryOperation } from '../../shared/io/symop.ts';
import { SymmetryError } from '../../shared/symmetry/analyze.ts';
import { SymmetryLimitError, SymmetryTimeoutError } from '../../shared/symmetry/limits.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { analyzeStructureBounded } from '../../electron/symmetry/bounded.ts';

export const INPUT_TIME_LIMIT_MS = 2000;
/** The analysis's own limit, so that read + analysis stay inside the input's bound. */
export const ANALYSIS_TIME_LIMIT_MS = 1000;

export type FuzzFormat = 'cif' | 'poscar';
export interface FuzzInput {
  kind: string;
  format: FuzzFormat;
  text: string;
}

export type Random = () => number;

/** mulberry32: a small, well-known 32-bit PRNG, so every run sees the same inputs. */
export function rng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, n: number) => Math.floor(random() * n);

// ---------------------------------------------------------------------------------------------------------------
// Seeds

export const CIF_SEEDS = [
  `data_rutile
_cell_length_a 4.594(1)
_cell_length_b 4.594(1)
_cell_length_c 2.959(2)
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 42/m n m'
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
y+1/2,-x+1/2,-z+1/2
-y+1/2,x+1/2,-z+1/2
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
Ti1 Ti4+ 0 0 0
O1 O2- 0.3048(3) 0.3048(3) 0
`,
  `data_salt
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
Na1 0 0 0
Cl1 0.5 0.5 0.5
`,
  `data_CdI2
_cell_length_a 4.24
_cell_length_b 4.24
_cell_length_c 6.84
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 120
_space_group_IT_number 164
loop_
_atom_site_label
_atom_site_Cartn_x
_atom_site_Cartn_y
_atom_site_Cartn_z
Cd1 0 0 0
I1 2.12 1.224 1.71
`,
];

export const POSCAR_SEEDS = [
  `Fe2O3
1.0
  5.0 0.0 0.0
  -2.5 4.33 0.0
  0.0 0.0 13.7
  Fe O
  2 3
Selective dynamics
Direct
  0.0 0.0 0.35 T T T
  0.0 0.0 0.65 T T T
  0.3 0.0 0.25 F F F
  0.0 0.3 0.25 F F F
  0.7 0.7 0.25 F F F
`,
  `Si diamond
5.43
 0.0 0.5 0.5
 0.5 0.0 0.5
 0.5 0.5 0.0
Si
2
Cartesian
 0.0 0.0 0.0
 1.3575 1.3575 1.3575
`,
];

// ---------------------------------------------------------------------------------------------------------------
// Generators, one per class of the issue

const cifCell = (a: string, b: string, c: string, alpha: string, beta: string, gamma: string, sites = 'Na1 0 0 0\nCl1 0.5 0.5 0.5', extra = '') => `data_cell
_cell_length_a ${a}
_cell_length_b ${b}
_cell_length_c ${c}
_cell_angle_alpha ${alpha}
_cell_angle_beta ${beta}
_cell_angle_gamma ${gamma}
${extra}loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
${sites}
`;

const poscar = (rows: readonly string[], scale = '1.0', species = 'Na Cl', counts = '1 1', positions = '0 0 0\n0.5 0.5 0.5', comment = 'fuzz') =>
  `${comment}\n${scale}\n${rows.join('\n')}\n${species}\n${counts}\nDirect\n${positions}\n`;

/** A length between 1e-3 and 1e5 Å (one in five up to 1e20 Å), log-uniform, as text in one of a few notations. */
function extremeLength(random: Random): string {
  const value = 10 ** (-3 + random() * (random() < 0.2 ? 23 : 8));
  return pick(random, [value.toExponential(6), value.toPrecision(8), String(value)]);
}

/** Anisotropic and degenerate cells: lengths from 1e-3 to 1e20 Å, skewed angles, needles and plates. */
export function anisotropicCell(random: Random): FuzzInput {
  const angle = () => pick(random, ['90', '120', '60', (1 + random() * 178).toFixed(3), '0.001', '179.999']);
  const shape = int(random, 3);
  const [a, b, c] = shape === 0 ? [extremeLength(random), extremeLength(random), extremeLength(random)] : shape === 1 ? ['3', '3', extremeLength(random)] : [extremeLength(random), '2', '0.6'];
  if (random() < 0.5) return { kind: 'anisotropic', format: 'cif', text: cifCell(a, b, c, angle(), angle(), angle()) };
  const skew = random() < 0.5 ? '0' : (random() * 5).toFixed(3);
  return { kind: 'anisotropic', format: 'poscar', text: poscar([`${a} 0 0`, `${skew} ${b} 0`, `${skew} ${skew} ${c}`]) };
}

/** Huge cells and scale factors: 1e150 … 1e308 Å, as lengths, components or a volume scale. */
export function hugeCell(random: Random): FuzzInput {
  const huge = () => `1e${150 + int(random, 159)}`;
  switch (int(random, 4)) {
    case 0:
      return { kind: 'huge', format: 'cif', text: cifCell(huge(), '5', '5', '90', '90', '90') };
    case 1:
      return { kind: 'huge', format: 'poscar', text: poscar([`${huge()} 0 0`, '0 5 0', '0 0 5']) };
    case 2:
      return { kind: 'huge', format: 'poscar', text: poscar(['5 0 0', `${huge()} ${huge()} 0`, '0 0 5']) };
    default:
      return { kind: 'huge', format: 'poscar', text: poscar(['1 0 0', '0 1 0', '0 0 1'], pick(random, [huge(), `-${huge()}`, '1e-300', '-1e-300'])) };
  }
}

/** Non-finite and absurd values: NaN, Infinity, overflowing numbers, 1e30 coordinates, zero and tiny volumes. */
export function nonFinite(random: Random): FuzzInput {
  const bad = () => pick(random, ['NaN', 'Infinity', '-Infinity', '1e400', '1e308', '-1e308', '1e30', '-1e30', '1e-320', '0', '-0', '1e6', '1000001']);
  if (random() < 0.5) {
    const fields = ['5.64', '5.64', '5.64', '90', '90', '90'];
    fields[int(random, 6)] = bad();
    const coordinates = ['0', '0', '0', '0.5', '0.5', '0.5'];
    if (random() < 0.5) coordinates[int(random, 6)] = bad();
    return { kind: 'non-finite', format: 'cif', text: cifCell(...(fields as [string, string, string, string, string, string]), `Na1 ${coordinates.slice(0, 3).join(' ')}\nCl1 ${coordinates.slice(3).join(' ')}`) };
  }
  const rows = [['5', '0', '0'], ['0', '5', '0'], ['0', '0', '5']];
  if (random() < 0.7) rows[int(random, 3)]![int(random, 3)] = bad();
  const positions = ['0', '0', '0', '0.5', '0.5', '0.5'];
  if (random() < 0.5) positions[int(random, 6)] = bad();
  // Dense packings too: many atoms in a small cell (volume per atom below the floor).
  const dense = random() < 0.2;
  const count = dense ? 2 + int(random, 200) : 1;
  const atomLines = dense ? Array.from({ length: 2 * count }, () => `${random().toFixed(4)} ${random().toFixed(4)} ${random().toFixed(4)}`).join('\n') : `${positions.slice(0, 3).join(' ')}\n${positions.slice(3).join(' ')}`;
  return { kind: 'non-finite', format: 'poscar', text: poscar(rows.map((r) => r.join(' ')), pick(random, ['1.0', '1.0', bad()]), 'Na Cl', `${count} ${count}`, atomLines) };
}

/** Symmetry-operation lists: subsets of real groups, random operations, perturbed translations, many operations. */
export function symmetryOperations(random: Random): FuzzInput {
  const group = getSpaceGroup(1 + int(random, 230));
  let ops = group.operations.map(formatSymmetryOperation);
  switch (int(random, 5)) {
    case 0: // a random subset (usually not a group)
      ops = ops.filter(() => random() < 0.6);
      break;
    case 1: // one translation nudged off a twelfth
      {
        const i = int(random, ops.length);
        ops[i] = `${ops[i]}+${pick(random, ['0.001', '0.01', '0.1', '1/7', '0.3'])}`;
      }
      break;
    case 2: // random operations
      ops = Array.from({ length: 1 + int(random, 12) }, () => [0, 1, 2].map(() => `${pick(random, ['x', '-x', 'y', '-y', 'z', '-z', 'x-y', '-x+y'])}${pick(random, ['', '+1/2', '+1/3', '+1/4', '+0.1'])}`).join(','));
      break;
    case 3: // the whole list repeated (duplicates; still a group) or a large list of pure translations
      ops = random() < 0.5 ? [...ops, ...ops] : Array.from({ length: 1 + int(random, 2000) }, (_, k) => `x+${k}/${1 + int(random, 2000)},y,z`);
      break;
    default: // the real group: must be accepted
      break;
  }
  const extra = `loop_\n_space_group_symop_operation_xyz\n${ops.map((o) => `'${o}'`).join('\n')}\n`;
  return { kind: 'symmetry-operations', format: 'cif', text: cifCell('7.1', '8.3', '9.7', '90', pick(random, ['90', '101.3']), pick(random, ['90', '120']), 'C1 0.123 0.234 0.345\nO1 0.4 0.1 0.2', extra) };
}

/** Many blocks, loops and loop tags, with duplicates placed at random (the reader was quadratic in all three). */
export function manyBlocksLoopsTags(random: Random, scale = 1): FuzzInput {
  const n = Math.floor((1 + random() * 20_000) * scale);
  const duplicateAt = random() < 0.5 ? int(random, n) : -1;
  const name = (i: number) => (i === duplicateAt ? 0 : i);
  switch (int(random, 4)) {
    case 0:
      return { kind: 'many-blocks', format: 'cif', text: Array.from({ length: n }, (_, i) => `data_b${name(i)}\n_x ${i}\n`).join('') };
    case 1:
      return { kind: 'many-loops', format: 'cif', text: `data_x\n${Array.from({ length: n }, (_, i) => `loop_ _t${name(i)} 1 2\n`).join('')}` };
    case 2:
      return { kind: 'many-tags', format: 'cif', text: `data_x\nloop_\n${Array.from({ length: n }, (_, i) => `_t${name(i)}`).join('\n')}\n${'1 '.repeat(n)}\n` };
    default: {
      // Many small structures in one file: the expansion is bounded per file.
      const blocks = Math.max(1, Math.floor(n / 40));
      return { kind: 'many-structures', format: 'cif', text: Array.from({ length: blocks }, (_, i) => CIF_SEEDS[1]!.replace('data_salt', `data_s${name(i)}`)).join('') };
    }
  }
}

const ESCAPES = ['\u001b[31m', '\u001b]0;pwned\u0007', '\u001b]8;;http://x\u001b\\', '\u0000', '\u0007', '\u202e', '\u200b', '\r', '\u001b[2J', '\u009b', '\ufeff'];

/** Escape sequences and huge tokens where error messages quote the input: names, tags, values, elements. */
export function escapeSequences(random: Random): FuzzInput {
  const nasty = () => {
    const parts = Array.from({ length: 1 + int(random, 4) }, () => pick(random, ESCAPES));
    return random() < 0.2 ? parts.join('') + 'A'.repeat(100_000 + int(random, 400_000)) : parts.join('X');
  };
  const seed = pick(random, [...CIF_SEEDS, ...POSCAR_SEEDS]);
  const format: FuzzFormat = seed.startsWith('data_') ? 'cif' : 'poscar';
  // Replace a word (a tag, value, element or comment) by a hostile one, keeping the layout around it.
  const words = [...seed.matchAll(/[^\s]+/g)];
  const word = pick(random, words);
  const text = seed.slice(0, word.index) + nasty() + seed.slice(word.index! + word[0].length);
  return { kind: 'escapes', format, text };
}

/** Random byte mutations (flip, insert, delete, duplicate a span) of a real CIF or POSCAR. */
export function byteMutation(random: Random, fixtures: readonly { format: FuzzFormat; text: string }[]): FuzzInput {
  const fixture = pick(random, fixtures);
  const bytes = Array.from(new TextEncoder().encode(fixture.text));
  const steps = 1 + int(random, 3);
  for (let s = 0; s < steps; s++) {
    const at = int(random, bytes.length + 1);
    switch (int(random, 4)) {
      case 0:
        if (at < bytes.length) bytes[at] = bytes[at]! ^ (1 << int(random, 8));
        break;
      case 1:
        bytes.splice(at, 0, int(random, 256));
        break;
      case 2:
        bytes.splice(at, 1 + int(random, 16));
        break;
      default: {
        const span = bytes.slice(at, at + 1 + int(random, 64));
        for (let r = int(random, 50); r > 0; r--) bytes.splice(at, 0, ...span);
      }
    }
  }
  return { kind: 'byte-mutation', format: fixture.format, text: new TextDecoder().decode(Uint8Array.from(bytes)) };
}

// ---------------------------------------------------------------------------------------------------------------
// The check

export interface FuzzOutcome {
  /** 'structure': read and analysed; 'no-structure': valid CIF without atom sites; 'reader-error': CifError/PoscarError. */
  result: 'structure' | 'no-structure' | 'reader-error';
  /** For structures: the space group, or the class of the analysis error. */
  analysis?: string;
  milliseconds: number;
}

const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
/** Reader errors are bounded (error-text.ts: 400 characters for the reason, 200 for the file name, escapes ×4). */
const MAX_ERROR_LENGTH = 4 * 400 + 4 * 200 + 40;

function show(input: FuzzInput): string {
  const shown = input.text.length > 600 ? `${input.text.slice(0, 600)}… (${input.text.length} characters)` : input.text;
  return `${input.kind} ${input.format} input:\n${JSON.stringify(shown)}`;
}

function checkStructure(structure: Structure, input: FuzzInput): void {
  const lattice = structure.lattice;
  const values = [...lattice.abc, ...lattice.angles, lattice.volume];
  if (!values.every(Number.isFinite)) throw new Error(`non-finite cell got in (${values.join(', ')}) from ${show(input)}`);
  if (Math.max(...lattice.abc) > CELL_BOUNDS.maxLength || lattice.volume < CELL_BOUNDS.minVolume || lattice.volume / structure.numSites < CELL_BOUNDS.minVolumePerAtom) {
    throw new Error(`unphysical cell got in (${values.join(', ')}, ${structure.numSites} atoms) from ${show(input)}`);
  }
  for (const site of structure.sites) {
    if (!site.frac.every((x) => Number.isFinite(x) && Math.abs(x) <= CELL_BOUNDS.maxFractionalCoordinate)) throw new Error(`bad coordinate ${site.frac} got in from ${show(input)}`);
  }
}

function checkOneLine(message: string, input: FuzzInput, what: string): void {
  if (INVISIBLE.test(message)) throw new Error(`${what} is not one printable line: ${JSON.stringify(message.slice(0, 300))} from ${show(input)}`);
  if (message.length > MAX_ERROR_LENGTH) throw new Error(`${what} is ${message.length} characters long from ${show(input)}`);
}

/** Reads the input as the app does, analyses its first structure, and checks the outcome; throws on a violation. */
export function runFuzzInput(input: FuzzInput, fileName = input.format === 'cif' ? 'fuzz.cif' : 'POSCAR'): FuzzOutcome {
  const started = performance.now();
  const outcome = readAndAnalyze(input, fileName);
  const milliseconds = performance.now() - started;
  if (milliseconds > INPUT_TIME_LIMIT_MS) throw new Error(`input took ${milliseconds.toFixed(0)} ms (bound ${INPUT_TIME_LIMIT_MS} ms): ${show(input)}`);
  return { ...outcome, milliseconds };
}

function readAndAnalyze(input: FuzzInput, fileName: string): Omit<FuzzOutcome, 'milliseconds'> {
  let structures: Structure[];
  try {
    structures = input.format === 'cif' ? readCifStructures(input.text, { fileName }).map((s) => s.structure) : [readPoscar(input.text, { fileName }).structure];
  } catch (error) {
    if (!(error instanceof CifError || error instanceof PoscarError)) {
      throw new Error(`reader threw ${(error as Error)?.name}: ${(error as Error)?.message?.slice(0, 300)} for ${show(input)}`);
    }
    if (!error.message.startsWith(`${fileName}:`) || !(error.line >= 1)) throw new Error(`reader error without file and line: ${error.message.slice(0, 300)}`);
    checkOneLine(error.message, input, 'reader error');
    return { result: 'reader-error' };
  }
  if (structures.length === 0) return { result: 'no-structure' };
  structures.forEach((s) => checkStructure(s, input));
  try {
    return { result: 'structure', analysis: String(analyzeStructureBounded(structures[0]!, { timeLimitMs: ANALYSIS_TIME_LIMIT_MS }).spaceGroup) };
  } catch (error) {
    if (!(error instanceof SymmetryError || error instanceof SymmetryLimitError || error instanceof SymmetryTimeoutError)) {
      throw new Error(`analysis threw ${(error as Error)?.name}: ${(error as Error)?.message?.slice(0, 300)} for ${show(input)}`);
    }
    checkOneLine(error.message, input, 'analysis error');
    return { result: 'structure', analysis: error.name };
  }
}

export const GENERATORS: Record<string, (random: Random, fixtures: readonly { format: FuzzFormat; text: string }[], scale: number) => FuzzInput> = {
  anisotropic: (random) => anisotropicCell(random),
  huge: (random) => hugeCell(random),
  'non-finite': (random) => nonFinite(random),
  'symmetry-operations': (random) => symmetryOperations(random),
  'many-blocks-loops-tags': (random, _fixtures, scale) => manyBlocksLoopsTags(random, scale),
  escapes: (random) => escapeSequences(random),
  'byte-mutation': (random, fixtures) => byteMutation(random, fixtures),
};

export const SEED_FIXTURES: readonly { format: FuzzFormat; text: string }[] = [
  ...CIF_SEEDS.map((text) => ({ format: 'cif' as const, text })),
  ...POSCAR_SEEDS.map((text) => ({ format: 'poscar' as const, text })),
];
