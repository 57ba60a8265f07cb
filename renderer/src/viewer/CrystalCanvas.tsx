/**
 * The 3D view: atoms and half-bonds as instanced meshes (one draw call each), polyhedra as one merged translucent
 * mesh, unit cell lines, labels, picking, an orbit camera that can be perspective or orthographic, and PNG export.
 *
 * Per-frame work never passes through React state: buffers are rebuilt only when the model or style changes, the
 * frame loop is on demand (a frame is drawn when something changed), and the axis compass is updated through refs.
 */
import { Canvas, useFrame, useThree } from '@react-three/fiber';
import { useEffect, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Structure } from '../../../shared/crystal/structure.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import type { DisplayModel } from './displayModel.ts';
import {
  boxEdgeSegments,
  buildAtomBuffers,
  buildBondBuffers,
  buildPolyhedraGeometry,
  cylinderSegments,
  sphereSegments,
  twoColourBondMaterial,
  type BondBuffers,
  type InstanceBuffers,
} from './sceneGeometry.ts';
import { croppedPng } from './pngExport.ts';
import { MAX_LABELS, type LabelMode, type Projection, type ViewerSettings } from './settings.ts';

export type ViewDirection = 'a' | 'b' | 'c' | 'a*' | 'b*' | 'c*';

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

/** Counters read by the e2e performance test and the status bar; mutated per frame, never rendered by React. */
export const viewerStats = { framesRendered: 0, atoms: 0, bonds: 0, triangles: 0 };
if (typeof window !== 'undefined') (window as unknown as { __cfstudioViewerStats: typeof viewerStats }).__cfstudioViewerStats = viewerStats;

let softwareRendererCache: boolean | undefined;
/**
 * True when WebGL runs on a CPU rasteriser (SwiftShader, llvmpipe: virtual machines, remote desktops, headless
 * servers). There, 4× multisampling costs a large share of the frame time with 10,000 atoms (tests/e2e/viewer-fps.e2e.ts
 * measures frame times), so it is switched off.
 */
