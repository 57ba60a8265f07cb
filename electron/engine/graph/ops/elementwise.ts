/**
 * Elementwise ops: unary math, broadcasting binary arithmetic, Where, Clip, Cast, comparisons and logic.
 * Each op record holds its shape rule, its ONNX emission and its backward rule.
 */
import { broadcastShapes, formatShape } from '../dims.ts';
import type { DType, Emitter, Grads, Node, OpDef, TensorType } from '../op.ts';
import { attr, defineOp, emitSame, fail, isFloat } from '../op.ts';
import type { Tensor } from '../tensor.ts';
import { sum } from './reduce.ts';
import { squeeze } from './movement.ts';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};
type Operand = Tensor | number;

// ---------------------------------------------------------------- helpers

/** Turns a number into a scalar constant of the other operand's dtype. */
export function lift(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') fail(op, 'needs at least one tensor operand');
  const ref = (typeof a === 'number' ? b : a) as Tensor;
  const ta = typeof a === 'number' ? ref.graph.scalar(a, ref.dtype) : a;
  const tb = typeof b === 'number' ? ref.graph.scalar(b, ref.dtype) : b;
  return [ta, tb];
}

/**
 * Sums a broadcast gradient back to the shape of the operand it came from: over the leading axes the operand
 * did not have, and over the axes where the operand had size 1.
 */
