/**
 * matgl's multi-fidelity MEGNet band-gap model (MEGNet-MP-2019.4.1-BandGap-mfi; Chen et al., Nat. Comput. Sci. 1,
 * 46 (2021)) on our engine: the weights are read from a matgl folder (model.json + state.pt, through the same
 * torch reader as the M3GNet potential) or from the folder we ship (model.json card + model.safetensors), the
 * forward pass is built as our own ONNX graph and run with onnxruntime, many crystals per run (disjoint graphs).
 *
 * Architecture, written from matgl's source (src/matgl/models/_megnet.py; layers/_graph_convolution.py
 * MEGNetBlock and MEGNetGraphConv; layers/_core.py MLP and EdgeSet2Set; dgl.nn.Set2Set):
 *   - graph: every ordered pair of atoms closer than the cutoff (5 Å), periodic images included, self excluded;
 *   - bond features: Gaussians exp(−w (d − c_k)²) with the checkpoint's 100 centres on [0, cutoff + 1], w = 0.5;
 *     atom features: an element embedding (16); state: an embedding of the fidelity (16);
 *   - encoders: MLP 100/16/16 → 64 → 32 on bonds, atoms and state, softplus2 (softplus(x) − ln 2) after each layer;
 *   - 3 blocks; blocks after the first pass each feature through its own MLP 32 → 64 → 32 first; then the
 *     convolution: e' = φ_e([v_src, v_dst, e, u]), v' = φ_v([v, mean of e' over the bonds ending at the atom, u]),
 *     u' = φ_u([u, mean of e', mean of v']) (each 3-layer MLP → 32, activated last); residual on the block's inputs;
 *   - readout: Set2Set over atoms and over bonds (3 steps of a one-layer LSTM, attention softmax per crystal),
 *     concatenated with u → MLP 160 → 32 → 16 → 1 (no final activation); the target is de-normalised
 *     (× std + mean from the card).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Structure } from '../../shared/crystal/structure.ts';
import { Graph, toOnnxModel, type Tensor } from '../engine/graph/index.ts';
import { concat, segmentSum } from '../engine/graph/ops/movement.ts';
import { neighborList } from '../engine/potential/neighbors.ts';
import { readTorchStateDict, type PotentialTensor } from '../engine/potential/weights.ts';
import { createSession, ort, type EngineSession } from '../engine/runtime.ts';
import { parseSafetensors } from '../engine/safetensors.ts';

/** matgl's fidelity labels of the multi-fidelity band-gap model, in the order of its state embedding rows. */
export const MEGNET_FIDELITIES = ['PBE', 'GLLB-SC', 'HSE', 'SCAN'] as const;
export type MegnetFidelity = (typeof MEGNET_FIDELITIES)[number];

/** The `format` of the card we ship beside model.safetensors. */
export const MEGNET_CARD_FORMAT = 'cfstudio-megnet';

/**
 * matgl.config.DEFAULT_ELEMENTS, the embedding rows when a checkpoint's element_types is null (as in this one):
 * H … Bi (Z 1–83), then Ac, Th, Pa, U, Np, Pu — Po to Ra are not in it.
 */
export const MATGL_DEFAULT_ELEMENTS: readonly string[] = [
  'H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne', 'Na', 'Mg', 'Al', 'Si', 'P', 'S', 'Cl', 'Ar', 'K', 'Ca',
  'Sc', 'Ti', 'V', 'Cr', 'Mn', 'Fe', 'Co', 'Ni', 'Cu', 'Zn', 'Ga', 'Ge', 'As', 'Se', 'Br', 'Kr', 'Rb', 'Sr', 'Y',
  'Zr', 'Nb', 'Mo', 'Tc', 'Ru', 'Rh', 'Pd', 'Ag', 'Cd', 'In', 'Sn', 'Sb', 'Te', 'I', 'Xe', 'Cs', 'Ba', 'La', 'Ce',
  'Pr', 'Nd', 'Pm', 'Sm', 'Eu', 'Gd', 'Tb', 'Dy', 'Ho', 'Er', 'Tm', 'Yb', 'Lu', 'Hf', 'Ta', 'W', 'Re', 'Os', 'Ir',
  'Pt', 'Au', 'Hg', 'Tl', 'Pb', 'Bi', 'Ac', 'Th', 'Pa', 'U', 'Np', 'Pu',
];