export function softwareRenderer(): boolean {
  if (softwareRendererCache !== undefined) return softwareRendererCache;
  softwareRendererCache = false;
  try {
    const probe = document.createElement('canvas').getContext('webgl2');
    const info = probe?.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(probe!.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    softwareRendererCache = /swiftshader|llvmpipe|softpipe|software/i.test(name);
    probe?.getExtension('WEBGL_lose_context')?.loseContext();
  } catch {
    // No WebGL at all: the Canvas fallback will say so.
  }
  return softwareRendererCache;
}

export interface CrystalCanvasProps {
  structure: Structure;
  model: DisplayModel;
  settings: ViewerSettings;
  /** Changes whenever the camera should re-fit (new structure or supercell). */
  fitKey: string;
  /** Crystallographic label of each structure site (O1, O2), when the symmetry analysis has given them. */
  siteLabels?: readonly string[] | undefined;
  atomRadius: (species: string) => number;
  atomColor: (species: string) => string;
  /** Picked atoms, indices into model.atoms, in picking order. */
  selection: readonly number[];
  onPick: (atomIndex: number | null, additive: boolean) => void;
  onReady: (controller: ViewerController) => void;
  /** Shown over the canvas when WebGL cannot start. */
  fallback?: ReactNode;
}

export function CrystalCanvas(props: CrystalCanvasProps) {
  const compass = useRef<CompassRefs>({ lines: [], labels: [] });
  return (
    <div className="crystal-canvas">
      <Canvas
        frameloop={props.settings.autoRotate ? 'always' : 'demand'}
        dpr={[1, 2]}
        // No tone mapping: element colours (VESTA, Jmol) are shown as specified, not filmic-compressed.
        flat
        gl={{ antialias: !softwareRenderer(), alpha: true, preserveDrawingBuffer: false, powerPreference: 'high-performance' }}
        fallback={props.fallback ?? <div className="canvas-fallback">WebGL is not available, so the 3D view cannot be shown.</div>}
        aria-label="3D crystal structure view"
        role="img"
      >
        <Scene {...props} compass={compass} />
      </Canvas>
      {props.settings.showAxes && <AxisCompass refs={compass} />}
    </div>
  );
}

// ───────────────────────────────────────────────────────────────────────────── scene

interface CompassRefs {
  lines: (SVGLineElement | null)[];
  labels: (SVGTextElement | null)[];
}

function Scene(props: CrystalCanvasProps & { compass: React.RefObject<CompassRefs> }) {
  const { model, settings, structure } = props;
  const invalidate = useThree((s) => s.invalidate);
  const scene = useThree((s) => s.scene);

  useLayoutEffect(() => {
    scene.background = new THREE.Color('#ffffff');
  }, [scene]);

  useFrame(() => {
    viewerStats.framesRendered++;
  });

  useEffect(() => {
    viewerStats.atoms = model.atoms.length;
    viewerStats.bonds = settings.showBonds ? model.bonds.length : 0;
    invalidate();
  }, [model, settings.showBonds, invalidate]);

  const atoms = useMemo(() => buildAtomBuffers(model, props.atomRadius, props.atomColor), [model, props.atomRadius, props.atomColor]);
  const bonds = useMemo(
    () => (settings.showBonds ? buildBondBuffers(model, settings.bondThickness, props.atomColor) : null),
    [model, settings.showBonds, settings.bondThickness, props.atomColor],
  );

  return (
    <>
      <ambientLight intensity={1.1} />
      <CameraRig
        structure={structure}
        model={model}
        fitKey={props.fitKey}
        projection={settings.projection}
        autoRotate={settings.autoRotate}
        onReady={props.onReady}
        compass={props.compass}
      />
      <Spheres atoms={atoms} />
      {bonds && bonds.count > 0 && <Cylinders bonds={bonds} />}
      {settings.polyhedronCentres.length > 0 && (
        <Polyhedra model={model} atomColor={props.atomColor} opacity={settings.polyhedronOpacity} />
      )}
      {settings.showCell && <CellLines structure={structure} model={model} />}
      {settings.labels !== 'none' && <Labels model={model} structure={structure} siteLabels={props.siteLabels} mode={settings.labels} radii={atoms.radii} />}
      <SelectionMarks model={model} selection={props.selection} radii={atoms.radii} />
      <Picker centres={atoms.centres} radii={atoms.radii} onPick={props.onPick} />
    </>
  );
}

/** Material shared by atoms and bonds: Phong gives the specular highlight crystallographers know from VESTA. */
function useSolidMaterial(): THREE.MeshPhongMaterial {
  const material = useMemo(() => new THREE.MeshPhongMaterial({ shininess: 60, specular: new THREE.Color('#3a3a3a') }), []);
  useEffect(() => () => material.dispose(), [material]);
  return material;
}

function useInstancedMesh(geometry: THREE.BufferGeometry, material: THREE.Material, buffers: InstanceBuffers): THREE.InstancedMesh {
  const mesh = useMemo(() => {
    const m = new THREE.InstancedMesh(geometry, material, Math.max(1, buffers.count));
    m.count = buffers.count;
    (m.instanceMatrix.array as Float32Array).set(buffers.matrices);
    m.instanceMatrix.needsUpdate = true;
    m.instanceColor = new THREE.InstancedBufferAttribute(new Float32Array(Math.max(3, buffers.colors.length)), 3);
    (m.instanceColor.array as Float32Array).set(buffers.colors);
    m.computeBoundingSphere();
    m.computeBoundingBox();
    // Picking is done analytically on sphere centres (Picker); three's per-instance triangle raycast is not needed.
    m.raycast = () => {};
    return m;
  }, [geometry, material, buffers]);
  useEffect(() => () => mesh.dispose(), [mesh]);
  return mesh;
}

function Spheres({ atoms }: { atoms: ReturnType<typeof buildAtomBuffers> }) {
  const [widthSegments, heightSegments] = sphereSegments(atoms.count);
  const geometry = useMemo(() => new THREE.SphereGeometry(1, widthSegments, heightSegments), [widthSegments, heightSegments]);
  useEffect(() => () => geometry.dispose(), [geometry]);
  const material = useSolidMaterial();
  const mesh = useInstancedMesh(geometry, material, atoms);
  useEffect(() => {
    viewerStats.triangles = (geometry.index ? geometry.index.count / 3 : 0) * atoms.count;
  }, [geometry, atoms.count]);
  return <primitive object={mesh} />;
}

function Cylinders({ bonds }: { bonds: BondBuffers }) {
  const radial = cylinderSegments(bonds.count);
  // A geometry per buffer set: the second colour is an instanced attribute of the geometry itself.
  const geometry = useMemo(() => {
    const g = new THREE.CylinderGeometry(1, 1, 1, radial, 1, true);
    const colorsB = new Float32Array(Math.max(3, bonds.colorsB.length));
    colorsB.set(bonds.colorsB);
    g.setAttribute('instanceColorB', new THREE.InstancedBufferAttribute(colorsB, 3));
    return g;
  }, [radial, bonds]);
  useEffect(() => () => geometry.dispose(), [geometry]);
  const material = useMemo(() => twoColourBondMaterial(), []);
  useEffect(() => () => material.dispose(), [material]);
  const mesh = useInstancedMesh(geometry, material, bonds);
  return <primitive object={mesh} />;
}

function Polyhedra({ model, atomColor, opacity }: { model: DisplayModel; atomColor: (s: string) => string; opacity: number }) {
  const built = useMemo(() => buildPolyhedraGeometry(model, atomColor), [model, atomColor]);
  const faceMaterial = useMemo(
    () =>
      new THREE.MeshPhongMaterial({
        vertexColors: true,
        transparent: true,
        opacity,
        side: THREE.DoubleSide,
        depthWrite: false,
        shininess: 30,
      }),
    [opacity],
  );
  const edgeMaterial = useMemo(() => new THREE.LineBasicMaterial({ color: '#333333', transparent: true, opacity: 0.6 }), []);
  useEffect(() => () => built?.faces.dispose(), [built]);
  useEffect(() => () => built?.edges.dispose(), [built]);
  useEffect(() => () => faceMaterial.dispose(), [faceMaterial]);
  useEffect(() => () => edgeMaterial.dispose(), [edgeMaterial]);
  if (!built) return null;
  return (
    <>
      <mesh geometry={built.faces} material={faceMaterial} renderOrder={2} />
      <lineSegments geometry={built.edges} material={edgeMaterial} renderOrder={3} />
    </>
  );
}

function CellLines({ structure, model }: { structure: Structure; model: DisplayModel }) {
  const m = structure.lattice.matrix;
  const unitCell = useMemo(() => {
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(boxEdgeSegments([0, 0, 0], [m[0], m[1], m[2]]), 3));
    return g;
  }, [m]);
  const isSupercell = model.box.edges.some((edge, axis) => Math.abs(edge[0] - m[axis]![0]) + Math.abs(edge[1] - m[axis]![1]) + Math.abs(edge[2] - m[axis]![2]) > 1e-9);
  const superCell = useMemo(() => {
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(boxEdgeSegments(model.box.origin, model.box.edges), 3));
    return g;
  }, [model.box]);
  useEffect(() => () => unitCell.dispose(), [unitCell]);
  useEffect(() => () => superCell.dispose(), [superCell]);
  return (
    <>
      <lineSegments geometry={unitCell}>
        <lineBasicMaterial color="#111111" />
      </lineSegments>
      {isSupercell && (
        <lineSegments geometry={superCell}>
          <lineBasicMaterial color="#8a8a8a" />
        </lineSegments>
      )}
    </>
  );
}

