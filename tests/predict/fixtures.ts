/**
 * Crystals for the predictor tests: simple prototypes (rock salt, CsCl, fluorite, rutile, perovskite, fcc, bcc)
 * decorated with random elements and lattice constants, and a writer for small token datasets on disk.
 */
import { mkdir } from 'node:fs/promises';
import { atomicNumber, elementSymbol } from '../../shared/crystal/elements.ts';
import { wyckoffPosition } from '../../shared/symmetry/spacegroups.ts';
import { Rng } from '../../shared/random.ts';
import type { WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { encodeCrystal } from '../../shared/tokens/index.ts';
import { DATASET_FORMAT, DATASET_VERSION, datasetFields, writeDataset, type TokenArrays } from '../../electron/engine/train/dataset.ts';

const cubic = (a: number) => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });

/** Prototypes: space group, Wyckoff letters with fixed coordinates, and the lattice as a function of a scale. */
const PROTOTYPES: { spaceGroup: number; sites: { letter: string; frac: [number, number, number] }[]; lattice: (a: number) => WyckoffDescription['lattice'] }[] = [
  { spaceGroup: 225, sites: [{ letter: 'a', frac: [0, 0, 0] }, { letter: 'b', frac: [0.5, 0.5, 0.5] }], lattice: cubic }, // rock salt
  { spaceGroup: 221, sites: [{ letter: 'a', frac: [0, 0, 0] }, { letter: 'b', frac: [0.5, 0.5, 0.5] }], lattice: cubic }, // CsCl
  { spaceGroup: 225, sites: [{ letter: 'a', frac: [0, 0, 0] }, { letter: 'c', frac: [0.25, 0.25, 0.25] }], lattice: cubic }, // fluorite
  { spaceGroup: 221, sites: [{ letter: 'a', frac: [0, 0, 0] }, { letter: 'b', frac: [0.5, 0.5, 0.5] }, { letter: 'c', frac: [0, 0.5, 0.5] }], lattice: cubic }, // perovskite
  { spaceGroup: 225, sites: [{ letter: 'a', frac: [0, 0, 0] }], lattice: cubic }, // fcc
  { spaceGroup: 229, sites: [{ letter: 'a', frac: [0, 0, 0] }], lattice: cubic }, // bcc
  {
    spaceGroup: 136,
    sites: [{ letter: 'a', frac: [0, 0, 0] }, { letter: 'f', frac: [0.3, 0.3, 0] }],
    lattice: (a) => ({ a, b: a, c: 0.64 * a, alpha: 90, beta: 90, gamma: 90 }),
  }, // rutile
];

/** `count` random decorated prototypes (seeded). Elements H … element `maxZ`, lattice constant 3–7 Å. */
export function randomCrystals(count: number, seed: number, maxZ = 83): WyckoffDescription[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const prototype = PROTOTYPES[rng.int(PROTOTYPES.length)]!;
    const elements = new Set<number>();
    while (elements.size < prototype.sites.length) elements.add(1 + rng.int(maxZ));
    const symbols = [...elements].map(elementSymbol);
    return {
      spaceGroup: prototype.spaceGroup,
      lattice: prototype.lattice(rng.uniform(3, 7)),
      sites: prototype.sites.map((s, i) => ({ letter: s.letter, species: symbols[i]!, frac: s.frac })),
    };
  });
}

/** Mean atomic number per atom of the conventional cell (a known function of the tokens: needs pooling by multiplicity). */
export function meanAtomicNumber(d: WyckoffDescription): number {
  let total = 0;
  let atoms = 0;
  for (const site of d.sites) {
    const m = wyckoffPosition(d.spaceGroup, site.letter).multiplicity;
    total += m * atomicNumber(site.species);
    atoms += m;
  }
  return total / atoms;
}

/** Write descriptions as a token dataset (every row in `split`), ids `${prefix}-${i}`. */
export async function writeTokenDataset(dir: string, descriptions: readonly WyckoffDescription[], prefix: string, split: 'train' | 'val'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const n = descriptions.length;
  const arrays: TokenArrays = {
    count: n,
    spaceGroup: new Int32Array(n),
    numSites: new Int32Array(n),
    wyckoff: new Int32Array(n * 21),
    atoms: new Int32Array(n * 21),
    coords: new Float32Array(n * 63),
    lattice: new Float32Array(n * 6),
    ids: descriptions.map((_, i) => `${prefix}-${i}`),
  };
  descriptions.forEach((d, i) => {
    const t = encodeCrystal(d);
    arrays.spaceGroup[i] = t.spaceGroup;
    arrays.numSites[i] = t.numSites;
    arrays.wyckoff.set(t.wyckoff, i * 21);
    arrays.atoms.set(t.atoms, i * 21);
    arrays.coords.set(t.coords, i * 63);
    arrays.lattice.set(t.lattice, i * 6);
  });
  const counts = split === 'train' ? { train: n, val: 0 } : { train: 0, val: n };
  await writeDataset(
    dir,
    arrays,
    {
      format: DATASET_FORMAT,
      version: DATASET_VERSION,
      createdAt: new Date().toISOString(),
      inputs: [],
      options: { valFraction: split === 'val' ? 1 : 0, symprec: 0.01, maxSites: 20, splitRule: 'test fixture', dedupRule: 'none' },
      counts: { rows: n, kept: n, ...counts, skipped: 0 },
      skipped: { 'parse error': 0, 'unsupported element': 0, 'partial occupancy': 0, 'symmetry failure': 0, 'more than 20 sites': 0, duplicate: 0 },
      skippedExamples: [],
      splits: { train: { offset: 0, count: counts.train }, val: { offset: counts.train, count: counts.val } },
      fields: datasetFields(),
      idsFile: 'ids.json',
      spaceGroupStatsFile: 'spacegroups.json',
      timing: { seconds: 0, rowsPerSecond: 0, workers: 0 },
    },
    { train: new Array<number>(230).fill(0), val: new Array<number>(230).fill(0), symbols: [] },
  );
  return arrays.ids;
}
