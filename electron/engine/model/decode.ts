/**
 * Incremental decoding graphs for sampling (one token per run, with a key/value cache).
 *
 * Six small graphs share the network's parameters (fed as inputs, so one ParameterStore serves all, or built in
 * as initializers — see exportDecodeGraph):
 *  - `first`: W₁ logits from the space group alone (the h0 MLP);
 *  - `w`, `a`, `x`, `y`, `z`: feed one token of that type at position t together with buffers holding the keys and
 *    values of positions 0…t−1 (any capacity ≥ t, the unfilled positions masked); return the output row of that
 *    token (which parameterises the next token) and its key and value, which the caller writes into the buffers at t.
 *    Nothing in the graph copies the buffers.
 * Every crystal of a batch is at the same position, so each step runs one graph for the whole batch.
 */
import { Graph, type ParameterValues, exportModel, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { CrystalFormerNetwork } from './network.ts';

export const TOKEN_TYPES = ['w', 'a', 'x', 'y', 'z'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export interface DecodeGraph {
  bytes: Uint8Array;
  parameterNames: string[];
}

export const cacheName = {
  keys: (l: number) => `keys_${l}`,
  values: (l: number) => `values_${l}`,
  newKey: (l: number) => `new_key_${l}`,
  newValue: (l: number) => `new_value_${l}`,
};

export function buildFirstWyckoffGraph(config: ModelConfig, weights?: ParameterValues): DecodeGraph {
  const graph = new Graph();
  const net = new CrystalFormerNetwork(graph, config);
  const spaceGroup = graph.input('space_group', 'int64', ['batch']);
  const logits = net.firstWyckoffLogits(net.spaceGroupEmbedding(spaceGroup));
  return exportDecodeGraph(graph, { logits }, 'crystalformer-first-wyckoff', weights);
}

export function buildDecodeStepGraph(config: ModelConfig, type: TokenType, weights?: ParameterValues): DecodeGraph {
  const graph = new Graph();
  const net = new CrystalFormerNetwork(graph, config);
  const { heads: h, keySize: k, layers } = config;
  const spaceGroup = graph.input('space_group', 'int64', ['batch']);
  const position = graph.input('position', 'int64', [1]);
  const g = net.spaceGroupEmbedding(spaceGroup);
  let token: Tensor;
  if (type === 'w') {
    const wyckoff = graph.input('wyckoff', 'int64', ['batch', 1]);
    const multiplicity = graph.input('multiplicity', 'float32', ['batch', 1, 1]);
    token = net.wyckoffInput(wyckoff, multiplicity, g);
  } else if (type === 'a') {
    token = net.atomInput(graph.input('atoms', 'int64', ['batch', 1]), g);
  } else {
    token = net.coordinateInputs(graph.input('coord', 'float32', ['batch', 1, 1]), g, [type])[0]!;
  }
  let x = token.add(net.positionEmbedding(position)); // [B, 1, d]
  const mask = graph.input('cache_mask', 'float32', ['capacity']);
  const outputs: Record<string, Tensor> = {};
  for (let l = 0; l < layers; l++) {
    const cache = {
      keysTransposed: graph.input(cacheName.keys(l), 'float32', ['batch', h, k, 'capacity']),
      values: graph.input(cacheName.values(l), 'float32', ['batch', h, 'capacity', k]),
      mask,
    };
    const result = net.block(l, x, null, cache);
    x = result.out;
    outputs[cacheName.newKey(l)] = result.key; // [B, h, 1, k]
    outputs[cacheName.newValue(l)] = result.value;
  }
  outputs.row = net.project(x).squeeze(1); // [B, O]
  return exportDecodeGraph(graph, outputs, `crystalformer-decode-${type}`, weights);
}

/**
 * With `weights`, the parameters the outputs use become initializers: onnxruntime then packs the weight matrices
 * once when the session is created instead of at every MatMul of every step, and no parameter is fed per run.
 * Without, they are graph inputs, fed by name (`parameterNames`), so new weights need no new session.
 */
function exportDecodeGraph(graph: Graph, outputs: Record<string, Tensor>, name: string, weights?: ParameterValues): DecodeGraph {
  const used = usedParameters(graph, Object.values(outputs));
  if (!weights) return { bytes: exportModel(graph, { outputs, parametersAs: 'inputs', name }).bytes, parameterNames: used };
  return { bytes: exportModel(graph, { outputs, parametersAs: 'initializers', parameterValues: weights, name }).bytes, parameterNames: [] };
}

/** Names of the parameters the outputs depend on (the graphs declare all of them, but feed only what is used). */
function usedParameters(graph: Graph, outputs: Tensor[]): string[] {
  const seen = new Set<number>();
  const stack = [...outputs];
  const used = new Set<string>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    if (t.source.kind === 'parameter') used.add(t.name);
    if (t.source.kind === 'node') stack.push(...t.source.node.inputs);
  }
  return graph.parameters.filter((p) => used.has(p.name)).map((p) => p.name);
}
