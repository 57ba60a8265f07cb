/**
 * The property predictors' network: a set network over Wyckoff sites, read from the same tokens the generator
 * produces (space group, per-slot Wyckoff letter / element / orbit-representative coordinates, normalised lattice).
 *
 *   site s:   [element embedding, log multiplicity, multiplicity / N, free coordinates / 3, Fourier features of
 *              x, y, z]  → Linear → GELU → Linear → GELU                          (h_s, width siteSize)
 *   context:  one pre-LayerNorm self-attention + MLP block over the sites (padding keys masked), residual
 *   pool:     Σ_s m_s h_s / Σ_s m_s   (m = multiplicity: the average over the atoms of the conventional cell)
 *   crystal:  [pool, space-group embedding, lattice features] → Linear → GELU → Linear → GELU → Linear → z
 *   output:   z·scale + shift, then the property's transform (identity, softplus, or exp at inference)
 *
 * Lattice features are cell-size free: lengths divided by (V/N)^(1/3), cos α, cos β, cos γ, and ln(V/N) − 3.
 * Multiplicities and numbers of free coordinates come from constant tables over (space group, letter), so the
 * graph's inputs are exactly the token arrays and the exported ONNX file needs nothing else.
 */
import { Graph, Tensor, concat } from '../engine/graph/index.ts';
import type { DType } from '../engine/graph/index.ts';
import { init, type Initializer } from '../engine/params.ts';
import { ATOM_VOCAB, SPACE_GROUPS, WYCKOFF_VOCAB, wyckoffTables } from '../../shared/tokens/index.ts';

export interface PredictorConfig {
  /** Width of the element embedding. */
  elementEmbed: number;
  /** Width of the space-group embedding. */
  spaceGroupEmbed: number;
  /** Fourier frequencies per coordinate: sin and cos of 2πk·x for k = 1…n. */
  fourierFrequencies: number;
  /** Width of the per-site vectors. */
  siteSize: number;
  /** Heads of the self-attention over sites; 0 leaves the block out. */
  attentionHeads: number;
  /** Width of the crystal-level MLP. */
  hiddenSize: number;
  /** Dropout on hidden activations (training graphs only). */
  dropout: number;
}

export const DEFAULT_PREDICTOR_CONFIG: PredictorConfig = {
  elementEmbed: 32,
  spaceGroupEmbed: 16,
  fourierFrequencies: 3,
  siteSize: 96,
  attentionHeads: 4,
  hiddenSize: 128,
  dropout: 0.1,
};

/** How the network's scalar becomes the property: the training loss compares `trainingOutput` with the target in that space. */
export type OutputTransform =
  /** target = z (formation energy) */
  | 'identity'
  /** target = softplus(z) ≥ 0 (band gap) */
  | 'softplus'
  /** trained on ln(target) = z, predicts exp(z) (dielectric constant, spread over orders of magnitude) */
  | 'log';

export interface OutputSettings {
  transform: OutputTransform;
  /** z = network output · scale + shift: the training targets' spread and centre in the training space. */
  scale: number;
  shift: number;
  /** Inference output is clipped to [min, max] (the training range), so no input can push it beyond what was seen. */
  clamp: [number, number];
}

export function validatePredictorConfig(config: PredictorConfig): PredictorConfig {
  const positive = ['elementEmbed', 'spaceGroupEmbed', 'fourierFrequencies', 'siteSize', 'hiddenSize'] as const;
  for (const key of positive) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1 || v > 4096) throw new Error(`predictor config: ${key} must be an integer in 1…4096, got ${String(v)}`);
  }
  if (!Number.isInteger(config.attentionHeads) || config.attentionHeads < 0) throw new Error(`predictor config: attentionHeads must be a non-negative integer, got ${String(config.attentionHeads)}`);
  if (config.attentionHeads > 0 && config.siteSize % config.attentionHeads !== 0) {
    throw new Error(`predictor config: siteSize ${config.siteSize} is not divisible by ${config.attentionHeads} attention heads`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error(`predictor config: dropout must be in [0, 1), got ${String(config.dropout)}`);
  return config;
}

/** The graph inputs: the token arrays of a batch (B = 'batch', S = 'slots', any S ≥ 1). */
export interface PredictorInputs {
  /** int64 [B]: space group number − 1. */
  spaceGroup: Tensor;
  /** int64 [B, S]: Wyckoff letter index (0 = padding, 1 = a, …, 27 = A). */
  wyckoff: Tensor;
  /** int64 [B, S]: atomic number (0 = padding). */
  atoms: Tensor;
  /** float [B, S, 3]: fractional coordinates of the orbit representatives. */
  coords: Tensor;
  /** float [B, 6]: a, b, c / N^(1/3) in Å and α, β, γ in radians (N = atoms in the conventional cell). */
  lattice: Tensor;
}

export const PREDICTOR_INPUT_MEANING: Record<string, string> = {
  space_group: 'int64 [batch]: space group number − 1 (0…229)',
  wyckoff: 'int64 [batch, slots]: Wyckoff letter index per site (0 = padding, 1 = a, …, 26 = z, 27 = A)',
  atoms: 'int64 [batch, slots]: atomic number per site (0 = padding)',
  coords: 'float32 [batch, slots, 3]: fractional coordinates of each orbit representative, wrapped to [0, 1)',
  lattice: 'float32 [batch, 6]: a, b, c divided by (atoms in the conventional cell)^(1/3) in Å, then α, β, γ in radians',
};

export function declarePredictorInputs(graph: Graph, dtype: DType = 'float32'): PredictorInputs {
  return {
    spaceGroup: graph.input('space_group', 'int64', ['batch']),
    wyckoff: graph.input('wyckoff', 'int64', ['batch', 'slots']),
    atoms: graph.input('atoms', 'int64', ['batch', 'slots']),
    coords: graph.input('coords', dtype, ['batch', 'slots', 3]),
    lattice: graph.input('lattice', dtype, ['batch', 6]),
  };
}

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: Initializer;
}

