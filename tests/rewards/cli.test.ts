/** `cfstudio reward check | hull | score` through the CLI entry point. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { writeCifP1 } from '../../shared/io/index.ts';
import { buildStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { cscl, nacl, rutile } from './candidates.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfstudio-reward-cli-'));
const EXAMPLES = join(import.meta.dirname, '../../resources/rewards');

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(args, { log: () => {}, out: (t) => (out += t) });
  return { code, out };
}

beforeAll(async () => {
  await initSymmetry();
  writeFileSync(
    join(dir, 'hull.csv'),
    'material_id,formula_sum,formation_energy_per_atom\nt-1,Na1 Cl1,-1.0\nt-2,Na2 Cl1,-0.5\nt-3,Ti1 O2,-3.4\n',
  );
  writeFileSync(join(dir, 'nacl.cif'), writeCifP1(nacl().structure));
  writeFileSync(join(dir, 'cscl.cif'), writeCifP1(cscl().structure));
  writeFileSync(join(dir, 'rutile.cif'), writeCifP1(rutile().structure));
});

describe('cfstudio reward', () => {
  it('check lists the terms of an example spec and says the hull is a proxy', async () => {
    const { code, out } = await run(['reward', 'check', join(EXAMPLES, 'stability-proxy.json')]);
    expect(code).toBe(0);
    expect(out).toMatch(/valid reward spec/);
    expect(out).toMatch(/ehull\s+E_hull proxy, formation energy from predictor 'formation_energy'/);
    expect(out).toMatch(/PROXY against a PARTIAL reference.*not a DFT convex hull/);
  });

  it('check rejects a bad spec in one line naming the JSON path', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: 1, reward: { kind: 'predictor', predictor: 'x', transform: { kind: 'log', floor: -1 } } }));
    const { code } = await run(['reward', 'check', join(dir, 'bad.json')]);
    expect(code).toBe(1);
  });

  it('hull prints the hand-worked binary hull', async () => {
    const { code, out } = await run(['reward', 'hull', 'Na2Cl', '--energy=-0.5', '--reference', join(dir, 'hull.csv'), '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { hullEnergy: number; eAboveHull: number; phases: { id: string; atomFraction: number }[]; note: string };
    expect(result.hullEnergy).toBeCloseTo(-2 / 3, 9);
    expect(result.eAboveHull).toBeCloseTo(1 / 6, 9);
    expect(result.phases.map((p) => p.id)).toEqual(['t-1', 'element:Na']);
    expect(result.note).toMatch(/PROXY/);
  });

  it('score runs a spec with a command oracle over structure files', async () => {
    const spec = {
      version: 1,
      reward: { kind: 'oracle', name: 'ext', oracle: { type: 'command', command: process.execPath, args: [join(import.meta.dirname, 'fixtures/oracle.mjs'), 'errors'] } },
      constraints: { elements: { forbidden: ['Cs'] } },
      penalty: -7,
      failureReward: -9,
    };
    writeFileSync(join(dir, 'oracle.json'), JSON.stringify(spec));
    const files = ['nacl.cif', 'cscl.cif', 'rutile.cif'].map((f) => join(dir, f));
    const { code, out } = await run(['reward', 'score', join(dir, 'oracle.json'), ...files, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { reward: number[]; failures: { invalid: number; unscored: number; terms: Record<string, { errors: number }> } };
    // NaCl: the oracle refuses chlorides → failureReward; CsCl: forbidden → penalty; rutile: 6/2 + 136/1000.
    expect(result.reward).toEqual([-9, -7, 3.136]);
    expect(result.failures.invalid).toBe(1);
    expect(result.failures.unscored).toBe(1);
    expect(result.failures.terms.ext!.errors).toBe(1);
  });

  it('score gives a crystal with overlapping atoms the structural penalty instead of failing its symmetry analysis', async () => {
    // A generated FeF2 (C2/c) whose two F orbits lie 0.018 Å apart: moyo merges them at the default tolerance and
    // the analysis fails ("the orbit of F … has 4 points but the standardized cell holds 8"); the file was reported
    // as unreadable and dropped instead of getting the spec's verdict.
    const overlapping = buildStructure({
      spaceGroup: 15,
      lattice: { a: 4.66476043, b: 7.25547246, c: 8.68483845, alpha: 90, beta: 136.27107397, gamma: 90 },
      sites: [
        { letter: 'a', species: 'Fe', frac: [0, 0, 0] },
        { letter: 'e', species: 'F', frac: [0, 0.36486773, 0.25] },
        { letter: 'e', species: 'F', frac: [0, 0.36738, 0.25] },
      ],
    });
    writeFileSync(join(dir, 'overlapping.cif'), writeCifP1(overlapping));
    const spec = { version: 1, reward: { kind: 'predictor', predictor: 'min_distance' }, constraints: { validity: { structural: true } }, penalty: -3 };
    writeFileSync(join(dir, 'structural.json'), JSON.stringify(spec));
    const files = [join(dir, 'overlapping.cif'), join(dir, 'rutile.cif')];
    const { code, out } = await run(['reward', 'score', join(dir, 'structural.json'), ...files, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { files: string[]; reward: number[]; failed: unknown[]; failures: { invalid: number; constraints: Record<string, number> } };
    expect(result.failed).toEqual([]);
    expect(result.files).toEqual(files);
    expect(result.reward[0]).toBe(-3);
    expect(result.failures.constraints['validity.structural']).toBe(1);
    // Rutile's shortest distance (Ti–O ≈ 1.95 Å), scored as before.
    expect(result.reward[1]).toBeGreaterThan(1.9);
    expect(result.reward[1]).toBeLessThan(2.0);
  });

  it('score explains a predictor that is not registered', async () => {
    // (band_gap and dielectric_total are shipped in models/ and registered by the CLI; this name is not.)
    writeFileSync(join(dir, 'unregistered.json'), JSON.stringify({ version: 1, reward: { kind: 'predictor', predictor: 'refractive_index' } }));
    const { code } = await run(['reward', 'score', join(dir, 'unregistered.json'), join(dir, 'nacl.cif')]);
    expect(code).toBe(1);
  });
});
