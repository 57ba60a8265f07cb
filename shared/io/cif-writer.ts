/**
 * Writing CIF files: a P1 cell with every atom listed (`writeCifP1`), or the symmetrized form — space group,
 * all its operations and one atom per Wyckoff orbit (`writeSymmetrizedCif`).
 *
 * Both files carry the space group under the CIF 2.0-era core tags (`_space_group_name_H-M_alt`,
 * `_space_group_IT_number`, `_space_group_symop_operation_xyz`) and the older CIF 1.0 names
 * (`_symmetry_space_group_name_H-M`, `_symmetry_Int_Tables_number`) that older readers still look for. The
 * operations are written once, under the current tag: pymatgen's CifParser and ASE's reader both accept it.
 */
import { Composition } from '../crystal/composition.ts';
import type { LatticeParameters } from '../crystal/lattice.ts';
import type { Structure } from '../crystal/structure.ts';
import type { WyckoffDescription } from '../symmetry/analyze.ts';
import { type AffineOp, type CifSpaceGroupNames, cifSpaceGroupNames, getSpaceGroup } from '../symmetry/spacegroups.ts';
import { formatSymmetryOperation } from './symop.ts';

export interface CifWriteOptions {
  /** Name after `data_`; whitespace is replaced by '_'. Defaults to the reduced formula. */
  dataName?: string;
  /** Comment lines written under the first line (without the leading '#'). */
  comments?: string[];
  /** Extra data items written after the symmetry block, e.g. [['_cfstudio_requested_space_group', 225]]. Names must start with '_'. */
  extraItems?: [string, string | number][];
}

function commentLines(options: CifWriteOptions): string[] {
  return (options.comments ?? []).map((line) => `# ${line.replace(/[\r\n]+/g, ' ')}`);
}

function extraItemLines(options: CifWriteOptions): string[] {
  const items = options.extraItems ?? [];
  for (const [name] of items) if (!/^_[^\s]+$/.test(name)) throw new Error(`CIF data name '${name}' must start with '_' and contain no whitespace`);
  return items.length === 0 ? [] : ['', ...items.map(([name, value]) => `${name} ${typeof value === 'number' ? String(value) : cifString(value)}`)];
}

const IDENTITY: AffineOp = {
  rotation: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  translation: [0, 0, 0],
};

function blockName(name: string): string {
  const cleaned = name.trim().replace(/\s+/g, '_');
  return cleaned === '' ? 'structure' : cleaned;
}

