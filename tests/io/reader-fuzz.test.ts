/**
 * Reader fuzzing, fast part (issue 15; the ≥ 10,000-input run is tests/extended/reader-fuzz.test.ts): a few hundred
 * seeded inputs of each hostile class — anisotropic and huge cells, non-finite values, symmetry-operation lists that
 * are not groups, many blocks/loops/tags, escape sequences, byte mutations of real files — each read and analysed
 * as the app does. Every input must end in a clean result or a one-line error within 2 s (reader-fuzz.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { findSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { analyzeStructureBounded } from '../../electron/symmetry/bounded.ts';
import { readPoscar } from '../../shared/io/poscar.ts';
import { type FuzzInput, type FuzzOutcome, GENERATORS, POSCAR_SEEDS, SEED_FIXTURES, rng, runFuzzInput } from './reader-fuzz.ts';

const PER_CLASS = 40;

beforeAll(async () => {
  await initSymmetry();
  findSpaceGroup('P 1'); // builds the symbol index once, so its one-time cost is not charged to an input
  analyzeStructureBounded(readPoscar(POSCAR_SEEDS[1]!).structure); // starts the moyo worker outside any input's time
});

function runClass(name: string, count: number, seed: number): FuzzOutcome[] {
  const random = rng(seed);
  const outcomes: FuzzOutcome[] = [];
  for (let n = 0; n < count; n++) {
    const input: FuzzInput = GENERATORS[name]!(random, SEED_FIXTURES, 0.05);
    outcomes.push(runFuzzInput(input));
  }
  return outcomes;
}

describe('reader fuzzing: every input ends in a clean result or a one-line error within 2 s', () => {
  it('anisotropic and degenerate cells', () => {
    const outcomes = runClass('anisotropic', PER_CLASS, 1);
    expect(outcomes.some((o) => o.result === 'reader-error')).toBe(true);
    expect(outcomes.some((o) => o.result === 'structure')).toBe(true);
  });

  it('huge cells are always refused by the reader', () => {
    expect(runClass('huge', PER_CLASS, 2).every((o) => o.result === 'reader-error')).toBe(true);
  });

  it('non-finite values', () => {
    const outcomes = runClass('non-finite', PER_CLASS, 3);
    expect(outcomes.filter((o) => o.result === 'reader-error').length).toBeGreaterThan(PER_CLASS / 2);
  });

  it('symmetry-operation lists (subsets, random, nudged, repeated, real groups)', () => {
    const outcomes = runClass('symmetry-operations', PER_CLASS, 4);
    expect(outcomes.some((o) => o.result === 'reader-error')).toBe(true);
    expect(outcomes.some((o) => o.result === 'structure')).toBe(true);
  });

  it('many blocks, loops, tags and structures', () => {
    runClass('many-blocks-loops-tags', PER_CLASS, 5);
    // The cases at full size: 50,000 blocks (was 24 s), loops (was 11.8 s) and loop tags.
    const n = 50_000;
    runFuzzInput({ kind: 'many-blocks', format: 'cif', text: Array.from({ length: n }, (_, i) => `data_b${i}\n`).join('') });
    runFuzzInput({ kind: 'many-loops', format: 'cif', text: `data_x\n${Array.from({ length: n }, (_, i) => `loop_ _t${i} 1\n`).join('')}` });
    runFuzzInput({ kind: 'many-tags', format: 'cif', text: `data_x\nloop_\n${Array.from({ length: n }, (_, i) => `_t${i}`).join('\n')}\n${'1 '.repeat(n)}\n` });
  });

  it('escape sequences and huge tokens', () => {
    runClass('escapes', PER_CLASS, 6);
  });

  it('byte mutations of real CIF and POSCAR files', () => {
    const outcomes = runClass('byte-mutation', 2 * PER_CLASS, 7);
    expect(outcomes.some((o) => o.result === 'structure')).toBe(true);
  });
});
