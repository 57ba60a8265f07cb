/**
 * The predictor's graphs: the inference graph (token arrays → clamped property), exported either with the weights
 * as initializers (the shipped model.onnx) or as inputs (evaluation during training, fed the live weights).
 */
import { Graph, exportModel, type ModelSignature } from '../engine/graph/index.ts';
import { PredictorNetwork, declarePredictorInputs, type OutputSettings, type PredictorConfig } from './network.ts';

export const PREDICTION_OUTPUT = 'prediction';
export const UNCLAMPED_OUTPUT = 'unclamped';

export const PREDICTOR_OUTPUT_MEANING: Record<string, string> = {
  [PREDICTION_OUTPUT]: 'float32 [batch]: the property in its unit, clipped to the clamp range of the card',
  [UNCLAMPED_OUTPUT]: 'float32 [batch]: the same before clipping (diagnostics only; do not use as a reward)',
};

export function buildPredictorInferenceGraph(
  config: PredictorConfig,
  output: OutputSettings,
  weights: { parameterValues: ReadonlyMap<string, Float32Array> } | 'inputs',
): { bytes: Uint8Array; signature: ModelSignature; parameterNames: string[] } {
  const graph = new Graph();
  const inputs = declarePredictorInputs(graph);
  const net = new PredictorNetwork(graph, config);
  const z = net.trainingOutput(inputs, output);
  const unclamped = PredictorNetwork.physicalValue(z, output.transform);
  const prediction = unclamped.clip(output.clamp[0], output.clamp[1]);
  const { bytes, signature } = exportModel(graph, {
    inputs: [...graph.inputs],
    outputs: { [PREDICTION_OUTPUT]: prediction, [UNCLAMPED_OUTPUT]: unclamped },
    ...(weights === 'inputs' ? { parametersAs: 'inputs' as const } : { parametersAs: 'initializers' as const, parameterValues: weights.parameterValues }),
    name: 'property_predictor',
  });
  return { bytes, signature, parameterNames: graph.parameters.map((p) => p.name) };
}
