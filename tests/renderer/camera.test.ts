/**
 * The viewer camera's geometry (renderer/src/viewer/camera.ts) against three.js's own projection and hand-worked
 * cells: the fitted sphere fills the view with the stated margin in both projections, switching projection keeps
 * the apparent size, lattice and reciprocal directions are what crystallography says (c* ⟂ a, b), and the keyboard
 * orbit turns about the up vector without reaching the pole.
 */
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import * as camera from '../../renderer/src/viewer/camera.ts';
import type { DisplayModel } from '../../renderer/src/viewer/displayModel.ts';

const VIEWPORT = { width: 800, height: 600 };
const v = (x: number, y: number, z: number) => new THREE.Vector3(x, y, z);

/** Both cameras as CameraRig sets them up for a viewport, placed at `position` looking at `target`. */
function cameras(position: THREE.Vector3, up: THREE.Vector3, target: THREE.Vector3, near = 0.1, far = 5000) {
  const perspective = new THREE.PerspectiveCamera(camera.FIELD_OF_VIEW, VIEWPORT.width / VIEWPORT.height, near, far);
  const orthographic = new THREE.OrthographicCamera(-VIEWPORT.width / 2, VIEWPORT.width / 2, VIEWPORT.height / 2, -VIEWPORT.height / 2, -5000, 5000);
  for (const cam of [perspective, orthographic]) {
    cam.up.copy(up);
    cam.position.copy(position);
    cam.lookAt(target);
    cam.updateMatrixWorld();
    cam.updateProjectionMatrix();
  }
  return { perspective, orthographic };
}

/** A model of a cubic cell of edge a with atoms at the given Cartesian points. */
function cubicModel(a: number, atoms: [number, number, number][]): Pick<DisplayModel, 'atoms' | 'box'> {
  return {
    box: { origin: [0, 0, 0], edges: [[a, 0, 0], [0, a, 0], [0, 0, a]] },
    atoms: atoms.map((cart) => ({ cart }) as DisplayModel['atoms'][number]),
  };
}

describe('bounding sphere', () => {
  it('of a 4 Å cube with an atom on a corner: centred in the cube, reaching 1 Å past the corner atom', () => {
    const sphere = camera.boundingSphere(cubicModel(4, [[0, 0, 0], [2, 2, 2]]));
    expect(sphere.centre.toArray()).toEqual([2, 2, 2]);
    expect(sphere.radius).toBeCloseTo(2 * Math.sqrt(3) + 1, 12);
  });

  it('grows to hold an atom outside the cell (a bonded image)', () => {
    const sphere = camera.boundingSphere(cubicModel(2, [[5, 1, 1]]));
    expect(sphere.centre.x).toBeCloseTo(2.5, 12);
    expect(v(5, 1, 1).distanceTo(sphere.centre) + 1).toBeCloseTo(sphere.radius, 12);
  });
});

describe('fitting the view', () => {
  const sphere = { centre: v(1, 2, 3), radius: 5 };
  const pose = { direction: v(1, 1, 0), up: v(0.3, 0, 1) };
  const view = camera.fitView(sphere, pose, VIEWPORT);

  it('stands on the requested direction, with up made perpendicular to it', () => {
    const offset = view.position.clone().sub(sphere.centre);
    expect(offset.clone().normalize().distanceTo(v(1, 1, 0).normalize())).toBeLessThan(1e-12);
    expect(offset.length()).toBeCloseTo(view.distance, 12);
    expect(view.up.dot(offset)).toBeCloseTo(0, 12);
    expect(view.up.length()).toBeCloseTo(1, 12);
    expect(view.up.z).toBeGreaterThan(0.9);
    expect(view.near).toBeLessThan(view.distance - sphere.radius);
    expect(view.far).toBeGreaterThan(view.distance + sphere.radius);
  });

  it('perspective: the sphere seen from there subtends the field of view shrunk by the margin', () => {
    // A tangent from the camera to the sphere makes angle asin(r / d) with the line to the centre.
    const halfAngle = Math.asin(sphere.radius / view.distance);
    expect(Math.sin(halfAngle) * camera.FIT_MARGIN).toBeCloseTo(Math.sin(((camera.FIELD_OF_VIEW / 2) * Math.PI) / 180), 12);
    // And three.js's projection puts the top of the sphere (seen side-on) inside the frame.
    const { perspective } = cameras(view.position, view.up, sphere.centre, view.near, view.far);
    const top = sphere.centre.clone().addScaledVector(view.up, sphere.radius).project(perspective);
    expect(top.y).toBeGreaterThan(0.8);
    expect(top.y).toBeLessThan(1);
  });

  it("orthographic: the sphere's diameter is the shorter viewport side divided by the margin", () => {
    const { orthographic } = cameras(view.position, view.up, sphere.centre);
    orthographic.zoom = view.orthographicZoom;
    orthographic.updateProjectionMatrix();
    const top = sphere.centre.clone().addScaledVector(view.up, sphere.radius).project(orthographic);
    // NDC y of 1 is the top edge; the height (600 px) is the shorter side.
    expect(top.y).toBeCloseTo(1 / camera.FIT_MARGIN, 10);
  });
});

