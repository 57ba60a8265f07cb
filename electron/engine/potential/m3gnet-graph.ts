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
import { concat } from '../graph/ops/movement.ts';
import { segmentSum } from '../graph/ops/movement.ts';
import { where } from '../graph/ops/elementwise.ts';
import { radialBasisConstants, sphericalHarmonicNorm } from './m3gnet-basis.ts';
import type { PotentialWeights } from './weights.ts';

export interface M3GNetHyper {
  cutoff: number;
  threeBodyCutoff: number;
  maxN: number;
  maxL: number;
  nblocks: number;
  units: number;
  numElements: number;
}

/** Reads and checks the hyper-parameters this implementation supports from matgl's init_args. */
export function m3gnetHyper(weights: PotentialWeights): M3GNetHyper {
  const c = weights.config;
  const need = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number') throw new Error(`${weights.source}: model config field ${key} is missing or not a number`);
    return v;
  };
  const unsupported: string[] = [];
  if (c.use_smooth === true) unsupported.push('use_smooth = true (smooth Bessel basis)');
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
    numElements: weights.elementTypes.length,
  };
  const node = need('dim_node_embedding');
  const edge = need('dim_edge_embedding');
  if (node !== hyper.units || edge !== hyper.units) throw new Error(`${weights.source}: embedding sizes (${node}, ${edge}) differ from units ${hyper.units}; not supported`);
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
export function buildM3GNetModel(weights: PotentialWeights, options: { dtype?: 'float32' | 'float64'; gradients: boolean }): BuiltGraph {
  const dtype: DType = options.dtype ?? 'float32';
  const hyper = m3gnetHyper(weights);
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
  const silu = (x: Tensor): Tensor => x.mul(x.sigmoid());
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

  // ---- inputs
  const species = g.input('species', 'int64', ['atoms']);
  const positions = g.input('positions', dtype, ['atoms', 3]);
  const atomStructure = g.input('atom_structure', 'int64', ['atoms']);
  const strain = g.input('strain', dtype, ['structures', 3, 3]);
  const lattices = g.input('lattices', dtype, ['structures', 3, 3]);
  const bondSrc = g.input('bond_src', 'int64', ['bonds']);
  const bondDst = g.input('bond_dst', 'int64', ['bonds']);
  const bondImages = g.input('bond_images', dtype, ['bonds', 3]);
  const bondStructure = g.input('bond_structure', 'int64', ['bonds']);
  const tripleFirst = g.input('triple_first', 'int64', ['triples']);
  const tripleSecond = g.input('triple_second', 'int64', ['triples']);
  const tripleEnd = g.input('triple_end', 'int64', ['triples']);
  const tripleCutA = g.input('triple_cut_a', 'int64', ['triples']);
  const tripleCutB = g.input('triple_cut_b', 'int64', ['triples']);
  const tripleTarget = g.input('triple_target', 'int64', ['triples']);

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
    const inv = x.pow(-1);
    // Rayleigh forms j_0, j_1, j_2, … by the upward recurrence on whole columns, then pick each column's order.
    const js: Tensor[] = [s.mul(inv), s.mul(inv).mul(inv).sub(c.mul(inv))];
    for (let l = 1; l + 1 < hyper.maxL; l++) js.push(js[l]!.mul(inv).mul(2 * l + 1).sub(js[l - 1]!));
    let out = js[0]!.mul(orderMask(0));
    for (let l = 1; l < hyper.maxL; l++) out = out.add(js[l]!.mul(orderMask(l)));
    return out.mul(row(constants.scales));
  };
  const bondBasis = radial(bondLengths); // [B,9]

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
  const tripleBasis = radial(r2).mul(angular); // [T,9]

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
    const src = nodes.gather(bondSrc);
    const dst = nodes.gather(bondDst);
    const edgeUpdate = gatedMlp(concat([src, dst, edges], 1), `${gc}.edge_update_func`, 3, true).mul(linear(bondBasis, `${gc}.edge_weight_func`, false));
    edges = edges.add(edgeUpdate);
    const nodeMessages = gatedMlp(concat([src, dst, edges], 1), `${gc}.node_update_func`, 3, true).mul(linear(bondBasis, `${gc}.node_weight_func`, false));
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
