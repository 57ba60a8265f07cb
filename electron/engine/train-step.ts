/**
 * The training step: ONE onnxruntime run per update. Its graph takes the batch, the parameters, the Adam moments,
 * the step count and the learning rate, and returns the loss (plus metrics), the new parameters and the new
 * moments — gradients, clipping and the update are all computed inside the graph.
 *
 * All parameters live in one flat float32 vector (and so do the moments; see optim/adam.ts for the layout), so
 * the graph has three state inputs and three state outputs however large the model. They live in two buffer sets
 * owned by JavaScript: each run reads set A as inputs and is given set B as pre-allocated outputs (`fetches`), then
 * the sets swap. This does NOT keep the weights inside onnxruntime without copies: onnxruntime-node 1.30 fills the
 * pre-allocated buffers and still returns each output in a new JavaScript buffer, so the state crosses at least
 * once per step either way. The 'copy' mode (fresh outputs, copied back into set A) exists for comparison;
 * `npm run bench:engine` times both on the shipped model — the state (3 × 4 bytes per parameter) is a few ms of
 * copying against a step of hundreds, so the two measure alike.
 */
import { Graph, exportModel, grad, type ModelSignature, type Tensor } from './graph/index.ts';
import { adamInputName, adamUpdate, type AdamOptions, type ParameterLayout } from './optim/adam.ts';
import { createSession, ort, type CreateSessionOptions, type EngineSession } from './runtime.ts';

/** Where initial weights come from: a Map, or anything with get(name) (e.g. a ParameterStore). */
export type ParameterSource = ReadonlyMap<string, Float32Array> | { get(name: string): Float32Array | undefined };

export interface TrainingStepOptions {
  /** Builds the model and its loss in `graph` (a training graph: dropout active). Parameters come from graph.parameter(). */
  build(graph: Graph): { loss: Tensor; metrics?: Record<string, Tensor> };
  /** Initial parameter values by name, or a function making them once the graph's parameters are known. */
  parameters: ParameterSource | ((parameters: readonly Tensor[]) => ParameterSource);
  optimizer?: AdamOptions;
  /** 'double' (default): the other buffer set as pre-allocated outputs, then swap. 'copy': naive, for benchmarks. */
  buffering?: 'double' | 'copy';
  /** Dropout seed base for the training graph. */
  seed?: number;
  session?: Omit<CreateSessionOptions, 'cache'>;
}

export interface StepResult {
  loss: number;
  /** Gradient norm before clipping. */
  gradNorm: number;
  metrics: Record<string, number>;
}

/** Optimizer state, e.g. for checkpoints. Arrays are copies. */
export interface TrainingState {
  step: number;
  parameters: Map<string, Float32Array>;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/** Flat parameter vector and Adam moments, laid out as in ParameterLayout. */
interface BufferSet {
  params: ort.Tensor;
  m: ort.Tensor;
  v: ort.Tensor;
}

const OUT = { params: 'new/params', m: 'new/m', v: 'new/v' };

export class TrainingStep {
  private current: BufferSet;
  private next: BufferSet;
  private steps = 0;
  private readonly stepValue = new Float32Array(1);
  private readonly lrValue = new Float32Array(1);
  private readonly stepTensor: ort.Tensor;
  private readonly lrTensor: ort.Tensor;
  private readonly feeds: Record<string, ort.Tensor> = {};

  private constructor(
    private readonly engine: EngineSession,
    /** Parameter names in graph order. */
    readonly parameterNames: readonly string[],
    readonly parameterShapes: readonly (readonly number[])[],
    /** Where each parameter sits in the flat buffers. */
    readonly layout: ParameterLayout,
    /** The batch inputs the graph expects (name, dtype, shape with symbolic dims). */
    readonly batchInputs: ModelSignature['inputs'],
    readonly metricNames: readonly string[],
    readonly buffering: 'double' | 'copy',
    initial: readonly Float32Array[],
  ) {
    const make = (): BufferSet => ({
      params: new ort.Tensor('float32', new Float32Array(layout.size), [layout.size]),
      m: new ort.Tensor('float32', new Float32Array(layout.size), [layout.size]),
      v: new ort.Tensor('float32', new Float32Array(layout.size), [layout.size]),
    });
    this.current = make();
    this.next = buffering === 'double' ? make() : this.current;
    initial.forEach((values, i) => this.view(this.current.params, i).set(values));
    this.stepTensor = new ort.Tensor('float32', this.stepValue, []);
    this.lrTensor = new ort.Tensor('float32', this.lrValue, []);
  }

