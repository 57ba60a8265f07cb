/**
 * Every differentiable op: gradient vs float64 central differences (several shapes, broadcasting, masked
 * positions), plus forward values against independent JavaScript references where our emission makes choices
 * (attributes, axes, composed ops).
 */
import { describe, expect, test } from 'vitest';
import { concat, gemm, pad, where, TO_END, type Tensor } from '../../../electron/engine/graph/index.ts';
import { checkedOps, gradCheck } from './gradcheck.ts';
import * as elementwise from '../../../electron/engine/graph/ops/elementwise.ts';
import * as reduce from '../../../electron/engine/graph/ops/reduce.ts';
import * as movement from '../../../electron/engine/graph/ops/movement.ts';
import * as linalg from '../../../electron/engine/graph/ops/linalg.ts';
import * as nn from '../../../electron/engine/graph/ops/nn.ts';
import type { OpDef } from '../../../electron/engine/graph/index.ts';

/** Differentiable ops checked by other means, with the reason. */
const NOT_FINITE_DIFFERENCED: Record<string, string> = {
  StopGradient: 'blocks the gradient on purpose; tested against its definition below',
  Dropout: 'random; tested against its keep-mask below',
  SizeOf: 'reads only a shape; no gradient flows',
  ZerosLike: 'a constant; no gradient flows',
};


const TOL = 1e-3;

/** erf by its Maclaurin series (accurate to ~1e-12 for |x| ≤ 3), as an independent reference. */
function erfRef(x: number): number {
  let term = x;
  let total = x;
  for (let n = 1; n < 120; n++) {
    term *= (-x * x) / n;
    total += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * scale)) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

async function check(
  spec: Parameters<typeof gradCheck>[0],
  f: Parameters<typeof gradCheck>[1],
  options?: Parameters<typeof gradCheck>[2],
): Promise<Awaited<ReturnType<typeof gradCheck>>> {
  const r = await gradCheck(spec, f, options);
  expect(r.maxRelError, r.worst).toBeLessThan(TOL);
  return r;
}

describe('unary ops', () => {
  // [name, op, reference, input range, forward tolerance]. float64 Erf is a 1.2e-7 fit (see Erf); onnxruntime's
  // float64 tanh-GELU evaluates its constants in float32.
  const cases: [string, (x: Tensor) => Tensor, (x: number) => number, [number, number], number?][] = [
    ['neg', (x) => x.neg(), (x) => -x, [-2, 2]],
    ['abs', (x) => x.abs(), Math.abs, [-2, 2]],
    ['exp', (x) => x.exp(), Math.exp, [-2, 2]],
    ['log', (x) => x.log(), Math.log, [0.2, 3]],
    ['sqrt', (x) => x.sqrt(), Math.sqrt, [0.2, 3]],
    ['tanh', (x) => x.tanh(), Math.tanh, [-2, 2]],
    ['sigmoid', (x) => x.sigmoid(), (x) => 1 / (1 + Math.exp(-x)), [-4, 4]],
    ['softplus', (x) => x.softplus(), (x) => Math.log1p(Math.exp(x)), [-4, 4]],
    ['silu', (x) => elementwise.silu(x), (x) => x / (1 + Math.exp(-x)), [-4, 4]],
    ['sin', (x) => x.sin(), Math.sin, [-3, 3]],
    ['cos', (x) => x.cos(), Math.cos, [-3, 3]],
    ['relu', (x) => x.relu(), (x) => Math.max(0, x), [-2, 2]],
    ['erf', (x) => x.erf(), erfRef, [-2, 2], 2e-7],
    ['gelu', (x) => x.gelu(), (x) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)), [-3, 3], 5e-7],
    [
      'gelu tanh',
      (x) => x.gelu('tanh'),
      (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
      [-3, 3],
      1e-7,
    ],
    ['identity', (x) => x.identity(), (x) => x, [-1, 1]],
    ['clip', (x) => x.clip(-0.5, 0.7), (x) => Math.min(0.7, Math.max(-0.5, x)), [-1.5, 1.5]],
    ['pow scalar exponent', (x) => x.pow(3), (x) => x ** 3, [-2, 2]],
    ['sign (zero gradient) times x', (x) => x.sign().mul(x), Math.abs, [0.1, 2]],
  ];
  for (const [name, f, ref, range, tol] of cases) {
    test.each([[[7]], [[2, 3]], [[2, 2, 3]]])(`${name} %j`, async (shape) => {
      const r = await check({ x: { shape, range } }, ({ x }) => f(x!));
      expectClose(r.output, Array.from(r.inputs.x!, ref), tol ?? 1e-9);
    });
  }

  test('stopGradient passes values but no gradient', async () => {
    const { Graph, grad, toOnnxModel } = await import('../../../electron/engine/graph/index.ts');
    const { session, feed } = await import('./gradcheck.ts');
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const [dx] = grad(x.stopGradient().mul(x).sum(), [x]);
    const s = await session(toOnnxModel(g, { outputs: { dx: dx! }, parametersAs: 'inputs' }));
    const out = await s.run({ x: feed('float64', [1, -2, 3], [3]) });
    // d/dx Σ sg(x)·x = sg(x) = x, where without the stop it would be 2x.
    expect(Array.from(out.dx!.data as Float64Array)).toEqual([1, -2, 3]);
    await s.release();
  });

  test('cast float64 → float32 → float64 passes the gradient back', async () => {
    const r = await gradCheck({ x: { shape: [2, 3] } }, ({ x }) => x!.cast('float32').mul(2).cast('float64'), { h: 1e-2 });
    expect(r.maxRelError).toBeLessThan(1e-4);
  });
});

