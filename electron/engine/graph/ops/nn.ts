/**
 * Neural-network ops with fused ONNX kernels: LayerNormalization and Dropout.
 */
import { formatShape, normalizeAxis, sameShape } from '../dims.ts';
import type { TensorType } from '../op.ts';
import { attr, defineOp, fail, isFloat } from '../op.ts';
import type { Tensor } from '../tensor.ts';
import { add, cast, mul, sqrt, sub, div, sumToShape } from './elementwise.ts';
import { mean } from './reduce.ts';

interface LayerNormAttrs {
  /** First normalised axis (non-negative); all axes from here to the last are normalised together. */
  readonly axis: number;
  readonly epsilon: number;
}

/**
 * y = (x − mean) / √(var + ε) · scale + bias over the trailing axes from `axis`.
 * In float32 the node also outputs Mean and InvStdDev, which the backward reuses; ONNX fixes those outputs to
 * float32, so in float64 (gradient checks) the backward recomputes them in float64 instead.
 */
export const LayerNormalization = defineOp<LayerNormAttrs>({
  name: 'LayerNormalization',
  infer(inputs, a) {
    const [x, scale, bias] = inputs as [TensorType, TensorType, TensorType | undefined];
    if (!isFloat(x.dtype)) fail('LayerNormalization', 'needs a float tensor', inputs);
    const normalized = x.shape.slice(a.axis);
    for (const p of [scale, bias]) {
      if (p && (p.dtype !== x.dtype || !sameShape(p.shape, normalized))) {
        fail('LayerNormalization', `scale and bias must be ${x.dtype}${formatShape(normalized)}`, inputs);
      }
    }
    const y: TensorType = { dtype: x.dtype, shape: x.shape };
    if (x.dtype !== 'float32') return [y];
    const stats: TensorType = { dtype: 'float32', shape: x.shape.map((d, i) => (i < a.axis ? d : 1)) };
    return [y, stats, stats];
  },
  emit: (e, node) =>
    e.node('LayerNormalization', node.inputs.map((t) => e.name(t)), node.outputs.map((t) => e.name(t)), {
      axis: attr.int(node.attrs.axis),
      epsilon: attr.float(node.attrs.epsilon),
    }),
  backward(node, [g], needs) {
    const [x, scale, bias] = node.inputs as [Tensor, Tensor, Tensor | undefined];
    const axes = Array.from({ length: x.rank - node.attrs.axis }, (_, i) => node.attrs.axis + i);
    let xhat: Tensor;
    let invStd: Tensor;
    if (node.outputs.length === 3) {
      invStd = node.outputs[2]!;
      xhat = mul(sub(x, node.outputs[1]!), invStd);
    } else {
      const centered = sub(x, mean(x, axes, true));
      invStd = div(1, sqrt(add(mean(mul(centered, centered), axes, true), node.attrs.epsilon)));
      xhat = mul(centered, invStd);
    }
    const gxhat = mul(g!, scale);
    const gx = needs[0] ? mul(invStd, sub(sub(gxhat, mean(gxhat, axes, true)), mul(xhat, mean(mul(gxhat, xhat), axes, true)))) : null;
    const gscale = needs[1] ? sumToShape(mul(g!, xhat), scale.shape) : null;
    const gbias = bias && needs[2] ? sumToShape(g!, bias.shape) : null;
    return bias ? [gx, gscale, gbias] : [gx, gscale];
  },
});
export function layerNorm(x: Tensor, scale: Tensor, bias?: Tensor, options: { axis?: number; epsilon?: number } = {}): Tensor {
  const axis = normalizeAxis(options.axis ?? -1, x.rank);
  if (axis === undefined) fail('LayerNormalization', `axis ${options.axis} out of range for ${formatShape(x.shape)}`);
  const inputs = bias ? [x, scale, bias] : [x, scale];
  return x.graph.apply(LayerNormalization, inputs, { axis, epsilon: options.epsilon ?? 1e-5 })[0]!;
}

/**
 * Inverted dropout (ONNX Dropout in training mode): zeroes a fraction `ratio` of entries and scales the rest by
 * 1/(1 − ratio). The mask comes from onnxruntime's generator seeded by the node's `seed` attribute, so a fresh
 * session replays the same sequence of masks. Second output: the boolean keep-mask, reused by the backward.
 */
export const Dropout = defineOp<{ ratio: number; seed: number }>({
  name: 'Dropout',
  infer(inputs) {
    const x = inputs[0]!;
    if (!isFloat(x.dtype)) fail('Dropout', 'needs a float tensor', inputs);
    return [x, { dtype: 'bool', shape: x.shape }];
  },
  emit: (e, node) =>
    e.node(
      'Dropout',
      [e.name(node.inputs[0]!), e.scalar(node.attrs.ratio, node.inputs[0]!.dtype), e.scalar(1, 'bool')],
      node.outputs.map((t) => e.name(t)),
      { seed: attr.int(node.attrs.seed) },
    ),
  backward(node, [g]) {
    const keep = cast(node.outputs[1]!, node.inputs[0]!.dtype);
    return [mul(g!, mul(keep, 1 / (1 - node.attrs.ratio)))];
  },
});
/** Dropout in training graphs; the identity in inference graphs or when ratio is 0. */
export function dropout(x: Tensor, ratio: number): Tensor {
  if (!(ratio >= 0 && ratio < 1)) fail('Dropout', `ratio must be in [0, 1), got ${ratio}`);
  if (!x.graph.training || ratio === 0) return x;
  return x.graph.apply(Dropout, [x], { ratio, seed: x.graph.nextDropoutSeed() })[0]!;
}
/** The keep-mask of a dropout output (for tests and diagnostics); undefined if x is not a Dropout output. */
export function dropoutMask(y: Tensor): Tensor | undefined {
  return y.source.kind === 'node' && y.source.node.op === (Dropout as unknown) ? y.source.node.outputs[1] : undefined;
}
