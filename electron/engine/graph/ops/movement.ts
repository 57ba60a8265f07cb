/**
 * Movement and indexing ops: Reshape, Transpose, Unsqueeze/Squeeze, Expand, Concat, Slice, Pad, Gather,
 * GatherElements, and the scatter-adds that are their gradients.
 */
import type { Dim, Shape } from '../dims.ts';
import { broadcastShapes, canonicalDim, divDims, formatShape, isStatic, normalizeAxis, sameDim, sameShape, shapeSize } from '../dims.ts';
import type { DType, TensorType } from '../op.ts';
import { attr, defineOp, emitSame, fail } from '../op.ts';
import type { Tensor } from '../tensor.ts';
import { cast, equal, sumToShape } from './elementwise.ts';

/** Slice ends at or beyond this mean "to the end of the axis". */
export const TO_END = Number.MAX_SAFE_INTEGER;

function isIndexType(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'int32';
}

// ---------------------------------------------------------------- Reshape

interface ReshapeAttrs {
  /** Fully resolved target shape (no -1). */
  readonly shape: Shape;
  /** When true, the second input supplies the target shape at run time (used by backward rules). */
  readonly like: boolean;
}

export const Reshape = defineOp<ReshapeAttrs>({
  name: 'Reshape',
  infer(inputs, a) {
    const x = inputs[0]!;
    if (!sameDim(shapeSize(x.shape), shapeSize(a.shape))) {
      fail('Reshape', `cannot reshape ${formatShape(x.shape)} to ${formatShape(a.shape)}: element counts differ`, inputs);
    }
    return [{ dtype: x.dtype, shape: a.shape }];
  },
  emit(e, node) {
    const [x, like] = node.inputs as [Tensor, Tensor | undefined];
    const shape = like ? e.shapeOf(like) : e.shapeValue(node.attrs.shape, x, 'reshape');
    e.node('Reshape', [e.name(x), shape], [e.name(node.outputs[0]!)]);
  },
  backward: (node, [g]) => [reshapeLike(g!, node.inputs[0]!), null],
});

/** Reshape; one dimension may be -1 (inferred, symbolic products allowed, e.g. [-1, 128] from ['batch', 'seq', 128]). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) fail('Reshape', `at most one -1 allowed in ${formatShape(shape)}`);
  let target = shape.map(canonicalDim);
  if (unknown === 1) {
    const known = shapeSize(target.filter((d) => d !== -1));
    const inferred = divDims(shapeSize(x.shape), known);
    if (inferred === undefined) fail('Reshape', `cannot infer -1 reshaping ${formatShape(x.shape)} to ${formatShape(shape)}`);
    target = target.map((d) => (d === -1 ? inferred : d));
  }
  if (sameShape(target, x.shape)) return x;
  return x.graph.apply(Reshape, [x], { shape: target, like: false })[0]!;
}

/** Reshape to the (run-time) shape of `like`; static shapes become a constant target. */
export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  if (sameShape(x.shape, like.shape)) return x;
  if (isStatic(like.shape)) return x.graph.apply(Reshape, [x], { shape: like.shape, like: false })[0]!;
  return x.graph.apply(Reshape, [x, like], { shape: like.shape, like: true })[0]!;
}

// ---------------------------------------------------------------- Transpose

