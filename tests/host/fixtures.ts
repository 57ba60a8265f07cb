/**
 * Small CIF texts for the shell tests, written from textbook facts (no data files needed):
 * - NaCl, rock salt: Fm-3m (225), a = 5.6402 Å, Na at 4a (0,0,0), Cl at 4b (½,½,½) — Wyckoff (1931), ICSD standard.
 * - CsCl: Pm-3m (221), a = 4.123 Å, Cs at 1a (0,0,0), Cl at 1b (½,½,½).
 * - Si, diamond: Fd-3m (227, origin choice 2), a = 5.431 Å, Si at 8a (⅛,⅛,⅛).
 * `cubicCif` writes more of the same kind (e.g. copper, Fm-3m, a = 3.615 Å, Cu at 4a).
 * Each gives only the H-M symbol, so the CIF reader expands the asymmetric unit with the group's operations.
 */
import { writeCifP1 } from '../../shared/io/cif-writer.ts';
import { rockSaltCsClCells } from '../../scripts/own-structures.ts';

export interface KnownCrystal {
  name: string;
  cif: string;
  spaceGroup: number;
  wyckoffLabel: string;
  reducedFormula: string;
}

export function cubicCif(name: string, a: number, symbol: string, sites: Array<[string, string, number, number, number]>): string {
  return [
    `data_${name}`,
    `_symmetry_space_group_name_H-M '${symbol}'`,
    `_cell_length_a ${a}`,
    `_cell_length_b ${a}`,
    `_cell_length_c ${a}`,
    '_cell_angle_alpha 90',
    '_cell_angle_beta 90',
    '_cell_angle_gamma 90',
    'loop_',
    '_atom_site_label',
    '_atom_site_type_symbol',
    '_atom_site_fract_x',
    '_atom_site_fract_y',
    '_atom_site_fract_z',
    ...sites.map(([label, element, x, y, z]) => `${label} ${element} ${x} ${y} ${z}`),
    '',
  ].join('\n');
}

export const NACL: KnownCrystal = {
  name: 'NaCl',
  cif: cubicCif('NaCl', 5.6402, 'F m -3 m', [
    ['Na1', 'Na', 0, 0, 0],
    ['Cl1', 'Cl', 0.5, 0.5, 0.5],
  ]),
  spaceGroup: 225,
  wyckoffLabel: '225-a-Na-b-Cl',
  reducedFormula: 'NaCl',
};

export const CSCL: KnownCrystal = {
  name: 'CsCl',
  cif: cubicCif('CsCl', 4.123, 'P m -3 m', [
    ['Cs1', 'Cs', 0, 0, 0],
    ['Cl1', 'Cl', 0.5, 0.5, 0.5],
  ]),
  spaceGroup: 221,
  wyckoffLabel: '221-a-Cs-b-Cl',
  reducedFormula: 'CsCl',
};

export const SILICON: KnownCrystal = {
  name: 'Si',
  cif: cubicCif('Si', 5.431, 'F d -3 m :2', [['Si1', 'Si', 0.125, 0.125, 0.125]]),
  spaceGroup: 227,
  wyckoffLabel: '227-a-Si',
  reducedFormula: 'Si',
};

/** NaCl with its cell length `a` (line 3) replaced by a word: the reader must fail naming the file and line. */
export const BROKEN_CIF = NACL.cif.replace('_cell_length_a 5.6402', '_cell_length_a abc');

/**
 * NaCl as an n×n×n P1 supercell (8n³ atoms, all positions listed): one structure whose symmetry analysis is a
 * single long synchronous step — the case where a job cannot notice a cancel by itself. (Measured here: n = 3,
 * 216 atoms, about 2 s; n = 4 takes tens of seconds, so keep n ≤ 3 in tests.)
 */
export function bigSupercellCif(n: number): string {
  const a = 5.6402 * n;
  const lines = ['data_NaCl_supercell', "_symmetry_space_group_name_H-M 'P 1'", `_cell_length_a ${a}`, `_cell_length_b ${a}`, `_cell_length_c ${a}`];
  lines.push('_cell_angle_alpha 90', '_cell_angle_beta 90', '_cell_angle_gamma 90', 'loop_', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z');
  // Rock salt: Na on the fcc lattice (0,0,0)+centrings, Cl shifted by (½,0,0).
  const fcc = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
    for (const [x, y, z] of fcc) {
      lines.push(`Na ${((i + x!) / n).toFixed(6)} ${((j + y!) / n).toFixed(6)} ${((k + z!) / n).toFixed(6)}`);
      lines.push(`Cl ${((i + x! + 0.5) / n).toFixed(6)} ${((j + y!) / n).toFixed(6)} ${((k + z!) / n).toFixed(6)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A CSV of CIFs (what `cfstudio data prepare` reads): rock salt (225, 4a + 4b) and CsCl (221, 1a + 1b) cells in turn,
 * with random ions and cubic cells of 3–6 Å, drawn from `seed`.
 */
/** The ions of the rock-salt/CsCl corpus. */
export const CORPUS_CATIONS = ['Na', 'K', 'Mg', 'Ca', 'Sr', 'Li', 'Cs'];
export const CORPUS_ANIONS = ['O', 'S', 'Cl', 'Br', 'F', 'I'];

export function rockSaltCsClCorpusCsv(count: number, seed: number): string {
  const rows = ['material_id,cif'];
  rockSaltCsClCells(count, seed, CORPUS_CATIONS, CORPUS_ANIONS).forEach((structure, i) => {
    rows.push(`c${i},"${writeCifP1(structure, { dataName: `c${i}` }).replaceAll('"', '""')}"`);
  });
  return rows.join('\n') + '\n';
}

/** Resolves with the predicate's first value other than undefined/false, polling every 20 ms; rejects after the timeout. */
export function until<T>(predicate: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      const value = predicate();
      if (value !== undefined && value !== false) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not reached in time'));
      setTimeout(poll, 20);
    };
    poll();
  });
}
