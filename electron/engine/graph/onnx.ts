/**
 * Emission: turns a Graph (or the part of it the requested outputs depend on) into a serialized ONNX ModelProto.
 * Each op writes its own nodes through the Emitter interface; this module owns naming, shared constants,
 * graph inputs/outputs, and parameters (graph inputs for training, initializers for a standalone model).
 */
import onnxProto from 'onnx-proto';
import type { Dim, Shape } from './dims.ts';
import { formatShape, sameDim } from './dims.ts';
import type { Attr, DType, Emitter, Node } from './op.ts';
import { GraphError } from './op.ts';
import type { ConstantValues, Graph, Tensor } from './tensor.ts';
import { ONNX_DTYPE_CODE } from './ops/elementwise.ts';

const { onnx } = onnxProto;

export type ParameterValues = ReadonlyMap<string, Float32Array | Float64Array>;

export interface ExportOptions {
  /** Graph outputs by name. */
  outputs: Record<string, Tensor>;
  /** Graph inputs to declare, in order. Default: the graph inputs the outputs depend on, in creation order. */
  inputs?: readonly Tensor[];
  /**
   * 'inputs' for training graphs (weights fed each run), 'initializers' for a standalone inference model,
   * 'packed' for one flat graph input holding all weights (each parameter a slice of it; see `packed`).
   */
  parametersAs: 'inputs' | 'initializers' | 'packed';
  /** Weights, required when parametersAs is 'initializers'. */
  parameterValues?: ParameterValues;
  /** For parametersAs 'packed': the flat 1-D graph input and each parameter's element offset in it. */
  packed?: { input: Tensor; offsets: ReadonlyMap<string, number> };
  /** Default opset of the emitted model; at least 20. Default 20. */
  opset?: number;
  name?: string;
}

/** What a model declares: its input and output names in order (for feeding a session). */
export interface ModelSignature {
  inputs: { name: string; dtype: DType; shape: readonly Dim[] }[];
  outputs: { name: string; dtype: DType; shape: readonly Dim[] }[];
}

export function toOnnxModel(graph: Graph, options: ExportOptions): Uint8Array {
  return exportModel(graph, options).bytes;
}

