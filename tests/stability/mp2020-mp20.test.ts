/**
 * MP2020 corrections on real crystals: a strided sample of the MP-20 validation split (peroxides, sulfates,
 * hydroxides, mixed-anion compounds and transition-metal oxides as they occur) against pymatgen's
 * MaterialsProject2020Compatibility on the very same structures. Skipped without the data or pymatgen.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { readCifStructure } from '../../shared/io/index.ts';
import { defaultMp2020Path, Mp2020Compatibility } from '../../electron/stability/index.ts';
import type { TestCrystal } from './crystals.ts';
import { runPymatgen } from './pymatgen.ts';

const FILE = new URL('../../../shared/data/structures/mp_20_val.csv.gz', import.meta.url).pathname;
const present = existsSync(FILE) && existsSync(defaultMp2020Path());
if (!present) console.warn(`skipping the MP-20 MP2020 comparison: ${FILE} or MP2020Compatibility.yaml not found`);
const hasPymatgen = spawnSync('/usr/bin/python3', ['-c', 'import pymatgen.entries.compatibility'], { encoding: 'utf8' }).status === 0;
if (!hasPymatgen) console.warn('skipping the MP-20 MP2020 comparison: /usr/bin/python3 has no pymatgen');

const STRIDE = 30;

async function sample(): Promise<TestCrystal[]> {
  const crystals: TestCrystal[] = [];
  const parser = createReadStream(FILE).pipe(createGunzip()).pipe(parse({ columns: true }));
  let index = 0;
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    if (index++ % STRIDE !== 0) continue;
    crystals.push({ id: row.material_id!, structure: readCifStructure(row.cif!, { fileName: row.material_id }).structure });
  }
  return crystals;
}

describe.skipIf(!present || !hasPymatgen)('MP2020 corrections on MP-20 validation crystals', () => {
  it('equal pymatgen on every sampled crystal (1e-6 eV, the same adjustments)', async () => {
    const scheme = Mp2020Compatibility.load();
    const crystals = await sample();
    const reference = runPymatgen(crystals) as unknown as { id: string; correction?: number; adjustments?: Record<string, number>; error?: string }[];
    const kinds = new Set<string>();
    let compared = 0;
    for (const [index, crystal] of crystals.entries()) {
      const expected = reference[index]!;
      expect(expected.id).toBe(crystal.id);
      if (expected.error !== undefined) continue; // pymatgen refuses, e.g. elements without an MP POTCAR
      const ours = scheme.adjustments(crystal.structure);
      const names = Object.fromEntries(ours.map((a) => [a.name, a.energy]));
      expect(Object.keys(names).sort(), crystal.id).toEqual(Object.keys(expected.adjustments!).sort());
      for (const [name, value] of Object.entries(expected.adjustments!)) expect(Math.abs(names[name]! - value), `${crystal.id}: ${name}`).toBeLessThan(1e-6);
      for (const name of Object.keys(names)) kinds.add(name.replace(/^MP2020 /, ''));
      compared++;
    }
    console.log(`MP2020 vs pymatgen on ${compared} MP-20 validation crystals: all equal; adjustment kinds seen: ${[...kinds].sort().join(', ')}`);
    expect(compared).toBeGreaterThan(250);
  }, 600_000);
});
