// The engine host honours the workspace's providers preference (what the Settings view stores) at job start: with
// the host launched under 'auto', a stored 'cpu' means no GPU probe (providers.json is never written) and the job
// record says cpu; a damaged preference falls back to the launch choice instead of failing jobs.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { prepareDataset } from '../../electron/data/prepare.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { readWorkspaceSettings, writeProvidersPreference } from '../../electron/host/workspace-settings.ts';
import { rockSaltCsClCorpusCsv } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfstudio-ws-providers-'));
const workspace = join(dir, 'ws');

beforeAll(async () => {
  await initSymmetry();
  writeFileSync(join(dir, 'corpus.csv'), rockSaltCsClCorpusCsv(48, 7));
  await prepareDataset({ inputs: [join(dir, 'corpus.csv')], outDir: join(dir, 'data'), valFraction: 0.25, workers: 0 });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('workspace settings.json', () => {
  it('stores the canonical form and refuses an unknown provider with the CLI parser’s message', () => {
    const ws = join(dir, 'plain');
    expect(writeProvidersPreference(ws, ' WebGPU , cpu ')).toBe('webgpu,cpu');
    expect(readWorkspaceSettings(ws)).toEqual({ providers: 'webgpu,cpu' });
    expect(() => writeProvidersPreference(ws, 'vulkan')).toThrow(/unknown execution provider 'vulkan'/);
    expect(readWorkspaceSettings(ws)).toEqual({ providers: 'webgpu,cpu' });
    writeFileSync(join(ws, 'settings.json'), '{"providers": "gpu"}');
    expect(readWorkspaceSettings(ws)).toEqual({});
  });
});

describe('engine host launched under auto', () => {
  const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false, env: { CFSTUDIO_PROVIDERS: 'auto' } }), onEvent: () => {}, log: () => {} });
  afterAll(() => supervisor.stop());

  it("runs a job on cpu without probing when the workspace stores 'cpu'", async () => {
    mkdirSync(join(workspace, 'jobs'), { recursive: true });
    cpSync(join(dir, 'data'), join(workspace, 'data'), { recursive: true });
    writeProvidersPreference(workspace, 'cpu');
    await supervisor.start();
    const job = await supervisor.waitFor(supervisor.submit('train', { data: 'data', config: 'tiny', out: 'runs/cpu', epochs: 1, batchSize: 16, learningRate: 1e-3, resume: false }).id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    expect(job.providers).toMatchObject({ training: 'cpu' });
    // Under 'auto' the first training job probes webgpu and writes providers.json (tests/cli/providers.test.ts).
    expect(existsSync(join(workspace, 'providers.json'))).toBe(false);
    const record = JSON.parse(readFileSync(join(workspace, 'jobs', job.id, 'job.json'), 'utf8')) as { providers?: Record<string, string> };
    expect(record.providers).toMatchObject({ training: 'cpu' });
  });
});
