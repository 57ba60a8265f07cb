/**
 * Adam / AdamW as graph nodes. All parameters live in ONE flat vector (decayed ones first), and so do their
 * gradients and both moments, so the whole update is a dozen elementwise nodes however many parameters the
 * model has (per-parameter updates would add ~18 nodes per parameter, and onnxruntime pays per node).
 *
 * Update (optax's adamw order, decoupled weight decay):
 *   ĝ = g · c / max(‖g‖, c)                    global-norm clip to c (all parameters together)
 *   m' = β₁m + (1 − β₁)ĝ,   v' = β₂v + (1 − β₂)ĝ²
 *   p' = p − lr · ( (m'/(1 − β₁ᵗ)) / (√(v'/(1 − β₂ᵗ)) + ε) + λ·p )     λ only for decayed parameters
 * `t` (1 for the first update) and `lr` are scalar graph inputs, so schedules live in JavaScript.
 */
import type { Graph, Tensor } from '../graph/index.ts';
import { GraphError, concat, pad } from '../graph/index.ts';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay λ (AdamW); 0 gives plain Adam. Default 0. */
  weightDecay?: number;
  /** Which parameters decay (default: rank ≥ 2, i.e. matrices and embeddings, not biases or norms). */
  decays?: (parameter: Tensor) => boolean;
  /** Global gradient-norm bound; undefined or Infinity disables clipping. */
  clipNorm?: number;
}

/** Where each parameter sits in the flat vector. */
export interface ParameterLayout {
  /** Element offset of each parameter, by name. */
  readonly offsets: ReadonlyMap<string, number>;
  /** Total number of elements. */
  readonly size: number;
  /** The first `decayedSize` elements belong to decayed parameters. */
  readonly decayedSize: number;
}

export interface AdamGraph {
  /** Flat inputs [size]: parameters, first and second moments. Parameters are emitted as slices of `params`. */
  readonly params: Tensor;
  readonly m: Tensor;
  readonly v: Tensor;
  /** Scalar input: the 1-based index of this update (bias correction). */
  readonly step: Tensor;
  /** Scalar input: the learning rate of this update. */
  readonly lr: Tensor;
  /** Flat outputs [size]. */
  readonly newParams: Tensor;
  readonly newM: Tensor;
  readonly newV: Tensor;
  /** Global gradient norm before clipping. */
  readonly gradNorm: Tensor;
  readonly layout: ParameterLayout;
}

/** Graph input names of the optimizer. */
export const adamInputName = { params: 'adam.params', m: 'adam.m', v: 'adam.v', step: 'adam.step', lr: 'adam.lr' };

function elements(t: Tensor): number {
  return (t.shape as number[]).reduce((a, b) => a * b, 1);
}

/** Appends the AdamW update of `params` (graph parameters) given their gradients. */
export function adamUpdate(graph: Graph, params: readonly Tensor[], grads: readonly Tensor[], options: AdamOptions = {}): AdamGraph {
  if (params.length !== grads.length) throw new GraphError(`adamUpdate: ${params.length} parameters but ${grads.length} gradients`);
  if (params.length === 0) throw new GraphError('adamUpdate: no parameters');
  const dtype = params[0]!.dtype;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const weightDecay = options.weightDecay ?? 0;
  const decays = options.decays ?? ((p: Tensor) => p.rank >= 2);
  const clipNorm = options.clipNorm ?? Infinity;
  for (const [name, value] of [['beta1', beta1], ['beta2', beta2]] as const) {
    if (!(value >= 0 && value < 1)) throw new GraphError(`adamUpdate: ${name} must be in [0, 1), got ${value}`);
  }
  if (!(clipNorm > 0)) throw new GraphError(`adamUpdate: clipNorm must be positive, got ${clipNorm}`);
  for (const p of params) {
    if (p.source.kind !== 'parameter') throw new GraphError(`adamUpdate: ${p} is not a graph parameter`);
    if (p.dtype !== dtype) throw new GraphError(`adamUpdate: parameters mix ${dtype} and ${p.dtype}`);
  }

  // Layout: decayed parameters first, each group in graph order.
  const decayed = weightDecay !== 0 ? params.map((p) => decays(p)) : params.map(() => false);
  const order = [...params.keys()].sort((a, b) => Number(decayed[b]) - Number(decayed[a]) || a - b);
  const offsets = new Map<string, number>();
  let size = 0;
  let decayedSize = 0;
  for (const i of order) {
    offsets.set(params[i]!.name, size);
    size += elements(params[i]!);
    if (decayed[i]) decayedSize = size;
  }

  const flat = graph.input(adamInputName.params, dtype, [size]);
  const m = graph.input(adamInputName.m, dtype, [size]);
  const v = graph.input(adamInputName.v, dtype, [size]);
  const step = graph.input(adamInputName.step, dtype, []);
  const lr = graph.input(adamInputName.lr, dtype, []);

  const g = concat(order.map((i) => grads[i]!.reshape([-1])), 0);
  const gradNorm = g.mul(g).sum().sqrt();
  const clipped = Number.isFinite(clipNorm) ? g.mul(graph.scalar(clipNorm, dtype).div(gradNorm.maximum(clipNorm))) : g;

  // lr / (1 − β₁ᵗ) and 1 / (1 − β₂ᵗ): scalars, once per step.
  const one = graph.scalar(1, dtype);
  const stepSize = lr.div(one.sub(graph.scalar(beta1, dtype).pow(step)));
  const secondCorrection = one.div(one.sub(graph.scalar(beta2, dtype).pow(step)));

  const newM = m.mul(beta1).add(clipped.mul(1 - beta1));
  const newV = v.mul(beta2).add(clipped.mul(clipped).mul(1 - beta2));
  let newParams = flat.sub(newM.mul(stepSize).div(newV.mul(secondCorrection).sqrt().add(epsilon)));
  if (decayedSize > 0) {
    const decay = flat.slice([0], [decayedSize]).mul(lr.mul(weightDecay));
    newParams = newParams.sub(pad(decay, [0, size - decayedSize]));
  }
  return { params: flat, m, v, step, lr, newParams, newM, newV, gradNorm, layout: { offsets, size, decayedSize } };
}