export const Transpose = defineOp<{ perm: readonly number[] }>({
  name: 'Transpose',
  infer(inputs, a) {
    const x = inputs[0]!;
    const sorted = [...a.perm].sort((p, q) => p - q);
    if (a.perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) {
      fail('Transpose', `perm [${a.perm.join(', ')}] is not a permutation of the ${x.shape.length} axes`, inputs);
    }
    return [{ dtype: x.dtype, shape: a.perm.map((p) => x.shape[p]!) }];
  },
  emit: emitSame((a) => ({ perm: attr.ints(a.perm) })),
  backward(node, [g]) {
    const inverse: number[] = [];
    node.attrs.perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(g!, inverse)];
  },
});
/** Permutes axes; without `perm`, reverses them (like numpy). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i);
  if (p.every((q, i) => q === i) && p.length === x.rank) return x;
  return x.graph.apply(Transpose, [x], { perm: p.map((q) => (q < 0 ? q + x.rank : q)) })[0]!;
}

// ---------------------------------------------------------------- Unsqueeze / Squeeze

interface AxesAttrs {
  readonly axes: readonly number[];
}

function axesList(op: string, axes: number | readonly number[], rank: number): number[] {
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    const n = normalizeAxis(a, rank);
    if (n === undefined) fail(op, `axis ${a} out of range for rank ${rank}`);
    return n;
  });
  if (new Set(out).size !== out.length) fail(op, `repeated axis in [${list.join(', ')}]`);
  return out.sort((p, q) => p - q);
}

/** Inserts size-1 axes; `axes` index the output. */
export const Unsqueeze = defineOp<AxesAttrs>({
  name: 'Unsqueeze',
  infer(inputs, a) {
    const x = inputs[0]!;
    const out: Dim[] = [];
    let k = 0;
    for (let i = 0; i < x.shape.length + a.axes.length; i++) out.push(a.axes.includes(i) ? 1 : x.shape[k++]!);
    return [{ dtype: x.dtype, shape: out }];
  },
  emit: (e, node) => e.node('Unsqueeze', [e.name(node.inputs[0]!), e.int64s(node.attrs.axes)], [e.name(node.outputs[0]!)]),
  backward: (node, [g]) => [squeeze(g!, node.attrs.axes)],
});
export function unsqueeze(x: Tensor, axes: number | readonly number[]): Tensor {
  const n = typeof axes === 'number' ? 1 : axes.length;
  return x.graph.apply(Unsqueeze, [x], { axes: axesList('Unsqueeze', axes, x.rank + n) })[0]!;
}

/** Removes size-1 axes. */
export const Squeeze = defineOp<AxesAttrs>({
  name: 'Squeeze',
  infer(inputs, a) {
    const x = inputs[0]!;
    for (const axis of a.axes) if (x.shape[axis] !== 1) fail('Squeeze', `axis ${axis} has size ${x.shape[axis]}, not 1`, inputs);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !a.axes.includes(i)) }];
  },
  emit: (e, node) => e.node('Squeeze', [e.name(node.inputs[0]!), e.int64s(node.attrs.axes)], [e.name(node.outputs[0]!)]),
  backward: (node, [g]) => [unsqueeze(g!, node.attrs.axes)],
});
export function squeeze(x: Tensor, axes: number | readonly number[]): Tensor {
  return x.graph.apply(Squeeze, [x], { axes: axesList('Squeeze', axes, x.rank) })[0]!;
}

// ---------------------------------------------------------------- Expand

/** Broadcasts to a larger shape; the backward sums over the broadcast axes. */
export const Expand = defineOp<{ shape: Shape; like: boolean }>({
  name: 'Expand',
  infer(inputs, a) {
    const x = inputs[0]!;
    const out = broadcastShapes(x.shape, a.shape);
    if (!out || !sameShape(out, a.shape)) fail('Expand', `cannot expand ${formatShape(x.shape)} to ${formatShape(a.shape)}`, inputs);
    return [{ dtype: x.dtype, shape: a.shape }];
  },
  emit(e, node) {
    const [x, like] = node.inputs as [Tensor, Tensor | undefined];
    const shape = like ? e.shapeOf(like) : e.shapeValue(node.attrs.shape, x, 'expand');
    e.node('Expand', [e.name(x), shape], [e.name(node.outputs[0]!)]);
  },
  backward: (node, [g]) => [sumToShape(g!, node.inputs[0]!.shape), null],
});
export function expand(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return x.graph.apply(Expand, [x], { shape: shape.map(canonicalDim), like: false })[0]!;
}
/** Expand to the (run-time) shape of `like`. */
export function expandLike(x: Tensor, like: Tensor): Tensor {
  if (sameShape(x.shape, like.shape)) return x;
  if (isStatic(like.shape)) return x.graph.apply(Expand, [x], { shape: like.shape, like: false })[0]!;
  return x.graph.apply(Expand, [x, like], { shape: like.shape, like: true })[0]!;
}

// ---------------------------------------------------------------- Concat