  static async create(options: TrainingStepOptions): Promise<TrainingStep> {
    const graph = new Graph({ training: true, seed: options.seed ?? 0 });
    const { loss, metrics = {} } = options.build(graph);
    const params = [...graph.parameters];
    for (const p of params) {
      if (p.dtype !== 'float32') throw new Error(`TrainingStep: parameter '${p.name}' is ${p.dtype}; training runs in float32`);
    }
    const batchInputs = [...graph.inputs];
    const grads = grad(loss, params);
    const adam = adamUpdate(graph, params, grads, options.optimizer);
    const outputs: Record<string, Tensor> = { loss, grad_norm: adam.gradNorm };
    for (const [name, t] of Object.entries(metrics)) outputs[`metric/${name}`] = t;
    outputs[OUT.params] = adam.newParams;
    outputs[OUT.m] = adam.newM;
    outputs[OUT.v] = adam.newV;
    const { bytes, signature } = exportModel(graph, {
      inputs: [...batchInputs, adam.params, adam.m, adam.v, adam.step, adam.lr],
      outputs,
      parametersAs: 'packed',
      packed: { input: adam.params, offsets: adam.layout.offsets },
      name: 'training_step',
    });
    const source = typeof options.parameters === 'function' ? options.parameters(params) : options.parameters;
    const initial = params.map((p) => {
      const values = source.get(p.name);
      const expected = size(p.shape as number[]);
      if (!values) throw new Error(`TrainingStep: no initial value for parameter '${p.name}'`);
      if (values.length !== expected) throw new Error(`TrainingStep: parameter '${p.name}' needs ${expected} values, got ${values.length}`);
      return values;
    });
    const engine = await createSession(bytes, { workload: 'training', ...options.session, cache: false });
    const batchSignature = signature.inputs.filter((i) => batchInputs.some((t) => t.name === i.name));
    return new TrainingStep(
      engine,
      params.map((p) => p.name),
      params.map((p) => p.shape as number[]),
      adam.layout,
      batchSignature,
      Object.keys(metrics),
      options.buffering ?? 'double',
      initial,
    );
  }

  /** Number of updates done so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The onnxruntime session running the step (e.g. for profiling). */
  get session(): EngineSession {
    return this.engine;
  }

  /** One update with learning rate `lr` on `batch` (tensors by batch input name). */
  async run(batch: Readonly<Record<string, ort.Tensor>>, lr: number): Promise<StepResult> {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`TrainingStep.run: learning rate must be a finite non-negative number, got ${lr}`);
    for (const input of this.batchInputs) {
      if (!batch[input.name]) throw new Error(`TrainingStep.run: batch is missing input '${input.name}'`);
    }
    this.stepValue[0] = this.steps + 1;
    this.lrValue[0] = lr;
    const feeds = this.feeds;
    for (const input of this.batchInputs) feeds[input.name] = batch[input.name]!;
    feeds[adamInputName.step] = this.stepTensor;
    feeds[adamInputName.lr] = this.lrTensor;
    feeds[adamInputName.params] = this.current.params;
    feeds[adamInputName.m] = this.current.m;
    feeds[adamInputName.v] = this.current.v;
    let results: Record<string, ort.Tensor>;
    try {
      if (this.buffering === 'double') {
        const fetches: Record<string, ort.Tensor | null> = { loss: null, grad_norm: null, [OUT.params]: this.next.params, [OUT.m]: this.next.m, [OUT.v]: this.next.v };
        for (const name of this.metricNames) fetches[`metric/${name}`] = null;
        results = (await this.engine.session.run(feeds, fetches)) as Record<string, ort.Tensor>;
        [this.current, this.next] = [this.next, this.current];
      } else {
        results = (await this.engine.session.run(feeds)) as Record<string, ort.Tensor>;
        (this.current.params.data as Float32Array).set(results[OUT.params]!.data as Float32Array);
        (this.current.m.data as Float32Array).set(results[OUT.m]!.data as Float32Array);
        (this.current.v.data as Float32Array).set(results[OUT.v]!.data as Float32Array);
      }
    } catch (error) {
      throw new Error(`TrainingStep.run (step ${this.steps + 1}): ${error instanceof Error ? error.message : String(error)}`);
    }
    this.steps++;
    const metrics: Record<string, number> = {};
    for (const name of this.metricNames) metrics[name] = scalarOf(results[`metric/${name}`]!);
    return { loss: scalarOf(results.loss!), gradNorm: scalarOf(results.grad_norm!), metrics };
  }

  /** Current parameter values by name. Views into the live buffers: copy them if you keep them across steps. */
  parameters(): Map<string, Float32Array> {
    return new Map(this.parameterNames.map((name, i) => [name, this.view(this.current.params, i)]));
  }

  /** A copy of the full optimizer state. */
  state(): TrainingState {
    const copy = (t: ort.Tensor) => new Map(this.parameterNames.map((name, i) => [name, Float32Array.from(this.view(t, i))]));
    return { step: this.steps, parameters: copy(this.current.params), m: copy(this.current.m), v: copy(this.current.v) };
  }

  /** Restores a state from state() (or a checkpoint); every parameter must be present with the right size. */
  loadState(state: TrainingState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`TrainingStep.loadState: bad step ${state.step}`);
    const parts: [string, Map<string, Float32Array>, ort.Tensor][] = [
      ['parameters', state.parameters, this.current.params],
      ['m', state.m, this.current.m],
      ['v', state.v, this.current.v],
    ];
    for (const [what, source] of parts) {
      this.parameterNames.forEach((name, i) => {
        const values = source.get(name);
        if (!values || values.length !== size(this.parameterShapes[i]!)) throw new Error(`TrainingStep.loadState: ${what} '${name}' missing or of wrong size`);
      });
    }
    for (const [, source, target] of parts) this.parameterNames.forEach((name, i) => this.view(target, i).set(source.get(name)!));
    this.steps = state.step;
  }

  async release(): Promise<void> {
    await this.engine.release();
  }

  /** Parameter i's slice of a flat buffer. */
  private view(t: ort.Tensor, i: number): Float32Array {
    const offset = this.layout.offsets.get(this.parameterNames[i]!)!;
    return (t.data as Float32Array).subarray(offset, offset + size(this.parameterShapes[i]!));
  }
}

function size(shape: readonly (number | string)[]): number {
  return shape.reduce<number>((a, d) => a * (d as number), 1);
}

function scalarOf(t: ort.Tensor): number {
  return Number((t.data as Float32Array)[0]);
}
