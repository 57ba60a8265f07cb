/**
 * Gradient checking against central finite differences, everything in float64.
 *
 * The op under test maps named inputs to an output `y`; the check differentiates the scalar
 * L = Σ y ⊙ W (W a fixed random weighting, so every output element gets its own upstream gradient) with our
 * autodiff, runs that gradient graph in onnxruntime, and compares it with (L(x + h) − L(x − h)) / 2h computed
 * from the forward graph for every element of every differentiable input.
 */
import { Rng } from '../../../shared/random.ts';
import { Graph, grad, toOnnxModel, type DType, type Tensor } from '../../../electron/engine/graph/index.ts';
import { createSession, ort, type EngineSession } from '../../../electron/engine/runtime.ts';

export interface CheckInput {
  shape: number[];
  /** Default float64. */
  dtype?: DType;
  /** Explicit values (required for integer/bool inputs); otherwise uniform in `range`. */
  values?: ArrayLike<number>;
  range?: [number, number];
  /** Float inputs are differentiated unless this is false. */
  differentiable?: boolean;
}

export interface CheckResult {
  /** max over elements of |analytic − numeric| / max(|analytic|, |numeric|, 1e-3·max|numeric|) */
  maxRelError: number;
  worst: string;
  /** Forward output y, for checks against an independent reference. */
  output: Float64Array;
  outputShape: readonly number[];
  /** Analytic gradients by input name. */
  gradients: Record<string, Float64Array>;
  inputs: Record<string, Float64Array>;
}

export async function session(bytes: Uint8Array): Promise<EngineSession> {
  return createSession(bytes, { cache: false, intraOpNumThreads: 1, log: () => {} });
}

export function feed(dtype: DType, values: ArrayLike<number>, shape: readonly number[]): ort.Tensor {
  const dims = [...shape];
  switch (dtype) {
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(values), dims);
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(values), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(Array.from(values), (v) => BigInt(v)), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(values), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(values, (v) => (v ? 1 : 0)), dims);
  }
}

/** Names of the ops that appeared in the forward graph of some gradCheck in this process (coverage check). */
export const checkedOps = new Set<string>();

export async function gradCheck(
  spec: Record<string, CheckInput>,
  f: (x: Record<string, Tensor>, g: Graph) => Tensor,
  options: { h?: number; seed?: number; training?: boolean } = {},
): Promise<CheckResult> {
  const h = options.h ?? 1e-6;
  const rng = new Rng(options.seed ?? 1234);
  const g = new Graph({ training: options.training ?? false });
  const xs: Record<string, Tensor> = {};
  const values: Record<string, Float64Array> = {};
  for (const [name, s] of Object.entries(spec)) {
    const dtype = s.dtype ?? 'float64';
    xs[name] = g.input(name, dtype, s.shape);
    const n = s.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = s.range ?? [-1, 1];
    values[name] = s.values ? Float64Array.from(s.values) : Float64Array.from({ length: n }, () => rng.uniform(lo, hi));
    if (values[name]!.length !== n) throw new Error(`gradCheck: ${name} has ${values[name]!.length} values for shape [${s.shape}]`);
  }
  const y = f(xs, g);
  for (const node of g.nodes) checkedOps.add(node.op.name);
  const yShape = y.shape.map((d) => {
    if (typeof d !== 'number') throw new Error('gradCheck: output shape must be static');
    return d;
  });
  const weights = g.constant(Array.from({ length: yShape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), yShape, y.dtype);
  const loss = y.mul(weights).sum();
  const names = Object.keys(spec).filter((k) => (spec[k]!.dtype ?? 'float64') === 'float64' && spec[k]!.differentiable !== false);
  const grads = grad(loss, names.map((k) => xs[k]!));
  const inputs = Object.values(xs);

  const full = await session(
    toOnnxModel(g, {
      inputs,
      outputs: { loss, y, ...Object.fromEntries(names.map((k, i) => [`grad_${k}`, grads[i]!])) },
      parametersAs: 'inputs',
    }),
  );
  const forward = await session(toOnnxModel(g, { inputs, outputs: { loss }, parametersAs: 'inputs' }));
  const feeds = (override?: [string, Float64Array]): Record<string, ort.Tensor> =>
    Object.fromEntries(
      Object.entries(spec).map(([k, s]) => [k, feed(s.dtype ?? 'float64', override && override[0] === k ? override[1] : values[k]!, s.shape)]),
    );
  const result = await full.run(feeds());
  const gradients: Record<string, Float64Array> = {};
  let maxRelError = 0;
  let worst = 'none';
  for (const k of names) {
    const analytic = result[`grad_${k}`]!.data as Float64Array;
    gradients[k] = analytic;
    const numeric = new Float64Array(analytic.length);
    for (let i = 0; i < numeric.length; i++) {
      const plus = Float64Array.from(values[k]!);
      plus[i]! += h;
      const minus = Float64Array.from(values[k]!);
      minus[i]! -= h;
      const lp = (await forward.run(feeds([k, plus]))).loss!.data as Float64Array;
      const lm = (await forward.run(feeds([k, minus]))).loss!.data as Float64Array;
      numeric[i] = (lp[0]! - lm[0]!) / (2 * h);
    }
    const scale = numeric.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let i = 0; i < numeric.length; i++) {
      const a = analytic[i]!;
      const n = numeric[i]!;
      const err = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), 1e-3 * scale, 1e-12);
      if (!(err <= maxRelError)) {
        maxRelError = Number.isNaN(err) ? Infinity : err;
        worst = `${k}[${i}]: analytic ${a}, numeric ${n}`;
      }
    }
  }
  await full.release();
  await forward.release();
  return { maxRelError, worst, output: result.y!.data as Float64Array, outputShape: result.y!.dims, gradients, inputs: values };
}