export interface MegnetHyper {
  cutoff: number;
  gaussWidth: number;
  nblocks: number;
  set2setIterations: number;
  fidelities: number;
}

export interface MegnetWeights {
  /** matgl's init_args of the MEGNet model, verbatim. */
  config: Record<string, unknown>;
  hyper: MegnetHyper;
  elementTypes: string[];
  /** Prediction = network output × targetStd + targetMean (matgl's Normalizer). */
  targetMean: number;
  targetStd: number;
  /** matgl's state-dict names (e.g. 'model.blocks.0.conv.edge_func.layers.0.weight'). */
  tensors: Map<string, PotentialTensor>;
  /** The matgl model name, e.g. 'MEGNet-MP-2019.4.1-BandGap-mfi'. */
  source: string;
}

function readJson(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the init_args this implementation supports and reads its hyper-parameters; errors name the file and field. */
export function megnetHyper(config: Record<string, unknown>, path: string): MegnetHyper {
  const need = (key: string): number => {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${path}: init_args.${key} is missing or not a number`);
    return v;
  };
  const expect = (key: string, wanted: unknown): void => {
    if (JSON.stringify(config[key]) !== JSON.stringify(wanted)) {
      throw new Error(`${path}: init_args.${key} is ${JSON.stringify(config[key])}; this MEGNet implementation supports ${JSON.stringify(wanted)} only`);
    }
  };
  expect('activation_type', 'softplus2');
  expect('include_state', true);
  expect('is_classification', false);
  expect('nlayers_set2set', 1);
  expect('hidden_layer_sizes_input', [64, 32]);
  expect('hidden_layer_sizes_conv', [64, 64, 32]);
  expect('hidden_layer_sizes_output', [32, 16]);
  if (config.dropout !== null && config.dropout !== undefined && config.dropout !== 0) {
    // Dropout is off at inference in matgl too; nothing to do, but a non-number is malformed.
    if (typeof config.dropout !== 'number') throw new Error(`${path}: init_args.dropout must be a number or null`);
  }
  return {
    cutoff: need('cutoff'),
    gaussWidth: need('gauss_width'),
    nblocks: need('nblocks'),
    set2setIterations: need('niters_set2set'),
    fidelities: need('ntypes_state'),
  };
}

/** "Normalizer: Mean=1.57419002, Std: 1.85749567" (matgl's repr of its target transformer). */
export function parseNormalizer(text: unknown, path: string): { mean: number; std: number } {
  const match = typeof text === 'string' ? /^\s*Normalizer:\s*Mean=\s*([-+0-9.eE]+),\s*Std:\s*([-+0-9.eE]+)\s*$/.exec(text) : null;
  const mean = match ? Number(match[1]) : NaN;
  const std = match ? Number(match[2]) : NaN;
  if (!Number.isFinite(mean) || !(std > 0)) throw new Error(`${path}: kwargs.target_transformer must read "Normalizer: Mean=…, Std: …", got ${JSON.stringify(text)?.slice(0, 80)}`);
  return { mean, std };
}

/** Reads a matgl MEGNet folder (model.json + state.pt) or a folder we ship (card + model.safetensors). */
export function loadMegnetWeights(dir: string): MegnetWeights {
  const cardPath = join(dir, 'model.json');
  if (!existsSync(cardPath)) throw new Error(`${dir}: no model.json (expected a matgl MEGNet folder or models/predictor-band-gap-megnet)`);
  const json = readJson(cardPath);
  if (json.format === MEGNET_CARD_FORMAT) {
    const matgl = json.matgl;
    if (!isRecord(matgl) || !isRecord(matgl.initArgs)) throw new Error(`${cardPath}: matgl.initArgs is missing`);
    const weightsPath = join(dir, typeof json.weights === 'string' ? json.weights : 'model.safetensors');
    if (!existsSync(weightsPath)) throw new Error(`${weightsPath}: weights file not found`);
    const contents = parseSafetensors(readFileSync(weightsPath), weightsPath);
    const tensors = new Map<string, PotentialTensor>();
    for (const [name, tensor] of contents.tensors) {
      if (!(tensor.data instanceof Float32Array)) throw new Error(`${weightsPath}: tensor '${name}' is ${tensor.dtype}, expected F32`);
      tensors.set(name, { shape: tensor.shape, data: tensor.data });
    }
    const config = matgl.initArgs;
    const elements = matgl.elementTypes;
    if (!Array.isArray(elements) || !elements.every((e) => typeof e === 'string')) throw new Error(`${cardPath}: matgl.elementTypes must be a list of element symbols`);
    if (typeof matgl.targetMean !== 'number' || typeof matgl.targetStd !== 'number') throw new Error(`${cardPath}: matgl.targetMean and matgl.targetStd must be numbers`);
    return {
      config, hyper: megnetHyper(config, cardPath), elementTypes: elements as string[], targetMean: matgl.targetMean, targetStd: matgl.targetStd, tensors,
      source: typeof matgl.model === 'string' ? matgl.model : basename(dir),
    };
  }
  const kwargs = json.kwargs;
  if (json['@class'] !== 'TransformedTargetModel' || !isRecord(kwargs) || !isRecord(kwargs.model) || kwargs.model['@class'] !== 'MEGNet' || !isRecord(kwargs.model.init_args)) {
    throw new Error(`${cardPath}: not a matgl MEGNet model wrapped in a TransformedTargetModel (@class ${JSON.stringify(json['@class'])})`);
  }
  const statePath = join(dir, 'state.pt');
  if (!existsSync(statePath)) throw new Error(`${dir}: no state.pt beside a matgl model.json`);
  const config = kwargs.model.init_args;
  const { mean, std } = parseNormalizer(kwargs.target_transformer, cardPath);
  const types = config.element_types;
  const elementTypes = types === null || types === undefined ? [...MATGL_DEFAULT_ELEMENTS] : types;
  if (!Array.isArray(elementTypes) || !elementTypes.every((e) => typeof e === 'string')) throw new Error(`${cardPath}: init_args.element_types must be null or a list of element symbols`);
  return {
    config, hyper: megnetHyper(config, cardPath), elementTypes: elementTypes as string[], targetMean: mean, targetStd: std,
    tensors: readTorchStateDict(statePath), source: basename(dir.replace(/[\\/]+$/, '')),
  };
}

/** Builds the inference graph; input and output names are listed in MEGNET_ONNX_INPUTS. */
export function buildMegnetModel(weights: MegnetWeights): Uint8Array {
  const { hyper } = weights;
  const g = new Graph();
  const values = new Map<string, Float32Array>();
  const tensorOf = (key: string): PotentialTensor => {
    const t = weights.tensors.get(key);
    if (!t) throw new Error(`${weights.source}: weight ${key} is missing`);
    return t;
  };
  /** A state-dict tensor as a parameter; Linear weights [out, in] are stored transposed as [in, out]. */
  const param = (key: string, transpose = false): Tensor => {
    const t = tensorOf(key);
    const name = transpose ? `${key}.T` : key;
    if (!values.has(name)) {
      if (transpose) {
        const [rows, cols] = t.shape as [number, number];
        const out = new Float32Array(rows * cols);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = t.data[i * cols + j]!;
        values.set(name, out);
      } else {
        values.set(name, t.data);
      }
    }
    return g.parameter(name, transpose ? [t.shape[1]!, t.shape[0]!] : t.shape, 'float32');
  };
  const softplus2 = (x: Tensor): Tensor => x.softplus().sub(Math.LN2);
  /** matgl MLP: Linear layers at indices 0, 2, 4, … with softplus2 between them (and after the last if activateLast). */
  const mlp = (x: Tensor, prefix: string, activateLast: boolean): Tensor => {
    const layers: number[] = [];
    for (let i = 0; weights.tensors.has(`${prefix}.layers.${i}.weight`); i += 2) layers.push(i);
    if (layers.length === 0) throw new Error(`${weights.source}: weights of ${prefix} are missing`);
    let y = x;
    layers.forEach((i, n) => {
      y = y.matmul(param(`${prefix}.layers.${i}.weight`, true)).add(param(`${prefix}.layers.${i}.bias`));
      if (n < layers.length - 1 || activateLast) y = softplus2(y);
    });
    return y;
  };

  // ---- inputs
  const species = g.input('species', 'int32', ['atoms']);
  const atomStructure = g.input('atom_structure', 'int32', ['atoms']);
  const bondSrc = g.input('bond_src', 'int32', ['bonds']);
  const bondDst = g.input('bond_dst', 'int32', ['bonds']);
  const bondLength = g.input('bond_length', 'float32', ['bonds']);
  const bondStructure = g.input('bond_structure', 'int32', ['bonds']);
  const fidelity = g.input('fidelity', 'int32', ['structures']);

  // ---- embeddings and encoders
  const centers = tensorOf('model.bond_expansion.rbf.centers');
  const diff = bondLength.unsqueeze(1).sub(g.constant(centers.data, [1, centers.shape[0]!], 'float32'));
  const gaussians = diff.mul(diff).mul(-hyper.gaussWidth).exp(); // [B,100]
  let edges = mlp(gaussians, 'model.edge_encoder', true); // [B,32]
  let nodes = mlp(param('model.embedding.layer_node_embedding.weight').gather(species), 'model.node_encoder', true); // [A,32]
  let state = mlp(param('model.embedding.layer_state_embedding.weight').gather(fidelity), 'model.state_encoder', true); // [S,32]

  // Counts for the means (at least 1, so an atom without bonds, or a crystal without any, averages to 0 as in DGL).
  const bondOnes = bondLength.unsqueeze(1).mul(0).add(1); // [B,1]
  const atomOnes = atomStructure.cast('float32').unsqueeze(1).mul(0).add(1); // [A,1]
  const bondsInto = segmentSum(bondOnes, bondDst, nodes).maximum(1); // [A,1]
  const bondsPerStructure = segmentSum(bondOnes, bondStructure, state).maximum(1); // [S,1]
  const atomsPerStructure = segmentSum(atomOnes, atomStructure, state).maximum(1); // [S,1]

  // ---- blocks
  for (let b = 0; b < hyper.nblocks; b++) {
    const p = `model.blocks.${b}`;
    const [edges0, nodes0, state0] = [edges, nodes, state];
    if (b > 0) {
      edges = mlp(edges, `${p}.edge_func`, true);
      nodes = mlp(nodes, `${p}.node_func`, true);
      state = mlp(state, `${p}.state_func`, true);
    }
    const atomState = state.gather(atomStructure);
    edges = mlp(concat([nodes.gather(bondSrc), nodes.gather(bondDst), edges, state.gather(bondStructure)], 1), `${p}.conv.edge_func`, true);
    const incoming = segmentSum(edges, bondDst, nodes).div(bondsInto);
    nodes = mlp(concat([nodes, incoming, atomState], 1), `${p}.conv.node_func`, true);
    const edgeMean = segmentSum(edges, bondStructure, state).div(bondsPerStructure);
    const nodeMean = segmentSum(nodes, atomStructure, state).div(atomsPerStructure);
    state = mlp(concat([state, edgeMean, nodeMean], 1), `${p}.conv.state_func`, true);
    edges = edges.add(edges0);
    nodes = nodes.add(nodes0);
    state = state.add(state0);
  }

  // ---- Set2Set readouts
  /**
   * Set2Set over `features` [N,d] grouped by `segment` [N] into crystals: q* = 0; repeat: (q, h, c) = LSTM(q*, h, c),
   * a = softmax per crystal of features·q, r = Σ a·features, q* = [q, r]. The softmax subtracts the crystal's mean
   * score (any per-crystal constant leaves it unchanged; the largest term is then ≥ 1, so the sum cannot vanish).
   */
  const set2set = (features: Tensor, segment: Tensor, count: Tensor, prefix: string): Tensor => {
    const d = tensorOf(`${prefix}.weight_hh_l0`).shape[1]!;
    const wIh = param(`${prefix}.weight_ih_l0`, true);
    const wHh = param(`${prefix}.weight_hh_l0`, true);
    const bias = param(`${prefix}.bias_ih_l0`).add(param(`${prefix}.bias_hh_l0`));
    const zeros = state.mul(0); // [S, d] (state is [S, 32] and d = 32 for this architecture)
    if (d !== 32) throw new Error(`${weights.source}: ${prefix} hidden size ${d}, expected 32`);
    let h = zeros;
    let c = zeros;
    let qStar = concat([zeros, zeros], 1);
    for (let step = 0; step < hyper.set2setIterations; step++) {
      const gates = qStar.matmul(wIh).add(h.matmul(wHh)).add(bias);
      const [i, f, gg, o] = gates.split([d, d, d, d], 1) as [Tensor, Tensor, Tensor, Tensor];
      c = f.sigmoid().mul(c).add(i.sigmoid().mul(gg.tanh()));
      h = o.sigmoid().mul(c.tanh());
      const score = features.mul(h.gather(segment)).sum(1, true); // [N,1]
      const shift = segmentSum(score, segment, state).div(count).gather(segment);
      const w = score.sub(shift).exp();
      const alpha = w.div(segmentSum(w, segment, state).gather(segment));
      const readout = segmentSum(features.mul(alpha), segment, state); // [S,d]
      qStar = concat([h, readout], 1);
    }
    return qStar;
  };
  const nodeVector = set2set(nodes, atomStructure, atomsPerStructure, 'model.node_s2s.lstm');
  const edgeVector = set2set(edges, bondStructure, bondsPerStructure, 'model.edge_s2s.lstm');
  const output = mlp(concat([nodeVector, edgeVector, state], 1), 'model.output_proj', false).reshape([-1]); // [S]
  const prediction = output.mul(weights.targetStd).add(weights.targetMean);
  const inputs = [species, atomStructure, bondSrc, bondDst, bondLength, bondStructure, fidelity];
  return toOnnxModel(g, { outputs: { prediction }, inputs, parametersAs: 'initializers', parameterValues: values, name: 'megnet' });
}

export const MEGNET_ONNX_INPUTS = [
  { name: 'species', dtype: 'int32', shape: ['atoms'], meaning: 'row of each atom in the element embedding (the card\'s elementTypes)' },
  { name: 'atom_structure', dtype: 'int32', shape: ['atoms'], meaning: 'crystal of each atom (0-based, atoms grouped by crystal)' },
  { name: 'bond_src', dtype: 'int32', shape: ['bonds'], meaning: 'centre atom of each ordered pair closer than the cutoff' },
  { name: 'bond_dst', dtype: 'int32', shape: ['bonds'], meaning: 'neighbour atom of each pair (periodic images are separate pairs)' },
  { name: 'bond_length', dtype: 'float32', shape: ['bonds'], meaning: 'pair distance, Å' },
  { name: 'bond_structure', dtype: 'int32', shape: ['bonds'], meaning: 'crystal of each pair' },
  { name: 'fidelity', dtype: 'int32', shape: ['structures'], meaning: 'fidelity per crystal: 0 PBE, 1 GLLB-SC, 2 HSE, 3 SCAN' },
] as const;

export interface MegnetBatch {
  numStructures: number;
  species: Int32Array;
  atomStructure: Int32Array;
  bondSrc: Int32Array;
  bondDst: Int32Array;
  bondLength: Float32Array;
  bondStructure: Int32Array;
}

/** Graph inputs for a batch of crystals (pairs within the cutoff from the potential's neighbour list). */
export function buildMegnetBatch(structures: readonly Structure[], elementIndex: ReadonlyMap<string, number>, cutoff: number): MegnetBatch {
  const species: number[] = [];
  const atomStructure: number[] = [];
  const bondSrc: number[] = [];
  const bondDst: number[] = [];
  const bondLength: number[] = [];
  const bondStructure: number[] = [];
  let base = 0;
  structures.forEach((structure, s) => {
    structure.sites.forEach((site, i) => {
      const row = elementIndex.get(site.species);
      if (row === undefined) throw new Error(`structure ${s}: site ${i} is ${site.species}, an element the MEGNet model does not know`);
      species.push(row);
      atomStructure.push(s);
    });
    const cart = structure.cartCoords;
    const flat = new Float64Array(3 * cart.length);
    cart.forEach((p, i) => flat.set(p, 3 * i));
    const nl = neighborList(structure.lattice.matrix, flat, cutoff);
    for (let p = 0; p < nl.count; p++) {
      bondSrc.push(nl.src[p]! + base);
      bondDst.push(nl.dst[p]! + base);
      bondLength.push(nl.distances[p]!);
      bondStructure.push(s);
    }
    base += cart.length;
  });
  return {
    numStructures: structures.length,
    species: Int32Array.from(species),
    atomStructure: Int32Array.from(atomStructure),
    bondSrc: Int32Array.from(bondSrc),
    bondDst: Int32Array.from(bondDst),
    bondLength: Float32Array.from(bondLength),
    bondStructure: Int32Array.from(bondStructure),
  };
}

export function fidelityIndex(fidelity: string): number {
  const index = MEGNET_FIDELITIES.findIndex((f) => f.toLowerCase() === fidelity.trim().toLowerCase());
  if (index < 0) throw new Error(`unknown band-gap fidelity '${fidelity}' (known: ${MEGNET_FIDELITIES.join(', ')})`);
  return index;
}

export interface MegnetOptions {
  /** onnxruntime threads (default 1). */
  threads?: number;
  /** Crystals per onnxruntime run (default 64). */
  batchSize?: number;
}

/** The MEGNet band-gap model, ready to predict. */
export class MegnetBandGapModel {
  readonly elements: ReadonlySet<string>;
  private readonly elementIndex: Map<string, number>;
  private constructor(
    readonly weights: MegnetWeights,
    private readonly session: EngineSession,
    private readonly options: Required<MegnetOptions>,
  ) {
    this.elementIndex = new Map(weights.elementTypes.map((e, i) => [e, i]));
    this.elements = new Set(weights.elementTypes);
  }

  static async load(dir: string, options: MegnetOptions = {}): Promise<MegnetBandGapModel> {
    return MegnetBandGapModel.fromWeights(loadMegnetWeights(dir), options);
  }

  static async fromWeights(weights: MegnetWeights, options: MegnetOptions = {}): Promise<MegnetBandGapModel> {
    const session = await createSession(buildMegnetModel(weights), { workload: 'inference', intraOpNumThreads: options.threads ?? 1, cache: false, log: () => {} });
    return new MegnetBandGapModel(weights, session, { threads: options.threads ?? 1, batchSize: options.batchSize ?? 64 });
  }

  /**
   * Band gap (eV) of each structure at the fidelity (a name of MEGNET_FIDELITIES or its index), unclipped: the
   * network can return slightly negative values for metals. A structure with an element outside the model's 89
   * gets NaN (its reason in `errors`, when given).
   */
  async predict(structures: readonly Structure[], fidelity: MegnetFidelity | number = 'PBE', errors?: (string | undefined)[]): Promise<Float64Array> {
    const level = typeof fidelity === 'number' ? fidelity : fidelityIndex(fidelity);
    if (!Number.isInteger(level) || level < 0 || level >= this.weights.hyper.fidelities) throw new Error(`fidelity index ${level} out of range 0…${this.weights.hyper.fidelities - 1}`);
    const out = new Float64Array(structures.length).fill(NaN);
    const usable: number[] = [];
    structures.forEach((s, i) => {
      const unknown = s.sites.find((site) => !this.elements.has(site.species));
      if (unknown) {
        if (errors) errors[i] = `${unknown.species} is not one of the ${this.elements.size} elements of ${this.weights.source}`;
      } else if (s.sites.length > 0) {
        usable.push(i);
      }
    });
    for (let start = 0; start < usable.length; start += this.options.batchSize) {
      const chunk = usable.slice(start, start + this.options.batchSize);
      const b = buildMegnetBatch(chunk.map((i) => structures[i]!), this.elementIndex, this.weights.hyper.cutoff);
      const int = (data: Int32Array): ort.Tensor => new ort.Tensor('int32', data, [data.length]);
      const result = await this.session.run(
        {
          species: int(b.species),
          atom_structure: int(b.atomStructure),
          bond_src: int(b.bondSrc),
          bond_dst: int(b.bondDst),
          bond_length: new ort.Tensor('float32', b.bondLength, [b.bondLength.length]),
          bond_structure: int(b.bondStructure),
          fidelity: int(new Int32Array(chunk.length).fill(level)),
        },
        ['prediction'],
      );
      const values = result.prediction!.data as Float32Array;
      chunk.forEach((i, k) => (out[i] = values[k]!));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
