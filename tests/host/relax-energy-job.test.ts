// The 'relax' and 'energy' jobs in the real engine host, with a Lennard-Jones potential folder (potential.json), so
// every number can be checked against the potential itself: the streamed trajectory is the relaxation's (energies
// falling from the start to the reported final energy, one 'step' item per evaluation), the relaxed CIF holds the
// structure whose energy is reported, a broken file is one failed item naming its line, and cancel stops a long
// relaxation with the job cancelled. Facts: rock salt NaCl is Fm-3m (225); every ion sits on an inversion centre,
// so no force acts on it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnergyOutput, JobResult, RelaxOutput } from '../../shared/api/jobs.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { LennardJonesPotential } from '../../electron/engine/potential/analytic.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { BROKEN_CIF, CSCL, NACL, bigSupercellCif } from './fixtures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-relax-job-'));
// A long grace before a cancel kills the host: the cancel test checks that the job stops by itself (it reports the
// cancelled relaxation, which a killed host could not), and a loaded machine can make one step slow.
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false }), onEvent: () => {}, log: () => {}, cancelGraceMs: 60_000 });
const LJ = { sigma: 2.8, epsilon: 0.05, rc: 7.0, ro: 5.5, smooth: true };
const ljDir = join(workspace, 'lj');

beforeAll(async () => {
  await initSymmetry();
  mkdirSync(ljDir);
  writeFileSync(join(ljDir, 'potential.json'), JSON.stringify({ kind: 'lennard-jones', ...LJ }));
  await supervisor.start();
}, 60_000);
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

type Step = Extract<RelaxOutput, { kind: 'step' }>;
type Relaxed = Extract<RelaxOutput, { kind: 'relaxed' }>;

describe('relax job', () => {
  it('streams each step and each result; the relaxed CIF holds the reported energy; a broken file fails alone', async () => {
    const job = await supervisor.waitFor(
      supervisor.submit('relax', {
        sources: [{ name: 'NaCl.cif', text: NACL.cif }, { name: 'CsCl.cif', text: CSCL.cif }, { name: 'broken.cif', text: BROKEN_CIF }],
        potential: ljDir,
        fmax: 0.005,
        frames: true,
      }).id,
    );
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'relax'>;
    expect(result).toMatchObject({ relaxed: 2, converged: 2, notConverged: 0, exploded: 0, failed: 1 });
    expect(result.potential).toMatch(/^LennardJones/);
    const outputs = supervisor.outputs(job.id) as RelaxOutput[];
    const failed = outputs.filter((o) => o.kind === 'failed');
    expect(failed).toEqual([{ kind: 'failed', source: 'broken.cif', error: expect.stringMatching(/^broken\.cif:3: _cell_length_a/) }]);
    const potential = new LennardJonesPotential(LJ);
    for (const relaxed of outputs.filter((o): o is Relaxed => o.kind === 'relaxed')) {
      const steps = outputs.filter((o): o is Step => o.kind === 'step' && o.index === relaxed.index);
      expect(steps.map((s) => s.step)).toEqual(Array.from({ length: relaxed.steps + 1 }, (_, k) => k));
      expect(steps[0]!.energy).toBe(relaxed.initialEnergy);
      expect(steps.at(-1)!.energy).toBe(relaxed.energy);
      expect(steps.at(-1)!.fmax).toBe(relaxed.fmax);
      expect(relaxed.energy!).toBeLessThan(relaxed.initialEnergy!);
      // The frames are the structures evaluated: the last one's energy is the reported one.
      const last = steps.at(-1)!;
      const frame = readCifStructure(relaxed.cif!).structure;
      expect(analyzeStructure(frame).spaceGroup).toBe(relaxed.spaceGroupBefore);
      expect(potential.computeOne(frame).energy / frame.numSites).toBeCloseTo(relaxed.energyPerAtom!, 5);
      expect(last.frac!.length).toBe(relaxed.atoms);
      expect(last.lattice!.length).toBe(3);
    }
  }, 120_000);

  it('cancel stops a long relaxation after the current step; the job ends cancelled', async () => {
    // A 64-atom P1 cell relaxing to fmax 1e-9: many steps.
    const submitted = supervisor.submit('relax', { sources: [{ name: 'big.cif', text: bigSupercellCif(2) }], potential: ljDir, fmax: 1e-9, maxSteps: 100_000, keepSymmetry: false });
    const started = Date.now();
    while (supervisor.get(submitted.id).outputCount < 2) {
      if (Date.now() - started > 60_000) throw new Error('relax made no progress');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    supervisor.cancel(submitted.id);
    const job = await supervisor.waitFor(submitted.id);
    expect(job.status).toBe('cancelled');
    const outputs = supervisor.outputs(job.id) as RelaxOutput[];
    expect(outputs.length).toBeLessThan(100_000);
    // The cancelled relaxation is still reported, with its status.
    expect(outputs.filter((o): o is Relaxed => o.kind === 'relaxed').map((o) => o.status)).toEqual(['cancelled']);
  }, 120_000);

  it('refuses params without structures, and fails with a readable reason for a missing potential folder', async () => {
    expect(() => supervisor.submit('relax', { potential: ljDir })).toThrow(/params\.sources: give either sources/);
    const job = await supervisor.waitFor(supervisor.submit('relax', { sources: [{ name: 'NaCl.cif', text: NACL.cif }], potential: join(workspace, 'nowhere') }).id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/nowhere: no such potential folder/);
  }, 60_000);
});

describe('energy job', () => {
  it('gives the potential’s energy, forces and stress in GPa per structure; a broken file fails alone', async () => {
    const job = await supervisor.waitFor(supervisor.submit('energy', { sources: [{ name: 'NaCl.cif', text: NACL.cif }, { name: 'broken.cif', text: BROKEN_CIF }], potential: ljDir }).id);
    expect(job.status).toBe('completed');
    expect(job.result as JobResult<'energy'>).toMatchObject({ computed: 1, failed: 1 });
    const outputs = supervisor.outputs(job.id) as EnergyOutput[];
    const ok = outputs.find((o): o is Extract<EnergyOutput, { ok: true }> => o.ok)!;
    const expected = new LennardJonesPotential(LJ).computeOne(readCifStructure(NACL.cif).structure);
    expect(ok.energy).toBeCloseTo(expected.energy, 10);
    expect(ok.stressGPa[0][0]).toBeCloseTo(expected.stress![0]![0]! * 160.21766208, 8);
    expect(ok.maxForce).toBeLessThan(1e-10);
    expect(ok.spaceGroup).toBe(225);
    expect(outputs.find((o) => !o.ok)).toMatchObject({ ok: false, source: 'broken.cif' });
  }, 60_000);
});