describe('binary ops with broadcasting', () => {
  const shapes: [number[], number[]][] = [
    [[2, 3], [2, 3]],
    [[2, 3], [3]],
    [[4, 1, 3], [2, 1]],
    [[1], [2, 3]],
    [[3, 1], [1, 4]],
  ];
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number, [number, number], [number, number]][] = [
    ['add', (a, b) => a.add(b), (a, b) => a + b, [-1, 1], [-1, 1]],
    ['sub', (a, b) => a.sub(b), (a, b) => a - b, [-1, 1], [-1, 1]],
    ['mul', (a, b) => a.mul(b), (a, b) => a * b, [-1, 1], [-1, 1]],
    ['div', (a, b) => a.div(b), (a, b) => a / b, [-1, 1], [0.5, 2]],
    ['pow', (a, b) => a.pow(b), (a, b) => a ** b, [0.5, 2], [-1.5, 1.5]],
    ['maximum', (a, b) => a.maximum(b), Math.max, [-1, 1], [-1, 1]],
    ['minimum', (a, b) => a.minimum(b), Math.min, [-1, 1], [-1, 1]],
  ];
  for (const [name, f, ref, ra, rb] of cases) {
    test.each(shapes)(`${name} %j with %j`, async (sa, sb) => {
      const r = await check({ a: { shape: sa, range: ra }, b: { shape: sb, range: rb } }, ({ a, b }) => f(a!, b!));
      expectClose(r.output, broadcastRef(r.inputs.a!, sa, r.inputs.b!, sb, r.outputShape, ref), 1e-9);
    });
  }
});

function broadcastRef(a: Float64Array, sa: number[], b: Float64Array, sb: number[], out: readonly number[], f: (a: number, b: number) => number): number[] {
  const strides = (s: number[]): number[] => {
    const padded = [...Array(out.length - s.length).fill(1), ...s];
    const st: number[] = [];
    let acc = 1;
    for (let i = padded.length - 1; i >= 0; i--) {
      st[i] = padded[i] === 1 ? 0 : acc;
      acc *= padded[i]!;
    }
    return st;
  };
  const [ta, tb] = [strides(sa), strides(sb)];
  const n = out.reduce((p, q) => p * q, 1);
  const result: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    let ia = 0;
    let ib = 0;
    for (let d = out.length - 1; d >= 0; d--) {
      const idx = rem % out[d]!;
      rem = Math.floor(rem / out[d]!);
      ia += idx * ta[d]!;
      ib += idx * tb[d]!;
    }
    result.push(f(a[ia]!, b[ib]!));
  }
  return result;
}

