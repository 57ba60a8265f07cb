/**
 * Execution providers end to end on this CPU-only machine (onnxruntime-node lists WebGPU, but Dawn finds no
 * adapter): `train --providers webgpu,cpu` runs its real sessions on CPU, says why in one line and records it in
 * run.json; a train job in the engine host under 'auto' probes once, caches the verdict in its workspace and
 * records the provider in the job's record (job.json); `cfstudio doctor` prints the report (text and --json).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { prepareDataset } from '../../electron/data/prepare.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { onnxruntimeVersion } from '../../electron/engine/runtime.ts';
import { rockSaltCsClCorpusCsv } from '../host/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfstudio-providers-'));
const dataDir = join(dir, 'data');

beforeAll(async () => {
  await initSymmetry();
  writeFileSync(join(dir, 'corpus.csv'), rockSaltCsClCorpusCsv(48, 7));
  await prepareDataset({ inputs: [join(dir, 'corpus.csv')], outDir: dataDir, valFraction: 0.25, workers: 0 });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['electron/cli/bin.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CFSTUDIO_WORKSPACE: join(dir, 'cli-ws'), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('--providers', () => {
  it('train --providers webgpu,cpu: WebGPU does not start here, the run goes on on CPU and says so, run.json records it', async () => {
    const out = join(dir, 'run-webgpu');
    // The environment asks for CUDA; the command-line option wins.
    const { code, stderr } = await cli(['train', '--data', dataDir, '--config', 'tiny', '--epochs', '1', '--batch-size', '16', '--out', out, '--providers', 'webgpu,cpu'], { CFSTUDIO_PROVIDERS: 'cuda' });
    expect(code, stderr).toBe(0);
    // One line for the training session: the provider that runs and why the preferred one does not.
    const engineLines = stderr.split('\n').filter((l) => l.startsWith('[engine]'));
    expect(engineLines.some((l) => /^\[engine\] onnxruntime \d+\.\d+\.\d+, provider cpu \(webgpu unavailable: .*adapter.*\), \d+ threads?$/i.test(l)), stderr).toBe(true);
    expect(stderr).not.toMatch(/cuda/);
    expect(stderr).toMatch(/execution providers: training on cpu/);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { providers?: Record<string, string>; config: unknown };
    expect(run.providers?.training).toBe('cpu');
    expect(run.config).toBeDefined(); // the run's settings are still there
  });

  it('a mistake in the list is an input error (exit 1, one line)', async () => {
    const { code, stderr } = await cli(['generate', '--spacegroup', '225', '-n', '1', '--out', join(dir, 'never'), '--providers', 'webgpu,tpu']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("cfstudio: --providers: unknown execution provider 'tpu' (known: auto, cuda, webgpu, dml, coreml, cpu)");
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('engine host under auto', () => {
  const workspace = join(dir, 'host-ws');
  const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false, env: { CFSTUDIO_PROVIDERS: 'auto' } }), onEvent: () => {}, log: () => {} });
  afterAll(() => supervisor.stop());

  it('probes WebGPU once, caches the verdict in the workspace, and records the provider in the job record', async () => {
    const { mkdirSync, cpSync } = await import('node:fs');
    mkdirSync(join(workspace, 'jobs'), { recursive: true });
    cpSync(dataDir, join(workspace, 'data'), { recursive: true });
    await supervisor.start();
    const job = await supervisor.waitFor(supervisor.submit('train', { data: 'data', config: 'tiny', out: 'runs/auto', epochs: 1, batchSize: 16, learningRate: 1e-3, resume: false }).id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    expect(job.providers).toMatchObject({ training: 'cpu', inference: 'cpu' });
    const record = JSON.parse(readFileSync(join(workspace, 'jobs', job.id, 'job.json'), 'utf8')) as { providers?: Record<string, string> };
    expect(record.providers).toMatchObject({ training: 'cpu' });
    const cache = JSON.parse(readFileSync(join(workspace, 'providers.json'), 'utf8')) as { probes: { onnxruntime: string; provider: string; workload: string; verdict: { usable: boolean } }[] };
    const training = cache.probes.find((p) => p.provider === 'webgpu' && p.workload === 'training');
    expect(training).toMatchObject({ onnxruntime: onnxruntimeVersion(), verdict: { usable: false } });
    const run = JSON.parse(readFileSync(join(workspace, 'runs', 'auto', 'run.json'), 'utf8')) as { providers?: Record<string, string> };
    expect(run.providers?.training).toBe('cpu');
  });
});

describe('cfstudio doctor', () => {
  it('prints every section, and --json carries the same facts; exit 0', async () => {
    const workspace = join(dir, 'doctor-ws');
    const text = await cli(['doctor', '--workspace', workspace], { CFSTUDIO_CHROMIUM: join(dir, 'no-chromium') });
    expect(text.code, text.stderr).toBe(0);
    for (const heading of ['node ', 'electron ', 'onnxruntime ', 'providers (choice: auto', 'workloads', 'workspace ', 'models ', 'potential ', 'predictors ', 'chromium ']) {
      expect(text.stdout).toContain(heading);
    }
    expect(text.stdout).toMatch(/^ {2}cpu +usable +always available$/m);
    expect(text.stdout).toMatch(/^ {2}cuda +unusable +libonnxruntime_providers_cuda\.so not installed$/m);
    expect(text.stdout).toContain(`${join(dir, 'no-chromium')} (absent: npm run test:e2e cannot run, from CFSTUDIO_CHROMIUM)`);

    const json = await cli(['doctor', '--json', '--workspace', workspace, '--providers', 'webgpu,cpu']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as {
      node: string;
      electron: { installed: string | null };
      onnxruntime: { version: string; backends: { name: string; bundled: boolean }[] };
      providers: { request: string; statuses: { provider: string; usable: boolean; reason: string }[]; workloads: Record<string, { provider: string; order: string[] }> };
      workspace: { path: string; exists: boolean; writable: boolean };
      models: { found: { name: string; kind: string; bytes: number }[] };
      potential: string[];
      chromium: { path: string; present: boolean };
    };
    expect(report.node).toBe(process.versions.node);
    const pkg = JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')) as { version: string };
    expect(report.electron.installed).toBe(pkg.version);
    expect(report.onnxruntime.version).toBe(onnxruntimeVersion());
    expect(report.onnxruntime.backends).toContainEqual({ name: 'webgpu', bundled: true });
    expect(report.providers.request).toBe('webgpu,cpu');
    expect(report.providers.statuses.map((s) => s.provider)).toEqual(['cuda', 'webgpu', 'dml', 'coreml', 'cpu']);
    // With a user list, webgpu is tried first for every workload (it falls back at session creation).
    expect(report.providers.workloads.sampling!.order).toEqual(['webgpu', 'cpu']);
    expect(report.workspace).toMatchObject({ path: workspace, exists: false, writable: false });
    // The models folder of the repository, with sizes from the disk.
    const shipped = report.models.found.find((m) => m.name === 'default');
    if (shipped) {
      expect(shipped.kind).toBe('generator');
      const { statSync } = await import('node:fs');
      expect(shipped.bytes).toBeGreaterThanOrEqual(statSync('models/default/model.safetensors').size);
    }
    if (existsSync('models/potential-m3gnet-mp-2021/model.json')) expect(report.potential).toEqual(['potential-m3gnet-mp-2021']);
    expect(report.chromium).toEqual({ path: '/usr/bin/chromium', present: existsSync('/usr/bin/chromium'), source: 'default' });
  });
});
