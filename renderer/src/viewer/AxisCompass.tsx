/**
 * The a, b, c axis compass drawn over the 3D view; its arrows are moved per frame through refs, never by React
 * state (CameraRig calls updateCompass from its frame loop).
 */
import * as THREE from 'three';
import type { Structure } from '../../../shared/crystal/structure.ts';

export interface CompassRefs {
  lines: (SVGLineElement | null)[];
  labels: (SVGTextElement | null)[];
}

const COMPASS_COLORS = ['#d62728', '#2ca02c', '#1f5fd6'];
const COMPASS_CENTRE = 42;
const COMPASS_LENGTH = 30;

export function AxisCompass({ refs }: { refs: React.RefObject<CompassRefs> }) {
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
/** Point the compass's a, b, c arrows the way the lattice vectors appear from `camera` (through refs, per frame). */
export function updateCompass(camera: THREE.Camera, structure: Structure, refs: CompassRefs | null) {
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