function labelText(model: DisplayModel, structure: Structure, index: number, mode: LabelMode, siteLabels: readonly string[] | undefined): string {
  const atom = model.atoms[index]!;
  if (mode === 'element') return atom.species;
  return siteLabels?.[atom.site] ?? structure.sites[atom.site]?.label ?? `${atom.species}${atom.site + 1}`;
}

function Labels({
  model,
  structure,
  siteLabels,
  mode,
  radii,
}: {
  model: DisplayModel;
  structure: Structure;
  siteLabels: readonly string[] | undefined;
  mode: LabelMode;
  radii: Float32Array;
}) {
  const group = useMemo(() => {
    const g = new THREE.Group();
    if (model.atoms.length > MAX_LABELS) return g;
    const materials = new Map<string, THREE.SpriteMaterial>();
    for (let i = 0; i < model.atoms.length; i++) {
      const text = labelText(model, structure, i, mode, siteLabels);
      let material = materials.get(text);
      if (!material) materials.set(text, (material = labelMaterial(text)));
      const sprite = new THREE.Sprite(material);
      const aspect = (material.map!.image as HTMLCanvasElement).width / (material.map!.image as HTMLCanvasElement).height;
      const height = 0.42;
      sprite.scale.set(height * aspect, height, 1);
      const atom = model.atoms[i]!;
      sprite.position.set(atom.cart[0], atom.cart[1], atom.cart[2]);
      sprite.renderOrder = 10;
      g.add(sprite);
    }
    return g;
  }, [model, structure, siteLabels, mode, radii]);
  useEffect(
    () => () => {
      const seen = new Set<THREE.Material>();
      group.traverse((o) => {
        if (o instanceof THREE.Sprite && !seen.has(o.material)) {
          seen.add(o.material);
          o.material.map?.dispose();
          o.material.dispose();
        }
      });
    },
    [group],
  );
  return <primitive object={group} />;
}

