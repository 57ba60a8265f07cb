/**
 * What the fine-tuning loop reports next to the reward so that reward hacking shows while it happens (issue #24):
 * per candidate, the strict compositional verdict, the contact check and a fingerprint for uniqueness. Callers
 * pass an implementation in (electron/rewards/guards.ts `createBatchJudge`), as with the reward itself.
 */
import type { CandidateInput } from './reward.ts';

export interface BatchJudgement {
  /** Strict compositional plausibility (ICSD-weighted oxidation states) per candidate. */
  strictComposition: boolean[];
  /** Shortest contact ≥ 0.5 × the covalent-radius sum, per candidate. */
  plausibleContacts: boolean[];
  /** Equal strings = the same motif (reduced formula + Wyckoff sequence). */
  fingerprints: string[];
}

export interface BatchJudge {
  /** The rules applied, in words: printed with every report. */
  readonly rule: string;
  judge(candidates: readonly CandidateInput[]): BatchJudgement;
}
