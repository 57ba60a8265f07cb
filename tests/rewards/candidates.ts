/** Known crystals as reward candidates (built from their Wyckoff descriptions, CIF written by shared/io). */
import { writeCifP1 } from '../../shared/io/index.ts';
import { buildStructure, type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import type { CandidateInput } from '../../electron/rewards/types.ts';

export function candidate(description: WyckoffDescription): CandidateInput {
  const structure = buildStructure(description);
  return { structure, description, cif: writeCifP1(structure) };
}

const cubic = (a: number) => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });

/** Rock salt, a = 5.64 Å (8 atoms in the conventional cell). */
export const nacl = (a = 5.64) =>
  candidate({ spaceGroup: 225, lattice: cubic(a), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] });

/** Periclase MgO, a = 4.21 Å. */
export const mgo = () =>
  candidate({ spaceGroup: 225, lattice: cubic(4.21), sites: [{ letter: 'a', species: 'Mg', frac: [0, 0, 0] }, { letter: 'b', species: 'O', frac: [0.5, 0.5, 0.5] }] });

/** CsCl, a = 4.12 Å (2 atoms). */
export const cscl = () =>
  candidate({ spaceGroup: 221, lattice: cubic(4.12), sites: [{ letter: 'a', species: 'Cs', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] });

/** Rutile TiO2, a = 4.594, c = 2.959 Å, O at 4f x = 0.305 (6 atoms). */
export const rutile = () =>
  candidate({
    spaceGroup: 136,
    lattice: { a: 4.594, b: 4.594, c: 2.959, alpha: 90, beta: 90, gamma: 90 },
    sites: [{ letter: 'a', species: 'Ti', frac: [0, 0, 0] }, { letter: 'f', species: 'O', frac: [0.305, 0.305, 0] }],
  });

/** bcc iron, a = 2.87 Å (2 atoms). */
export const ironBcc = () => candidate({ spaceGroup: 229, lattice: cubic(2.87), sites: [{ letter: 'a', species: 'Fe', frac: [0, 0, 0] }] });

/** NaCl2 in the fluorite arrangement: Na 4a, Cl 8c — charge-unbalanced for every common oxidation state. */
export const naCl2 = () =>
  candidate({ spaceGroup: 225, lattice: cubic(5.5), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'c', species: 'Cl', frac: [0.25, 0.25, 0.25] }] });
