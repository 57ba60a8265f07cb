/**
 * Tensor and Graph: the builder surface. A Graph records nodes as ops are applied; a Tensor is a typed value in
 * that graph (a graph input, a parameter, a constant, or a node output). Nothing is computed here — the graph is
 * emitted as ONNX (./onnx.ts) and run by onnxruntime.
 *
 * Tensor methods are thin: each forwards to the op function of the same name in ./ops/, where the shape rule,
 * ONNX emission and backward rule of that op sit together.
 */
import type { Dim, Shape } from './dims.ts';
import { canonicalDim, formatShape, isStatic } from './dims.ts';
import type { DType, Node, OpDef, TensorType } from './op.ts';
import { GraphError } from './op.ts';
import * as el from './ops/elementwise.ts';
import * as red from './ops/reduce.ts';
import * as mv from './ops/movement.ts';
import * as la from './ops/linalg.ts';
import * as nn from './ops/nn.ts';

export type TensorSource =
  | { readonly kind: 'input' }
  | { readonly kind: 'parameter' }
  | { readonly kind: 'constant'; readonly values: ConstantValues }
  | { readonly kind: 'node'; readonly node: Node; readonly index: number };

export type ConstantValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

type Operand = Tensor | number;

export class Tensor implements TensorType {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
    readonly source: TensorSource,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }

  // elementwise arithmetic (broadcasting; numbers become scalars of this tensor's dtype)
  add(o: Operand): Tensor { return el.add(this, o); }
  sub(o: Operand): Tensor { return el.sub(this, o); }
  mul(o: Operand): Tensor { return el.mul(this, o); }
  div(o: Operand): Tensor { return el.div(this, o); }
  pow(o: Operand): Tensor { return el.pow(this, o); }
  maximum(o: Operand): Tensor { return el.maximum(this, o); }
  minimum(o: Operand): Tensor { return el.minimum(this, o); }
  neg(): Tensor { return el.neg(this); }
  abs(): Tensor { return el.abs(this); }
  sign(): Tensor { return el.sign(this); }
  exp(): Tensor { return el.exp(this); }
  log(): Tensor { return el.log(this); }
  sqrt(): Tensor { return el.sqrt(this); }
  tanh(): Tensor { return el.tanh(this); }
  sigmoid(): Tensor { return el.sigmoid(this); }
  softplus(): Tensor { return el.softplus(this); }
  sin(): Tensor { return el.sin(this); }
  cos(): Tensor { return el.cos(this); }
  relu(): Tensor { return el.relu(this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return el.gelu(this, approximate); }
  erf(): Tensor { return el.erf(this); }
  clip(min: number, max: number): Tensor { return el.clip(this, min, max); }
  cast(dtype: DType): Tensor { return el.cast(this, dtype); }
  identity(): Tensor { return el.identity(this); }
  /** Same value, but no gradient flows through it. */
  stopGradient(): Tensor { return el.stopGradient(this); }

  // comparisons and logic (bool results, no gradient)
  less(o: Operand): Tensor { return el.less(this, o); }
  lessOrEqual(o: Operand): Tensor { return el.lessOrEqual(this, o); }
  greater(o: Operand): Tensor { return el.greater(this, o); }
  greaterOrEqual(o: Operand): Tensor { return el.greaterOrEqual(this, o); }
  equal(o: Operand): Tensor { return el.equal(this, o); }
  not(): Tensor { return el.not(this); }
  and(o: Tensor): Tensor { return el.and(this, o); }
  or(o: Tensor): Tensor { return el.or(this, o); }

  // reductions and normalisers
  sum(axes?: number | readonly number[], keepDims = false): Tensor { return red.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims = false): Tensor { return red.mean(this, axes, keepDims); }
  max(axes?: number | readonly number[], keepDims = false): Tensor { return red.max(this, axes, keepDims); }
  logSumExp(axes?: number | readonly number[], keepDims = false): Tensor { return red.logSumExp(this, axes, keepDims); }
  /** Index of the maximum along `axis` (int64, no gradient). */
  argmax(axis = -1, keepDims = false): Tensor { return red.argmax(this, axis, keepDims); }
  softmax(axis = -1): Tensor { return red.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return red.logSoftmax(this, axis); }
  cumsum(axis: number, options: { exclusive?: boolean; reverse?: boolean } = {}): Tensor { return red.cumsum(this, axis, options); }

  // movement
  reshape(shape: Shape): Tensor { return mv.reshape(this, shape); }
  transpose(perm?: readonly number[]): Tensor { return mv.transpose(this, perm); }
  unsqueeze(axes: number | readonly number[]): Tensor { return mv.unsqueeze(this, axes); }
  squeeze(axes: number | readonly number[]): Tensor { return mv.squeeze(this, axes); }
  expand(shape: Shape): Tensor { return mv.expand(this, shape); }
  /** Pieces of the given sizes along a static axis (backward: one Concat — prefer it to several slices). */
  split(sizes: readonly number[], axis: number): Tensor[] { return mv.split(this, sizes, axis); }
  slice(starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
    return mv.slice(this, starts, ends, axes, steps);
  }
  /** Rows of this table picked by integer indices (embedding lookup when axis = 0). */
  gather(indices: Tensor, axis = 0): Tensor { return mv.gather(this, indices, axis); }
  /** out[i][j] = this[i][indices[i][j]] along `axis` (e.g. the log-probability of each target token). */
  gatherElements(indices: Tensor, axis: number): Tensor { return mv.gatherElements(this, indices, axis); }
  /** One-hot encoding of integer indices along a new last axis. */
  oneHot(depth: number, dtype: DType = 'float32'): Tensor { return mv.oneHot(this, depth, dtype); }

  // linear algebra
  matmul(o: Tensor): Tensor { return la.matmul(this, o); }

  // neural-network ops
  layerNorm(scale: Tensor, bias?: Tensor, options: { axis?: number; epsilon?: number } = {}): Tensor {
    return nn.layerNorm(this, scale, bias, options);
  }
  /** Inverted dropout; identity unless the graph was built with `training: true`. */
  dropout(ratio: number): Tensor { return nn.dropout(this, ratio); }
}