describe('selection and masking', () => {
  test.each([
    [[2, 3], [2, 3], [3]],
    [[4], [2, 4], [1]],
  ])('where(mask, a, b) mask %j a %j b %j', async (sm, sa, sb) => {
    const n = sm.reduce((p, q) => p * q, 1);
    const mask = Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0);
    const r = await check({ m: { shape: sm, dtype: 'bool', values: mask.map(Number) }, a: { shape: sa }, b: { shape: sb } }, ({ m, a, b }) => where(m!, a!, b!));
    expect(r.gradients.a!.some((g) => g === 0)).toBe(true); // masked-out positions get exactly zero
  });

  test('softmax with masked logits: masked positions get zero probability and zero gradient', async () => {
    const mask = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1];
    const r = await check({ x: { shape: [3, 4] }, m: { shape: [3, 4], dtype: 'bool', values: mask } }, ({ x, m }) => where(m!, x!, -1e9).softmax(-1));
    mask.forEach((keep, i) => {
      if (!keep) {
        expect(r.output[i]).toBe(0);
        expect(r.gradients.x![i]).toBe(0);
      }
    });
  });
});

function softmaxRef(x: Float64Array, rows: number, cols: number, log = false): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const m = Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    out.push(...row.map((v) => (log ? v - m - Math.log(s) : Math.exp(v - m) / s)));
  }
  return out;
}

describe('reductions and normalisers', () => {
  test.each([
    [[5], undefined, false],
    [[2, 3], 1, false],
    [[2, 3], 0, true],
    [[2, 3, 4], [0, 2], false],
    [[2, 3, 4], -1, true],
  ] as [number[], number | number[] | undefined, boolean][])('sum / mean / max / logSumExp of %j over %j keepDims %j', async (shape, axes, keep) => {
    await check({ x: { shape } }, ({ x }) => x!.sum(axes, keep));
    await check({ x: { shape } }, ({ x }) => x!.mean(axes, keep));
    await check({ x: { shape } }, ({ x }) => x!.max(axes, keep));
    await check({ x: { shape, range: [-3, 3] } }, ({ x }) => x!.logSumExp(axes, keep));
  });

  test('logSumExp is exact for huge inputs (no overflow)', async () => {
    const r = await check({ x: { shape: [2, 3], values: [1000, 1001, 999, -5000, -5001, -4999] } }, ({ x }) => x!.logSumExp(1));
    const lse = (v: number[]): number => Math.max(...v) + Math.log(v.reduce((a, b) => a + Math.exp(b - Math.max(...v)), 0));
    expectClose(r.output, [lse([1000, 1001, 999]), lse([-5000, -5001, -4999])], 1e-12);
  });

  test('forward: sum/mean/max along an axis match hand sums', async () => {
    const values = [1, 2, 3, 4, 5, 6];
    const s = await gradCheck({ x: { shape: [2, 3], values } }, ({ x }) => x!.sum(1));
    expectClose(s.output, [6, 15]);
    const m = await gradCheck({ x: { shape: [2, 3], values } }, ({ x }) => x!.mean(0));
    expectClose(m.output, [2.5, 3.5, 4.5]);
    const mx = await gradCheck({ x: { shape: [2, 3], values: [1, 9, 3, 4, 5, 2] } }, ({ x }) => x!.max(1, true));
    expectClose(mx.output, [9, 5]);
    expect(mx.outputShape).toEqual([2, 1]);
  });

  test.each([[[3, 5], -1], [[2, 3, 4], 1], [[4, 3], 0]] as [number[], number][])('softmax / logSoftmax %j axis %i', async (shape, axis) => {
    const sm = await check({ x: { shape, range: [-3, 3] } }, ({ x }) => x!.softmax(axis));
    const ls = await check({ x: { shape, range: [-3, 3] } }, ({ x }) => x!.logSoftmax(axis));
    if (axis === -1 || axis === shape.length - 1) {
      const cols = shape[shape.length - 1]!;
      const rows = sm.output.length / cols;
      expectClose(sm.output, softmaxRef(sm.inputs.x!, rows, cols));
      expectClose(ls.output, softmaxRef(ls.inputs.x!, rows, cols, true));
    }
  });

  test.each([
    [{}, [1, 3, 6, 10]],
    [{ exclusive: true }, [0, 1, 3, 6]],
    [{ reverse: true }, [10, 9, 7, 4]],
    [{ exclusive: true, reverse: true }, [9, 7, 4, 0]],
  ])('cumsum %j', async (options, expected) => {
    const r = await check({ x: { shape: [4], values: [1, 2, 3, 4] } }, ({ x }) => x!.cumsum(0, options));
    expectClose(r.output, expected);
    await check({ x: { shape: [2, 3, 2] } }, ({ x }) => x!.cumsum(1, options));
  });

  test.each([[[2, 5], -1, true], [[3, 4], -1, false], [[2, 3, 4], 1, true]] as [number[], number, boolean][])(
    'layerNorm %j from axis %i (bias %j), float64 path',
    async (shape, axis, withBias) => {
      const normalized = shape.slice(axis < 0 ? axis + shape.length : axis);
      const spec = { x: { shape, range: [-2, 2] as [number, number] }, s: { shape: normalized, range: [0.5, 1.5] as [number, number] }, b: { shape: normalized } };
      const r = await check(spec, ({ x, s, b }) => x!.layerNorm(s!, withBias ? b : undefined, { axis, epsilon: 1e-5 }));
      const n = normalized.reduce((p, q) => p * q, 1);
      const expected: number[] = [];
      for (let row = 0; row < r.output.length / n; row++) {
        const v = Array.from(r.inputs.x!.subarray(row * n, (row + 1) * n));
        const mu = v.reduce((a, c) => a + c, 0) / n;
        const variance = v.reduce((a, c) => a + (c - mu) ** 2, 0) / n;
        v.forEach((c, i) => expected.push(((c - mu) / Math.sqrt(variance + 1e-5)) * r.inputs.s![i]! + (withBias ? r.inputs.b![i]! : 0)));
      }
      expectClose(r.output, expected, 1e-9);
    },
  );
});

