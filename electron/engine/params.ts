/**
 * ParameterStore: the model's trainable weights as named float32 tensors, in a fixed order (the order they were
 * created or read), with initialisation schemes driven by a seeded Rng and safetensors save/load.
 *
 * Initialisation draws each parameter from its own sub-stream `rng.fork(name)`, so a parameter's initial values
 * depend only on the seed and its name: adding, removing or reordering other parameters leaves it unchanged.
 */
import { Rng } from '../../shared/random.ts';
import { parseSafetensors, serializeSafetensors, type SafetensorsContents, type TensorToWrite } from './safetensors.ts';

/** Fills a new tensor of `shape` using random numbers from `rng`. */
export type Initializer = (shape: readonly number[], rng: Rng) => Float32Array;

export interface ParameterTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

function checkShape(shape: readonly number[], what: string): void {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${what}: invalid shape [${shape.join(', ')}]`);
}

/**
 * Fan-in and fan-out of a weight in the [..., in, out] layout of `x · W` (as in Haiku and Flax): fanIn is the
 * product of every dimension but the last, fanOut the last. A rank-1 shape [n] has fanIn = fanOut = n and a scalar
 * 1 and 1, matching Haiku's `_compute_fans`.
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const fanOut = shape[shape.length - 1]!;
  return { fanIn: elementCount(shape) / Math.max(fanOut, 1), fanOut };
}

function filled(shape: readonly number[], value: number): Float32Array {
  return new Float32Array(elementCount(shape)).fill(value);
}

/** The initialisation schemes. Each returns an Initializer; none keeps state between calls. */
export const init = {
  zeros: (): Initializer => (shape) => filled(shape, 0),
  ones: (): Initializer => (shape) => filled(shape, 1),
  constant: (value: number): Initializer => (shape) => filled(shape, value),

  /** Independent normal draws with the given mean and standard deviation. */
  normal: (std = 1, mean = 0): Initializer => (shape, rng) => {
    const out = new Float32Array(elementCount(shape));
    for (let i = 0; i < out.length; i++) out[i] = rng.normal(mean, std);
    return out;
  },

  /**
   * Normal(mean, std²) conditioned on |x − mean| ≤ bound·std, by rejection (95.4 % acceptance at bound 2).
   * Same meaning as Haiku's `hk.initializers.TruncatedNormal(stddev)`, which CrystalFormer uses with std 0.01 and
   * truncation at ±2σ: `std` is the scale before truncation, so the values' actual standard deviation is
   * ≈ 0.8796·std at bound 2 (no variance correction, as in Haiku).
   */
  truncatedNormal: (std = 0.01, bound = 2, mean = 0): Initializer => {
    if (!(bound > 0)) throw new Error(`truncatedNormal: bound must be > 0 standard deviations, got ${bound}`);
    return (shape, rng) => {
      const out = new Float32Array(elementCount(shape));
      for (let i = 0; i < out.length; i++) {
        let z: number;
        do z = rng.normal(); while (Math.abs(z) > bound);
        out[i] = mean + std * z;
      }
      return out;
    };
  },

  /** Glorot & Bengio (2010): U(−a, a) with a = gain·sqrt(6 / (fanIn + fanOut)). */
  xavierUniform: (gain = 1): Initializer => (shape, rng) => {
    const { fanIn, fanOut } = computeFans(shape);
    const limit = gain * Math.sqrt(6 / Math.max(fanIn + fanOut, 1));
    const out = new Float32Array(elementCount(shape));
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
    return out;
  },

  /** He et al. (2015): Normal(0, 2 / fanIn), untruncated (as torch's kaiming_normal_ with fan_in). */
  heNormal: (): Initializer => (shape, rng) => {
    const { fanIn } = computeFans(shape);
    const std = Math.sqrt(2 / Math.max(fanIn, 1));
    const out = new Float32Array(elementCount(shape));
    for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, std);
    return out;
  },
} as const;

export interface AssignOptions {
  /** Allow parameters of this store that the source lacks (they keep their values). Default false. */
  allowMissing?: boolean;
  /** Allow tensors in the source that this store has no parameter for (they are ignored). Default false. */
  allowUnexpected?: boolean;
}

export class ParameterStore {
  private readonly tensors = new Map<string, { shape: number[]; data: Float32Array }>();

  /** `rng` seeds initialisation; parameter `name` draws from `rng.fork(name)`. */
  constructor(private readonly rng: Rng = new Rng(0)) {}

  /** Create a parameter initialised by `initializer`. Throws when the name is taken. Returns its data. */
  create(name: string, shape: readonly number[], initializer: Initializer): Float32Array {
    if (name === '') throw new Error('ParameterStore: parameter names must not be empty');
    if (this.tensors.has(name)) throw new Error(`ParameterStore: parameter '${name}' already exists`);
    checkShape(shape, `parameter '${name}'`);
    const data = initializer(shape, this.rng.fork(name));
    if (data.length !== elementCount(shape)) throw new Error(`ParameterStore: initializer for '${name}' returned ${data.length} values for shape [${shape.join(', ')}]`);
    this.tensors.set(name, { shape: [...shape], data });
    return data;
  }

  /**
   * Set a parameter's values. A new name needs `shape`; an existing one keeps its position in the order and must
   * keep its shape (pass `shape` equal to the old one or omit it). The array is stored as is, not copied.
   */
  set(name: string, data: Float32Array, shape?: readonly number[]): void {
    const existing = this.tensors.get(name);
    const newShape = shape ?? existing?.shape;
    if (newShape === undefined) throw new Error(`ParameterStore: set('${name}') needs a shape for a new parameter`);
    checkShape(newShape, `parameter '${name}'`);
    if (existing && (existing.shape.length !== newShape.length || existing.shape.some((d, i) => d !== newShape[i]))) {
      throw new Error(`ParameterStore: parameter '${name}' has shape [${existing.shape.join(', ')}], cannot set shape [${newShape.join(', ')}]`);
    }
    if (data.length !== elementCount(newShape)) throw new Error(`ParameterStore: '${name}' shape [${newShape.join(', ')}] needs ${elementCount(newShape)} values, got ${data.length}`);
    if (existing) existing.data = data;
    else this.tensors.set(name, { shape: [...newShape], data });
  }

  get(name: string): Float32Array {
    return this.entry(name).data;
  }

  shape(name: string): readonly number[] {
    return this.entry(name).shape;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  delete(name: string): boolean {
    return this.tensors.delete(name);
  }

  /** Parameter names in store order (creation / file order). */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** Number of parameters (tensors). */
  get size(): number {
    return this.tensors.size;
  }

  /** Total number of scalar values across all parameters. */
  totalCount(): number {
    let total = 0;
    for (const { data } of this.tensors.values()) total += data.length;
    return total;
  }

  *entries(): IterableIterator<[string, ParameterTensor]> {
    for (const [name, tensor] of this.tensors) yield [name, tensor];
  }

  /** A deep copy (values copied), sharing the initialisation seed. */
  clone(): ParameterStore {
    const copy = new ParameterStore(this.rng.clone());
    for (const [name, { shape, data }] of this.tensors) copy.tensors.set(name, { shape: [...shape], data: data.slice() });
    return copy;
  }

  /**
   * Copy values from `source` into this store's existing parameters, checking shapes. By default every parameter
   * must be present in the source and the source must hold nothing else; the error lists what differs.
   */
  assign(source: ParameterStore | Map<string, ParameterTensor>, options: AssignOptions = {}, sourceName = 'source'): void {
    const incoming: Map<string, ParameterTensor> = source instanceof ParameterStore ? new Map(source.entries()) : source;
    const missing = this.names().filter((n) => !incoming.has(n));
    const unexpected = [...incoming.keys()].filter((n) => !this.tensors.has(n));
    const problems: string[] = [];
    if (missing.length && !options.allowMissing) problems.push(`missing ${missing.map((n) => `'${n}'`).join(', ')}`);
    if (unexpected.length && !options.allowUnexpected) problems.push(`unexpected ${unexpected.map((n) => `'${n}'`).join(', ')}`);
    for (const [name, tensor] of incoming) {
      const mine = this.tensors.get(name);
      if (mine && (mine.shape.length !== tensor.shape.length || mine.shape.some((d, i) => d !== tensor.shape[i]))) {
        problems.push(`'${name}' has shape [${tensor.shape.join(', ')}], expected [${mine.shape.join(', ')}]`);
      }
    }
    if (problems.length) throw new Error(`${sourceName}: parameters do not match the model: ${problems.join('; ')}`);
    for (const [name, tensor] of incoming) {
      const mine = this.tensors.get(name);
      if (mine) mine.data = Float32Array.from(tensor.data);
    }
  }

  /** Tensors for a safetensors file (shared with checkpoint.ts, which adds optimizer state). */
  toTensorMap(prefix = ''): Map<string, TensorToWrite> {
    const out = new Map<string, TensorToWrite>();
    for (const [name, { shape, data }] of this.tensors) out.set(prefix + name, { data, shape, dtype: 'F32' });
    return out;
  }

  toSafetensors(metadata?: Record<string, string>): Uint8Array {
    return serializeSafetensors(this.toTensorMap(), metadata);
  }

  /**
   * A store holding every floating-point tensor of a safetensors file (F32 as is; F64, F16 and BF16 converted to
   * float32), in file order. Integer or boolean tensors are an error naming the tensor, since weights are floats.
   * `prefix` selects tensors whose names start with it and strips it.
   */
  static fromSafetensors(file: Uint8Array | SafetensorsContents, source = '<buffer>', prefix = ''): ParameterStore {
    const contents = file instanceof Uint8Array ? parseSafetensors(file, source) : file;
    const store = new ParameterStore();
    for (const [fullName, tensor] of contents.tensors) {
      if (!fullName.startsWith(prefix)) continue;
      const name = fullName.slice(prefix.length);
      if (tensor.data instanceof Float32Array) store.tensors.set(name, { shape: [...tensor.shape], data: tensor.data });
      else if (tensor.data instanceof Float64Array) store.tensors.set(name, { shape: [...tensor.shape], data: Float32Array.from(tensor.data) });
      else throw new Error(`${source}: tensor '${fullName}' is ${tensor.dtype}; parameters must be floating point`);
    }
    return store;
  }

  private entry(name: string): { shape: number[]; data: Float32Array } {
    const tensor = this.tensors.get(name);
    if (!tensor) throw new Error(`ParameterStore: no parameter named '${name}'`);
    return tensor;
  }
}
