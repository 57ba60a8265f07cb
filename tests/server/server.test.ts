// Browser mode end to end: the real HTTP + WebSocket server in front of the real engine host, driven through the
// same ApiClient the renderer uses (createApiClient over createBrowserTransport, with `ws` as WebSocket).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, type ApiClient } from '../../shared/api/client.ts';
import { createBrowserTransport, type WebSocketConstructor } from '../../shared/api/browser-transport.ts';
import { ApiError, type ApiEvent } from '../../shared/api/contract.ts';
import type { AnalyzedStructure } from '../../shared/api/jobs.ts';
import { startBrowserMode, type BrowserMode } from '../../electron/server/start.ts';
import { NACL, SILICON } from '../host/fixtures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-server-'));
const rendererDir = join(workspace, 'renderer-fixture');
let mode: BrowserMode;
let base: string;
let client: ApiClient;
let transport: ReturnType<typeof createBrowserTransport>;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests can send headers fetch would refuse to forge (Host, Origin). */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function invokeRaw(body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw('/api/invoke', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${mode.server.token}`, ...headers }, body: JSON.stringify(body) });
}

/** Resolves with the HTTP status of a refused WebSocket handshake, or 101 if it was accepted. */
function wsHandshake(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', () => {});
  });
}

beforeAll(async () => {
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>CrystalFormer Studio</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(workspace, 'secret.txt'), 'outside the renderer');
  mode = await startBrowserMode({ workspace, port: 0, rendererDir, log: () => {} });
  base = `http://127.0.0.1:${mode.server.port}`;
  transport = createBrowserTransport({ baseUrl: base, token: mode.server.token, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
  client = createApiClient(transport);
});

afterAll(async () => {
  transport.close();
  await mode.close();
  rmSync(workspace, { recursive: true, force: true });
});

describe('access control', () => {
  it('prints the start URL with a 43-character random token, bound to loopback', () => {
    expect(mode.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(mode.server.url.endsWith(mode.server.token)).toBe(true);
  });

  it('answers 401 without a token or with a wrong one, on API and static paths alike', async () => {
    const none = await raw('/api/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method":"app.info","params":{}}' });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await invokeRaw({ method: 'app.info', params: {} }, { authorization: `Bearer ${mode.server.token.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    expect((await raw('/')).status).toBe(401);
    expect((await raw('/assets/app.js?token=nope')).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) but accepts loopback names with any port (SSH tunnel)', async () => {
    const rebound = await invokeRaw({ method: 'app.info', params: {} }, { host: `attacker.example:${mode.server.port}` });
    expect(rebound.status).toBe(403);
    const tunnelled = await invokeRaw({ method: 'app.info', params: {} }, { host: 'localhost:9999' });
    expect(tunnelled.status).toBe(200);
  });

  it('refuses cross-origin requests and never sends CORS headers', async () => {
    const cross = await invokeRaw({ method: 'app.info', params: {} }, { origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    const same = await invokeRaw({ method: 'app.info', params: {} }, { origin: base });
    expect(same.status).toBe(200);
    for (const response of [cross, same]) {
      expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('guards the WebSocket handshake with the same token, Host and Origin checks', async () => {
    const wsBase = `ws://127.0.0.1:${mode.server.port}/api/events`;
    expect(await wsHandshake(wsBase)).toBe(401);
    expect(await wsHandshake(`${wsBase}?token=wrong`)).toBe(401);
    expect(await wsHandshake(`${wsBase}?token=${mode.server.token}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await wsHandshake(`${wsBase}?token=${mode.server.token}`, { Host: 'attacker.example' })).toBe(403);
    expect(await wsHandshake(`${wsBase}?token=${mode.server.token}`)).toBe(101);
  });
});

describe('static files', () => {
  it('serves the renderer with CSP and no-referrer, and sets an HttpOnly session cookie from the start URL', async () => {
    const page = await raw(`/?token=${mode.server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('CrystalFormer Studio');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The cookie alone authenticates later asset requests.
    const asset = await raw('/assets/app.js', { headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('does not serve files outside the renderer directory', async () => {
    const escape = await raw(`/..%2Fsecret.txt?token=${mode.server.token}`);
    expect(escape.status).toBe(404);
    expect(escape.body).not.toContain('outside the renderer');
    const download = await raw(`/api/download?path=${encodeURIComponent('../../etc/passwd')}&token=${mode.server.token}`);
    expect(download.status).toBe(404);
  });
});

describe('API over HTTP + WebSocket', () => {
  it('rejects malformed and invalid requests with an error, executing nothing', async () => {
    const notJson = await raw('/api/invoke', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${mode.server.token}` }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect((await invokeRaw({ method: 'no.such.method', params: {} })).status).toBe(400);
    const badParams = await invokeRaw({ method: 'jobs.submit', params: { type: 'analyze-structures', params: { sources: 'all of them' } } });
    expect(badParams.status).toBe(400);
    expect(JSON.parse(badParams.body).error.message).toMatch(/params\.sources/);
    expect((await invokeRaw({ method: 'jobs.get', params: { id: 'nope', extra: 1 } })).status).toBe(400);
    expect(await client.call('jobs.list', {})).toEqual([]);
    // Desktop-only methods answer 'unavailable' in browser mode.
    await expect(client.call('dialog.openFiles', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('reports itself as browser mode with the job types the host offers', async () => {
    const info = await client.call('app.info', {});
    expect(info).toMatchObject({ mode: 'browser', nativeDialogs: false, hostState: 'ready' });
    expect(info.jobTypes).toEqual(expect.arrayContaining(['analyze-structures', 'import-structures', 'export-structures']));
    expect(info.workspace).toBe(mode.workspace);
  });

  it('runs a job submitted through the client and streams its outputs over the WebSocket', async () => {
    const received: ApiEvent[] = [];
    const offOutput = client.on('job-output', (event) => received.push(event));
    const finished = new Promise<void>((resolve) => {
      const off = client.on('job', (event) => {
        if (event.job.status === 'completed') {
          off();
          resolve();
        }
      });
    });
    // Give the socket a moment to open before work starts, so no event is missed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const job = await client.submitJob('analyze-structures', { sources: [NACL, SILICON].map((c) => ({ name: `${c.name}.cif`, text: c.cif })) });
    await finished;
    offOutput();
    const items = received.filter((e): e is Extract<ApiEvent, { type: 'job-output' }> => e.type === 'job-output' && e.jobId === job.id).map((e) => e.item as AnalyzedStructure);
    expect(items.map((i) => (i.ok ? i.spaceGroup : 0))).toEqual([225, 227]);
    const record = await client.call('jobs.get', { id: job.id });
    expect(record).toMatchObject({ status: 'completed', result: { analyzed: 2, failed: 0 } });
    expect(await client.call('jobs.outputs', { id: job.id, offset: 1 })).toHaveLength(1);
  });

  it('cancels a long job through the API', async () => {
    const job = await client.submitJob('analyze-structures', { sources: Array.from({ length: 3000 }, (_, i) => ({ name: `n${i}.cif`, text: NACL.cif })) });
    for (let i = 0; i < 500 && (await client.call('jobs.get', { id: job.id })).outputCount < 3; i++) await new Promise((r) => setTimeout(r, 20));
    await client.call('jobs.cancel', { id: job.id });
    let record = await client.call('jobs.get', { id: job.id });
    for (let i = 0; i < 500 && record.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      record = await client.call('jobs.get', { id: job.id });
    }
    expect(record.status).toBe('cancelled');
    expect(record.outputCount).toBeLessThan(3000);
    await expect(client.call('jobs.cancel', { id: job.id })).rejects.toBeInstanceOf(ApiError);
  });

  it('the client refuses bad params locally, before sending', async () => {
    await expect(client.submitJob('analyze-structures', { sources: [] })).rejects.toMatchObject({ code: 'invalid-params' });
    await expect(client.call('jobs.get', { id: '' })).rejects.toMatchObject({ code: 'invalid-params' });
  });
});
