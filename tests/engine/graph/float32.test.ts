/**
 * float32 code paths that float64 gradient checks do not exercise (onnxruntime's float32 Erf/Softplus/Gelu
 * kernels, LayerNormalization's Mean/InvStdDev outputs reused by its backward) agree with the float64 gradients.
 */
import { describe, expect, test } from 'vitest';
import { Graph, grad, toOnnxModel, type DType, type Tensor } from '../../../electron/engine/graph/index.ts';
import { Rng } from '../../../shared/random.ts';
import { feed, session } from './gradcheck.ts';

async function gradientsIn(dtype: DType, shapes: Record<string, number[]>, values: Record<string, number[]>, weights: number[], f: (x: Record<string, Tensor>) => Tensor) {
  const g = new Graph();
  const xs = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, g.input(k, dtype, s)]));
  const y = f(xs);
  const loss = y.mul(g.constant(weights, y.shape as number[], dtype)).sum();
  const names = Object.keys(shapes);
  const grads = grad(loss, names.map((k) => xs[k]!));
  const s = await session(toOnnxModel(g, { outputs: Object.fromEntries(names.map((k, i) => [`grad_${k}`, grads[i]!])), parametersAs: 'inputs' }));
  const out = await s.run(Object.fromEntries(names.map((k) => [k, feed(dtype, values[k]!, shapes[k]!)])));
  await s.release();
  return Object.fromEntries(names.map((k) => [k, Array.from(out[`grad_${k}`]!.data as Float32Array | Float64Array)]));
}

const cases: [string, Record<string, number[]>, number[], (x: Record<string, Tensor>) => Tensor][] = [
  ['layerNorm last axis with bias', { x: [4, 6], s: [6], b: [6] }, [4, 6], ({ x, s, b }) => x!.layerNorm(s!, b)],
  ['layerNorm over two axes, no bias', { x: [2, 3, 4], s: [3, 4] }, [2, 3, 4], ({ x, s }) => x!.layerNorm(s!, undefined, { axis: 1 })],
  ['gelu', { x: [3, 5] }, [3, 5], ({ x }) => x!.gelu()],
  ['erf', { x: [3, 5] }, [3, 5], ({ x }) => x!.erf()],
  ['softplus', { x: [3, 5] }, [3, 5], ({ x }) => x!.softplus()],
];

describe('float32 kernels agree with float64 gradients', () => {
  test.each(cases)('%s', async (_name, shapes, outShape, f) => {
    const rng = new Rng(11);
    // float32-representable inputs so both graphs see the same numbers
    const values = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, Array.from(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.uniform(-2, 2) + (k === 's' ? 2 : 0)))]));
    const weights = Array.from(Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)));
    const g32 = await gradientsIn('float32', shapes, values, weights, f);
    const g64 = await gradientsIn('float64', shapes, values, weights, f);
    for (const k of Object.keys(shapes)) {
      const a = g32[k]!;
      const b = g64[k]!;
      const scale = Math.max(...b.map(Math.abs));
      const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
      expect(worst / scale, k).toBeLessThan(1e-4);
    }
  });
});
