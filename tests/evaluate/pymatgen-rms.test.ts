/**
 * `structureRmsDistance` against pymatgen's `StructureMatcher(stol=0.5, angle_tol=10, ltol=0.3).get_rms_dist`, the
 * CDVAE/DiffCSP CSP match criterion and RMSE: random crystals paired with themselves in another cell, origin and frame
 * under noise from far below to beyond the site tolerance, with an axis strained, and with unrelated crystals of the
 * same composition. Needs a python3 with pymatgen (Debian: apt-get install python3-pymatgen); skipped otherwise.
 * Symmetry is analysed at a tight symprec so that both sides compare the raw geometry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Structure } from '../../shared/crystal/structure.ts';
import { Rng } from '../../shared/random.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { type MatchTolerances, prepareForMatching, structureRmsDistance, structuresMatch } from '../../electron/evaluate/matcher.ts';
import { jitter, pythonWithPymatgen, randomCellChange, randomLiFeOCrystal, rotate, shiftOrigin, strained, transformCell } from './helpers.ts';

const CSP_TOLERANCES: MatchTolerances = { ltol: 0.3, stol: 0.5, angleTol: 10, scale: true };

const python = pythonWithPymatgen();
if (!python) console.warn('skipping the pymatgen get_rms_dist comparison: no python3 with pymatgen (apt-get install python3-pymatgen)');

const SCRIPT = new URL('../../scripts/pymatgen_rms.py', import.meta.url).pathname;

interface Pair {
  kind: string;
  a: Structure;
  b: Structure;
}

function pairs(): Pair[] {
  const rng = new Rng(77);
  const list: Pair[] = [];
  for (let trial = 0; trial < 8; trial++) {
    const base = randomLiFeOCrystal(rng);
    const unit = Math.cbrt(base.volume / base.numSites);
    const moved = (s: Structure) => rotate(shiftOrigin(transformCell(s, randomCellChange(rng)), [rng.next(), rng.next(), rng.next()]), [rng.next(), 1, rng.next()], rng.uniform(0, 180));
    for (const fraction of [0.02, 0.1, 0.25, 0.4, 0.6, 1.5]) list.push({ kind: `noise ${fraction}·(V/N)^⅓, other cell/origin/frame`, a: base, b: moved(jitter(base, fraction * unit, 300 + 10 * trial + fraction * 100)) });
    list.push({ kind: 'axis strain ×1.15 and noise 0.05·(V/N)^⅓', a: base, b: jitter(strained(base, trial % 3, 1.15), 0.05 * unit, 7 + trial) });
    const other = randomLiFeOCrystal(rng);
    if (other.numSites === base.numSites) list.push({ kind: 'unrelated crystal', a: base, b: other });
  }
  return list;
}

const plain = (s: Structure) => ({ lattice: s.lattice.matrix, species: s.species, frac: s.sites.map((x) => x.frac) });

describe.skipIf(!python)('agreement with pymatgen StructureMatcher(stol=0.5, angle_tol=10, ltol=0.3).get_rms_dist', () => {
  beforeAll(async () => {
    await initSymmetry();
  });

  it('finds a match on the same pairs and the same normalised RMS and largest displacement', () => {
    const list = pairs();
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-rms-'));
    try {
      const file = join(dir, 'pairs.json');
      writeFileSync(file, JSON.stringify(list.map((p) => ({ a: plain(p.a), b: plain(p.b) }))));
      const run = spawnSync(python!, [SCRIPT, file], { encoding: 'utf8', timeout: 300_000 });
      expect(run.status, run.stderr).toBe(0);
      const reference = JSON.parse(run.stdout) as ([number, number] | null)[];
      const problems: string[] = [];
      let compared = 0;
      list.forEach((p, i) => {
        const a = prepareForMatching(p.a, 1e-4);
        const b = prepareForMatching(p.b, 1e-4);
        const ours = structureRmsDistance(a, b, CSP_TOLERANCES);
        const theirs = reference[i]!;
        if ((ours === null) !== (theirs === null)) {
          problems.push(`${i} ${p.kind}: ours ${ours ? ours.rms.toFixed(4) : 'none'}, pymatgen ${theirs ? theirs[0].toFixed(4) : 'none'}`);
          return;
        }
        if (ours && theirs) {
          compared++;
          if (Math.abs(ours.rms - theirs[0]) > 1e-6 || Math.abs(ours.maxDistance - theirs[1]) > 1e-6) {
            problems.push(`${i} ${p.kind}: rms ${ours.rms} vs ${theirs[0]}, max ${ours.maxDistance} vs ${theirs[1]}`);
          }
          // The CSP match (rms below stol) is looser than fit (every displacement below stol).
          if (structuresMatch(a, b, CSP_TOLERANCES)) expect(ours.maxDistance).toBeLessThan(CSP_TOLERANCES.stol);
        }
      });
      // Both outcomes, and RMS values spread over the range, or the comparison says little.
      expect(problems).toEqual([]);
      const found = reference.filter((r): r is [number, number] => r !== null);
      expect(found.length).toBeGreaterThan(15);
      expect(reference.length - found.length).toBeGreaterThan(5);
      expect(Math.max(...found.map((r) => r[0])) / Math.min(...found.map((r) => r[0]))).toBeGreaterThan(5);
      expect(compared).toBe(found.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
