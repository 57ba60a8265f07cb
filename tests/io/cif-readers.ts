/**
 * Shared by tests/io/cif-readers.test.ts (a fast subset of groups) and tests/extended/cif-readers-230.test.ts (all
 * 230): a crystal per space group with atoms on the general position and on special positions, written as a
 * symmetrized CIF, then expanded by gemmi, pymatgen and ASE (scripts/check_cif_readers.py) and compared with our
 * own P1 expansion (buildStructure) atom by atom.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LatticeParameters } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { wrapUnit } from '../../shared/crystal/linalg.ts';
import { type WyckoffDescription, type WyckoffSite, buildStructure } from '../../shared/symmetry/analyze.ts';
import { applyOp, getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';

/** A Python with gemmi, pymatgen and ASE, or undefined (the tests then skip with a message). */
export function findReaderPython(): string | undefined {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import gemmi, pymatgen.io.cif, ase.io'], { encoding: 'utf8' });
  return probe.status === 0 ? '/usr/bin/python3' : undefined;
}

function latticeFor(g: number): LatticeParameters {
  const system = getSpaceGroup(g).crystalSystem;
  switch (system) {
    case 'triclinic':
      return { a: 9.1, b: 10.3, c: 11.7, alpha: 84, beta: 97, gamma: 103 };
    case 'monoclinic':
      return { a: 9.1, b: 10.3, c: 11.7, alpha: 90, beta: 101, gamma: 90 };
    case 'orthorhombic':
      return { a: 9.1, b: 10.3, c: 11.7, alpha: 90, beta: 90, gamma: 90 };
    case 'tetragonal':
      return { a: 9.1, b: 9.1, c: 11.7, alpha: 90, beta: 90, gamma: 90 };
    case 'trigonal':
    case 'hexagonal':
      return { a: 9.1, b: 9.1, c: 11.7, alpha: 90, beta: 90, gamma: 120 };
    case 'cubic':
      return { a: 10.3, b: 10.3, c: 10.3, alpha: 90, beta: 90, gamma: 90 };
  }
}

/** Free-parameter choices tried in turn until no two atoms are closer than MIN_SEPARATION: fixed irrational-ish values, then a fixed pseudo-random sequence. */
function parameterSets(): [Vec3, Vec3][] {
  const sets: [Vec3, Vec3][] = [
    [
      [0.1370431, 0.2718281, 0.3141592],
      [0.2113249, 0.3877551, 0.4418604],
    ],
  ];
  let state = 12345;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return 0.02 + 0.46 * (state / 2147483648);
  };
  for (let i = 0; i < 60; i++) sets.push([
    [next(), next(), next()],
    [next(), next(), next()],
  ]);
  return sets;
}
/** gemmi merges images closer than 0.4 Å (its special-position rule), so keep every pair well apart. */
const MIN_SEPARATION = 0.8;

/**
 * The test crystal of group g: Na on Wyckoff position 'a', O on the most general special position that has a free
 * parameter (when there is one besides 'a' and the general position), Fe on the general position.
 */
export function readerTestDescription(g: number): WyckoffDescription {
  let description = descriptionCache.get(g);
  if (!description) descriptionCache.set(g, (description = searchTestDescription(g)));
  return description;
}
const descriptionCache = new Map<number, WyckoffDescription>();

function searchTestDescription(g: number): WyckoffDescription {
  const group = getSpaceGroup(g);
  const positions = group.wyckoffPositions;
  const general = positions[positions.length - 1]!;
  const special = [...positions.slice(1, -1)].reverse().find((w) => w.dof > 0);
  const lattice = latticeFor(g);
  const point = (letter: string, parameters: Vec3): Vec3 => {
    const w = positions.find((p) => p.letter === letter)!;
    return applyOp(w.representative, parameters).map((x) => wrapUnit(x)) as Vec3;
  };
  let best: { description: WyckoffDescription; separation: number } | undefined;
  for (const [generalParameters, specialParameters] of parameterSets()) {
    const sites: WyckoffSite[] = [];
    if (general.letter !== 'a') sites.push({ letter: 'a', species: 'Na', frac: point('a', [0, 0, 0]) });
    if (special) sites.push({ letter: special.letter, species: 'O', frac: point(special.letter, specialParameters) });
    sites.push({ letter: general.letter, species: 'Fe', frac: point(general.letter, generalParameters) });
    const description = { spaceGroup: g, lattice, sites };
    const structure = buildStructure(description);
    // A point (nearly) on a higher-symmetry position would have images merged: not the orbit we mean to test.
    const fullOrbits = structure.numSites === sites.reduce((n, site) => n + positions.find((p) => p.letter === site.letter)!.multiplicity, 0);
    const separation = fullOrbits ? structure.minimumDistance() : 0;
    if (separation >= MIN_SEPARATION) return description;
    if (!best || separation > best.separation) best = { description, separation };
  }
  return best!.description;
}

export interface ReaderCase {
  file: string;
  spaceGroup: number;
  species: string[];
  frac: Vec3[];
}

export interface ReaderResult {
  file: string;
  spaceGroup: number;
  ok: boolean;
  missing: string[];
  problems: string[];
  gemmi?: { spaceGroup: number | null; xhm: string | null };
}

/** Write `text` of each case into `dir` and run the checker; one result per case. */
export function checkWithReaders(python: string, dir: string, cases: { name: string; spaceGroup: number; text: string; expected: WyckoffDescription }[]): { results: ReaderResult[]; stderr: string } {
  const manifestCases: ReaderCase[] = cases.map(({ name, spaceGroup, text, expected }) => {
    const file = join(dir, `${name}.cif`);
    writeFileSync(file, text);
    const structure = buildStructure(expected);
    return { file, spaceGroup, species: structure.species, frac: structure.fracCoords };
  });
  const manifest = join(dir, 'readers-manifest.json');
  writeFileSync(manifest, JSON.stringify({ tolerance: 1e-4, cases: manifestCases }));
  const script = resolve(import.meta.dirname, '../../scripts/check_cif_readers.py');
  const run = spawnSync(python, [script, manifest], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const results = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ReaderResult);
  return { results, stderr: run.stderr };
}
