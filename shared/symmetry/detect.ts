import { atomicNumber } from '../crystal/elements.ts';
import type { Structure } from '../crystal/structure.ts';
import { moyoModule } from './moyo.ts';
import { analyzeWithPivotTolerance } from './tolerance.ts';

/**
 * Only the space-group number of a structure (moyo's `analyze_cell`), without the Wyckoff description and origin
 * canonicalisation `analyzeStructure` adds — the cheap check the sampler runs on every generated crystal.
 * symprec has spglib's meaning (tolerance.ts). Returns null when moyo fails (e.g. overlapping atoms).
 */
export function detectSpaceGroup(s: Structure, symprec = 0.1): number | null {
  if (s.numSites === 0) return null;
  const positions = s.sites.map((site) => site.frac);
  const numbers = s.sites.map((site) => atomicNumber(site.species));
  const cellJson = JSON.stringify({ lattice: { basis: s.lattice.matrix.flat() }, positions, numbers });
  try {
    return analyzeWithPivotTolerance({ lattice: s.lattice.matrix, positions, numbers }, symprec, (t) => moyoModule().analyze_cell(cellJson, t, 'Standard')).number;
  } catch {
    return null;
  }
}
