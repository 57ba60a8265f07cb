// Relaxed E_hull of an RL run's best candidates (electron/rewards/relaxed-best.ts). With the shipped M3GNet: rock salt
// squeezed to a = 5.0 Å (single point far above the hull) relaxes back onto it — NaCl is on the Materials Project hull
// (mp-22862) — and the value equals `cfstudio relax`'s E_hull for the same CIF; a candidate with atoms 0.3 Å apart gets
// null; an annotated candidate is not relaxed again. Which runs relax by default: those whose reward uses potential_ehull.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPotentialDir } from '../../electron/engine/potential/load.ts';
import type { BestCandidate } from '../../electron/engine/rl/finetune.ts';
import { defaultHullReferencePath } from '../../electron/rewards/hull.ts';
import { relaxedBestAnnotator, rewardUsesPotentialEHull } from '../../electron/rewards/relaxed-best.ts';
import { evaluateReward } from '../../electron/rewards/index.ts';
import type { RelaxationRecord } from '../../electron/screening/records.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { runCli } from '../cli/run-cli.ts';
import { candidate, nacl } from './candidates.ts';

const m3gnet = existsSync(join(defaultPotentialDir(), 'model.safetensors'));
const stabilityData = defaultHullReferencePath() !== undefined;
const PRESETS = join(import.meta.dirname, '..', '..', 'resources', 'rewards');

await initSymmetry();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-relaxed-best-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function best(cif: string, formula: string, extra: Partial<BestCandidate> = {}): BestCandidate {
  return { step: 1, reward: 0, terms: {}, formula, spaceGroup: 225, wyckoffLabel: '', logp: 0, cif, ...extra };
}

describe('rewardUsesPotentialEHull', () => {
  it('is true for the stability preset and a nested potential_ehull term, false for the proxy and the validity presets', () => {
    const preset = (name: string) => JSON.parse(readFileSync(join(PRESETS, name), 'utf8')) as unknown;
    expect(rewardUsesPotentialEHull(preset('stability.json'))).toBe(true);
    expect(rewardUsesPotentialEHull(preset('stability-proxy.json'))).toBe(false);
    expect(rewardUsesPotentialEHull(preset('structural-validity.json'))).toBe(false);
    expect(rewardUsesPotentialEHull({ version: 1, reward: { kind: 'sum', terms: [{ term: { kind: 'predictor', predictor: 'band_gap' } }, { term: { kind: 'potential_ehull' } }] } })).toBe(true);
    expect(rewardUsesPotentialEHull({ version: 1, reward: { kind: 'energy_per_atom' } })).toBe(false);
  });
});

describe.skipIf(!m3gnet || !stabilityData)('with the shipped M3GNet potential and the stability data', () => {
  it('relaxes squeezed rock salt onto the hull (as `cfstudio relax` does), gives overlapping atoms null, skips annotated ones', async () => {
    const squeezed = nacl(5.0);
    // Cs and Cl 0.3 Å apart: the potential cannot judge such a cell.
    const tooClose = candidate({
      spaceGroup: 1,
      lattice: { a: 4, b: 4, c: 4, alpha: 90, beta: 90, gamma: 90 },
      sites: [{ letter: 'a', species: 'Cs', frac: [0, 0, 0] }, { letter: 'a', species: 'Cl', frac: [0.075, 0, 0] }],
    });
    const list = [best(squeezed.cif, 'NaCl'), best(tooClose.cif, 'CsCl'), best(nacl().cif, 'NaCl', { relaxedEHull: 0.123 })];
    const lines: string[] = [];
    await relaxedBestAnnotator({ log: (l) => lines.push(l) })(list);

    const single = (await evaluateReward({ version: 1, reward: { kind: 'potential_ehull', name: 'e_hull' } }, [squeezed])).terms['e_hull']![0]!;
    expect(single).toBeGreaterThan(0.1); // far from the minimum as given
    expect(Math.abs(list[0]!.relaxedEHull!)).toBeLessThan(0.05); // back on the hull after relaxing
    expect(list[1]!.relaxedEHull).toBeNull();
    expect(list[2]!.relaxedEHull).toBe(0.123);
    expect(lines.join('\n')).toMatch(/1 of 2 with a relaxed E_hull/);

    const file = join(dir, 'squeezed.cif');
    writeFileSync(file, squeezed.cif);
    const { code } = await runCli(['relax', file, '--out', join(dir, 'relaxed'), '--steps', '300']);
    expect(code).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, 'relaxed', 'relaxed.jsonl'), 'utf8').trim().split('\n')[0]!) as RelaxationRecord;
    expect(list[0]!.relaxedEHull).toBeCloseTo(record.eHull!, 3);
  }, 300_000);
});
