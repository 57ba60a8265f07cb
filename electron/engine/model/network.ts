/**
 * The CrystalFormer network (crystalformer.md §2–3) built with the engine's graph builder.
 *
 * One function builds the log-likelihood of a batch of token sequences; training, scoring and RL all use it.
 * The sequence for a batch has S slots of five tokens (W, A, X, Y, Z); the space group is not a token but is added
 * to every token's input projection. Rows of the transformer output predict the next token:
 *   W_s row → A_s (and the lattice, read at the first padding slot), A_s → X_s, X_s → Y_s, Y_s → Z_s,
 *   Z_s → W_{s+1}; W_0 comes from an MLP on the space-group embedding alone.
 * Masks and one-hot targets arrive as inputs computed in JavaScript (batch.ts), which keeps the graph free of
 * data-dependent control flow.
 */
import { Graph, Tensor, concat, where } from '../graph/index.ts';
import type { Initializer } from '../params.ts';
import { init } from '../params.ts';
import { I0_LARGE_COEFFS, I0_SMALL_COEFFS } from './distributions.ts';
import { ATOM_CLASSES, MAX_SEQUENCE, type ModelConfig, NUM_SPACE_GROUPS, SIGMA_MIN, TOKENS_PER_SLOT, WYCKOFF_CLASSES, outputSize } from './config.ts';
import { outputLayout } from './output-row.ts';

/**
 * Keys and values of earlier positions for incremental decoding, in buffers that the caller fills position by
 * position — keys transposed [B, h, k, C] (so the scores are one MatMul without a Transpose), values [B, h, C, k],
 * C ≥ the number of positions so far — and an additive mask [C] that is 0 at filled positions and −1e9 elsewhere.
 */
export interface KeyValueBuffer {
  keysTransposed: Tensor;
  values: Tensor;
  mask: Tensor;
}

/** Standard deviation of the truncated-normal initialisation of embeddings and kernels (crystalformer.md §2.1). */
export const INIT_STD = 0.01;

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: Initializer;
}

/** Declares parameters in a graph and remembers how to initialise them. */
export class ParameterRegistry {
  readonly specs: ParameterSpec[] = [];
  constructor(readonly graph: Graph) {}

  create(name: string, shape: number[], initializer: Initializer): Tensor {
    this.specs.push({ name, shape, init: initializer });
    return this.graph.parameter(name, shape);
  }
  kernel(name: string, shape: number[]): Tensor {
    return this.create(name, shape, init.truncatedNormal(INIT_STD));
  }
  bias(name: string, size: number): Tensor {
    return this.create(name, [size], init.zeros());
  }
}

/** The model's graph inputs. Dims: B = 'batch', S = 'slots', T = 5·S. */
export interface NetworkInputs {
  spaceGroup: Tensor; // int64 [B], 0…229
  wyckoff: Tensor; // int64 [B, S]
  atoms: Tensor; // int64 [B, S]
  coords: Tensor; // float [B, S, 3]
  multiplicity: Tensor; // float [B, S, 1]
  positions: Tensor; // int64 [T], 0…T−1
  causalMask: Tensor; // float [T, T], additive
}

export interface LikelihoodInputs {
  firstWyckoffMask: Tensor; // [B, 28]
  firstWyckoffTarget: Tensor; // [B, 28]
  nextWyckoffMask: Tensor; // [B, S, 28]: mask for slot s+1
  nextWyckoffTarget: Tensor; // [B, S, 28]: target of slot s+1
  atomMask: Tensor; // [B, S, 119]
  atomTarget: Tensor; // [B, S, 119]
  coordWeight: Tensor; // [B, S, 3]
  latticeRow: Tensor; // [B, S, 1]
  lattice: Tensor; // [B, 6]
  latticeWeight: Tensor; // [B, 6]
}

export function declareNetworkInputs(graph: Graph): NetworkInputs {
  return {
    spaceGroup: graph.input('space_group', 'int64', ['batch']),
    wyckoff: graph.input('wyckoff', 'int64', ['batch', 'slots']),
    atoms: graph.input('atoms', 'int64', ['batch', 'slots']),
    coords: graph.input('coords', 'float32', ['batch', 'slots', 3]),
    multiplicity: graph.input('multiplicity', 'float32', ['batch', 'slots', 1]),
    positions: graph.input('positions', 'int64', ['5*slots']),
    causalMask: graph.input('causal_mask', 'float32', ['5*slots', '5*slots']),
  };
}

