/**
 * Provider resolution (electron/engine/providers.ts) on made-up machines: backend lists as onnxruntime-node
 * builds for other platforms report them, CUDA libraries present or not, providers that failed to initialise,
 * and probe verdicts; then the probe cache (provider-probe.ts) with a counting fake measurement, and the real
 * probe on this machine, where WebGPU finds no adapter.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BackendEntry,
  type ExecutionProviderName,
  type ProbeVerdict,
  type ProviderFacts,
  type Workload,
  parseProviderRequest,
  resolveProviderPlan,
} from '../../electron/engine/providers.ts';
import { ProbeCache, ProviderInitError, probeProvider } from '../../electron/engine/provider-probe.ts';
import { onnxruntimeVersion, providerFacts } from '../../electron/engine/runtime.ts';

const workDir = mkdtempSync(join(tmpdir(), 'cfs-providers-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// What onnxruntime-node 1.30 lists on linux/x64 (checked on this machine below) and on Windows.
const LINUX: BackendEntry[] = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
];
const WINDOWS: BackendEntry[] = [
  { name: 'cpu', bundled: true },
  { name: 'dml', bundled: true },
  { name: 'webgpu', bundled: true },
];

function facts(backends: BackendEntry[], options: { cudaInstalled?: boolean; failures?: [ExecutionProviderName, string][] } = {}): ProviderFacts {
  return {
    backends,
    pluginInstalled: (p) => p === 'cuda' && options.cudaInstalled === true,
    pluginFile: (p) => `libonnxruntime_providers_${p}.so`,
    platform: 'linux',
    arch: 'x64',
    initFailures: new Map(options.failures ?? []),
  };
}

const noProbes = () => undefined;
const probes = (table: Partial<Record<`${ExecutionProviderName}/${Workload}`, ProbeVerdict>>) => (p: ExecutionProviderName, w: Workload) => table[`${p}/${w}`];

describe('resolveProviderPlan', () => {
  it('this machine lists what the fake Linux list says', () => {
    expect(providerFacts().backends).toEqual(LINUX);
  });

  it('a user list keeps its order, drops providers that cannot run here, and always ends with CPU', () => {
    const plan = resolveProviderPlan(facts(LINUX), parseProviderRequest('cuda,webgpu', '--providers'), noProbes);
    const cuda = plan.providers.find((s) => s.provider === 'cuda')!;
    expect(cuda).toMatchObject({ inBuild: true, bundled: false, usable: false, reason: 'libonnxruntime_providers_cuda.so not installed' });
    expect(plan.providers.find((s) => s.provider === 'dml')).toMatchObject({ inBuild: false, usable: false, reason: 'not in this onnxruntime-node build for linux/x64' });
    for (const w of ['sampling', 'training', 'potential', 'inference'] as const) {
      expect(plan.workloads[w].order).toEqual(['webgpu', 'cpu']);
      expect(plan.workloads[w].reason).toBe('webgpu: chosen by --providers');
      expect(plan.workloads[w].probeNeeded).toEqual([]);
    }
    // With the CUDA library installed CUDA comes first, as listed.
    expect(resolveProviderPlan(facts(LINUX, { cudaInstalled: true }), parseProviderRequest('cuda,webgpu', '--providers'), noProbes).workloads.training.order).toEqual(['cuda', 'webgpu', 'cpu']);
  });

  it('a provider that failed to initialise is not tried again, and the reason says why CPU runs', () => {
    const plan = resolveProviderPlan(facts(LINUX, { failures: [['webgpu', 'Failed to get a WebGPU adapter: No supported adapters']] }), parseProviderRequest('webgpu,cpu', '--providers'), noProbes);
    expect(plan.providers.find((s) => s.provider === 'webgpu')).toMatchObject({ usable: false, reason: 'failed to initialise: Failed to get a WebGPU adapter: No supported adapters' });
    expect(plan.workloads.sampling.order).toEqual(['cpu']);
    expect(plan.workloads.sampling.reason).toBe('cpu: none of webgpu usable (webgpu: failed to initialise: Failed to get a WebGPU adapter: No supported adapters)');
  });

  it('auto: GPU workloads wait for a probe of each usable GPU provider; small inference stays on CPU', () => {
    const plan = resolveProviderPlan(facts(WINDOWS), parseProviderRequest(undefined, 'env'), noProbes);
    expect(plan.request).toEqual({ mode: 'auto' });
    expect(plan.workloads.sampling).toMatchObject({ order: ['cpu'], probeNeeded: ['webgpu', 'dml'] });
    expect(plan.workloads.inference).toMatchObject({ order: ['cpu'], probeNeeded: [] });
    // No GPU provider in the build at all: nothing to probe.
    const cpuOnly = resolveProviderPlan(facts([{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }]), { mode: 'auto' }, noProbes);
    expect(cpuOnly.workloads.training.probeNeeded).toEqual([]);
    expect(cpuOnly.workloads.training.reason).toMatch(/^cpu: no usable GPU provider \(cuda: libonnxruntime_providers_cuda\.so not installed; webgpu: not in this/);
  });

  it('auto: a GPU is used only for workloads where its probe beat CPU by the required margin', () => {
    const table = probes({
      'webgpu/sampling': { usable: true, providerSeconds: 0.002, cpuSeconds: 0.004 }, // twice as fast: chosen
      'webgpu/training': { usable: true, providerSeconds: 0.010, cpuSeconds: 0.0105 }, // 5 % faster: within noise, CPU
      'webgpu/potential': { usable: false, reason: 'ScatterND not implemented' },
    });
    const plan = resolveProviderPlan(facts(LINUX), { mode: 'auto' }, table);
    expect(plan.workloads.sampling.order).toEqual(['webgpu', 'cpu']);
    expect(plan.workloads.sampling.reason).toBe('webgpu: faster than cpu on the probe (2.00 ms vs 4.00 ms)');
    expect(plan.workloads.training.order).toEqual(['cpu']);
    expect(plan.workloads.training.reason).toBe('cpu: webgpu not faster (10.0 ms vs cpu 10.5 ms)');
    expect(plan.workloads.potential.reason).toBe('cpu: webgpu unusable: ScatterND not implemented');
    expect(plan.workloads.inference.order).toEqual(['cpu']);
  });

  it('parses choices and refuses unknown names with the source in the message', () => {
    expect(parseProviderRequest(' WebGPU , cpu ,webgpu', 'x')).toEqual({ mode: 'list', providers: ['webgpu', 'cpu'], source: 'x' });
    expect(parseProviderRequest('auto', 'x')).toEqual({ mode: 'auto' });
    expect(() => parseProviderRequest('cuda,rocm', 'CFSTUDIO_PROVIDERS')).toThrow("CFSTUDIO_PROVIDERS: unknown execution provider 'rocm' (known: auto, cuda, webgpu, dml, coreml, cpu)");
  });
});

describe('the probe cache', () => {
  it('measures once, reads the verdict back from the file, and measures again for another onnxruntime version', async () => {
    const file = join(workDir, 'ws', 'providers.json');
    const calls: string[] = [];
    const measure = async (provider: ExecutionProviderName, workload: Workload) => {
      calls.push(`${provider}/${workload}`);
      return provider === 'cpu' ? 0.004 : 0.001;
    };
    const first = await probeProvider({ provider: 'webgpu', workload: 'sampling', onnxruntime: '1.30.0', cache: new ProbeCache(file), measure });
    expect(first).toEqual({ verdict: { usable: true, providerSeconds: 0.001, cpuSeconds: 0.004 }, initFailed: false });
    expect(calls).toEqual(['webgpu/sampling', 'cpu/sampling']);
    // A fresh reader (another process) finds it in the file; only that version, provider and workload.
    const reread = new ProbeCache(file);
    expect(reread.get('1.30.0', 'webgpu', 'sampling')).toEqual({ usable: true, providerSeconds: 0.001, cpuSeconds: 0.004 });
    expect(reread.get('1.30.0', 'webgpu', 'training')).toBeUndefined();
    expect(reread.get('1.31.0', 'webgpu', 'sampling')).toBeUndefined();
    const plan = resolveProviderPlan(facts(LINUX), { mode: 'auto' }, (p, w) => reread.get('1.30.0', p, w));
    expect(plan.workloads.sampling.order).toEqual(['webgpu', 'cpu']);
    expect(resolveProviderPlan(facts(LINUX), { mode: 'auto' }, (p, w) => reread.get('1.31.0', p, w)).workloads.sampling.probeNeeded).toEqual(['webgpu']);
    // The new version's verdict is stored beside the old one.
    await probeProvider({ provider: 'webgpu', workload: 'sampling', onnxruntime: '1.31.0', cache: reread, measure: async (p) => (p === 'cpu' ? 0.001 : 0.003) });
    const both = new ProbeCache(file);
    expect(both.get('1.31.0', 'webgpu', 'sampling')).toEqual({ usable: true, providerSeconds: 0.003, cpuSeconds: 0.001 });
    expect(both.get('1.30.0', 'webgpu', 'sampling')).toEqual({ usable: true, providerSeconds: 0.001, cpuSeconds: 0.004 });
    expect(both.all()).toHaveLength(2);
  });

  it('an initialisation failure marks the provider unusable for every GPU workload; a run failure only for its own', async () => {
    const file = join(workDir, 'init', 'providers.json');
    const failed = await probeProvider({
      provider: 'cuda', workload: 'training', onnxruntime: '1.30.0', cache: new ProbeCache(file),
      measure: async () => { throw new ProviderInitError('libcudart.so.12: cannot open shared object file'); },
    });
    expect(failed.initFailed).toBe(true);
    const cache = new ProbeCache(file);
    for (const w of ['sampling', 'training', 'potential'] as const) expect(cache.get('1.30.0', 'cuda', w)).toEqual({ usable: false, reason: 'libcudart.so.12: cannot open shared object file' });
    const runFailure = await probeProvider({ provider: 'webgpu', workload: 'potential', onnxruntime: '1.30.0', cache, measure: async () => { throw new Error('kernel missing'); } });
    expect(runFailure.initFailed).toBe(false);
    expect(new ProbeCache(file).get('1.30.0', 'webgpu', 'sampling')).toBeUndefined();
  });

  it('a damaged cache file counts as empty, and an unwritable place keeps the verdict in memory with the reason', async () => {
    const file = join(workDir, 'damaged.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '{ not json');
    expect(new ProbeCache(file).all()).toEqual([]);
    const blocked = join(file, 'providers.json'); // a path under a file
    const outcome = await probeProvider({ provider: 'webgpu', workload: 'sampling', onnxruntime: '1.30.0', cache: new ProbeCache(blocked), measure: async () => 0.001 });
    expect(outcome.cacheProblem).toMatch(/^cannot write .*providers\.json: /);
  });

  it('the real probe on this machine: WebGPU does not start, and the cache says so', async () => {
    const file = join(workDir, 'real', 'providers.json');
    const outcome = await probeProvider({ provider: 'webgpu', workload: 'sampling', onnxruntime: onnxruntimeVersion(), cache: new ProbeCache(file) });
    expect(existsSync(file)).toBe(true);
    if (!outcome.initFailed) {
      // A machine with a GPU adapter: the probe measured both providers.
      expect(outcome.verdict).toMatchObject({ usable: true, providerSeconds: expect.any(Number), cpuSeconds: expect.any(Number) });
      return;
    }
    // This machine: no GPU adapter (Dawn over Vulkan finds none).
    expect(outcome.verdict).toMatchObject({ usable: false, reason: expect.stringMatching(/adapter/i) });
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { format: string; probes: { onnxruntime: string; provider: string; workload: string; verdict: ProbeVerdict }[] };
    expect(stored.format).toBe('cfstudio-provider-probes/1');
    expect(stored.probes.map((p) => `${p.onnxruntime} ${p.provider} ${p.workload} ${p.verdict.usable}`).sort()).toEqual(
      ['potential', 'sampling', 'training'].map((w) => `${onnxruntimeVersion()} webgpu ${w} false`),
    );
  });

  it('the real probe measures CPU: a finite, positive time per run', async () => {
    const { measureSyntheticWorkload } = await import('../../electron/engine/provider-probe.ts');
    const seconds = await measureSyntheticWorkload('cpu', 'sampling');
    expect(Number.isFinite(seconds) && seconds > 0).toBe(true);
  });
});
