/**
 * The viewer's orbit camera: a perspective and an orthographic three.js camera kept on the same pose, OrbitControls
 * on the active one, re-fitting when the structure or supercell changes, and the ViewerController the panel drives
 * (view along a direction, reset, rotate, zoom, PNG snapshot, where an atom is drawn). The geometry is in
 * ./camera.ts; this component only applies it.
 */
import { useFrame, useThree, type RootState } from '@react-three/fiber';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { updateCompass, type CompassRefs } from './AxisCompass.tsx';
import {
  FIELD_OF_VIEW,
  boundingSphere,
  defaultViewPose,
  fitView,
  latticeViewPose,
  orbitOffset,
  orthographicZoomMatching,
  perspectiveDepthRange,
  perspectiveDistanceMatching,
  type ViewDirection,
  type ViewPose,
} from './camera.ts';
import type { DisplayModel } from './displayModel.ts';
import { croppedPng } from './pngExport.ts';
import type { Projection } from './settings.ts';

export type { ViewDirection } from './camera.ts';

export interface ViewerController {
  /** Look down a lattice (a, b, c) or reciprocal-lattice (a*, b*, c*) direction. */
  viewAlong(direction: ViewDirection): void;
  /** Back to the default oblique view, fitted to the structure. */
  resetView(): void;
  /** Renders one frame at `scale` × the screen resolution and returns it as a PNG data URL. */
  snapshotPng(scale?: number, options?: { transparent?: boolean }): string;
  /** Rotate the view by small steps (keyboard control), in degrees. */
  rotateBy(horizontalDegrees: number, verticalDegrees: number): void;
  zoomBy(factor: number): void;
  /** Where an atom's centre is drawn, in CSS pixels from the canvas's top-left corner (for overlays and tests). */
  screenPosition(atomIndex: number): { x: number; y: number } | null;
}

interface CameraRigProps {
  structure: Structure;
  model: DisplayModel;
  fitKey: string;
  projection: Projection;
  autoRotate: boolean;
  onReady: (controller: ViewerController) => void;
  compass: React.RefObject<CompassRefs>;
}

/** Both cameras, each carrying a light that keeps the side facing the viewer lit, whatever the rotation. */
function createCameras(): { perspective: THREE.PerspectiveCamera; orthographic: THREE.OrthographicCamera } {
  const perspective = new THREE.PerspectiveCamera(FIELD_OF_VIEW, 1, 0.1, 5000);
  const orthographic = new THREE.OrthographicCamera(-1, 1, 1, -1, -5000, 5000);
  for (const camera of [perspective, orthographic]) {
    const light = new THREE.DirectionalLight('#ffffff', 1.6);
    light.position.set(0.4, 0.6, 1);
    camera.add(light);
    camera.add(light.target);
    light.target.position.set(0, 0, -1);
  }
  return { perspective, orthographic };
}

export function CameraRig({ structure, model, fitKey, projection, autoRotate, onReady, compass }: CameraRigProps) {
  const gl = useThree((s) => s.gl);
  const set = useThree((s) => s.set);
  const get = useThree((s) => s.get);
  const size = useThree((s) => s.size);
  const invalidate = useThree((s) => s.invalidate);
  const scene = useThree((s) => s.scene);

  const cameras = useMemo(createCameras, []);
  const controlsRef = useRef<OrbitControls | null>(null);
  const fit = useRef(boundingSphere(model));
  const autoRotateRef = useRef(autoRotate);
  autoRotateRef.current = autoRotate;

  const camera = projection === 'perspective' ? cameras.perspective : cameras.orthographic;

  // Size-dependent frustum, applied to whichever camera is active.
  useLayoutEffect(() => {
    cameras.perspective.aspect = size.width / Math.max(1, size.height);
    cameras.perspective.updateProjectionMatrix();
    Object.assign(cameras.orthographic, { left: -size.width / 2, right: size.width / 2, top: size.height / 2, bottom: -size.height / 2 });
    cameras.orthographic.updateProjectionMatrix();
    invalidate();
  }, [cameras, size, invalidate]);

  const rebuildControls = () => {
    controlsRef.current?.dispose();
    const controls = new OrbitControls(get().camera, gl.domElement);
    controls.target.copy(fit.current.centre);
    controls.enableDamping = false;
    controls.rotateSpeed = 0.9;
    controls.zoomSpeed = 1.1;
    controls.autoRotateSpeed = 6;
    controls.autoRotate = autoRotateRef.current;
    controls.addEventListener('change', () => invalidate());
    controls.update();
    controlsRef.current = controls;
  };

  /** Put both cameras on `pose`, framing the bounding sphere. */
  const place = (pose: ViewPose) => {
    const view = fitView(fit.current, pose, get().size);
    for (const cam of [cameras.perspective, cameras.orthographic]) {
      cam.up.copy(view.up);
      cam.position.copy(view.position);
      cam.lookAt(fit.current.centre);
      // Current at once, not at the next (on-demand) frame: a click that arrives before that frame is picked with
      // the camera the user now sees (screenPosition and the pointer's raycast agree whenever the frame is drawn).
      cam.updateMatrixWorld();
    }
    Object.assign(cameras.perspective, { near: view.near, far: view.far });
    cameras.perspective.updateProjectionMatrix();
    cameras.orthographic.zoom = view.orthographicZoom;
    cameras.orthographic.updateProjectionMatrix();
    rebuildControls();
    invalidate();
  };

  // Switch the active camera, keeping view direction and apparent scale.
  useLayoutEffect(() => {
    const previous = get().camera;
    if (previous !== camera && (previous === cameras.perspective || previous === cameras.orthographic)) {
      takeOverView(previous, camera, controlsRef.current?.target ?? fit.current.centre, get().size.height, fit.current.radius);
    }
    scene.add(camera);
    set({ camera });
    rebuildControls();
    invalidate();
    return () => {
      scene.remove(camera);
    };
  }, [camera]);

  // Re-fit when a different structure or supercell is shown. A new supercell of the same structure keeps the
  // direction the user rotated to (fitKey is 'structure|supercell'); only a new structure gets the default view.
  const lastFitKey = useRef(fitKey);
  useLayoutEffect(() => {
    const sameStructure = lastFitKey.current !== fitKey && lastFitKey.current.split('|')[0] === fitKey.split('|')[0];
    lastFitKey.current = fitKey;
    const current = get().camera;
    const target = controlsRef.current?.target;
    const direction = sameStructure && target ? current.position.clone().sub(target) : null;
    fit.current = boundingSphere(model);
    place(direction && direction.lengthSq() > 0 ? { direction, up: current.up.clone() } : defaultViewPose(structure.lattice));
  }, [fitKey]);

  useEffect(() => {
    if (controlsRef.current) controlsRef.current.autoRotate = autoRotate;
    invalidate();
  }, [autoRotate, invalidate]);

  useEffect(() => () => controlsRef.current?.dispose(), []);

  useFrame((_, delta) => {
    const controls = controlsRef.current;
    if (controls?.autoRotate) controls.update(delta);
    updateCompass(get().camera, structure, compass.current);
  });

  useEffect(() => {
    onReady(
      viewerController({
        get,
        invalidate,
        controls: () => controlsRef.current,
        atoms: model.atoms,
        viewAlong: (which) => place(latticeViewPose(structure.lattice, which)),
        resetView() {
          fit.current = boundingSphere(model);
          place(defaultViewPose(structure.lattice));
        },
      }),
    );
  }, [structure, model, onReady]);

  return null;
}

