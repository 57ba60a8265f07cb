/**
 * The 3D view: atoms and half-bonds as instanced meshes (one draw call each), polyhedra as one merged translucent
 * mesh, unit cell lines, labels and picking; the orbit camera (perspective or orthographic) and PNG export are in
 * CameraRig.tsx (its geometry in camera.ts), the axis compass in AxisCompass.tsx.
 *
 * Per-frame work never passes through React state: buffers are rebuilt only when the model or style changes, the
 * frame loop is on demand (a frame is drawn when something changed), and the axis compass is updated through refs.
 */
import { Canvas, useFrame, useThree } from '@react-three/fiber';
import { useEffect, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import * as THREE from 'three';
import type { Structure } from '../../../shared/crystal/structure.ts';
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
import { AxisCompass, type CompassRefs } from './AxisCompass.tsx';
import { CameraRig, type ViewerController } from './CameraRig.tsx';
import { MAX_LABELS, type LabelMode, type ViewerSettings } from './settings.ts';

export type { ViewDirection, ViewerController } from './CameraRig.tsx';

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
