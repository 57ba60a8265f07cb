/**
 * The judges RL must not fool (issue #24), cheap enough for every sample of every batch:
 * - the batch fingerprint of a crystal (reduced formula + space group + Wyckoff sequence with its elements), for
 *   the duplicate guard and the batch's uniqueness;
 * - the contact check: shortest distance between two atoms ≥ 0.5 × the sum of their covalent radii (Cordero,
 *   shared/crystal/elements.ts — ASE's `covalent_radii`), a stricter structural plausibility than CDVAE's 0.5 Å;
 * - the strict compositional rule (electron/stability/plausibility.ts).
 * `createBatchJudge` bundles them for the fine-tuning loop's per-step report (engine/rl/judge.ts is the contract).
 */
import { DEFAULT_MIN_CONTACT_RATIO } from '../../shared/api/reward-guards.ts';
import type { RewardSpec } from '../../shared/api/reward-spec.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { covalentRadius } from '../../shared/crystal/elements.ts';
import { faceHeights, minimumPairDistance, reduceBasis } from '../../shared/crystal/geometry.ts';
import { inverse3, vecMat, type Mat3, type Vec3 } from '../../shared/crystal/linalg.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { wyckoffSequenceLabel } from '../../shared/symmetry/analyze.ts';
import type { BatchJudge, BatchJudgement } from '../engine/rl/judge.ts';
import { compositionalPlausibility, plausibilityRule, type PlausibilityOptions } from '../stability/plausibility.ts';
import { canonicalDescription } from './canonical.ts';
import type { CandidateInput } from './types.ts';

/** Shortest contact as a fraction of the covalent-radius sum below which a crystal is implausible. */
export const MIN_CONTACT_RATIO = DEFAULT_MIN_CONTACT_RATIO;

/**
 * Reduced formula and Wyckoff sequence of the analysed description ('SrTiO3|221-a-Sr-b-Ti-c-O'): equal for repeats
 * of one motif in a batch, however each was written (an origin shift swaps Dy on 3a / Nb on 3b in R-3).
 */
export function candidateFingerprint(candidate: CandidateInput): string {
  return `${Composition.fromStructure(candidate.structure).reducedFormula}|${wyckoffSequenceLabel(canonicalDescription(candidate))}`;
}

/** For each position, whether an earlier position holds the same key (the first of each key is not a duplicate). */
export function laterDuplicates(keys: readonly string[]): boolean[] {
  const seen = new Set<string>();
  return keys.map((key) => {
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}

/**
 * The duplicate guard's memory across batches: a candidate is a repeat when its key already occurred `maxRepeats`
 * times in the last `memoryBatches` batches recorded and earlier in its own batch. With memoryBatches 0 and
 * maxRepeats 1 it is `laterDuplicates`. Every candidate shown counts as an occurrence, repeats included, so a motif
 * the policy keeps producing stays penalised until it becomes rare in the window.
 */
export class MotifMemory {
  private readonly batches: Map<string, number>[] = [];
  private readonly totals = new Map<string, number>();

  constructor(
    readonly memoryBatches: number,
    readonly maxRepeats: number,
  ) {}

  /** Which keys of this batch are repeats; then remember the batch (forgetting the oldest beyond the window). */
  judgeBatch(keys: readonly string[]): boolean[] {
    const inBatch = new Map<string, number>();
    const repeated = keys.map((key) => {
      const before = (this.totals.get(key) ?? 0) + (inBatch.get(key) ?? 0);
      inBatch.set(key, (inBatch.get(key) ?? 0) + 1);
      return before >= this.maxRepeats;
    });
    if (this.memoryBatches > 0) {
      this.batches.push(inBatch);
      for (const [key, count] of inBatch) this.totals.set(key, (this.totals.get(key) ?? 0) + count);
      if (this.batches.length > this.memoryBatches) {
        for (const [key, count] of this.batches.shift()!) {
          const left = this.totals.get(key)! - count;
          if (left > 0) this.totals.set(key, left);
          else this.totals.delete(key);
        }
      }
    }
    return repeated;
  }
}

/**
 * min over pairs of different atoms (nearest periodic images) of d_ij / (r_i + r_j), covalent radii; Infinity for
 * one atom, NaN for a degenerate cell. The basis is reduced once; each pair then searches only the images that
 * could be closer than its best so far (bounded by the reduced cell's face heights), as minimumPairDistance does.
 */
export function shortestContactRatio(structure: Structure): number {
  const n = structure.numSites;
  if (n < 2) return Infinity;
  let m: Mat3;
  let heights: Vec3;
  let frac: Vec3[];
  try {
    m = reduceBasis(structure.lattice.matrix).matrix;
    heights = faceHeights(m);
    const inv = inverse3(m);
    frac = structure.sites.map((site) => vecMat(vecMat(site.frac as Vec3, structure.lattice.matrix), inv));
  } catch {
    return NaN;
  }
  if (!(Math.min(...heights) > 1e-6 * Math.max(...m.map((v) => Math.hypot(...v))))) return NaN;
  const radii = structure.sites.map((s) => covalentRadius(s.species));
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = frac[j]!.map((x, k) => x - frac[i]![k]! - Math.round(x - frac[i]![k]!)) as Vec3;
      const sum = radii[i]! + radii[j]!;
      // Only images closer than best × (r_i + r_j) can lower the minimum.
      let pair = Math.hypot(...vecMat(d, m));
      const r = Math.min(pair, best * sum);
      const range = heights.map((h, k) => [Math.ceil(-r / h - d[k]!), Math.floor(r / h - d[k]!)] as const);
      if (range.reduce((count, [lo, hi]) => count * (hi - lo + 1), 1) > 10_000) return NaN;
      for (let a = range[0]![0]; a <= range[0]![1]; a++) {
        for (let b = range[1]![0]; b <= range[1]![1]; b++) {
          for (let c = range[2]![0]; c <= range[2]![1]; c++) {
            pair = Math.min(pair, Math.hypot(...vecMat([d[0] + a, d[1] + b, d[2] + c], m)));
          }
        }
      }
      best = Math.min(best, pair / sum);
    }
  }
  return best;
}

