/** Stability of a crystal from a potential's energy: MP2020 corrections, formation energy, E_hull (see README.md). */
export { StabilityAnalyzer, PARTIAL_HULL_NOTE, type DecompositionPhase, type StabilityOptions, type StabilityResult } from './stability.ts';
export { Mp2020Compatibility, mostElectronegative, defaultMp2020Path, type CorrectedEnergy, type EnergyAdjustment } from './mp2020.ts';
export { ElementalReferences, defaultElementalReferencesPath, type ElementalReference } from './references.ts';
export { oxideType, sulfideType, MP2020_OXIDE_RELATIVE_CUTOFF, type OxideType, type SulfideType } from './anion-types.ts';
export { guessOxidationStates } from './oxidation.ts';
export { parseYamlMapping, YamlSubsetError, type YamlMapping, type YamlScalar } from './yaml.ts';
export { compositionalPlausibility, plausibilityRule, oxidationStateProbability, DEFAULT_MIN_STATE_PROBABILITY, PYMATGEN_METALS, type CompositionalPlausibility, type PlausibilityOptions, type PlausibilityVerdict } from './plausibility.ts';