export interface GraphOptions {
  /** Training graphs apply dropout; inference graphs skip it. Default false. */
  training?: boolean;
  /** Base seed for dropout nodes (each node gets base + its index). Default 0. */
  seed?: number;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly parameters: Tensor[] = [];
  readonly training: boolean;
  private readonly seed: number;
  private dropoutCount = 0;
  private nextId = 0;
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, Tensor>();

  constructor(options: GraphOptions = {}) {
    this.training = options.training ?? false;
    this.seed = options.seed ?? 0;
  }

  /** A value fed when the graph runs. Symbolic dims (strings) may vary from run to run. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    const t = this.leaf(name, dtype, shape, { kind: 'input' });
    this.inputs.push(t);
    return t;
  }

  /** A trainable weight: a graph input in training graphs, an initializer in exported inference graphs. */
  parameter(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    if (!isStatic(shape)) throw new GraphError(`parameter '${name}': shape must be static, got ${formatShape(shape)}`);
    const t = this.leaf(name, dtype, shape, { kind: 'parameter' });
    this.parameters.push(t);
    return t;
  }

  /** A constant tensor stored in the model. `values` has one entry per element, row-major. */
  constant(values: ArrayLike<number | bigint | boolean>, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) {
      throw new GraphError(`constant: ${values.length} values do not fill shape ${formatShape(shape)} (${size} elements)`);
    }
    return this.leaf(`const~${this.nextId}`, dtype, shape, { kind: 'constant', values: toTypedArray(values, dtype) }, false);
  }

  /** A scalar constant (shared: asking twice for the same value and dtype gives the same tensor). */
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
    let t = this.scalars.get(key);
    if (!t) {
      t = this.constant([value], [], dtype);
      this.scalars.set(key, t);
    }
    return t;
  }

  /** Applies an op: runs its shape rule, records the node, returns its outputs. Used by the op functions. */
  apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
    for (const t of inputs) {
      if (t.graph !== this) throw new GraphError(`${op.name}: input ${t.name} belongs to another graph`);
    }
    const types = op.infer(inputs, attrs);
    const outputs: Tensor[] = [];
    const node: Node<A> = { id: this.nextId++, op, inputs, attrs, outputs };
    types.forEach((type, index) => {
      // '~' cannot appear in user-chosen names, so generated names never collide with inputs or parameters.
      const name = types.length === 1 ? `${op.name}~${node.id}` : `${op.name}~${node.id}.${index}`;
      outputs.push(new Tensor(this, this.nextId++, name, type.dtype, type.shape.map(canonicalDim), { kind: 'node', node: node as Node, index }));
    });
    this.nodes.push(node as Node);
    return outputs;
  }

  /** A fresh seed for the next dropout node, so masks differ between layers but repeat between runs of graphs built alike. */
  nextDropoutSeed(): number {
    return this.seed + this.dropoutCount++;
  }

  private leaf(name: string, dtype: DType, shape: Shape, source: TensorSource, userNamed = true): Tensor {
    if (userNamed) {
      if (this.names.has(name)) throw new GraphError(`name '${name}' is already used in this graph`);
      if (!/^[A-Za-z_][A-Za-z0-9_.:/-]*$/.test(name)) throw new GraphError(`name '${name}' is not a valid value name (letters, digits, _ . : / -)`);
      this.names.add(name);
    }
    for (const d of shape) {
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) throw new GraphError(`'${name}': bad dimension ${d} in ${formatShape(shape)}`);
    }
    return new Tensor(this, this.nextId++, name, dtype, shape.map(canonicalDim), source);
  }
}

function toTypedArray(values: ArrayLike<number | bigint | boolean>, dtype: DType): ConstantValues {
  const n = values.length;
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: n }, (_, i) => Number(values[i]));
    case 'float64':
      return Float64Array.from({ length: n }, (_, i) => Number(values[i]));
    case 'int32':
      return Int32Array.from({ length: n }, (_, i) => Number(values[i]));
    case 'int64':
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(values[i]!));
    case 'bool':
      return Uint8Array.from({ length: n }, (_, i) => (values[i] ? 1 : 0));
  }
}
