/**
 * Two ways to get the network's output row for the token at position t while decoding a batch in lockstep:
 *  - KvCacheBackend: one small graph run per token, with the keys/values of earlier positions cached (default);
 *  - PrefixBackend: re-run the whole network on the prefix every step, as the reference implementation does.
 * Both return identical rows (a test checks it); the second exists to measure what the cache buys.
 */
import { type EngineSession, createSession, ort } from '../runtime.ts';
import type { ParameterStore } from '../params.ts';
import type { ModelConfig } from '../model/config.ts';
import { MAX_SEQUENCE, N_SLOTS, TOKENS_PER_SLOT, outputSize } from '../model/config.ts';
import { TOKEN_TYPES, type TokenType, buildDecodeStepGraph, buildFirstWyckoffGraph, cacheName } from '../model/decode.ts';
import { Graph, exportModel } from '../graph/index.ts';
import { CrystalFormerNetwork, declareNetworkInputs } from '../model/network.ts';
import { causalMask, positions } from '../model/batch.ts';

/** The value of the token just chosen for every crystal of the batch. */
export interface TokenValues {
  /** W index or element (int), per crystal. */
  ints?: Int32Array;
  /** Fractional coordinate, per crystal. */
  floats?: Float32Array;
  /** Multiplicity of the chosen W, per crystal. */
  multiplicity?: Float32Array;
}

export interface StepBackend {
  readonly outputWidth: number;
  /** Start a batch; returns W₁ logits [B, 28]. */
  start(spaceGroups: Int32Array): Promise<Float32Array>;
  /** Feed the tokens at `position` (all of one type) and get each crystal's output row [B, O]. */
  step(type: TokenType, position: number, values: TokenValues): Promise<Float32Array>;
  /** Keep only these batch rows (finished crystals leave the batch). */
  keep(indices: readonly number[]): void;
  /** Sample from new weights of the same configuration (RL updates the policy between batches); no graph is rebuilt. */
  setParameters(params: ParameterStore): void;
  release(): Promise<void>;
}

function parameterFeeds(params: ParameterStore, names: readonly string[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of names) feeds[name] = new ort.Tensor('float32', params.get(name), [...params.shape(name)]);
  return feeds;
}

function spaceGroupTensor(spaceGroups: Int32Array): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(spaceGroups, (g) => BigInt(g - 1)), [spaceGroups.length]);
}

/** Copy rows `indices` of a tensor whose first axis is the batch. */
function keepRows(t: ort.Tensor, indices: readonly number[]): ort.Tensor {
  const dims = [...t.dims];
  const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
  const source = t.data as Float32Array | BigInt64Array;
  const out = new (source.constructor as Float32ArrayConstructor | BigInt64ArrayConstructor)(indices.length * rowSize) as Float32Array | BigInt64Array;
  indices.forEach((row, i) => (out as Float32Array).set((source as Float32Array).subarray(row * rowSize, (row + 1) * rowSize), i * rowSize));
  dims[0] = indices.length;
  return new ort.Tensor(t.type as 'float32' | 'int64', out, dims);
}

/**
 * The keys and values of every decoded position live in buffers in JavaScript (per layer: keys transposed
 * [B, h, k, C], values [B, h, C, k], C the capacity); each step feeds them to onnxruntime as they are and gets back
 * only the new position's key and value, which are written in place. A cache grown by concatenation inside the graph
 * would be copied twice per token (into the new tensor, then out to JavaScript). The capacity doubles as positions
 * fill (8, 16, …, the longest crystal), so the attention reads about as many positions as there are, early and late.
 * `npm run bench:sample` measures the sampler with this cache against re-running the prefix ("cache speed-up").
 */