describe('linear algebra', () => {
  test.each([
    [[3, 4], [4, 2]],
    [[2, 3, 4], [4, 5]],
    [[2, 3, 4], [2, 4, 2]],
    [[2, 1, 3, 4], [3, 4, 2]],
    [[3, 4], [2, 4, 3]],
  ])('matmul %j @ %j', async (sa, sb) => {
    const r = await check({ a: { shape: sa }, b: { shape: sb } }, ({ a, b }) => a!.matmul(b!));
    if (sa.length === 2 && sb.length === 2) {
      const [m, k] = sa as [number, number];
      const n = sb[1]!;
      const expected: number[] = [];
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += r.inputs.a![i * k + q]! * r.inputs.b![q * n + j]!;
        expected.push(acc);
      }
      expectClose(r.output, expected);
    }
  });

  test.each([
    [false, false, [3]],
    [true, false, [1, 3]],
    [false, true, [2, 1]],
    [true, true, [2, 3]],
  ] as [boolean, boolean, number[]][])('gemm transA %j transB %j with C %j', async (transA, transB, sc) => {
    const sa = transA ? [4, 2] : [2, 4];
    const sb = transB ? [3, 4] : [4, 3];
    await check({ a: { shape: sa }, b: { shape: sb }, c: { shape: sc } }, ({ a, b, c }) => gemm(a!, b!, c, { transA, transB, alpha: 0.7, beta: 1.3 }));
  });
});

