/**
 * The fixed feature vector handed to user ONNX models (and, on request, to KServe endpoints): 355 float32 per
 * candidate, in this order —
 *
 * | index     | what                                                                                   |
 * |-----------|----------------------------------------------------------------------------------------|
 * | 0 … 117   | atomic fraction of element Z at index Z − 1 (H at 0, Og at 117); fractions sum to 1     |
 * | 118 … 120 | conventional lattice lengths a, b, c in Å (the generated Wyckoff description)            |
 * | 121 … 123 | lattice angles α, β, γ in degrees                                                      |
 * | 124       | volume per atom of the full cell in Å³                                                 |
 * | 125 … 354 | space group one-hot: index 124 + g for space group g = 1…230                           |
 *
 * Raw physical units, no normalisation: a model should scale its inputs itself.
 */
import { atomicNumber } from '../../shared/crystal/elements.ts';
import type { CandidateInput } from './types.ts';

export const ELEMENT_COUNT = 118;
export const LATTICE_OFFSET = 118;
export const VOLUME_PER_ATOM_OFFSET = 124;
export const SPACE_GROUP_OFFSET = 125;
export const FEATURE_COUNT = 355;

/** Features of one candidate written into `out` at `offset` (which must have room for FEATURE_COUNT values). */
export function writeCandidateFeatures(candidate: CandidateInput, out: Float32Array, offset = 0): void {
  out.fill(0, offset, offset + FEATURE_COUNT);
  const { structure, description } = candidate;
  const n = structure.numSites;
  if (n > 0) for (const site of structure.sites) out[offset + atomicNumber(site.species) - 1]! += 1 / n;
  const { a, b, c, alpha, beta, gamma } = description.lattice;
  out.set([a, b, c, alpha, beta, gamma], offset + LATTICE_OFFSET);
  out[offset + VOLUME_PER_ATOM_OFFSET] = n > 0 ? structure.volume / n : 0;
  const g = description.spaceGroup;
  if (!Number.isInteger(g) || g < 1 || g > 230) throw new Error(`candidate features: space group ${g} is not in 1…230`);
  out[offset + SPACE_GROUP_OFFSET + g - 1] = 1;
}

/** Row-major float32 [N, FEATURE_COUNT] features of a batch. */
export function candidateFeatures(batch: readonly CandidateInput[]): Float32Array {
  const out = new Float32Array(batch.length * FEATURE_COUNT);
  batch.forEach((candidate, i) => writeCandidateFeatures(candidate, out, i * FEATURE_COUNT));
  return out;
}