function labelMaterial(text: string): THREE.SpriteMaterial {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d')!;
  const fontSize = 48;
  const font = `600 ${fontSize}px system-ui, "DejaVu Sans", sans-serif`;
  context.font = font;
  const width = Math.ceil(context.measureText(text).width) + 16;
  canvas.width = width;
  canvas.height = fontSize + 16;
  context.font = font;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.lineWidth = 8;
  context.strokeStyle = 'rgba(255,255,255,0.95)';
  context.strokeText(text, width / 2, canvas.height / 2);
  context.fillStyle = '#111111';
  context.fillText(text, width / 2, canvas.height / 2);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  return new THREE.SpriteMaterial({ map: texture, depthTest: false, transparent: true });
}

function SelectionMarks({ model, selection, radii }: { model: DisplayModel; selection: readonly number[]; radii: Float32Array }) {
  const geometry = useMemo(() => new THREE.SphereGeometry(1, 24, 16), []);
  const material = useMemo(() => new THREE.MeshBasicMaterial({ color: '#ffb000', transparent: true, opacity: 0.45, depthWrite: false }), []);
  const line = useMemo(() => {
    const g = new THREE.BufferGeometry();
    const points = selection.filter((i) => i < model.atoms.length).flatMap((i) => model.atoms[i]!.cart);
    g.setAttribute('position', new THREE.BufferAttribute(Float32Array.from(points), 3));
    const l = new THREE.Line(g, new THREE.LineDashedMaterial({ color: '#c05000', dashSize: 0.18, gapSize: 0.12, depthTest: false }));
    l.computeLineDistances();
    l.renderOrder = 11;
    return l;
  }, [model, selection]);
  useEffect(
    () => () => {
      line.geometry.dispose();
      (line.material as THREE.Material).dispose();
    },
    [line],
  );
  useEffect(() => () => geometry.dispose(), [geometry]);
  useEffect(() => () => material.dispose(), [material]);
  return (
    <>
      {selection
        .filter((i) => i < model.atoms.length)
        .map((i) => {
          const atom = model.atoms[i]!;
          const r = radii[i]! * 1.3 + 0.08;
          return <mesh key={i} geometry={geometry} material={material} position={atom.cart} scale={[r, r, r]} renderOrder={5} />;
        })}
      {selection.length >= 2 && <primitive object={line} />}
    </>
  );
}

/**
 * Click picking by exact ray–sphere intersection over all atom centres (O(N), instant for 10⁴ atoms). A press that
 * moves more than a few pixels is an orbit drag, not a click.
 */
