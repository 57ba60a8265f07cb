/**
 * What an op is: a shape rule, an ONNX emitter and (for differentiable ops) a backward rule, kept in one record
 * so a reader sees all three side by side. The op table itself lives in ./ops/.
 */
import type { Dim, Shape } from './dims.ts';
import { formatShape } from './dims.ts';
import type { Tensor } from './tensor.ts';

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';

export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export interface TensorType {
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

/** A build-time error: bad shapes, dtypes or arguments. The message always starts with the op name. */
export class GraphError extends Error {
  override name = 'GraphError';
}

export function fail(op: string, message: string, inputs?: readonly TensorType[]): never {
  const shapes = inputs ? ` (inputs: ${inputs.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(', ')})` : '';
  throw new GraphError(`${op}: ${message}${shapes}`);
}

/** A node of the graph: one application of an op. */
export interface Node<A = unknown> {
  readonly id: number;
  readonly op: OpDef<A>;
  readonly inputs: readonly Tensor[];
  readonly attrs: A;
  readonly outputs: readonly Tensor[];
}

/** Typed ONNX attribute values (ONNX distinguishes int from float, so plain numbers are not enough). */
export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'scalarTensor'; readonly value: number; readonly dtype: DType };

export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  scalarTensor: (value: number, dtype: DType): Attr => ({ kind: 'scalarTensor', value, dtype }),
};

/** What an op's emitter may do while the ONNX graph is written (implemented in ../graph/onnx.ts). */
export interface Emitter {
  /** Appends one ONNX node. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs?: Record<string, Attr>, domain?: string): void;
  /** The ONNX value name of a tensor. */
  name(t: Tensor): string;
  /** A fresh value name for an intermediate result. */
  temp(hint: string): string;
  /** A shared 1-D int64 initializer. */
  int64s(values: readonly number[]): string;
  /** A shared scalar initializer. */
  scalar(value: number, dtype: DType): string;
  /** Shape(t) as a 1-D int64 value, computed once per tensor. */
  shapeOf(t: Tensor): string;
  /**
   * A 1-D int64 shape value for `dims`, for Reshape (mode 'reshape': 0 copies the input dim, -1 infers one) or
   * Expand (mode 'expand': 1 keeps the input dim). Symbolic dims are taken from the graph inputs at run time
   * when the ONNX shortcuts cannot express them.
   */
  shapeValue(dims: Shape, input: Tensor, mode: 'reshape' | 'expand'): string;
}

export type Grads = readonly (Tensor | null)[];
/** One gradient per input: a tensor, or null where none flows (non-differentiable input or zero). */
export type InputGrads = readonly (Tensor | null)[];

export interface OpDef<A = unknown> {
  /** Our name for the op; usually the ONNX op_type it emits. */
  readonly name: string;
  /** Shape and dtype rule; throws GraphError (via fail) naming the op. */
  infer(inputs: readonly TensorType[], attrs: A): TensorType[];
  /** Writes the ONNX node(s) computing the outputs. */
  emit(e: Emitter, node: Node<A>): void;
  /**
   * Vector-Jacobian product: the gradient of each input given the gradient of each output (null where no
   * gradient reaches that output). `needs[i]` says whether input i wants a gradient at all, so a rule may skip
   * work (its result for such inputs is ignored). Absent for ops that are not differentiable (comparisons).
   */
  backward?(node: Node<A>, grads: Grads, needs: readonly boolean[]): InputGrads;
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

/** Emits a node whose ONNX op_type is the op's name, inputs and outputs 1:1, with the given attributes. */
export function emitSame<A>(attrs?: (a: A) => Record<string, Attr>): (e: Emitter, node: Node<A>) => void {
  return (e, node) =>
    e.node(
      node.op.name,
      node.inputs.map((t) => e.name(t)),
      node.outputs.map((t) => e.name(t)),
      attrs ? attrs(node.attrs) : undefined,
    );
}
