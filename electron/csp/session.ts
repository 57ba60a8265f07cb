/**
 * What `cfstudio csp` (electron/cli/commands/csp.ts) and the app's csp job (electron/host/jobs/csp.ts) share around
 * the plan and the ranking, so that both give the same candidates for the same request: the symmetry tolerance and
 * relaxation defaults, which potential ranks the candidates (and the hull data beside it), the model's weighing of
 * the space groups, and the CIF written for each ranked candidate.
 */
import { existsSync } from 'node:fs';
import { loadPotential } from '../engine/potential/load.ts';
import type { Potential } from '../engine/potential/types.ts';
import type { CrystalSampler } from '../engine/sample/sampler.ts';
import { loadStability, structureCif } from '../screening/records.ts';
import type { StabilityAnalyzer } from '../stability/index.ts';
import type { CspPlan } from './plan.ts';
import { type CspCandidate, weighGroupsByModel } from './predict.ts';

/** Symmetry tolerance in Å for building, matching and reporting the candidates. */
export const CSP_SYMPREC = 0.1;

/** Relaxation before ranking: converged below this force (eV/Å), at most this many FIRE steps. */
export const CSP_RELAX_DEFAULTS: Readonly<{ fmax: number; maxSteps: number }> = Object.freeze({ fmax: 0.05, maxSteps: 300 });

export interface CspEnergyModel {
  /** Null: the candidates are ranked by the model's log-likelihood. */
  potential: Potential | null;
  /** Formation energy and E_hull data (or why they cannot be computed); absent without a potential. */
  stability?: StabilityAnalyzer | { error: string };
  /** Why there is no potential, for the user. */
  note?: string;
}

/**
 * The potential that ranks the candidates: the folder given (which must load), else the default folder when it is
 * present, else none — the ranking falls back to the log-likelihood, unless relaxation was asked for, which is an error.
 */
export async function openCspPotential(request: { dir: string; given: boolean; relax: boolean; threads?: number }): Promise<CspEnergyModel> {
  if (!request.given && !existsSync(request.dir)) {
    if (request.relax) throw new Error(`relaxation needs a potential: ${request.dir} is missing (give another potential folder)`);
    return { potential: null, note: `no potential at ${request.dir}: ranking by the model's log-likelihood` };
  }
  const potential = await loadPotential(request.dir, request.threads !== undefined ? { threads: request.threads } : {});
  return { potential, stability: await loadStability() };
}

/**
 * The space groups to draw: the plan's prior ('prior', or groups the user gave), or the model's posterior
 * p(g | formula) from `perGroup` masked draws per group (weighGroupsByModel).
 */
export async function chooseSpaceGroups(sampler: CrystalSampler, prior: CspPlan, options: { mode: 'model' | 'prior'; perGroup?: number; seed: number }): Promise<CspPlan> {
  if (options.mode === 'prior' || prior.groupChoice === 'given') return prior;
  return weighGroupsByModel(sampler, prior, { seed: options.seed, ...(options.perGroup !== undefined ? { perGroup: options.perGroup } : {}) });
}

/** The symmetrized CIF of the candidate ranked `rank` (1-based), named FORMULA_rankN. */
export function candidateCif(plan: CspPlan, rank: number, candidate: CspCandidate): string {
  return structureCif(candidate.structure, CSP_SYMPREC, `${plan.unit.text}_rank${rank}`);
}