/** Number of per-site scalar features besides the element embedding. */
function siteScalarCount(config: PredictorConfig): number {
  return 3 + 6 * config.fourierFrequencies;
}

const LATTICE_FEATURES = 7;

export class PredictorNetwork {
  readonly specs: ParameterSpec[] = [];
  private readonly p = new Map<string, Tensor>();

  constructor(
    readonly graph: Graph,
    readonly config: PredictorConfig,
    readonly dtype: DType = 'float32',
  ) {
    validatePredictorConfig(config);
    const { elementEmbed: e, spaceGroupEmbed: ge, siteSize: d, hiddenSize: h, attentionHeads } = config;
    this.create('embed.element', [ATOM_VOCAB, e], init.normal(0.3));
    this.create('embed.space_group', [SPACE_GROUPS, ge], init.normal(0.3));
    this.linear('site.in', e + siteScalarCount(config), d);
    this.linear('site.hidden', d, d);
    if (attentionHeads > 0) {
      this.create('attn.ln.scale', [d], init.ones());
      this.create('attn.ln.bias', [d], init.zeros());
      this.linear('attn.qkv', d, 3 * d);
      this.linear('attn.out', d, d, 0.5);
      this.create('mlp.ln.scale', [d], init.ones());
      this.create('mlp.ln.bias', [d], init.zeros());
      this.linear('mlp.up', d, 2 * d);
      this.linear('mlp.down', 2 * d, d, 0.5);
    }
    this.linear('head.in', d + ge + LATTICE_FEATURES, h);
    this.linear('head.hidden', h, h);
    this.linear('head.out', h, 1, 0.1);
  }

  private create(name: string, shape: number[], initializer: Initializer): Tensor {
    this.specs.push({ name, shape, init: initializer });
    const t = this.graph.parameter(name, shape, this.dtype);
    this.p.set(name, t);
    return t;
  }

  /** Kernel (He-normal, scaled by `gain`) and zero bias. */
  private linear(name: string, inSize: number, outSize: number, gain = 1): void {
    const he = init.heNormal();
    this.create(`${name}.kernel`, [inSize, outSize], gain === 1 ? he : (shape, rng) => he(shape, rng).map((v) => v * gain));
    this.create(`${name}.bias`, [outSize], init.zeros());
  }

  private param(name: string): Tensor {
    const t = this.p.get(name);
    if (!t) throw new Error(`predictor network: no parameter '${name}'`);
    return t;
  }

  private apply(name: string, x: Tensor): Tensor {
    return x.matmul(this.param(`${name}.kernel`)).add(this.param(`${name}.bias`));
  }

  private constant(values: ArrayLike<number>, shape: number[]): Tensor {
    return this.graph.constant(values, shape, this.dtype);
  }

