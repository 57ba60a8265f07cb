// Generation through browser mode, end to end: the real server and engine host, the shipped model, the same
// ApiClient the renderer uses. "Generate 10 crystals with the shipped model, see them in the library, export
// them." The model's weights change as it is retrained, so only invariants are checked (counts, the requested
// group, CIFs that parse, streamed events that agree with the library).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, type ApiClient } from '../../shared/api/client.ts';
import { createBrowserTransport, type WebSocketConstructor } from '../../shared/api/browser-transport.ts';
import type { ApiEvent } from '../../shared/api/contract.ts';
import type { GeneratedCandidate, JobInfo, JobResult } from '../../shared/api/jobs.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { startBrowserMode, type BrowserMode } from '../../electron/server/start.ts';
import { waitForJob } from './wait-for-job.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-generate-server-'));
let mode: BrowserMode;
let client: ApiClient;
let transport: ReturnType<typeof createBrowserTransport>;
const events: ApiEvent[] = [];

const finished = (id: string): Promise<JobInfo> => waitForJob(client, id, 90_000);

beforeAll(async () => {
  await initSymmetry();
  mode = await startBrowserMode({ workspace, port: 0, rendererDir: join(workspace, 'no-renderer'), log: () => {} });
  transport = createBrowserTransport({ baseUrl: `http://127.0.0.1:${mode.server.port}`, token: mode.server.token, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
  client = createApiClient(transport);
  client.on('job-output', (e) => events.push(e));
  client.on('library-changed', (e) => events.push(e));
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the event socket open
});

afterAll(async () => {
  transport.close();
  await mode.close();
  rmSync(workspace, { recursive: true, force: true });
});

describe('generation over the API', () => {
  it('lists the shipped model and its training space-group counts', async () => {
    const models = await client.call('models.list', {});
    const model = models.find((m) => m.name === 'default')!;
    expect(model).toBeDefined();
    expect(model.spaceGroupCounts).toHaveLength(230);
    expect(model.validationNll).toBeGreaterThan(0);
    expect((await client.call('app.info', {})).jobTypes).toContain('generate');
  });

  it('generates 10 crystals with the shipped model, shows them in the library and exports them', async () => {
    const job = await client.submitJob('generate', { spaceGroups: [221, 225], n: 10, seed: 11, batchSize: 10, maxAtoms: 40 });
    const done = await finished(job.id);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('completed');
    const result = done.result as JobResult<'generate'>;
    expect(result.generated).toBe(10);

    // Every output was pushed over the WebSocket, in order.
    const pushed = events.filter((e): e is Extract<ApiEvent, { type: 'job-output' }> => e.type === 'job-output' && e.jobId === job.id);
    expect(pushed.map((e) => e.index)).toEqual([...Array(10).keys()]);
    const candidates = pushed.map((e) => e.item as GeneratedCandidate);
    for (const c of candidates) expect([221, 225]).toContain(c.spaceGroupRequested);
    expect(events.some((e) => e.type === 'library-changed')).toBe(true);

    // The library shows exactly the stored ones, newest run filter included.
    const page = await client.call('library.query', { runId: result.runId, sort: { by: 'logProbability', direction: 'desc' } });
    expect(page.total).toBe(result.stored);
    expect(page.rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(candidates.flatMap((c) => (c.id ? [c.id] : [])).sort((a, b) => a - b));
    const logps = page.rows.map((r) => r.logProbability!);
    expect(logps).toEqual([...logps].sort((a, b) => b - a));
    for (const row of page.rows) {
      expect(row.source).toBe('generated');
      expect([221, 225]).toContain(row.spaceGroupRequested);
      expect(row.numSites).toBeLessThanOrEqual(40);
    }
    // Filtering by requested group splits them.
    const in225 = await client.call('library.query', { runId: result.runId, requestedSpaceGroups: [225] });
    expect(in225.total).toBe(candidates.filter((c) => c.id !== null && c.spaceGroupRequested === 225).length);

    // Export all of the run's rows as a zip and download it.
    const exportJob = await client.submitJob('export-structures', { selection: { query: { runId: result.runId } }, format: 'zip' });
    const exported = await finished(exportJob.id);
    expect(exported.status).toBe('completed');
    const files = exported.result as { path: string; count: number; files: string[] };
    expect(files.count).toBe(result.stored);
    const response = await fetch(`http://127.0.0.1:${mode.server.port}/api/download?path=${encodeURIComponent(relative(mode.workspace, files.path))}`, {
      headers: { authorization: `Bearer ${mode.server.token}` },
    });
    expect(response.status).toBe(200);
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    for (const name of files.files) {
      const id = Number(name.split('-')[0]);
      const row = page.rows.find((r) => r.id === id)!;
      const parsed = readCifStructure(strFromU8(entries[name]!), { fileName: name });
      expect(parsed.structure.numSites).toBe(row.numSites);
    }
  }, 150_000);

  it('refuses a malformed generate request before queueing and fails a contradictory one readably', async () => {
    await expect(client.submitJob('generate', { n: 10, temperature: -1 })).rejects.toMatchObject({ code: 'invalid-params' });
    const job = await client.submitJob('generate', { spaceGroups: [225], wyckoff: { letters: ['a', 'b'], complete: true }, siteElements: [['Na'], ['Cl']], ties: [[0, 1]], n: 3 });
    const done = await finished(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/tie 1→2: sites 1 and 2 have no allowed element in common/);
  }, 60_000);
});