export function declareLikelihoodInputs(graph: Graph): LikelihoodInputs {
  return {
    firstWyckoffMask: graph.input('first_wyckoff_mask', 'float32', ['batch', WYCKOFF_CLASSES]),
    firstWyckoffTarget: graph.input('first_wyckoff_target', 'float32', ['batch', WYCKOFF_CLASSES]),
    nextWyckoffMask: graph.input('next_wyckoff_mask', 'float32', ['batch', 'slots', WYCKOFF_CLASSES]),
    nextWyckoffTarget: graph.input('next_wyckoff_target', 'float32', ['batch', 'slots', WYCKOFF_CLASSES]),
    atomMask: graph.input('atom_mask', 'float32', ['batch', 'slots', ATOM_CLASSES]),
    atomTarget: graph.input('atom_target', 'float32', ['batch', 'slots', ATOM_CLASSES]),
    coordWeight: graph.input('coord_weight', 'float32', ['batch', 'slots', 3]),
    latticeRow: graph.input('lattice_row', 'float32', ['batch', 'slots', 1]),
    lattice: graph.input('lattice', 'float32', ['batch', 6]),
    latticeWeight: graph.input('lattice_weight', 'float32', ['batch', 6]),
  };
}

/** Per-crystal log-likelihood terms, each [B]. */
export interface LogLikelihood {
  wyckoff: Tensor;
  atoms: Tensor;
  coords: Tensor;
  lattice: Tensor;
  total: Tensor;
}

/** Log-probabilities of individual tokens: [B], [B, S] (W_{s+1}), [B, S] (A_s), [B, S, 3] (X_s, Y_s, Z_s; 0 where fixed). */
export interface PerTokenLogLikelihood {
  firstWyckoff: Tensor;
  nextWyckoff: Tensor;
  atoms: Tensor;
  coords: Tensor;
}

export class CrystalFormerNetwork {
  readonly params: ParameterRegistry;
  readonly outputWidth: number;

  constructor(
    readonly graph: Graph,
    readonly config: ModelConfig,
  ) {
    this.params = new ParameterRegistry(graph);
    this.outputWidth = outputSize(config);
    this.declareParameters();
  }

  private p = new Map<string, Tensor>();
  private param(name: string): Tensor {
    const t = this.p.get(name);
    if (!t) throw new Error(`network: no parameter '${name}'`);
    return t;
  }

  private declareParameters(): void {
    const { embedSize: e, modelSize: d, heads: h, keySize: k, fourierFrequencies: nf, h0Size, mlpFactor, layers } = this.config;
    const P = this.params;
    const add = (t: Tensor) => this.p.set(t.name, t);
    add(P.kernel('embed.space_group', [NUM_SPACE_GROUPS, e]));
    add(P.kernel('embed.wyckoff', [WYCKOFF_CLASSES, e]));
    add(P.kernel('embed.atom', [ATOM_CLASSES, e]));
    add(P.kernel('embed.position', [MAX_SEQUENCE, d]));
    // Input projections, one per token type; the space-group part is a separate kernel added by broadcasting
    // (the same as projecting the concatenation [g, token], without materialising it for every token).
    for (const type of ['w', 'a', 'x', 'y', 'z']) {
      add(P.kernel(`input.${type}.space_group`, [e, d]));
      add(P.bias(`input.${type}.bias`, d));
    }
    add(P.kernel('input.w.token', [e, d]));
    add(P.kernel('input.w.multiplicity', [1, d]));
    add(P.kernel('input.a.token', [e, d]));
    for (const type of ['x', 'y', 'z']) add(P.kernel(`input.${type}.fourier`, [2 * nf, d]));
    add(P.kernel('h0.kernel1', [e, h0Size]));
    add(P.bias('h0.bias1', h0Size));
    add(P.kernel('h0.kernel2', [h0Size, WYCKOFF_CLASSES]));
    add(P.bias('h0.bias2', WYCKOFF_CLASSES));
    for (let l = 0; l < layers; l++) {
      const b = `block${l}`;
      add(P.create(`${b}.ln1.scale`, [d], init.ones()));
      add(P.bias(`${b}.ln1.bias`, d));
      add(P.kernel(`${b}.attn.qkv`, [d, 3 * h * k]));
      add(P.bias(`${b}.attn.qkv_bias`, 3 * h * k));
      add(P.kernel(`${b}.attn.out`, [h * k, d]));
      add(P.bias(`${b}.attn.out_bias`, d));
      add(P.create(`${b}.ln2.scale`, [d], init.ones()));
      add(P.bias(`${b}.ln2.bias`, d));
      add(P.kernel(`${b}.mlp.kernel1`, [d, mlpFactor * d]));
      add(P.bias(`${b}.mlp.bias1`, mlpFactor * d));
      add(P.kernel(`${b}.mlp.kernel2`, [mlpFactor * d, d]));
      add(P.bias(`${b}.mlp.bias2`, d));
    }
    add(P.create('final_ln.scale', [d], init.ones()));
    add(P.bias('final_ln.bias', d));
    add(P.kernel('output.kernel', [d, this.outputWidth]));
    add(P.bias('output.bias', this.outputWidth));
  }

