/**
 * The ONNX graphs built from the network: the log-likelihood (scoring) graph, and helpers shared by training.
 */
import { Graph, exportModel, type ModelSignature } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { CrystalFormerNetwork, declareLikelihoodInputs, declareNetworkInputs, type ParameterSpec } from './network.ts';

export interface BuiltGraph {
  bytes: Uint8Array;
  signature: ModelSignature;
  parameters: ParameterSpec[];
}

/** Names of the per-crystal outputs of the log-likelihood graph. */
export const LOGP_OUTPUTS = ['logp_total', 'logp_wyckoff', 'logp_atoms', 'logp_coords', 'logp_lattice'] as const;

/**
 * The log-likelihood graph: per-crystal log p and its four terms, plus (optionally) per-token log-probabilities.
 * Parameters are graph inputs, or initializers when `parameterValues` is given (a standalone model).
 */
export function buildLogLikelihoodGraph(
  config: ModelConfig,
  options: { perToken?: boolean; parameterValues?: ReadonlyMap<string, Float32Array> } = {},
): BuiltGraph {
  const graph = new Graph({ training: false });
  const net = new CrystalFormerNetwork(graph, config);
  const inputs = declareNetworkInputs(graph);
  const lik = declareLikelihoodInputs(graph);
  const ll = net.logLikelihood(inputs, lik);
  const outputs: Record<string, import('../graph/index.ts').Tensor> = {
    logp_total: ll.total,
    logp_wyckoff: ll.wyckoff,
    logp_atoms: ll.atoms,
    logp_coords: ll.coords,
    logp_lattice: ll.lattice,
  };
  if (options.perToken) {
    outputs.token_logp_first_wyckoff = ll.perToken.firstWyckoff;
    outputs.token_logp_next_wyckoff = ll.perToken.nextWyckoff;
    outputs.token_logp_atoms = ll.perToken.atoms;
    outputs.token_logp_coords = ll.perToken.coords;
  }
  const { bytes, signature } = exportModel(graph, {
    outputs,
    parametersAs: options.parameterValues ? 'initializers' : 'inputs',
    ...(options.parameterValues ? { parameterValues: options.parameterValues } : {}),
    name: `crystalformer-${config.name}-logp`,
  });
  return { bytes, signature, parameters: net.params.specs };
}