describe('movement and indexing', () => {
  test('reshape with -1, transpose, unsqueeze, squeeze, expand', async () => {
    await check({ x: { shape: [2, 3, 4] } }, ({ x }) => x!.reshape([-1, 4]).mul(x!.reshape([6, 4])));
    await check({ x: { shape: [2, 3, 4] } }, ({ x }) => x!.transpose([2, 0, 1]));
    await check({ x: { shape: [2, 3] } }, ({ x }) => x!.unsqueeze([0, 2]).squeeze(0));
    await check({ x: { shape: [3, 1] } }, ({ x }) => x!.expand([2, 3, 4]));
    const t = await gradCheck({ x: { shape: [2, 3], values: [0, 1, 2, 3, 4, 5] } }, ({ x }) => x!.transpose());
    expectClose(t.output, [0, 3, 1, 4, 2, 5]);
  });

  test('concat along each axis', async () => {
    await check({ a: { shape: [2, 3] }, b: { shape: [2, 1] }, c: { shape: [2, 2] } }, ({ a, b, c }) => concat([a!, b!, c!], 1));
    await check({ a: { shape: [1, 3] }, b: { shape: [2, 3] } }, ({ a, b }) => concat([a!, b!.mul(a!)], 0));
  });

  test.each([
    [[0], [2], [0], [1, 2, 3, 4, 5].slice(0, 2)],
    [[1], [TO_END], [0], [2, 3, 4, 5]],
    [[-3], [-1], [0], [3, 4]],
    [[0], [5], [0], [1, 2, 3, 4, 5]],
  ])('slice starts %j ends %j axes %j', async (starts, ends, axes, expected) => {
    const r = await check({ x: { shape: [5], values: [1, 2, 3, 4, 5] } }, ({ x }) => x!.slice(starts, ends, axes).mul(x!.slice(starts, ends, axes)));
    expectClose(r.output, expected.map((v) => v * v));
    await check({ x: { shape: [3, 5, 2] } }, ({ x }) => x!.slice(starts, ends, [1]));
  });

  test('split: pieces match slices; backward concatenates (zeros for unused pieces)', async () => {
    const r = await check({ x: { shape: [2, 6] } }, ({ x }) => {
      const [a, b, c] = x!.split([1, 3, 2], 1);
      return concat([c!, a!.mul(b!.sum(1, true))], 1);
    });
    const x = r.inputs.x!;
    const row = (i: number) => Array.from(x.subarray(i * 6, i * 6 + 6));
    const expected = [0, 1].flatMap((i) => {
      const v = row(i);
      return [v[4]!, v[5]!, v[0]! * (v[1]! + v[2]! + v[3]!)];
    });
    expectClose(r.output, expected);
    await check({ x: { shape: [3, 2, 2] } }, ({ x }) => x!.split([1, 2], 0)[1]!.exp()); // first piece unused
  });

  test('argmax (no gradient) picks the first maximum', async () => {
    const { Graph, toOnnxModel } = await import('../../../electron/engine/graph/index.ts');
    const { session, feed } = await import('./gradcheck.ts');
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 4]);
    const s = await session(toOnnxModel(g, { outputs: { i: x.argmax(-1), k: x.argmax(0, true) }, parametersAs: 'inputs' }));
    const out = await s.run({ x: feed('float32', [1, 7, 7, 2, 9, 0, 3, 3], [2, 4]) });
    expect(Array.from(out.i!.data as BigInt64Array)).toEqual([1n, 0n]);
    expect(out.k!.dims).toEqual([1, 4]);
    expect(Array.from(out.k!.data as BigInt64Array)).toEqual([1n, 0n, 0n, 1n]);
    await s.release();
  });

  test('pad', async () => {
    const r = await check({ x: { shape: [2, 2], values: [1, 2, 3, 4] } }, ({ x }) => pad(x!, [1, 0, 0, 2]));
    expectClose(r.output, [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
  });

  test('gather (embedding) accumulates gradients of repeated indices', async () => {
    const ids = [2, 0, 2, 2, 1, 0];
    const r = await check({ table: { shape: [4, 3] }, ids: { shape: [2, 3], dtype: 'int64', values: ids } }, ({ table, ids }) => table!.gather(ids!));
    // Row 3 is never used: zero gradient; forward picks rows.
    expect(Array.from(r.gradients.table!.subarray(9, 12))).toEqual([0, 0, 0]);
    expectClose(r.output, ids.flatMap((id) => Array.from(r.inputs.table!.subarray(id * 3, id * 3 + 3))));
  });

  test('gatherElements picks target log-probabilities (scatter-add backward)', async () => {
    const targets = [1, 3, 0, 1, 1, 2];
    const r = await check(
      { logits: { shape: [2, 3, 4] }, t: { shape: [2, 3, 1], dtype: 'int64', values: targets } },
      ({ logits, t }) => logits!.logSoftmax(-1).gatherElements(t!, -1),
    );
    const ls = softmaxRef(r.inputs.logits!, 6, 4, true);
    expectClose(r.output, targets.map((k, row) => ls[row * 4 + k]!));
    // repeated indices along the gathered axis must add up, too
    await check({ x: { shape: [2, 3] }, i: { shape: [2, 4], dtype: 'int64', values: [0, 0, 2, 0, 1, 1, 1, 2] } }, ({ x, i }) => x!.gatherElements(i!, 1));
  });

  test('scatter-add along an axis (the GatherElements backward) is itself differentiable', async () => {
    await check(
      { d: { shape: [2, 3] }, u: { shape: [2, 4] }, i: { shape: [2, 4], dtype: 'int64', values: [0, 2, 2, 1, 1, 1, 0, 2] } },
      ({ d, u, i }) => movement.scatterElementsAdd(d!, i!, u!, 1),
    );
  });

  test('segmentSum adds rows by segment id (repeats, an empty segment, int32 ids); backward gathers', async () => {
    const ids = [2, 0, 2, 2, 1, 0];
    const r = await check(
      { x: { shape: [6, 3] }, ids: { shape: [6], dtype: 'int64', values: ids }, like: { shape: [4, 1], differentiable: false } },
      ({ x, ids, like }) => movement.segmentSum(x!, ids!, like!),
    );
    const x = r.inputs.x!;
    const expected = new Array<number>(12).fill(0);
    ids.forEach((s, i) => { for (let k = 0; k < 3; k++) expected[3 * s + k]! += x[3 * i + k]!; });
    expect(r.outputShape).toEqual([4, 3]);
    expectClose(r.output, expected); // segment 3 receives nothing and stays zero
    const v = await check(
      { x: { shape: [5] }, ids: { shape: [5], dtype: 'int32', values: [1, 1, 0, 1, 0] }, like: { shape: [2], differentiable: false } },
      ({ x, ids, like }) => movement.segmentSum(x!.sin(), ids!, like!),
    );
    const y = v.inputs.x!.map(Math.sin);
    expectClose(v.output, [y[2]! + y[4]!, y[0]! + y[1]! + y[3]!]);
  });

  test('oneHot', async () => {
    const r = await gradCheck({ x: { shape: [3] }, i: { shape: [3], dtype: 'int64', values: [2, 0, 1] } }, ({ x, i }) => i!.oneHot(3, 'float64').mul(x!.unsqueeze(-1)));
    const x = r.inputs.x!;
    expectClose(r.output, [0, 0, x[0]!, x[1]!, 0, 0, 0, x[2]!, 0]);
  });
});

