import { atomicNumber } from '../crystal/elements.ts';
import type { Structure } from '../crystal/structure.ts';
import { moyoModule } from './moyo.ts';

/**
 * Only the space-group number of a structure (moyo's `analyze_cell`), without the Wyckoff description and origin
 * canonicalisation `analyzeStructure` adds — the cheap check the sampler runs on every generated crystal.
 * Returns null when moyo fails (e.g. overlapping atoms).
 */
export function detectSpaceGroup(s: Structure, symprec = 0.1): number | null {
  if (s.numSites === 0) return null;
  const cell = {
    lattice: { basis: s.lattice.matrix.flat() },
    positions: s.sites.map((site) => site.frac),
    numbers: s.sites.map((site) => atomicNumber(site.species)),
  };
  try {
    return moyoModule().analyze_cell(JSON.stringify(cell), symprec, 'Standard').number;
  } catch {
    return null;
  }
}
