/**
 * A crystallographer's summary of a structure, from our symmetry analysis (shared/symmetry, moyo): formula, Z,
 * space group, conventional cell, volume, density and the asymmetric unit (one row per Wyckoff orbit, labelled
 * as in the symmetrized CIF: element + running number, e.g. O1, O2), plus the same label for every site of the
 * structure as given (so the viewer's site labels are crystallographic, not P1 indices) and the symmetrized CIF.
 * Pure: runs in the summary worker (never on the UI thread) and in Node tests.
 */
import { Composition } from '../../../shared/crystal/composition.ts';
import type { LatticeParameters } from '../../../shared/crystal/lattice.ts';
import { latticePointsWithin } from '../../../shared/crystal/geometry.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { writeSymmetrizedCif } from '../../../shared/io/cif-writer.ts';
import { analyzeStructure } from '../../../shared/symmetry/analyze.ts';
import { getSpaceGroup, type CrystalSystem } from '../../../shared/symmetry/spacegroups.ts';

/** g/cm³ per (g/mol / Å³): 1e24 Å³/cm³ ÷ Avogadro's number (exact SI value). */
const DENSITY_FACTOR = 1e24 / 6.02214076e23;

export interface AsymmetricSite {
  label: string;
  element: string;
  letter: string;
  multiplicity: number;
  /** Oriented site-symmetry symbol as in ITA, e.g. 'm-3m'. */
  siteSymmetry: string;
  /** Representative position in the conventional cell of the standard setting. */
  frac: Vec3;
  /** Structures here are ordered (partially occupied files are refused on reading), so always 1. */
  occupancy: number;
}

export interface StructureSummary {
  /** Reduced formula, e.g. 'SrTiO3'. */
  formula: string;
  /** Formula units in the conventional cell. */
  z: number;
  spaceGroup: { number: number; symbol: string; crystalSystem: CrystalSystem };
  /** Conventional cell of the standard setting: Å and degrees. */
  lattice: LatticeParameters;
  /** Conventional cell volume, Å³. */
  volume: number;
  /** g/cm³. */
  density: number;
  sites: AsymmetricSite[];
  /** Label of each site of the structure as given, in its order (the orbit it belongs to). */
  siteLabels: string[];
  symmetrizedCif: string;
}

export function summarizeStructure(structure: Structure, dataName?: string): StructureSummary {
  const analysis = analyzeStructure(structure);
  const { description, conventional } = analysis;
  const group = getSpaceGroup(analysis.spaceGroup);
  const composition = Composition.fromStructure(conventional);
  const reduced = Composition.fromStructure(structure);
  const formulaAtoms = Composition.fromFormula(reduced.reducedFormula).numAtoms;
  const perElement = new Map<string, number>();
  const sites: AsymmetricSite[] = description.sites.map((site) => {
    const n = (perElement.get(site.species) ?? 0) + 1;
    perElement.set(site.species, n);
    const position = group.wyckoffPositions.find((w) => w.letter === site.letter)!;
    return {
      label: `${site.species}${n}`,
      element: site.species,
      letter: site.letter,
      multiplicity: position.multiplicity,
      siteSymmetry: position.siteSymmetry,
      frac: site.frac,
      occupancy: 1,
    };
  });
  const volume = conventional.lattice.volume;
  return {
    formula: reduced.reducedFormula,
    z: Math.round(conventional.numSites / formulaAtoms),
    spaceGroup: { number: analysis.spaceGroup, symbol: analysis.symbol, crystalSystem: analysis.crystalSystem },
    lattice: description.lattice,
    volume,
    density: (composition.weight / volume) * DENSITY_FACTOR,
    sites,
    siteLabels: labelInputSites(structure, conventional, sites, analysis.inputWyckoffLetters),
    symmetrizedCif: writeSymmetrizedCif(description, dataName ? { dataName } : {}),
  };
}

/**
 * The orbit of each input site: its element and Wyckoff letter decide it unless two orbits share both (two O on
 * 8h); then the orbit whose atom has the same surroundings (sorted distances to its nearest neighbours) wins.
 */
function labelInputSites(structure: Structure, conventional: Structure, sites: readonly AsymmetricSite[], letters: readonly string[]): string[] {
  const fingerprints = new Map<number, number[]>();
  return structure.sites.map((site, i) => {
    const candidates = sites.map((s, k) => ({ s, k })).filter(({ s }) => s.element === site.species && s.letter === letters[i]);
    if (candidates.length === 1) return candidates[0]!.s.label;
    const pool = candidates.length > 0 ? candidates : sites.map((s, k) => ({ s, k })).filter(({ s }) => s.element === site.species);
    if (pool.length === 0) return `${site.species}?`;
    const mine = neighbourDistances(structure, site.frac);
    let best = pool[0]!;
    let bestError = Infinity;
    for (const c of pool) {
      let theirs = fingerprints.get(c.k);
      if (!theirs) fingerprints.set(c.k, (theirs = neighbourDistances(conventional, c.s.frac)));
      let error = 0;
      for (let j = 0; j < Math.min(mine.length, theirs.length); j++) error += Math.abs(mine[j]! - theirs[j]!);
      if (error < bestError) {
        bestError = error;
        best = c;
      }
    }
    return best.s.label;
  });
}

const FINGERPRINT_NEIGHBOURS = 16;
const FINGERPRINT_RADIUS = 6;

/** Sorted distances (Å) from a point to the nearest atoms of the periodic structure (itself excluded). */
function neighbourDistances(structure: Structure, frac: Vec3): number[] {
  const m = structure.lattice.matrix;
  const cart = (f: Vec3): Vec3 => [
    f[0] * m[0][0] + f[1] * m[1][0] + f[2] * m[2][0],
    f[0] * m[0][1] + f[1] * m[1][1] + f[2] * m[2][1],
    f[0] * m[0][2] + f[1] * m[1][2] + f[2] * m[2][2],
  ];
  const halfDiagonal = Math.hypot(...cart([1, 1, 1])) / 2 + Math.hypot(...cart([1, -1, 1])) / 2;
  const translations = latticePointsWithin(m, FINGERPRINT_RADIUS + halfDiagonal);
  const distances: number[] = [];
  for (const other of structure.sites) {
    const d: Vec3 = [other.frac[0] - frac[0], other.frac[1] - frac[1], other.frac[2] - frac[2]];
    for (let k = 0; k < 3; k++) d[k] -= Math.round(d[k]!);
    const base = cart(d);
    for (const t of translations) {
      const r = Math.hypot(base[0] + t.cartesian[0], base[1] + t.cartesian[1], base[2] + t.cartesian[2]);
      if (r > 1e-3 && r <= FINGERPRINT_RADIUS) distances.push(r);
    }
  }
  return distances.sort((a, b) => a - b).slice(0, FINGERPRINT_NEIGHBOURS);
}
