/** Distance and angle read-outs for picked atoms (Cartesian Å). */
import { type Vec3, dot, norm, sub } from '../../../shared/crystal/linalg.ts';

export function distance(a: Vec3, b: Vec3): number {
  return norm(sub(a, b));
}

/** Angle a–b–c in degrees, at the middle atom b (as VESTA and ASE report it). */
export function angleAt(a: Vec3, b: Vec3, c: Vec3): number {
  const u = sub(a, b);
  const v = sub(c, b);
  const lengths = norm(u) * norm(v);
  if (lengths === 0) return NaN;
  const cosine = Math.max(-1, Math.min(1, dot(u, v) / lengths));
  return (Math.acos(cosine) * 180) / Math.PI;
}
