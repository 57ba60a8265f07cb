/**
 * The description a reward judges a candidate by: the one symmetry analysis gives its structure (default
 * tolerance), as training rows of the predictors (electron/data/convert.ts) and `cfstudio predict` / `reward score`
 * get theirs — not the one the candidate arrived with. One crystal has many descriptions (an origin shift, another
 * representative of an orbit), the predictors give them different values (a sampled Sr₂DyNbO₆: ε 119 as sampled,
 * 28 analysed), and a motif key on the sampled description tells a repeat written another way from a new crystal;
 * a fine-tuning run paid on sampled descriptions learns descriptions instead of crystals (README, issue #24).
 */
import { structuralValidity } from '../../shared/crystal/validity.ts';
import { DEFAULT_SYMPREC, type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { moyoModule } from '../../shared/symmetry/moyo.ts';
import { analyzeStructureBounded } from '../symmetry/bounded.ts';
import type { CandidateInput } from './types.ts';

const analysed = new WeakMap<CandidateInput['structure'], WyckoffDescription>();

/**
 * The analysed description of the candidate's structure; its own description when the structure is not
 * structurally valid (overlapping atoms: moyo can take seconds on them, and no predictor or motif key is paid for
 * them) or the analysis fails. Needs `initSymmetry()`. Remembered per structure object: the predictors and the
 * duplicate guard of one reward share it.
 */
export function canonicalDescription(candidate: CandidateInput): WyckoffDescription {
  const known = analysed.get(candidate.structure);
  if (known) return known;
  let description = candidate.description;
  if (structuralValidity(candidate.structure).valid) {
    moyoModule(); // not loaded yet is the caller's mistake, not a crystal moyo cannot analyse: say so
    try {
      description = analyzeStructureBounded(candidate.structure, { symprec: DEFAULT_SYMPREC }).description;
    } catch {
      // keep the description it came with
    }
  }
  analysed.set(candidate.structure, description);
  return description;
}

/**
 * A candidate whose description is already the analysis of its structure (`cfstudio predict`, `reward score`: at
 * their `--symprec`), remembered as such so the predictors and the motif key use it instead of analysing again.
 */
export function analysedCandidate(candidate: CandidateInput): CandidateInput {
  analysed.set(candidate.structure, candidate.description);
  return candidate;
}