  /** The network output in the training space, z·scale + shift, shape [B]. */
  trainingOutput(inp: PredictorInputs, output: Pick<OutputSettings, 'scale' | 'shift'>): Tensor {
    const { config } = this;
    const tables = wyckoffTables();
    const dofTable = new Float64Array(SPACE_GROUPS * WYCKOFF_VOCAB);
    for (let i = 0; i < dofTable.length; i++) dofTable[i] = tables.fcMask[3 * i]! + tables.fcMask[3 * i + 1]! + tables.fcMask[3 * i + 2]!;
    const byGroup = (table: ArrayLike<number>) => this.constant(table, [SPACE_GROUPS, WYCKOFF_VOCAB]).gather(inp.spaceGroup); // [B, 28]
    const multiplicity = byGroup(tables.multiplicity).gatherElements(inp.wyckoff, 1); // [B, S], 0 for padding
    const freeCoords = byGroup(dofTable).gatherElements(inp.wyckoff, 1);
    const valid = multiplicity.greater(0).cast(this.dtype); // [B, S]
    const atomCount = multiplicity.sum(1, true); // [B, 1]
    const m = multiplicity.unsqueeze(2); // [B, S, 1]

    const frequencies = this.constant(Array.from({ length: config.fourierFrequencies }, (_, k) => 2 * Math.PI * (k + 1)), [config.fourierFrequencies]);
    const phase = inp.coords.unsqueeze(3).mul(frequencies).reshape(['batch', 'slots', 3 * config.fourierFrequencies]);
    const siteInput = concat(
      [
        this.param('embed.element').gather(inp.atoms),
        m.maximum(1).log(),
        m.div(atomCount.unsqueeze(2).maximum(1)),
        freeCoords.unsqueeze(2).mul(1 / 3),
        phase.sin(),
        phase.cos(),
      ],
      2,
    );
    let h = this.apply('site.in', siteInput).gelu();
    h = this.apply('site.hidden', h).gelu().dropout(config.dropout);

    if (config.attentionHeads > 0) {
      const heads = config.attentionHeads;
      const d = config.siteSize;
      const k = d / heads;
      const normed = h.layerNorm(this.param('attn.ln.scale'), this.param('attn.ln.bias'));
      const qkv = this.apply('attn.qkv', normed).reshape(['batch', 'slots', 3, heads, k]).transpose([2, 0, 3, 1, 4]); // [3, B, h, S, k]
      const [q, key, value] = qkv.split([1, 1, 1], 0).map((t) => t.squeeze(0));
      // Padding slots are never attended to (−1e9, not −∞: a crystal always has one real site, but no NaN either way).
      const keyMask = valid.sub(1).mul(1e9).unsqueeze([1, 2]); // [B, 1, 1, S]
      const weights = q!.matmul(key!.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(k)).add(keyMask).softmax(-1);
      const context = weights.matmul(value!).transpose([0, 2, 1, 3]).reshape(['batch', 'slots', d]);
      h = h.add(this.apply('attn.out', context).dropout(config.dropout));
      const mlp = this.apply('mlp.down', this.apply('mlp.up', h.layerNorm(this.param('mlp.ln.scale'), this.param('mlp.ln.bias'))).gelu());
      h = h.add(mlp.dropout(config.dropout));
    }

    // Multiplicity-weighted mean over sites = mean over the atoms of the conventional cell.
    const pooled = h.mul(m).sum(1).div(atomCount.maximum(1)); // [B, d]

    const [lengths, angles] = inp.lattice.split([3, 3], 1);
    const cosines = angles!.cos();
    const [ca, cb, cc] = cosines.split([1, 1, 1], 1);
    // V/N from the normalised lattice: a'b'c'·sqrt(1 − cos²α − cos²β − cos²γ + 2 cosα cosβ cosγ).
    const shape = ca!.mul(ca!).add(cb!.mul(cb!)).add(cc!.mul(cc!)).neg().add(ca!.mul(cb!).mul(cc!).mul(2)).add(1).maximum(1e-6).sqrt();
    const [la, lb, lc] = lengths!.maximum(1e-3).split([1, 1, 1], 1);
    const volumePerAtom = la!.mul(lb!).mul(lc!).mul(shape); // [B, 1]
    const logVolume = volumePerAtom.log();
    const lengthScale = logVolume.mul(1 / 3).exp();
    const latticeFeatures = concat([lengths!.div(lengthScale), cosines, logVolume.sub(3)], 1); // [B, 7]

    const crystal = concat([pooled, this.param('embed.space_group').gather(inp.spaceGroup), latticeFeatures], 1);
    let x = this.apply('head.in', crystal).gelu();
    x = this.apply('head.hidden', x).gelu().dropout(config.dropout);
    return this.apply('head.out', x).squeeze(1).mul(output.scale).add(output.shift);
  }

  /** What the training loss compares with the target (in the training space: e.g. softplus for band gaps). */
  static trainingPrediction(z: Tensor, transform: OutputTransform): Tensor {
    return transform === 'softplus' ? z.softplus() : z;
  }

  /** The property in physical units (before clamping). */
  static physicalValue(z: Tensor, transform: OutputTransform): Tensor {
    return transform === 'softplus' ? z.softplus() : transform === 'log' ? z.exp() : z;
  }
}

/** Parameter count of a config (without building a graph for training). */
export function predictorParameterCount(config: PredictorConfig): number {
  const net = new PredictorNetwork(new Graph(), config);
  return net.specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
}