export const Concat = defineOp<{ axis: number }>({
  name: 'Concat',
  infer(inputs, a) {
    const first = inputs[0]!;
    let total: Dim = 0;
    for (const t of inputs) {
      if (t.dtype !== first.dtype) fail('Concat', 'inputs have different dtypes', inputs);
      if (t.shape.length !== first.shape.length) fail('Concat', 'inputs have different ranks', inputs);
      t.shape.forEach((d, i) => {
        if (i !== a.axis && !sameDim(d, first.shape[i]!)) fail('Concat', `dimension ${i} differs between inputs`, inputs);
      });
      const d = t.shape[a.axis]!;
      total = typeof total === 'number' && typeof d === 'number' ? total + d : total === 0 ? d : `${total}+${d}`;
    }
    const shape = [...first.shape];
    shape[a.axis] = total;
    return [{ dtype: first.dtype, shape }];
  },
  emit: emitSame((a) => ({ axis: attr.int(a.axis) })),
  backward(node, [g], needs) {
    const axis = node.attrs.axis;
    let offset = 0;
    return node.inputs.map((t, i) => {
      const size = t.shape[axis]!;
      const last = i === node.inputs.length - 1;
      if (typeof size !== 'number' && !last) fail('Concat', `backward needs a static size on axis ${axis} for all but the last input`);
      const start = offset;
      if (typeof size === 'number') offset += size;
      return needs[i] ? slice(g!, [start], [last ? TO_END : offset], [axis]) : null;
    });
  },
});
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  if (tensors.length === 0) fail('Concat', 'needs at least one tensor');
  const a = normalizeAxis(axis, tensors[0]!.rank);
  if (a === undefined) fail('Concat', `axis ${axis} out of range for rank ${tensors[0]!.rank}`);
  if (tensors.length === 1) return tensors[0]!;
  return tensors[0]!.graph.apply(Concat, tensors, { axis: a })[0]!;
}

// ---------------------------------------------------------------- Split

/**
 * Cuts x along a static axis into pieces of the given sizes. Prefer it to several slices of one tensor: its
 * backward is one Concat, where each Slice's backward pads its gradient back to the full size.
 */
export const Split = defineOp<{ axis: number; sizes: readonly number[] }>({
  name: 'Split',
  infer(inputs, a) {
    const x = inputs[0]!;
    const total = a.sizes.reduce((p, q) => p + q, 0);
    if (x.shape[a.axis] !== total) fail('Split', `sizes [${a.sizes.join(', ')}] do not add up to dimension ${a.axis} (${x.shape[a.axis]})`, inputs);
    if (a.sizes.some((n) => !Number.isInteger(n) || n < 0)) fail('Split', `bad sizes [${a.sizes.join(', ')}]`, inputs);
    return a.sizes.map((n) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a.axis ? n : d)) }));
  },
  emit: (e, node) =>
    e.node('Split', [e.name(node.inputs[0]!), e.int64s(node.attrs.sizes)], node.outputs.map((t) => e.name(t)), { axis: attr.int(node.attrs.axis) }),
  backward: (node, grads) => [concat(node.outputs.map((out, i) => grads[i] ?? zerosLike(out)), node.attrs.axis)],
});
export function split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  const a = normalizeAxis(axis, x.rank);
  if (a === undefined) fail('Split', `axis ${axis} out of range for ${formatShape(x.shape)}`);
  if (sizes.length === 1) return [x];
  return x.graph.apply(Split, [x], { axis: a, sizes });
}

// ---------------------------------------------------------------- Slice / Pad

interface SliceAttrs {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes: readonly number[];
  readonly steps: readonly number[];
}

/** Output length of one sliced axis; symbolic dims give a symbolic name such as 'seq-1'. */
function slicedDim(d: Dim, start: number, end: number, step: number): Dim {
  if (typeof d === 'number') {
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    if (step > 0) {
      const s = clamp(start < 0 ? start + d : start, 0, d);
      const e = clamp(end < 0 ? end + d : end, 0, d);
      return Math.max(0, Math.ceil((e - s) / step));
    }
    const s = clamp(start < 0 ? start + d : start, -1, d - 1);
    const e = clamp(end < 0 ? end + d : end, -1, d - 1);
    return Math.max(0, Math.ceil((s - e) / -step));
  }
  if (step !== 1) fail('Slice', `steps other than 1 need a static dimension, got '${d}'`);
  if (start >= 0 && end >= TO_END) return start === 0 ? d : `${d}-${start}`;
  if (start >= 0 && end < 0) return `${d}-${start - end}`;
  if (start < 0 && end >= TO_END) return -start;
  if (start < 0 && end < 0) return Math.max(0, end - start);
  if (start >= 0 && end >= 0) return Math.max(0, end - start);
  return fail('Slice', `cannot size slice [${start}:${end}] of symbolic dimension '${d}'`);
}