  /** Space-group embedding [B, e]. */
  spaceGroupEmbedding(spaceGroup: Tensor): Tensor {
    return this.param('embed.space_group').gather(spaceGroup);
  }

  /** Logits of the first Wyckoff letter from the space group alone [B, 28]. */
  firstWyckoffLogits(gEmbedding: Tensor): Tensor {
    const hidden = gEmbedding.matmul(this.param('h0.kernel1')).add(this.param('h0.bias1')).gelu();
    return hidden.matmul(this.param('h0.kernel2')).add(this.param('h0.bias2'));
  }

  /** Input vectors of the five token types, each [B, S, d]. */
  tokenInputs(inp: Pick<NetworkInputs, 'wyckoff' | 'atoms' | 'coords' | 'multiplicity'>, gEmbedding: Tensor): Tensor[] {
    return [
      this.wyckoffInput(inp.wyckoff, inp.multiplicity, gEmbedding),
      this.atomInput(inp.atoms, gEmbedding),
      ...this.coordinateInputs(inp.coords, gEmbedding),
    ];
  }

  /** The space-group part of a token type's input projection, [B, 1, d] for broadcasting over slots. */
  private spaceGroupInput(type: string, gEmbedding: Tensor): Tensor {
    return gEmbedding.matmul(this.param(`input.${type}.space_group`)).add(this.param(`input.${type}.bias`)).unsqueeze(1);
  }

  /** W tokens: letter embedding, raw multiplicity and space group. wyckoff [B, S] int64, multiplicity [B, S, 1]. */
  wyckoffInput(wyckoff: Tensor, multiplicity: Tensor, gEmbedding: Tensor): Tensor {
    return this.param('embed.wyckoff')
      .gather(wyckoff)
      .matmul(this.param('input.w.token'))
      .add(multiplicity.matmul(this.param('input.w.multiplicity')))
      .add(this.spaceGroupInput('w', gEmbedding));
  }

  /** A tokens: element embedding and space group. atoms [B, S] int64. */
  atomInput(atoms: Tensor, gEmbedding: Tensor): Tensor {
    return this.param('embed.atom').gather(atoms).matmul(this.param('input.a.token')).add(this.spaceGroupInput('a', gEmbedding));
  }

  /** X, Y, Z tokens from coordinates [B, S, c] (c = 3 for all, or 1 for one axis given by `axes`). */
  coordinateInputs(coords: Tensor, gEmbedding: Tensor, axes: readonly ('x' | 'y' | 'z')[] = ['x', 'y', 'z']): Tensor[] {
    const nf = this.config.fourierFrequencies;
    // Fourier features sin(2πf·x), cos(2πf·x), f = 1…Nf: [B, S, c, 2Nf]
    const frequencies = this.graph.constant(
      Array.from({ length: nf }, (_, i) => 2 * Math.PI * (i + 1)),
      [nf],
    );
    const phase = coords.unsqueeze(3).mul(frequencies);
    const fourier = concat([phase.sin(), phase.cos()], 3);
    return axes.map((type, dim) =>
      fourier
        .slice([dim], [dim + 1], [2])
        .squeeze(2)
        .matmul(this.param(`input.${type}.fourier`))
        .add(this.spaceGroupInput(type, gEmbedding)),
    );
  }

  /** Interleave the five token types into one sequence [B, 5S, d] and add positions. */
  sequence(tokens: Tensor[], positions: Tensor): Tensor {
    const d = this.config.modelSize;
    const stacked = concat(tokens.map((t) => t.unsqueeze(2)), 2); // [B, S, 5, d]
    return stacked.reshape(['batch', '5*slots', d]).add(this.positionEmbedding(positions));
  }