export function exportModel(graph: Graph, options: ExportOptions): { bytes: Uint8Array; signature: ModelSignature } {
  const opset = options.opset ?? 20;
  if (opset < 20) throw new GraphError(`toOnnxModel: opset ${opset} is below 20 (Gelu needs opset 20)`);
  const outputs = Object.entries(options.outputs);
  if (outputs.length === 0) throw new GraphError('toOnnxModel: no outputs requested');
  for (const [name, t] of outputs) {
    if (t.graph !== graph) throw new GraphError(`toOnnxModel: output '${name}' belongs to another graph`);
  }

  const { nodes, leaves } = reachable(outputs.map(([, t]) => t));
  const inputs = options.inputs ?? graph.inputs.filter((t) => leaves.has(t));
  for (const t of inputs) {
    if (t.source.kind !== 'input') throw new GraphError(`toOnnxModel: ${t.name} is not a graph input`);
  }
  const missing = graph.inputs.filter((t) => leaves.has(t) && !inputs.includes(t));
  if (missing.length > 0) throw new GraphError(`toOnnxModel: outputs depend on undeclared inputs ${missing.map((t) => t.name).join(', ')}`);
  const parameters = graph.parameters.filter((t) => leaves.has(t));

  const e = new OnnxEmitter(inputs);
  const graphInputs = [...inputs, ...(options.parametersAs === 'inputs' ? parameters : [])];
  const taken = new Set([...graphInputs, ...parameters].map((t) => t.name));

  // Name the requested outputs: rename the producing node's value where we can, else copy with Identity.
  const identities: [string, string][] = [];
  for (const [name, t] of outputs) {
    if (taken.has(name)) throw new GraphError(`toOnnxModel: output name '${name}' is already used`);
    taken.add(name);
    if (t.source.kind === 'node' && !e.renamed.has(t.id)) e.renamed.set(t.id, name);
    else identities.push([e.name(t), name]);
  }

  for (const t of leaves) {
    if (t.source.kind === 'constant') e.initializer(e.name(t), t.dtype, t.shape as number[], t.source.values);
  }
  if (options.parametersAs === 'initializers') {
    for (const p of parameters) {
      const values = options.parameterValues?.get(p.name);
      if (!values) throw new GraphError(`toOnnxModel: no value for parameter '${p.name}'`);
      const expected = (p.shape as number[]).reduce((a, b) => a * b, 1);
      const okType = p.dtype === 'float32' ? values instanceof Float32Array : p.dtype === 'float64' ? values instanceof Float64Array : false;
      if (!okType || values.length !== expected) {
        throw new GraphError(`toOnnxModel: parameter '${p.name}' needs ${expected} ${p.dtype} values, got ${values.length} (${values.constructor.name})`);
      }
      e.initializer(p.name, p.dtype, p.shape as number[], values);
    }
  }
  if (options.parametersAs === 'packed') {
    const packed = options.packed;
    if (!packed || packed.input.rank !== 1) throw new GraphError('toOnnxModel: parametersAs packed needs packed.input, a 1-D graph input');
    if (!inputs.includes(packed.input)) throw new GraphError(`toOnnxModel: packed input '${packed.input.name}' is not among the declared inputs`);
    for (const p of parameters) {
      const offset = packed.offsets.get(p.name);
      if (offset === undefined) throw new GraphError(`toOnnxModel: no packed offset for parameter '${p.name}'`);
      if (p.dtype !== packed.input.dtype) throw new GraphError(`toOnnxModel: parameter '${p.name}' is ${p.dtype} but the packed input is ${packed.input.dtype}`);
      const size = (p.shape as number[]).reduce((a, b) => a * b, 1);
      const piece = e.temp(`${p.name}_flat`);
      e.node('Slice', [e.name(packed.input), e.int64s([offset]), e.int64s([offset + size]), e.int64s([0])], [piece]);
      e.node('Reshape', [piece, e.int64s(p.shape as number[])], [p.name]);
    }
  }
  for (const node of nodes) node.op.emit(e, node);
  for (const [from, to] of identities) e.node('Identity', [from], [to]);

  const outputInfos = outputs.map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
  const model = onnx.ModelProto.create({
    irVersion: opset >= 21 ? 10 : 9,
    producerName: 'crystalformer-studio',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: options.name ?? 'graph',
      node: e.nodes,
      initializer: e.initializers,
      input: graphInputs.map((t) => valueInfo(t.name, t.dtype, t.shape)),
      output: outputInfos.map((o) => valueInfo(o.name, o.dtype, o.shape)),
    },
  });
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    signature: { inputs: graphInputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })), outputs: outputInfos },
  };
}

/** Nodes the outputs depend on (in creation order, hence topologically sorted) and the leaves they read. */
function reachable(outputs: readonly Tensor[]): { nodes: Node[]; leaves: Set<Tensor> } {
  const seen = new Set<Node>();
  const leaves = new Set<Tensor>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.source.kind !== 'node') {
      leaves.add(t);
      continue;
    }
    const node = t.source.node;
    if (seen.has(node)) continue;
    seen.add(node);
    stack.push(...node.inputs);
  }
  return { nodes: [...seen].sort((a, b) => a.id - b.id), leaves };
}

function valueInfo(name: string, dtype: DType, shape: Shape): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE_CODE[dtype],
        // Plain names become dim_params; derived ones ('batch*seq', 'seq-1') are left unnamed.
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : /^[A-Za-z_]\w*$/.test(d) ? { dimParam: d } : {})) },
      },
    },
  };
}

