/** Symbolic dims: one graph, run at several sizes; run-time shapes for Reshape/Expand/ReduceMean backward. */
import { describe, expect, test } from 'vitest';
import { Graph, grad, toOnnxModel } from '../../../electron/engine/graph/index.ts';
import { feed, session } from './gradcheck.ts';

describe('symbolic dimensions', () => {
  test('flatten, reshape back through run-time shapes, mean over symbolic axes, and gradients', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', ['batch', 'seq', 4]);
    const w = g.parameter('w', [4, 4], 'float64');
    const flat = x.reshape([-1, 4]);
    expect(flat.shape).toEqual(['batch*seq', 4]);
    const back = flat.matmul(w).tanh().reshape(['batch', 'seq', 4]); // needs Shape(x)-derived target
    expect(back.shape).toEqual(['batch', 'seq', 4]);
    const shifted = back.slice([1], [Number.MAX_SAFE_INTEGER], [1]); // [batch, seq-1, 4]
    expect(shifted.shape).toEqual(['batch', 'seq-1', 4]);
    const loss = shifted.mul(shifted).mean();
    const [dx, dw] = grad(loss, [x, w]);
    const weights = new Float64Array(16).map((_, i) => Math.sin(i + 1) * 0.5);
    const s = await session(toOnnxModel(g, { outputs: { loss, dx: dx!, dw: dw! }, parametersAs: 'initializers', parameterValues: new Map([['w', weights]]) }));

    for (const [batch, seq] of [[2, 3], [1, 5], [3, 2]] as const) {
      const values = Array.from({ length: batch * seq * 4 }, (_, i) => Math.cos(i * 0.7));
      const out = await s.run({ x: feed('float64', values, [batch, seq, 4]) });
      // Independent reference in plain JavaScript.
      let total = 0;
      const dxRef = new Float64Array(values.length);
      const dwRef = new Float64Array(16);
      const count = batch * (seq - 1) * 4;
      for (let b = 0; b < batch; b++) for (let t = 1; t < seq; t++) {
        const row = (b * seq + t) * 4;
        for (let j = 0; j < 4; j++) {
          let z = 0;
          for (let k = 0; k < 4; k++) z += values[row + k]! * weights[k * 4 + j]!;
          const y = Math.tanh(z);
          total += y * y;
          const dz = ((2 * y) / count) * (1 - y * y);
          for (let k = 0; k < 4; k++) {
            dxRef[row + k]! += dz * weights[k * 4 + j]!;
            dwRef[k * 4 + j]! += dz * values[row + k]!;
          }
        }
      }
      expect((out.loss!.data as Float64Array)[0]).toBeCloseTo(total / count, 12);
      expect(out.dx!.dims).toEqual([batch, seq, 4]);
      (out.dx!.data as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(dxRef[i]!, 12));
      (out.dw!.data as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(dwRef[i]!, 12));
    }
    await s.release();
  });

  test('expand to a symbolic shape and sum back', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', ['n', 1]);
    const b = g.parameter('b', [3], 'float64');
    const y = b.expand(['n', 3]).mul(x); // [n, 3]
    const [db] = grad(y.sum(), [b]);
    const s = await session(toOnnxModel(g, { outputs: { y, db: db! }, parametersAs: 'initializers', parameterValues: new Map([['b', Float64Array.of(1, 2, 3)]]) }));
    const out = await s.run({ x: feed('float64', [1, 10], [2, 1]) });
    expect(Array.from(out.y!.data as Float64Array)).toEqual([1, 2, 3, 10, 20, 30]);
    expect(Array.from(out.db!.data as Float64Array)).toEqual([11, 11, 11]);
    await s.release();
  });
});