  /**
   * Causal multi-head self-attention of block l on a normalised input [B, T, d]. With `cache`, the input is the
   * newest token only (T = 1) and attends to the keys and values of all earlier positions held in fixed-capacity
   * buffers (see KeyValueBuffer); only the new token's key and value are returned, and the caller writes them into the
   * buffers — incremental decoding that costs one token per step, with no copy of the cache inside the graph.
   */
  attention(l: number, x: Tensor, causalMask: Tensor | null, cache?: KeyValueBuffer): { out: Tensor; key: Tensor; value: Tensor } {
    const { heads: h, keySize: k } = this.config;
    const b = `block${l}`;
    const length = x.shape[1]!;
    const qkv = x.matmul(this.param(`${b}.attn.qkv`)).add(this.param(`${b}.attn.qkv_bias`)); // [B, T, 3hk]
    const split = qkv.reshape(['batch', length, 3, h, k]).transpose([2, 0, 3, 1, 4]); // [3, B, h, T, k]
    const q = split.slice([0], [1], [0]).squeeze(0);
    const key = split.slice([1], [2], [0]).squeeze(0);
    const value = split.slice([2], [3], [0]).squeeze(0);
    let context: Tensor;
    if (cache) {
      // The softmax over [buffered positions, the token itself] is written out so that the two parts need not be
      // concatenated. (Broadcast products summed over an axis instead of the MatMuls were slower: `npm run bench:sample`.)
      const scale = 1 / Math.sqrt(k);
      const past = q.matmul(cache.keysTransposed).squeeze(2).mul(scale).add(cache.mask); // [B, h, C]
      const self = q.mul(key).sum(-1).mul(scale); // [B, h, 1]
      const top = past.max(-1, true).maximum(self);
      const pastWeights = past.sub(top).exp(); // masked positions: exp(−1e9) = 0
      const selfWeight = self.sub(top).exp();
      const total = pastWeights.sum(-1, true).add(selfWeight);
      const weighted = pastWeights.unsqueeze(2).matmul(cache.values).squeeze(2).add(selfWeight.mul(value.squeeze(2))); // [B, h, k]
      context = weighted.div(total).unsqueeze(2); // [B, h, 1, k]
    } else {
      let scores = q.matmul(key.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(k));
      if (causalMask) scores = scores.add(causalMask);
      const weights = scores.softmax(-1).dropout(this.config.dropout);
      context = weights.matmul(value);
    }
    const merged = context.transpose([0, 2, 1, 3]).reshape(['batch', length, h * k]);
    return { out: merged.matmul(this.param(`${b}.attn.out`)).add(this.param(`${b}.attn.out_bias`)), key, value };
  }

  block(l: number, x: Tensor, causalMask: Tensor | null, cache?: KeyValueBuffer): { out: Tensor; key: Tensor; value: Tensor } {
    const b = `block${l}`;
    const p = this.config.dropout;
    const attn = this.attention(l, x.layerNorm(this.param(`${b}.ln1.scale`), this.param(`${b}.ln1.bias`)), causalMask, cache);
    const afterAttention = x.add(attn.out.dropout(p));
    const hidden = afterAttention
      .layerNorm(this.param(`${b}.ln2.scale`), this.param(`${b}.ln2.bias`))
      .matmul(this.param(`${b}.mlp.kernel1`))
      .add(this.param(`${b}.mlp.bias1`))
      .gelu();
    const mlp = hidden.matmul(this.param(`${b}.mlp.kernel2`)).add(this.param(`${b}.mlp.bias2`));
    return { out: afterAttention.add(mlp.dropout(p)), key: attn.key, value: attn.value };
  }

  /** Final LayerNorm and the shared output projection. */
  project(x: Tensor): Tensor {
    const normed = x.layerNorm(this.param('final_ln.scale'), this.param('final_ln.bias'));
    return normed.matmul(this.param('output.kernel')).add(this.param('output.bias'));
  }

  /** Position embedding rows for int64 positions [T]. */
  positionEmbedding(positions: Tensor): Tensor {
    return this.param('embed.position').gather(positions);
  }

  /** Transformer trunk and shared output projection: [B, S, 5, O]. */
  outputs(inp: NetworkInputs, gEmbedding: Tensor): Tensor {
    let x = this.sequence(this.tokenInputs(inp, gEmbedding), inp.positions);
    for (let l = 0; l < this.config.layers; l++) x = this.block(l, x, inp.causalMask).out;
    return this.project(x).reshape(['batch', 'slots', TOKENS_PER_SLOT, this.outputWidth]);
  }

