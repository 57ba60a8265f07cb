/**
 * Keeping a crystal in its space group while it relaxes, as ASE's `FixSymmetry` constraint
 * (ase/spacegroup/symmetrize.py): the operations are found once on the starting structure (our symmetry analysis,
 * spglib's symprec rule), the structure is made exactly symmetric, and afterwards forces are averaged over the
 * operations through the site mapping (rank-1 tensors), stress and cell changes over the rotations (rank-2
 * tensors), and each position step like the forces. Symmetric forces and stress give a symmetric step, so the
 * averaging of the step only removes rounding drift.
 *
 * Conventions: an operation is (W, t) on fractional column vectors, p' = W p + t, in the basis of the input cell
 * (moyo's `operations`); lattice matrices have the lattice vectors as rows (Cartesian = fractional · M).
 */
import type { Mat3, Vec3 } from '../../../shared/crystal/linalg.ts';
import { inverse3, matMul3, transpose3 } from '../../../shared/crystal/linalg.ts';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { moyoModule } from '../../../shared/symmetry/moyo.ts';
import { matrixFromMoyo } from '../../../shared/symmetry/spacegroups.ts';
import { analyzeStructureWithPivotTolerance } from '../../../shared/symmetry/tolerance.ts';
import { sqrtSpd3 } from './matrix.ts';

export class SymmetryConstraint {
  private constructor(
    /** The space group found on the starting structure. */
    readonly spaceGroup: number,
    /** Fractional rotations W of every operation (the identity included). */
    readonly rotations: readonly Mat3[],
    readonly translations: readonly Vec3[],
    /** maps[g][i]: the site that operation g takes site i to. */
    readonly maps: readonly Int32Array[],
  ) {}

  /**
   * Finds the operations of `structure` at `symprec` (Å, spglib's meaning) and returns the constraint with the
   * structure made exactly symmetric: the metric averaged over the rotations (the cell stretched, not rotated, to
   * it) and each site averaged over the images that the operations bring onto it. Throws when moyo cannot analyse
   * the cell (e.g. overlapping atoms).
   */
  static find(structure: Structure, symprec: number): { constraint: SymmetryConstraint; refined: Structure } {
    const dataset = analyzeStructureWithPivotTolerance(structure, symprec, (cellJson, t) => moyoModule().analyze_cell(cellJson, t, 'Standard'));
    const rotations = dataset.operations.map((op) => matrixFromMoyo(op.rotation));
    const translations = dataset.operations.map((op) => [op.translation[0], op.translation[1], op.translation[2]] as Vec3);
    const maps = rotations.map((w, g) => siteMapping(structure, w, translations[g]!));
    const constraint = new SymmetryConstraint(dataset.number, rotations, translations, maps);
    return { constraint, refined: constraint.refine(structure) };
  }

  get order(): number {
    return this.rotations.length;
  }

  /** The structure with an exactly invariant metric and exactly symmetric sites (as ASE's refine_symmetry). */
  refine(structure: Structure): Structure {
    const m = structure.lattice.matrix;
    const metric = matMul3(m, transpose3(m));
    // G' = mean Wᵀ G W is invariant under every W; the cell M' = M·A with A = √(M⁻¹ G' M⁻ᵀ) has M'M'ᵀ = G' and
    // differs from M by a symmetric stretch only (no rotation).
    const averaged = this.average((w) => matMul3(transpose3(w), matMul3(metric, w)));
    const mInv = inverse3(m);
    const stretch = sqrtSpd3(matMul3(mInv, matMul3(averaged, transpose3(mInv))));
    const lattice = new Lattice(matMul3(m, stretch));
    const frac = new Float64Array(structure.numSites * 3);
    structure.sites.forEach((site, i) => frac.set(site.frac, 3 * i));
    const refined = this.averagePoints(frac);
    return new Structure(
      lattice,
      structure.sites.map((site, i) => ({ ...site, frac: [refined[3 * i]!, refined[3 * i + 1]!, refined[3 * i + 2]!] as Vec3 })),
    );
  }

