// The 'csp' job in the real engine host with the shipped model: rock salt's formula and cell (NaCl, Z = 4, Fm-3m)
// leave only Wyckoff sequences with 4 Na and 4 Cl, so every ranked candidate — read back from its own CIF — is
// NaCl with 8 atoms in the conventional cell; the ranks run 1, 2, … ; an impossible request (NaCl with Z = 1 in
// Fm-3m, whose smallest orbit has 4 sites) fails with the plan's one-line error. The job and `cfstudio csp` go
// through the same functions (electron/csp/session.ts), so one request gives the same ranked CIFs in both.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CspCandidateOutput, JobResult } from '../../shared/api/jobs.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { runCli } from '../cli/run-cli.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-csp-job-'));
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false }), onEvent: () => {}, log: () => {} });

beforeAll(async () => {
  await supervisor.start();
});
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('csp job', () => {
  it('NaCl, Z = 4 in Fm-3m: every ranked candidate is NaCl with 8 atoms, ranked 1, 2, …', async () => {
    const job = await supervisor.waitFor(supervisor.submit('csp', { formula: 'NaCl', zs: [4], spaceGroups: [225], n: 12, top: 10, seed: 3, batchSize: 12 }).id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'csp'>;
    expect(result.formula).toBe('NaCl');
    expect(result.sampled).toBe(12);
    const outputs = supervisor.outputs(job.id) as CspCandidateOutput[];
    expect(outputs.length).toBeGreaterThan(0);
    expect(outputs.length).toBe(Math.min(10, result.distinct));
    expect(outputs.map((o) => o.rank)).toEqual(outputs.map((_, i) => i + 1));
    for (const candidate of outputs) {
      expect(candidate.formula).toBe('NaCl');
      expect(candidate.z).toBe(4);
      expect(candidate.atoms).toBe(8);
      const structure = readCifStructure(candidate.cif).structure;
      expect(Composition.fromStructure(structure).reducedFormula).toBe('NaCl');
      expect(structure.numSites).toBe(8);
      expect(Number.isFinite(candidate.logp)).toBe(true);
    }
    // Ranked by energy when the potential is there, else by log-likelihood: either way monotone.
    if (result.ranking === 'log-likelihood') {
      for (let i = 1; i < outputs.length; i++) expect(outputs[i]!.logp).toBeLessThanOrEqual(outputs[i - 1]!.logp);
    } else {
      const energies = outputs.map((o) => o.energyPerAtom).filter((e): e is number => e !== null);
      for (let i = 1; i < energies.length; i++) expect(energies[i]!).toBeGreaterThanOrEqual(energies[i - 1]!);
    }
  }, 300_000);

  it('gives the same ranked candidates as `cfstudio csp` for the same request (space groups chosen by the model)', async () => {
    // MgO over the groups the model weighs, Z = 1 or 2: more than one group and more than one distinct candidate.
    const job = await supervisor.waitFor(supervisor.submit('csp', { formula: 'MgO', zs: [1, 2], n: 24, top: 8, seed: 5, batchSize: 24 }).id);
    expect(job.error).toBeUndefined();
    const outputs = supervisor.outputs(job.id) as CspCandidateOutput[];
    const out = join(workspace, 'cli-mgo');
    const cli = await runCli(['csp', 'MgO', '--z', '1,2', '-n', '24', '--top', '8', '--seed', '5', '--batch-size', '24', '--out', out, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const summary = JSON.parse(cli.out) as { ranking: string; distinct: number; spaceGroupChoice: string; candidates: { rank: number; file: string | null; energyPerAtom: number | null; logp: number }[] };
    expect(summary.spaceGroupChoice).toBe('model');
    expect(summary.ranking).toBe((job.result as JobResult<'csp'>).ranking);
    expect(summary.distinct).toBe((job.result as JobResult<'csp'>).distinct);
    expect(outputs.length).toBeGreaterThan(1);
    for (const output of outputs) {
      const row = summary.candidates[output.rank - 1]!;
      expect(row.rank).toBe(output.rank);
      expect(row.logp).toBe(output.logp);
      expect(row.energyPerAtom).toBe(output.energyPerAtom);
      const file = join(out, row.file!);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(output.cif);
    }
  }, 600_000);

  it('an impossible formula fails with a one-line error naming the group', async () => {
    const job = await supervisor.waitFor(supervisor.submit('csp', { formula: 'NaCl', zs: [1], spaceGroups: [225], n: 4 }).id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^no Wyckoff combination of space group 225 \(Fm-3m\) gives NaCl with Z = 1/);
    expect(job.error).not.toContain('\n');
  }, 120_000);

  it('cancel stops sampling; the job ends cancelled without streaming a ranking', async () => {
    const submitted = supervisor.submit('csp', { formula: 'NaCl', zs: [4], spaceGroups: [225], n: 1_000_000, batchSize: 16 });
    const started = Date.now();
    while ((supervisor.get(submitted.id).progress?.done ?? 0) < 16) {
      if (Date.now() - started > 120_000) throw new Error('csp sampled nothing');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    supervisor.cancel(submitted.id);
    const job = await supervisor.waitFor(submitted.id);
    expect(job.status).toBe('cancelled');
    expect(supervisor.outputs(job.id)).toEqual([]);
  }, 180_000);
});
