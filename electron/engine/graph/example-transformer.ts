/**
 * A small decoder-only transformer written with the graph builder: token + position embeddings, pre-LayerNorm
 * blocks of causal multi-head attention and a GELU MLP, a final LayerNorm and a vocabulary projection, trained by
 * cross-entropy (LogSoftmax + GatherElements). It is the engine's worked example and the workload of its tests
 * and benchmark; the CrystalFormer model itself lives in ../model/.
 */
import { Rng } from '../../../shared/random.ts';
import type { DType } from './op.ts';
import type { Graph, Tensor } from './tensor.ts';

export interface TransformerConfig {
  vocab: number;
  dModel: number;
  heads: number;
  layers: number;
  /** Sequence length (static: the causal mask is a constant). */
  seqLen: number;
  /** MLP hidden width = mlpRatio · dModel. Default 4. */
  mlpRatio?: number;
  /** Dropout after attention and MLP (training graphs only). Default 0. */
  dropout?: number;
  /** Default float32; float64 for gradient checks. */
  dtype?: DType;
}

/** Logits [batch, seqLen, vocab] for int64 tokens [batch, seqLen]. */
export function transformerLogits(g: Graph, config: TransformerConfig, tokens: Tensor): Tensor {
  const { vocab, dModel: d, heads, layers, seqLen: T } = config;
  const dtype = config.dtype ?? 'float32';
  const hidden = (config.mlpRatio ?? 4) * d;
  const dropout = config.dropout ?? 0;
  if (d % heads !== 0) throw new Error(`transformer: dModel ${d} is not divisible by ${heads} heads`);
  const dh = d / heads;
  const param = (name: string, shape: number[]): Tensor => g.parameter(name, shape, dtype);

  // Additive causal mask [T, T]: 0 where key ≤ query, a large negative number above the diagonal (not −∞, so a
  // fully masked row cannot produce NaN).
  const mask = g.constant(
    Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 0 : -1e9)),
    [T, T],
    dtype,
  );

  let x = param('embed.tokens', [vocab, d]).gather(tokens).add(param('embed.positions', [T, d]));
  for (let l = 0; l < layers; l++) {
    const p = (name: string, shape: number[]) => param(`layer${l}.${name}`, shape);
    // attention: [B, T, d] → heads [B, H, T, dh]
    const h = x.layerNorm(p('ln1.scale', [d]), p('ln1.bias', [d]));
    const split = (t: Tensor, perm: number[]) => t.reshape([-1, T, heads, dh]).transpose(perm);
    const q = split(h.matmul(p('attn.q', [d, d])).add(p('attn.q_bias', [d])).mul(1 / Math.sqrt(dh)), [0, 2, 1, 3]);
    const kT = split(h.matmul(p('attn.k', [d, d])).add(p('attn.k_bias', [d])), [0, 2, 3, 1]);
    const v = split(h.matmul(p('attn.v', [d, d])).add(p('attn.v_bias', [d])), [0, 2, 1, 3]);
    const weights = q.matmul(kT).add(mask).softmax(-1);
    const attended = weights.matmul(v).transpose([0, 2, 1, 3]).reshape([-1, T, d]);
    x = x.add(attended.matmul(p('attn.out', [d, d])).add(p('attn.out_bias', [d])).dropout(dropout));
    // MLP
    const m = x.layerNorm(p('ln2.scale', [d]), p('ln2.bias', [d]));
    const up = m.matmul(p('mlp.up', [d, hidden])).add(p('mlp.up_bias', [hidden])).gelu();
    x = x.add(up.matmul(p('mlp.down', [hidden, d])).add(p('mlp.down_bias', [d])).dropout(dropout));
  }
  x = x.layerNorm(param('final_ln.scale', [d]), param('final_ln.bias', [d]));
  return x.matmul(param('head', [d, vocab]));
}

/** Mean cross-entropy of int64 targets [batch, seqLen] under logits [batch, seqLen, vocab]. */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return logits.logSoftmax(-1).gatherElements(targets.unsqueeze(-1), -1).mean().neg();
}

/** Initial values: LayerNorm scales 1, biases 0, weight matrices N(0, 0.02²), deterministic in `seed`. */
export function initTransformerParameters(parameters: readonly Tensor[], seed = 0): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const p of parameters) {
    const rng = new Rng(seed).fork(p.name);
    const n = (p.shape as number[]).reduce((a, b) => a * b, 1);
    const fill = p.name.endsWith('scale') ? () => 1 : p.name.endsWith('bias') ? () => 0 : () => rng.normal(0, 0.02);
    values.set(p.name, Float32Array.from({ length: n }, fill));
  }
  return values;
}

/** Forward matrix-multiply FLOPs of one pass (2·m·n·k per product), for throughput figures. */
export function transformerForwardFlops(config: TransformerConfig, batch: number): number {
  const { vocab, dModel: d, layers, seqLen: T } = config;
  const hidden = (config.mlpRatio ?? 4) * d;
  const tokens = batch * T;
  const perLayer = 2 * tokens * d * d * 4 + 2 * tokens * d * hidden * 2 + 2 * 2 * batch * T * T * d;
  return layers * perLayer + 2 * tokens * d * vocab;
}
