/**
 * Reverse-mode autodiff: `grad(loss, wrt)` walks the nodes between `wrt` and `loss` backwards and appends each
 * op's backward nodes to the same graph, summing contributions where a tensor feeds several consumers.
 */
import { formatShape, sameShape } from './dims.ts';
import type { Node } from './op.ts';
import { GraphError, isFloat } from './op.ts';
import type { Tensor } from './tensor.ts';
import { add } from './ops/elementwise.ts';
import { zerosLike } from './ops/movement.ts';

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

  const grads = new Map<number, Tensor>();
  grads.set(loss.id, options.seed ?? graph.scalar(1, loss.dtype));
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i]!;
    const upstream = node.outputs.map((t) => grads.get(t.id) ?? null);
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
      const previous = grads.get(t.id);
      grads.set(t.id, previous ? add(previous, g) : g);
    });
  }
  return wrt.map((t) => grads.get(t.id) ?? zerosLike(t));
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
