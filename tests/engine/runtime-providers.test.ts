/**
 * createSession under the automatic choice, in this process: the first session of a GPU workload probes (here
 * with a fake measurement that makes WebGPU look 4× faster, so the plan picks it), later ones read the verdict;
 * WebGPU then fails to start on this machine and the session runs on CPU with one log line instead of failing;
 * the provider each workload ran on is recorded per job (recordProviders) and for the process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configureProviderProbe, createSession, providerAvailability, providersUsed, recordProviders, type ExecutionProviderName, type Workload } from '../../electron/engine/runtime.ts';
import { probeModel } from '../../electron/engine/provider-probe.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfs-auto-'));
const savedRequest = process.env.CFSTUDIO_PROVIDERS;
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  if (savedRequest === undefined) delete process.env.CFSTUDIO_PROVIDERS;
  else process.env.CFSTUDIO_PROVIDERS = savedRequest;
});

describe('createSession with providers chosen automatically', () => {
  it('probes once per workload, tries the faster GPU, and falls back to CPU with one line when it does not start', async () => {
    process.env.CFSTUDIO_PROVIDERS = 'auto';
    const measured: string[] = [];
    const probeLines: string[] = [];
    configureProviderProbe({
      workspace,
      measure: async (provider: ExecutionProviderName, workload: Workload) => {
        measured.push(`${provider}/${workload}`);
        return provider === 'cpu' ? 0.004 : 0.001;
      },
      log: (line) => probeLines.push(line),
    });
    const model = probeModel('sampling');
    const lines: string[] = [];
    const record = new Map<Workload, ExecutionProviderName>();
    const session = await recordProviders(record, () => createSession(model.bytes, { workload: 'sampling', cache: false, log: (l) => lines.push(l) }));
    expect(measured).toEqual(['webgpu/sampling', 'cpu/sampling']);
    expect(probeLines).toEqual(['[engine] probed webgpu for sampling: 1.00 ms vs cpu 4.00 ms']);
    expect(session.provider).toBe('cpu');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[engine\] onnxruntime [\d.]+, provider cpu \(webgpu unavailable: .*adapter.*\), \d+ threads?$/i);
    expect(providerAvailability('webgpu')).toMatchObject({ available: false });
    expect(Object.fromEntries(record)).toEqual({ sampling: 'cpu' });
    const cache = JSON.parse(readFileSync(join(workspace, 'providers.json'), 'utf8')) as { probes: { workload: string }[] };
    expect(cache.probes.map((p) => p.workload)).toEqual(['sampling']);

    // Same workload again: no new measurement. Another workload outside the record: recorded for the process only.
    const again = await createSession(model.bytes, { workload: 'sampling', cache: false, log: () => {} });
    const inference = await createSession(model.bytes, { cache: false, log: () => {} });
    expect(measured).toHaveLength(2);
    expect(inference.provider).toBe('cpu');
    expect(Object.fromEntries(record)).toEqual({ sampling: 'cpu' });
    expect(providersUsed()).toMatchObject({ sampling: 'cpu', inference: 'cpu' });
    const { x } = { x: model.input };
    const out = await again.run({ x: new (await import('onnxruntime-node')).Tensor('float32', x, model.dims) });
    expect(Object.values(out)[0]!.dims).toEqual(model.dims);
    await Promise.all([session.release(), again.release(), inference.release()]);
  });
});
