/**
 * Turns a DisplayModel into GPU-ready buffers: instance matrices and colours for atoms and half-bonds, merged
 * polyhedron hulls, cell edges. Runs when the model or a style option changes, never per frame.
 */
import * as THREE from 'three';
import { ConvexGeometry } from 'three/examples/jsm/geometries/ConvexGeometry.js';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import type { DisplayModel } from './displayModel.ts';

export interface InstanceBuffers {
  count: number;
  /** 16 floats per instance, column-major as three.js stores them. */
  matrices: Float32Array;
  /** 3 floats per instance, linear RGB. */
  colors: Float32Array;
}

export interface AtomBuffers extends InstanceBuffers {
  /** Drawn radius of each atom in Å (also used for picking). */
  radii: Float32Array;
  /** Centre of each atom, xyz. */
  centres: Float32Array;
}

const colorCache = new Map<string, THREE.Color>();
export function linearColor(hex: string): THREE.Color {
  let c = colorCache.get(hex);
  if (!c) colorCache.set(hex, (c = new THREE.Color(hex)));
  return c;
}

export function buildAtomBuffers(model: DisplayModel, radiusOf: (species: string) => number, colorOf: (species: string) => string): AtomBuffers {
  const count = model.atoms.length;
  const matrices = new Float32Array(16 * count);
  const colors = new Float32Array(3 * count);
  const radii = new Float32Array(count);
  const centres = new Float32Array(3 * count);
  const radiusBySpecies = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const atom = model.atoms[i]!;
    let r = radiusBySpecies.get(atom.species);
    if (r === undefined) radiusBySpecies.set(atom.species, (r = radiusOf(atom.species)));
    const [x, y, z] = atom.cart;
    // Uniform scale + translation, written directly (column-major).
    const o = 16 * i;
    matrices[o] = r;
    matrices[o + 5] = r;
    matrices[o + 10] = r;
    matrices[o + 12] = x;
    matrices[o + 13] = y;
    matrices[o + 14] = z;
    matrices[o + 15] = 1;
    const c = linearColor(colorOf(atom.species));
    colors[3 * i] = c.r;
    colors[3 * i + 1] = c.g;
    colors[3 * i + 2] = c.b;
    radii[i] = r;
    centres[3 * i] = x;
    centres[3 * i + 1] = y;
    centres[3 * i + 2] = z;
  }
  return { count, matrices, colors, radii, centres };
}

export interface BondBuffers extends InstanceBuffers {
  /** Colour of the second half of each bond (the end at atom b); `colors` holds the half at atom a. */
  colorsB: Float32Array;
}

/**
 * One cylinder per bond, drawn in two colours — each half in the colour of the atom it touches (VESTA's default
 * bond style). The unit cylinder runs from y = −½ (atom a) to y = +½ (atom b) with radius 1; the bond material
 * (see `twoColourBondMaterial`) picks the colour by the side of the midpoint, so a bond costs one instance.
 */
export function buildBondBuffers(model: DisplayModel, thickness: number, colorOf: (species: string) => string): BondBuffers {
  const count = model.bonds.length;
  const matrices = new Float32Array(16 * count);
  const colors = new Float32Array(3 * count);
  const colorsB = new Float32Array(3 * count);
  const matrix = new THREE.Matrix4();
  const position = new THREE.Vector3();
  const quaternion = new THREE.Quaternion();
  const scale = new THREE.Vector3();
  const yAxis = new THREE.Vector3(0, 1, 0);
  const direction = new THREE.Vector3();
  let n = 0;
  for (const bond of model.bonds) {
    const a = model.atoms[bond.a]!, b = model.atoms[bond.b]!;
    direction.set(b.cart[0] - a.cart[0], b.cart[1] - a.cart[1], b.cart[2] - a.cart[2]);
    const length = direction.length();
    if (length === 0) continue;
    direction.divideScalar(length);
    quaternion.setFromUnitVectors(yAxis, direction);
    scale.set(thickness, length, thickness);
    position.set((a.cart[0] + b.cart[0]) / 2, (a.cart[1] + b.cart[1]) / 2, (a.cart[2] + b.cart[2]) / 2);
    matrix.compose(position, quaternion, scale);
    matrix.toArray(matrices, 16 * n);
    const ca = linearColor(colorOf(a.species));
    const cb = linearColor(colorOf(b.species));
    colors.set([ca.r, ca.g, ca.b], 3 * n);
    colorsB.set([cb.r, cb.g, cb.b], 3 * n);
    n++;
  }
  return { count: n, matrices: matrices.subarray(0, 16 * n), colors: colors.subarray(0, 3 * n), colorsB: colorsB.subarray(0, 3 * n) };
}

/**
 * Phong material for two-colour bonds: the instance colour (`instanceColor`) on the y < 0 half, the attribute
 * `instanceColorB` on the other, split exactly at the midpoint per fragment.
 */