function Picker({ centres, radii, onPick }: { centres: Float32Array; radii: Float32Array; onPick: CrystalCanvasProps['onPick'] }) {
  const gl = useThree((s) => s.gl);
  const get = useThree((s) => s.get);
  const latest = useRef({ centres, radii, onPick });
  latest.current = { centres, radii, onPick };
  useEffect(() => {
    const element = gl.domElement;
    let down: { x: number; y: number } | null = null;
    const raycaster = new THREE.Raycaster();
    const onDown = (e: PointerEvent) => {
      down = e.button === 0 ? { x: e.clientX, y: e.clientY } : null;
    };
    const onUp = (e: PointerEvent) => {
      if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return;
      down = null;
      const rect = element.getBoundingClientRect();
      const ndc = new THREE.Vector2(((e.clientX - rect.left) / rect.width) * 2 - 1, -((e.clientY - rect.top) / rect.height) * 2 + 1);
      raycaster.setFromCamera(ndc, get().camera);
      const { origin, direction } = raycaster.ray;
      const { centres: c, radii: r } = latest.current;
      let best = -1;
      let bestT = Infinity;
      for (let i = 0; i < r.length; i++) {
        const dx = c[3 * i]! - origin.x, dy = c[3 * i + 1]! - origin.y, dz = c[3 * i + 2]! - origin.z;
        const t = dx * direction.x + dy * direction.y + dz * direction.z;
        const d2 = dx * dx + dy * dy + dz * dz - t * t;
        const r2 = r[i]! * r[i]!;
        if (d2 > r2) continue;
        const hit = t - Math.sqrt(r2 - d2);
        if (hit > 0 && hit < bestT) {
          bestT = hit;
          best = i;
        }
      }
      latest.current.onPick(best >= 0 ? best : null, e.shiftKey || e.ctrlKey || e.metaKey);
    };
    element.addEventListener('pointerdown', onDown);
    element.addEventListener('pointerup', onUp);
    return () => {
      element.removeEventListener('pointerdown', onDown);
      element.removeEventListener('pointerup', onUp);
    };
  }, [gl, get]);
  return null;
}

// ───────────────────────────────────────────────────────────────────────────── camera

const FIELD_OF_VIEW = 30;
const FIT_MARGIN = 1.12;

interface CameraRigProps {
  structure: Structure;
  model: DisplayModel;
  fitKey: string;
  projection: Projection;
  autoRotate: boolean;
  onReady: (controller: ViewerController) => void;
  compass: React.RefObject<CompassRefs>;
}

/** Bounding sphere of what is drawn: atoms and the box corners. */
function boundingSphere(model: DisplayModel): { centre: THREE.Vector3; radius: number } {
  const points: THREE.Vector3[] = [];
  const [a, b, c] = model.box.edges;
  for (let i = 0; i < 8; i++) {
    const f = [i & 1, (i >> 1) & 1, (i >> 2) & 1];
    points.push(new THREE.Vector3(f[0]! * a[0] + f[1]! * b[0] + f[2]! * c[0], f[0]! * a[1] + f[1]! * b[1] + f[2]! * c[1], f[0]! * a[2] + f[1]! * b[2] + f[2]! * c[2]));
  }
  const box = new THREE.Box3().setFromPoints(points);
  for (const atom of model.atoms) box.expandByPoint(new THREE.Vector3(atom.cart[0], atom.cart[1], atom.cart[2]));
  const centre = box.getCenter(new THREE.Vector3());
  let radius = 0;
  for (const p of points) radius = Math.max(radius, p.distanceTo(centre));
  for (const atom of model.atoms) radius = Math.max(radius, centre.distanceTo(new THREE.Vector3(...atom.cart)) + 1);
  return { centre, radius: Math.max(radius, 1) };
}

function unit(v: Vec3): THREE.Vector3 {
  return new THREE.Vector3(v[0], v[1], v[2]).normalize();
}

