/**
 * The matcher against pymatgen's StructureMatcher (default tolerances) on generated pairs: the same random
 * crystal in another cell / origin / frame with small noise, with noise around and beyond the site tolerance,
 * with anisotropic strain around the length tolerance, with two atoms swapped, and unrelated crystals of the
 * same composition. Needs a python3 with pymatgen (Debian: apt-get install python3-pymatgen); skipped otherwise.
 *
 * Symmetry is analysed at a tight symprec here so that both sides compare the raw geometry (the evaluation
 * default symmetrizes at 0.1 Å first, which pymatgen does not do).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Structure } from '../../shared/crystal/structure.ts';
import { Rng } from '../../shared/random.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { prepareForMatching, structuresMatch } from '../../electron/evaluate/matcher.ts';
import { jitter, pythonWithPymatgen, randomCellChange, randomLiFeOCrystal, rotate, shiftOrigin, strained, transformCell } from './helpers.ts';

const python = pythonWithPymatgen();
if (!python) console.warn('skipping the pymatgen StructureMatcher comparison: no python3 with pymatgen (apt-get install python3-pymatgen)');

const SCRIPT = new URL('./pymatgen_fit.py', import.meta.url).pathname;

function swapped(s: Structure): Structure {
  const i = s.sites.findIndex((x) => x.species === 'Li');
  const j = s.sites.findIndex((x) => x.species === 'O');
  return new Structure(
    s.lattice,
    s.sites.map((site, k) => (k === i ? { ...site, species: 'O' } : k === j ? { ...site, species: 'Li' } : site)),
  );
}

interface Pair {
  kind: string;
  a: Structure;
  b: Structure;
}

function pairs(): Pair[] {
  const rng = new Rng(2024);
  const list: Pair[] = [];
  for (let trial = 0; trial < 12; trial++) {
    const base = randomLiFeOCrystal(rng);
    const unit = Math.cbrt(base.volume / base.numSites);
    list.push({ kind: 'same crystal, other cell/origin/frame, 0.03 Å noise', a: base, b: rotate(shiftOrigin(jitter(transformCell(base, randomCellChange(rng)), 0.03, trial), [rng.next(), rng.next(), rng.next()]), [rng.next(), 1, rng.next()], rng.uniform(0, 180)) });
    list.push({ kind: 'supercell 2×1×1', a: base, b: transformCell(base, [[2, 0, 0], [0, 1, 0], [0, 0, 1]]) });
    for (const fraction of [0.05, 0.15, 0.45, 0.8]) list.push({ kind: `noise ${fraction}·(V/N)^⅓`, a: base, b: jitter(base, fraction * unit, 100 + trial) });
    for (const factor of [1.08, 1.5]) list.push({ kind: `axis strain ×${factor}`, a: base, b: strained(base, trial % 3, factor) });
    list.push({ kind: 'two atoms swapped', a: base, b: swapped(base) });
    const other = randomLiFeOCrystal(rng);
    if (other.numSites === base.numSites) list.push({ kind: 'unrelated crystal', a: base, b: other });
  }
  return list;
}

const plain = (s: Structure) => ({ lattice: s.lattice.matrix, species: s.species, frac: s.sites.map((x) => x.frac) });

describe.skipIf(!python)('agreement with pymatgen StructureMatcher().fit', () => {
  beforeAll(async () => {
    await initSymmetry();
  });

  it('gives the same verdict on every generated pair', () => {
    const list = pairs();
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-match-'));
    try {
      const file = join(dir, 'pairs.json');
      writeFileSync(file, JSON.stringify(list.map((p) => ({ a: plain(p.a), b: plain(p.b) }))));
      const run = spawnSync(python!, [SCRIPT, file], { encoding: 'utf8', timeout: 300_000 });
      expect(run.status, run.stderr).toBe(0);
      const reference = JSON.parse(run.stdout) as boolean[];
      const ours = list.map((p) => structuresMatch(prepareForMatching(p.a, 1e-4), prepareForMatching(p.b, 1e-4)));
      const disagreements = list.flatMap((p, i) => (ours[i] !== reference[i] ? [`${i} ${p.kind}: ours ${ours[i]}, pymatgen ${reference[i]}`] : []));
      // Both outcomes must occur, or the comparison says little.
      expect(reference.filter(Boolean).length).toBeGreaterThan(10);
      expect(reference.filter((x) => !x).length).toBeGreaterThan(10);
      expect(disagreements).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
