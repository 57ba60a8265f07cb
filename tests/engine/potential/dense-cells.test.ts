/**
 * Generated cells can pile atoms on each other (a 32-atom MgO3 cell of 7 Å³ came out of an RL run): M3GNet's
 * three-body graph for such a cell has tens of millions of triples and ran a process out of memory. The potential
 * must refuse it by name at once, and a relaxation must set it aside while the rest of its batch relaxes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { defaultPotentialDir } from '../../../electron/engine/potential/load.ts';
import { M3GNetPotential, MAX_TRIPLES_PER_ATOM, estimatedTriplesPerAtom } from '../../../electron/engine/potential/m3gnet.ts';
import { relaxStructures } from '../../../electron/engine/potential/relax.ts';
import { neighborList } from '../../../electron/engine/potential/neighbors.ts';

/** A pseudo-random cell of `n` atoms (fractional coordinates from a fixed sequence) with the given volume. */
function packed(n: number, volume: number, species: string[]): Structure {
  const a = Math.cbrt(volume);
  let seed = 11;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return new Structure(Lattice.cubic(a), Array.from({ length: n }, (_, i) => ({ species: species[i % species.length]!, frac: [random(), random(), random()] as [number, number, number] })));
}

const rockSalt = new Structure(Lattice.cubic(5.69), [
  { species: 'Na', frac: [0, 0, 0] }, { species: 'Na', frac: [0, 0.5, 0.5] }, { species: 'Na', frac: [0.5, 0, 0.5] }, { species: 'Na', frac: [0.5, 0.5, 0] },
  { species: 'Cl', frac: [0.5, 0, 0] }, { species: 'Cl', frac: [0, 0.5, 0] }, { species: 'Cl', frac: [0, 0, 0.5] }, { species: 'Cl', frac: [0.5, 0.5, 0.5] },
]);

describe('cells packed beyond what the three-body graph can hold', () => {
  let potential: M3GNetPotential;
  beforeAll(async () => {
    await initSymmetry();
    potential = await M3GNetPotential.load(defaultPotentialDir());
  });
  afterAll(async () => potential?.close());

  test('the triple estimate is within an order of magnitude of the real count, and never far below it', () => {
    // Count the 4 Å triples exactly (Σ m(m−1) over atoms with m short bonds) and compare with the density estimate.
    for (const structure of [rockSalt, packed(8, 40, ['Mg', 'O']), packed(8, 12, ['Mg', 'O'])]) {
      const cart = structure.cartCoords;
      const flat = new Float64Array(3 * cart.length);
      cart.forEach((p, i) => flat.set(p, 3 * i));
      const nl = neighborList(structure.lattice.matrix, flat, 4);
      const perAtom = new Array<number>(structure.numSites).fill(0);
      for (let p = 0; p < nl.count; p++) perAtom[nl.src[p]!]!++;
      const exact = perAtom.reduce((sum, m) => sum + m * (m - 1), 0) / structure.numSites;
      const estimate = estimatedTriplesPerAtom(structure, 4);
      // Shells make ordered crystals differ from a uniform density (rock salt: 6 neighbours within 4 Å, 30 triples per
      // atom, against an estimate of ~135); the guard's cap is two orders of magnitude above real crystals anyway.
      expect(estimate / exact).toBeGreaterThan(0.5);
      expect(estimate / exact).toBeLessThan(10);
    }
  });

  test('a 32-atom cell of 7 Å³ is refused by name before any graph is built, and fast', async () => {
    const dense = packed(32, 7, ['Mg', 'O', 'O', 'O']);
    expect(estimatedTriplesPerAtom(dense, 4)).toBeGreaterThan(MAX_TRIPLES_PER_ATOM);
    const started = performance.now();
    await expect(potential.compute([rockSalt, dense])).rejects.toThrow(/^structure 1: atoms packed at 4\.57 per Å³/);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(potential.refusal(rockSalt)).toBeUndefined();
  });

  test('a relaxation fails the dense cell at the start and relaxes the others of its batch', async () => {
    const dense = packed(32, 7, ['Mg', 'O', 'O', 'O']);
    const [nacl, refused] = await relaxStructures(potential, [rockSalt, dense], { fmax: 0.05, maxSteps: 200 });
    expect(refused!.status).toBe('failed');
    expect(refused!.steps).toBe(0);
    expect(refused!.message).toMatch(/atoms packed at 4\.57 per Å³/);
    expect(nacl!.status).toBe('converged');
    // The potential's own relaxed rock-salt constant (README of M3GNet-MP-2021.2.8-PES: 5.69132 Å) within 0.2 %.
    expect(Math.abs(nacl!.structure.lattice.a - 5.69132) / 5.69132).toBeLessThan(0.002);
  });
});