function CameraRig({ structure, model, fitKey, projection, autoRotate, onReady, compass }: CameraRigProps) {
  const gl = useThree((s) => s.gl);
  const set = useThree((s) => s.set);
  const get = useThree((s) => s.get);
  const size = useThree((s) => s.size);
  const invalidate = useThree((s) => s.invalidate);
  const scene = useThree((s) => s.scene);

  const cameras = useMemo(() => {
    const perspective = new THREE.PerspectiveCamera(FIELD_OF_VIEW, 1, 0.1, 5000);
    const orthographic = new THREE.OrthographicCamera(-1, 1, 1, -1, -5000, 5000);
    // A light that travels with the camera keeps the side facing the viewer lit, whatever the rotation.
    for (const camera of [perspective, orthographic]) {
      const light = new THREE.DirectionalLight('#ffffff', 1.6);
      light.position.set(0.4, 0.6, 1);
      camera.add(light);
      camera.add(light.target);
      light.target.position.set(0, 0, -1);
    }
    return { perspective, orthographic };
  }, []);

  const controlsRef = useRef<OrbitControls | null>(null);
  const fit = useRef(boundingSphere(model));
  const up = useRef(new THREE.Vector3(0, 0, 1));

  const camera = projection === 'perspective' ? cameras.perspective : cameras.orthographic;

  // Size-dependent frustum, applied to whichever camera is active.
  useLayoutEffect(() => {
    cameras.perspective.aspect = size.width / Math.max(1, size.height);
    cameras.perspective.updateProjectionMatrix();
    Object.assign(cameras.orthographic, { left: -size.width / 2, right: size.width / 2, top: size.height / 2, bottom: -size.height / 2 });
    cameras.orthographic.updateProjectionMatrix();
    invalidate();
  }, [cameras, size, invalidate]);

  /** Put the camera on `direction` (pointing from target to camera) with `upVector`, framing the bounding sphere. */
  const place = (direction: THREE.Vector3, upVector: THREE.Vector3) => {
    const { centre, radius } = fit.current;
    const { width, height } = get().size;
    const d = direction.clone().normalize();
    const u = upVector.clone().sub(d.clone().multiplyScalar(upVector.dot(d))).normalize();
    up.current.copy(u);
    const distance = (radius * FIT_MARGIN) / Math.sin(((FIELD_OF_VIEW / 2) * Math.PI) / 180);
    for (const cam of [cameras.perspective, cameras.orthographic]) {
      cam.up.copy(u);
      cam.position.copy(centre).addScaledVector(d, distance);
      cam.lookAt(centre);
      // Current at once, not at the next (on-demand) frame: a click that arrives before that frame is picked with
      // the camera the user now sees (screenPosition and the pointer's raycast agree whenever the frame is drawn).
      cam.updateMatrixWorld();
    }
    cameras.perspective.near = Math.max(0.01, distance - radius * 3);
    cameras.perspective.far = distance + radius * 3;
    cameras.perspective.updateProjectionMatrix();
    cameras.orthographic.zoom = Math.min(width, height) / (2 * radius * FIT_MARGIN);
    cameras.orthographic.updateProjectionMatrix();
    rebuildControls();
    invalidate();
  };

  const defaultView = () => {
    const m = structure.lattice.matrix;
    const a = unit(m[0]), b = unit(m[1]), c = unit(m[2]);
    // Oblique view with c up, a towards the viewer and b to the right: the usual textbook picture.
    const direction = a.clone().multiplyScalar(1).add(b.clone().multiplyScalar(0.38)).add(c.clone().multiplyScalar(0.28));
    place(direction, c);
  };

  const rebuildControls = () => {
    controlsRef.current?.dispose();
    const active = get().camera;
    const controls = new OrbitControls(active, gl.domElement);
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
  const autoRotateRef = useRef(autoRotate);
  autoRotateRef.current = autoRotate;

  // Switch the active camera, keeping view direction and apparent scale.
  useLayoutEffect(() => {
    const previous = get().camera;
    if (previous !== camera && (previous === cameras.perspective || previous === cameras.orthographic)) {
      const target = controlsRef.current?.target ?? fit.current.centre;
      const { height } = get().size;
      const tanHalf = Math.tan(((FIELD_OF_VIEW / 2) * Math.PI) / 180);
      if (camera === cameras.orthographic) {
        const distance = previous.position.distanceTo(target);
        camera.position.copy(previous.position);
        camera.quaternion.copy(previous.quaternion);
        camera.up.copy(previous.up);
        cameras.orthographic.zoom = height / (2 * distance * tanHalf);
      } else {
        const distance = height / (2 * tanHalf * cameras.orthographic.zoom);
        const direction = previous.position.clone().sub(target).normalize();
        camera.up.copy(previous.up);
        camera.position.copy(target).addScaledVector(direction, distance);
        camera.lookAt(target);
        cameras.perspective.near = Math.max(0.01, distance - fit.current.radius * 3);
        cameras.perspective.far = distance + fit.current.radius * 3;
      }
      camera.updateProjectionMatrix();
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
    const upVector = current.up.clone();
    fit.current = boundingSphere(model);
    if (direction && direction.lengthSq() > 0) place(direction, upVector);
    else defaultView();
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
    const directionOf = (which: ViewDirection): { direction: THREE.Vector3; up: THREE.Vector3 } => {
      const m = structure.lattice.matrix;
      const r = structure.lattice.reciprocalLatticeCrystallographic.matrix;
      const a = unit(m[0]), b = unit(m[1]), c = unit(m[2]);
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
    };
    onReady({
      viewAlong(which) {
        const { direction, up: upVector } = directionOf(which);
        place(direction, upVector);
      },
      resetView() {
        fit.current = boundingSphere(model);
        defaultView();
      },
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
        const controls = controlsRef.current;
        if (!controls) return;
        const cam = get().camera;
        const offset = cam.position.clone().sub(controls.target);
        const right = new THREE.Vector3().crossVectors(cam.up, offset).normalize();
        offset.applyAxisAngle(cam.up.clone().normalize(), (-horizontal * Math.PI) / 180);
        const tilted = offset.clone().applyAxisAngle(right, (-vertical * Math.PI) / 180);
        // Stay off the pole of the orbit (OrbitControls cannot look straight along its up vector).
        if (Math.abs(tilted.clone().normalize().dot(cam.up.clone().normalize())) < 0.995) offset.copy(tilted);
        cam.position.copy(controls.target).add(offset);
        cam.lookAt(controls.target);
        cam.updateMatrixWorld();
        controls.update();
        invalidate();
      },
      screenPosition(atomIndex) {
        const atom = model.atoms[atomIndex];
        if (!atom) return null;
        const { camera: cam, size: canvasSize } = get();
        cam.updateMatrixWorld();
        const p = new THREE.Vector3(...atom.cart).project(cam);
        return { x: ((p.x + 1) / 2) * canvasSize.width, y: ((1 - p.y) / 2) * canvasSize.height };
      },
      zoomBy(factor) {
        const controls = controlsRef.current;
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
    });
  }, [structure, model, onReady]);

  return null;
}

// ───────────────────────────────────────────────────────────────────────────── axis compass

const COMPASS_COLORS = ['#d62728', '#2ca02c', '#1f5fd6'];
const COMPASS_CENTRE = 42;
const COMPASS_LENGTH = 30;

function AxisCompass({ refs }: { refs: React.RefObject<CompassRefs> }) {
  return (
    <svg className="axis-compass" width={2 * COMPASS_CENTRE} height={2 * COMPASS_CENTRE} aria-hidden="true">
      {['a', 'b', 'c'].map((name, i) => (
        <g key={name}>
          <line
            ref={(el) => {
              refs.current.lines[i] = el;
            }}
            x1={COMPASS_CENTRE}
            y1={COMPASS_CENTRE}
            x2={COMPASS_CENTRE}
            y2={COMPASS_CENTRE}
            stroke={COMPASS_COLORS[i]}
            strokeWidth={2.5}
            strokeLinecap="round"
          />
          <text
            ref={(el) => {
              refs.current.labels[i] = el;
            }}
            x={COMPASS_CENTRE}
            y={COMPASS_CENTRE}
            fill={COMPASS_COLORS[i]}
            fontSize={13}
            fontWeight={700}
            fontStyle="italic"
            textAnchor="middle"
            dominantBaseline="middle"
          >
            {name}
          </text>
        </g>
      ))}
    </svg>
  );
}

const inverseQuaternion = new THREE.Quaternion();
const projected = new THREE.Vector3();
function updateCompass(camera: THREE.Camera, structure: Structure, refs: CompassRefs | null) {
  if (!refs) return;
  inverseQuaternion.copy(camera.quaternion).invert();
  structure.lattice.matrix.forEach((row, i) => {
    projected.set(row[0], row[1], row[2]).normalize().applyQuaternion(inverseQuaternion);
    const x2 = COMPASS_CENTRE + COMPASS_LENGTH * projected.x;
    const y2 = COMPASS_CENTRE - COMPASS_LENGTH * projected.y;
    const line = refs.lines[i];
    if (line) {
      line.setAttribute('x2', x2.toFixed(1));
      line.setAttribute('y2', y2.toFixed(1));
    }
    const label = refs.labels[i];
    if (label) {
      label.setAttribute('x', (COMPASS_CENTRE + (COMPASS_LENGTH + 9) * projected.x).toFixed(1));
      label.setAttribute('y', (COMPASS_CENTRE - (COMPASS_LENGTH + 9) * projected.y).toFixed(1));
    }
  });
}
