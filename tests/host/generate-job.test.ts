// The 'generate' job in the real engine host process with the shipped model (models/default). The model's
// weights change as training improves, so nothing here depends on what it samples — only on invariants: every
// stored row is a CIF that parses back to the row's own structure, carries the requested space group, and the
// job's streamed summaries agree with the library.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api/contract.ts';
import type { GeneratedCandidate, JobResult } from '../../shared/api/jobs.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { listModels } from '../../electron/host/models.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { until } from './fixtures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-generate-'));
const events: ApiEvent[] = [];
const supervisor = new JobSupervisor({
  workspace,
  launcher: nodeHostLauncher({ forwardStderr: false }),
  onEvent: (event) => events.push(event),
  log: () => {},
});

beforeAll(async () => {
  await supervisor.start();
});
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('generate job', () => {
  it('lists the shipped model with its card facts', () => {
    const { models } = listModels();
    const model = models.find((m) => m.name === 'default');
    expect(model).toBeDefined();
    expect(model!.parameterCount).toBeGreaterThan(0);
    // The card's space-group counts are the training distribution: 230 groups, summing to the training set size.
    expect(model!.spaceGroupCounts).toHaveLength(230);
    expect(model!.spaceGroupCounts.reduce((a, b) => a + b, 0)).toBe(model!.trainCrystals);
  });

  it('generates 10 rock-salt-prompted crystals into the library, each CIF parsing back with the requested group stored', async () => {
    const job = supervisor.submit('generate', {
      spaceGroups: [225],
      wyckoff: { letters: ['a', 'b'], complete: true },
      siteElements: [['Na'], ['Cl']],
      n: 10,
      seed: 7,
      batchSize: 10,
    });
    const done = await supervisor.waitFor(job.id);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('completed');
    const result = done.result as JobResult<'generate'>;
    expect(result.generated).toBe(10);
    expect(result.seed).toBe(7);
    const outputs = supervisor.outputs(job.id) as GeneratedCandidate[];
    expect(outputs).toHaveLength(10);

    const library = openLibrary(workspace, { readonly: true });
    try {
      const page = library.queryStructures({ runId: result.runId, limit: 100 });
      expect(page.total).toBe(result.stored);
      expect(result.stored).toBe(outputs.filter((o) => o.id !== null).length);
      // A 4a+4b prompt has no free coordinate, so every sample builds (8 atoms, Na4Cl4).
      expect(result.stored).toBe(10);
      for (const row of page.rows) {
        const full = library.getStructure(row.id)!;
        expect(full.spaceGroupRequested).toBe(225);
        expect(full.source).toBe('generated');
        expect(full.tokens?.[0]).toBe(225);
        const parsed = readCifStructure(full.cif, { fileName: `row-${row.id}.cif` });
        expect(parsed.structure.numSites).toBe(8);
        expect(parsed.structure.sites.map((s) => s.species).sort()).toEqual(['Cl', 'Cl', 'Cl', 'Cl', 'Na', 'Na', 'Na', 'Na']);
        expect(row.formula).toBe('NaCl');
        // Stored validity agrees with an independent recomputation from the parsed CIF.
        const minDistance = parsed.structure.minimumDistance();
        expect(full.validity['minDistance'] as number).toBeCloseTo(minDistance, 3);
        expect(full.valid).toBe(minDistance >= 0.5);
        const streamed = outputs.find((o) => o.id === row.id)!;
        expect(streamed.spaceGroupRequested).toBe(225);
        expect(streamed.logProbability).toBeCloseTo(row.logProbability!, 6);
      }
      const run = library.getRun(result.runId)!;
      expect(run.kind).toBe('generate');
      expect(run.status).toBe('completed');
      expect(run.timings['sample']).toBeGreaterThan(0);
      expect(run.finishedAt).not.toBeNull();
    } finally {
      library.close();
    }
    expect(events.some((e) => e.type === 'library-changed')).toBe(true);
  }, 120_000);

  it('cancel mid-run keeps the crystals stored so far and marks the run cancelled', async () => {
    // Unprompted sampling from the training distribution, small batches so cancel lands between them.
    const job = supervisor.submit('generate', { n: 2000, seed: 3, batchSize: 4 });
    await until(() => supervisor.get(job.id).outputCount >= 5, 60_000);
    supervisor.cancel(job.id);
    const done = await supervisor.waitFor(job.id);
    expect(done.status).toBe('cancelled');
    const outputs = supervisor.outputs(job.id) as GeneratedCandidate[];
    expect(outputs.length).toBeGreaterThanOrEqual(5);
    expect(outputs.length).toBeLessThan(2000);
    const library = openLibrary(workspace, { readonly: true });
    try {
      const runs = library.listRuns({ kind: 'generate' });
      const run = runs.find((r) => r.status === 'cancelled');
      expect(run).toBeDefined();
      const stored = library.queryStructures({ runId: run!.id, limit: 1000 });
      // Every streamed crystal that was built is in the library; nothing else is.
      expect(stored.rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(outputs.flatMap((o) => (o.id === null ? [] : [o.id])).sort((a, b) => a - b));
      for (const row of stored.rows) expect(readCifStructure(library.getStructure(row.id)!.cif).structure.numSites).toBeGreaterThan(0);
    } finally {
      library.close();
    }
  }, 120_000);

  it('fails at once with a readable reason for an impossible prompt, storing nothing', async () => {
    // Fm-3m has Wyckoff positions a … l; 'z' does not exist there.
    const bad = supervisor.submit('generate', { spaceGroups: [225], wyckoff: { letters: ['a', 'z'], complete: true }, n: 5 });
    const failed = await supervisor.waitFor(bad.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/space group 225 \(Fm-3m\) has no Wyckoff position 'z'/);
    // An unknown element symbol is refused at submit, naming the field.
    expect(() => supervisor.submit('generate', { spaceGroups: [221], elements: ['Xx'], n: 5 })).toThrow(/params\.elements\[0\]: not an element of the periodic table/);
    // And a malformed request never reaches the queue.
    expect(() => supervisor.submit('generate', { n: 0 })).toThrow(/params\.n/);
    expect(supervisor.outputs(bad.id)).toHaveLength(0);
  }, 60_000);
});
