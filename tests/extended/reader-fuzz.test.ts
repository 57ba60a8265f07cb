/**
 * Reader fuzzing, extended run (issue 15): 10,100 seeded inputs over every hostile class (reader-fuzz.ts), including
 * byte mutations of the real CIFs in ../shared/data/cif when present and many-block/loop/tag files at full size
 * (up to 20,000 blocks, loops or tags). Every input must end in a clean result or a one-line error within 2 s.
 * Runs only with CFSTUDIO_EXTENDED=1 (`npm run test:extended`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { findSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { readPoscar } from '../../shared/io/poscar.ts';
import { analyzeStructureBounded } from '../../electron/symmetry/bounded.ts';
import { type FuzzFormat, type FuzzOutcome, GENERATORS, POSCAR_SEEDS, SEED_FIXTURES, rng, runFuzzInput } from '../io/reader-fuzz.ts';

const enabled = process.env.CFSTUDIO_EXTENDED === '1';
if (!enabled) console.warn('skipping the extended reader fuzzing: CFSTUDIO_EXTENDED is not 1');

const CIF_DIR = resolve(import.meta.dirname, '../../../shared/data/cif');
const fixtures: { format: FuzzFormat; text: string }[] = [...SEED_FIXTURES];
if (existsSync(CIF_DIR)) {
  for (const name of readdirSync(CIF_DIR).filter((f) => f.endsWith('.cif'))) fixtures.push({ format: 'cif', text: readFileSync(join(CIF_DIR, name), 'utf8') });
} else {
  console.warn(`reader fuzzing: ${CIF_DIR} is absent; byte mutations use the built-in seeds only`);
}

/** Inputs per class (10,100 in all) and the size scale of the many-blocks generator. */
const PLAN: [name: string, count: number, scale: number][] = [
  ['anisotropic', 1500, 1],
  ['huge', 1000, 1],
  ['non-finite', 1500, 1],
  ['symmetry-operations', 1500, 1],
  ['many-blocks-loops-tags', 500, 1],
  ['escapes', 1500, 1],
  ['byte-mutation', 2600, 1],
];

describe.skipIf(!enabled)('reader fuzzing, extended: 10,100 inputs', () => {
  beforeAll(async () => {
    await initSymmetry();
    findSpaceGroup('P 1');
    analyzeStructureBounded(readPoscar(POSCAR_SEEDS[1]!).structure); // starts the moyo worker before any input's clock
  });

  it('has at least 10,000 inputs', () => {
    expect(PLAN.reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThanOrEqual(10_000);
  });

  for (const [name, count, scale] of PLAN) {
    it(`${name}: ${count} inputs, each a clean result or a one-line error within 2 s`, async () => {
      const random = rng(1000 + name.length * 7919 + count);
      const tally = new Map<string, number>();
      let slowest = 0;
      for (let n = 0; n < count; n++) {
        // Let vitest's own messages through now and then (a test that blocks for minutes times out its RPC).
        if (n % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
        const outcome: FuzzOutcome = runFuzzInput(GENERATORS[name]!(random, fixtures, scale));
        const key = outcome.analysis === undefined ? outcome.result : Number.isFinite(Number(outcome.analysis)) ? 'analysed' : outcome.analysis;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        slowest = Math.max(slowest, outcome.milliseconds);
      }
      console.log(`${name}: ${JSON.stringify(Object.fromEntries(tally))}; slowest ${slowest.toFixed(0)} ms`);
      // Each class must reach both ends (or the generator tests nothing), except huge cells, which are never read.
      expect(tally.get('reader-error') ?? 0).toBeGreaterThan(0);
      if (name !== 'huge') expect((tally.get('analysed') ?? 0) + (tally.get('no-structure') ?? 0)).toBeGreaterThan(0);
    }, 900_000);
  }
});
