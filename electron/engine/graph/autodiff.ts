/**
 * Reverse-mode autodiff: `grad(loss, wrt)` walks the nodes between `wrt` and `loss` backwards and appends each
 * op's backward nodes to the same graph, summing contributions where a tensor feeds several consumers.
 */
import { formatShape, sameShape } from './dims.ts';
import type { Node } from './op.ts';
import { GraphError, isFloat } from './op.ts';
import type { Tensor } from './tensor.ts';
import { add } from './ops/elementwise.ts';
import { Pad, concat, pad, zerosLike } from './ops/movement.ts';

export interface GradOptions {
  /** Upstream gradient of `loss` (default: ones, i.e. d loss / d loss = 1; loss must then be a scalar). */
  seed?: Tensor;
}

/**
 * Gradients of `loss` with respect to each tensor in `wrt`, as new tensors of the same graph. Tensors that do
 * not influence the loss get zeros. Integer and bool tensors (indices, masks) never carry a gradient.
 */
export function grad(loss: Tensor, wrt: readonly Tensor[], options: GradOptions = {}): Tensor[] {
  const graph = loss.graph;
  if (!isFloat(loss.dtype)) throw new GraphError(`grad: loss ${loss} is not a float tensor`);
  if (!options.seed && loss.rank !== 0) throw new GraphError(`grad: loss must be a scalar, got ${formatShape(loss.shape)} (pass a seed for non-scalar losses)`);
  if (options.seed && !sameShape(options.seed.shape, loss.shape)) throw new GraphError(`grad: seed ${options.seed} does not match loss ${loss}`);
  for (const t of wrt) {
    if (t.graph !== graph) throw new GraphError(`grad: ${t} belongs to another graph`);
    if (!isFloat(t.dtype)) throw new GraphError(`grad: cannot differentiate with respect to ${t} (not a float tensor)`);
  }

  // Nodes on a path wrt → loss, in creation (= topological) order.
  const ancestors = nodesBefore(loss);
  const needs = new Set<number>(wrt.map((t) => t.id));
  const path: Node[] = [];
  for (const node of ancestors) {
    if (node.inputs.some((t) => needs.has(t.id))) {
      path.push(node);
      for (const out of node.outputs) if (isFloat(out.dtype)) needs.add(out.id);
    }
  }

  // Contributions are collected per tensor and summed when the tensor's gradient is first needed (all of its
  // consumers come later in the graph, so they have all been processed by then).
  const contributions = new Map<number, Tensor[]>([[loss.id, [options.seed ?? graph.scalar(1, loss.dtype)]]]);
  const gradOf = (t: Tensor): Tensor | null => {
    const list = contributions.get(t.id);
    if (!list) return null;
    const total = sumContributions(list);
    contributions.set(t.id, [total]);
    return total;
  };
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i]!;
    const upstream = node.outputs.map(gradOf);
    if (upstream.every((g) => g === null)) continue;
    const inputNeeds = node.inputs.map((t) => needs.has(t.id) && isFloat(t.dtype));
    if (!node.op.backward) throw new GraphError(`grad: op ${node.op.name} has no gradient, but ${node.inputs.filter((_, k) => inputNeeds[k]).join(', ')} need one`);
    const inputGrads = node.op.backward(node, upstream, inputNeeds);
    node.inputs.forEach((t, k) => {
      const g = inputGrads[k];
      if (!inputNeeds[k] || !g) return;
      if (!sameShape(g.shape, t.shape) || g.dtype !== t.dtype) {
        throw new GraphError(`grad: ${node.op.name} backward gave ${g.dtype}${formatShape(g.shape)} for input ${t} (a bug in its rule)`);
      }
      const list = contributions.get(t.id);
      if (list) list.push(g);
      else contributions.set(t.id, [g]);
    });
  }
  return wrt.map((t) => gradOf(t) ?? zerosLike(t));
}

/** A zero-padded piece along one axis: the gradient of a Slice (its backward is a Pad). */
interface Piece {
  readonly value: Tensor;
  readonly axis: number;
  readonly begin: number;
  readonly length: number;
  readonly padded: Tensor;
}

function asPiece(t: Tensor): Piece | undefined {
  if (t.source.kind !== 'node' || t.source.node.op !== (Pad as unknown)) return undefined;
  const pads = (t.source.node.attrs as { pads: readonly number[] }).pads;
  const value = t.source.node.inputs[0]!;
  const axes = value.shape.map((_, i) => i).filter((i) => pads[i] !== 0 || pads[i + value.rank] !== 0);
  if (axes.length !== 1) return undefined;
  const axis = axes[0]!;
  const length = value.shape[axis];
  return typeof length === 'number' ? { value, axis, begin: pads[axis]!, length, padded: t } : undefined;
}

/**
 * Sums the gradient contributions of one tensor. Slices of one tensor along one axis send back zero-padded
 * pieces; adjacent pieces are concatenated and padded once instead of being padded to full size and added,
 * so a tensor cut into k slices costs one Concat rather than k full-size Pads and k − 1 Adds.
 */
function sumContributions(list: readonly Tensor[]): Tensor {
  if (list.length === 1) return list[0]!;
  const terms: Tensor[] = [];
  const byAxis = new Map<number, Piece[]>();
  for (const t of list) {
    const piece = asPiece(t);
    if (!piece) terms.push(t);
    else byAxis.set(piece.axis, [...(byAxis.get(piece.axis) ?? []), piece]);
  }
  for (const [axis, pieces] of byAxis) {
    pieces.sort((a, b) => a.begin - b.begin);
    let run: Piece[] = [];
    const flush = () => {
      if (run.length === 1) terms.push(run[0]!.padded);
      else if (run.length > 1) {
        const first = run[0]!;
        const last = run[run.length - 1]!;
        const rank = first.value.rank;
        const lastPads = (last.padded.source as { node: { attrs: { pads: readonly number[] } } }).node.attrs.pads;
        const pads = new Array<number>(2 * rank).fill(0);
        pads[axis] = first.begin;
        pads[axis + rank] = lastPads[axis + rank]!;
        terms.push(pad(concat(run.map((p) => p.value), axis), pads, first.padded.shape));
      }
      run = [];
    };
    for (const piece of pieces) {
      const previous = run[run.length - 1];
      if (previous && previous.begin + previous.length !== piece.begin) flush();
      run.push(piece);
    }
    flush();
  }
  return terms.reduce((a, b) => add(a, b));
}

/** Every node the tensor depends on, in creation order. */
function nodesBefore(t: Tensor): Node[] {
  const seen = new Set<Node>();
  const stack: Tensor[] = [t];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.source.kind !== 'node' || seen.has(x.source.node)) continue;
    seen.add(x.source.node);
    stack.push(...x.source.node.inputs);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}