function rawBytes(values: ConstantValues | Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function typedScalar(value: number, dtype: DType): ConstantValues {
  switch (dtype) {
    case 'float32':
      return Float32Array.of(value);
    case 'float64':
      return Float64Array.of(value);
    case 'int32':
      return Int32Array.of(value);
    case 'int64':
      return BigInt64Array.of(BigInt(value));
    case 'bool':
      return Uint8Array.of(value ? 1 : 0);
  }
}

class OnnxEmitter implements Emitter {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  /** Tensor id → ONNX name for the requested outputs. */
  readonly renamed = new Map<number, string>();
  private readonly cache = new Map<string, string>();
  private readonly symbolSources = new Map<string, { input: string; axis: number }>();
  private counter = 0;

  constructor(inputs: readonly Tensor[]) {
    for (const t of inputs) {
      t.shape.forEach((d, axis) => {
        if (typeof d === 'string' && /^[A-Za-z_]\w*$/.test(d) && !this.symbolSources.has(d)) this.symbolSources.set(d, { input: t.name, axis });
      });
    }
  }

  name(t: Tensor): string {
    return this.renamed.get(t.id) ?? t.name;
  }

  temp(hint: string): string {
    return `${hint}~${this.counter++}`;
  }

  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs?: Record<string, Attr>, domain?: string): void {
    this.nodes.push({
      opType,
      domain: domain ?? '',
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attrs ?? {}).map(([name, a]) => attributeProto(name, a)),
    });
  }

  initializer(name: string, dtype: DType, dims: readonly number[], values: ConstantValues | Float32Array | Float64Array): void {
    this.initializers.push({ name, dataType: ONNX_DTYPE_CODE[dtype], dims: [...dims], rawData: rawBytes(values) });
  }

  int64s(values: readonly number[]): string {
    return this.cached(`i64:${values.join(',')}`, () => {
      const name = this.temp('i64');
      this.initializer(name, 'int64', [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
      return name;
    });
  }

  scalar(value: number, dtype: DType): string {
    return this.cached(`scalar:${dtype}:${value}`, () => {
      const name = this.temp(`${dtype}_scalar`);
      this.initializer(name, dtype, [], typedScalar(value, dtype));
      return name;
    });
  }

  shapeOf(t: Tensor): string {
    return this.cached(`shape:${t.id}`, () => {
      const name = this.temp(`shape_${t.name}`);
      this.node('Shape', [this.name(t)], [name]);
      return name;
    });
  }

  shapeValue(dims: Shape, input: Tensor, mode: 'reshape' | 'expand'): string {
    // Fast path: the ONNX conventions express it as a constant (0 = copy input dim, -1 = infer, 1 = keep in Expand).
    const constant: number[] = [];
    let inferred = false;
    let ok = true;
    const offset = input.rank - dims.length; // Expand aligns trailing axes
    dims.forEach((d, i) => {
      if (typeof d === 'number') return constant.push(d);
      const aligned = mode === 'reshape' ? input.shape[i] : input.shape[i + offset];
      if (aligned !== undefined && sameDim(aligned, d) && (mode === 'expand' || i < input.rank)) return constant.push(mode === 'reshape' ? 0 : 1);
      if (mode === 'reshape' && !inferred) {
        inferred = true;
        return constant.push(-1);
      }
      ok = false;
    });
    if (ok) return this.int64s(constant);
    // General path: assemble the shape at run time from the graph inputs that carry each symbol.
    const parts = dims.map((d) => (typeof d === 'number' ? this.int64s([d]) : this.symbolicDim(d, dims)));
    return this.cached(`shapeValue:${parts.join(',')}`, () => {
      const name = this.temp('shape');
      this.node('Concat', parts, [name], { axis: { kind: 'int', value: 0 } });
      return name;
    });
  }

  /** A 1-element int64 value holding a symbolic dim ('batch', or a product such as 'batch*seq') at run time. */
  private symbolicDim(d: string, context: Shape): string {
    return this.cached(`dim:${d}`, () => {
      const factors = d.split('*');
      const values = factors.map((f) => {
        if (/^\d+$/.test(f)) return this.int64s([Number(f)]);
        const source = this.symbolSources.get(f);
        if (!source) throw new GraphError(`toOnnxModel: cannot compute dimension '${f}' of ${formatShape(context)} at run time (no graph input has it)`);
        return this.cached(`sym:${f}`, () => {
          const name = this.temp(`dim_${f}`);
          this.node('Shape', [source.input], [name], { start: { kind: 'int', value: source.axis }, end: { kind: 'int', value: source.axis + 1 } });
          return name;
        });
      });
      return values.reduce((acc, v) => {
        const name = this.temp('dim_product');
        this.node('Mul', [acc, v], [name]);
        return name;
      });
    });
  }

  private cached(key: string, make: () => string): string {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = make();
      this.cache.set(key, v);
    }
    return v;
  }
}

function attributeProto(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'scalarTensor':
      return { name, type: T.TENSOR, t: { dataType: ONNX_DTYPE_CODE[a.dtype], dims: [1], rawData: rawBytes(typedScalar(a.value, a.dtype)) } };
  }
}