export const Slice = defineOp<SliceAttrs>({
  name: 'Slice',
  infer(inputs, a) {
    const x = inputs[0]!;
    const shape = [...x.shape];
    a.axes.forEach((axis, i) => {
      if (a.steps[i] === 0) fail('Slice', 'step 0', inputs);
      shape[axis] = slicedDim(x.shape[axis]!, a.starts[i]!, a.ends[i]!, a.steps[i]!);
    });
    return [{ dtype: x.dtype, shape }];
  },
  emit: (e, node) =>
    e.node(
      'Slice',
      [e.name(node.inputs[0]!), e.int64s(node.attrs.starts), e.int64s(node.attrs.ends), e.int64s(node.attrs.axes), e.int64s(node.attrs.steps)],
      [e.name(node.outputs[0]!)],
    ),
  backward(node, [g]) {
    // Pad the gradient with zeros back to the input's extent.
    const x = node.inputs[0]!;
    const pads = new Array<number>(2 * x.rank).fill(0);
    node.attrs.axes.forEach((axis, i) => {
      const d = x.shape[axis]!;
      const [start, end, step] = [node.attrs.starts[i]!, node.attrs.ends[i]!, node.attrs.steps[i]!];
      if (step !== 1) fail('Slice', 'backward supports step 1 only');
      if (typeof d === 'number') {
        const s = Math.min(Math.max(start < 0 ? start + d : start, 0), d);
        const e = Math.min(Math.max(end < 0 ? end + d : end, s), d);
        pads[axis] = s;
        pads[axis + x.rank] = d - e;
      } else {
        if (start < 0) fail('Slice', `backward of a negative start on symbolic dimension '${d}' is not supported`);
        pads[axis] = start;
        if (end < 0) pads[axis + x.rank] = -end;
        else if (end < TO_END) fail('Slice', `backward of a finite end on symbolic dimension '${d}' is not supported`);
      }
    });
    return [pad(g!, pads, x.shape)];
  },
});
/** x[starts:ends:steps] along `axes` (default: the first starts.length axes). Use TO_END for an open end. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
  if (ends.length !== starts.length) fail('Slice', 'starts and ends differ in length');
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => {
    const n = normalizeAxis(a, x.rank);
    if (n === undefined) fail('Slice', `axis ${a} out of range for ${formatShape(x.shape)}`);
    return n;
  });
  const st = steps ?? starts.map(() => 1);
  if (ax.length !== starts.length || st.length !== starts.length) fail('Slice', 'starts, ends, axes and steps must have equal length');
  return x.graph.apply(Slice, [x], { starts, ends: ends.map((e) => Math.min(e, TO_END)), axes: ax, steps: st })[0]!;
}

/** Constant zero padding; `pads` = [begin of each axis..., end of each axis...] as in ONNX. */
export const Pad = defineOp<{ pads: readonly number[]; shape: Shape }>({
  name: 'Pad',
  infer(inputs, a) {
    const x = inputs[0]!;
    if (a.pads.length !== 2 * x.shape.length || a.pads.some((p) => p < 0)) fail('Pad', `pads [${a.pads.join(', ')}] do not fit rank ${x.shape.length}`, inputs);
    return [{ dtype: x.dtype, shape: a.shape }];
  },
  emit: (e, node) =>
    e.node('Pad', [e.name(node.inputs[0]!), e.int64s(node.attrs.pads), e.scalar(0, node.inputs[0]!.dtype)], [e.name(node.outputs[0]!)]),
  backward(node, [g]) {
    const rank = node.inputs[0]!.rank;
    const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => node.attrs.pads[i] !== 0 || node.attrs.pads[i + rank] !== 0);
    const starts = axes.map((i) => node.attrs.pads[i]!);
    const ends = axes.map((i) => (node.attrs.pads[i + rank] === 0 ? TO_END : -node.attrs.pads[i + rank]!));
    return [axes.length === 0 ? g! : slice(g!, starts, ends, axes)];
  },
});
/** Zero-pads; `shape` may be given when the padded shape is known to the caller (symbolic dims). */
export function pad(x: Tensor, pads: readonly number[], shape?: Shape): Tensor {
  if (pads.every((p) => p === 0)) return x;
  const out =
    shape ??
    x.shape.map((d, i) => {
      const extra = pads[i]! + pads[i + x.rank]!;
      return typeof d === 'number' ? d + extra : extra === 0 ? d : `${d}+${extra}`;
    });
  return x.graph.apply(Pad, [x], { pads, shape: out })[0]!;
}

