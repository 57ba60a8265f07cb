import { type Mat3, type Vec3, cross, det3, dot, inverse3, norm, scale, transpose3, vecMat } from './linalg.ts';

const DEG = Math.PI / 180;

export interface LatticeParameters {
  a: number;
  b: number;
  c: number;
  /** Angles in degrees. */
  alpha: number;
  beta: number;
  gamma: number;
}

/**
 * A periodic lattice, named after pymatgen's `Lattice`: the matrix rows are the lattice vectors a, b, c in Å,
 * so Cartesian = fractional · matrix.
 */
export class Lattice {
  readonly matrix: Mat3;
  private readonly inverseMatrix: Mat3;

  constructor(matrix: Mat3) {
    for (const row of matrix) {
      for (const value of row) if (!Number.isFinite(value)) throw new Error('lattice matrix has a non-finite entry');
    }
    this.matrix = [
      [...matrix[0]],
      [...matrix[1]],
      [...matrix[2]],
    ];
    const volume = det3(this.matrix);
    // Finite entries can still overflow (a component of 1e308 gives an infinite length, volume and NaN angles).
    if (!Number.isFinite(volume) || !this.matrix.every((row) => Number.isFinite(norm(row)))) {
      throw new Error('lattice is too large to compute with (its lengths or volume overflow)');
    }
    if (Math.abs(volume) < 1e-12) throw new Error('lattice vectors are linearly dependent (zero volume)');
    this.inverseMatrix = inverse3(this.matrix);
    if (!this.inverseMatrix.every((row) => row.every(Number.isFinite))) throw new Error('lattice cannot be inverted in floating point');
  }

  /**
   * The standard orientation used by pymatgen's `Lattice.from_parameters`: c along z, a in the xz-plane
   * (reciprocal-lattice construction, so that the matrix is lower-triangular-like and right-handed).
   */
  static fromParameters(a: number, b: number, c: number, alpha: number, beta: number, gamma: number): Lattice {
    const params = { a, b, c, alpha, beta, gamma };
    for (const [name, value] of Object.entries(params)) {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`lattice parameter ${name} must be a positive number, got ${value}`);
    }
    if (alpha >= 180 || beta >= 180 || gamma >= 180) throw new Error('lattice angles must be below 180°');
    const [ca, cb, cg] = [Math.cos(alpha * DEG), Math.cos(beta * DEG), Math.cos(gamma * DEG)];
    // Squared volume of the unit-edge cell; ≤ 0 means the three angles cannot form a cell.
    const volumeFactor = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg;
    if (!(volumeFactor > 1e-10)) throw new Error(`lattice angles (${alpha}, ${beta}, ${gamma}) do not form a cell`);
    const sb = Math.sin(beta * DEG);
    const sa = Math.sin(alpha * DEG);
    // Angle between reciprocal vectors a* and b*: cos(gamma*) = (ca·cb − cg)/(sa·sb).
    let cosGammaStar = (ca * cb - cg) / (sa * sb);
    cosGammaStar = Math.max(-1, Math.min(1, cosGammaStar));
    const gammaStar = Math.acos(cosGammaStar);
    const vectorA: Vec3 = [a * sb, 0, a * cb];
    const vectorB: Vec3 = [-b * sa * Math.cos(gammaStar), b * sa * Math.sin(gammaStar), b * ca];
    const vectorC: Vec3 = [0, 0, c];
    return new Lattice([vectorA, vectorB, vectorC]);
  }

  static fromLatticeParameters(p: LatticeParameters): Lattice {
    return Lattice.fromParameters(p.a, p.b, p.c, p.alpha, p.beta, p.gamma);
  }

  static cubic(a: number): Lattice {
    return Lattice.fromParameters(a, a, a, 90, 90, 90);
  }

  static hexagonal(a: number, c: number): Lattice {
    return Lattice.fromParameters(a, a, c, 90, 90, 120);
  }

  get a(): number {
    return norm(this.matrix[0]);
  }
  get b(): number {
    return norm(this.matrix[1]);
  }
  get c(): number {
    return norm(this.matrix[2]);
  }
  get alpha(): number {
    return angleBetween(this.matrix[1], this.matrix[2]);
  }
  get beta(): number {
    return angleBetween(this.matrix[0], this.matrix[2]);
  }
  get gamma(): number {
    return angleBetween(this.matrix[0], this.matrix[1]);
  }
  get abc(): Vec3 {
    return [this.a, this.b, this.c];
  }
  get angles(): Vec3 {
    return [this.alpha, this.beta, this.gamma];
  }
  get parameters(): LatticeParameters {
    return { a: this.a, b: this.b, c: this.c, alpha: this.alpha, beta: this.beta, gamma: this.gamma };
  }

  /** Cell volume in Å³ (always positive). */
  get volume(): number {
    return Math.abs(det3(this.matrix));
  }

  /** Reciprocal lattice with the crystallographer's convention (no 2π): rows a*, b*, c* with a·a* = 1. */
  get reciprocalLatticeCrystallographic(): Lattice {
    return new Lattice(transpose3(this.inverseMatrix));
  }

  /** Reciprocal lattice with the physicist's 2π factor, as pymatgen's `reciprocal_lattice`. */
  get reciprocalLattice(): Lattice {
    const r = transpose3(this.inverseMatrix);
    return new Lattice([scale(r[0], 2 * Math.PI), scale(r[1], 2 * Math.PI), scale(r[2], 2 * Math.PI)]);
  }

  getCartesianCoords(fractional: Vec3): Vec3 {
    return vecMat(fractional, this.matrix);
  }

  getFractionalCoords(cartesian: Vec3): Vec3 {
    return vecMat(cartesian, this.inverseMatrix);
  }

  /** Metric tensor G = M·Mᵀ, so that |v|² = f·G·fᵀ for fractional f. */
  get metricTensor(): Mat3 {
    const m = this.matrix;
    return [
      [dot(m[0], m[0]), dot(m[0], m[1]), dot(m[0], m[2])],
      [dot(m[1], m[0]), dot(m[1], m[1]), dot(m[1], m[2])],
      [dot(m[2], m[0]), dot(m[2], m[1]), dot(m[2], m[2])],
    ];
  }

  /**
   * How many periodic images along each axis must be searched so that every lattice translation shorter than
   * `radius` is included. Uses the distance between opposite cell faces (1/|a*|, …), which stays correct for
   * strongly skewed cells where naive ±1 image searches miss the nearest neighbour.
   */
  imageRangeForRadius(radius: number): Vec3 {
    const m = this.matrix;
    const v = this.volume;
    const heightA = v / norm(cross(m[1], m[2]));
    const heightB = v / norm(cross(m[2], m[0]));
    const heightC = v / norm(cross(m[0], m[1]));
    return [Math.ceil(radius / heightA), Math.ceil(radius / heightB), Math.ceil(radius / heightC)];
  }

  toString(): string {
    const f = (x: number) => x.toFixed(6);
    return `Lattice(a=${f(this.a)}, b=${f(this.b)}, c=${f(this.c)}, alpha=${f(this.alpha)}, beta=${f(this.beta)}, gamma=${f(this.gamma)})`;
  }
}

function angleBetween(u: Vec3, v: Vec3): number {
  const cosine = Math.max(-1, Math.min(1, dot(u, v) / (norm(u) * norm(v))));
  return Math.acos(cosine) / DEG;
}
