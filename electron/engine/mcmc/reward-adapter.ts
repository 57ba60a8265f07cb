/**
 * Plug a structure-level reward (electron/rewards: CandidateInput → reward) into the MCMC hook, which sees tokens
 * only. Each proposal batch gets lattices from the model given its tokens (ConditionalLatticeSampler, at a low
 * lattice temperature by default so the lattice is close to the chosen component's mean), is built into full
 * structures and CIFs, and is scored. Because the lattice is drawn, the reward of a state is itself random: the
 * chain then targets an approximation of exp((log p + E[reward])/T), good for guidance, not an exact sampler.
 */
import type { CandidateInput } from '../rl/reward.ts';
import { buildSample } from '../sample/build.ts';
import { writeSymmetrizedCif } from '../../../shared/io/cif-writer.ts';
import type { CrystalMcmc, McmcCrystal, McmcReward } from './mcmc.ts';

export interface StructureRewardOptions {
  /** Temperature of the lattice draw (default 0.01: nearly the mean of the chosen mixture component). */
  latticeTemperature?: number;
  /** Reward for a proposal whose structure cannot be built (default −10). */
  failureReward?: number;
  seed?: number;
}

export function structureReward(
  evaluate: (candidates: readonly CandidateInput[]) => Promise<{ reward: ArrayLike<number> }>,
  mcmc: CrystalMcmc,
  options: StructureRewardOptions = {},
): McmcReward {
  const failure = options.failureReward ?? -10;
  let call = 0;
  return async (crystals: readonly McmcCrystal[]) => {
    const sampled = await mcmc.sampleLattices(crystals, { seed: (options.seed ?? 0) * 1_000_003 + call++, temperature: options.latticeTemperature ?? 0.01 });
    const candidates: CandidateInput[] = [];
    const where: number[] = [];
    sampled.forEach((s, i) => {
      const built = buildSample(s, i + 1);
      // A crystal whose CIF would not read back (two elements on one position) has no file but is still scored.
      if (built.structure && built.description) {
        candidates.push({ structure: built.structure, description: built.description, cif: built.cif ?? writeSymmetrizedCif(built.description) });
        where.push(i);
      }
    });
    const out = new Float64Array(crystals.length).fill(failure);
    if (candidates.length > 0) {
      const { reward } = await evaluate(candidates);
      where.forEach((i, k) => {
        const r = reward[k]!;
        out[i] = Number.isFinite(r) ? r : failure;
      });
    }
    return out;
  };
}