describe('dropout', () => {
  test('training: y = x·mask/(1−p), dx = g·mask/(1−p); about p of the entries dropped', async () => {
    const { Graph, grad, toOnnxModel, dropoutMask } = await import('../../../electron/engine/graph/index.ts');
    const { session, feed } = await import('./gradcheck.ts');
    const g = new Graph({ training: true, seed: 7 });
    const n = 4000;
    const x = g.input('x', 'float64', [n]);
    const w = g.input('w', 'float64', [n]);
    const y = x.dropout(0.25);
    const mask = dropoutMask(y)!;
    const [dx] = grad(y.mul(w).sum(), [x]);
    const s = await session(toOnnxModel(g, { outputs: { y, mask, dx: dx! }, parametersAs: 'inputs' }));
    const xv = Array.from({ length: n }, (_, i) => 1 + (i % 7));
    const wv = Array.from({ length: n }, (_, i) => (i % 5) - 2);
    const out = await s.run({ x: feed('float64', xv, [n]), w: feed('float64', wv, [n]) });
    const m = out.mask!.data as Uint8Array;
    const yv = out.y!.data as Float64Array;
    const dxv = out.dx!.data as Float64Array;
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (!m[i]) dropped++;
      expect(yv[i]).toBeCloseTo(m[i] ? xv[i]! / 0.75 : 0, 12);
      expect(dxv[i]).toBeCloseTo(m[i] ? wv[i]! / 0.75 : 0, 12);
    }
    expect(dropped / n).toBeGreaterThan(0.22);
    expect(dropped / n).toBeLessThan(0.28);
    await s.release();
  });

  test('masks change from run to run, and a fresh session replays the same sequence (seeded)', async () => {
    const { Graph, toOnnxModel, dropoutMask } = await import('../../../electron/engine/graph/index.ts');
    const { session, feed } = await import('./gradcheck.ts');
    const g = new Graph({ training: true, seed: 3 });
    const x = g.input('x', 'float32', [256]);
    const bytes = toOnnxModel(g, { outputs: { mask: dropoutMask(x.dropout(0.5))! }, parametersAs: 'inputs' });
    const masks = async () => {
      const s = await session(bytes);
      const feeds = { x: feed('float32', new Array(256).fill(1), [256]) };
      const out = [Array.from((await s.run(feeds)).mask!.data as Uint8Array), Array.from((await s.run(feeds)).mask!.data as Uint8Array)];
      await s.release();
      return out;
    };
    const [a1, a2] = await masks();
    const [b1, b2] = await masks();
    expect(a1).not.toEqual(a2);
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
  });

  test('inference graphs skip dropout', async () => {
    const { Graph } = await import('../../../electron/engine/graph/index.ts');
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    expect(x.dropout(0.5)).toBe(x);
  });
});

