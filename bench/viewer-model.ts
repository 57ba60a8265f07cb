/**
 * How long the viewer needs to (re)build what it draws — atoms of the supercell, bonds by the cell-list search,
 * instance buffers — for rock-salt supercells up to ~10,000 atoms, and the same bond search done all-pairs for
 * comparison at the sizes where that is still bearable. Prints milliseconds per build (median of a few runs).
 *
 *   node --import tsx bench/viewer-model.ts
 */
import { covalentRadius } from '../shared/crystal/elements.ts';
import { buildDisplayModel, type DisplayOptions } from '../renderer/src/viewer/displayModel.ts';
import { demoStructure } from '../renderer/src/demo/structures.ts';
import { buildAtomBuffers, buildBondBuffers } from '../renderer/src/viewer/sceneGeometry.ts';
import { atomColor, baseAtomRadius } from '../renderer/src/viewer/elementStyle.ts';

const options: DisplayOptions = {
  supercell: [1, 1, 1],
  boundaryImages: false,
  bondedOutside: false,
  bondTolerance: 0.1,
  pairRules: [],
  polyhedronCentres: [],
  bondRadius: covalentRadius,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(run: () => void, repeats: number): number {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const nacl = demoStructure('nacl').build();
console.log('n×n×n rock salt   atoms   bonds   model ms   buffers ms   all-pairs bond search ms');
for (const n of [2, 5, 8, 11]) {
  const opts = { ...options, supercell: [n, n, n] as [number, number, number] };
  const model = buildDisplayModel(nacl, opts);
  const modelMs = time(() => buildDisplayModel(nacl, opts), 5);
  const buffersMs = time(() => {
    buildAtomBuffers(model, (s) => baseAtomRadius(s, 'covalent') * 0.4, (s) => atomColor(s, 'vesta'));
    buildBondBuffers(model, 0.12, (s) => atomColor(s, 'vesta'));
  }, 5);
  let allPairs = '—';
  if (model.atoms.length <= 5000) {
    const positions = model.atoms.map((a) => a.cart);
    const cutoff = 2 * 1.66 * 1.1;
    allPairs = time(() => {
      let count = 0;
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        for (let j = i + 1; j < positions.length; j++) {
          const q = positions[j]!;
          if (Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) < cutoff) count++;
        }
      }
      if (count < 0) throw new Error('unreachable');
    }, 3).toFixed(1);
  }
  console.log(
    `${`${n}×${n}×${n}`.padEnd(17)} ${String(model.atoms.length).padStart(6)} ${String(model.bonds.length).padStart(7)} ${modelMs.toFixed(1).padStart(10)} ${buffersMs.toFixed(1).padStart(12)} ${allPairs.padStart(26)}`,
  );
}