  /** Per-crystal log-likelihood of the sequences in `inp` (crystalformer.md §3). */
  logLikelihood(inp: NetworkInputs, lik: LikelihoodInputs): LogLikelihood & { rows: Tensor; perToken: PerTokenLogLikelihood } {
    const { coordComponents: kx, latticeComponents: kl } = this.config;
    const layout = outputLayout(this.config);
    const gEmbedding = this.spaceGroupEmbedding(inp.spaceGroup);
    const rows = this.outputs(inp, gEmbedding);
    const row = (type: number) => rows.slice([type], [type + 1], [2]).squeeze(2); // [B, S, O]

    // Wyckoff letters: W_0 from the space group, W_{s+1} from the Z_s row.
    const first = this.firstWyckoffLogits(gEmbedding).add(lik.firstWyckoffMask).logSoftmax(-1).mul(lik.firstWyckoffTarget).sum(1);
    const nextPerSlot = row(4)
      .slice([layout.wyckoffLogits[0]], [layout.wyckoffLogits[1]], [2])
      .add(lik.nextWyckoffMask)
      .logSoftmax(-1)
      .mul(lik.nextWyckoffTarget)
      .sum(2); // [B, S]: log p(W_{s+1})
    const wyckoff = first.add(nextPerSlot.sum(1));

    const wRow = row(0);
    const atomsPerSlot = wRow.slice([layout.atomLogits[0]], [layout.atomLogits[1]], [2]).add(lik.atomMask).logSoftmax(-1).mul(lik.atomTarget).sum(2); // [B, S]
    const atoms = atomsPerSlot.sum(1);

    // Coordinates: rows A, X, Y predict X, Y, Z — one von Mises mixture each, evaluated together: [B, S, 3, 3Kx].
    const coordParams = rows.slice([1, layout.coordinate[0]], [4, layout.coordinate[1]], [2, 3]);
    const coordsPerSlot = vonMisesMixtureLogPdf(coordParams, inp.coords, kx).mul(lik.coordWeight); // [B, S, 3]
    const coords = coordsPerSlot.sum([1, 2]);

    // Lattice: mixture parameters from the W row of the first padding slot.
    const latticeParams = wRow
      .slice([layout.lattice[0]], [layout.lattice[1]], [2])
      .mul(lik.latticeRow)
      .sum(1); // [B, 13Kl]
    const lattice = gaussianMixtureLogPdf(latticeParams, lik.lattice, kl, lik.latticeWeight).mul(lik.latticeWeight).sum(1);

    const total = wyckoff.add(atoms).add(coords).add(lattice);
    const perToken = { firstWyckoff: first, nextWyckoff: nextPerSlot, atoms: atomsPerSlot, coords: coordsPerSlot };
    return { wyckoff, atoms, coords, lattice, total, rows, perToken };
  }
}


/**
 * log I0e(κ) with the Abramowitz & Stegun polynomials 9.8.1/9.8.2 (the same formula as `logI0eApprox`); each branch
 * sees a clamped κ so the branch not taken never produces inf/NaN (which would poison the gradient through Where).
 */
export function logI0e(kappa: Tensor): Tensor {
  const small = kappa.minimum(3.75);
  const t = small.mul(1 / 3.75).pow(2);
  let polySmall: Tensor | number = I0_SMALL_COEFFS[I0_SMALL_COEFFS.length - 1]!;
  for (let i = I0_SMALL_COEFFS.length - 2; i >= 0; i--) polySmall = t.mul(polySmall).add(I0_SMALL_COEFFS[i]!);
  const logSmall = (polySmall as Tensor).log().sub(small);

  const large = kappa.maximum(3.75);
  const u = large.pow(-1).mul(3.75);
  let polyLarge: Tensor | number = I0_LARGE_COEFFS[I0_LARGE_COEFFS.length - 1]!;
  for (let i = I0_LARGE_COEFFS.length - 2; i >= 0; i--) polyLarge = u.mul(polyLarge).add(I0_LARGE_COEFFS[i]!);
  const logLarge = (polyLarge as Tensor).log().sub(large.log().mul(0.5));

  return where(kappa.lessOrEqual(3.75), logSmall, logLarge);
}

