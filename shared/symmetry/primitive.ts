/**
 * The primitive cell of a conventional cell with a known centring, by a fixed change of basis — no symmetry
 * search. Used where the space group is already known (a generated crystal is built in its group's conventional
 * cell) and a symmetry analysis should see fewer atoms: moyo's cost grows with the atom count.
 */
import { Lattice } from '../crystal/lattice.ts';
import { type Mat3, type Vec3, inverse3, matMul3, vecMat, wrapUnit } from '../crystal/linalg.ts';
import { Structure, type Site } from '../crystal/structure.ts';

const h = 1 / 2;
const t = 1 / 3;

/**
 * Primitive basis vectors (rows) in conventional fractional coordinates, per centring letter: the usual choices of
 * the International Tables for Crystallography Vol. A, Table 5.1.3.1 (R: obverse setting on hexagonal axes, as moyo
 * and this project give R groups). Each row is a centring translation or a lattice vector, and the determinant is
 * 1 / (lattice points per conventional cell).
 */
const PRIMITIVE_BASIS: Readonly<Record<string, Mat3>> = {
  P: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  A: [[1, 0, 0], [0, h, h], [0, -h, h]],
  B: [[h, 0, h], [0, 1, 0], [-h, 0, h]],
  C: [[h, h, 0], [-h, h, 0], [0, 0, 1]],
  I: [[-h, h, h], [h, -h, h], [h, h, -h]],
  F: [[0, h, h], [h, 0, h], [h, h, 0]],
  R: [[2 * t, t, t], [-t, t, t], [-t, -2 * t, t]],
};

/** Lattice points per conventional cell for each centring letter. */
export const CENTRING_MULTIPLICITY: Readonly<Record<string, number>> = { P: 1, A: 2, B: 2, C: 2, I: 2, F: 4, R: 3 };

/**
 * The primitive cell of `structure`, a conventional cell with centring `centering` (P, A, B, C, I, F or R).
 * Atoms equal under the centring collapse to one (within `tolerance`, in primitive fractional units); if the atom
 * count does not come out as 1/multiplicity of the input — the structure is not actually centred that way — the
 * input is returned unchanged, so a caller can always analyse the result.
 */
export function primitiveOfCentredCell(structure: Structure, centering: string, tolerance = 1e-5): Structure {
  const basis = PRIMITIVE_BASIS[centering];
  if (!basis) throw new Error(`unknown lattice centring '${centering}' (expected one of P, A, B, C, I, F, R)`);
  const points = CENTRING_MULTIPLICITY[centering]!;
  if (points === 1 || structure.numSites % points !== 0) return structure;
  const toPrimitive = inverse3(basis); // f_primitive = f_conventional · P⁻¹
  const kept: Site[] = [];
  for (const site of structure.sites) {
    const frac = vecMat(site.frac, toPrimitive).map((x) => wrapUnit(x)) as Vec3;
    const duplicate = kept.some(
      (k) =>
        k.species === site.species &&
        frac.every((x, i) => {
          const d = Math.abs(x - k.frac[i]!);
          return Math.min(d, 1 - d) <= tolerance;
        }),
    );
    if (!duplicate) kept.push({ ...site, frac });
  }
  if (kept.length * points !== structure.numSites) return structure;
  return new Structure(new Lattice(matMul3(basis, structure.lattice.matrix)), kept);
}