describe('gradient accumulation', () => {
  test('slices of one tensor send back one Concat, not full-size Pads added together', async () => {
    const { Graph, grad, exportModel } = await import('../../../electron/engine/graph/index.ts');
    const onnxProto = (await import('onnx-proto')).default;
    const g = new Graph();
    const x = g.input('x', 'float64', ['batch', 9]);
    const parts = [0, 3, 6].map((s) => x.slice([s], [s + 3], [1]));
    const tail = x.slice([7], [9], [1]); // overlaps the last part: must still be summed correctly
    const loss = parts[0]!.exp().sum().add(parts[1]!.mul(parts[2]!).sum()).add(tail.sin().sum());
    const [dx] = grad(loss, [x]);
    const { bytes } = exportModel(g, { outputs: { dx: dx! }, parametersAs: 'inputs' });
    const ops = onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Concat')).toHaveLength(1);
    expect(ops.filter((o) => o === 'Pad')).toHaveLength(1); // only the overlapping tail
    // and the values are right
    await check({ x: { shape: [2, 9] } }, ({ x }) => {
      const p = [0, 3, 6].map((s) => x!.slice([s], [s + 3], [1]));
      return concat([p[0]!.exp(), p[1]!.mul(p[2]!), x!.slice([7], [9], [1]).sin()], 1);
    });
  });
});

// Runs last (tests in a file run in order): every op with a backward rule must have been finite-differenced above.
test('every differentiable op has gone through a finite-difference check', () => {
  const ops = [elementwise, reduce, movement, linalg, nn].flatMap((m) => Object.values(m)).filter(
    (v): v is OpDef => typeof v === 'object' && v !== null && 'infer' in v && 'emit' in v,
  );
  const differentiable = [...new Set(ops.filter((op) => op.backward).map((op) => op.name))];
  expect(differentiable.length).toBeGreaterThan(40);
  const missing = differentiable.filter((name) => !checkedOps.has(name) && !(name in NOT_FINITE_DIFFERENCED));
  expect(missing, 'differentiable ops without a gradient check').toEqual([]);
});