// ---------------------------------------------------------------- Gather family

/** Gather along `axis` (embedding lookup for axis 0). Backward: scatter-add of g into zero rows. */
export const Gather = defineOp<{ axis: number }>({
  name: 'Gather',
  infer(inputs, a) {
    const [data, indices] = inputs as [TensorType, TensorType];
    if (!isIndexType(indices.dtype)) fail('Gather', `indices must be int64 or int32, got ${indices.dtype}`, inputs);
    return [{ dtype: data.dtype, shape: [...data.shape.slice(0, a.axis), ...indices.shape, ...data.shape.slice(a.axis + 1)] }];
  },
  emit: emitSame((a) => ({ axis: attr.int(a.axis) })),
  backward(node, [g]) {
    const [data, indices] = node.inputs as [Tensor, Tensor];
    if (node.attrs.axis !== 0) fail('Gather', `backward supports axis 0 only (got axis ${node.attrs.axis}); use gatherElements`);
    // Repeated indices must accumulate, hence reduction 'add'.
    return [scatterNDAdd(zerosLike(data), unsqueeze(cast(indices, 'int64'), -1), g!), null];
  },
});
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = normalizeAxis(axis, data.rank);
  if (a === undefined) fail('Gather', `axis ${axis} out of range for ${formatShape(data.shape)}`);
  return data.graph.apply(Gather, [data, indices], { axis: a })[0]!;
}

/** out[..i..] = data[..indices[..i..]..] along one axis; indices have data's rank. */
export const GatherElements = defineOp<{ axis: number }>({
  name: 'GatherElements',
  infer(inputs, a) {
    const [data, indices] = inputs as [TensorType, TensorType];
    if (!isIndexType(indices.dtype)) fail('GatherElements', `indices must be int64 or int32, got ${indices.dtype}`, inputs);
    if (data.shape.length !== indices.shape.length) fail('GatherElements', 'data and indices must have the same rank', inputs);
    return [{ dtype: data.dtype, shape: indices.shape }];
  },
  emit: emitSame((a) => ({ axis: attr.int(a.axis) })),
  backward(node, [g]) {
    const [data, indices] = node.inputs as [Tensor, Tensor];
    return [scatterElementsAdd(zerosLike(data), indices, g!, node.attrs.axis), null];
  },
});
export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, data.rank);
  if (a === undefined) fail('GatherElements', `axis ${axis} out of range for ${formatShape(data.shape)}`);
  return data.graph.apply(GatherElements, [data, indices], { axis: a })[0]!;
}

