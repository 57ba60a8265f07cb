/**
 * The M3GNet energy as an engine graph (our own ONNX), batched over disjoint structures, with forces and stress
 * from the engine's reverse-mode autodiff: the graph's inputs are Cartesian positions and a per-structure strain
 * ε (fed as zeros), applied as r → r·(I + ε), L → L·(I + ε); then forces = −∂E/∂r and the virial ∂E/∂ε come from
 * one `grad` of Σ_s E_s (structures share no atoms, so each gets its own derivatives).
 *
 * Architecture (matgl's M3GNet with is_intensive = false, readout 'weighted_atom', no state), written from matgl's
 * source (src/matgl/models/_m3gnet.py and layers/): spherical Bessel radial basis of the bond lengths (no
 * envelope); node embedding table, edge embedding Linear+SiLU; per block: three-body interaction (atom MLP with
 * sigmoid, triple basis j_l(z r_ik/r_c)·Y_l^0(cos θ_jik) weighted by atom features and polynomial 4 Å envelopes,
 * summed onto bonds, bond update by a bias-free gated MLP, residual), then the graph convolution (edge update
 * by a gated MLP on [v_src, v_dst, e] times a linear map of the basis, residual; node update from the updated
 * edges the same way, summed onto the destination atom, residual); readout by a gated MLP per atom without final
 * activation; E = data_std · Σ atom outputs + data_mean + Σ element references.
 */
import { Graph, grad, toOnnxModel, type DType, type Tensor } from '../graph/index.ts';
import { concat, segmentSum } from '../graph/ops/movement.ts';
import { div, silu, where } from '../graph/ops/elementwise.ts';
import { radialBasisConstants, smoothBasisConstants, sphericalHarmonicNorm } from './m3gnet-basis.ts';
import type { PotentialWeights } from './weights.ts';

export interface M3GNetHyper {
  cutoff: number;
  threeBodyCutoff: number;
  maxN: number;
  maxL: number;
  nblocks: number;
  /** Hidden width of the convolution and readout MLPs. */
  units: number;
  /** Width of the atom and bond features (dim_node_embedding = dim_edge_embedding). */
  features: number;
  /** matgl's use_smooth: the smooth radial basis (max_n functions for bonds, max_n·max_l in the three-body basis). */
  smooth: boolean;
  numElements: number;
}

/** Reads and checks the hyper-parameters this implementation supports from matgl's init_args. */
export function m3gnetHyper(weights: PotentialWeights, options: { experimentalSmooth?: boolean } = {}): M3GNetHyper {
  const c = weights.config;
  const need = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number') throw new Error(`${weights.source}: model config field ${key} is missing or not a number`);
    return v;
  };
  const unsupported: string[] = [];
  // The smooth basis (M3GNet-MatPES-PBE-v2025.1-PES) runs, but its energies are not yet checked against a published
  // value (Si comes out at −4.90 eV/atom with a minimum below 5.40 Å, not PBE's ≈ −5.42 eV/atom at ≈ 5.47 Å), so it
  // is refused unless asked for explicitly.
  if (c.use_smooth === true && !options.experimentalSmooth) unsupported.push('use_smooth = true (smooth basis: implemented but not yet verified; pass experimentalSmooth to try it)');
  if (c.use_phi === true) unsupported.push('use_phi = true');
  if (c.is_intensive === true) unsupported.push('is_intensive = true');
  if (c.include_state === true) unsupported.push('include_state = true');
  if (c.rbf_type !== undefined && c.rbf_type !== 'SphericalBessel') unsupported.push(`rbf_type = ${String(c.rbf_type)}`);
  if (c.activation_type !== undefined && c.activation_type !== 'swish') unsupported.push(`activation_type = ${String(c.activation_type)}`);
  if (unsupported.length > 0) throw new Error(`${weights.source}: this M3GNet implementation does not support ${unsupported.join(', ')}`);
  const hyper = {
    cutoff: need('cutoff'),
    threeBodyCutoff: need('threebody_cutoff'),
    maxN: need('max_n'),
    maxL: need('max_l'),
    nblocks: need('nblocks'),
    units: need('units'),
    features: need('dim_node_embedding'),
    smooth: c.use_smooth === true,
    numElements: weights.elementTypes.length,
  };
  const edge = need('dim_edge_embedding');
  if (edge !== hyper.features) throw new Error(`${weights.source}: node and edge feature sizes differ (${hyper.features}, ${edge}); not supported`);
  return hyper;
}

