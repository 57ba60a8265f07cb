/**
 * Symmetry throughput: tables, buildStructure (orbit expansion + merging, the sampler's per-crystal cost; target
 * ≥ 400 crystals/s) and analyzeStructure (the dataset pipeline's per-row cost). Random but valid descriptions
 * (letters non-decreasing, fixed positions used once, 1–12 sites) from a fixed seed.
 *   node --import tsx bench/symmetry-build.ts
 */
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { allSpaceGroups } from '../shared/symmetry/spacegroups.ts';
import { type WyckoffDescription, analyzeStructure, buildStructure } from '../shared/symmetry/analyze.ts';
import { symmetrizeLatticeParameters } from '../shared/symmetry/lattice-rules.ts';
import { decodeCrystal, encodeCrystal, wyckoffTables } from '../shared/tokens/index.ts';
import { ELEMENT_SYMBOLS } from '../shared/crystal/elements.ts';

let seed = 12345;
const random = () => {
  // xorshift32: deterministic across runs.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

function randomDescription(): WyckoffDescription {
  const g = 1 + Math.floor(random() * 230);
  const positions = allSpaceGroups()[g - 1]!.wyckoffPositions;
  const count = 1 + Math.floor(random() * 12);
  const sites: WyckoffDescription['sites'] = [];
  let index = 0;
  for (let i = 0; i < count && index < positions.length; i++) {
    index = Math.min(positions.length - 1, index + Math.floor(random() * 3));
    const w = positions[index]!;
    const p: [number, number, number] = [random(), random(), random()];
    const r = w.representative;
    const frac = [0, 1, 2].map((k) => r.rotation[k]![0]! * p[0] + r.rotation[k]![1]! * p[1] + r.rotation[k]![2]! * p[2] + r.translation[k]!) as [number, number, number];
    sites.push({ letter: w.letter, species: ELEMENT_SYMBOLS[Math.floor(random() * 86)]!, frac });
    if (w.dof === 0) index++;
  }
  const lattice = symmetrizeLatticeParameters(g, { a: 4 + 6 * random(), b: 4 + 6 * random(), c: 4 + 6 * random(), alpha: 80 + 20 * random(), beta: 95 + 20 * random(), gamma: 80 + 20 * random() });
  return { spaceGroup: g, lattice, sites };
}

function time<T>(label: string, count: number, unit: string, run: () => T): T {
  const start = performance.now();
  const result = run();
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label.padEnd(44)} ${(count / seconds).toFixed(0).padStart(8)} ${unit}/s  (${(seconds * 1000).toFixed(0)} ms for ${count})`);
  return result;
}

await initSymmetry();
time('space-group tables (230 groups, first use)', 230, 'groups', () => allSpaceGroups());
time('wyckoffTables', 1, 'builds', () => wyckoffTables());
const descriptions = Array.from({ length: 2000 }, randomDescription);
const atoms = descriptions.reduce((n, d) => n + buildStructure(d).numSites, 0); // warm-up
console.log(`random crystals: ${descriptions.length}, mean ${(atoms / descriptions.length).toFixed(1)} atoms per conventional cell`);
time('buildStructure (orbit expansion + merge)', descriptions.length, 'crystals', () => descriptions.forEach((d) => buildStructure(d)));
time('decodeCrystal + buildStructure', descriptions.length, 'crystals', () => {
  const tokens = descriptions.filter((d) => d.sites.length <= 20).map(encodeCrystal);
  return tokens.forEach((t) => buildStructure(decodeCrystal(t)));
});
const small = descriptions.filter((d) => buildStructure(d).numSites <= 40 && buildStructure(d).minimumDistance() > 0.5).slice(0, 150);
time('analyzeStructure (≤ 40 atoms, moyo + Wyckoff)', small.length, 'crystals', () => small.forEach((d) => analyzeStructure(buildStructure(d))));
