// The workspace library through browser mode, end to end: the real server, the real engine host, the real
// SQLite library. Import CIF files, list and filter them, export them as a zip and download it, then kill the
// engine host (SIGKILL) in the middle of an import and check that the job is failed, the host is back, and every
// row committed before the kill is still there.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, type ApiClient } from '../../shared/api/client.ts';
import { createBrowserTransport, type WebSocketConstructor } from '../../shared/api/browser-transport.ts';
import type { ApiEvent } from '../../shared/api/contract.ts';
import type { ImportedStructureItem, JobInfo } from '../../shared/api/jobs.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { startBrowserMode, type BrowserMode } from '../../electron/server/start.ts';
import { BROKEN_CIF, CSCL, cubicCif, NACL, SILICON } from '../host/fixtures.ts';
import { waitForJob } from './wait-for-job.ts';
import { createLibraryBackend } from '../../renderer/src/api/connected.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-library-'));
const inputDir = join(workspace, 'incoming');
let mode: BrowserMode;
let client: ApiClient;
let transport: ReturnType<typeof createBrowserTransport>;
const events: ApiEvent[] = [];

const finished = (id: string): Promise<JobInfo> => waitForJob(client, id, 60_000);

beforeAll(async () => {
  await initSymmetry(); // the test re-reads exported CIFs, which name their space group by symbol
  mkdirSync(inputDir, { recursive: true });
  for (const crystal of [NACL, CSCL, SILICON]) writeFileSync(join(inputDir, `${crystal.name}.cif`), crystal.cif);
  writeFileSync(join(inputDir, 'broken.cif'), BROKEN_CIF);
  mode = await startBrowserMode({ workspace, port: 0, rendererDir: join(workspace, 'no-renderer'), log: () => {} });
  transport = createBrowserTransport({ baseUrl: `http://127.0.0.1:${mode.server.port}`, token: mode.server.token, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
  client = createApiClient(transport);
  client.on('library-changed', (e) => events.push(e));
  client.on('host', (e) => events.push(e));
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the event socket open
});

afterAll(async () => {
  transport.close();
  await mode.close();
  rmSync(workspace, { recursive: true, force: true });
});

describe('library over the API', () => {
  let ids: number[] = [];

  it('imports CIF files by path: three structures in, the broken file reported with its line', async () => {
    const job = await client.submitJob('import-structures', {
      sources: ['NaCl.cif', 'CsCl.cif', 'Si.cif', 'broken.cif'].map((name) => ({ path: join(inputDir, name) })),
      tags: ['textbook'],
    });
    const done = await finished(job.id);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ imported: 3, failed: 1 });
    const outputs = (await client.call('jobs.outputs', { id: job.id })) as ImportedStructureItem[];
    const ok = outputs.filter((o): o is Extract<ImportedStructureItem, { ok: true }> => o.ok);
    expect(ok.map((o) => [o.formula, o.spaceGroup])).toEqual([
      ['NaCl', 225],
      ['CsCl', 221],
      ['Si', 227],
    ]);
    const failure = outputs.find((o) => !o.ok) as Extract<ImportedStructureItem, { ok: false }>;
    expect(failure.error).toMatch(/broken\.cif:3/);
    ids = ok.map((o) => o.id);
    expect(events.some((e) => e.type === 'library-changed')).toBe(true);
  });

  it('lists, filters and sorts the imported rows', async () => {
    const all = await client.call('library.query', { sort: { by: 'formula', direction: 'asc' } });
    expect(all.total).toBe(3);
    expect(all.rows.map((r) => r.formula)).toEqual(['CsCl', 'NaCl', 'Si']);
    expect(all.rows.every((r) => r.tags.includes('textbook') && r.source === 'imported')).toBe(true);
    const rockSalt = await client.call('library.query', { spaceGroups: [225] });
    expect(rockSalt.rows.map((r) => r.formula)).toEqual(['NaCl']);
    expect(rockSalt.rows[0]!.lattice.a).toBeCloseTo(5.6402, 4);
    const chlorides = await client.call('library.query', { elements: { include: ['Cl'] } });
    expect(chlorides.total).toBe(2);
    const paged = await client.call('library.query', { sort: { by: 'id', direction: 'asc' }, limit: 2, offset: 2 });
    expect(paged.rows.map((r) => r.id)).toEqual([ids[2]]);
    expect(paged.total).toBe(3);
  });

  it('gets one structure with its CIF, and edits favourites and tags', async () => {
    const detail = await client.call('library.get', { id: ids[0]! });
    expect(detail.formula).toBe('NaCl');
    expect(detail.cif).toContain('data_NaCl');
    await client.call('library.setFavourite', { ids: [ids[1]!], favourite: true });
    await client.call('library.tag', { ids: [ids[1]!, ids[2]!], add: ['shortlist'] });
    expect((await client.call('library.query', { favourite: true })).rows.map((r) => r.formula)).toEqual(['CsCl']);
    expect((await client.call('library.query', { tags: ['shortlist'] })).total).toBe(2);
    await expect(client.call('library.get', { id: 999_999 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('exports a selection as a zip in the job folder; the download holds the CIFs and a manifest', async () => {
    const job = await client.submitJob('export-structures', { selection: { ids }, format: 'zip' });
    const done = await finished(job.id);
    expect(done.status).toBe('completed');
    const result = done.result as { path: string; count: number; files: string[] };
    expect(result.count).toBe(3);
    expect(result.path.startsWith(done.outputDir)).toBe(true);
    const response = await fetch(`http://127.0.0.1:${mode.server.port}/api/download?path=${encodeURIComponent(relative(mode.workspace, result.path))}`, {
      headers: { authorization: `Bearer ${mode.server.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/attachment/);
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(entries).sort()).toEqual([...result.files, 'manifest.csv'].sort());
    // Each exported CIF reads back as the structure that went in.
    const formulas = result.files.map((name) => Composition.fromStructure(readCifStructure(strFromU8(entries[name]!), { fileName: name }).structure).reducedFormula);
    expect(formulas.sort()).toEqual(['CsCl', 'NaCl', 'Si']);
    expect(strFromU8(entries['manifest.csv']!).split('\n')[0]).toMatch(/id/);
  });

  it('sends rows with plausibility, filters on it, hands out structures for thumbnails and exports JSON and extended XYZ', async () => {
    const all = await client.call('library.query', { sort: { by: 'density', direction: 'desc' } });
    // Textbook crystals: charge balanced (Na⁺ Cl⁻, Cs⁺ Cl⁻) or one element, contacts plausible; rock salt the densest
    // of the three after CsCl (3.99 vs 2.17 vs 2.33 g/cm³, CRC).
    expect(all.rows.map((r) => r.formula)).toEqual(['CsCl', 'Si', 'NaCl']);
    expect(all.rows.map((r) => r.plausibility?.chargeVerdict)).toEqual(['charge-balanced', 'single-element', 'charge-balanced']);
    expect((await client.call('library.query', { chargeBalanced: true, contactsPlausible: true })).total).toBe(3);
    expect((await client.call('library.query', { contactsPlausible: false })).total).toBe(0);
    const thumbnails = await client.call('library.structures', { ids: [ids[0]!, 999_999] });
    expect(thumbnails[0]!.structure!.sites).toHaveLength(8);
    expect(thumbnails[1]).toEqual({ id: 999_999, structure: null });
    for (const format of ['json', 'extxyz'] as const) {
      const done = await finished((await client.submitJob('export-structures', { selection: { ids }, format })).id);
      expect(done.status).toBe('completed');
      const result = done.result as { path: string; count: number };
      expect(result).toMatchObject({ count: 3 });
      const response = await fetch(`http://127.0.0.1:${mode.server.port}/api/download?path=${encodeURIComponent(relative(mode.workspace, result.path))}`, {
        headers: { authorization: `Bearer ${mode.server.token}` },
      });
      const text = await response.text();
      if (format === 'json') expect((JSON.parse(text) as { structures: { formula: string }[] }).structures.map((s) => s.formula)).toEqual(['NaCl', 'CsCl', 'Si']);
      else expect(text.split('\n').filter((line) => line.startsWith('Lattice='))).toHaveLength(3);
    }
  });

  it("imports what the desktop's open dialog returns by path (File › Import Structures…), and nothing when it is cancelled", async () => {
    // The desktop library backend over the real server and engine host; only the native dialog is played here.
    let chosen: string[] = [];
    const submitted: string[] = [];
    const desktopClient: ApiClient = {
      call: ((method: string, params: unknown) =>
        method === 'dialog.openFiles' ? Promise.resolve({ paths: chosen }) : client.call(method as never, params as never)) as ApiClient['call'],
      on: client.on,
      submitJob: (type, params) => {
        submitted.push(type);
        return client.submitJob(type, params);
      },
    };
    const library = createLibraryBackend(desktopClient, 'desktop');
    expect(createLibraryBackend(client, 'browser').importChosenFiles).toBeUndefined();
    expect(await library.importChosenFiles!()).toBeNull();
    expect(submitted).toEqual([]);

    writeFileSync(join(inputDir, 'POSCAR-CsCl'), `CsCl\n1.0\n4.123 0 0\n0 4.123 0\n0 0 4.123\nCs Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n`);
    writeFileSync(join(inputDir, 'KCl.cif'), cubicCif('KCl', 6.2917, 'F m -3 m', [['K1', 'K', 0, 0, 0], ['Cl1', 'Cl', 0.5, 0.5, 0.5]]));
    chosen = [join(inputDir, 'KCl.cif'), join(inputDir, 'POSCAR-CsCl')];
    const result = await library.importChosenFiles!();
    expect(submitted).toEqual(['import-structures']);
    // KCl is new (rock salt, Fm-3m); the POSCAR is the CsCl imported by the first test, found by structure matching.
    expect(result?.imported.map((r) => [r.formula, r.spaceGroup])).toEqual([['KCl', 225]]);
    expect(result?.duplicates).toEqual([{ source: expect.stringContaining('POSCAR-CsCl'), duplicateOf: ids[1] }]);
    expect(result?.failed).toEqual([]);
  });

  it('does not let a browser client choose where the server writes', async () => {
    await expect(client.submitJob('export-structures', { selection: { ids }, destination: '/tmp/elsewhere.zip' })).rejects.toMatchObject({ code: 'invalid-params' });
  });

  it('keeps every committed row when the engine host is killed mid-import, then carries on', async () => {
    const before = (await client.call('library.query', {})).total;
    const oldPid = mode.supervisor.hostPid!;
    // The same crystal 400 times: stored every time ('keep'), so each output is a committed row.
    const job = await client.submitJob('import-structures', { sources: Array.from({ length: 400 }, (_, i) => ({ name: `NaCl-${i}.cif`, text: NACL.cif })), duplicates: 'keep' });
    for (let i = 0; i < 1000 && (await client.call('jobs.get', { id: job.id })).outputCount < 5; i++) await new Promise((r) => setTimeout(r, 20));
    process.kill(oldPid, 'SIGKILL');
    const failed = await finished(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/killed by SIGKILL/);
    expect(failed.outputCount).toBeGreaterThanOrEqual(5);
    expect(failed.outputCount).toBeLessThan(400);
    // Rows: everything reported before the kill, plus at most the one committed while its report was in flight.
    const after = await client.call('library.query', { source: 'imported', limit: 1000 });
    const added = after.total - before;
    expect(added).toBeGreaterThanOrEqual(failed.outputCount);
    expect(added).toBeLessThanOrEqual(failed.outputCount + 1);
    const reported = ((await client.call('jobs.outputs', { id: job.id })) as ImportedStructureItem[]).map((o) => (o.ok ? o.id : 0));
    const present = new Set(after.rows.map((r) => r.id));
    expect(reported.every((id) => present.has(id))).toBe(true);
    // The host is back and takes new work; the interrupted run was marked failed when the host died.
    await mode.supervisor.whenReady();
    expect(mode.supervisor.hostPid).not.toBe(oldPid);
    expect(events.some((e) => e.type === 'host' && e.state === 'restarting')).toBe(true);
    const next = await client.submitJob('import-structures', { sources: [{ name: 'Si.cif', text: SILICON.cif }] });
    expect((await finished(next.id)).status).toBe('completed');
    const library = openLibrary(workspace, { readonly: true });
    try {
      const interrupted = library.listRuns({ kind: 'import', status: 'failed' });
      expect(interrupted.some((run) => /engine host stopped/.test(run.error ?? ''))).toBe(true);
    } finally {
      library.close();
    }
  });
});
