export * from './template.ts';
export * from './mcmc.ts';
export { ConditionalLatticeSampler } from './lattice.ts';
export { structureReward, type StructureRewardOptions } from './reward-adapter.ts';
