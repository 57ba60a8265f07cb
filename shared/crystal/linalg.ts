/** Small dense 3-vector / 3×3-matrix helpers in float64. Matrices are row-major `Mat3 = [row0, row1, row2]`. */

export type Vec3 = [number, number, number];
export type Mat3 = [Vec3, Vec3, Vec3];

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const norm = (a: Vec3): number => Math.sqrt(dot(a, a));
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];

export function det3(m: Mat3): number {
  return dot(m[0], cross(m[1], m[2]));
}

export function transpose3(m: Mat3): Mat3 {
  return [
    [m[0][0], m[1][0], m[2][0]],
    [m[0][1], m[1][1], m[2][1]],
    [m[0][2], m[1][2], m[2][2]],
  ];
}

export function inverse3(m: Mat3): Mat3 {
  const d = det3(m);
  if (d === 0 || !Number.isFinite(d)) throw new Error('matrix is singular');
  const c0 = cross(m[1], m[2]);
  const c1 = cross(m[2], m[0]);
  const c2 = cross(m[0], m[1]);
  // The columns of the inverse are the cross products divided by the determinant.
  return transpose3([scale(c0, 1 / d), scale(c1, 1 / d), scale(c2, 1 / d)]);
}

/** Row vector times matrix: v · M. */
export function vecMat(v: Vec3, m: Mat3): Vec3 {
  return [
    v[0] * m[0][0] + v[1] * m[1][0] + v[2] * m[2][0],
    v[0] * m[0][1] + v[1] * m[1][1] + v[2] * m[2][1],
    v[0] * m[0][2] + v[1] * m[1][2] + v[2] * m[2][2],
  ];
}

/** Matrix times column vector: M · v. */
export function matVec(m: Mat3, v: Vec3): Vec3 {
  return [dot(m[0], v), dot(m[1], v), dot(m[2], v)];
}

export function matMul3(a: Mat3, b: Mat3): Mat3 {
  const bt = transpose3(b);
  return [
    [dot(a[0], bt[0]), dot(a[0], bt[1]), dot(a[0], bt[2])],
    [dot(a[1], bt[0]), dot(a[1], bt[1]), dot(a[1], bt[2])],
    [dot(a[2], bt[0]), dot(a[2], bt[1]), dot(a[2], bt[2])],
  ];
}

/** Wrap a fractional coordinate into [0, 1); values within `eps` of 1 map to 0 so that 0.9999999 and 0 agree. */
export function wrapUnit(x: number, eps = 1e-10): number {
  let w = x - Math.floor(x);
  if (w >= 1 - eps) w = 0;
  return w;
}
