// The Settings view's API in browser mode: the provider facts of `cfstudio doctor` and the workspace's providers
// preference, through the real server and the same ApiClient the renderer uses.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as ort from 'onnxruntime-node';
import { createApiClient, type ApiClient } from '../../shared/api/client.ts';
import { createBrowserTransport, type WebSocketConstructor } from '../../shared/api/browser-transport.ts';
import { ApiError } from '../../shared/api/contract.ts';
import { startBrowserMode, type BrowserMode } from '../../electron/server/start.ts';
import { collectDoctorReport } from '../../electron/cli/commands/doctor.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-settings-'));
let mode: BrowserMode;
let client: ApiClient;
let transport: ReturnType<typeof createBrowserTransport>;
const savedProviders = process.env.CFSTUDIO_PROVIDERS;

beforeAll(async () => {
  delete process.env.CFSTUDIO_PROVIDERS;
  mode = await startBrowserMode({ workspace, port: 0, log: () => {} });
  transport = createBrowserTransport({ baseUrl: `http://127.0.0.1:${mode.server.port}`, token: mode.server.token, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
  client = createApiClient(transport);
});

afterAll(async () => {
  transport.close();
  await mode.close();
  rmSync(workspace, { recursive: true, force: true });
  if (savedProviders !== undefined) process.env.CFSTUDIO_PROVIDERS = savedProviders;
});

describe('settings.providers', () => {
  it('reports the installed onnxruntime-node, every backend the build lists, and cpu usable', async () => {
    const facts = await client.call('settings.providers', {});
    const pkg = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string };
    expect(facts.onnxruntime.package).toBe(pkg.version);
    expect(facts.onnxruntime.backends.map((b) => b.name).sort()).toEqual(ort.listSupportedBackends().map((b) => b.name).sort());
    expect(facts.statuses.find((s) => s.provider === 'cpu')?.usable).toBe(true);
    // Providers the build lacks on this platform (CUDA without its plug-in here) say why not.
    for (const status of facts.statuses) expect(status.reason.length).toBeGreaterThan(0);
    expect(facts.preference).toBe('auto');
    expect(facts.preferenceSource).toBe('host');
    expect(facts.probeCache).toBe(join(workspace, 'providers.json'));
    expect(facts.workloads.map((w) => w.workload).sort()).toEqual(['inference', 'potential', 'sampling', 'training']);
    // inference never uses a GPU provider under 'auto'.
    expect(facts.workloads.find((w) => w.workload === 'inference')?.provider).toBe('cpu');
  });

  it('gives the same statuses and workload choices as cfstudio doctor for the same workspace and choice', async () => {
    const facts = await client.call('settings.providers', {});
    const doctor = collectDoctorReport(workspace, { request: { mode: 'auto' }, probeCacheFile: join(workspace, 'providers.json') });
    expect(facts.statuses).toEqual(doctor.providers.statuses.map((s) => ({ provider: s.provider, usable: s.usable, reason: s.reason })));
    for (const w of facts.workloads) expect(w.provider).toBe(doctor.providers.workloads[w.workload as keyof typeof doctor.providers.workloads].provider);
  });
});

describe('settings.setProviders', () => {
  it("stores 'cpu' in the workspace's settings.json and every workload then runs on cpu", async () => {
    const facts = await client.call('settings.setProviders', { providers: ' CPU ' });
    expect(facts.preference).toBe('cpu');
    expect(facts.preferenceSource).toBe('workspace');
    expect(facts.workloads.every((w) => w.provider === 'cpu' && w.order.join(',') === 'cpu')).toBe(true);
    expect(JSON.parse(readFileSync(join(workspace, 'settings.json'), 'utf8'))).toEqual({ providers: 'cpu' });
    expect((await client.call('settings.providers', {})).preference).toBe('cpu');
  });

  it('refuses an unknown provider with the CLI parser’s message and keeps the stored choice', async () => {
    const error = await client.call('settings.setProviders', { providers: 'webgpu,gpu' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('invalid-params');
    expect((error as ApiError).message).toMatch(/unknown execution provider 'gpu'/);
    expect((await client.call('settings.providers', {})).preference).toBe('cpu');
  });

  it("goes back to 'auto'", async () => {
    expect((await client.call('settings.setProviders', { providers: 'auto' })).preference).toBe('auto');
  });
});
