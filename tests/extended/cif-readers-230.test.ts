/**
 * Extended: a symmetrized CIF for a crystal in every one of the 230 space groups (Na on Wyckoff 'a', O on a special
 * position with a free parameter where there is one, Fe on the general position) is expanded by gemmi, pymatgen and
 * ASE to exactly our P1 expansion: same number of atoms, same element at every position within 1e-4 (fractional).
 * Runs with CFSTUDIO_EXTENDED=1 (`npm run test:extended`) and /usr/bin/python3 with gemmi, pymatgen and ASE;
 * skipped with the reason printed otherwise. The fast subset is tests/io/cif-readers.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifStructure } from '../../shared/io/cif.ts';
import { writeSymmetrizedCif } from '../../shared/io/cif-writer.ts';
import { buildStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { periodicFracDistance } from '../../shared/symmetry/spacegroups.ts';
import { checkWithReaders, findReaderPython, readerTestDescription } from '../io/cif-readers.ts';

const enabled = process.env.CFSTUDIO_EXTENDED === '1';
const python = findReaderPython();
const skipReason = !enabled ? 'CFSTUDIO_EXTENDED is not 1' : !python ? '/usr/bin/python3 lacks gemmi, pymatgen or ase' : '';
if (skipReason) console.warn(`skipping the 230-group CIF reader test: ${skipReason}`);

let dir: string;
beforeAll(async () => {
  await initSymmetry();
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-cif-readers-230-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== '')('every space group: gemmi, pymatgen, ASE and our reader agree with our P1 expansion', () => {
  it('230 groups', { timeout: 900_000 }, () => {
    const cases = Array.from({ length: 230 }, (_, i) => {
      const g = i + 1;
      const expected = readerTestDescription(g);
      const text = writeSymmetrizedCif(expected);
      // Our own reader first: it must give the same atoms.
      const reference = buildStructure(expected);
      const read = readCifStructure(text).structure;
      expect(read.numSites, `${g}`).toBe(reference.numSites);
      reference.sites.forEach((site) => {
        expect(read.sites.some((s) => s.species === site.species && periodicFracDistance(s.frac, site.frac) < 1e-6), `${g} ${site.species} ${site.frac}`).toBe(true);
      });
      return { name: `sg${g}`, spaceGroup: g, text, expected };
    });
    const { results, stderr } = checkWithReaders(python!, dir, cases);
    expect(results, stderr).toHaveLength(230);
    expect(results.filter((r) => !r.ok).map((r) => `${r.spaceGroup}: ${r.problems.join('; ')}`)).toEqual([]);
    // gemmi resolves the group from the file (it goes by the H-M symbol): every one must be the group written.
    expect(results.filter((r) => r.gemmi?.spaceGroup !== r.spaceGroup).map((r) => r.spaceGroup)).toEqual([]);
  });
});
