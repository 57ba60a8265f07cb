/**
 * What kind of oxygen and sulfur a structure holds, decided from its geometry as pymatgen does for the MP2020
 * corrections (pymatgen.analysis.structure_analyzer `oxide_type` with relative_cutoff 1.05, and `sulfide_type`):
 *
 * - oxygen: an O–H pair closer than 0.93·c Å makes a hydroxide (corrected as an oxide); otherwise the shortest O–O
 *   distances between distinct O sites decide: < 1.35·c Å superoxide (ozonide when one O has two such
 *   neighbours), < 1.49·c Å peroxide, else oxide (c = the relative cutoff).
 * - sulfur: for each S site, the (at most four) nearest neighbours within 0.4 Å of the nearest; their mean Pauling
 *   electronegativity above sulfur's makes a sulfate (no sulfide correction), equal with S among them a
 *   polysulfide, else a sulfide. Any sulfate site makes the structure a sulfate. pymatgen looks only at one site
 *   per symmetry orbit; every site of an orbit has the same surroundings, so looking at all sites decides the same.
 */
import { electronegativity } from '../../shared/crystal/elements.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { periodicDistance, type Structure } from '../../shared/crystal/structure.ts';

export type OxideType = 'oxide' | 'peroxide' | 'superoxide' | 'ozonide' | 'hydroxide';
export type SulfideType = 'sulfide' | 'polysulfide' | 'sulfate';

/** The cutoff scale MP2020 passes to pymatgen's oxide_type. */
export const MP2020_OXIDE_RELATIVE_CUTOFF = 1.05;

/** The oxygen type of a structure with oxygen and at least one other element (null otherwise). */
export function oxideType(structure: Structure, relativeCutoff = MP2020_OXIDE_RELATIVE_CUTOFF): OxideType | null {
  const species = structure.species;
  if (!species.includes('O') || species.every((s) => s === 'O')) return null;
  const oxygen = structure.sites.filter((s) => s.species === 'O').map((s) => s.frac);
  const hydrogen = structure.sites.filter((s) => s.species === 'H').map((s) => s.frac);
  const lattice = structure.lattice;
  if (hydrogen.some((h) => oxygen.some((o) => periodicDistance(lattice, o, h) < relativeCutoff * 0.93))) return 'hydroxide';

  // Distances between distinct O sites only (an O never pairs with its own periodic image, as in pymatgen).
  const close = (limit: number): number[] => {
    const rows: number[] = [];
    for (let i = 0; i < oxygen.length; i++) {
      for (let j = 0; j < oxygen.length; j++) if (i !== j && periodicDistance(lattice, oxygen[i]!, oxygen[j]!) < limit) rows.push(i);
    }
    return rows;
  };
  const superoxideBonds = close(relativeCutoff * 1.35);
  if (superoxideBonds.length > 0) return new Set(superoxideBonds).size < superoxideBonds.length ? 'ozonide' : 'superoxide';
  if (close(relativeCutoff * 1.49).length > 0) return 'peroxide';
  return 'oxide';
}

/** Neighbours of a point within `radius` Å (periodic images included, the point itself excluded), nearest first. */
function neighboursWithin(structure: Structure, center: Vec3, radius: number): { species: string; distance: number }[] {
  const lattice = structure.lattice;
  const m = lattice.matrix;
  const [na, nb, nc] = lattice.imageRangeForRadius(radius);
  const found: { species: string; distance: number }[] = [];
  for (const site of structure.sites) {
    const base = site.frac.map((x, axis) => x - center[axis]! - Math.round(x - center[axis]!)) as Vec3;
    for (let i = -na - 1; i <= na + 1; i++) {
      for (let j = -nb - 1; j <= nb + 1; j++) {
        for (let k = -nc - 1; k <= nc + 1; k++) {
          const f0 = base[0] + i;
          const f1 = base[1] + j;
          const f2 = base[2] + k;
          const x = f0 * m[0][0] + f1 * m[1][0] + f2 * m[2][0];
          const y = f0 * m[0][1] + f1 * m[1][1] + f2 * m[2][1];
          const z = f0 * m[0][2] + f1 * m[1][2] + f2 * m[2][2];
          const distance = Math.sqrt(x * x + y * y + z * z);
          // pymatgen's get_neighbors drops the centre itself (distance ~0).
          if (distance <= radius && distance > 1e-8) found.push({ species: site.species, distance });
        }
      }
    }
  }
  return found.sort((a, b) => a.distance - b.distance);
}

/** The sulfur type of a structure with sulfur and at least one other element (null otherwise). */
export function sulfideType(structure: Structure): SulfideType | null {
  const species = structure.species;
  if (!species.includes('S') || species.every((s) => s === 'S')) return null;
  const sulfurX = electronegativity('S')!;
  const maxLength = Math.max(...structure.lattice.abc);
  const types = new Set<SulfideType>();
  for (const site of structure.sites) {
    if (site.species !== 'S') continue;
    let radius = 4;
    let neighbours = neighboursWithin(structure, site.frac, radius);
    while (neighbours.length === 0 && radius * 2 <= maxLength * 2) {
      radius *= 2;
      neighbours = neighboursWithin(structure, site.frac, radius);
    }
    if (neighbours.length === 0) continue;
    const nearest = neighbours[0]!.distance;
    const coordination = neighbours.filter((n) => n.distance < nearest + 0.4).slice(0, 4).map((n) => n.species);
    // Summed in order then divided, as numpy's mean does for so few values (the equality test below is exact).
    let total = 0;
    for (const symbol of coordination) total += electronegativity(symbol) ?? Number.NaN;
    const mean = total / coordination.length;
    if (mean > sulfurX) types.add('sulfate');
    else if (mean === sulfurX && coordination.includes('S')) types.add('polysulfide');
    else types.add('sulfide');
  }
  if (types.has('sulfate')) return 'sulfate';
  if (types.has('polysulfide')) return 'polysulfide';
  return 'sulfide';
}