export class KvCacheBackend implements StepBackend {
  readonly outputWidth: number;
  private spaceGroup!: ort.Tensor;
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];
  private mask = new Float32Array(0);
  private capacity = 0;
  private batch = 0;
  /** New weights waiting for the next batch (weights in the graph: the sessions are rebuilt then). */
  private pending: ParameterStore | null = null;

  private constructor(
    private readonly config: ModelConfig,
    private sessions: DecodeSessions,
    private readonly threads: number | undefined,
    private readonly weightsInGraph: boolean,
  ) {
    this.outputWidth = outputSize(config);
  }

  setParameters(params: ParameterStore): void {
    if (this.weightsInGraph) {
      this.pending = params;
      return;
    }
    const { firstFeeds, stepFeeds } = this.sessions;
    this.sessions.firstFeeds = parameterFeeds(params, Object.keys(firstFeeds));
    for (const type of TOKEN_TYPES) stepFeeds[type] = parameterFeeds(params, Object.keys(stepFeeds[type]));
  }

  /**
   * `weightsInGraph`: the weights become initializers of the decoding graphs (onnxruntime packs the weight matrices
   * once, and nothing is fed per step for them); new weights then cost new sessions at the next batch. Otherwise they
   * are fed as inputs at every step, and new weights cost nothing (RL updates them between every batch).
   */
  static async create(config: ModelConfig, params: ParameterStore, threads?: number, options: { weightsInGraph?: boolean } = {}): Promise<KvCacheBackend> {
    const weightsInGraph = options.weightsInGraph ?? false;
    return new KvCacheBackend(config, await openDecodeSessions(config, params, threads, weightsInGraph), threads, weightsInGraph);
  }

  /** Floats of one crystal's buffer in one layer at capacity `capacity` (the same for keys and values). */
  private rowSize(capacity = this.capacity): number {
    return this.config.heads * capacity * this.config.keySize;
  }

  async start(spaceGroups: Int32Array): Promise<Float32Array> {
    this.batch = spaceGroups.length;
    this.spaceGroup = spaceGroupTensor(spaceGroups);
    this.capacity = 0;
    this.keys = [];
    this.values = [];
    this.mask = new Float32Array(0);
    if (this.pending) {
      const previous = this.sessions;
      this.sessions = await openDecodeSessions(this.config, this.pending, this.threads, true);
      this.pending = null;
      await releaseDecodeSessions(previous);
    }
    const out = await this.sessions.first.run({ space_group: this.spaceGroup, ...this.sessions.firstFeeds }, ['logits']);
    return out.logits!.data as Float32Array;
  }

  /** Make room for position `position`: double the capacity, moving each crystal's and head's filled positions. */
  private ensureCapacity(position: number): void {
    if (position < this.capacity) return;
    const { heads: h, keySize: k, layers } = this.config;
    const capacity = Math.min(MAX_SEQUENCE, Math.max(8, 2 * this.capacity));
    const B = this.batch;
    // Keys [B, h, k, C] are runs of C floats per (crystal, head, key component), values [B, h, C, k] runs of C × k
    // floats per (crystal, head); growing copies each run to the start of its longer run.
    const grow = (old: Float32Array | undefined, runs: number, run: number, newRun: number): Float32Array => {
      const next = new Float32Array(B * this.rowSize(capacity)); // zero: unfilled positions get weight 0, and 0 × 0 = 0
      if (old) for (let r = 0; r < runs; r++) next.set(old.subarray(r * run, (r + 1) * run), r * newRun);
      return next;
    };
    this.keys = Array.from({ length: layers }, (_, l) => grow(this.keys[l], B * h * k, this.capacity, capacity));
    this.values = Array.from({ length: layers }, (_, l) => grow(this.values[l], B * h, this.capacity * k, capacity * k));
    const mask = new Float32Array(capacity).fill(-1e9);
    mask.set(this.mask);
    this.mask = mask;
    this.capacity = capacity;
  }

  async step(type: TokenType, position: number, values: TokenValues): Promise<Float32Array> {
    this.ensureCapacity(position);
    const B = this.batch;
    const { heads: h, keySize: k, layers } = this.config;
    const C = this.capacity;
    const feeds: Record<string, ort.Tensor> = {
      ...this.sessions.stepFeeds[type],
      space_group: this.spaceGroup,
      position: new ort.Tensor('int64', BigInt64Array.of(BigInt(position)), [1]),
      cache_mask: new ort.Tensor('float32', this.mask, [C]),
    };
    if (type === 'w') {
      feeds.wyckoff = new ort.Tensor('int64', BigInt64Array.from(values.ints!, (v) => BigInt(v)), [B, 1]);
      feeds.multiplicity = new ort.Tensor('float32', values.multiplicity!, [B, 1, 1]);
    } else if (type === 'a') {
      feeds.atoms = new ort.Tensor('int64', BigInt64Array.from(values.ints!, (v) => BigInt(v)), [B, 1]);
    } else {
      feeds.coord = new ort.Tensor('float32', values.floats!, [B, 1, 1]);
    }
    const used = B * this.rowSize();
    for (let l = 0; l < layers; l++) {
      feeds[cacheName.keys(l)] = new ort.Tensor('float32', this.keys[l]!.subarray(0, used), [B, h, k, C]);
      feeds[cacheName.values(l)] = new ort.Tensor('float32', this.values[l]!.subarray(0, used), [B, h, C, k]);
    }
    const out = await this.sessions.steps[type].run(feeds);
    // Write position `position` of every crystal and head.
    for (let l = 0; l < layers; l++) {
      const newKey = out[cacheName.newKey(l)]!.data as Float32Array; // [B, h, 1, k]
      const newValue = out[cacheName.newValue(l)]!.data as Float32Array;
      const keys = this.keys[l]!;
      const vals = this.values[l]!;
      // Plain index loops: a subarray per (crystal, head) costs more than the copy itself.
      for (let bh = 0; bh < B * h; bh++) {
        const from = bh * k;
        const valueAt = (bh * C + position) * k;
        for (let d = 0; d < k; d++) {
          keys[(from + d) * C + position] = newKey[from + d]!;
          vals[valueAt + d] = newValue[from + d]!;
        }
      }
    }
    this.mask[position] = 0;
    return out.row!.data as Float32Array;
  }

  keep(indices: readonly number[]): void {
    if (indices.length === this.batch) return;
    this.spaceGroup = keepRows(this.spaceGroup, indices);
    const size = this.rowSize();
    // Indices ascend, so moving row r down to i ≤ r never overwrites a row still to be moved.
    for (const buffer of [...this.keys, ...this.values]) {
      indices.forEach((row, i) => {
        if (row !== i) buffer.copyWithin(i * size, row * size, (row + 1) * size);
      });
    }
    this.batch = indices.length;
  }

  async release(): Promise<void> {
    await releaseDecodeSessions(this.sessions);
  }
}

