/**
 * Exact geometric quantities exposed as predictors, so reward specs can use them like any property:
 * 'min_distance' — the nearest-neighbour distance in Å.
 */
import { periodicDistance } from '../../shared/crystal/structure.ts';
import { DegenerateCellError, minimumPairDistance } from '../evaluate/geometry.ts';
import type { CandidateInput, PropertyPredictor } from '../rewards/types.ts';

/**
 * Shortest distance from any atom to another atom or to one of its own periodic images (Å). Between two different
 * atoms this is CDVAE's structural-validity distance (valid at ≥ 0.5 Å); a cell of one atom gets its shortest
 * lattice translation instead of CDVAE's "no pair", so every crystal has a finite value. NaN for a degenerate cell.
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
  if (sites.length === 0 || !(structure.volume > 0)) return NaN;
  if (sites.length === 1) return periodicDistance(structure.lattice, sites[0]!.frac, sites[0]!.frac, true);
  try {
    return minimumPairDistance(structure.lattice.matrix, Float64Array.from(sites.flatMap((s) => s.frac)));
  } catch (error) {
    if (error instanceof DegenerateCellError) return NaN;
    throw error;
  }
}
