/**
 * Linear algebra: batched MatMul and 2-D Gemm.
 */
import { broadcastShapes, formatShape, sameDim } from '../dims.ts';
import type { TensorType } from '../op.ts';
import { attr, defineOp, emitSame, fail, isFloat } from '../op.ts';
import type { Tensor } from '../tensor.ts';
import { mul, sumToShape } from './elementwise.ts';
import { reshape, transpose } from './movement.ts';

/** Swaps the last two axes. */
export function transposeLast2(x: Tensor): Tensor {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return transpose(x, perm);
}

/**
 * a[..., m, k] @ b[..., k, n] → [..., m, n] with NumPy broadcasting of the batch axes.
 * Backward: ga = g @ bᵀ, gb = aᵀ @ g, each summed back over broadcast batch axes. When b is a 2-D weight
 * shared across a batch, gb is one Gemm over the flattened rows instead of a batched product and a sum.
 */
export const MatMul = defineOp<Record<string, never>>({
  name: 'MatMul',
  infer(inputs) {
    const [a, b] = inputs as [TensorType, TensorType];
    if (a.dtype !== b.dtype || !isFloat(a.dtype)) fail('MatMul', 'needs two float tensors of the same dtype', inputs);
    if (a.shape.length < 2 || b.shape.length < 2) fail('MatMul', 'operands must have rank ≥ 2 (unsqueeze vectors first)', inputs);
    const k1 = a.shape[a.shape.length - 1]!;
    const k2 = b.shape[b.shape.length - 2]!;
    if (!sameDim(k1, k2)) {
      fail('MatMul', `inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${k1} vs ${k2})`, inputs);
    }
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!batch) fail('MatMul', `batch dimensions do not broadcast: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`, inputs);
    return [{ dtype: a.dtype, shape: [...batch, a.shape[a.shape.length - 2]!, b.shape[b.shape.length - 1]!] }];
  },
  emit: emitSame(),
  backward(node, [g], needs) {
    const [a, b] = node.inputs as [Tensor, Tensor];
    const ga = needs[0] ? sumToShape(matmul(g!, transposeLast2(b)), a.shape) : null;
    let gb: Tensor | null = null;
    if (needs[1]) {
      if (b.rank === 2 && a.rank > 2) {
        const k = a.shape[a.rank - 1]!;
        const n = b.shape[1]!;
        gb = gemm(reshape(a, [-1, k]), reshape(g!, [-1, n]), undefined, { transA: true });
      } else {
        gb = sumToShape(matmul(transposeLast2(a), g!), b.shape);
      }
    }
    return [ga, gb];
  },
});
export const matmul = (a: Tensor, b: Tensor): Tensor => a.graph.apply(MatMul, [a, b], {})[0]!;

interface GemmAttrs {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly alpha: number;
  readonly beta: number;
}

/** alpha·op(A)·op(B) + beta·C for 2-D A and B (op = optional transpose), C broadcast. */
export const Gemm = defineOp<GemmAttrs>({
  name: 'Gemm',
  infer(inputs, at) {
    const [a, b, c] = inputs as [TensorType, TensorType, TensorType | undefined];
    if (a.shape.length !== 2 || b.shape.length !== 2) fail('Gemm', 'A and B must be 2-D', inputs);
    if (a.dtype !== b.dtype || !isFloat(a.dtype)) fail('Gemm', 'needs float tensors of one dtype', inputs);
    const [m, k1] = at.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [k2, n] = at.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (!sameDim(k1, k2)) fail('Gemm', `inner dimensions differ (${k1} vs ${k2})`, inputs);
    if (c) {
      const out = broadcastShapes([m, n], c.shape);
      if (!out || out.length !== 2 || !sameDim(out[0]!, m) || !sameDim(out[1]!, n)) fail('Gemm', `C ${formatShape(c.shape)} does not broadcast to [${m}, ${n}]`, inputs);
    }
    return [{ dtype: a.dtype, shape: [m, n] }];
  },
  emit: emitSame((a) => ({ transA: attr.int(a.transA ? 1 : 0), transB: attr.int(a.transB ? 1 : 0), alpha: attr.float(a.alpha), beta: attr.float(a.beta) })),
  backward(node, [g], needs) {
    const [a, b, c] = node.inputs as [Tensor, Tensor, Tensor | undefined];
    const { transA, transB, alpha } = node.attrs;
    const o = (tA: boolean, tB: boolean) => ({ transA: tA, transB: tB, alpha });
    // d op(A) = g·op(B)ᵀ and d op(B) = op(A)ᵀ·g, transposed back where A or B entered transposed.
    const ga = !needs[0] ? null : transA ? gemm(b, g!, undefined, o(transB, true)) : gemm(g!, b, undefined, o(false, !transB));
    const gb = !needs[1] ? null : transB ? gemm(g!, a, undefined, o(true, transA)) : gemm(a, g!, undefined, o(!transA, false));
    const gc = c && needs[2] ? sumToShape(node.attrs.beta === 1 ? g! : mul(g!, node.attrs.beta), c.shape) : null;
    return c ? [ga, gb, gc] : [ga, gb];
  },
});
export function gemm(a: Tensor, b: Tensor, c?: Tensor, options: Partial<GemmAttrs> = {}): Tensor {
  const attrs: GemmAttrs = { transA: options.transA ?? false, transB: options.transB ?? false, alpha: options.alpha ?? 1, beta: options.beta ?? 1 };
  return a.graph.apply(Gemm, c ? [a, b, c] : [a, b], attrs)[0]!;
}
