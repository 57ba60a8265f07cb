/**
 * The sharded potential (worker threads, one single-threaded session each) must give what the in-process potential
 * gives for the same structures — every structure's energy, forces and stress — in input order, whatever the shard
 * sizes; its load errors stay one line naming the folder.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { defaultPotentialDir, loadPotential } from '../../../electron/engine/potential/load.ts';
import { M3GNetPotential } from '../../../electron/engine/potential/m3gnet.ts';
import { ShardedPotential, shardBounds } from '../../../electron/engine/potential/sharded.ts';
import type { Potential } from '../../../electron/engine/potential/types.ts';

describe('shardBounds', () => {
  test('cuts contiguous shards covering every index once, with sums as even as whole items allow', () => {
    const weights = [8, 1, 1, 1, 1, 1, 1, 2, 24, 3, 5, 5, 5];
    for (const shards of [1, 2, 3, 4, 13, 20]) {
      const bounds = shardBounds(weights, shards);
      expect(bounds.length).toBe(shards + 1);
      expect(bounds[0]).toBe(0);
      expect(bounds.at(-1)).toBe(weights.length);
      for (let k = 1; k < bounds.length; k++) expect(bounds[k]!).toBeGreaterThanOrEqual(bounds[k - 1]!);
    }
    // Two shards of [1×10]: 5 and 5.
    expect(shardBounds(new Array(10).fill(1), 2)).toEqual([0, 5, 10]);
    // No shard exceeds an even share by more than one item, for random atom counts (1…40 sites, as MP-20-sized crystals).
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const w = Array.from({ length: 1 + Math.floor(random() * 60) }, () => 1 + Math.floor(random() * 40));
      const shards = 1 + Math.floor(random() * 4);
      const bounds = shardBounds(w, shards);
      const total = w.reduce((a, b) => a + b, 0);
      const largest = Math.max(...w);
      for (let k = 0; k < shards; k++) {
        const sum = w.slice(bounds[k], bounds[k + 1]).reduce((a, b) => a + b, 0);
        expect(sum).toBeLessThanOrEqual(total / shards + largest);
      }
    }
  });
});

describe('ShardedPotential', () => {
  let inProcess: M3GNetPotential;
  let sharded: Potential;
  const structures: Structure[] = [];

  beforeAll(async () => {
    const cubic = (a: number, species: string[], fracs: [number, number, number][]) =>
      new Structure(Lattice.cubic(a), species.map((s, i) => ({ species: s, frac: fracs[i]! })));
    structures.push(
      cubic(5.69, ['Na', 'Na', 'Na', 'Na', 'Cl', 'Cl', 'Cl', 'Cl'], [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0], [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5], [0.5, 0.5, 0.5]]),
      new Structure(new Lattice([[0, 2.73, 2.73], [2.73, 0, 2.73], [2.73, 2.73, 0]]), [{ species: 'Si', frac: [0, 0, 0] }, { species: 'Si', frac: [0.26, 0.24, 0.25] }]),
      new Structure(new Lattice([[3.1, 0.2, 0], [0.4, 3.3, 0.1], [0.3, 0.5, 4.2]]), [{ species: 'Cs', frac: [0.02, 0, 0.01] }, { species: 'I', frac: [0.5, 0.48, 0.51] }]),
      cubic(4.05, ['Al'], [[0, 0, 0]]),
      cubic(3.9, ['Sr', 'Ti', 'O', 'O', 'O'], [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0.02], [0.5, 0, 0.5], [0, 0.5, 0.5]]),
    );
    inProcess = await M3GNetPotential.load(defaultPotentialDir());
    sharded = await loadPotential(defaultPotentialDir(), { workers: 2 });
  });
  afterAll(async () => {
    await inProcess?.close();
    await sharded?.close();
  });

  test('loadPotential with workers > 1 shards M3GNet over that many threads', () => {
    expect(sharded).toBeInstanceOf(ShardedPotential);
    expect((sharded as ShardedPotential).workerCount).toBe(2);
    expect(sharded.name).toBe(inProcess.name);
    expect([...sharded.elements].sort()).toEqual([...inProcess.elements].sort());
  });

  test('energies, forces and stresses equal the in-process potential, in input order, for every split', async () => {
    const reference = await inProcess.compute(structures);
    for (const subset of [structures, structures.slice(0, 1), structures.slice(1, 3), [...structures].reverse()]) {
      const got = await sharded.compute(subset);
      const expected = subset.map((s) => reference[structures.indexOf(s)]!);
      expect(got.length).toBe(subset.length);
      got.forEach((r, i) => {
        const e = expected[i]!;
        // float32 graphs: batch composition may change summation order in the last bits.
        expect(Math.abs(r.energy - e.energy) / subset[i]!.numSites).toBeLessThan(1e-5);
        expect(r.forces!.length).toBe(e.forces!.length);
        r.forces!.forEach((f, k) => expect(Math.abs(f - e.forces![k]!)).toBeLessThan(1e-4));
        r.stress!.forEach((row, a) => row.forEach((v, b) => expect(Math.abs(v - e.stress![a]![b]!)).toBeLessThan(1e-5)));
      });
    }
    expect(await sharded.compute([])).toEqual([]);
  });

  test('an unknown element is refused by name before any worker runs', async () => {
    const bad = new Structure(Lattice.cubic(4), [{ species: 'Og', frac: [0, 0, 0] }]);
    await expect(sharded.compute([structures[0]!, bad])).rejects.toThrow(/structure 1: Og is not an element/);
  });

  test('a folder that is not a potential is a one-line error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-shard-'));
    writeFileSync(join(dir, 'model.json'), '{ not json');
    const error = await ShardedPotential.start(dir, 2).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain(dir);
    expect(error!.message).not.toContain('\n');
  });
});