interface DecodeSessions {
  first: EngineSession;
  steps: Record<TokenType, EngineSession>;
  /** Parameter tensors fed at every run (empty when the weights are in the graph). */
  firstFeeds: Record<string, ort.Tensor>;
  stepFeeds: Record<TokenType, Record<string, ort.Tensor>>;
}

/**
 * The decode sessions take turns (one token type after another), so with more than one thread each idle session's
 * pool would spin on the cores the running one needs: spinning off (issue #19's measurements: with spinning, two
 * threads sampled at under half the one-thread rate; `CFSTUDIO_BENCH_THREADS=2 npm run bench:sample` measures it).
 */
const NO_SPINNING = { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } };

async function openDecodeSessions(config: ModelConfig, params: ParameterStore, threads: number | undefined, weightsInGraph: boolean): Promise<DecodeSessions> {
  const options = { workload: 'sampling' as const, log: () => {}, extra: NO_SPINNING, ...(threads ? { intraOpNumThreads: threads } : {}) };
  const weights = weightsInGraph ? new Map(params.names().map((name) => [name, params.get(name)] as const)) : undefined;
  const firstGraph = buildFirstWyckoffGraph(config, weights);
  const first = await createSession(firstGraph.bytes, options);
  const steps = {} as Record<TokenType, EngineSession>;
  const stepFeeds = {} as Record<TokenType, Record<string, ort.Tensor>>;
  for (const type of TOKEN_TYPES) {
    const graph = buildDecodeStepGraph(config, type, weights);
    steps[type] = await createSession(graph.bytes, options);
    stepFeeds[type] = parameterFeeds(params, graph.parameterNames);
  }
  return { first, steps, firstFeeds: parameterFeeds(params, firstGraph.parameterNames), stepFeeds };
}

async function releaseDecodeSessions(sessions: DecodeSessions): Promise<void> {
  await sessions.first.release();
  for (const type of TOKEN_TYPES) await sessions.steps[type].release();
}

/** Re-runs the full network on the prefix at every step (no cache), for comparison. */
export class PrefixBackend implements StepBackend {
  readonly outputWidth: number;
  private batch = 0;
  private spaceGroups = new Int32Array(0);
  private wyckoff = new Int32Array(0);
  private atoms = new Int32Array(0);
  private multiplicity = new Float32Array(0);
  private coords = new Float32Array(0);

  private constructor(
    private readonly first: KvCacheBackend,
    private readonly full: EngineSession,
    private fullParams: Record<string, ort.Tensor>,
    config: ModelConfig,
  ) {
    this.outputWidth = outputSize(config);
  }

  setParameters(params: ParameterStore): void {
    this.fullParams = parameterFeeds(params, Object.keys(this.fullParams));
    this.first.setParameters(params);
  }

