/** Test helpers: known crystals and the same crystal written differently (supercell, origin, axes, rotation, noise). */
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Mat3, Vec3 } from '../../shared/crystal/linalg.ts';
import { inverse3, matMul3, transpose3 } from '../../shared/crystal/linalg.ts';
import { type Site, Structure } from '../../shared/crystal/structure.ts';
import { type WyckoffDescription, buildStructure } from '../../shared/symmetry/analyze.ts';
import { Rng } from '../../shared/random.ts';
import { spawnSync } from 'node:child_process';
import { minimumPairDistance } from '../../shared/crystal/geometry.ts';

const lattice = (a: number, b: number, c: number, alpha = 90, beta = 90, gamma = 90) => ({ a, b, c, alpha, beta, gamma });

/** Literature structures (ITA standard settings, origin choice 2). */
export const CRYSTALS = {
  rockSalt: { spaceGroup: 225, lattice: lattice(5.64, 5.64, 5.64), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] },
  // Rutile TiO2, P4_2/mnm: a 4.594, c 2.959, O at 4f x = 0.3048.
  rutile: { spaceGroup: 136, lattice: lattice(4.594, 4.594, 2.959), sites: [{ letter: 'a', species: 'Ti', frac: [0, 0, 0] }, { letter: 'f', species: 'O', frac: [0.3048, 0.3048, 0] }] },
  // Anatase TiO2, I4_1/amd: a 3.785, c 9.514, O at 8e z = 0.2083 in origin choice 1, i.e. (0, 3/4, 0.3333) in choice 2.
  anatase: { spaceGroup: 141, lattice: lattice(3.785, 3.785, 9.514), sites: [{ letter: 'a', species: 'Ti', frac: [0, 0.75, 0.125] }, { letter: 'e', species: 'O', frac: [0, 0.75, 0.3333] }] },
  cesiumChloride: { spaceGroup: 221, lattice: lattice(4.12, 4.12, 4.12), sites: [{ letter: 'a', species: 'Cs', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] },
  // Wurtzite ZnO, P6_3mc.
  wurtzite: { spaceGroup: 186, lattice: lattice(3.2495, 3.2495, 5.2069, 90, 90, 120), sites: [{ letter: 'b', species: 'Zn', frac: [1 / 3, 2 / 3, 0] }, { letter: 'b', species: 'O', frac: [1 / 3, 2 / 3, 0.3819] }] },
  // Perovskite SrTiO3, Pm-3m.
  perovskite: { spaceGroup: 221, lattice: lattice(3.905, 3.905, 3.905), sites: [{ letter: 'b', species: 'Sr', frac: [0.5, 0.5, 0.5] }, { letter: 'a', species: 'Ti', frac: [0, 0, 0] }, { letter: 'd', species: 'O', frac: [0.5, 0, 0] }] },
} satisfies Record<string, WyckoffDescription>;

export function crystal(name: keyof typeof CRYSTALS): Structure {
  return buildStructure(CRYSTALS[name] as WyckoffDescription);
}

/**
 * The same crystal in the cell whose basis rows are `m` (integer) combinations of the old ones; all atoms of the
 * new cell are generated, so a supercell (|det m| > 1) contains |det m| copies.
 */
export function transformCell(s: Structure, m: Mat3): Structure {
  const newMatrix = matMul3(m, s.lattice.matrix);
  const inv = inverse3(m);
  const det = Math.round(Math.abs(m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])));
  const range = Math.max(...m.flat().map(Math.abs)) * 3;
  const sites: Site[] = [];
  const seen = new Set<string>();
  for (const site of s.sites) {
    for (let a = -range; a <= range; a++) {
      for (let b = -range; b <= range; b++) {
        for (let c = -range; c <= range; c++) {
          const old: Vec3 = [site.frac[0] + a, site.frac[1] + b, site.frac[2] + c];
          // f_new = f_old · m⁻¹
          const f: Vec3 = [0, 1, 2].map((k) => old[0] * inv[0][k] + old[1] * inv[1][k] + old[2] * inv[2][k]) as Vec3;
          if (f.some((x) => x < -1e-9 || x >= 1 - 1e-9)) continue;
          const wrapped = f.map((x) => (Math.abs(x) < 1e-9 ? 0 : x)) as Vec3;
          const key = `${site.species}:${wrapped.map((x) => x.toFixed(6)).join(',')}`;
          if (seen.has(key)) continue;
          seen.add(key);
          sites.push({ species: site.species, frac: wrapped });
        }
      }
    }
  }
  if (sites.length !== s.numSites * det) throw new Error(`transformCell: expected ${s.numSites * det} atoms, got ${sites.length}`);
  return new Structure(new Lattice(newMatrix), sites);
}

