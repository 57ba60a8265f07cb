/**
 * Periodic neighbour lists: every (i, j, image) with |r_j + image·L − r_i| ≤ cutoff, for any cell shape.
 *
 * Cell list in fractional space: axis k is cut into n_k = max(1, ⌊h_k / cutoff⌋) bins, h_k being the cell's
 * perpendicular height along that axis (V / |a_l × a_m|). Two points within the cutoff differ in fractional
 * coordinate k by at most cutoff / h_k, so their bin indices differ by at most R_k = ⌈cutoff · n_k / h_k⌉; the
 * search visits the (2R_k + 1) bins per axis around an atom's bin, unwrapping bin indices outside [0, n_k) into
 * lattice images. Large cells get R_k = 1 and a constant number of candidates per atom (linear time); cells
 * thinner than the cutoff get n_k = 1 and as many images as the height requires (a 1-atom cell sees itself many
 * times over), which is also why strongly skewed cells are handled: heights, not edge lengths, set the ranges.
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import { cross, det3, inverse3, norm } from '../../../shared/crystal/linalg.ts';

export interface NeighborList {
  /** Number of pairs. */
  readonly count: number;
  /** Centre atom of each pair. Pairs are sorted by src, then dst, then image (lexicographically). */
  readonly src: Int32Array;
  /** Neighbour atom of each pair. */
  readonly dst: Int32Array;
  /** Lattice translation of the neighbour, three integers per pair: the bond vector is r_dst + image·L − r_src. */
  readonly images: Int32Array;
  /** Pair distances, Å. */
  readonly distances: Float64Array;
}

/** Pairs closer than this (an atom and its own zero image, or two coincident atoms) are left out. */
const COINCIDENT = 1e-8;

/** Perpendicular heights of the cell (distance between opposite faces), Å; rows of `lattice` are a, b, c. */
export function perpendicularHeights(lattice: Mat3): [number, number, number] {
  const volume = Math.abs(det3(lattice));
  const [a, b, c] = lattice;
  return [volume / norm(cross(b, c)), volume / norm(cross(c, a)), volume / norm(cross(a, b))];
}

/**
 * All pairs within `cutoff` Å. `positions` are Cartesian, three numbers per atom (they need not lie inside the
 * cell). The list is directed: (i, j, image) and (j, i, −image) both appear.
 */
