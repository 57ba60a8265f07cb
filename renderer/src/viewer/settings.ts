import type { ColorPreset, RadiusKind } from './elementStyle.ts';
import type { PairBondRule } from './displayModel.ts';

export type LabelMode = 'none' | 'element' | 'site';
export type Projection = 'perspective' | 'orthographic';

/** Everything the user can change about how a structure is drawn. */
export interface ViewerSettings {
  colorPreset: ColorPreset;
  radiusKind: RadiusKind;
  /** Multiplies the chosen radius (ball-and-stick at ~0.4, space-filling at 1). */
  radiusScale: number;
  showBonds: boolean;
  bondTolerance: number;
  /** Cylinder radius in Å. */
  bondThickness: number;
  pairRules: PairBondRule[];
  /**
   * Bonds between two metals in a compound that also holds non-metals (Ti–Sr in SrTiO₃, Ti–Ti in rutile): the
   * covalent-radius rule finds them, crystallographers rarely want them. Pure metals and intermetallics keep their
   * bonds either way.
   */
  metalMetalBonds: boolean;
  supercell: [number, number, number];
  boundaryImages: boolean;
  bondedOutside: boolean;
  showCell: boolean;
  showAxes: boolean;
  polyhedronCentres: string[];
  polyhedronOpacity: number;
  labels: LabelMode;
  projection: Projection;
  autoRotate: boolean;
}

export const DEFAULT_VIEWER_SETTINGS: ViewerSettings = {
  colorPreset: 'vesta',
  radiusKind: 'covalent',
  radiusScale: 0.4,
  showBonds: true,
  bondTolerance: 0.1,
  bondThickness: 0.12,
  pairRules: [],
  metalMetalBonds: false,
  supercell: [1, 1, 1],
  boundaryImages: true,
  bondedOutside: false,
  showCell: true,
  showAxes: true,
  polyhedronCentres: [],
  polyhedronOpacity: 0.45,
  labels: 'none',
  projection: 'orthographic',
  autoRotate: false,
};

/** Labels beyond this many atoms would hide the structure and cost a texture each; the UI says so instead. */
export const MAX_LABELS = 600;