describe('switching projection keeps the apparent size of the target plane', () => {
  const target = v(0, 0, 0);
  const distance = 37;
  const up = v(0, 1, 0);
  const position = v(0, 0, distance);
  const { perspective, orthographic } = cameras(position, up, target);
  const projectedHeight = (cam: THREE.Camera) => v(0, 2.5, 0).project(cam).y;

  it('perspective → orthographic', () => {
    orthographic.zoom = camera.orthographicZoomMatching(distance, VIEWPORT.height);
    orthographic.updateProjectionMatrix();
    expect(projectedHeight(orthographic)).toBeCloseTo(projectedHeight(perspective), 10);
  });

  it('orthographic → perspective is its inverse', () => {
    expect(camera.perspectiveDistanceMatching(camera.orthographicZoomMatching(distance, VIEWPORT.height), VIEWPORT.height)).toBeCloseTo(distance, 10);
  });
});

describe('lattice directions', () => {
  const hexagonal = Lattice.hexagonal(3.2, 5.2);
  const row = (k: number) => v(...hexagonal.matrix[k]!).normalize();

  it('a, b, c look down the lattice vectors with c up (b up when looking down c)', () => {
    expect(camera.latticeViewPose(hexagonal, 'a').direction.distanceTo(row(0))).toBeLessThan(1e-12);
    expect(camera.latticeViewPose(hexagonal, 'b').direction.distanceTo(row(1))).toBeLessThan(1e-12);
    expect(camera.latticeViewPose(hexagonal, 'c').up.distanceTo(row(1))).toBeLessThan(1e-12);
    expect(camera.latticeViewPose(hexagonal, 'a').up.distanceTo(row(2))).toBeLessThan(1e-12);
  });

  it('a* is perpendicular to b and c, c* to a and b; in a hexagonal cell a* is 30° from a', () => {
    const aStar = camera.latticeViewPose(hexagonal, 'a*').direction;
    const cStar = camera.latticeViewPose(hexagonal, 'c*').direction;
    expect(aStar.dot(row(1))).toBeCloseTo(0, 12);
    expect(aStar.dot(row(2))).toBeCloseTo(0, 12);
    expect(cStar.dot(row(0))).toBeCloseTo(0, 12);
    expect(cStar.dot(row(1))).toBeCloseTo(0, 12);
    expect((Math.acos(aStar.dot(row(0))) * 180) / Math.PI).toBeCloseTo(30, 9);
  });

  it('the default view of a cubic cell sees a, b and c from the front, right and above', () => {
    const { direction, up } = camera.defaultViewPose(Lattice.cubic(4));
    expect(direction.x).toBeGreaterThan(direction.y);
    expect(direction.y).toBeGreaterThan(direction.z);
    expect(direction.z).toBeGreaterThan(0);
    expect(up.distanceTo(v(0, 0, 1))).toBeLessThan(1e-12);
  });
});

describe('keyboard orbit', () => {
  const up = v(0, 0, 1);

  it('turns about up: 90° to the right takes a camera on +x to −y, keeping its distance', () => {
    const turned = camera.orbitOffset(v(10, 0, 0), up, 90, 0);
    expect(turned.distanceTo(v(0, -10, 0))).toBeLessThan(1e-12);
  });

  it('tilts about the screen horizontal, keeping the distance', () => {
    const tilted = camera.orbitOffset(v(10, 0, 0), up, 0, 30);
    expect(tilted.length()).toBeCloseTo(10, 12);
    expect((Math.asin(Math.abs(tilted.z) / 10) * 180) / Math.PI).toBeCloseTo(30, 9);
  });

  it('refuses a tilt that would reach the pole but still turns', () => {
    const nearPole = v(1, 0, 10); // 5.7° from up: a further 3° towards it would cross the guard
    const result = camera.orbitOffset(nearPole, up, 10, 3);
    expect(result.z).toBeCloseTo(10, 12);
    expect(Math.atan2(result.y, result.x)).toBeCloseTo((-10 * Math.PI) / 180, 12);
  });
});
