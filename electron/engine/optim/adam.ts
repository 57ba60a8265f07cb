/**
 * Adam / AdamW as graph nodes: given parameters and their gradients, appends the global-norm clipping and the
 * moment and weight updates to the same graph, so one onnxruntime run computes loss, gradients and new weights.
 *
 * Update (optax's adamw order, decoupled weight decay):
 *   ĝ = g · c / max(‖g‖, c)                    global-norm clip to c (all parameters together)
 *   m' = β₁m + (1 − β₁)ĝ,   v' = β₂v + (1 − β₂)ĝ²
 *   p' = p − lr · ( (m'/(1 − β₁ᵗ)) / (√(v'/(1 − β₂ᵗ)) + ε) + λ·p )     λ only for decayed parameters
 * `t` (1 for the first update) and `lr` are scalar graph inputs, so schedules live in JavaScript.
 */
import type { Graph, Tensor } from '../graph/index.ts';
import { GraphError } from '../graph/index.ts';

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

export interface AdamGraph {
  /** Scalar float input: the 1-based index of this update (bias correction). */
  readonly step: Tensor;
  /** Scalar float input: the learning rate of this update. */
  readonly lr: Tensor;
  /** First and second moment inputs, one per parameter (same order). */
  readonly m: readonly Tensor[];
  readonly v: readonly Tensor[];
  readonly newParams: readonly Tensor[];
  readonly newM: readonly Tensor[];
  readonly newV: readonly Tensor[];
  /** Global gradient norm before clipping. */
  readonly gradNorm: Tensor;
}

/** Input names the optimizer state uses for a parameter. */
export const adamInputName = {
  m: (parameter: string): string => `adam.m/${parameter}`,
  v: (parameter: string): string => `adam.v/${parameter}`,
  step: 'adam.step',
  lr: 'adam.lr',
};

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

  const step = graph.input(adamInputName.step, dtype, []);
  const lr = graph.input(adamInputName.lr, dtype, []);
  const m = params.map((p) => graph.input(adamInputName.m(p.name), dtype, p.shape));
  const v = params.map((p) => graph.input(adamInputName.v(p.name), dtype, p.shape));

  const squares = grads.map((g) => g.mul(g).sum());
  const gradNorm = squares.reduce((a, b) => a.add(b)).sqrt();
  const clipped = Number.isFinite(clipNorm)
    ? (() => {
        const scale = graph.scalar(clipNorm, dtype).div(gradNorm.maximum(clipNorm));
        return grads.map((g) => g.mul(scale));
      })()
    : grads;

  // lr / (1 − β₁ᵗ) and 1 / (1 − β₂ᵗ), once per step rather than per element.
  const stepSize = lr.div(graph.scalar(1, dtype).sub(graph.scalar(beta1, dtype).pow(step)));
  const secondCorrection = graph.scalar(1, dtype).div(graph.scalar(1, dtype).sub(graph.scalar(beta2, dtype).pow(step)));
  const decay = weightDecay !== 0 ? lr.mul(weightDecay) : undefined;

  const newM: Tensor[] = [];
  const newV: Tensor[] = [];
  const newParams: Tensor[] = [];
  params.forEach((p, i) => {
    const g = clipped[i]!;
    const mi = m[i]!.mul(beta1).add(g.mul(1 - beta1));
    const vi = v[i]!.mul(beta2).add(g.mul(g).mul(1 - beta2));
    const update = mi.mul(stepSize).div(vi.mul(secondCorrection).sqrt().add(epsilon));
    let next = p.sub(update);
    if (decay && decays(p)) next = next.sub(p.mul(decay));
    newM.push(mi);
    newV.push(vi);
    newParams.push(next);
  });
  return { step, lr, m, v, newParams, newM, newV, gradNorm };
}
