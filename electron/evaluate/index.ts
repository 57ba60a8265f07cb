/** Evaluation of generated crystals: validity, symmetry, uniqueness, novelty and distributions (see evaluate.ts). */
export { EVALUATION_SYMPREC } from '../../shared/symmetry/tolerance.ts';
export { evaluateStructures } from './generation-metrics.ts';
export type { EvaluationItem, EvaluationOptions, EvaluationReport, EvaluationStage, Rate, SampleEvaluation } from './generation-metrics.ts';
export { MIN_CELL_VOLUME, MIN_INTERATOMIC_DISTANCE, compositionalValidity, structuralValidity } from '../../shared/crystal/validity.ts';
export type { CompositionInput, CompositionVerdict, CompositionalValidity, CompositionalValidityOptions, StructuralValidity } from '../../shared/crystal/validity.ts';
export { DEFAULT_MATCH_TOLERANCES, compositionKeyOf, compositionKeyOfStructure, prepareForMatching, structuresMatch } from './matcher.ts';
export type { MatchTolerances, MatchableStructure } from './matcher.ts';
export { ReferenceSet, defaultCacheDir, loadReferenceSet, referenceSetFromStructures } from './reference.ts';
export type { ReferenceEntry, ReferenceLoadOptions, ReferenceSkip } from './reference.ts';
export { SampleDirectoryError, parseSamplesJsonl, readSampleDirectory, sampleDirectoryInput } from './sample-dir.ts';
export type { SampleDirectory, SampleLine, UnbuiltSample, UnreadableSample } from './sample-dir.ts';
export { histogram, integerHistogram, quantile, summarize, wassersteinDistance } from './distributions.ts';
export { DEFAULT_STABLE_THRESHOLD, E_HULL_THRESHOLDS, evaluateStability } from './stability.ts';
export type { SampleStability, StabilityEvaluationOptions, StabilityReport, SunCounts } from './stability.ts';
export type { Histogram, Summary } from './distributions.ts';
export { minimumPairDistance, reduceBasis } from '../../shared/crystal/geometry.ts';