export function twoColourBondMaterial(): THREE.MeshPhongMaterial {
  const material = new THREE.MeshPhongMaterial({ shininess: 60, specular: new THREE.Color('#3a3a3a') });
  material.onBeforeCompile = (shader) => {
    shader.vertexShader = shader.vertexShader
      .replace('#include <common>', '#include <common>\nattribute vec3 instanceColorB;\nvarying vec3 vColorB;\nvarying float vBondSide;')
      .replace('#include <color_vertex>', '#include <color_vertex>\nvColorB = instanceColorB;\nvBondSide = position.y;');
    shader.fragmentShader = shader.fragmentShader
      .replace('#include <common>', '#include <common>\nvarying vec3 vColorB;\nvarying float vBondSide;')
      .replace('#include <color_fragment>', 'diffuseColor.rgb *= vBondSide < 0.0 ? vColor.rgb : vColorB;');
  };
  material.customProgramCacheKey = () => 'two-colour-bond';
  return material;
}

/**
 * All coordination polyhedra merged into one translucent geometry (one draw call), coloured by the centre atom,
 * plus their edges for readability. Degenerate (coplanar) neighbour sets have no hull and are skipped.
 */
export function buildPolyhedraGeometry(
  model: DisplayModel,
  colorOf: (species: string) => string,
): { faces: THREE.BufferGeometry; edges: THREE.BufferGeometry; count: number } | null {
  const positionChunks: Float32Array[] = [];
  const normalChunks: Float32Array[] = [];
  const colorChunks: Float32Array[] = [];
  const edgeChunks: Float32Array[] = [];
  let count = 0;
  for (const poly of model.polyhedra) {
    const points = poly.vertices.map((v) => new THREE.Vector3(...model.atoms[v]!.cart));
    if (isDegenerate(points)) continue;
    const hull = new ConvexGeometry(points);
    const positions = hull.getAttribute('position') as THREE.BufferAttribute;
    if (positions.count === 0) continue;
    const normals = hull.getAttribute('normal') as THREE.BufferAttribute;
    positionChunks.push(positions.array as Float32Array);
    normalChunks.push(normals.array as Float32Array);
    const c = linearColor(colorOf(model.atoms[poly.centre]!.species));
    const colors = new Float32Array(positions.count * 3);
    for (let i = 0; i < positions.count; i++) colors.set([c.r, c.g, c.b], 3 * i);
    colorChunks.push(colors);
    const edges = new THREE.EdgesGeometry(hull, 1);
    edgeChunks.push(edges.getAttribute('position').array as Float32Array);
    hull.dispose();
    edges.dispose();
    count++;
  }
  if (count === 0) return null;
  const faces = new THREE.BufferGeometry();
  faces.setAttribute('position', new THREE.BufferAttribute(concat(positionChunks), 3));
  faces.setAttribute('normal', new THREE.BufferAttribute(concat(normalChunks), 3));
  faces.setAttribute('color', new THREE.BufferAttribute(concat(colorChunks), 3));
  const edges = new THREE.BufferGeometry();
  edges.setAttribute('position', new THREE.BufferAttribute(concat(edgeChunks), 3));
  return { faces, edges, count };
}

function isDegenerate(points: THREE.Vector3[]): boolean {
  if (points.length < 4) return true;
  // Coplanar when every point lies in the plane of the first three non-collinear ones (tolerance 1e-3 Å³).
  const p0 = points[0]!;
  for (let i = 1; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const u = points[i]!.clone().sub(p0);
      const v = points[j]!.clone().sub(p0);
      const normal = u.cross(v);
      if (normal.lengthSq() < 1e-8) continue;
      return points.every((p) => Math.abs(p.clone().sub(p0).dot(normal)) < 1e-3);
    }
  }
  return true;
}

function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** The 12 edges of the parallelepiped spanned by `edges` from `origin`, as line-segment endpoints. */
export function boxEdgeSegments(origin: Vec3, edges: [Vec3, Vec3, Vec3]): Float32Array {
  const [a, b, c] = edges;
  const corner = (i: number, j: number, k: number): Vec3 => [
    origin[0] + i * a[0] + j * b[0] + k * c[0],
    origin[1] + i * a[1] + j * b[1] + k * c[1],
    origin[2] + i * a[2] + j * b[2] + k * c[2],
  ];
  const segments: Vec3[] = [];
  for (const [u, v] of [
    [0, 1],
    [0, 2],
    [0, 4],
    [1, 3],
    [1, 5],
    [2, 3],
    [2, 6],
    [3, 7],
    [4, 5],
    [4, 6],
    [5, 7],
    [6, 7],
  ] as const) {
    segments.push(corner(u & 1, (u >> 1) & 1, (u >> 2) & 1), corner(v & 1, (v >> 1) & 1, (v >> 2) & 1));
  }
  return Float32Array.from(segments.flat());
}

/**
 * Level of detail for the shared sphere geometry. With many atoms each sphere covers only a few pixels, where
 * extra triangles are invisible but cost vertex work on every frame (on software WebGL the 10,000-atom frame time
 * is dominated by triangle count, so 8×6 segments render faster than 12×8: tests/e2e/viewer-fps.e2e.ts measures it).
 */
export function sphereSegments(atomCount: number): [number, number] {
  if (atomCount <= 500) return [24, 16];
  if (atomCount <= 2000) return [16, 12];
  if (atomCount <= 5000) return [12, 8];
  return [8, 6];
}

/** Radial segments of the bond cylinders, by the number of bonds. */
export function cylinderSegments(bondCount: number): number {
  if (bondCount <= 2000) return 12;
  if (bondCount <= 10000) return 8;
  return 5;
}
