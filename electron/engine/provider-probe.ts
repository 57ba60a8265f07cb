/**
 * The automatic provider choice measures a usable GPU provider against CPU once per workload and remembers the
 * verdict in the workspace (`providers.json`), keyed by onnxruntime version, provider and workload, so a new
 * onnxruntime (or driver bundle inside it) is measured again. The measurement runs a graph shaped like the
 * workload's hot loop (a stack of MatMul + Tanh over as many rows as one sampling step, training step or
 * potential evaluation processes), not the workload itself: it has to run before the workload's own graphs exist,
 * and must stay short (a fraction of a second per provider).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { GPU_WORKLOADS, onnxruntimeReason, type ExecutionProviderName, type ProbeVerdict, type Workload } from './providers.ts';

const CACHE_FORMAT = 'cfstudio-provider-probes/1';

export interface CachedProbe {
  onnxruntime: string;
  provider: ExecutionProviderName;
  workload: Workload;
  verdict: ProbeVerdict;
  measuredAt: string;
}

/** The probe cache file. Unreadable or foreign content counts as empty; writes are atomic (temp file + rename). */
export class ProbeCache {
  private entries: Map<string, CachedProbe> | undefined;

  constructor(readonly file: string) {}

  private static key(onnxruntime: string, provider: ExecutionProviderName, workload: Workload): string {
    return `${onnxruntime}|${provider}|${workload}`;
  }

  private load(): Map<string, CachedProbe> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return this.entries; // absent or damaged: measured again
    }
    const list = (raw as { format?: unknown; probes?: unknown }).format === CACHE_FORMAT ? (raw as { probes: unknown }).probes : undefined;
    if (!Array.isArray(list)) return this.entries;
    for (const item of list as CachedProbe[]) {
      if (typeof item?.onnxruntime !== 'string' || typeof item.provider !== 'string' || typeof item.workload !== 'string' || typeof item.verdict?.usable !== 'boolean') continue;
      this.entries.set(ProbeCache.key(item.onnxruntime, item.provider, item.workload), item);
    }
    return this.entries;
  }

  get(onnxruntime: string, provider: ExecutionProviderName, workload: Workload): ProbeVerdict | undefined {
    return this.load().get(ProbeCache.key(onnxruntime, provider, workload))?.verdict;
  }

  all(): CachedProbe[] {
    return [...this.load().values()];
  }

  /** Store verdicts and write the file; a workspace that cannot be written keeps them in memory (returns the reason). */
  set(items: readonly Omit<CachedProbe, 'measuredAt'>[]): string | undefined {
    const entries = this.load();
    const measuredAt = new Date().toISOString();
    for (const item of items) entries.set(ProbeCache.key(item.onnxruntime, item.provider, item.workload), { ...item, measuredAt });
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      // Worker threads share the pid: the thread id keeps their temporary files apart.
      const temp = `${this.file}.${process.pid}.${threadId}.tmp`;
      writeFileSync(temp, JSON.stringify({ format: CACHE_FORMAT, probes: [...entries.values()] }, null, 2) + '\n');
      renameSync(temp, this.file);
      return undefined;
    } catch (error) {
      return `cannot write ${this.file}: ${(error as Error).message}`;
    }
  }
}

/**
 * Seconds one run of the workload's probe takes on a provider. Throws `ProviderInitError` when the provider does
 * not start, any other error when it starts but cannot run the graph.
 */
export type ProbeMeasure = (provider: ExecutionProviderName, workload: Workload) => Promise<number>;

export class ProviderInitError extends Error {}

/**
 * Measure `provider` against CPU on `workload` and store the verdict. A provider that does not initialise is
 * unusable for every GPU workload (the adapter or driver is missing, not the workload's fault), so all of them are
 * stored at once.
 */
