// `cfstudio mcp` end to end: the SDK's own client spawns the real command over stdio on a temporary workspace (the
// real engine host, the shipped model and potential), as an MCP-capable agent would. Facts checked independently of
// the server: CIF text read back with our reader and its space group found again by symmetry analysis; the textbook
// rock-salt cell (Fm-3m, a = 5.6402 Å, 8 atoms); NaCl's formation energy from the Materials Project hull table
// (mp-22862, in ../shared/data/properties/hull_reference.csv); a job that cannot finish (10⁶ crystals) cancelled
// through the protocol, checked in the job record the supervisor writes.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiMethods } from '../../shared/api/contract.ts';
import { generateParamsSchema, jobInfoSchema, jobSpecs } from '../../shared/api/jobs.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { readPoscar } from '../../shared/io/poscar.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { NACL } from '../host/fixtures.ts';

const BIN = fileURLToPath(new URL('../../electron/cli/bin.mjs', import.meta.url));
const HULL_TABLE = fileURLToPath(new URL('../../../shared/data/properties/hull_reference.csv', import.meta.url));

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-mcp-'));
let client: Client;
let transport: StdioClientTransport;
let serverLog = '';

/** Calls a tool and returns its result, with the server's last log lines in the message when the call throws. */
async function callTool(name: string, args: Record<string, unknown>, options: { onprogress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<CallToolResult> {
  try {
    return (await client.callTool({ name, arguments: args }, undefined, { timeout: 240_000, resetTimeoutOnProgress: true, ...options })) as CallToolResult;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new Error(`${name}: ${(error as Error).message}\nserver log:\n${serverLog.slice(-2000)}`);
  }
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

/** The structured result of a successful call (fails the test with the tool's own error text otherwise). */
function structured<T>(result: CallToolResult): T {
  expect(result.isError ?? false, textOf(result)).toBe(false);
  return result.structuredContent as T;
}

beforeAll(async () => {
  await initSymmetry();
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--workspace', workspace],
    // CPU only: no GPU probe on the test machine.
    env: { ...(process.env as Record<string, string>), CFSTUDIO_PROVIDERS: 'cpu' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    serverLog = (serverLog + chunk.toString('utf8')).slice(-20_000);
  });
  client = new Client({ name: 'cfstudio-tests', version: '0' });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
  rmSync(workspace, { recursive: true, force: true });
});

describe('cfstudio mcp over stdio', () => {
  it('lists the tools with JSON schemas derived from the contract', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['convert', 'csp', 'energy', 'evaluate', 'generate', 'inspect', 'library_export', 'library_get', 'library_save', 'library_search', 'models', 'predict', 'relax'].sort(),
    );
    const byName = new Map(tools.map((t) => [t.name, t]));
    const generate = byName.get('generate')!.inputSchema as { properties: Record<string, { maximum?: number }>; required?: string[]; additionalProperties?: boolean };
    expect(Object.keys(generate.properties).sort()).toEqual(Object.keys(generateParamsSchema.shape).sort());
    // Only n has no default in the contract; the bounds and strictness carry over.
    expect(generate.required).toEqual(['n']);
    expect(generate.properties.n!.maximum).toBe(1_000_000);
    expect(generate.additionalProperties).toBe(false);
    expect(Object.keys((byName.get('library_search')!.inputSchema as { properties: object }).properties).sort()).toEqual(Object.keys(apiMethods['library.query'].params.shape).sort());
    // Exports are written to the job folder, as in browser mode: the contract's destination is not offered.
    const exportKeys = Object.keys((byName.get('library_export')!.inputSchema as { properties: object }).properties);
    expect(exportKeys.sort()).toEqual(Object.keys(jobSpecs['export-structures'].params.shape).filter((k) => k !== 'destination').sort());
    expect(byName.get('library_search')!.annotations?.readOnlyHint).toBe(true);
  });

  it('answers bad input with an error naming the field, and refuses paths outside the workspace', async () => {
    const tooFew = await callTool('generate', { n: 0 });
    expect(tooFew.isError).toBe(true);
    expect(textOf(tooFew)).toMatch(/>=1 at n\b/);
    const wrongType = await callTool('generate', { n: 2, temperature: 'hot' });
    expect(wrongType.isError).toBe(true);
    expect(textOf(wrongType)).toMatch(/expected number.* at temperature/);
    const outside = await callTool('inspect', { sources: [{ path: '/etc/hostname' }] });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toMatch(/params\.sources\[0\]\.path: .* is outside the workspace/);
    const escape = await callTool('convert', { source: { name: 'NaCl.cif', text: NACL.cif }, to: 'poscar', output: '../escaped.vasp' });
    expect(textOf(escape)).toMatch(/output: .* is outside the workspace/);
    expect(existsSync(join(dirname(workspace), 'escaped.vasp'))).toBe(false);
    const destination = await callTool('library_export', { selection: { ids: [1] }, destination: join(workspace, 'x.zip') });
    expect(destination.isError).toBe(true);
    expect(textOf(destination)).toMatch(/destination/);
  }, 60_000);

  it('generates crystals whose CIF text reads back with the reported formula and space group, reproducibly by seed', async () => {
    const progress: Progress[] = [];
    const args = { spaceGroups: [225], n: 3, seed: 5, batchSize: 3 };
    const result = structured<{ generated: number; stored: number; crystals: Array<{ libraryId: number | null; formula: string; spaceGroupRequested: number; spaceGroupFound: number; numAtoms: number; cif?: string; cifPath?: string }> }>(
      await callTool('generate', args, { onprogress: (p) => progress.push(p) }),
    );
    expect(result.generated).toBe(3);
    expect(result.crystals).toHaveLength(3);
    const stored = result.crystals.filter((c) => c.libraryId !== null);
    expect(stored.length).toBe(result.stored);
    expect(stored.length).toBeGreaterThan(0);
    for (const crystal of stored) {
      expect(crystal.spaceGroupRequested).toBe(225);
      const read = readCifStructure(crystal.cif!);
      expect(Composition.fromStructure(read.structure).reducedFormula).toBe(crystal.formula);
      expect(read.structure.numSites).toBe(crystal.numAtoms);
      expect(analyzeStructure(read.structure, { symprec: 0.1 }).spaceGroup).toBe(crystal.spaceGroupFound);
      expect(readFileSync(crystal.cifPath!, 'utf8')).toBe(crystal.cif);
    }
    // Progress notifications: from 0 (the job started), increasing, ending at 3 of 3.
    expect(progress[0]).toMatchObject({ progress: 0, total: 3 });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    expect(progress.at(-1)).toMatchObject({ progress: 3, total: 3 });
    // The same seed gives the same crystals.
    const again = structured<typeof result>(await callTool('generate', args));
    expect(again.crystals.map((c) => c.formula)).toEqual(result.crystals.map((c) => c.formula));
  }, 240_000);

  it('saves a structure to the library, finds it, gets it back and exports it', async () => {
    const saved = structured<{ imported: number; structures: Array<{ ok: boolean; id: number; formula: string; spaceGroup: number }> }>(
      await callTool('library_save', { sources: [{ name: 'NaCl.cif', text: NACL.cif }], tags: ['mcp-round-trip'] }),
    );
    expect(saved.imported).toBe(1);
    const [row] = saved.structures;
    expect(row).toMatchObject({ ok: true, formula: 'NaCl', spaceGroup: 225 });

    const found = structured<{ total: number; rows: Array<{ id: number; formula: string; spaceGroupFound: number }> }>(await callTool('library_search', { tags: ['mcp-round-trip'] }));
    expect(found.total).toBe(1);
    expect(found.rows[0]).toMatchObject({ id: row!.id, formula: 'NaCl', spaceGroupFound: 225 });
    const byElements = structured<{ rows: Array<{ id: number }> }>(await callTool('library_search', { elements: { only: ['Na', 'Cl'] }, spaceGroups: [225] }));
    expect(byElements.rows.map((r) => r.id)).toContain(row!.id);

    const detail = structured<{ id: number; cif: string; tokens?: unknown }>(await callTool('library_get', { id: row!.id }));
    expect(detail.tokens).toBeUndefined();
    const cell = readCifStructure(detail.cif).structure;
    expect(cell.numSites).toBe(8);
    expect(cell.lattice.parameters.a).toBeCloseTo(5.6402, 3);
    expect(analyzeStructure(cell, { symprec: 0.01 }).spaceGroup).toBe(225);

    // The same crystal again is reported as a duplicate of the row, not stored twice.
    const twice = structured<{ imported: number; structures: Array<{ ok: boolean; duplicateOf?: number }> }>(await callTool('library_save', { sources: [{ name: 'NaCl-again.cif', text: NACL.cif }] }));
    expect(twice.imported).toBe(0);
    expect(twice.structures[0]).toMatchObject({ ok: false, duplicateOf: row!.id });

    const exported = structured<{ path: string; count: number; files: string[] }>(await callTool('library_export', { selection: { ids: [row!.id] } }));
    expect(exported.count).toBe(1);
    expect(exported.path.startsWith(join(workspace, 'jobs'))).toBe(true);
    const entries = unzipSync(readFileSync(exported.path));
    expect(readCifStructure(strFromU8(entries[exported.files[0]!]!)).structure.numSites).toBe(8);

    const missing = await callTool('library_get', { id: 999_999 });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/no structure with id 999999/);
  }, 180_000);

  it('inspects and converts a structure', async () => {
    const inspected = structured<{ structures: Array<{ ok: boolean; spaceGroup: number; wyckoffLabel: string; reducedFormula: string }> }>(
      await callTool('inspect', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] }),
    );
    expect(inspected.structures[0]).toMatchObject({ ok: true, spaceGroup: 225, wyckoffLabel: NACL.wyckoffLabel, reducedFormula: 'NaCl' });
    const poscar = structured<{ text: string; output: string; spaceGroup: number }>(
      await callTool('convert', { source: { name: 'NaCl.cif', text: NACL.cif }, to: 'poscar', output: 'converted/NaCl.vasp' }),
    );
    expect(poscar.spaceGroup).toBe(225);
    expect(readPoscar(poscar.text).structure.numSites).toBe(8);
    expect(readFileSync(join(workspace, 'converted', 'NaCl.vasp'), 'utf8')).toBe(poscar.text);
    // A file in the workspace, by relative path, to the symmetrized CIF: one atom per Wyckoff orbit, the full cell on reading.
    const cif = structured<{ text: string }>(await callTool('convert', { source: { path: 'converted/NaCl.vasp' }, to: 'cif' }));
    expect(cif.text).toMatch(/_space_group_IT_number 225/);
    expect(readCifStructure(cif.text).structure.numSites).toBe(8);
  }, 120_000);

  it.skipIf(!existsSync(HULL_TABLE))('computes the energy of rock salt with formation energy and E_hull near the Materials Project values', async () => {
    const mp = readFileSync(HULL_TABLE, 'utf8').split('\n').find((line) => line.startsWith('mp-22862,'))!.split(',');
    const formationEnergy = Number(mp[2]);
    const result = structured<{ structures: Array<{ ok: boolean; formula: string; formationEnergyPerAtom: number; eHull: number; energyPerAtom: number }> }>(
      await callTool('energy', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] }),
    );
    const [nacl] = result.structures;
    expect(nacl).toMatchObject({ ok: true, formula: 'NaCl' });
    // The textbook cell is the experimental one, not MP's relaxed cell: agreement within the potential's error.
    expect(Math.abs(nacl!.formationEnergyPerAtom - formationEnergy)).toBeLessThan(0.1);
    expect(nacl!.eHull).toBeLessThan(0.1);
  }, 180_000);

  it('predicts rock salt from its formula, relaxes it and predicts its properties', async () => {
    // Na4Cl4 in Fm-3m can only take 4a + 4b: every candidate is rock salt.
    const csp = structured<{ candidates: Array<{ rank: number; formula: string; spaceGroup: number; wyckoff: string; energyPerAtom: number; eHull: number; cif: string }> }>(
      await callTool('csp', { formula: 'NaCl', zs: [4], spaceGroups: [225], n: 4, top: 2, seed: 0 }),
    );
    const best = csp.candidates[0]!;
    expect(best).toMatchObject({ rank: 1, formula: 'NaCl', spaceGroup: 225, wyckoff: NACL.wyckoffLabel });
    const predicted = readCifStructure(best.cif).structure;
    expect(predicted.numSites).toBe(8);
    expect(analyzeStructure(predicted, { symprec: 0.1 }).spaceGroup).toBe(225);
    expect(Number.isFinite(best.energyPerAtom) && Number.isFinite(best.eHull)).toBe(true);

    const relaxed = structured<{ converged: number; structures: Array<{ kind: string; status: string; spaceGroupAfter: number; volumeChange: number; cif: string; decomposition: Array<{ id: string }> | null }> }>(
      await callTool('relax', { sources: [{ name: 'NaCl.cif', text: NACL.cif }], maxSteps: 100 }),
    );
    expect(relaxed.structures.every((s) => s.kind === 'relaxed')).toBe(true);
    const [after] = relaxed.structures;
    expect(after).toMatchObject({ status: 'converged', spaceGroupAfter: 225 });
    // The relaxed CIF's cell agrees with the reported volume change of the 5.6402 Å cube.
    const a = readCifStructure(after!.cif).structure.lattice.parameters.a;
    expect((a / 5.6402) ** 3 - 1).toBeCloseTo(after!.volumeChange, 4);

    const properties = structured<{ structures: Array<{ ok: boolean; predictions: Record<string, { value: number }> }> }>(await callTool('predict', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] }));
    // Rock salt is a wide-gap insulator (PBE gap ≈ 5 eV, measured ≈ 8.5 eV).
    expect(properties.structures[0]!.predictions.band_gap!.value).toBeGreaterThan(3);
  }, 240_000);

  it('cancels a long job when the call is cancelled; the job is recorded as cancelled', async () => {
    const controller = new AbortController();
    // 10⁶ crystals cannot be sampled before the cancel that follows the first crystal's progress notification.
    const call = callTool('generate', { n: 1_000_000, seed: 1, batchSize: 8 }, { signal: controller.signal, onprogress: (p) => p.progress >= 1 && controller.abort() });
    await expect(call).rejects.toThrow();
    const record = await recordedJob((job) => job.type === 'generate' && (job.params as { n: number }).n === 1_000_000 && job.status !== 'running' && job.status !== 'queued', 60_000);
    expect(record.status).toBe('cancelled');
    expect(record.result).toBeUndefined();
    expect(record.outputCount).toBeGreaterThan(0);
    expect(record.outputCount).toBeLessThan(1_000_000);
    const library = openLibrary(workspace, { readonly: true });
    try {
      expect(library.listRuns({ kind: 'generate', status: 'cancelled' })).toHaveLength(1);
    } finally {
      library.close();
    }
  }, 180_000);
});

/** Polls the job records in the workspace (jobs/<id>/job.json) until one satisfies `match`. */
async function recordedJob(match: (job: ReturnType<typeof jobInfoSchema.parse>) => boolean, timeoutMs: number) {
  const started = Date.now();
  for (;;) {
    for (const id of readdirSync(join(workspace, 'jobs'))) {
      const file = join(workspace, 'jobs', id, 'job.json');
      if (!existsSync(file)) continue;
      const job = jobInfoSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      if (match(job)) return job;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`no matching job record within ${timeoutMs} ms\nserver log:\n${serverLog.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