/** The contact check of the file comment: shortest contact ≥ minRatio × (r_i + r_j). */
export function plausibleContacts(structure: Structure, minRatio: number = MIN_CONTACT_RATIO): boolean {
  if (structure.numSites < 2) return true;
  try {
    // One exact search over all atoms first: when even the closest pair is at least half the largest radius sum
    // apart, every pair passes and none needs its own search.
    const overall = minimumPairDistance(structure.lattice.matrix, structure.sites.flatMap((s) => s.frac));
    const largest = 2 * Math.max(...structure.sites.map((s) => covalentRadius(s.species)));
    if (overall >= minRatio * largest) return true;
  } catch {
    return false;
  }
  return shortestContactRatio(structure) >= minRatio;
}

/**
 * The judge's options for a run scoring with `spec`: the threshold of the spec's own strict compositional
 * constraint (the default 0.05 when it has none), all-metal compositions failing unless the spec lets them pass.
 */
export function judgeOptionsForSpec(spec: RewardSpec): PlausibilityOptions {
  const composition = spec.constraints?.composition;
  return {
    ...(composition?.minStateProbability !== undefined ? { minStateProbability: composition.minStateProbability } : {}),
    alloys: composition?.alloys ?? false,
  };
}

/** The per-batch judge of a run scoring with `spec` (judgeOptionsForSpec): what `runFinetuning` takes as `judge`. */
export function batchJudgeForSpec(spec: RewardSpec): BatchJudge {
  return createBatchJudge(judgeOptionsForSpec(spec));
}

/**
 * The per-batch report of fine-tuning: strict composition, contacts and fingerprints of every candidate. The
 * composition verdict is charge balance itself, so all-metal compositions do not pass unless `alloys` is set (the
 * same verdict as the judge script, scripts/judge_rl_samples.py).
 */
export function createBatchJudge(options: PlausibilityOptions = { alloys: false }): BatchJudge {
  const rule = `${plausibilityRule(options)}; contacts: shortest distance ≥ ${MIN_CONTACT_RATIO} × (r_i + r_j), covalent radii; unique: distinct reduced formula + Wyckoff sequence in the batch`;
  return {
    rule,
    judge(candidates): BatchJudgement {
      return {
        strictComposition: candidates.map((c) => {
          try {
            return compositionalPlausibility(Composition.fromStructure(c.structure), options).valid;
          } catch {
            return false;
          }
        }),
        plausibleContacts: candidates.map((c) => plausibleContacts(c.structure)),
        fingerprints: candidates.map((c) => candidateFingerprint(c)),
      };
    },
  };
}