  static async create(config: ModelConfig, params: ParameterStore, threads?: number): Promise<PrefixBackend> {
    const graph = new Graph();
    const net = new CrystalFormerNetwork(graph, config);
    const inputs = declareNetworkInputs(graph);
    const rows = net.outputs(inputs, net.spaceGroupEmbedding(inputs.spaceGroup));
    const { bytes } = exportModel(graph, { outputs: { rows }, parametersAs: 'inputs', name: 'crystalformer-rows' });
    const options = { workload: 'sampling' as const, log: () => {}, ...(threads ? { intraOpNumThreads: threads } : {}) };
    const full = await createSession(bytes, options);
    const used = graph.parameters.map((p) => p.name);
    return new PrefixBackend(await KvCacheBackend.create(config, params, threads), full, parameterFeeds(params, used), config);
  }

  async start(spaceGroups: Int32Array): Promise<Float32Array> {
    const B = spaceGroups.length;
    this.batch = B;
    this.spaceGroups = Int32Array.from(spaceGroups);
    this.wyckoff = new Int32Array(B * N_SLOTS);
    this.atoms = new Int32Array(B * N_SLOTS);
    this.multiplicity = new Float32Array(B * N_SLOTS);
    this.coords = new Float32Array(B * N_SLOTS * 3);
    return this.first.start(spaceGroups);
  }

  async step(type: TokenType, position: number, values: TokenValues): Promise<Float32Array> {
    const B = this.batch;
    const slot = Math.floor(position / TOKENS_PER_SLOT);
    const kind = position % TOKENS_PER_SLOT;
    for (let b = 0; b < B; b++) {
      const cell = b * N_SLOTS + slot;
      if (type === 'w') {
        this.wyckoff[cell] = values.ints![b]!;
        this.multiplicity[cell] = values.multiplicity![b]!;
      } else if (type === 'a') this.atoms[cell] = values.ints![b]!;
      else this.coords[cell * 3 + kind - 2] = values.floats![b]!;
    }
    const S = slot + 1;
    const take = <T extends Int32Array | Float32Array>(source: T, width: number): T => {
      const out = new (source.constructor as { new (n: number): T })(B * S * width);
      for (let b = 0; b < B; b++) out.set(source.subarray(b * N_SLOTS * width, (b * N_SLOTS + S) * width), b * S * width);
      return out;
    };
    const T = S * TOKENS_PER_SLOT;
    const out = await this.full.run({
      ...this.fullParams,
      space_group: spaceGroupTensor(this.spaceGroups),
      wyckoff: new ort.Tensor('int64', BigInt64Array.from(take(this.wyckoff, 1), (v) => BigInt(v)), [B, S]),
      atoms: new ort.Tensor('int64', BigInt64Array.from(take(this.atoms, 1), (v) => BigInt(v)), [B, S]),
      coords: new ort.Tensor('float32', take(this.coords, 3), [B, S, 3]),
      multiplicity: new ort.Tensor('float32', take(this.multiplicity, 1), [B, S, 1]),
      positions: new ort.Tensor('int64', positions(T), [T]),
      causal_mask: new ort.Tensor('float32', causalMask(T), [T, T]),
    });
    const rows = out.rows!.data as Float32Array; // [B, S, 5, O]
    const O = this.outputWidth;
    const result = new Float32Array(B * O);
    for (let b = 0; b < B; b++) result.set(rows.subarray(((b * S + slot) * TOKENS_PER_SLOT + kind) * O, ((b * S + slot) * TOKENS_PER_SLOT + kind + 1) * O), b * O);
    return result;
  }

  keep(indices: readonly number[]): void {
    if (indices.length === this.batch) return;
    const pick = <T extends Int32Array | Float32Array>(source: T, width: number): T => {
      const out = new (source.constructor as { new (n: number): T })(indices.length * width);
      indices.forEach((row, i) => out.set(source.subarray(row * width, (row + 1) * width), i * width));
      return out;
    };
    this.spaceGroups = pick(this.spaceGroups, 1);
    this.wyckoff = pick(this.wyckoff, N_SLOTS);
    this.atoms = pick(this.atoms, N_SLOTS);
    this.multiplicity = pick(this.multiplicity, N_SLOTS);
    this.coords = pick(this.coords, N_SLOTS * 3);
    this.batch = indices.length;
    this.first.keep(indices);
  }

  async release(): Promise<void> {
    await this.full.release();
    await this.first.release();
  }
}