/** Every atom moved by the same fractional shift. */
export function shiftOrigin(s: Structure, shift: Vec3): Structure {
  return new Structure(
    s.lattice,
    s.sites.map((site) => ({ species: site.species, frac: site.frac.map((x, k) => x + shift[k]!) as Vec3 })),
  );
}

/** The lattice rigidly rotated about an axis (Cartesian frame change only). */
export function rotate(s: Structure, axis: Vec3, degrees: number): Structure {
  const [x, y, z] = normalise(axis);
  const t = (degrees * Math.PI) / 180;
  const c = Math.cos(t);
  const sn = Math.sin(t);
  const r: Mat3 = [
    [c + x * x * (1 - c), x * y * (1 - c) - z * sn, x * z * (1 - c) + y * sn],
    [y * x * (1 - c) + z * sn, c + y * y * (1 - c), y * z * (1 - c) - x * sn],
    [z * x * (1 - c) - y * sn, z * y * (1 - c) + x * sn, c + z * z * (1 - c)],
  ];
  // Row vectors: v' = v · Rᵀ.
  return new Structure(new Lattice(matMul3(s.lattice.matrix, transpose3(r))), s.sites);
}

/** Each atom displaced by a random Cartesian vector of length `amplitude` Å. */
export function jitter(s: Structure, amplitude: number, seed: number): Structure {
  const rng = new Rng(seed);
  return new Structure(
    s.lattice,
    s.sites.map((site) => {
      const direction = normalise([rng.normal(), rng.normal(), rng.normal()]);
      const cart = s.lattice.getCartesianCoords(site.frac);
      return { species: site.species, frac: s.lattice.getFractionalCoords([0, 1, 2].map((k) => cart[k]! + amplitude * direction[k]!) as Vec3) };
    }),
  );
}

/** Lattice scaled uniformly by `factor` (fractional coordinates kept). */
export function scaled(s: Structure, factor: number): Structure {
  return new Structure(new Lattice(s.lattice.matrix.map((row) => row.map((v) => v * factor)) as Mat3), s.sites);
}

function normalise(v: Vec3): Vec3 {
  const length = Math.hypot(...v);
  return [v[0] / length, v[1] / length, v[2] / length];
}

/** A python3 that imports pymatgen's StructureMatcher (Debian's first), or undefined: the comparisons skip without it. */
export function pythonWithPymatgen(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', 'import pymatgen.analysis.structure_matcher'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return undefined;
}

/** A random Li–Fe–O crystal of 4–8 atoms in a mildly oblique 4–7 Å cell, no two atoms closer than 1.3 Å. */
export function randomLiFeOCrystal(rng: Rng): Structure {
  for (;;) {
    const lattice = Lattice.fromParameters(rng.uniform(4, 7), rng.uniform(4, 7), rng.uniform(4, 7), rng.uniform(75, 105), rng.uniform(75, 105), rng.uniform(75, 105));
    const n = 4 + rng.int(5);
    const species = Array.from({ length: n }, (_, i) => (['Li', 'Fe', 'O'] as const)[i < 2 ? i : rng.int(3)]!);
    const frac = species.map(() => [rng.next(), rng.next(), rng.next()] as Vec3);
    const s = Structure.fromSpecies(lattice, species, frac);
    if (minimumPairDistance(lattice.matrix, frac.flat()) > 1.3) return s;
  }
}

/** A random unimodular integer cell change with small entries. */
export function randomCellChange(rng: Rng): Mat3 {
  for (;;) {
    const m = Array.from({ length: 3 }, (_, i) => Array.from({ length: 3 }, (_, j) => (i === j ? 1 : rng.int(3) - 1))) as Mat3;
    const det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (Math.abs(det) === 1) return m;
  }
}

/** The structure with one lattice vector scaled by `factor`. */
export function strained(s: Structure, axis: number, factor: number): Structure {
  const m = s.lattice.matrix.map((row, i) => (i === axis ? row.map((x) => x * factor) : [...row])) as Mat3;
  return new Structure(new Lattice(m), s.sites);
}
