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

/** CIE L*a*b* (D65) of an sRGB colour '#rrggbb'. */
export function hexToLab(hex: string): [number, number, number] {
  const n = parseInt(hex.replace('#', ''), 16);
  const linear = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const [r, g, b] = linear;
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference; about 2.3 is just noticeable, VESTA pairs that look alike sit below 30 (Ba–Zr 26, Ca–Ti 20) and pairs that do not above it (Mg–O 38). */
export function colorDifference(a: string, b: string): number {
  const p = hexToLab(a);
  const q = hexToLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** Elements of one structure closer than this (CIE76) get a shifted colour, e.g. VESTA's Ba and Zr (both green). */
export const MIN_COLOR_DIFFERENCE = 30;

function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return `#${[channel(0), channel(8), channel(4)].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function hexToHsl(hex: string): [number, number, number] {
  const n = parseInt(hex.replace('#', ''), 16);
  const [r, g, b] = [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === r ? ((g - b) / d + (g < b ? 6 : 0)) * 60 : max === g ? ((b - r) / d + 2) * 60 : ((r - g) / d + 4) * 60;
  return [h, s, l];
}

/**
 * The preset's colour for each element of a structure, except that an element whose colour is hard to tell from
 * an earlier one's (elements taken in the order given) is moved along the hue circle, then in lightness, to the
 * nearest colour at least MIN_COLOR_DIFFERENCE from all others. Elements that already differ keep the preset's.
 */
export function separatedColors(species: readonly string[], preset: ColorPreset): Map<string, string> {
  const result = new Map<string, string>();
  for (const element of species) {
    if (result.has(element)) continue;
    const base = atomColor(element, preset).toLowerCase();
    const clear = (c: string) => [...result.values()].every((other) => colorDifference(c, other) >= MIN_COLOR_DIFFERENCE);
    if (clear(base)) {
      result.set(element, base);
      continue;
    }
    const [h, s, l] = hexToHsl(base);
    let chosen = base;
    search: for (const dl of [0, -0.15, 0.15, -0.3]) {
      for (let step = 1; step < 12; step++) {
        for (const sign of [1, -1]) {
          const candidate = hslToHex((h + sign * 30 * step + 360) % 360, Math.max(s, 0.5), Math.min(0.8, Math.max(0.25, l + dl)));
          if (clear(candidate)) {
            chosen = candidate;
            break search;
          }
        }
      }
    }
    result.set(element, chosen);
  }
  return result;
}
