import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  availableProviders,
  boolTensor,
  cachedSessionCount,
  clearSessionCache,
  createSession,
  float32Tensor,
  int64Tensor,
  onnxruntimeVersion,
  providerAvailability,
  scalarTensor,
} from '../../electron/engine/runtime.ts';

const { onnx } = onnxProto;
const workDir = mkdtempSync(join(tmpdir(), 'cfs-runtime-'));
afterAll(async () => {
  await clearSessionCache();
  rmSync(workDir, { recursive: true, force: true });
});

/** A one-node model `c = a <op> b` over float vectors of symbolic length n, built directly as an onnx.ModelProto. */
function binaryModel(opType: 'Add' | 'Mul', graphName = opType.toLowerCase()): Uint8Array {
  const vector = (name: string) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'n' }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 9,
    opsetImport: [{ domain: '', version: 20 }],
    producerName: 'cfstudio-test',
    graph: { name: graphName, node: [{ opType, input: ['a', 'b'], output: ['c'] }], input: [vector('a'), vector('b')], output: [vector('c')] },
  });
  return onnx.ModelProto.encode(model).finish();
}

const feeds = () => ({ a: float32Tensor([1, 2, 3], [3]), b: float32Tensor([10, 20, 30], [3]) });

describe('createSession', () => {
  it('falls back from an unavailable CUDA to CPU and logs exactly one provider line', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    expect(providerAvailability('cuda').available).toBe(false); // this machine has no CUDA provider library
    const session = await createSession(binaryModel('Add'), { providers: ['cuda'], log, cache: false });
    expect(session.provider).toBe('cpu');
    const threads = availableParallelism();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\[engine\\] onnxruntime ${onnxruntimeVersion().replaceAll('.', '\\.')}, provider cpu \\(cuda unavailable: .+\\), ${threads} threads?$`));
    expect(onnxruntimeVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    // The same set-up again does not repeat the line.
    const again = await createSession(binaryModel('Add', 'other'), { providers: ['cuda'], log, cache: false });
    expect(again.provider).toBe('cpu');
    expect(lines).toHaveLength(1);
    const { c } = await session.run(feeds());
    expect(Array.from(c!.data as Float32Array)).toEqual([11, 22, 33]);
    expect(c!.dims).toEqual([3]);
    await session.release();
    await again.release();
  });

  it('tries WebGPU only where this build has it, and runs on whichever provider started', async () => {
    const lines: string[] = [];
    const session = await createSession(binaryModel('Mul'), { providers: ['webgpu', 'cpu'], log: (l) => lines.push(l), intraOpNumThreads: 1 });
    expect(['webgpu', 'cpu']).toContain(session.provider);
    if (session.provider === 'cpu') {
      expect(lines.join('\n')).toMatch(/provider cpu \(webgpu unavailable: .+\), 1 thread$/);
      expect(providerAvailability('webgpu').available).toBe(false); // remembered: not retried by later sessions
    }
    const { c } = await session.run(feeds());
    expect(Array.from(c!.data as Float32Array)).toEqual([10, 40, 90]);
    expect(availableProviders().at(-1)).toBe('cpu');
    expect(availableProviders()).not.toContain('dml'); // Windows-only provider
  });

  it('caches by model content and options, and forgets released sessions', async () => {
    await clearSessionCache();
    const model = binaryModel('Add');
    const first = await createSession(model, { log: () => {} });
    const second = await createSession(binaryModel('Add'), { log: () => {} }); // equal bytes, new array
    expect(second).toBe(first);
    expect(cachedSessionCount()).toBe(1);
    const single = await createSession(model, { intraOpNumThreads: 1, log: () => {} });
    expect(single).not.toBe(first);
    const unoptimised = await createSession(model, { graphOptimizationLevel: 'disabled', log: () => {} });
    expect(unoptimised).not.toBe(first);
    const other = await createSession(binaryModel('Mul'), { log: () => {} });
    expect(other).not.toBe(first);
    expect(cachedSessionCount()).toBe(4);
    // Concurrent requests for the same model share one creation.
    const [x, y] = await Promise.all([createSession(binaryModel('Mul', 'mul2'), { log: () => {} }), createSession(binaryModel('Mul', 'mul2'), { log: () => {} })]);
    expect(x).toBe(y);
    await first.release();
    expect(cachedSessionCount()).toBe(4);
    const fresh = await createSession(model, { log: () => {} });
    expect(fresh).not.toBe(first);
    await expect(first.run(feeds())).rejects.toThrow(/has been released/);
    await clearSessionCache();
    expect(cachedSessionCount()).toBe(0);
  });

  it('loads models from a path, keyed by path, size and modification time', async () => {
    const path = join(workDir, 'model.onnx');
    writeFileSync(path, binaryModel('Add'));
    const a = await createSession(path, { log: () => {} });
    expect(a.label).toBe('model.onnx');
    expect(a.inputNames).toEqual(['a', 'b']);
    expect(a.outputNames).toEqual(['c']);
    expect(await createSession(path, { log: () => {} })).toBe(a);
    writeFileSync(path, binaryModel('Mul', 'a-longer-graph-name'));
    const b = await createSession(path, { log: () => {} });
    expect(b).not.toBe(a);
    expect(Array.from((await b.run(feeds())).c!.data as Float32Array)).toEqual([10, 40, 90]);
  });

  it('reports bad models, files, options and feeds clearly', async () => {
    await expect(createSession(new Uint8Array([1, 2, 3, 4]), { log: () => {} })).rejects.toThrow(/^createSession\(model [0-9a-f]{12}\): onnxruntime could not load the model: /);
    await expect(createSession(join(workDir, 'absent.onnx'))).rejects.toThrow(/cannot read model file .*absent\.onnx \(ENOENT\)/);
    await expect(createSession(binaryModel('Add'), { providers: ['tpu' as 'cpu'] })).rejects.toThrow(/unknown execution provider 'tpu'/);
    await expect(createSession(binaryModel('Add'), { intraOpNumThreads: 0 })).rejects.toThrow(/intraOpNumThreads must be a positive integer/);
    const previous = process.env.CFSTUDIO_PROVIDERS;
    process.env.CFSTUDIO_PROVIDERS = 'cpu,quantum';
    try {
      await expect(createSession(binaryModel('Add'))).rejects.toThrow(/CFSTUDIO_PROVIDERS: unknown execution provider 'quantum'/);
    } finally {
      if (previous === undefined) delete process.env.CFSTUDIO_PROVIDERS;
      else process.env.CFSTUDIO_PROVIDERS = previous;
    }
    const session = await createSession(binaryModel('Add'), { log: () => {} });
    await expect(session.run({ a: float32Tensor([1], [1]) })).rejects.toThrow(/^model [0-9a-f]{12}: run failed: .*b/);
    // Fetching a subset of outputs by name works.
    expect(Object.keys(await session.run(feeds(), ['c']))).toEqual(['c']);
  });
});

describe('tensor helpers', () => {
  it('build typed tensors with checked dims', () => {
    const f = float32Tensor([1.5, 2.5, 3.5, 4.5], [2, 2]);
    expect(f.type).toBe('float32');
    expect(f.dims).toEqual([2, 2]);
    const shared = new Float32Array([1, 2]);
    expect(float32Tensor(shared, [2]).data).toBe(shared);
    const ids = int64Tensor([1, 2, 2 ** 40], [3]);
    expect(ids.type).toBe('int64');
    expect(Array.from(ids.data as BigInt64Array)).toEqual([1n, 2n, 2n ** 40n]);
    expect(Array.from(boolTensor([true, false, 1], [3]).data as Uint8Array)).toEqual([1, 0, 1]);
    expect(scalarTensor(2).dims).toEqual([]);
    expect(() => float32Tensor([1, 2, 3], [2, 2])).toThrow('float32Tensor: dims [2, 2] hold 4 elements but data has 3');
    expect(() => int64Tensor([1.5], [1])).toThrow('int64Tensor: element 0 (1.5) is not an integer');
    expect(() => float32Tensor([1], [-1])).toThrow(/invalid dims/);
  });
});
