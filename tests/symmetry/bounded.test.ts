/**
 * Bounded symmetry analysis (issue 15): structures beyond SYMMETRY_LIMITS are refused before moyo runs, with the
 * limit named; what moyo cannot finish is stopped at the time limit, and the worker keeps serving afterwards.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure, type Site } from '../../shared/crystal/structure.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { detectSpaceGroup } from '../../shared/symmetry/detect.ts';
import { SYMMETRY_LIMITS, SymmetryLimitError, SymmetryTimeoutError } from '../../shared/symmetry/limits.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { analyzeStructureBounded, detectSpaceGroupBounded, symmetryBudgetForFile } from '../../electron/symmetry/bounded.ts';

beforeAll(async () => {
  await initSymmetry();
});

const rockSalt = (a = 5.64) =>
  new Structure(Lattice.cubic(a), [
    { species: 'Na', frac: [0, 0, 0] },
    { species: 'Na', frac: [0, 0.5, 0.5] },
    { species: 'Na', frac: [0.5, 0, 0.5] },
    { species: 'Na', frac: [0.5, 0.5, 0] },
    { species: 'Cl', frac: [0.5, 0.5, 0.5] },
    { species: 'Cl', frac: [0.5, 0, 0] },
    { species: 'Cl', frac: [0, 0.5, 0] },
    { species: 'Cl', frac: [0, 0, 0.5] },
  ]);

/** A k × k × k supercell of a CsCl-type cell (2 atoms, a = 4 Å): moyo's cost grows steeply with its translations. */
function supercell(k: number): Structure {
  const sites: Site[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      for (let l = 0; l < k; l++) {
        sites.push({ species: 'Cs', frac: [i / k, j / k, l / k] }, { species: 'Cl', frac: [(i + 0.5) / k, (j + 0.5) / k, (l + 0.5) / k] });
      }
    }
  }
  return new Structure(Lattice.cubic(4 * k), sites);
}

describe('limits decided before moyo', () => {
  it('refuses more atoms than the limit, naming it (also in shared analyzeStructure and detectSpaceGroup)', () => {
    const big = supercell(8); // 1,024 atoms
    expect(big.numSites).toBeGreaterThan(SYMMETRY_LIMITS.maxAtoms);
    expect(() => analyzeStructureBounded(big)).toThrow(SymmetryLimitError);
    expect(() => analyzeStructureBounded(big)).toThrow(/1024 atoms is more than the limit of 1000 atoms/);
    expect(() => analyzeStructure(big)).toThrow(SymmetryLimitError);
    expect(detectSpaceGroup(big, 0.1)).toBeNull();
    expect(detectSpaceGroupBounded(big, 0.1)).toBeNull();
  });

  it('refuses cells longer than the length limit and too anisotropic cells', () => {
    // The killer: c = 1e15 Å (moyo ran > 90 s); a 3-atom cell with c = 1e6 Å never returns in moyo 0.15.
    const long = new Structure(new Lattice([[3.1, 0, 0], [0.2, 3.3, 0], [0.1, 0.3, 1e15]]), [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Cl', frac: [0.5, 0.5, 0.5] }]);
    expect(() => analyzeStructureBounded(long)).toThrow(/longest lattice vector \(1\.000e\+15 Å\) is beyond the limit of 10000 Å/);
    const needle = new Structure(new Lattice([[3, 0, 0], [0, 3, 0], [0, 0, 5000]]), [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Cl', frac: [0.5, 0.5, 0.5] }]);
    expect(() => analyzeStructureBounded(needle)).toThrow(/too anisotropic .* above the limit of 1000/);
    // A slab with 30 Å of vacuum is well inside the limits.
    const slab = new Structure(new Lattice([[3, 0, 0], [0, 3, 0], [0, 0, 33]]), [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Cl', frac: [0.5, 0.5, 0.05] }]);
    expect(analyzeStructureBounded(slab).spaceGroup).toBe(99);
  });
});

describe('time limit', () => {
  it('stops moyo on a cell it never finishes, then analyses the next structure', () => {
    // moyo 0.15 does not return for this 200 × 2 × 0.6 Å cell at symprec 0.1 Å (inside the shape limits: 333).
    const stuck = new Structure(new Lattice([[200, 0, 0], [0, 2, 0], [0, 0, 0.6]]), [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Cl', frac: [0.5, 0.5, 0.5] }]);
    expect(() => analyzeStructureBounded(stuck, { symprec: 0.1, timeLimitMs: 1000 })).toThrow(SymmetryTimeoutError);
    expect(() => analyzeStructureBounded(stuck, { symprec: 0.1, timeLimitMs: 1000 })).toThrow(/time limit of 1 s per structure/);
    expect(detectSpaceGroupBounded(stuck, 0.1, 1000)).toBeNull();
    expect(analyzeStructureBounded(rockSalt()).spaceGroup).toBe(225);
  });

  it('shares one time budget among the structures of a file', () => {
    const stuck = new Structure(new Lattice([[200, 0, 0], [0, 2, 0], [0, 0, 0.6]]), [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Cl', frac: [0.5, 0.5, 0.5] }]);
    const file = symmetryBudgetForFile(800);
    // The file's 0.8 s binds (the structure's own limit is 10 s); the message names it, whatever was left on the clock.
    expect(() => file.analyze(stuck, { symprec: 0.1 })).toThrow("symmetry analysis stopped: the file's symmetry-analysis time of 0.8 s ran out");
    // The budget is spent: the next structure is not analysed at all, and the message says why.
    expect(() => file.analyze(rockSalt())).toThrow("not analysed: the file's symmetry-analysis time of 0.8 s is used up");
    expect(symmetryBudgetForFile(60_000).analyze(rockSalt()).spaceGroup).toBe(225);
  });

  it('bounds the work on a supercell within the atom limit (432 atoms: seconds of moyo)', () => {
    expect(() => analyzeStructureBounded(supercell(6), { timeLimitMs: 300 })).toThrow(SymmetryTimeoutError);
    expect(analyzeStructureBounded(supercell(2)).spaceGroup).toBe(221);
  });

  it('stops the JavaScript parts (pivot-rule checks) at the deadline too', () => {
    const past = { at: performance.now() - 1, limitMs: 5 };
    expect(() => analyzeStructure(rockSalt(), { deadline: past })).toThrow(/time limit of 0.005 s per structure/);
    expect(analyzeStructure(rockSalt(), { deadline: { at: performance.now() + 60_000, limitMs: 60_000 } }).spaceGroup).toBe(225);
  });
});
