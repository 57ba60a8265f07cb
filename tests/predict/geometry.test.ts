import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import type { CandidateInput } from '../../electron/rewards/types.ts';
import { NearestNeighbourDistance } from '../../electron/predictors/geometry.ts';
import { createRewardFunction } from '../../electron/rewards/evaluate.ts';
import { readRewardSpecFile } from '../../electron/rewards/index.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { candidate, ironBcc, nacl, rutile } from '../rewards/candidates.ts';

beforeAll(() => initSymmetry());

const predictor = new NearestNeighbourDistance();
const distances = async (...batch: Parameters<typeof predictor.predict>[0]) => [...(await predictor.predict(batch))];

/** I4/mmm with one 8g site (0, ½, z): the images (0, ½, z) and (0, ½, −z) are 2zc apart. */
const collapsedSite = (z: number, c = 10) =>
  candidate({ spaceGroup: 139, lattice: { a: 4, b: 4, c, alpha: 90, beta: 90, gamma: 90 }, sites: [{ letter: 'g', species: 'O', frac: [0, 0.5, z] }] });

describe('min_distance predictor', () => {
  it('gives textbook nearest-neighbour distances', async () => {
    const [rockSalt, bcc, tio2] = await distances(nacl(5.64), ironBcc(), rutile());
    expect(rockSalt).toBeCloseTo(5.64 / 2, 10); // Na–Cl = a/2
    expect(bcc).toBeCloseTo((2.87 * Math.sqrt(3)) / 2, 10); // body diagonal / 2
    // Rutile (a 4.594, c 2.959, O x 0.305): the four equatorial Ti–O bonds √(2((½−x)a)² + (c/2)²) are shorter than
    // the two apical ones √2·x·a.
    const equatorial = Math.sqrt(2 * ((0.5 - 0.305) * 4.594) ** 2 + (2.959 / 2) ** 2);
    expect(equatorial).toBeLessThan(Math.SQRT2 * 0.305 * 4.594);
    expect(tio2).toBeCloseTo(equatorial, 10);
  });

  it("counts an atom's own periodic images, so a one-atom cell has its shortest translation", async () => {
    const polonium = candidate({ spaceGroup: 221, lattice: { a: 3.35, b: 3.35, c: 3.35, alpha: 90, beta: 90, gamma: 90 }, sites: [{ letter: 'a', species: 'Po', frac: [0, 0, 0] }] });
    expect(polonium.structure.numSites).toBe(1);
    expect(await distances(polonium)).toEqual([3.35]);
    // Two atoms far apart in a cell only 0.3 Å thick: each atom is 0.3 Å from its own image.
    const sliver = { structure: Structure.fromSpecies(Lattice.fromParameters(4, 4, 0.3, 90, 90, 90), ['Na', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]) } as CandidateInput;
    const [d] = await distances(sliver);
    expect(d).toBeCloseTo(0.3, 12);
  });

  it('sees a Wyckoff site sampled next to its symmetry element', async () => {
    const [d] = await distances(collapsedSite(0.002));
    expect(d).toBeCloseTo(2 * 0.002 * 10, 10);
  });
});

describe('the structural-validity reward (resources/rewards/structural-validity.json)', () => {
  it('scores 1 from 0.5 Å on and falls off as exp(−(0.5 Å − d)/0.1 Å) below', async () => {
    const file = resolve(import.meta.dirname, '../../resources/rewards/structural-validity.json');
    const fn = await createRewardFunction(readRewardSpecFile(file));
    try {
      const zs = [0.002, 0.02, 0.0255, 0.1];
      const { reward } = await fn.evaluate([nacl(), ...zs.map((z) => collapsedSite(z))]);
      // Nearest neighbours 2.82, 0.04, 0.4, 0.51 and 2 Å.
      const expected = [1, Math.exp(-4.6), Math.exp(-1), 1, 1];
      [...reward].forEach((r, i) => expect(r).toBeCloseTo(expected[i]!, 10));
    } finally {
      await fn.close();
    }
  });
});
