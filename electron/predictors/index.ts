/** Built-in property predictors: band gap, formation energy, total dielectric constant (see README.md). */
export { PredictorNetwork, DEFAULT_PREDICTOR_CONFIG, declarePredictorInputs, predictorParameterCount, type PredictorConfig, type OutputSettings, type OutputTransform } from './network.ts';
export { batchFeeds, batchFromDataset, batchFromTokens, type PredictorBatch } from './batch.ts';
export { PROPERTIES, PROPERTY_NAMES, isPropertyName, propertyDefinition, shippedModelDir, defaultDataRoot, readPropertyValues, type PropertyName } from './properties.ts';
export { PREDICTOR_FORMAT, loadPredictor, readPredictorCard, type PredictorCard, type HeldOutMetrics } from './files.ts';
export { buildPredictorInferenceGraph, PREDICTION_OUTPUT } from './graphs.ts';
export { trainPredictor, DEFAULT_PREDICTOR_TRAINING, type PredictorTrainingOptions, type PredictorTrainingSettings } from './train.ts';
export { OnnxPropertyPredictor, encodeForPredictor } from './onnx-predictor.ts';
export { registerShippedPredictors, hasShippedPredictor } from './registry.ts';
export { predictProperties, type PredictionResult, type PropertyPredictions } from './predict.ts';
