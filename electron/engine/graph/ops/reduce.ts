/**
 * Reductions and normalisers: ReduceSum/Mean/Max, Softmax, LogSoftmax, a numerically stable logsumexp, CumSum.
 */
import { formatShape, isStatic, normalizeAxis } from '../dims.ts';
import type { DType, OpDef, TensorType } from '../op.ts';
import { attr, defineOp, emitSame, fail, isFloat } from '../op.ts';
import type { Tensor } from '../tensor.ts';
import { add, cast, div, equal, exp, log, mul, stopGradient, sub, ONNX_DTYPE_CODE } from './elementwise.ts';
import { expandLike, squeeze, unsqueeze } from './movement.ts';

interface ReduceAttrs {
  /** Normalised (non-negative), sorted, unique. */
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  const list = axes === undefined ? Array.from({ length: rank }, (_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    const n = normalizeAxis(a, rank);
    if (n === undefined) fail(op, `axis ${a} is out of range for rank ${rank}`);
    return n;
  });
  if (new Set(out).size !== out.length) fail(op, `repeated axis in [${list.join(', ')}]`);
  return out.sort((a, b) => a - b);
}

function reducedShape(x: TensorType, a: ReduceAttrs): (number | string)[] {
  const out: (number | string)[] = [];
  x.shape.forEach((d, i) => {
    if (!a.axes.includes(i)) out.push(d);
    else if (a.keepDims) out.push(1);
  });
  return out;
}

function reduceOp(name: string, backward: OpDef<ReduceAttrs>['backward']): OpDef<ReduceAttrs> {
  return defineOp<ReduceAttrs>({
    name,
    infer(inputs, a) {
      const x = inputs[0]!;
      if (x.dtype === 'bool') fail(name, 'needs a numeric tensor', inputs);
      return [{ dtype: x.dtype, shape: reducedShape(x, a) }];
    },
    emit: (e, node) =>
      e.node(name, [e.name(node.inputs[0]!), e.int64s(node.attrs.axes)], [e.name(node.outputs[0]!)], {
        keepdims: attr.int(node.attrs.keepDims ? 1 : 0),
      }),
    backward,
  });
}

/** The upstream gradient with the reduced axes restored (size 1), so it broadcasts against the input. */
function keep(g: Tensor, a: ReduceAttrs): Tensor {
  return a.keepDims || a.axes.length === 0 ? g : unsqueeze(g, a.axes);
}

export const ReduceSum = reduceOp('ReduceSum', (node, [g]) => [expandLike(keep(g!, node.attrs), node.inputs[0]!)]);

export const ReduceMean = reduceOp('ReduceMean', (node, [g]) => {
  const x = node.inputs[0]!;
  return [div(expandLike(keep(g!, node.attrs), x), countOf(x, node.attrs.axes))];
});

/** The gradient goes to the position(s) of the maximum, split evenly between ties. */
export const ReduceMax = reduceOp('ReduceMax', (node, [g]) => {
  const x = node.inputs[0]!;
  const keptMax = keep(node.outputs[0]!, node.attrs);
  const mask = cast(equal(x, keptMax), x.dtype);
  const ties = sum(mask, node.attrs.axes, true);
  return [mul(mask, div(keep(g!, node.attrs), ties))];
});

function reduce(op: OpDef<ReduceAttrs>, x: Tensor, axes: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  return x.graph.apply(op, [x], { axes: normalizeAxes(op.name, axes, x.rank), keepDims })[0]!;
}
export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduce(ReduceSum, x, axes, keepDims);
export const mean = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduce(ReduceMean, x, axes, keepDims);
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduce(ReduceMax, x, axes, keepDims);

/** Index of the maximum along one axis (int64; first index at ties). No gradient. */
export const ArgMax = defineOp<{ axis: number; keepDims: boolean }>({
  name: 'ArgMax',
  infer(inputs, a) {
    const x = inputs[0]!;
    if (x.dtype === 'bool') fail('ArgMax', 'needs a numeric tensor', inputs);
    return [{ dtype: 'int64', shape: reducedShape(x, { axes: [a.axis], keepDims: a.keepDims }) }];
  },
  emit: emitSame((a) => ({ axis: attr.int(a.axis), keepdims: attr.int(a.keepDims ? 1 : 0), select_last_index: attr.int(0) })),
});
export const argmax = (x: Tensor, axis = -1, keepDims = false): Tensor =>
  x.graph.apply(ArgMax, [x], { axis: axisOf('ArgMax', x, axis), keepDims })[0]!;

/** log Σ exp(x), computed as m + log Σ exp(x − m) with m the (gradient-free) maximum, so it never overflows. */
export function logSumExp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const m = stopGradient(max(x, axes, true));
  const lse = add(log(sum(exp(sub(x, m)), axes, true)), m);
  if (keepDims) return lse;
  const normalized = normalizeAxes('logSumExp', axes, x.rank);
  return normalized.length === 0 ? lse : squeeze(lse, normalized);
}

