// Browser mode against a hostile client that holds the token: no job parameter reaches a file outside the
// workspace (every marked path field, directly or through a symbolic link), a resumed fine-tuning run cannot bring
// back a command oracle or an outside path from its run.json, valid-looking but unusable input is a 400 naming the
// field (never a 500 with a stack), an oversized body is a 413, and job messages arrive escaped and bounded.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSpecs, type AnalyzedStructure, type JobInfo } from '../../shared/api/jobs.ts';
import { modelsDir } from '../../electron/engine/model/files.ts';
import { DEFAULT_FINETUNE } from '../../electron/engine/rl/finetune.ts';
import { startBrowserMode, type BrowserMode } from '../../electron/server/start.ts';
import { NACL } from '../host/fixtures.ts';
import { markedPathFields } from './job-path-fields.ts';

const root = mkdtempSync(join(tmpdir(), 'cfstudio-security-'));
const workspace = join(root, 'workspace');
const outside = join(root, 'outside');
const secret = join(outside, 'secret.cif');
/** Where the command oracle of the planted run.json would write if it ever ran. */
const marker = join(outside, 'oracle-ran');
let mode: BrowserMode;
let base: string;

interface Reply {
  status: number;
  body: string;
}

function post(path: string, body: string | Buffer, headers: Record<string, string>): Promise<Reply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${mode.server.token}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const invoke = (method: string, params: unknown) => post('/api/invoke', JSON.stringify({ method, params }), { 'content-type': 'application/json' });
const submit = (type: string, params: unknown) => invoke('jobs.submit', { type, params });

