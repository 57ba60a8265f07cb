// The 'mcmc' job in the real engine host with the shipped model. What the chains settle on depends on the
// model's weights, so the checks are on what the template fixes: Fm-3m, Cl on 4b (½,½,½ and its F-centred
// images), one masked element on 4a (0,0,0 …), and the annealing schedule's temperatures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, McmcOutput } from '../../shared/api/jobs.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { openLibrary } from '../../electron/library/index.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-mcmc-'));
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false }), onEvent: () => {}, log: () => {} });

beforeAll(async () => {
  await supervisor.start();
});
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

/** Fm-3m 4a and 4b orbits in the conventional cell (International Tables vol. A). */
const FCC = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
const ORBIT_4A = FCC.map((t) => t.join(','));
const ORBIT_4B = FCC.map((t) => t.map((x) => (x + 0.5) % 1).join(','));
const key = (frac: readonly number[]) => frac.map((x) => { const r = Math.round((((x % 1) + 1) % 1) * 4) / 4; return r === 1 ? 0 : r; }).join(',');

describe('mcmc job', () => {
  it("fills 'a:?,b:Cl' in 225 with 4 chains × 2 sweeps: sweep statistics streamed, 4 library rows with Cl on 4b", async () => {
    const job = await supervisor.waitFor(
      supervisor.submit('mcmc', { spaceGroup: 225, template: 'a:?,b:Cl', elements: ['Na', 'K', 'Rb', 'Cs'], chains: 4, sweeps: 2, tStart: 5, tEnd: 1, width: 0.1, seed: 3, model: 'default' }).id,
    );
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'mcmc'>;
    const outputs = supervisor.outputs(job.id) as McmcOutput[];
    const sweeps = outputs.filter((o) => o.kind === 'sweep');
    expect(sweeps.map((s) => s.sweep)).toEqual([1, 2]);
    // Two sweeps annealed 5 → 1: the first runs at T_start, the last at T_end.
    expect(sweeps[0]!.temperature).toBeCloseTo(5, 9);
    expect(sweeps[1]!.temperature).toBeCloseTo(1, 9);
    for (const s of sweeps) {
      expect(s.acceptance).toBeGreaterThanOrEqual(0);
      expect(s.acceptance).toBeLessThanOrEqual(1);
      expect(s.maxLogp).toBeGreaterThanOrEqual(s.meanLogp);
    }
    // The same statistics are in mcmc.jsonl in the job folder.
    const lines = readFileSync(join(job.outputDir, 'mcmc.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { sweep: number; acceptance: number });
    expect(lines.map((l) => [l.sweep, l.acceptance])).toEqual(sweeps.map((s) => [s.sweep, s.acceptance]));

    const crystals = outputs.filter((o) => o.kind === 'crystal');
    expect(crystals).toHaveLength(4);
    expect(result.stored).toBe(4);
    expect(result.steps).toBe(2); // one movable site (the masked 4a element), visited once per sweep
    const library = openLibrary(workspace, { readonly: true });
    try {
      const page = library.queryStructures({ runId: result.runId, limit: 100 });
      expect(page.total).toBe(4);
      expect(library.getRun(result.runId)!.kind).toBe('mcmc');
      for (const row of page.rows) {
        const full = library.getStructure(row.id)!;
        expect(full.source).toBe('mcmc');
        expect(full.spaceGroupRequested).toBe(225);
        // Tokens: group, then (Wyckoff index, Z) per site — a (1) with an alkali metal, b (2) with Cl (17).
        expect(Array.from(full.tokens!)).toEqual([225, 1, full.tokens![2]!, 2, 17]);
        expect([11, 19, 37, 55]).toContain(full.tokens![2]);
        const { structure } = readCifStructure(full.cif, { fileName: `row-${row.id}.cif` });
        expect(structure.numSites).toBe(8);
        const chlorine = structure.sites.filter((s) => s.species === 'Cl').map((s) => key(s.frac)).sort();
        expect(chlorine).toEqual([...ORBIT_4B].sort());
        const metal = structure.sites.filter((s) => s.species !== 'Cl').map((s) => key(s.frac)).sort();
        expect(metal).toEqual([...ORBIT_4A].sort());
        expect(crystals.some((c) => c.id === row.id && c.formula === row.formula)).toBe(true);
      }
    } finally {
      library.close();
    }
  }, 120_000);

  it('cancel between sweeps ends the job as cancelled, marks the run cancelled and stores nothing', async () => {
    const submitted = supervisor.submit('mcmc', { spaceGroup: 225, template: 'a:?,b:Cl', chains: 4, sweeps: 100_000, seed: 1 });
    const started = Date.now();
    while (supervisor.get(submitted.id).outputCount < 2) {
      if (Date.now() - started > 60_000) throw new Error('mcmc made no progress');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    supervisor.cancel(submitted.id);
    const job = await supervisor.waitFor(submitted.id);
    expect(job.status).toBe('cancelled');
    const outputs = supervisor.outputs(job.id) as McmcOutput[];
    expect(outputs.every((o) => o.kind === 'sweep')).toBe(true);
    expect(outputs.length).toBeLessThan(100_000);
    const library = openLibrary(workspace, { readonly: true });
    try {
      const run = library.listRuns({ kind: 'mcmc' }).find((r) => r.status === 'cancelled');
      expect(run).toBeDefined();
      expect(run!.error).toMatch(/cancelled by the user after \d+ of 100000 sweeps/);
      expect(library.queryStructures({ runId: run!.id, limit: 10 }).total).toBe(0);
    } finally {
      library.close();
    }
  }, 60_000);

  it('fails with a readable reason for a bad template, and refuses malformed params', async () => {
    const badLetter = await supervisor.waitFor(supervisor.submit('mcmc', { spaceGroup: 225, template: 'a:?,z:Cl', chains: 2, sweeps: 1 }).id);
    expect(badLetter.status).toBe('failed');
    expect(badLetter.error).toMatch(/template site 2 \(z\): space group 225 \(Fm-3m\) has no Wyckoff position 'z'/);
    const nothingToSample = await supervisor.waitFor(supervisor.submit('mcmc', { spaceGroup: 225, template: 'a:Na,b:Cl', chains: 2, sweeps: 1 }).id);
    expect(nothingToSample.status).toBe('failed');
    expect(nothingToSample.error).toMatch(/nothing to sample/);
    expect(() => supervisor.submit('mcmc', { spaceGroup: 231, template: 'a:?' })).toThrow(/params\.spaceGroup/);
  }, 60_000);
});