/**
 * Put `next` where `previous` (the other projection) looks from, at the same apparent scale of the target plane: the
 * orthographic camera takes the zoom that matches the perspective distance, the perspective camera the distance that
 * matches the zoom.
 */
function takeOverView(previous: THREE.Camera, next: Camera, target: THREE.Vector3, viewportHeight: number, radius: number): void {
  if (next instanceof THREE.OrthographicCamera) {
    next.position.copy(previous.position);
    next.quaternion.copy(previous.quaternion);
    next.up.copy(previous.up);
    next.zoom = orthographicZoomMatching(previous.position.distanceTo(target), viewportHeight);
  } else {
    const distance = perspectiveDistanceMatching((previous as THREE.OrthographicCamera).zoom, viewportHeight);
    const direction = previous.position.clone().sub(target).normalize();
    next.up.copy(previous.up);
    next.position.copy(target).addScaledVector(direction, distance);
    next.lookAt(target);
    Object.assign(next, perspectiveDepthRange(distance, radius));
  }
  next.updateProjectionMatrix();
}

type Camera = THREE.PerspectiveCamera | THREE.OrthographicCamera;

/** What the controller needs from the rig: the three.js state, the orbit controls, the atoms, the two re-fits. */
interface ControllerDeps {
  get: RootState['get'];
  invalidate: () => void;
  controls: () => OrbitControls | null;
  atoms: DisplayModel['atoms'];
  viewAlong: ViewerController['viewAlong'];
  resetView: ViewerController['resetView'];
}

function viewerController({ get, invalidate, controls: currentControls, atoms, viewAlong, resetView }: ControllerDeps): ViewerController {
  return {
    viewAlong,
    resetView,
    snapshotPng(scale = 2, options = {}) {
      const { gl: renderer, scene: s, camera: cam } = get();
      const previousRatio = renderer.getPixelRatio();
      const background = s.background;
      const clearAlpha = renderer.getClearAlpha();
      // Drawn on a transparent background so that the drawn pixels can be found and the margins cut off.
      s.background = null;
      renderer.setClearAlpha(0);
      renderer.setPixelRatio(previousRatio * scale);
      renderer.render(s, cam);
      const url = croppedPng(renderer.domElement, { transparent: options.transparent ?? false, margin: Math.round(12 * scale) });
      s.background = background;
      renderer.setClearAlpha(clearAlpha);
      renderer.setPixelRatio(previousRatio);
      invalidate();
      return url;
    },
    rotateBy(horizontal, vertical) {
      const controls = currentControls();
      if (!controls) return;
      const cam = get().camera;
      // The offset is taken before the position is overwritten (in one chained expression it would be read after).
      const offset = orbitOffset(cam.position.clone().sub(controls.target), cam.up, horizontal, vertical);
      cam.position.copy(controls.target).add(offset);
      cam.lookAt(controls.target);
      cam.updateMatrixWorld();
      controls.update();
      invalidate();
    },
    screenPosition(atomIndex) {
      const atom = atoms[atomIndex];
      if (!atom) return null;
      const { camera: cam, size: canvasSize } = get();
      cam.updateMatrixWorld();
      const p = new THREE.Vector3(...atom.cart).project(cam);
      return { x: ((p.x + 1) / 2) * canvasSize.width, y: ((1 - p.y) / 2) * canvasSize.height };
    },
    zoomBy(factor) {
      const controls = currentControls();
      const cam = get().camera;
      if (!controls) return;
      if (cam instanceof THREE.OrthographicCamera) {
        cam.zoom *= factor;
        cam.updateProjectionMatrix();
      } else {
        cam.position.sub(controls.target).multiplyScalar(1 / factor).add(controls.target);
      }
      controls.update();
      invalidate();
    },
  };
}