export interface BuiltGraph {
  bytes: Uint8Array;
  /** Graph input names in the order the session expects them (all are fed by name). */
  inputNames: readonly string[];
}

/**
 * Builds the ONNX model. Outputs: `energy` [structures]; with `gradients`, also `forces` [atoms, 3] and
 * `virial` [structures, 3, 3] = ∂E/∂ε (divide by the volume for the stress).
 */
export function buildM3GNetModel(weights: PotentialWeights, options: { dtype?: 'float32' | 'float64'; gradients: boolean; experimentalSmooth?: boolean }): BuiltGraph {
  const dtype: DType = options.dtype ?? 'float32';
  const hyper = m3gnetHyper(weights, options);
  const g = new Graph();
  const values = new Map<string, Float32Array | Float64Array>();
  const toDtype = (a: ArrayLike<number>): Float32Array | Float64Array => (dtype === 'float64' ? Float64Array.from(a) : Float32Array.from(a));

  /** A state-dict tensor as a graph parameter; Linear weights [out, in] are stored transposed as [in, out]. */
  const param = (key: string, transpose = false): Tensor => {
    const t = weights.tensors.get(key);
    if (!t) throw new Error(`${weights.source}: weight ${key} is missing`);
    let shape = t.shape;
    let data: ArrayLike<number> = t.data;
    if (transpose) {
      const [rows, cols] = t.shape as [number, number];
      const out = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = t.data[i * cols + j]!;
      shape = [cols, rows];
      data = out;
    }
    const name = transpose ? `${key}.T` : key;
    values.set(name, toDtype(data));
    return g.parameter(name, shape, dtype);
  };
  const linear = (x: Tensor, prefix: string, bias = true): Tensor => {
    const y = x.matmul(param(`${prefix}.weight`, true));
    return bias ? y.add(param(`${prefix}.bias`)) : y;
  };
  /** matgl GatedMLP: layers (Linear, SiLU)… [SiLU after the last if activateLast] times gates (Linear, SiLU)… Sigmoid. */
  const gatedMlp = (x: Tensor, prefix: string, depth: number, activateLast: boolean, bias = true): Tensor => {
    let a = x;
    let b = x;
    for (let k = 0; k < depth; k++) {
      a = linear(a, `${prefix}.layers.${2 * k}`, bias);
      b = linear(b, `${prefix}.gates.${2 * k}`, bias);
      const last = k === depth - 1;
      if (!last || activateLast) a = silu(a);
      b = last ? b.sigmoid() : silu(b);
    }
    return a.mul(b);
  };

  /**
   * The first layer of a convolution's gated MLP (layers and gates side by side: [in, 2·units]) cut by input
   * rows into its v_src, v_dst and e parts: W·[v_src; v_dst; e] = W_src·v_src + W_dst·v_dst + W_e·e, so the atom
   * parts are computed once per atom and gathered, not once per bond on a concatenated [bonds, 3·units] input.
   */
  const firstLayerParts = (prefix: string): { src: Tensor; dst: Tensor; edge: Tensor; bias: Tensor } => {
    const u = hyper.features;
    const hidden = hyper.units;
    const lw = weights.tensors.get(`${prefix}.layers.0.weight`);
    const gw = weights.tensors.get(`${prefix}.gates.0.weight`);
    const lb = weights.tensors.get(`${prefix}.layers.0.bias`);
    const gb = weights.tensors.get(`${prefix}.gates.0.bias`);
    if (!lw || !gw || !lb || !gb) throw new Error(`${weights.source}: weights of ${prefix} are missing`);
    const inputs = lw.shape[1]!;
    if (lw.shape[0] !== hidden || inputs !== 3 * u) throw new Error(`${weights.source}: ${prefix}.layers.0.weight has shape [${lw.shape.join(', ')}], expected [${hidden}, ${3 * u}]`);
    const part = (k: number): Tensor => {
      // rows k·u … (k+1)·u − 1 of [Wlᵀ | Wgᵀ], i.e. input features of part k → 2·hidden outputs
      const out = new Float64Array(u * 2 * hidden);
      for (let i = 0; i < u; i++) {
        for (let o = 0; o < hidden; o++) {
          out[i * 2 * hidden + o] = lw.data[o * inputs + k * u + i]!;
          out[i * 2 * hidden + hidden + o] = gw.data[o * inputs + k * u + i]!;
        }
      }
      const name = `${prefix}.first.${['src', 'dst', 'edge'][k]}`;
      values.set(name, toDtype(out));
      return g.parameter(name, [u, 2 * hidden], dtype);
    };
    const biasName = `${prefix}.first.bias`;
    values.set(biasName, toDtype([...lb.data, ...gb.data]));
    return { src: part(0), dst: part(1), edge: part(2), bias: g.parameter(biasName, [2 * hidden], dtype) };
  };
  /** The rest of a convolution's gated MLP after its first layer's pre-activations [bonds, 2·units]. */
  const convMlpRest = (pre: Tensor, prefix: string): Tensor => {
    let [a, b] = pre.split([hyper.units, hyper.units], 1) as [Tensor, Tensor];
    a = silu(a);
    b = silu(b);
    for (let k = 1; k < 3; k++) {
      a = silu(linear(a, `${prefix}.layers.${2 * k}`));
      b = linear(b, `${prefix}.gates.${2 * k}`);
      b = k === 2 ? b.sigmoid() : silu(b);
    }
    return a.mul(b);
  };

  // ---- inputs
  const species = g.input('species', 'int32', ['atoms']);
  const positions = g.input('positions', dtype, ['atoms', 3]);
  const atomStructure = g.input('atom_structure', 'int32', ['atoms']);
  const strain = g.input('strain', dtype, ['structures', 3, 3]);
  const lattices = g.input('lattices', dtype, ['structures', 3, 3]);
  const bondSrc = g.input('bond_src', 'int32', ['bonds']);
  const bondDst = g.input('bond_dst', 'int32', ['bonds']);
  const bondImages = g.input('bond_images', dtype, ['bonds', 3]);
  const bondStructure = g.input('bond_structure', 'int32', ['bonds']);
  const tripleFirst = g.input('triple_first', 'int32', ['triples']);
  const tripleSecond = g.input('triple_second', 'int32', ['triples']);
  const tripleEnd = g.input('triple_end', 'int32', ['triples']);
  const tripleCutA = g.input('triple_cut_a', 'int32', ['triples']);
  const tripleCutB = g.input('triple_cut_b', 'int32', ['triples']);
  const tripleTarget = g.input('triple_target', 'int32', ['triples']);

  // ---- geometry under the strain
  const identity = g.constant([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3], dtype);
  const deformation = strain.add(identity); // [S,3,3]
  const atomDeformation = deformation.gather(atomStructure); // [A,3,3]
  const strained = positions.unsqueeze(1).matmul(atomDeformation).reshape([-1, 3]); // [A,3]
  const strainedLattice = lattices.matmul(deformation).gather(bondStructure); // [B,3,3]
  const offsets = bondImages.unsqueeze(1).matmul(strainedLattice).reshape([-1, 3]); // [B,3]
  const bondVectors = strained.gather(bondDst).add(offsets).sub(strained.gather(bondSrc)); // [B,3]
  const bondLengths = bondVectors.mul(bondVectors).sum(1).sqrt(); // [B]

  // ---- bases
  const constants = radialBasisConstants(hyper.maxL, hyper.maxN, hyper.cutoff);
  const width = hyper.maxL * hyper.maxN;
  const row = (v: readonly number[]): Tensor => g.constant(v, [1, width], dtype);
  const orderMask = (l: number): Tensor => row(constants.orders.map((o) => (o === l ? 1 : 0)));
  /** [n] lengths → [n, maxL·maxN] spherical Bessel basis (columns l-major), r clamped at the cutoff. */
  const radial = (r: Tensor): Tensor => {
    const x = r.minimum(hyper.cutoff).unsqueeze(1).mul(row(constants.frequencies));
    const s = x.sin();
    const c = x.cos();
    const inv = div(1, x);
    // Rayleigh forms j_0, j_1, j_2, … by the upward recurrence on whole columns, then pick each column's order.
    const js: Tensor[] = [s.mul(inv), s.mul(inv).mul(inv).sub(c.mul(inv))];
    for (let l = 1; l + 1 < hyper.maxL; l++) js.push(js[l]!.mul(inv).mul(2 * l + 1).sub(js[l - 1]!));
    let out = js[0]!.mul(orderMask(0));
    for (let l = 1; l < hyper.maxL; l++) out = out.add(js[l]!.mul(orderMask(l)));
    return out.mul(row(constants.scales));
  };
  const smoothRadial = (r: Tensor, count: number): Tensor => {
    const sc = smoothBasisConstants(count, hyper.cutoff);
    const rr = r.unsqueeze(1);
    const sinc = (x: Tensor): Tensor => x.sin().mul(div(1, x));
    const f = sinc(rr.mul(g.constant(sc.frequenciesA, [1, count], dtype)))
      .add(sinc(rr.mul(g.constant(sc.frequenciesB, [1, count], dtype))))
      .mul(g.constant(sc.prefactors, [1, count], dtype));
    return f.matmul(g.constant(sc.mix, [count, count], dtype));
  };
  // bonds: max_l·max_n Bessel functions, or max_n smooth ones
  const bondBasis = hyper.smooth ? smoothRadial(bondLengths, hyper.maxN) : radial(bondLengths);

  // three-body basis: j_l(z r_ik / r_c) · Y_l^0(cos θ), cos θ clamped to ±(1 − 1e-7) as matgl does
  const v1 = bondVectors.gather(tripleFirst);
  const v2 = bondVectors.gather(tripleSecond);
  const r1 = bondLengths.gather(tripleFirst);
  const r2 = bondLengths.gather(tripleSecond);
  const cosTheta = v1.mul(v2).sum(1).div(r1.mul(r2)).clip(-1 + 1e-7, 1 - 1e-7).unsqueeze(1); // [T,1]
  const legendre: Tensor[] = [cosTheta.mul(0).add(1), cosTheta];
  for (let l = 1; l + 1 < hyper.maxL; l++) legendre.push(legendre[l]!.mul(cosTheta).mul((2 * l + 1) / (l + 1)).sub(legendre[l - 1]!.mul(l / (l + 1))));
  let angular = legendre[0]!.mul(orderMask(0).mul(sphericalHarmonicNorm(0)));
  for (let l = 1; l < hyper.maxL; l++) angular = angular.add(legendre[l]!.mul(orderMask(l).mul(sphericalHarmonicNorm(l))));
  const tripleBasis = (hyper.smooth ? smoothRadial(r2, width) : radial(r2)).mul(angular); // [T, max_l·max_n]

  // polynomial envelope of the three-body cutoff on every bond, 0 beyond it
  const ratio = bondLengths.div(hyper.threeBodyCutoff);
  const r3 = ratio.mul(ratio).mul(ratio);
  const envelope = r3.mul(-10).add(r3.mul(ratio).mul(15)).add(r3.mul(ratio).mul(ratio).mul(-6)).add(1);
  const cutoff3 = where(bondLengths.lessOrEqual(hyper.threeBodyCutoff), envelope, 0);
  const tripleWeights = cutoff3.gather(tripleCutA).mul(cutoff3.gather(tripleCutB)).unsqueeze(1);
  const weightedTripleBasis = tripleBasis.mul(tripleWeights);

  // ---- embeddings
  let nodes = param('model.embedding.layer_node_embedding.weight').gather(species); // [A,64]
  let edges = silu(linear(bondBasis, 'model.embedding.layer_edge_embedding.layers.0')); // [B,64]

  // ---- blocks
  for (let i = 0; i < hyper.nblocks; i++) {
    const tb = `model.three_body_interactions.${i}`;
    const atomWeights = linear(nodes, `${tb}.update_network_atom.layers.0`).sigmoid(); // [A,9]
    const messages = weightedTripleBasis.mul(atomWeights.gather(tripleEnd)); // [T,9]
    const perBond = segmentSum(messages, tripleTarget, edges); // [B,9]
    edges = edges.add(gatedMlp(perBond, `${tb}.update_network_bond`, 1, true, false));

    const gc = `model.graph_layers.${i}.conv`;
    const edgeFirst = firstLayerParts(`${gc}.edge_update_func`);
    const nodeFirst = firstLayerParts(`${gc}.node_update_func`);
    // atom parts of both first layers in one product per side, gathered once per bond
    const fromSrc = nodes.matmul(concat([edgeFirst.src, nodeFirst.src], 1)).gather(bondSrc); // [B, 4u]
    const fromDst = nodes.matmul(concat([edgeFirst.dst, nodeFirst.dst], 1)).gather(bondDst);
    const [edgeAtoms, nodeAtoms] = fromSrc.add(fromDst).split([2 * hyper.units, 2 * hyper.units], 1) as [Tensor, Tensor];
    const edgePre = edgeAtoms.add(edges.matmul(edgeFirst.edge)).add(edgeFirst.bias);
    const edgeUpdate = convMlpRest(edgePre, `${gc}.edge_update_func`).mul(linear(bondBasis, `${gc}.edge_weight_func`, false));
    edges = edges.add(edgeUpdate);
    const nodePre = nodeAtoms.add(edges.matmul(nodeFirst.edge)).add(nodeFirst.bias);
    const nodeMessages = convMlpRest(nodePre, `${gc}.node_update_func`).mul(linear(bondBasis, `${gc}.node_weight_func`, false));
    nodes = nodes.add(segmentSum(nodeMessages, bondDst, nodes));
  }

  // ---- readout and energy
  const atomic = gatedMlp(nodes, 'model.final_layer.gated', 4, false).reshape([-1]); // [A]
  const references = param('element_refs.property_offset').gather(species); // [A]
  const atomEnergies = atomic.mul(weights.dataStd).add(references);
  const energy = segmentSum(atomEnergies, atomStructure, strain).add(weights.dataMean); // [S]

  const outputs: Record<string, Tensor> = { energy };
  if (options.gradients) {
    const [dPositions, dStrain] = grad(energy.sum(), [positions, strain]);
    outputs.forces = dPositions!.neg();
    outputs.virial = dStrain!;
  }
  const inputs = [species, positions, atomStructure, strain, lattices, bondSrc, bondDst, bondImages, bondStructure, tripleFirst, tripleSecond, tripleEnd, tripleCutA, tripleCutB, tripleTarget];
  const bytes = toOnnxModel(g, { outputs, inputs, parametersAs: 'initializers', parameterValues: values, name: 'm3gnet' });
  return { bytes, inputNames: inputs.map((t) => t.name) };
}
