/**
 * Fixed-radius neighbour search with a cell list.
 *
 * Points are binned into a uniform grid whose cells are at least `cutoff` wide, so every pair closer than the
 * cutoff lies in the same or an adjacent cell. Each point is compared only with the points of its own cell and
 * the 26 around it, which makes the search O(N) for any physical crystal (bounded atom density) instead of the
 * O(N²) of comparing all pairs — 10,000 atoms would otherwise mean 50 million distance checks on every change.
 */

/** Visits every unordered pair (i < j) of points closer than `cutoff`; positions are packed xyz triples. */
export function forEachPairWithin(
  positions: ArrayLike<number>,
  cutoff: number,
  visit: (i: number, j: number, distance: number) => void,
): void {
  const count = Math.floor(positions.length / 3);
  if (count < 2 || !(cutoff > 0)) return;
  if (!Number.isFinite(cutoff)) throw new Error(`neighbour cutoff must be finite, got ${cutoff}`);

  let minX = Infinity, minY = Infinity, minZ = Infinity;
  let maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = positions[3 * i]!, y = positions[3 * i + 1]!, z = positions[3 * i + 2]!;
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) throw new Error(`point ${i} has a non-finite coordinate`);
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (z < minZ) minZ = z;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
    if (z > maxZ) maxZ = z;
  }

  // Cells never narrower than the cutoff; widened if a sparse, elongated cloud would need far more cells than
  // points (memory stays O(N) either way).
  let cellSize = cutoff;
  let nx = 0, ny = 0, nz = 0;
  for (;;) {
    nx = Math.max(1, Math.floor((maxX - minX) / cellSize) + 1);
    ny = Math.max(1, Math.floor((maxY - minY) / cellSize) + 1);
    nz = Math.max(1, Math.floor((maxZ - minZ) / cellSize) + 1);
    if (nx * ny * nz <= 8 * count + 1024) break;
    cellSize *= 1.5;
  }

  // Counting sort of the points by cell: cellStart[c] … cellStart[c + 1] index into `sorted`.
  const cellOf = new Int32Array(count);
  const cellStart = new Int32Array(nx * ny * nz + 1);
  for (let i = 0; i < count; i++) {
    const cx = Math.min(nx - 1, Math.floor((positions[3 * i]! - minX) / cellSize));
    const cy = Math.min(ny - 1, Math.floor((positions[3 * i + 1]! - minY) / cellSize));
    const cz = Math.min(nz - 1, Math.floor((positions[3 * i + 2]! - minZ) / cellSize));
    const cell = (cx * ny + cy) * nz + cz;
    cellOf[i] = cell;
    cellStart[cell + 1]!++;
  }
  for (let c = 0; c < nx * ny * nz; c++) cellStart[c + 1]! += cellStart[c]!;
  const fill = cellStart.slice(0, nx * ny * nz);
  const sorted = new Int32Array(count);
  for (let i = 0; i < count; i++) sorted[fill[cellOf[i]!]!++] = i;

  const cutoffSquared = cutoff * cutoff;
  for (let i = 0; i < count; i++) {
    const cell = cellOf[i]!;
    const cx = Math.floor(cell / (ny * nz));
    const cy = Math.floor(cell / nz) % ny;
    const cz = cell % nz;
    const xi = positions[3 * i]!, yi = positions[3 * i + 1]!, zi = positions[3 * i + 2]!;
    for (let dx = -1; dx <= 1; dx++) {
      const x = cx + dx;
      if (x < 0 || x >= nx) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const y = cy + dy;
        if (y < 0 || y >= ny) continue;
        for (let dz = -1; dz <= 1; dz++) {
          const z = cz + dz;
          if (z < 0 || z >= nz) continue;
          const neighbourCell = (x * ny + y) * nz + z;
          for (let s = cellStart[neighbourCell]!; s < cellStart[neighbourCell + 1]!; s++) {
            const j = sorted[s]!;
            if (j <= i) continue;
            const ddx = positions[3 * j]! - xi, ddy = positions[3 * j + 1]! - yi, ddz = positions[3 * j + 2]! - zi;
            const d2 = ddx * ddx + ddy * ddy + ddz * ddz;
            if (d2 < cutoffSquared) visit(i, j, Math.sqrt(d2));
          }
        }
      }
    }
  }
}