export async function probeProvider(options: {
  provider: ExecutionProviderName;
  workload: Workload;
  onnxruntime: string;
  cache: ProbeCache;
  measure?: ProbeMeasure;
}): Promise<{ verdict: ProbeVerdict; initFailed: boolean; cacheProblem?: string }> {
  const measure = options.measure ?? measureSyntheticWorkload;
  const { provider, workload, onnxruntime, cache } = options;
  let verdict: ProbeVerdict;
  let initFailed = false;
  try {
    const providerSeconds = await measure(provider, workload);
    const cpuSeconds = await measure('cpu', workload);
    verdict = { usable: true, providerSeconds, cpuSeconds };
  } catch (error) {
    initFailed = error instanceof ProviderInitError;
    verdict = { usable: false, reason: onnxruntimeReason(error) };
  }
  const workloads = initFailed ? GPU_WORKLOADS : [workload];
  const cacheProblem = cache.set(workloads.map((w) => ({ onnxruntime, provider, workload: w, verdict })));
  return { verdict, initFailed, ...(cacheProblem ? { cacheProblem } : {}) };
}

/** Rows, width and depth of the probe graph per workload: one sampling step, one training step, one potential call. */
const PROBE_SHAPES: Record<Workload, { rows: number; width: number; depth: number }> = {
  // 100 crystals, one token each, through 4 transformer layers (attention + feed-forward ≈ 2 matrix products each)
  sampling: { rows: 100, width: 128, depth: 8 },
  // 100 crystals × 21 tokens, forward and backward (≈ twice the products)
  training: { rows: 2100, width: 128, depth: 16 },
  // a ~100-atom cell's bonds through M3GNet's 3 blocks of width 64
  potential: { rows: 3000, width: 64, depth: 6 },
  inference: { rows: 100, width: 128, depth: 8 },
};

/** The probe graph: x[rows, width] → (MatMul W_i → Tanh) × depth, weights as initialisers. */
export function probeModel(workload: Workload): { bytes: Uint8Array; input: Float32Array; dims: [number, number] } {
  const { onnx } = onnxProto;
  const { rows, width, depth } = PROBE_SHAPES[workload];
  const initializer = [];
  const node = [];
  let previous = 'x';
  for (let i = 0; i < depth; i++) {
    const weights = new Float32Array(width * width);
    // Deterministic small weights keep tanh away from saturation (values do not matter, only the arithmetic).
    for (let k = 0; k < weights.length; k++) weights[k] = (((k * 7919 + i * 104729) % 2001) / 1000 - 1) / Math.sqrt(width);
    initializer.push({ name: `w${i}`, dataType: onnx.TensorProto.DataType.FLOAT, dims: [width, width], rawData: new Uint8Array(weights.buffer) });
    node.push({ opType: 'MatMul', input: [previous, `w${i}`], output: [`m${i}`] });
    node.push({ opType: 'Tanh', input: [`m${i}`], output: [`h${i}`] });
    previous = `h${i}`;
  }
  const tensor = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: rows }, { dimValue: width }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 9,
    opsetImport: [{ domain: '', version: 20 }],
    producerName: 'cfstudio-provider-probe',
    graph: { name: `probe_${workload}`, node, initializer, input: [tensor('x')], output: [tensor(previous)] },
  });
  const input = new Float32Array(rows * width);
  for (let k = 0; k < input.length; k++) input[k] = ((k % 97) - 48) / 48;
  return { bytes: onnx.ModelProto.encode(model).finish(), input, dims: [rows, width] };
}

/** The default measure: one warm-up run of the probe graph, then the median of three timed runs. */
export const measureSyntheticWorkload: ProbeMeasure = async (provider, workload) => {
  const { bytes, input, dims } = probeModel(workload);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: [provider], graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new ProviderInitError(onnxruntimeReason(error));
  }
  try {
    const feeds = { x: new ort.Tensor('float32', input, dims) };
    await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await session.run(feeds);
      times.push((performance.now() - start) / 1000);
    }
    return times.sort((a, b) => a - b)[1]!;
  } finally {
    await session.release();
  }
};