export function neighborList(lattice: Mat3, positions: ArrayLike<number>, cutoff: number): NeighborList {
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new Error(`neighborList: cutoff must be a positive number, got ${cutoff}`);
  if (positions.length % 3 !== 0) throw new Error(`neighborList: positions must hold three numbers per atom, got ${positions.length}`);
  const volume = Math.abs(det3(lattice));
  if (!(volume > 1e-9)) throw new Error(`neighborList: the lattice is singular (volume ${volume})`);
  const n = positions.length / 3;
  const inv = inverse3(lattice);
  const heights = perpendicularHeights(lattice);
  const bins = heights.map((h) => Math.max(1, Math.floor(h / cutoff))) as [number, number, number];
  const reach = heights.map((h, k) => Math.ceil((cutoff * bins[k]!) / h)) as [number, number, number];
  // Guard against absurd cells (e.g. a 0.01 Å-thin slab): the image count grows as (cutoff/h)³.
  const searched = (2 * reach[0] + 1) * (2 * reach[1] + 1) * (2 * reach[2] + 1);
  if (searched > 2_000_000) throw new Error(`neighborList: the cell is too thin for a ${cutoff} Å cutoff (heights ${heights.map((h) => h.toFixed(3)).join(', ')} Å)`);

  // Wrap into the cell: position = wrapped + shift·L, with wrapped fractional coordinates in [0, 1).
  const wrapped = new Float64Array(3 * n);
  const shift = new Int32Array(3 * n);
  const binOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i]!, y = positions[3 * i + 1]!, z = positions[3 * i + 2]!;
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) throw new Error(`neighborList: atom ${i} has a non-finite position`);
    const b = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const f = x * inv[0][k] + y * inv[1][k] + z * inv[2][k];
      let s = Math.floor(f);
      let w = f - s;
      if (w >= 1) { w -= 1; s += 1; } // f just below an integer can round up
      shift[3 * i + k] = s;
      b[k] = Math.min(bins[k]! - 1, Math.floor(w * bins[k]!));
      wrapped[3 * i + k] = w;
    }
    binOf[i] = (b[0]! * bins[1] + b[1]!) * bins[2] + b[2]!;
  }
  // Atoms of each bin (counting sort).
  const binCount = bins[0] * bins[1] * bins[2];
  const start = new Int32Array(binCount + 1);
  for (let i = 0; i < n; i++) start[binOf[i]! + 1]!++;
  for (let b = 0; b < binCount; b++) start[b + 1]! += start[b]!;
  const members = new Int32Array(n);
  const fill = start.slice(0, binCount);
  for (let i = 0; i < n; i++) members[fill[binOf[i]!]!++] = i;

  // Cartesian wrapped positions.
  const cart = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      cart[3 * i + k] = wrapped[3 * i]! * lattice[0][k] + wrapped[3 * i + 1]! * lattice[1][k] + wrapped[3 * i + 2]! * lattice[2][k];
    }
  }

  const cutoff2 = cutoff * cutoff;
  const src: number[] = [];
  const dst: number[] = [];
  const images: number[] = [];
  const distances: number[] = [];
  const found: { j: number; i0: number; i1: number; i2: number; d: number }[] = [];
  for (let i = 0; i < n; i++) {
    found.length = 0;
    const bi = binOf[i]!;
    const b0 = Math.floor(bi / (bins[1] * bins[2]));
    const b1 = Math.floor(bi / bins[2]) % bins[1];
    const b2 = bi % bins[2];
    for (let d0 = -reach[0]; d0 <= reach[0]; d0++) {
      const u0 = b0 + d0;
      const m0 = ((u0 % bins[0]) + bins[0]) % bins[0];
      const img0 = (u0 - m0) / bins[0];
      for (let d1 = -reach[1]; d1 <= reach[1]; d1++) {
        const u1 = b1 + d1;
        const m1 = ((u1 % bins[1]) + bins[1]) % bins[1];
        const img1 = (u1 - m1) / bins[1];
        for (let d2 = -reach[2]; d2 <= reach[2]; d2++) {
          const u2 = b2 + d2;
          const m2 = ((u2 % bins[2]) + bins[2]) % bins[2];
          const img2 = (u2 - m2) / bins[2];
          const ox = img0 * lattice[0][0] + img1 * lattice[1][0] + img2 * lattice[2][0];
          const oy = img0 * lattice[0][1] + img1 * lattice[1][1] + img2 * lattice[2][1];
          const oz = img0 * lattice[0][2] + img1 * lattice[1][2] + img2 * lattice[2][2];
          const bin = (m0 * bins[1] + m1) * bins[2] + m2;
          for (let p = start[bin]!; p < start[bin + 1]!; p++) {
            const j = members[p]!;
            // (r_j − r_i) first: an atom's own images then lie at exactly |image·L|, whatever its position.
            const dx = cart[3 * j]! - cart[3 * i]! + ox;
            const dy = cart[3 * j + 1]! - cart[3 * i + 1]! + oy;
            const dz = cart[3 * j + 2]! - cart[3 * i + 2]! + oz;
            const d2 = dx * dx + dy * dy + dz * dz;
            if (d2 > cutoff2 || d2 < COINCIDENT * COINCIDENT) continue;
            // Image in terms of the caller's (unwrapped) positions.
            found.push({
              j,
              i0: img0 - shift[3 * j]! + shift[3 * i]!,
              i1: img1 - shift[3 * j + 1]! + shift[3 * i + 1]!,
              i2: img2 - shift[3 * j + 2]! + shift[3 * i + 2]!,
              d: Math.sqrt(d2),
            });
          }
        }
      }
    }
    found.sort((p, q) => p.j - q.j || p.i0 - q.i0 || p.i1 - q.i1 || p.i2 - q.i2);
    for (const f of found) {
      src.push(i);
      dst.push(f.j);
      images.push(f.i0, f.i1, f.i2);
      distances.push(f.d);
    }
  }
  return {
    count: src.length,
    src: Int32Array.from(src),
    dst: Int32Array.from(dst),
    images: Int32Array.from(images),
    distances: Float64Array.from(distances),
  };
}