async function waitForJob(id: string): Promise<JobInfo> {
  for (let i = 0; i < 2400; i++) {
    const reply = JSON.parse((await invoke('jobs.get', { id })).body) as { result: JobInfo };
    if (['completed', 'failed', 'cancelled'].includes(reply.result.status)) return reply.result;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

beforeAll(async () => {
  mkdirSync(join(workspace, 'known'), { recursive: true });
  mkdirSync(join(outside, 'dataset'), { recursive: true });
  writeFileSync(secret, NACL.cif);
  writeFileSync(join(workspace, 'known', 'NaCl.cif'), NACL.cif);
  // A link inside the workspace that leads out of it.
  symlinkSync(outside, join(workspace, 'link'));
  // The server decides about command oracles from its own environment.
  delete process.env.CFSTUDIO_ALLOW_COMMAND_ORACLES;
  mode = await startBrowserMode({ workspace, port: 0, rendererDir: join(root, 'no-renderer'), log: () => {} });
  base = `http://127.0.0.1:${mode.server.port}`;
}, 60_000);

afterAll(async () => {
  await mode.close();
  rmSync(root, { recursive: true, force: true });
});

const reward = (term: unknown) => ({ version: 1, reward: term });

/**
 * One submission per path field of every job, with `path` in that field (a file or a folder, as the field
 * expects). Keys are the fields the schema walk finds, so a new path field without a case here fails below.
 */
const CASES: Record<string, (file: string, dir: string) => { type: string; params: unknown; field: RegExp }> = {
  'analyze-structures: sources[].path': (file) => ({ type: 'analyze-structures', params: { sources: [{ path: file }] }, field: /params\.sources\[0\]\.path/ }),
  'import-structures: sources[].path': (file) => ({ type: 'import-structures', params: { sources: [{ name: 'ok.cif', text: NACL.cif }, { path: file }] }, field: /params\.sources\[1\]\.path/ }),
  'predict: sources[].path': (file) => ({ type: 'predict', params: { sources: [{ path: file }] }, field: /params\.sources\[0\]\.path/ }),
  'relax: sources[].path': (file) => ({ type: 'relax', params: { sources: [{ path: file }] }, field: /params\.sources\[0\]\.path/ }),
  'relax: potential': (_file, dir) => ({ type: 'relax', params: { sources: [{ path: 'known.cif' }], potential: dir }, field: /params\.potential/ }),
  'energy: sources[].path': (file) => ({ type: 'energy', params: { sources: [{ path: file }] }, field: /params\.sources\[0\]\.path/ }),
  'energy: potential': (_file, dir) => ({ type: 'energy', params: { sources: [{ path: 'known.cif' }], potential: dir }, field: /params\.potential/ }),
  'csp: potential': (_file, dir) => ({ type: 'csp', params: { formula: 'NaCl', potential: dir }, field: /params\.potential/ }),
  // Sampling jobs take a shipped model's name or a model folder in the workspace (a fine-tuning run's policy).
  'csp: model': (_file, dir) => ({ type: 'csp', params: { formula: 'NaCl', model: dir }, field: /params\.model/ }),
  'generate: model': (_file, dir) => ({ type: 'generate', params: { model: dir, n: 1 }, field: /params\.model/ }),
  'mcmc: model': (_file, dir) => ({ type: 'mcmc', params: { model: dir, spaceGroup: 225, template: 'a:Na' }, field: /params\.model/ }),
  'evaluate: dir': (_file, dir) => ({ type: 'evaluate', params: { dir }, field: /params\.dir/ }),
  'evaluate: reference': (file) => ({ type: 'evaluate', params: { dir: 'known', reference: file }, field: /params\.reference/ }),
  'evaluate: potential': (_file, dir) => ({ type: 'evaluate', params: { dir: 'known', stability: true, potential: dir }, field: /params\.potential/ }),
  'export-structures: destination': (file) => ({ type: 'export-structures', params: { selection: { ids: [1] }, destination: file }, field: /destination/ }),
  'train: data': (_file, dir) => ({ type: 'train', params: { data: dir, out: 'runs/t' }, field: /params\.data/ }),
  'train: val': (_file, dir) => ({ type: 'train', params: { data: 'known', val: dir, out: 'runs/t' }, field: /params\.val/ }),
  'train: out': (_file, dir) => ({ type: 'train', params: { data: 'known', out: dir }, field: /params\.out/ }),
  'train: initModel': (_file, dir) => ({ type: 'train', params: { data: 'known', out: 'runs/t', initModel: dir }, field: /params\.initModel/ }),
  'prepare-dataset: source.folder': (_file, dir) => ({ type: 'prepare-dataset', params: { source: { folder: dir }, out: 'datasets/d' }, field: /params\.source\.folder/ }),
  'prepare-dataset: out': (_file, dir) => ({ type: 'prepare-dataset', params: { source: { folder: 'known' }, out: dir }, field: /params\.out/ }),
  'finetune: model': (_file, dir) => ({ type: 'finetune', params: { model: dir, reward: reward({ kind: 'predictor', predictor: 'min_distance' }), out: 'runs/f' }, field: /params\.model/ }),
  'finetune: out': (_file, dir) => ({ type: 'finetune', params: { reward: reward({ kind: 'predictor', predictor: 'min_distance' }), out: dir }, field: /params\.out/ }),
  'finetune: reward.reward.oracle.path': (file) => ({
    type: 'finetune',
    params: { reward: reward({ kind: 'oracle', oracle: { type: 'onnx', path: file } }), out: 'runs/f' },
    field: /params\.reward\.reward\.oracle\.path/,
  }),
  'finetune: reward.reward.oracle.cwd': (_file, dir) => ({
    type: 'finetune',
    params: { reward: reward({ kind: 'oracle', oracle: { type: 'command', command: 'true', cwd: dir } }), out: 'runs/f' },
    field: /params\.reward\.reward\.oracle\.cwd/,
  }),
  'finetune: reward.reward.potential': (_file, dir) => ({
    type: 'finetune',
    params: { reward: reward({ kind: 'potential_ehull', potential: dir }), out: 'runs/f' },
    field: /params\.reward\.reward\.potential/,
  }),
  'finetune: reward.reward.reference': (file) => ({
    type: 'finetune',
    params: { reward: reward({ kind: 'ehull', formationEnergy: 'formation_energy', reference: file }), out: 'runs/f' },
    field: /params\.reward\.reward\.reference/,
  }),
};

describe('every path field is confined to the workspace', () => {
  it('has a case for every path field the job schemas declare', () => {
    const declared = Object.entries(jobSpecs).flatMap(([type, spec]) => markedPathFields(spec.params).map((f) => `${type}: ${f.field}`));
    expect(Object.keys(CASES).sort()).toEqual([...new Set(declared)].sort());
  });

  for (const [name, build] of Object.entries(CASES)) {
    it(`${name}: refuses an absolute outside path, ../ and a symbolic link out, with 400 naming the field`, async () => {
      const tries = [build(secret, join(outside, 'dataset')), build('../outside/secret.cif', '../outside/dataset'), build('link/secret.cif', 'link/dataset')];
      for (const { type, params, field } of tries) {
        const reply = await submit(type, params);
        expect(reply.status, reply.body).toBe(400);
        const body = JSON.parse(reply.body) as { ok: false; error: { code: string; message: string } };
        expect(body.error.code).toBe('invalid-params');
        expect(body.error.message).toMatch(field);
      }
    });
  }

  it('queued nothing and stored nothing: the secret file never entered the library', async () => {
    const jobs = JSON.parse((await invoke('jobs.list', {})).body) as { result: JobInfo[] };
    expect(jobs.result).toEqual([]);
    const page = JSON.parse((await invoke('library.query', {})).body) as { result: { total: number } };
    expect(page.result.total).toBe(0);
  });

  it('still runs jobs on workspace paths (relative and absolute)', async () => {
    const reply = await submit('analyze-structures', { sources: [{ path: 'known/NaCl.cif' }, { path: join(workspace, 'known', 'NaCl.cif') }] });
    expect(reply.status).toBe(200);
    const job = await waitForJob((JSON.parse(reply.body) as { result: JobInfo }).result.id);
    expect(job).toMatchObject({ status: 'completed', result: { analyzed: 2, failed: 0 } });
  });
});

describe('a resumed run is checked as stored in its run.json', () => {
  const plantRun = (folder: string, run: Record<string, unknown>) => {
    mkdirSync(join(workspace, folder, 'checkpoints'), { recursive: true });
    writeFileSync(
      join(workspace, folder, 'run.json'),
      JSON.stringify({ config: DEFAULT_FINETUNE, modelDir: join(modelsDir(), 'default'), reward: reward({ kind: 'predictor', predictor: 'min_distance' }), createdAt: '2026-01-01T00:00:00Z', ...run }),
    );
  };

  it('refuses to resume a run whose stored reward is a command oracle, and the command never runs', async () => {
    plantRun('runs/planted', {
      reward: reward({ kind: 'oracle', oracle: { type: 'command', command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`] } }),
    });
    // The submitted parameters carry no reward at all: only run.json names the oracle.
    const reply = await submit('finetune', { out: 'runs/planted', resume: true, steps: 1 });
    expect(reply.status).toBe(200);
    const job = await waitForJob((JSON.parse(reply.body) as { result: JobInfo }).result.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/runs\/planted\/run\.json: reward.*: command oracles run programs on the engine's machine and are off for jobs/);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a stored reward path or model folder outside the workspace', async () => {
    plantRun('runs/outside-onnx', { reward: reward({ kind: 'oracle', oracle: { type: 'onnx', path: join(outside, 'model.onnx') } }) });
    plantRun('runs/outside-model', { modelDir: outside });
    const onnx = await waitForJob((JSON.parse((await submit('finetune', { out: 'runs/outside-onnx', resume: true })).body) as { result: JobInfo }).result.id);
    expect(onnx.status).toBe('failed');
    expect(onnx.error).toMatch(/run\.json: reward\.reward\.oracle\.path: .* is outside the workspace/);
    const model = await waitForJob((JSON.parse((await submit('finetune', { out: 'runs/outside-model', resume: true })).body) as { result: JobInfo }).result.id);
    expect(model.status).toBe('failed');
    expect(model.error).toMatch(/run\.json: modelDir: .* is outside the workspace/);
  });

  it('refuses a resumed training run whose stored validation set lies outside the workspace', async () => {
    mkdirSync(join(workspace, 'runs', 'train-planted'), { recursive: true });
    writeFileSync(join(workspace, 'runs', 'train-planted', 'run.json'), JSON.stringify({ config: {}, trainData: 'known', valData: join(outside, 'dataset'), createdAt: '' }));
    const job = await waitForJob((JSON.parse((await submit('train', { data: 'known', out: 'runs/train-planted', resume: true })).body) as { result: JobInfo }).result.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/run\.json: valData: .* is outside the workspace/);
  });
});

describe('valid-looking input that cannot be used is a 400 naming the field', () => {
  const expect400 = async (method: string, params: unknown, field: RegExp) => {
    const reply = await invoke(method, params);
    expect(reply.status, reply.body).toBe(400);
    const { error } = JSON.parse(reply.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid-params');
    expect(error.message).toMatch(field);
    expect(reply.body).not.toMatch(/\bat .*\.ts:\d+/);
  };

  it('an element symbol that is not an element', async () => {
    await expect400('library.query', { elements: { include: ['Xx'] } }, /params\.elements\.include\[0\]: not an element/);
    await expect400('jobs.submit', { type: 'export-structures', params: { selection: { query: { elements: { exclude: ['Qq'] } } } } }, /params\.selection\.query\.elements\.exclude\[0\]/);
  });

  it('a blank tag', async () => {
    await expect400('library.query', { tags: [' '] }, /params\.tags\[0\]: a tag must not be blank/);
    await expect400('library.tag', { ids: [1], add: ['   '] }, /params\.add\[0\]/);
    await expect400('library.tag', { ids: [1], add: ['ok', 'nul\u0000'] }, /params\.add\[1\]: a tag must not contain control characters/);
  });

  it('hundreds of property filters (SQLite: "Expression tree is too large")', async () => {
    const properties = Object.fromEntries(Array.from({ length: 340 }, (_, i) => [`p${i}`, { min: 0 }]));
    await expect400('library.query', { properties }, /params\.properties: at most 20 property filters/);
  });
});

describe('request bodies over the limit', () => {
  const limit = 64 * 1024 * 1024;

  it('answers 413 (not a connection reset) to a declared length over 64 MiB', async () => {
    const reply = await post('/api/invoke', Buffer.alloc(limit + 1, 0x20), { 'content-type': 'application/json' });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const url = new URL('/api/invoke', base);
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${mode.server.token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(4 * 1024 * 1024, 0x20);
      for (let sent = 0; sent <= limit; sent += chunk.length) req.write(chunk);
      req.end();
    });
    expect(reply.status).toBe(413);
  });

  it('the server still answers afterwards', async () => {
    expect((await invoke('app.info', {})).status).toBe(200);
  });
});

describe('job messages', () => {
  it('arrive escaped and bounded: no NUL or escape bytes, no megabyte line', async () => {
    const evilName = 'evil\u0000\u001b]0;owned\u0007.cif';
    const text = `data_x\n_cell_length_a ${'9'.repeat(1_000_000)}x\n`;
    const reply = await submit('analyze-structures', { sources: [{ name: evilName, text }] });
    const job = await waitForJob((JSON.parse(reply.body) as { result: JobInfo }).result.id);
    const outputs = JSON.parse((await invoke('jobs.outputs', { id: job.id })).body) as { result: AnalyzedStructure[] };
    expect(outputs.result).toHaveLength(1);
    const item = outputs.result[0]!;
    expect(item.ok).toBe(false);
    const shown = JSON.stringify(item);
    expect(/[\u0000-\u001f]/.test(item.source + (item.ok ? '' : item.error))).toBe(false);
    expect(item.source).toContain('evil\\x00\\x1b]0;owned\\x07.cif');
    expect(shown.length).toBeLessThan(5_000);
  });
});
