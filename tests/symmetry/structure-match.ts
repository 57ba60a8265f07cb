/**
 * Test helper: do two structures describe the same crystal? Lattices must agree in their parameters, and one
 * rigid alignment — an origin shift, optionally combined with inversion (which relates the equally valid ITA
 * descriptions of polar or non-centrosymmetric crystals) — must map every atom onto an atom of the same element.
 */
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { periodicDistance } from '../../shared/crystal/structure.ts';

export function latticeParametersClose(a: Structure, b: Structure, tolerance = 1e-6): boolean {
  const pa = a.lattice.parameters;
  const pb = b.lattice.parameters;
  return (['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const).every((k) => Math.abs(pa[k] - pb[k]) < tolerance);
}

/** Largest atom displacement (Å) under the best alignment, or Infinity when no alignment maps the atoms. */
export function alignedMaxDeviation(a: Structure, b: Structure): number {
  if (a.numSites !== b.numSites || !latticeParametersClose(a, b, 1e-4)) return Infinity;
  const anchor = a.sites[0]!;
  let best = Infinity;
  for (const sign of [1, -1]) {
    const transform = (p: Vec3): Vec3 => [sign * p[0], sign * p[1], sign * p[2]];
    for (const target of b.sites) {
      if (target.species !== anchor.species) continue;
      const moved = transform(anchor.frac);
      const shift: Vec3 = [target.frac[0] - moved[0], target.frac[1] - moved[1], target.frac[2] - moved[2]];
      let worst = 0;
      for (const site of a.sites) {
        const p = transform(site.frac);
        const image: Vec3 = [p[0] + shift[0], p[1] + shift[1], p[2] + shift[2]];
        let nearest = Infinity;
        for (const other of b.sites) {
          if (other.species !== site.species) continue;
          nearest = Math.min(nearest, periodicDistance(b.lattice, image, other.frac));
        }
        worst = Math.max(worst, nearest);
        if (worst > 0.1) break;
      }
      best = Math.min(best, worst);
    }
  }
  return best;
}

export function composition(s: Structure): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const site of s.sites) counts[site.species] = (counts[site.species] ?? 0) + 1;
  return counts;
}

/** Sorted distances (Å) from atom i to every atom (and periodic image) within `cutoff`, tagged by element. */
function neighbourFingerprint(s: Structure, i: number, cutoff: number): { species: string; distance: number }[] {
  const [na, nb, nc] = s.lattice.imageRangeForRadius(cutoff);
  const origin = s.sites[i]!.frac;
  const result: { species: string; distance: number }[] = [];
  for (const other of s.sites) {
    for (let x = -na - 1; x <= na + 1; x++) {
      for (let y = -nb - 1; y <= nb + 1; y++) {
        for (let z = -nc - 1; z <= nc + 1; z++) {
          const d: Vec3 = [other.frac[0] - origin[0] + x, other.frac[1] - origin[1] + y, other.frac[2] - origin[2] + z];
          const cart = s.lattice.getCartesianCoords(d);
          const distance = Math.hypot(...cart);
          if (distance > 1e-8 && distance < cutoff) result.push({ species: other.species, distance });
        }
      }
    }
  }
  return result.sort((p, q) => p.distance - q.distance || (p.species < q.species ? -1 : p.species > q.species ? 1 : 0));
}

/**
 * Cell-independent comparison: both structures have the same density of each element, and every atom of either
 * has a partner of the same element in the other whose neighbour shell (elements and distances up to `cutoff` Å)
 * agrees within `tolerance` Å. Returns the worst distance mismatch (Infinity if shells differ in composition).
 */
export function neighbourShellDeviation(a: Structure, b: Structure, cutoff = 4, tolerance = 1e-4): number {
  const densityA = composition(a);
  const densityB = composition(b);
  for (const species of new Set([...Object.keys(densityA), ...Object.keys(densityB)])) {
    const da = (densityA[species] ?? 0) / a.volume;
    const db = (densityB[species] ?? 0) / b.volume;
    if (Math.abs(da - db) > 1e-6 * Math.max(da, db)) return Infinity;
  }
  const shellsA = a.sites.map((_, i) => neighbourFingerprint(a, i, cutoff));
  const shellsB = b.sites.map((_, i) => neighbourFingerprint(b, i, cutoff));
  const mismatch = (p: { species: string; distance: number }[], q: { species: string; distance: number }[]): number => {
    // Neighbours right at the cutoff may be in one list and not the other; compare the shells well inside it.
    const inner = (list: typeof p) => list.filter((n) => n.distance < cutoff - 10 * tolerance);
    const [x, y] = [inner(p), inner(q)];
    if (x.length !== y.length) return Infinity;
    let worst = 0;
    for (let k = 0; k < x.length; k++) {
      if (x[k]!.species !== y[k]!.species && Math.abs(x[k]!.distance - y[k]!.distance) > tolerance) return Infinity;
      worst = Math.max(worst, Math.abs(x[k]!.distance - y[k]!.distance));
    }
    return worst;
  };
  let worst = 0;
  for (const [from, to, shellsFrom, shellsTo] of [[a, b, shellsA, shellsB], [b, a, shellsB, shellsA]] as const) {
    from.sites.forEach((site, i) => {
      let best = Infinity;
      to.sites.forEach((other, j) => {
        if (other.species === site.species) best = Math.min(best, mismatch(shellsFrom[i]!, shellsTo[j]!));
      });
      worst = Math.max(worst, best);
    });
  }
  return worst;
}