/** data with updates added at indices along one axis (ONNX ScatterElements, reduction 'add'). */
export const ScatterElementsAdd = defineOp<{ axis: number }>({
  name: 'ScatterElements',
  infer(inputs) {
    const [data, indices, updates] = inputs as [TensorType, TensorType, TensorType];
    if (!isIndexType(indices.dtype)) fail('ScatterElements', 'indices must be int64 or int32', inputs);
    if (!sameShape(indices.shape, updates.shape) || data.shape.length !== indices.shape.length) {
      fail('ScatterElements', 'indices and updates must share a shape of data rank', inputs);
    }
    return [data];
  },
  emit: emitSame((a) => ({ axis: attr.int(a.axis), reduction: attr.string('add') })),
  backward(node, [g]) {
    const indices = node.inputs[1]!;
    return [g!, null, gatherElements(g!, indices, node.attrs.axis)];
  },
});
export const scatterElementsAdd = (data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor =>
  data.graph.apply(ScatterElementsAdd, [data, indices, updates], { axis })[0]!;

/** data with updates added at index tuples (ONNX ScatterND, reduction 'add'); used for embedding gradients. */
export const ScatterNDAdd = defineOp<Record<string, never>>({
  name: 'ScatterND',
  infer(inputs) {
    const [data, indices, updates] = inputs as [TensorType, TensorType, TensorType];
    if (indices.dtype !== 'int64') fail('ScatterND', 'indices must be int64', inputs);
    const k = indices.shape[indices.shape.length - 1];
    if (typeof k !== 'number') fail('ScatterND', 'the last indices dimension must be static', inputs);
    const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
    if (!sameShape(expected, updates.shape)) fail('ScatterND', `updates must have shape ${formatShape(expected)}`, inputs);
    return [data];
  },
  emit: emitSame(() => ({ reduction: attr.string('add') })),
});
export const scatterNDAdd = (data: Tensor, indices: Tensor, updates: Tensor): Tensor =>
  data.graph.apply(ScatterNDAdd, [data, indices, updates], {})[0]!;

/** Zeros with x's (run-time) shape and dtype. */
export const ZerosLike = defineOp<Record<string, never>>({
  name: 'ZerosLike',
  infer: (inputs) => [inputs[0]!],
  emit(e, node) {
    const x = node.inputs[0]!;
    const shape = isStatic(x.shape) ? e.int64s(x.shape) : e.shapeOf(x);
    e.node('ConstantOfShape', [shape], [e.name(node.outputs[0]!)], { value: attr.scalarTensor(0, x.dtype) });
  },
  backward: () => [null],
});
export const zerosLike = (x: Tensor): Tensor => x.graph.apply(ZerosLike, [x], {})[0]!;

/** One-hot along a new last axis: equal(indices[..., None], [0, 1, ..., depth-1]) cast to dtype. */
export function oneHot(indices: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  if (!isIndexType(indices.dtype)) fail('OneHot', `indices must be int64 or int32, got ${indices.dtype}`);
  if (!Number.isInteger(depth) || depth <= 0) fail('OneHot', `depth must be a positive integer, got ${depth}`);
  const classes = indices.graph.constant(Array.from({ length: depth }, (_, i) => i), [depth], indices.dtype);
  return cast(equal(unsqueeze(indices, -1), classes), dtype);
}

// ---------------------------------------------------------------- SegmentSum

/**
 * out[s] = Σ_{i : ids[i] = s} data[i] along axis 0, with as many segments as `like` has rows (run-time shape):
 * message passing onto atoms, per-structure totals of a batch of disjoint graphs. Emitted as ConstantOfShape +
 * ScatterND(reduction 'add'); backward: the upstream gradient gathered back by segment id.
 */
export const SegmentSum = defineOp<Record<string, never>>({
  name: 'SegmentSum',
  infer(inputs) {
    const [data, ids, like] = inputs as [TensorType, TensorType, TensorType];
    if (!isIndexType(ids.dtype)) fail('SegmentSum', `segment ids must be int64 or int32, got ${ids.dtype}`, inputs);
    if (ids.shape.length !== 1 || data.shape.length < 1 || !sameDim(ids.shape[0]!, data.shape[0]!)) {
      fail('SegmentSum', 'segment ids must be 1-D with one id per row of data', inputs);
    }
    if (like.shape.length < 1) fail('SegmentSum', 'the segment-count tensor must have rank ≥ 1', inputs);
    return [{ dtype: data.dtype, shape: [like.shape[0]!, ...data.shape.slice(1)] }];
  },
  emit(e, node) {
    const [data, ids, like] = node.inputs as [Tensor, Tensor, Tensor];
    const rows = e.temp('segments');
    e.node('Slice', [e.shapeOf(like), e.int64s([0]), e.int64s([1]), e.int64s([0])], [rows]);
    let target = rows;
    if (data.rank > 1) {
      const rest = e.temp('rowshape');
      e.node('Slice', [e.shapeOf(data), e.int64s([1]), e.int64s([TO_END]), e.int64s([0])], [rest]);
      target = e.temp('outshape');
      e.node('Concat', [rows, rest], [target], { axis: attr.int(0) });
    }
    const zeros = e.temp('zeros');
    e.node('ConstantOfShape', [target], [zeros], { value: attr.scalarTensor(0, data.dtype) });
    let index = e.name(ids);
    if (ids.dtype !== 'int64') {
      const cast64 = e.temp('ids64');
      e.node('Cast', [index], [cast64], { to: attr.int(7) });
      index = cast64;
    }
    const column = e.temp('ids');
    e.node('Unsqueeze', [index, e.int64s([1])], [column]);
    e.node('ScatterND', [zeros, column, e.name(data)], [e.name(node.outputs[0]!)], { reduction: attr.string('add') });
  },
  backward(node, [g]) {
    const ids = node.inputs[1]!;
    return [gather(g!, ids, 0), null, null];
  },
});
export function segmentSum(data: Tensor, ids: Tensor, like: Tensor): Tensor {
  return data.graph.apply(SegmentSum, [data, ids, like], {})[0]!;
}
