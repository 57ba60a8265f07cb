/** Build-time errors name the op and the offending shapes/dtypes. */
import { describe, expect, test } from 'vitest';
import { Graph, GraphError, concat, grad, toOnnxModel } from '../../../electron/engine/graph/index.ts';

function graph(): Graph {
  return new Graph();
}

describe('shape and dtype errors at build time', () => {
  test('MatMul inner dimension mismatch names the op and both shapes', () => {
    const g = graph();
    const a = g.input('a', 'float32', ['batch', 3, 4]);
    const b = g.parameter('b', [5, 2]);
    expect(() => a.matmul(b)).toThrow(GraphError);
    expect(() => a.matmul(b)).toThrow(/^MatMul: inner dimensions differ: \[batch, 3, 4\] @ \[5, 2\] \(4 vs 5\)/);
  });

  test('broadcast failure names the op and shapes', () => {
    const g = graph();
    const a = g.input('a', 'float32', [2, 3]);
    const b = g.input('b', 'float32', [4]);
    expect(() => a.add(b)).toThrow(/^Add: shapes \[2, 3\] and \[4\] do not broadcast/);
    expect(() => a.mul(b)).toThrow(/^Mul:/);
  });

  test('different symbolic dims do not broadcast', () => {
    const g = graph();
    const a = g.input('a', 'float32', ['batch', 3]);
    const b = g.input('b', 'float32', ['rows', 3]);
    expect(() => a.sub(b)).toThrow(/^Sub: shapes \[batch, 3\] and \[rows, 3\] do not broadcast/);
  });

  test('dtype mismatch', () => {
    const g = graph();
    const a = g.input('a', 'float32', [3]);
    const b = g.input('b', 'float64', [3]);
    expect(() => a.add(b)).toThrow(/^Add: operands have different dtypes \(inputs: float32\[3\], float64\[3\]\)/);
  });

  test('reshape with the wrong element count', () => {
    const g = graph();
    const a = g.input('a', 'float32', ['batch', 6]);
    expect(() => a.reshape(['batch', 4])).toThrow(/^Reshape: cannot reshape \[batch, 6\] to \[batch, 4\]/);
    expect(() => a.reshape([-1, 4])).toThrow(/^Reshape: cannot infer -1/);
  });

  test('indices, axes, concat and layerNorm', () => {
    const g = graph();
    const table = g.parameter('table', [10, 4]);
    const x = g.input('x', 'float32', [2, 3]);
    expect(() => table.gather(x)).toThrow(/^Gather: indices must be int64 or int32, got float32/);
    expect(() => x.softmax(2)).toThrow(/^Softmax: axis 2 is out of range/);
    expect(() => x.sum(5)).toThrow(/^ReduceSum: axis 5 is out of range for rank 2/);
    expect(() => concat([x, g.input('y', 'float32', [3, 3])], 1)).toThrow(/^Concat: dimension 0 differs/);
    expect(() => x.layerNorm(g.parameter('s', [2]))).toThrow(/^LayerNormalization: scale and bias must be float32\[3\]/);
    expect(() => x.squeeze(0)).toThrow(/^Squeeze: axis 0 has size 2, not 1/);
    expect(() => x.transpose([0, 0])).toThrow(/^Transpose: perm \[0, 0\] is not a permutation/);
    expect(() => x.dropout(1)).toThrow(/^Dropout: ratio must be in \[0, 1\)/);
  });

  test('graph-level mistakes', () => {
    const g = graph();
    g.input('x', 'float32', [2]);
    expect(() => g.input('x', 'float32', [2])).toThrow(/name 'x' is already used/);
    expect(() => g.parameter('w', ['n', 2])).toThrow(/parameter 'w': shape must be static/);
    expect(() => g.constant([1, 2, 3], [2, 2])).toThrow(/constant: 3 values do not fill shape \[2, 2\]/);
    const v = g.input('v', 'float32', [3]);
    expect(() => grad(v.exp(), [v])).toThrow(/grad: loss must be a scalar, got \[3\]/);
    const w = g.parameter('w', [3]);
    expect(() => toOnnxModel(g, { outputs: { y: v.mul(w) }, parametersAs: 'initializers' })).toThrow(/no value for parameter 'w'/);
    expect(() => toOnnxModel(g, { outputs: { y: v.mul(w) }, parametersAs: 'initializers', parameterValues: new Map([['w', new Float32Array(2)]]) })).toThrow(
      /parameter 'w' needs 3 float32 values, got 2/,
    );
    const other = new Graph();
    expect(() => v.add(other.input('u', 'float32', [3]))).toThrow(/belongs to another graph/);
  });

  test('an unsupported gradient is an error naming the op, never a silently wrong gradient', () => {
    const g = graph();
    const data = g.input('data', 'float32', [4, 2]);
    const picked = data.gather(g.input('i', 'int64', [2]), 1);
    expect(() => grad(picked.sum(), [data])).toThrow(/^Gather: backward supports axis 0 only/);
    const strided = data.slice([0], [4], [0], [2]);
    expect(() => grad(strided.sum(), [data])).toThrow(/^Slice: backward supports step 1 only/);
  });
});
