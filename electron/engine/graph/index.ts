/**
 * The graph builder: typed tensors, the op table, reverse-mode autodiff and ONNX emission.
 * See README.md in this folder for a tour.
 */
export type { Dim, Shape } from './dims.ts';
export type { DType, TensorType, Node, OpDef, Emitter, Attr } from './op.ts';
export { GraphError, isFloat } from './op.ts';
export { Graph, Tensor } from './tensor.ts';
export type { GraphOptions, ConstantValues } from './tensor.ts';
export { grad } from './autodiff.ts';
export type { GradOptions } from './autodiff.ts';
export { toOnnxModel, exportModel } from './onnx.ts';
export type { ExportOptions, ModelSignature, ParameterValues } from './onnx.ts';
export { where, add, sub, mul, div, maximum, minimum } from './ops/elementwise.ts';
export { concat, pad, zerosLike, TO_END } from './ops/movement.ts';
export { gemm } from './ops/linalg.ts';
export { dropoutMask } from './ops/nn.ts';
