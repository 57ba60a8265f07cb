/**
 * "The user's own structures" for the Training view's screenshot and tests: rock-salt (Fm-3m) and CsCl-type (Pm-3m)
 * cells with cubic cells of 3–6 Å and random ions, from a seeded generator — the same cells for the same count, seed
 * and ion lists.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCifP1 } from '../shared/io/index.ts';
import { Rng } from '../shared/random.ts';
import { buildStructure } from '../shared/symmetry/analyze.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import type { Structure } from '../shared/crystal/structure.ts';

/** Cells 0, 2, 4, … rock salt, 1, 3, … CsCl-type (symmetry must be initialised: `initSymmetry`). */
export function rockSaltCsClCells(count: number, seed: number, cations: readonly string[], anions: readonly string[]): Structure[] {
  const rng = new Rng(seed);
  const cells: Structure[] = [];
  for (let i = 0; i < count; i++) {
    const a = 3 + 3 * rng.next();
    cells.push(
      buildStructure({
        spaceGroup: i % 2 === 0 ? 225 : 221,
        lattice: { a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 },
        sites: [
          { letter: 'a', species: cations[rng.int(cations.length)]!, frac: [0, 0, 0] },
          { letter: 'b', species: anions[rng.int(anions.length)]!, frac: [0.5, 0.5, 0.5] },
        ],
      }),
    );
  }
  return cells;
}

/** Writes `count` CIFs (s00.cif, s01.cif, …) into `folder` (created); even indices rock salt, odd CsCl-type. */
export async function writeOwnStructuresFolder(folder: string, count: number, seed = 4): Promise<void> {
  await initSymmetry();
  mkdirSync(folder, { recursive: true });
  rockSaltCsClCells(count, seed, ['Na', 'K', 'Mg', 'Ca'], ['O', 'S', 'Cl', 'F']).forEach((structure, i) => {
    writeFileSync(join(folder, `s${String(i).padStart(2, '0')}.cif`), writeCifP1(structure, { dataName: `s${i}` }));
  });
}
