/**
 * Exact geometric quantities exposed as predictors, so reward specs can use them like any property:
 * 'min_distance' — the nearest-neighbour distance in Å.
 */
import { type Mat3, norm } from '../../shared/crystal/linalg.ts';
import { DegenerateCellError, latticePointsWithin, minimumPairDistance, reduceBasis } from '../../shared/crystal/geometry.ts';
import type { CandidateInput, PropertyPredictor } from '../rewards/types.ts';

/**
 * Shortest distance from any atom to another atom or to one of its own periodic images (Å). Between two different
 * atoms this is CDVAE's structural-validity distance (valid at ≥ 0.5 Å); the shortest lattice translation is
 * included too, so a cell of one atom gets a finite value instead of CDVAE's "no pair". NaN for a degenerate cell.
 */
export class NearestNeighbourDistance implements PropertyPredictor {
  readonly name = 'min_distance';
  readonly unit = 'Å';

  predict(batch: readonly CandidateInput[]): Promise<Float64Array> {
    return Promise.resolve(Float64Array.from(batch, ({ structure }) => nearestNeighbourDistance(structure)));
  }
}

function nearestNeighbourDistance(structure: CandidateInput['structure']): number {
  const sites = structure.sites;
  if (sites.length === 0) return NaN;
  try {
    const shortest = shortestTranslation(structure.lattice.matrix);
    if (sites.length === 1) return shortest;
    return Math.min(shortest, minimumPairDistance(structure.lattice.matrix, Float64Array.from(sites.flatMap((s) => s.frac))));
  } catch (error) {
    if (error instanceof DegenerateCellError) return NaN;
    throw error;
  }
}

/** Length of the shortest non-zero lattice vector: searched around a reduced basis (throws for a degenerate cell). */
function shortestTranslation(matrix: Mat3): number {
  const reduced = reduceBasis(matrix).matrix;
  const bound = Math.min(...reduced.map(norm));
  return Math.min(bound, ...latticePointsWithin(reduced, bound).map((p) => p.length));
}