/**
 * log density of x under von Mises mixtures (in θ = 2π(x − 0.5), as in the method).
 * params [..., 3K] = (mixture logits, locations μ, raw concentrations with κ = softplus(raw)); x [...]. Returns [...].
 */
export function vonMisesMixtureLogPdf(params: Tensor, x: Tensor, k: number): Tensor {
  const last = params.rank - 1;
  const logits = params.slice([0], [k], [last]);
  const mu = params.slice([k], [2 * k], [last]);
  const kappa = params.slice([2 * k], [3 * k], [last]).softplus();
  const theta = x.sub(0.5).mul(2 * Math.PI).unsqueeze(last);
  const component = kappa.mul(theta.sub(mu).cos().sub(1)).sub(logI0e(kappa)).sub(Math.log(2 * Math.PI));
  return logits.logSoftmax(-1).add(component).logSumExp(last);
}

/** Upper bound used for the lengths' support (0, ∞) in float32: far beyond any normalised length, Φ(·) = 1 there. */
const LENGTH_SUPPORT_TOP = 1e6;

/**
 * log density of each of the six lattice parameters under a Gaussian mixture whose weights are shared across the
 * parameters (crystalformer.md §3), conditioned on the parameter's support (the mixture divided by its mass there) so
 * that every lattice the model can draw is a cell (lattice-distribution.ts, the float64 reference and the sampler):
 * lengths > 0, angles in (0, π), and in triclinic groups (α free, `latticeWeight[3]` = 1) γ in
 * (|α − β|, min(α + β, 2π − α − β)). params [B, 13K] = (logits K, means 6K, raw σ 6K); lattice, latticeWeight
 * [B, 6]. Returns [B, 6].
 */
export function gaussianMixtureLogPdf(params: Tensor, lattice: Tensor, k: number, latticeWeight: Tensor): Tensor {
  const logits = params.slice([0], [k], [1]).logSoftmax(-1).unsqueeze(2); // [B, K, 1]
  const batch = params.shape[0]!; // 'batch' in the model's graphs; a number in tests
  const mean = params.slice([k], [7 * k], [1]).reshape([batch, k, 6]);
  const sigma = params.slice([7 * k], [13 * k], [1]).reshape([batch, k, 6]).softplus().add(SIGMA_MIN);
  const z = lattice.unsqueeze(1).sub(mean).div(sigma);
  const logPdf = z.mul(z).mul(-0.5).sub(sigma.log()).sub(0.5 * Math.log(2 * Math.PI));
  // Supports [B, 6]; they depend on the data only (no gradient flows into them).
  const alpha = lattice.slice([3], [4], [1]);
  const beta = lattice.slice([4], [5], [1]);
  const zero = alpha.mul(0);
  const triclinic = latticeWeight.slice([3], [4], [1]).greater(0.5);
  const gammaLow = where(triclinic, alpha.sub(beta).abs(), zero);
  const gammaHigh = where(triclinic, alpha.add(beta).minimum(alpha.add(beta).neg().add(2 * Math.PI)), zero.add(Math.PI));
  const top = zero.add(LENGTH_SUPPORT_TOP);
  const low = concat([zero, zero, zero, zero, zero, gammaLow], 1).stopGradient().unsqueeze(1); // [B, 1, 6]
  const high = concat([top, top, top, zero.add(Math.PI), zero.add(Math.PI), gammaHigh], 1).stopGradient().unsqueeze(1);
  // Mass of each component inside the support: ½(erf(b/√2) − erf(a/√2)), floored so that a component with no mass
  // there (far from real data) gives a large finite penalty instead of −∞. Evaluated in float64 (where erf is
  // 1 − erfc with erfc accurate to 1.2e-7 relative): float32 Erf loses the difference for narrow supports, such as
  // γ of a triclinic cell with a small α (a 1 % error in the mass on 0.05 rad).
  const dtype = params.dtype;
  const a = low.sub(mean).div(sigma).cast('float64').mul(Math.SQRT1_2);
  const b = high.sub(mean).div(sigma).cast('float64').mul(Math.SQRT1_2);
  const logMass = b.erf().sub(a.erf()).mul(0.5).maximum(1e-30).log().cast(dtype);
  // The mixture conditioned on the support: Σ_k w_k N_k(x) / Σ_k w_k mass_k.
  return logits.add(logPdf).logSumExp(1).sub(logits.add(logMass).logSumExp(1));
}
