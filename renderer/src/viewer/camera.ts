/**
 * The viewer camera's geometry, apart from React and the canvas: what is framed (a bounding sphere), where the
 * camera stands to look along a lattice direction, the fitted distance, depth range and orthographic zoom, the zoom
 * that keeps the apparent size when the projection changes, and the keyboard orbit. CameraRig.tsx applies them to
 * the two three.js cameras; tests/renderer/camera.test.ts checks them against three.js's own projection.
 */
import * as THREE from 'three';
import type { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import type { DisplayModel } from './displayModel.ts';

/** Vertical field of view of the perspective camera, degrees. */
export const FIELD_OF_VIEW = 30;
/** The fitted view leaves this factor of room around the bounding sphere. */
export const FIT_MARGIN = 1.12;

const TAN_HALF_FOV = Math.tan(((FIELD_OF_VIEW / 2) * Math.PI) / 180);
const SIN_HALF_FOV = Math.sin(((FIELD_OF_VIEW / 2) * Math.PI) / 180);

export type ViewDirection = 'a' | 'b' | 'c' | 'a*' | 'b*' | 'c*';

export interface Sphere {
  centre: THREE.Vector3;
  radius: number;
}

/** Where the camera looks from: `direction` points from the target to the camera; `up` is roughly up on screen. */
export interface ViewPose {
  direction: THREE.Vector3;
  up: THREE.Vector3;
}

function unit(v: Vec3): THREE.Vector3 {
  return new THREE.Vector3(v[0], v[1], v[2]).normalize();
}

/**
 * Bounding sphere of what is drawn: centred on the box of the cell corners and atoms, reaching every cell corner
 * and 1 Å beyond every atom centre (room for the ball), at least 1 Å.
 */
export function boundingSphere(model: Pick<DisplayModel, 'atoms' | 'box'>): Sphere {
  const points: THREE.Vector3[] = [];
  const [a, b, c] = model.box.edges;
  for (let i = 0; i < 8; i++) {
    const f = [i & 1, (i >> 1) & 1, (i >> 2) & 1];
    points.push(new THREE.Vector3(f[0]! * a[0] + f[1]! * b[0] + f[2]! * c[0], f[0]! * a[1] + f[1]! * b[1] + f[2]! * c[1], f[0]! * a[2] + f[1]! * b[2] + f[2]! * c[2]));
  }
  const box = new THREE.Box3().setFromPoints(points);
  for (const atom of model.atoms) box.expandByPoint(new THREE.Vector3(...atom.cart));
  const centre = box.getCenter(new THREE.Vector3());
  let radius = 0;
  for (const p of points) radius = Math.max(radius, p.distanceTo(centre));
  for (const atom of model.atoms) radius = Math.max(radius, centre.distanceTo(new THREE.Vector3(...atom.cart)) + 1);
  return { centre, radius: Math.max(radius, 1) };
}

/** The textbook picture: c up, a towards the viewer and b to the right, seen a little from above. */
export function defaultViewPose(lattice: Lattice): ViewPose {
  const m = lattice.matrix;
  const [a, b, c] = [unit(m[0]), unit(m[1]), unit(m[2])];
  return { direction: a.add(b.multiplyScalar(0.38)).add(c.clone().multiplyScalar(0.28)), up: c };
}

/** Looking down a lattice (a, b, c) or reciprocal-lattice (a*, b*, c*) direction, c up (b up along c and c*). */
export function latticeViewPose(lattice: Lattice, which: ViewDirection): ViewPose {
  const m = lattice.matrix;
  const r = lattice.reciprocalLatticeCrystallographic.matrix;
  const [a, b, c] = [unit(m[0]), unit(m[1]), unit(m[2])];
  switch (which) {
    case 'a':
      return { direction: a, up: c };
    case 'b':
      return { direction: b, up: c };
    case 'c':
      return { direction: c, up: b };
    case 'a*':
      return { direction: unit(r[0]), up: c };
    case 'b*':
      return { direction: unit(r[1]), up: c };
    case 'c*':
      return { direction: unit(r[2]), up: b };
  }
}

/** A camera placement that frames a sphere, for both projections. */
export interface FittedView {
  position: THREE.Vector3;
  /** The pose's up made perpendicular to the viewing direction. */
  up: THREE.Vector3;
  /** Camera to sphere centre. */
  distance: number;
  /** Perspective depth range. */
  near: number;
  far: number;
  /** Orthographic zoom for a frustum of ±width/2 × ±height/2 pixels. */
  orthographicZoom: number;
}

/** Perspective depth range around a target at `distance` that keeps a sphere of `radius` (and room) in view. */
export function perspectiveDepthRange(distance: number, radius: number): { near: number; far: number } {
  return { near: Math.max(0.01, distance - radius * 3), far: distance + radius * 3 };
}

/** Stand on `pose.direction` from the sphere's centre, far enough that the sphere with FIT_MARGIN fills the view. */
export function fitView(sphere: Sphere, pose: ViewPose, viewport: { width: number; height: number }): FittedView {
  const direction = pose.direction.clone().normalize();
  const up = pose.up.clone().sub(direction.clone().multiplyScalar(pose.up.dot(direction))).normalize();
  const distance = (sphere.radius * FIT_MARGIN) / SIN_HALF_FOV;
  return {
    position: sphere.centre.clone().addScaledVector(direction, distance),
    up,
    distance,
    ...perspectiveDepthRange(distance, sphere.radius),
    orthographicZoom: Math.min(viewport.width, viewport.height) / (2 * sphere.radius * FIT_MARGIN),
  };
}

/** The orthographic zoom that draws the target plane as large as the perspective camera at `distance` does. */
export function orthographicZoomMatching(distance: number, viewportHeight: number): number {
  return viewportHeight / (2 * distance * TAN_HALF_FOV);
}

/** The perspective distance that draws the target plane as large as the orthographic camera at `zoom` does. */
export function perspectiveDistanceMatching(zoom: number, viewportHeight: number): number {
  return viewportHeight / (2 * TAN_HALF_FOV * zoom);
}

/**
 * The camera's offset from its target after a keyboard orbit: `horizontalDegrees` about `up` (positive turns the
 * view to the right), then `verticalDegrees` about the screen's horizontal axis, unless that would come within
 * about 5.7° of the pole (OrbitControls cannot look straight along its up vector).
 */
export function orbitOffset(offset: THREE.Vector3, up: THREE.Vector3, horizontalDegrees: number, verticalDegrees: number): THREE.Vector3 {
  const axis = up.clone().normalize();
  const right = new THREE.Vector3().crossVectors(up, offset).normalize();
  const turned = offset.clone().applyAxisAngle(axis, (-horizontalDegrees * Math.PI) / 180);
  const tilted = turned.clone().applyAxisAngle(right, (-verticalDegrees * Math.PI) / 180);
  return Math.abs(tilted.clone().normalize().dot(axis)) < 0.995 ? tilted : turned;
}
