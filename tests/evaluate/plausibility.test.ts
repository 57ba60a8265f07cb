// Physical plausibility (shortest contact ≥ 0.5 (r_i + r_j), shared/crystal/validity.ts): the radii are pymatgen's
// `Element.atomic_radius` (Slater 1964) and the shortest contact ratio equals what pymatgen's neighbour list gives
// on known crystals, random oblique cells and crystals with a deliberately short contact (needs a python3 with
// pymatgen, skipped otherwise). Facts that need no Python: Slater's Na 1.80 Å and Cl 1.00 Å put the threshold for
// a Na–Cl contact at 1.40 Å; a one-atom cell is judged by the atom's distance to its own images.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { atomicRadius } from '../../shared/crystal/atomic-radii.ts';
import { ELEMENT_SYMBOLS } from '../../shared/crystal/elements.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { physicalPlausibility, structuralValidity } from '../../shared/crystal/validity.ts';
import { Rng } from '../../shared/random.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { CRYSTALS, crystal } from './helpers.ts';

function findPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', 'import pymatgen.core'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return undefined;
}
const python = findPython();
if (!python) console.warn('skipping the pymatgen plausibility comparison: no python3 with pymatgen (apt-get install python3-pymatgen)');

/** pymatgen: min d / (r_i + r_j) over its neighbour list (own images included) with the radii given, per structure. */
const PYTHON_RATIOS = `
import json, sys
import numpy as np
from pymatgen.core import Lattice, Structure
out = []
for item in json.load(sys.stdin):
    s = Structure(Lattice(item["lattice"]), item["species"], item["frac"])
    r = np.array(item["radii"])
    centers, neighbors, _, distances = s.get_neighbor_list(12.0)
    out.append(float((distances / (r[centers] + r[neighbors])).min()))
print(json.dumps(out))
`;

const PYTHON_RADII = `
import json
from pymatgen.core import Element
out = {}
for z in range(1, 119):
    e = Element.from_Z(z)
    if e.atomic_radius is not None:
        out[e.symbol] = float(e.atomic_radius)
print(json.dumps(out))
`;

function randomStructure(rng: Rng, atoms: number): Structure {
  const elements = ['Li', 'O', 'Fe', 'S', 'Ba', 'H'];
  // Oblique cells: angles between 60° and 120°, lengths 3–9 Å.
  const lattice = Lattice.fromParameters(rng.uniform(3, 9), rng.uniform(3, 9), rng.uniform(3, 9), rng.uniform(60, 120), rng.uniform(60, 120), rng.uniform(60, 120));
  const species = Array.from({ length: atoms }, () => elements[Math.floor(rng.next() * elements.length)]!);
  const frac = Array.from({ length: atoms }, () => [rng.next(), rng.next(), rng.next()] as Vec3);
  return Structure.fromSpecies(lattice, species, frac);
}

beforeAll(async () => {
  await initSymmetry();
});

describe('physical plausibility', () => {
  it('uses Slater radii: a Na–Cl contact must be ≥ 1.40 Å, rock salt passes, a 1.2 Å Na–Cl contact fails though ≥ 0.5 Å', () => {
    expect(atomicRadius('Na') + atomicRadius('Cl')).toBeCloseTo(2.8, 12);
    const rockSalt = crystal('rockSalt');
    const verdict = physicalPlausibility(rockSalt);
    // Nearest Na–Cl distance a/2 = 2.82 Å over 2.80 Å.
    expect(verdict.shortestContactRatio).toBeCloseTo(2.82 / 2.8, 10);
    expect(verdict.plausible).toBe(true);
    const squeezed = Structure.fromSpecies(Lattice.cubic(5.64), ['Na', 'Cl'], [
      [0, 0, 0],
      [1.2 / 5.64, 0, 0],
    ]);
    expect(structuralValidity(squeezed).valid).toBe(true);
    expect(physicalPlausibility(squeezed).shortestContactRatio).toBeCloseTo(1.2 / 2.8, 10);
    expect(physicalPlausibility(squeezed).plausible).toBe(false);
  });

  it('counts an atom’s own periodic images (a one-atom cell of 1.2 Å), which the 0.5 Å rule ignores', () => {
    const tiny = Structure.fromSpecies(Lattice.cubic(1.2), ['Fe'], [[0, 0, 0]]);
    expect(structuralValidity(tiny).valid).toBe(true);
    expect(physicalPlausibility(tiny).shortestContactRatio).toBeCloseTo(1.2 / (2 * 1.4), 10);
    expect(physicalPlausibility(tiny).plausible).toBe(false);
  });

  describe.skipIf(!python)('against pymatgen', () => {
    it('has pymatgen’s atomic_radius for every element that has one, and the Cordero covalent radius otherwise', () => {
      const run = spawnSync(python!, ['-c', PYTHON_RADII], { encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      const slater = JSON.parse(run.stdout) as Record<string, number>;
      expect(Object.keys(slater).length).toBeGreaterThan(80);
      for (const symbol of ELEMENT_SYMBOLS) {
        if (symbol in slater) expect(atomicRadius(symbol), symbol).toBe(slater[symbol]);
      }
      // He has no Slater radius; Cordero's is 0.28 Å.
      expect('He' in slater).toBe(false);
      expect(atomicRadius('He')).toBe(0.28);
    });

    it('finds the same shortest contact ratio as pymatgen’s neighbour list', () => {
      const rng = new Rng(14);
      const structures: Structure[] = [
        ...(Object.keys(CRYSTALS) as (keyof typeof CRYSTALS)[]).map((name) => crystal(name)),
        ...Array.from({ length: 40 }, (_, i) => randomStructure(rng, 1 + (i % 8))),
        // A flat, sheared cell: the shortest contact is an image several cells away in the raw basis.
        Structure.fromSpecies(new Lattice([
          [4, 0, 0],
          [3.7, 1.1, 0],
          [0.3, 0.2, 5],
        ]), ['O', 'Fe'], [
          [0.1, 0.2, 0.3],
          [0.6, 0.9, 0.35],
        ]),
      ];
      const input = structures.map((s) => ({ lattice: s.lattice.matrix, species: s.species, frac: s.sites.map((site) => site.frac), radii: s.species.map(atomicRadius) }));
      const run = spawnSync(python!, ['-c', PYTHON_RATIOS], { input: JSON.stringify(input), encoding: 'utf8', timeout: 300_000 });
      expect(run.status, run.stderr).toBe(0);
      const expected = JSON.parse(run.stdout) as number[];
      let implausible = 0;
      structures.forEach((s, i) => {
        const verdict = physicalPlausibility(s);
        expect(verdict.shortestContactRatio, `structure ${i}`).toBeCloseTo(expected[i]!, 9);
        expect(verdict.plausible).toBe(expected[i]! >= 0.5);
        if (!verdict.plausible) implausible++;
      });
      // Random atoms collide often enough that both verdicts are exercised.
      expect(implausible).toBeGreaterThan(3);
      expect(implausible).toBeLessThan(structures.length - 5);
    });
  });
});