/** The number of elements a reduction over `axes` combines, as a scalar of x's dtype (runtime value if symbolic). */
export function countOf(x: Tensor, axes: readonly number[]): Tensor {
  const dims = axes.map((a) => x.shape[a]!);
  if (isStatic(dims)) return x.graph.scalar(dims.reduce((p: number, d: number) => p * d, 1), x.dtype);
  return x.graph.apply(SizeOf, [x], { axes, dtype: x.dtype })[0]!;
}

/** Product of some of x's dims as a scalar (x contributes only its shape, so no gradient). */
export const SizeOf = defineOp<{ axes: readonly number[]; dtype: DType }>({
  name: 'SizeOf',
  infer: (_inputs, a) => [{ dtype: a.dtype, shape: [] }],
  emit(e, node) {
    const picked = e.temp('dims');
    const count = e.temp('count');
    e.node('Gather', [e.shapeOf(node.inputs[0]!), e.int64s(node.attrs.axes)], [picked], { axis: attr.int(0) });
    e.node('ReduceProd', [picked], [count], { keepdims: attr.int(0) });
    e.node('Cast', [count], [e.name(node.outputs[0]!)], { to: attr.int(ONNX_DTYPE_CODE[node.attrs.dtype]) });
  },
  backward: () => [null],
});

// ---------------------------------------------------------------- softmax family

interface AxisAttrs {
  readonly axis: number;
}

function softmaxInfer(name: string) {
  return (inputs: readonly TensorType[]): TensorType[] => {
    if (!isFloat(inputs[0]!.dtype)) fail(name, 'needs a float tensor', inputs);
    return [inputs[0]!];
  };
}

/** softmax along one axis; backward y ⊙ (g − Σ g ⊙ y). */
export const Softmax = defineOp<AxisAttrs>({
  name: 'Softmax',
  infer: softmaxInfer('Softmax'),
  emit: emitSame((a) => ({ axis: attr.int(a.axis) })),
  backward(node, [g]) {
    const y = node.outputs[0]!;
    return [mul(y, sub(g!, sum(mul(g!, y), node.attrs.axis, true)))];
  },
});

/** log-softmax along one axis; backward g − exp(y) ⊙ Σ g. */
export const LogSoftmax = defineOp<AxisAttrs>({
  name: 'LogSoftmax',
  infer: softmaxInfer('LogSoftmax'),
  emit: emitSame((a) => ({ axis: attr.int(a.axis) })),
  backward(node, [g]) {
    const y = node.outputs[0]!;
    return [sub(g!, mul(exp(y), sum(g!, node.attrs.axis, true)))];
  },
});

function axisOf(op: string, x: Tensor, axis: number): number {
  const a = normalizeAxis(axis, x.rank);
  if (a === undefined) fail(op, `axis ${axis} is out of range for ${formatShape(x.shape)}`);
  return a;
}
export const softmax = (x: Tensor, axis = -1): Tensor => x.graph.apply(Softmax, [x], { axis: axisOf('Softmax', x, axis) })[0]!;
export const logSoftmax = (x: Tensor, axis = -1): Tensor => x.graph.apply(LogSoftmax, [x], { axis: axisOf('LogSoftmax', x, axis) })[0]!;

// ---------------------------------------------------------------- cumulative sum

interface CumSumAttrs {
  readonly axis: number;
  readonly exclusive: boolean;
  readonly reverse: boolean;
}

/** Running sum along an axis; the gradient is the running sum of g in the opposite direction. */
export const CumSum = defineOp<CumSumAttrs>({
  name: 'CumSum',
  infer(inputs) {
    if (inputs[0]!.dtype === 'bool') fail('CumSum', 'needs a numeric tensor', inputs);
    return [inputs[0]!];
  },
  emit: (e, node) =>
    e.node('CumSum', [e.name(node.inputs[0]!), e.scalar(node.attrs.axis, 'int64')], [e.name(node.outputs[0]!)], {
      exclusive: attr.int(node.attrs.exclusive ? 1 : 0),
      reverse: attr.int(node.attrs.reverse ? 1 : 0),
    }),
  backward: (node, [g]) => [cumsum(g!, node.attrs.axis, { exclusive: node.attrs.exclusive, reverse: !node.attrs.reverse })],
});
export function cumsum(x: Tensor, axis: number, options: { exclusive?: boolean; reverse?: boolean } = {}): Tensor {
  return x.graph.apply(CumSum, [x], { axis: axisOf('CumSum', x, axis), exclusive: options.exclusive ?? false, reverse: options.reverse ?? false })[0]!;
}
