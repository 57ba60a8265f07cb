/**
 * Relaxed E_hull of an RL run's best candidates (issue #14): the reward may score the crystal as generated (a single
 * point), but what a scientist decides from is the E_hull after relaxation — and a candidate whose single point sits
 * far below the hull is more often a blind spot of the potential than a discovery. `cfstudio finetune` and the
 * engine host's finetune job pass `relaxedBestAnnotator()` as `annotateBest`, so best/best.jsonl, the checkpoint and
 * the RL panel's best-candidates table carry `relaxedEHull`.
 *
 * Protocol: FIRE + Fréchet cell filter with the space group kept, as `cfstudio relax` and `cfstudio evaluate
 * --stability` (fmax 0.05 eV/Å), but at most `maxSteps` steps (default 300: the relaxation of 1,000 generated
 * crystals converged in a median of 49 steps, README "cfstudio relax"); then MP2020 corrections and the partial
 * reference hull (electron/stability). A candidate the potential cannot judge, whose relaxation exploded or failed,
 * or whose hull cannot be computed gets `null`.
 */
import type { BestCandidate } from '../engine/rl/finetune.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { errorLine } from '../../shared/text/safe-text.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { defaultPotentialDir, loadPotential } from '../engine/potential/load.ts';
import { EXPLODED_MIN_DISTANCE, closestContactBelow, relaxStructures } from '../engine/potential/relax.ts';
import type { Potential } from '../engine/potential/types.ts';
import { StabilityAnalyzer } from '../stability/index.ts';

export interface RelaxedBestOptions {
  /** Potential folder (default: the shipped M3GNet-MP-2021). */
  potentialDir?: string;
  /** Worker threads of the potential (default 1). */
  workers?: number;
  /** Converged below this force, eV/Å (default 0.05). */
  fmax?: number;
  /** FIRE steps at most (default 300). */
  maxSteps?: number;
  log?: (line: string) => void;
}

export const RELAXED_BEST_DEFAULTS = { fmax: 0.05, maxSteps: 300 } as const;

/**
 * Fills `relaxedEHull` of every candidate that has none yet (a resumed run keeps earlier annotations); resolves to
 * whether it set any. Never throws: a failure is logged and leaves the candidates as they were.
 */
export function relaxedBestAnnotator(options: RelaxedBestOptions = {}): (best: BestCandidate[], signal?: AbortSignal) => Promise<boolean> {
  return async (best, signal) => {
    const todo = best.filter((c) => c.relaxedEHull === undefined);
    if (todo.length === 0) return false;
    const started = performance.now();
    let potential: Potential | undefined;
    try {
      potential = await loadPotential(options.potentialDir ?? defaultPotentialDir(), { workers: options.workers ?? 1 });
      const stability = await StabilityAnalyzer.load();
      const relaxable: { candidate: BestCandidate; structure: Structure }[] = [];
      for (const candidate of todo) {
        const structure = parseCandidate(candidate);
        const judgeable = structure !== null && [...new Set(structure.species)].every((e) => potential!.elements.has(e)) && closestContactBelow(structure, EXPLODED_MIN_DISTANCE) >= EXPLODED_MIN_DISTANCE;
        if (judgeable) relaxable.push({ candidate, structure });
        else candidate.relaxedEHull = null;
      }
      const results = await relaxStructures(
        potential,
        relaxable.map((r) => r.structure),
        { fmax: options.fmax ?? RELAXED_BEST_DEFAULTS.fmax, maxSteps: options.maxSteps ?? RELAXED_BEST_DEFAULTS.maxSteps, keepSymmetry: true, ...(signal ? { signal } : {}) },
      );
      results.forEach((result, k) => {
        const candidate = relaxable[k]!.candidate;
        if (result.status === 'cancelled') return; // left undefined: relaxed on the next resume
        if (result.status !== 'converged' && result.status !== 'not-converged') {
          candidate.relaxedEHull = null;
          return;
        }
        try {
          candidate.relaxedEHull = stability.energyAboveHull(result.structure, result.energy).eHull;
        } catch {
          candidate.relaxedEHull = null;
        }
      });
      const done = todo.filter((c) => typeof c.relaxedEHull === 'number').length;
      const annotated = todo.filter((c) => c.relaxedEHull !== undefined).length;
      options.log?.(`best candidates relaxed (fmax ${options.fmax ?? RELAXED_BEST_DEFAULTS.fmax} eV/Å, ≤ ${options.maxSteps ?? RELAXED_BEST_DEFAULTS.maxSteps} steps, space group kept): ${done} of ${todo.length} with a relaxed E_hull, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      return annotated > 0;
    } catch (error) {
      // The run's result must not be lost to this annotation: the candidates stay unannotated.
      options.log?.(`warning: the best candidates could not be relaxed: ${errorLine(error)}`);
      return todo.some((c) => c.relaxedEHull !== undefined);
    } finally {
      await potential?.close().catch(() => undefined);
    }
  };
}

function parseCandidate(candidate: BestCandidate): Structure | null {
  try {
    return readCifStructure(candidate.cif, { fileName: `${candidate.formula}.cif` }).structure;
  } catch {
    return null;
  }
}

/**
 * Whether a reward spec scores with the potential's E_hull anywhere (any `potential_ehull` term, however nested):
 * the runs whose best candidates are relaxed by default.
 */
export function rewardUsesPotentialEHull(spec: unknown): boolean {
  if (Array.isArray(spec)) return spec.some(rewardUsesPotentialEHull);
  if (spec === null || typeof spec !== 'object') return false;
  const record = spec as Record<string, unknown>;
  return record.kind === 'potential_ehull' || Object.values(record).some(rewardUsesPotentialEHull);
}
