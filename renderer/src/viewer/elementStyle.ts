/**
 * How an element is drawn: colour by preset (VESTA or Jmol, from shared/crystal/elements.ts) and sphere radius
 * by radius kind. The tables themselves live in shared/; this file only chooses among them.
 */
import { covalentRadius, elementColor, elementData, type ElementColorScheme } from '../../../shared/crystal/elements.ts';

export type ColorPreset = ElementColorScheme;
export type RadiusKind = 'covalent' | 'ionic' | 'uniform';

export const COLOR_PRESETS: readonly { id: ColorPreset; label: string }[] = [
  { id: 'vesta', label: 'VESTA' },
  { id: 'jmol', label: 'Jmol' },
];

export const RADIUS_KINDS: readonly { id: RadiusKind; label: string }[] = [
  { id: 'covalent', label: 'Covalent' },
  { id: 'ionic', label: 'Ionic' },
  { id: 'uniform', label: 'Uniform' },
];

export function atomColor(species: string, preset: ColorPreset): string {
  return elementColor(species, preset);
}

/**
 * Shannon crystal radius (octahedral) for the element's most common oxidation state that has one tabulated —
 * without oxidation states in the structure this is the usual guess (Na⁺, Cl⁻, Ti⁴⁺, O²⁻). Elements with no
 * tabulated ionic radius (noble gases, some light and superheavy elements) fall back to the covalent radius.
 */
export function ionicRadius(species: string): number {
  const data = elementData(species);
  for (const state of data.commonOxidationStates) {
    const key = state > 0 ? `+${state}` : `${state}`;
    const r = data.ionicRadii[key];
    if (r !== undefined) return r;
  }
  const tabulated = Object.values(data.ionicRadii);
  if (tabulated.length > 0) return tabulated.reduce((sum, r) => sum + r, 0) / tabulated.length;
  return covalentRadius(species);
}

/** Sphere radius in Å before the user's scale factor. Uniform spheres are 1 Å so the scale slider reads as Å. */
export function baseAtomRadius(species: string, kind: RadiusKind): number {
  switch (kind) {
    case 'covalent':
      return covalentRadius(species);
    case 'ionic':
      return ionicRadius(species);
    case 'uniform':
      return 1;
  }
}

export { covalentRadius };

/** Non-metals, noble gases and the metalloids (B, Si, Ge, As, Sb, Te, At): everything else counts as a metal. */
const NON_METALS = new Set(['H', 'He', 'B', 'C', 'N', 'O', 'F', 'Ne', 'Si', 'P', 'S', 'Cl', 'Ar', 'Ge', 'As', 'Se', 'Br', 'Kr', 'Sb', 'Te', 'I', 'Xe', 'At', 'Rn', 'Ts', 'Og']);

export function isMetal(species: string): boolean {
  elementData(species); // throws naming an unknown symbol
  return !NON_METALS.has(species);
}
