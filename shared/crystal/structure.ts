import { Lattice } from './lattice.ts';
import { type Vec3, sub, vecMat, norm, wrapUnit } from './linalg.ts';
import { atomicNumber } from './elements.ts';

/** One atom: an element symbol at fractional coordinates, with an optional label (from a CIF) and Wyckoff letter. */
export interface Site {
  species: string;
  frac: Vec3;
  label?: string;
  wyckoff?: string;
}

/**
 * A periodic crystal structure, named after pymatgen's `Structure`: a lattice plus sites with species and
 * fractional coordinates. Immutable; operations return new structures.
 */
export class Structure {
  readonly lattice: Lattice;
  readonly sites: readonly Site[];

  constructor(lattice: Lattice, sites: readonly Site[]) {
    this.lattice = lattice;
    for (const [index, site] of sites.entries()) {
      atomicNumber(site.species); // throws with the symbol named when the element is unknown
      if (!site.frac.every(Number.isFinite)) throw new Error(`site ${index} (${site.species}) has a non-finite coordinate`);
    }
    this.sites = sites.map((s) => ({ ...s, frac: [s.frac[0], s.frac[1], s.frac[2]] as Vec3 }));
  }

  static fromSpecies(lattice: Lattice, species: readonly string[], fracCoords: readonly Vec3[]): Structure {
    if (species.length !== fracCoords.length) throw new Error('species and coordinates differ in length');
    return new Structure(
      lattice,
      species.map((s, i) => ({ species: s, frac: fracCoords[i]! })),
    );
  }

  get numSites(): number {
    return this.sites.length;
  }
  get species(): string[] {
    return this.sites.map((s) => s.species);
  }
  get fracCoords(): Vec3[] {
    return this.sites.map((s) => s.frac);
  }
  get cartCoords(): Vec3[] {
    return this.sites.map((s) => this.lattice.getCartesianCoords(s.frac));
  }
  get atomicNumbers(): number[] {
    return this.sites.map((s) => atomicNumber(s.species));
  }
  get volume(): number {
    return this.lattice.volume;
  }

  /** A copy with every fractional coordinate wrapped into [0, 1). */
  wrapped(): Structure {
    return new Structure(
      this.lattice,
      this.sites.map((s) => ({ ...s, frac: s.frac.map((x) => wrapUnit(x)) as Vec3 })),
    );
  }

  /** Periodic (minimum-image) distance in Å between sites i and j, searching as many images as the cell shape requires. */
  getDistance(i: number, j: number): number {
    return periodicDistance(this.lattice, this.sites[i]!.frac, this.sites[j]!.frac);
  }

  /**
   * The shortest interatomic distance in the crystal, including an atom and its own periodic images.
   * Returns Infinity for an empty structure.
   */
  minimumDistance(): number {
    let best = Infinity;
    const n = this.sites.length;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        best = Math.min(best, periodicDistance(this.lattice, this.sites[i]!.frac, this.sites[j]!.frac, i === j));
      }
    }
    return best;
  }

  /** Full symmetric matrix of minimum-image distances. */
  distanceMatrix(): number[][] {
    const n = this.sites.length;
    const d = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        d[i]![j] = d[j]![i] = this.getDistance(i, j);
      }
    }
    return d;
  }

  /** Density in g/cm³ (needs the element masses). */
  densityFrom(massOf: (symbol: string) => number): number {
    const grams = this.sites.reduce((sum, s) => sum + massOf(s.species), 0) / 6.02214076e23;
    return grams / (this.lattice.volume * 1e-24);
  }
}

/**
 * Minimum-image distance between two fractional points. The difference is first reduced to [-0.5, 0.5) and then
 * every lattice translation within the range that the cell's face heights demand is tried, so the result is exact
 * even for very oblique cells. With `excludeZero`, the trivial zero translation is skipped (distance to own images).
 */
export function periodicDistance(lattice: Lattice, fracA: Vec3, fracB: Vec3, excludeZero = false): number {
  const delta = sub(fracB, fracA).map((x) => x - Math.round(x)) as Vec3;
  const base = norm(vecMat(delta, lattice.matrix));
  // Any shorter image lies within |base| of the origin (or within the shortest lattice vector for self-distances).
  const radius = excludeZero ? Math.min(lattice.a, lattice.b, lattice.c) : base;
  const [na, nb, nc] = lattice.imageRangeForRadius(radius + 1e-9);
  let best = excludeZero ? Infinity : base;
  for (let i = -na; i <= na; i++) {
    for (let j = -nb; j <= nb; j++) {
      for (let k = -nc; k <= nc; k++) {
        const shifted: Vec3 = [delta[0] + i, delta[1] + j, delta[2] + k];
        if (excludeZero && shifted[0] === 0 && shifted[1] === 0 && shifted[2] === 0) continue;
        const d = norm(vecMat(shifted, lattice.matrix));
        if (d < best) best = d;
      }
    }
  }
  return best;
}
