/**
 * A small static picture of a crystal for result cards: the unit cell's edges and its atoms, projected along a
 * fixed oblique direction (so no two cell edges overlap for common cells), atoms painted back to front in their
 * element colours. Plain SVG: no WebGL context per card, so a grid of hundreds stays cheap.
 */
import { useMemo } from 'react';
import type { StructureData } from '../api/backend.ts';
import { atomColor, baseAtomRadius } from '../viewer/elementStyle.ts';

type P3 = [number, number, number];

// View rotation: about z by 25°, then about x by −65° (looking slightly down onto the a–b plane).
const YAW = (25 * Math.PI) / 180;
const PITCH = (-65 * Math.PI) / 180;
function rotate([x, y, z]: P3): P3 {
  const x1 = x * Math.cos(YAW) - y * Math.sin(YAW);
  const y1 = x * Math.sin(YAW) + y * Math.cos(YAW);
  return [x1, y1 * Math.cos(PITCH) - z * Math.sin(PITCH), y1 * Math.sin(PITCH) + z * Math.cos(PITCH)];
}

function cartesian(lattice: StructureData['lattice'], f: P3): P3 {
  return [0, 1, 2].map((k) => f[0] * lattice[0][k]! + f[1] * lattice[1][k]! + f[2] * lattice[2][k]!) as P3;
}

const CORNERS: P3[] = [
  [0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1],
];
const EDGES: [number, number][] = [
  [0, 1], [0, 2], [0, 3], [1, 4], [1, 5], [2, 4], [2, 6], [3, 5], [3, 6], [4, 7], [5, 7], [6, 7],
];

/** Sites wrapped into the cell, plus their copies on the opposite faces/edges/corners (as the viewer draws them). */
function withBoundaryImages(sites: StructureData['sites']): { species: string; frac: P3 }[] {
  const out: { species: string; frac: P3 }[] = [];
  for (const site of sites) {
    const f = site.frac.map((x) => x - Math.floor(x)) as P3;
    const shifts = f.map((x) => (x < 1e-4 || x > 1 - 1e-4 ? [0, 1] : [0]));
    for (const dx of shifts[0]!) for (const dy of shifts[1]!) for (const dz of shifts[2]!) {
      out.push({ species: site.species, frac: [(f[0] > 1 - 1e-4 ? 0 : f[0]) + dx, (f[1] > 1 - 1e-4 ? 0 : f[1]) + dy, (f[2] > 1 - 1e-4 ? 0 : f[2]) + dz] });
    }
    if (out.length > 2000) break; // a picture, not a model: very large cells are drawn partially
  }
  return out;
}

export function StructureThumbnail({ structure, size = 96, title }: { structure: StructureData; size?: number; title: string }) {
  const drawing = useMemo(() => {
    const corners = CORNERS.map((c) => rotate(cartesian(structure.lattice, c)));
    const atoms = withBoundaryImages(structure.sites)
      .map((s) => ({ species: s.species, p: rotate(cartesian(structure.lattice, s.frac)) }))
      .sort((a, b) => a.p[2] - b.p[2]);
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    const minX = Math.min(...xs);
    const maxX = Math.max(...xs);
    const minY = Math.min(...ys);
    const maxY = Math.max(...ys);
    const span = Math.max(maxX - minX, maxY - minY, 1e-6);
    const pad = 8;
    const scale = (size - 2 * pad) / span;
    const toScreen = (p: P3): [number, number] => [pad + (p[0] - minX) * scale + ((size - 2 * pad) - (maxX - minX) * scale) / 2, size - (pad + (p[1] - minY) * scale + ((size - 2 * pad) - (maxY - minY) * scale) / 2)];
    return {
      edges: EDGES.map(([i, j]) => [toScreen(corners[i]!), toScreen(corners[j]!)] as const),
      atoms: atoms.map((a) => ({ species: a.species, xy: toScreen(a.p), r: Math.max(1.5, Math.min(10, 0.45 * baseAtomRadius(a.species, 'covalent') * scale)) })),
    };
  }, [structure, size]);
  return (
    <svg className="thumbnail" width={size} height={size} viewBox={`0 0 ${size} ${size}`} role="img" aria-label={title}>
      {drawing.edges.map(([a, b], k) => (
        <line key={k} x1={a[0]} y1={a[1]} x2={b[0]} y2={b[1]} stroke="#8a93a3" strokeWidth={1} />
      ))}
      {drawing.atoms.map((a, k) => (
        <circle key={k} cx={a.xy[0]} cy={a.xy[1]} r={a.r} fill={atomColor(a.species, 'vesta')} stroke="#333" strokeWidth={0.5} />
      ))}
    </svg>
  );
}