  /** Cartesian forces (3 per site) in the cell `lattice`, averaged over the operations (ASE's symmetrize_rank1). */
  symmetrizeForces(lattice: Mat3, forces: Float64Array): Float64Array {
    const mInv = inverse3(lattice);
    const n = forces.length / 3;
    // Fractional components s = M⁻ᵀ f of each force; rotated by W and accumulated at the image site.
    const scaled = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) {
        scaled[3 * i + k] = mInv[0][k] * forces[3 * i]! + mInv[1][k] * forces[3 * i + 1]! + mInv[2][k] * forces[3 * i + 2]!;
      }
    }
    const sum = this.rotateVectors(scaled);
    const out = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) {
        out[3 * i + k] = lattice[0][k] * sum[3 * i]! + lattice[1][k] * sum[3 * i + 1]! + lattice[2][k] * sum[3 * i + 2]!;
      }
    }
    return out;
  }

  /** A fractional displacement per site, averaged over the operations (rotations only, as for forces). */
  symmetrizeFractionalStep(step: Float64Array): Float64Array {
    return this.rotateVectors(step);
  }

  /**
   * A Cartesian rank-2 tensor (stress, or a change of the deformation gradient) averaged over the rotations
   * (ASE's symmetrize_rank2): in the cell's basis, mean Wᵀ (M X Mᵀ) W, then back.
   */
  symmetrizeRank2(lattice: Mat3, tensor: Mat3): Mat3 {
    const scaled = matMul3(lattice, matMul3(tensor, transpose3(lattice)));
    const averaged = this.average((w) => matMul3(transpose3(w), matMul3(scaled, w)));
    const mInv = inverse3(lattice);
    return matMul3(mInv, matMul3(averaged, transpose3(mInv)));
  }

  /** Do all operations hold on `structure` within `tolerance` Å (same site mapping as at the start)? */
  holdsOn(structure: Structure, tolerance: number): boolean {
    const m = structure.lattice.matrix;
    return this.rotations.every((w, g) => {
      const t = this.translations[g]!;
      return structure.sites.every((site, i) => {
        const target = structure.sites[this.maps[g]![i]!]!.frac;
        const image = applyAffine(w, t, site.frac);
        return cartesianPeriodicLength(m, [image[0] - target[0], image[1] - target[1], image[2] - target[2]]) <= tolerance;
      });
    });
  }

  private average(term: (w: Mat3) => Mat3): Mat3 {
    const sum: Mat3 = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (const w of this.rotations) {
      const x = term(w);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum[i]![j] += x[i]![j]!;
    }
    return sum.map((row) => row.map((v) => v / this.order)) as Mat3;
  }

  /** out[map_g(i)] = mean over g of W_g · v[i], for fractional vectors v (3 per site). */
  private rotateVectors(v: Float64Array): Float64Array {
    const n = v.length / 3;
    const out = new Float64Array(3 * n);
    this.rotations.forEach((w, g) => {
      const map = this.maps[g]!;
      for (let i = 0; i < n; i++) {
        const j = map[i]!;
        for (let k = 0; k < 3; k++) out[3 * j + k] += w[k]![0]! * v[3 * i]! + w[k]![1]! * v[3 * i + 1]! + w[k]![2]! * v[3 * i + 2]!;
      }
    });
    for (let i = 0; i < 3 * n; i++) out[i] = out[i]! / this.order;
    return out;
  }

  /** Each site's position averaged over the images (W p + t) landing on it, each brought next to the site. */
  private averagePoints(frac: Float64Array): Float64Array {
    const n = frac.length / 3;
    const out = new Float64Array(3 * n);
    this.rotations.forEach((w, g) => {
      const t = this.translations[g]!;
      const map = this.maps[g]!;
      for (let i = 0; i < n; i++) {
        const j = map[i]!;
        const image = applyAffine(w, t, [frac[3 * i]!, frac[3 * i + 1]!, frac[3 * i + 2]!]);
        for (let k = 0; k < 3; k++) {
          const d = image[k]! - frac[3 * j + k]!;
          out[3 * j + k] += frac[3 * j + k]! + d - Math.round(d);
        }
      }
    });
    for (let i = 0; i < 3 * n; i++) out[i] = out[i]! / this.order;
    return out;
  }
}

function applyAffine(w: Mat3, t: Vec3, p: Vec3): Vec3 {
  return [
    w[0][0] * p[0] + w[0][1] * p[1] + w[0][2] * p[2] + t[0],
    w[1][0] * p[0] + w[1][1] * p[1] + w[1][2] * p[2] + t[1],
    w[2][0] * p[0] + w[2][1] * p[1] + w[2][2] * p[2] + t[2],
  ];
}

/** Cartesian length of a fractional difference after rounding each component to the nearest integer. */
function cartesianPeriodicLength(m: Mat3, d: Vec3): number {
  const r = d.map((x) => x - Math.round(x));
  let sq = 0;
  for (let k = 0; k < 3; k++) {
    const c = r[0]! * m[0][k] + r[1]! * m[1][k] + r[2]! * m[2][k];
    sq += c * c;
  }
  return Math.sqrt(sq);
}

/** For each site i, the site of the same species nearest to W p_i + t (as ASE's prep_symmetry). */
function siteMapping(structure: Structure, w: Mat3, t: Vec3): Int32Array {
  const m = structure.lattice.matrix;
  const sites = structure.sites;
  const map = new Int32Array(sites.length);
  sites.forEach((site, i) => {
    const image = applyAffine(w, t, site.frac);
    let best = -1;
    let bestDistance = Infinity;
    sites.forEach((other, j) => {
      if (other.species !== site.species) return;
      const d = cartesianPeriodicLength(m, [image[0] - other.frac[0], image[1] - other.frac[1], image[2] - other.frac[2]]);
      if (d < bestDistance) {
        bestDistance = d;
        best = j;
      }
    });
    map[i] = best;
  });
  return map;
}