export function sumToShape(g: Tensor, shape: readonly (number | string)[]): Tensor {
  const lead = g.rank - shape.length;
  if (lead < 0) fail('sumToShape', `gradient ${formatShape(g.shape)} has lower rank than ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  let r = axes.length > 0 ? sum(g, axes, true) : g;
  if (lead > 0) r = squeeze(r, Array.from({ length: lead }, (_, i) => i));
  return r;
}

function sameDtype(op: string, inputs: readonly TensorType[]): DType {
  const dtype = inputs[0]!.dtype;
  if (inputs.some((t) => t.dtype !== dtype)) fail(op, 'operands have different dtypes', inputs);
  return dtype;
}

function broadcastInfer(op: string, inputs: readonly TensorType[]): readonly (string | number)[] {
  let shape: readonly (string | number)[] = inputs[0]!.shape;
  for (const t of inputs.slice(1)) {
    const b = broadcastShapes(shape, t.shape);
    if (!b) fail(op, `shapes ${inputs.map((i) => formatShape(i.shape)).join(' and ')} do not broadcast`, inputs);
    shape = b;
  }
  return shape;
}

// ---------------------------------------------------------------- unary

/** A float-valued unary op whose backward needs only x, y and the upstream gradient g. */
function unary(
  name: string,
  backward: ((x: Tensor, y: Tensor, g: Tensor) => Tensor | null) | undefined,
  options: { allowInt?: boolean; onnx?: string } = {},
): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    infer(inputs) {
      const x = inputs[0]!;
      if (!options.allowInt && !isFloat(x.dtype)) fail(name, `needs a float tensor, got ${x.dtype}`, inputs);
      if (x.dtype === 'bool') fail(name, 'needs a numeric tensor', inputs);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    emit: (e, node) => e.node(options.onnx ?? name, [e.name(node.inputs[0]!)], [e.name(node.outputs[0]!)]),
    backward: backward && ((node, [g]) => [backward(node.inputs[0]!, node.outputs[0]!, g!)]),
  });
}

const apply1 = (op: OpDef<NoAttrs>, x: Tensor): Tensor => x.graph.apply(op, [x], none)[0]!;

/** Replaces an op's emission for float64 inputs (where onnxruntime's CPU provider lacks a kernel). */
function withFloat64Fallback(op: OpDef<NoAttrs>, emit64: (e: Emitter, x: string, y: string) => void): OpDef<NoAttrs> {
  return {
    ...op,
    emit: (e, node) => (node.inputs[0]!.dtype === 'float64' ? emit64(e, e.name(node.inputs[0]!), e.name(node.outputs[0]!)) : op.emit(e, node)),
  };
}

export const Neg = unary('Neg', (_x, _y, g) => neg(g), { allowInt: true });
export const Abs = unary('Abs', (x, _y, g) => mul(g, sign(x)), { allowInt: true });
/** Piecewise constant: its gradient is zero almost everywhere, so none flows. */
export const Sign = unary('Sign', () => null, { allowInt: true });
export const Exp = unary('Exp', (_x, y, g) => mul(g, y));
export const Log = unary('Log', (x, _y, g) => div(g, x));
export const Sqrt = unary('Sqrt', (_x, y, g) => div(mul(g, 0.5), y));
export const Tanh = unary('Tanh', (_x, y, g) => mul(g, sub(1, mul(y, y))));
export const Sigmoid = unary('Sigmoid', (_x, y, g) => mul(g, mul(y, sub(1, y))));
/** log(1 + eˣ). onnxruntime's CPU provider has Softplus for float32 only; float64 graphs get max(x,0) + log(1 + e^−|x|). */
export const Softplus = withFloat64Fallback(
  unary('Softplus', (x, _y, g) => mul(g, sigmoid(x))),
  (e, x, y) => {
    const [relu, absX, negAbs, expNeg, onePlus, logged] = ['relu', 'abs', 'negabs', 'exp', 'oneplus', 'log'].map((h) => e.temp(h)) as string[] as [string, string, string, string, string, string];
    e.node('Relu', [x], [relu]);
    e.node('Abs', [x], [absX]);
    e.node('Neg', [absX], [negAbs]);
    e.node('Exp', [negAbs], [expNeg]);
    e.node('Add', [expNeg, e.scalar(1, 'float64')], [onePlus]);
    e.node('Log', [onePlus], [logged]);
    e.node('Add', [relu, logged], [y]);
  },
);
/**
 * SiLU (swish) x·σ(x) as one op, so its backward is the single expression g·(σ + y(1 − σ)) instead of the
 * product rule through a Sigmoid node (fewer passes over large activations). Emitted as Sigmoid and Mul, which
 * onnxruntime fuses for float32; float64 (no fused kernel) gets x / (1 + e^−x).
 */
export const Silu = defineOp<NoAttrs>({
  name: 'Silu',
  infer(inputs) {
    if (!isFloat(inputs[0]!.dtype)) fail('Silu', 'needs a float tensor', inputs);
    return [inputs[0]!];
  },
  emit(e, node) {
    const x = e.name(node.inputs[0]!);
    const y = e.name(node.outputs[0]!);
    if (node.inputs[0]!.dtype === 'float64') {
      const [negX, expNeg, onePlus] = ['negx', 'exp', 'oneplus'].map((h) => e.temp(h)) as [string, string, string];
      e.node('Neg', [x], [negX]);
      e.node('Exp', [negX], [expNeg]);
      e.node('Add', [expNeg, e.scalar(1, 'float64')], [onePlus]);
      e.node('Div', [x, onePlus], [y]);
      return;
    }
    const s = e.temp('sigmoid');
    e.node('Sigmoid', [x], [s]);
    e.node('Mul', [x, s], [y]);
  },
  backward(node, [g]) {
    const s = sigmoid(node.inputs[0]!);
    return [mul(g!, add(s, mul(node.outputs[0]!, sub(1, s))))];
  },
});
export const silu = (x: Tensor): Tensor => x.graph.apply(Silu, [x], none)[0]!;
export const Sin = unary('Sin', (x, _y, g) => mul(g, cos(x)));
export const Cos = unary('Cos', (x, _y, g) => neg(mul(g, sin(x))));
export const Relu = unary('Relu', (x, _y, g) => where(greater(x, 0), g, 0));
/**
 * The error function; backward 2/√π·e^(−x²). onnxruntime's CPU provider has Erf for float32 only; float64 graphs
 * (gradient checks) get the smooth Chebyshev fit of erfc from Numerical Recipes §6.2 (fractional error < 1.2e-7),
 * so finite differences of the forward stay meaningful.
 */
export const Erf = withFloat64Fallback(
  unary('Erf', (x, _y, g) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))),
  emitErf64,
);
function emitErf64(e: Emitter, x: string, y: string): void {
  const c = (v: number): string => e.scalar(v, 'float64');
  const t = (op: string, inputs: string[]): string => {
    const out = e.temp('erf');
    e.node(op, inputs, [out]);
    return out;
  };
  const z = t('Abs', [x]);
  const tt = t('Div', [c(1), t('Add', [c(1), t('Mul', [z, c(0.5)])])]);
  const coefficients = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
  let poly = c(coefficients[coefficients.length - 1]!);
  for (let i = coefficients.length - 2; i >= 0; i--) poly = t('Add', [c(coefficients[i]!), t('Mul', [tt, poly])]);
  const erfc = t('Mul', [tt, t('Exp', [t('Sub', [poly, t('Mul', [z, z])])])]);
  e.node('Mul', [t('Sign', [x]), t('Sub', [c(1), erfc])], [y]);
}
export const Identity = unary('Identity', (_x, _y, g) => g, { allowInt: true });
/** Identity in the forward pass; blocks the gradient (e.g. the max subtracted inside logsumexp). */
export const StopGradient = unary('StopGradient', () => null, { allowInt: true, onnx: 'Identity' });

export const neg = (x: Tensor): Tensor => apply1(Neg, x);
export const abs = (x: Tensor): Tensor => apply1(Abs, x);
export const sign = (x: Tensor): Tensor => apply1(Sign, x);
export const exp = (x: Tensor): Tensor => apply1(Exp, x);
export const log = (x: Tensor): Tensor => apply1(Log, x);
export const sqrt = (x: Tensor): Tensor => apply1(Sqrt, x);
export const tanh = (x: Tensor): Tensor => apply1(Tanh, x);
export const sigmoid = (x: Tensor): Tensor => apply1(Sigmoid, x);
export const softplus = (x: Tensor): Tensor => apply1(Softplus, x);
export const sin = (x: Tensor): Tensor => apply1(Sin, x);
export const cos = (x: Tensor): Tensor => apply1(Cos, x);
export const relu = (x: Tensor): Tensor => apply1(Relu, x);
export const erf = (x: Tensor): Tensor => apply1(Erf, x);
export const identity = (x: Tensor): Tensor => apply1(Identity, x);
export const stopGradient = (x: Tensor): Tensor => apply1(StopGradient, x);

/** GELU (ONNX opset 20): x·Φ(x), or its tanh approximation. */
export const Gelu = defineOp<{ approximate: 'none' | 'tanh' }>({
  name: 'Gelu',
  infer(inputs) {
    if (!isFloat(inputs[0]!.dtype)) fail('Gelu', 'needs a float tensor', inputs);
    return [inputs[0]!];
  },
  emit(e, node) {
    const [x, y] = [e.name(node.inputs[0]!), e.name(node.outputs[0]!)];
    if (node.inputs[0]!.dtype === 'float64' && node.attrs.approximate === 'none') {
      // onnxruntime expands float64 Gelu into Erf, which it lacks in float64: spell out ½x(1 + erf(x/√2)).
      const [scaled, erfOut, onePlus, half] = ['scaled', 'erf', 'oneplus', 'half'].map((h) => e.temp(h)) as [string, string, string, string];
      e.node('Mul', [x, e.scalar(Math.SQRT1_2, 'float64')], [scaled]);
      emitErf64(e, scaled, erfOut);
      e.node('Add', [erfOut, e.scalar(1, 'float64')], [onePlus]);
      e.node('Mul', [x, e.scalar(0.5, 'float64')], [half]);
      e.node('Mul', [half, onePlus], [y]);
      return;
    }
    e.node('Gelu', [x], [y], { approximate: attr.string(node.attrs.approximate) });
  },
  backward(node, [g]) {
    const x = node.inputs[0]!;
    if (node.attrs.approximate === 'none') {
      // d/dx x·Φ(x) = Φ(x) + x·φ(x)
      const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [mul(g!, add(cdf, mul(x, pdf)))];
    }
    // y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)
    const c = Math.sqrt(2 / Math.PI);
    const x2 = mul(x, x);
    const t = tanh(mul(mul(x, add(mul(x2, 0.044715), 1)), c));
    const du = mul(add(mul(x2, 3 * 0.044715), 1), c);
    const dy = add(mul(add(t, 1), 0.5), mul(mul(mul(x, sub(1, mul(t, t))), du), 0.5));
    return [mul(g!, dy)];
  },
});
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => x.graph.apply(Gelu, [x], { approximate })[0]!;

/** Cast between dtypes; gradients flow only between float dtypes. */
export const Cast = defineOp<{ to: DType }>({
  name: 'Cast',
  infer: (inputs, a) => [{ dtype: a.to, shape: inputs[0]!.shape }],
  emit: emitSame((a) => ({ to: attr.int(ONNX_DTYPE_CODE[a.to]) })),
  backward: (node, [g]) => [isFloat(node.inputs[0]!.dtype) && isFloat(node.attrs.to) ? cast(g!, node.inputs[0]!.dtype) : null],
});
export const cast = (x: Tensor, to: DType): Tensor => (x.dtype === to ? x : x.graph.apply(Cast, [x], { to })[0]!);

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE_CODE: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 };

// ---------------------------------------------------------------- binary (broadcasting)

function binary(name: string, backward: ((a: Tensor, b: Tensor, y: Tensor, g: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null]) | undefined): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    infer(inputs) {
      const dtype = sameDtype(name, inputs);
      if (dtype === 'bool') fail(name, 'needs numeric operands', inputs);
      return [{ dtype, shape: broadcastInfer(name, inputs) }];
    },
    emit: emitSame(),
    backward:
      backward &&
      ((node: Node<NoAttrs>, grads: Grads, needs: readonly boolean[]) => {
        const [a, b] = node.inputs as [Tensor, Tensor];
        const [ga, gb] = backward(a, b, node.outputs[0]!, grads[0]!, needs);
        return [ga && sumToShape(ga, a.shape), gb && sumToShape(gb, b.shape)];
      }),
  });
}

export const Add = binary('Add', (_a, _b, _y, g) => [g, g]);
export const Sub = binary('Sub', (_a, _b, _y, g) => [g, neg(g)]);
export const Mul = binary('Mul', (a, b, _y, g) => [mul(g, b), mul(g, a)]);
export const Div = binary('Div', (_a, b, y, g) => [div(g, b), neg(div(mul(g, y), b))]);
/** a^b; the gradient for b (g·a^b·ln a) is only meaningful where a > 0. */
export const Pow = binary('Pow', (a, b, y, g, needs) => [
  needs[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
  needs[1] ? mul(g, mul(y, log(a))) : null,
]);
/** Elementwise maximum; at ties the gradient goes to the first operand. */
export const Max = binary('Max', (a, b, _y, g) => {
  const first = greaterOrEqual(a, b);
  return [where(first, g, 0), where(first, 0, g)];
});
/** Elementwise minimum; at ties the gradient goes to the first operand. */
export const Min = binary('Min', (a, b, _y, g) => {
  const first = lessOrEqual(a, b);
  return [where(first, g, 0), where(first, 0, g)];
});

function apply2(op: OpDef<NoAttrs>, a: Operand, b: Operand): Tensor {
  const [ta, tb] = lift(a, b, op.name);
  return ta.graph.apply(op, [ta, tb], none)[0]!;
}
export const add = (a: Operand, b: Operand): Tensor => apply2(Add, a, b);
export const sub = (a: Operand, b: Operand): Tensor => apply2(Sub, a, b);
export const mul = (a: Operand, b: Operand): Tensor => apply2(Mul, a, b);
export const div = (a: Operand, b: Operand): Tensor => apply2(Div, a, b);
export const pow = (a: Operand, b: Operand): Tensor => apply2(Pow, a, b);
export const maximum = (a: Operand, b: Operand): Tensor => apply2(Max, a, b);
export const minimum = (a: Operand, b: Operand): Tensor => apply2(Min, a, b);

// ---------------------------------------------------------------- selection

/** where(cond, a, b): a where cond is true, else b (all three broadcast). */
export const Where = defineOp<NoAttrs>({
  name: 'Where',
  infer(inputs) {
    const [c, a, b] = inputs as [TensorType, TensorType, TensorType];
    if (c.dtype !== 'bool') fail('Where', `condition must be bool, got ${c.dtype}`, inputs);
    if (a.dtype !== b.dtype) fail('Where', 'branches have different dtypes', inputs);
    return [{ dtype: a.dtype, shape: broadcastInfer('Where', inputs) }];
  },
  emit: emitSame(),
  backward(node, [g]) {
    const [c, a, b] = node.inputs as [Tensor, Tensor, Tensor];
    return [null, sumToShape(where(c, g!, 0), a.shape), sumToShape(where(c, 0, g!), b.shape)];
  },
});
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const [ta, tb] = lift(a, b, 'Where');
  return cond.graph.apply(Where, [cond, ta, tb], none)[0]!;
}

/** Clamps to [min, max]; the gradient passes where the input is inside the interval. */
export const Clip = defineOp<NoAttrs>({
  name: 'Clip',
  infer(inputs) {
    const [x, lo, hi] = inputs as [TensorType, TensorType, TensorType];
    if (!isFloat(x.dtype)) fail('Clip', 'needs a float tensor', inputs);
    if (lo.shape.length !== 0 || hi.shape.length !== 0) fail('Clip', 'min and max must be scalars', inputs);
    return [x];
  },
  emit: emitSame(),
  backward(node, [g]) {
    const [x, lo, hi] = node.inputs as [Tensor, Tensor, Tensor];
    return [where(and(greaterOrEqual(x, lo), lessOrEqual(x, hi)), g!, 0), null, null];
  },
});
export function clip(x: Tensor, min: number, max: number): Tensor {
  if (!(min <= max)) fail('Clip', `min ${min} exceeds max ${max}`);
  return x.graph.apply(Clip, [x, x.graph.scalar(min, x.dtype), x.graph.scalar(max, x.dtype)], none)[0]!;
}

// ---------------------------------------------------------------- comparisons and logic (no gradient)

function compare(name: string): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    infer(inputs) {
      sameDtype(name, inputs);
      return [{ dtype: 'bool', shape: broadcastInfer(name, inputs) }];
    },
    emit: emitSame(),
  });
}
function logic(name: string): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    infer(inputs) {
      if (inputs.some((t) => t.dtype !== 'bool')) fail(name, 'needs bool operands', inputs);
      return [{ dtype: 'bool', shape: broadcastInfer(name, inputs) }];
    },
    emit: emitSame(),
  });
}
export const Less = compare('Less');
export const LessOrEqual = compare('LessOrEqual');
export const Greater = compare('Greater');
export const GreaterOrEqual = compare('GreaterOrEqual');
export const Equal = compare('Equal');
export const And = logic('And');
export const Or = logic('Or');
export const Not = logic('Not');

export const less = (a: Operand, b: Operand): Tensor => apply2(Less, a, b);
export const lessOrEqual = (a: Operand, b: Operand): Tensor => apply2(LessOrEqual, a, b);
export const greater = (a: Operand, b: Operand): Tensor => apply2(Greater, a, b);
export const greaterOrEqual = (a: Operand, b: Operand): Tensor => apply2(GreaterOrEqual, a, b);
export const equal = (a: Operand, b: Operand): Tensor => apply2(Equal, a, b);
export const and = (a: Tensor, b: Tensor): Tensor => a.graph.apply(And, [a, b], none)[0]!;
export const or = (a: Tensor, b: Tensor): Tensor => a.graph.apply(Or, [a, b], none)[0]!;
export const not = (a: Tensor): Tensor => a.graph.apply(Not, [a], none)[0]!;
