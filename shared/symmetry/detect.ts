import type { Structure } from '../crystal/structure.ts';
import { moyoModule } from './moyo.ts';
import { EVALUATION_SYMPREC, analyzeStructureWithPivotTolerance } from './tolerance.ts';
import { SYMMETRY_LIMITS, SymmetryLimitError, checkSymmetryLimits } from './limits.ts';

/**
 * Only the space-group number of a structure (moyo's `analyze_cell`), without the Wyckoff description and origin
 * canonicalisation `analyzeStructure` adds — the cheap check the sampler runs on every generated crystal.
 * symprec has spglib's meaning (tolerance.ts). Returns null when moyo fails (e.g. overlapping atoms) and when the
 * structure is beyond SYMMETRY_LIMITS (limits.ts).
 */
export function detectSpaceGroup(s: Structure, symprec = EVALUATION_SYMPREC): number | null {
  if (s.numSites === 0) return null;
  try {
    checkSymmetryLimits(s, SYMMETRY_LIMITS);
  } catch (error) {
    if (error instanceof SymmetryLimitError) return null;
    throw error;
  }
  try {
    return analyzeStructureWithPivotTolerance(s, symprec, (cellJson, t) => moyoModule().analyze_cell(cellJson, t, 'Standard')).number;
  } catch {
    return null;
  }
}