/** A CIF value: bare when it is a safe single word, otherwise single-quoted. */
function cifString(text: string): string {
  if (/^[A-Za-z0-9+\-.()/,*]+$/.test(text) && !/^[_#$'";[\]]/.test(text) && text !== '?' && text !== '.') return text;
  if (!text.includes("' ")) return `'${text}'`;
  return `\n;${text}\n;`;
}

const fixed = (x: number, digits: number) => {
  const text = x.toFixed(digits);
  return text === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : text;
};

/** Fractional coordinate in [0, 1) written with 8 decimals; values that would print as 1.00000000 become 0. */
function fractional(x: number): string {
  let w = x - Math.floor(x);
  if (Number(w.toFixed(8)) >= 1) w = 0;
  return fixed(w, 8);
}

function cellLines(lattice: LatticeParameters, volume: number): string[] {
  return [
    `_cell_length_a    ${fixed(lattice.a, 8)}`,
    `_cell_length_b    ${fixed(lattice.b, 8)}`,
    `_cell_length_c    ${fixed(lattice.c, 8)}`,
    `_cell_angle_alpha ${fixed(lattice.alpha, 8)}`,
    `_cell_angle_beta  ${fixed(lattice.beta, 8)}`,
    `_cell_angle_gamma ${fixed(lattice.gamma, 8)}`,
    `_cell_volume      ${fixed(volume, 6)}`,
  ];
}

function volumeOf(p: LatticeParameters): number {
  const d = Math.PI / 180;
  const [ca, cb, cg] = [Math.cos(p.alpha * d), Math.cos(p.beta * d), Math.cos(p.gamma * d)];
  return p.a * p.b * p.c * Math.sqrt(Math.max(0, 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg));
}

function formulaLines(composition: Composition): string[] {
  const { formula, factor } = composition.reducedFormulaAndFactor;
  // _chemical_formula_sum is written in Hill order with spaces between elements (CIF core dictionary).
  const sum = (composition.reducedComposition.hillFormula.match(/[A-Z][a-z]?[0-9.]*/g) ?? []).join(' ');
  return [`_chemical_formula_structural ${cifString(formula)}`, `_chemical_formula_sum ${cifString(sum)}`, `_cell_formula_units_Z ${Number.isInteger(factor) ? factor : 1}`];
}

function symmetryLines(number: number, names: CifSpaceGroupNames, operations: readonly AffineOp[]): string[] {
  return [
    `_symmetry_space_group_name_H-M ${cifString(names.hermannMauguin)}`,
    `_symmetry_Int_Tables_number ${number}`,
    // 'P 4/n m m :2': the qualifier names the origin choice for readers that go by the symbol (gemmi 0.5 does).
    `_space_group_name_H-M_alt ${cifString(names.hermannMauguin)}`,
    // The Hall symbol names the setting (origin choice, axes) unambiguously, for readers that ignore the operations.
    `_space_group_name_Hall ${cifString(names.hall)}`,
    `_space_group_IT_number ${number}`,
    '',
    // Always the explicit operations: they define the setting whatever a reader makes of the names.
    'loop_',
    '_space_group_symop_id',
    '_space_group_symop_operation_xyz',
    ...operations.map((op, i) => `${i + 1} ${cifString(formatSymmetryOperation(op))}`),
  ];
}

/** Every atom of the structure in space group P1. */
export function writeCifP1(structure: Structure, options: CifWriteOptions = {}): string {
  const composition = Composition.fromStructure(structure);
  const labelCounts = new Map<string, number>();
  const atomLines = structure.sites.map((site) => {
    const n = (labelCounts.get(site.species) ?? 0) + 1;
    labelCounts.set(site.species, n);
    return `${site.species} ${site.species}${n} 1 ${fractional(site.frac[0])} ${fractional(site.frac[1])} ${fractional(site.frac[2])} 1`;
  });
  const lines = [
    '# written by CrystalFormer Studio',
    ...commentLines(options),
    `data_${blockName(options.dataName ?? composition.reducedFormula)}`,
    ...formulaLines(composition),
    ...cellLines(structure.lattice.parameters, structure.lattice.volume),
    '',
    ...symmetryLines(1, { hermannMauguin: 'P 1', hall: 'P 1' }, [IDENTITY]),
    ...extraItemLines(options),
    '',
    'loop_',
    '_atom_site_type_symbol',
    '_atom_site_label',
    '_atom_site_symmetry_multiplicity',
    '_atom_site_fract_x',
    '_atom_site_fract_y',
    '_atom_site_fract_z',
    '_atom_site_occupancy',
    ...atomLines,
  ];
  return lines.join('\n') + '\n';
}

/**
 * The symmetrized CIF of a Wyckoff description: the space group in its ITA standard setting (the one
 * shared/symmetry uses: unique axis b, origin choice 2, hexagonal axes for R groups) with all its
 * conventional-cell operations, and one representative atom per Wyckoff orbit with its Wyckoff letter and
 * multiplicity.
 */
export function writeSymmetrizedCif(description: WyckoffDescription, options: CifWriteOptions = {}): string {
  const group = getSpaceGroup(description.spaceGroup);
  const counts = new Map<string, number>();
  for (const site of description.sites) {
    const position = group.wyckoffPositions.find((p) => p.letter === site.letter);
    if (!position) throw new Error(`space group ${group.number} has no Wyckoff position '${site.letter}'`);
    counts.set(site.species, (counts.get(site.species) ?? 0) + position.multiplicity);
  }
  const composition = new Composition(counts);
  const labelCounts = new Map<string, number>();
  const atomLines = description.sites.map((site) => {
    const n = (labelCounts.get(site.species) ?? 0) + 1;
    labelCounts.set(site.species, n);
    const position = group.wyckoffPositions.find((p) => p.letter === site.letter)!;
    return `${site.species} ${site.species}${n} ${position.multiplicity} ${site.letter} ${fractional(site.frac[0])} ${fractional(site.frac[1])} ${fractional(site.frac[2])} 1`;
  });
  const lines = [
    '# written by CrystalFormer Studio',
    ...commentLines(options),
    `data_${blockName(options.dataName ?? composition.reducedFormula)}`,
    ...formulaLines(composition),
    ...cellLines(description.lattice, volumeOf(description.lattice)),
    '',
    ...symmetryLines(group.number, cifSpaceGroupNames(group.number), group.operations),
    ...extraItemLines(options),
    '',
    'loop_',
    '_atom_site_type_symbol',
    '_atom_site_label',
    '_atom_site_symmetry_multiplicity',
    '_atom_site_Wyckoff_symbol',
    '_atom_site_fract_x',
    '_atom_site_fract_y',
    '_atom_site_fract_z',
    '_atom_site_occupancy',
    ...atomLines,
  ];
  return lines.join('\n') + '\n';
}
