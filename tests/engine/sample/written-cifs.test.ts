/**
 * What generation writes for a sample: the CIF declares the space group the crystal has at the analysis tolerance
 * (keeping the requested one in `_cfstudio_requested_space_group` and samples.jsonl), and a CIF that our reader would
 * reject (two elements on one position) is not written, with the reason in samples.jsonl.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { readCifStructure } from '../../../shared/io/cif.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { N_SLOTS, letterToIndex } from '../../../shared/tokens/index.ts';
import { REQUESTED_SPACE_GROUP_TAG, buildSample } from '../../../electron/engine/sample/build.ts';
import { SampleWriter } from '../../../electron/engine/sample/sample-writer.ts';
import { CrystalSampler, type SampledCrystal } from '../../../electron/engine/sample/sampler.ts';
import { loadModel } from '../../../electron/engine/model/files.ts';
import { readSampleDirectory } from '../../../electron/evaluate/sample-dir.ts';

const dirs: string[] = [];
beforeAll(async () => {
  await initSymmetry();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A sampled token sequence: sites (letter, element, representative), the lattice in Å and degrees. */
function sampled(spaceGroup: number, sites: [string, string, [number, number, number]][], lattice: [number, number, number, number, number, number], atomsInCell: number): SampledCrystal {
  const wyckoff = new Int32Array(N_SLOTS);
  const atoms = new Int32Array(N_SLOTS);
  const coords = new Float64Array(3 * N_SLOTS);
  sites.forEach(([letter, element, frac], i) => {
    wyckoff[i] = letterToIndex(letter);
    atoms[i] = atomicNumber(element);
    coords.set(frac, 3 * i);
  });
  const scale = Math.cbrt(atomsInCell);
  const [a, b, c, alpha, beta, gamma] = lattice;
  const rad = Math.PI / 180;
  return {
    spaceGroup,
    wyckoff,
    atoms,
    coords,
    lattice: Float64Array.of(a / scale, b / scale, c / scale, alpha * rad, beta * rad, gamma * rad),
    numSites: sites.length,
    logp: { wyckoff: -1, atoms: -1, coords: -1, lattice: -1, total: -4 },
  };
}

const tag = (text: string, name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(text)?.[1];

describe('the space group a generated CIF declares', () => {
  it('is the group found when the crystal has more symmetry than requested (CsCl requested in P4/mmm)', () => {
    // P4/mmm with c = a and Cs at 1a, Cl at 1d: the CsCl structure, Pm-3m (221).
    const sample = sampled(123, [['a', 'Cs', [0, 0, 0]], ['d', 'Cl', [0.5, 0.5, 0.5]]], [4.12, 4.12, 4.12, 90, 90, 90], 2);
    const built = buildSample(sample, 7);
    expect(built.record.spaceGroupRequested).toBe(123);
    expect(built.record.spaceGroupFound).toBe(221);
    expect(built.record.spaceGroupWritten).toBe(221);
    const cif = built.cif!;
    expect(tag(cif, '_space_group_IT_number')).toBe('221');
    expect(tag(cif, '_space_group_name_H-M_alt')).toBe("'P m -3 m'");
    expect(tag(cif, REQUESTED_SPACE_GROUP_TAG)).toBe('123');
    expect(cif).toMatch(/^# space group requested: 123 \(P4\/mmm\); found at symprec 0\.1 A: 221 \(Pm-3m\)/m);
    const read = readCifStructure(cif).structure;
    expect(read.numSites).toBe(2);
    expect(read.minimumDistance()).toBeCloseTo((4.12 * Math.sqrt(3)) / 2, 6);
  });

  it('is the requested group when the crystal has exactly that symmetry (rutile in P4_2/mnm)', () => {
    const sample = sampled(136, [['a', 'Ti', [0, 0, 0]], ['f', 'O', [0.3048, 0.3048, 0]]], [4.594, 4.594, 2.959, 90, 90, 90], 6);
    const built = buildSample(sample, 1);
    expect(built.record.spaceGroupFound).toBe(136);
    expect(built.record.spaceGroupWritten).toBe(136);
    expect(built.cif!).not.toContain(REQUESTED_SPACE_GROUP_TAG);
    expect(tag(built.cif!, '_space_group_name_H-M_alt')).toBe("'P 42/m n m'");
  });

  it('pymatgen finds the declared group in the written file, at the same tolerance', () => {
    const python = spawnSync('/usr/bin/python3', ['-c', 'import pymatgen.symmetry.analyzer'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/python3' : undefined;
    if (!python) {
      console.warn('skipping the pymatgen part: /usr/bin/python3 lacks pymatgen');
      return;
    }
    // Slightly distorted: Cs off 1a by 0.02 Å along z is P4mm at 0.01 Å but Pm-3m at 0.1 Å.
    const sample = sampled(99, [['a', 'Cs', [0, 0, 0.005]], ['b', 'Cl', [0.5, 0.5, 0.5]]], [4.12, 4.12, 4.12, 90, 90, 90], 2);
    const built = buildSample(sample, 1);
    expect(built.record.spaceGroupWritten).toBe(221);
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-written-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'x.cif'), built.cif!);
    const script = `import warnings; warnings.filterwarnings("ignore")
from pymatgen.io.cif import CifParser
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
s = CifParser("${join(dir, 'x.cif')}").get_structures(primitive=False)[0]
print(len(s), SpacegroupAnalyzer(s, symprec=0.01).get_space_group_number())`;
    const run = spawnSync(python, ['-c', script], { encoding: 'utf8' });
    expect(run.stdout.trim(), run.stderr).toBe('2 221');
  });
});

describe('never writing a CIF that does not read back', () => {
  it('skips the file of a crystal with two elements on one position, and says why in samples.jsonl', () => {
    // Fm-3m: Na at 4a (0,0,0) and Cl on 24e (x,0,0) drawn at x = 0 — on top of Na.
    const overlapping = sampled(225, [['a', 'Na', [0, 0, 0]], ['e', 'Cl', [0, 0, 0]]], [5.64, 5.64, 5.64, 90, 90, 90], 28);
    const fine = sampled(225, [['a', 'Na', [0, 0, 0]], ['b', 'Cl', [0.5, 0.5, 0.5]]], [5.64, 5.64, 5.64, 90, 90, 90], 8);
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-written-'));
    dirs.push(dir);
    const writer = new SampleWriter(dir);
    const first = writer.write(overlapping);
    const second = writer.write(fine);
    expect(first.structure).not.toBeNull();
    expect(first.cif).toBeNull();
    expect(first.record.file).toBeNull();
    expect(first.record.spaceGroupWritten).toBeNull();
    expect(first.record.cifSkipped).toMatch(/not written: the CIF would not read back .*overlapping atoms: site 'Cl1' \(Cl\) lies 0\.000 Å from an atom of site 'Na1'/);
    expect(second.record.file).toBe('000002.cif');
    expect(readdirSync(dir).sort()).toEqual(['000002.cif', 'samples.jsonl']);
    const lines = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string | null; cifSkipped?: string });
    expect(lines[0]!.file).toBeNull();
    expect(lines[0]!.cifSkipped).toMatch(/overlapping atoms/);
    expect(readCifStructure(readFileSync(join(dir, '000002.cif'), 'utf8')).structure.numSites).toBe(8);
  });
});

describe('crystals from the shipped model', () => {
  it('every CIF written reads back in our reader with the atoms of the crystal it declares', async () => {
    const model = await loadModel('default');
    const sampler = await CrystalSampler.create(model.config, model.params);
    let written = 0;
    try {
      for await (const sample of sampler.sample({ spaceGroups: { kind: 'distribution', weights: model.card.spaceGroupCounts } }, 120, { seed: 17, batchSize: 60 })) {
        const built = buildSample(sample, 1);
        expect(built.cif === null).toBe(built.record.cifSkipped !== undefined || built.record.error !== undefined);
        if (!built.cif) continue;
        written++;
        const read = readCifStructure(built.cif).structure;
        if (built.record.spaceGroupWritten === built.record.spaceGroupRequested) expect(read.numSites).toBe(built.record.numAtoms);
        expect(tag(built.cif, '_space_group_IT_number')).toBe(String(built.record.spaceGroupWritten));
      }
    } finally {
      await sampler.release();
    }
    expect(written).toBeGreaterThan(100);
  });
});

describe('cfstudio evaluate reads what generation wrote', () => {
  it('takes the requested group from the file when samples.jsonl is gone, and counts a skipped CIF as unbuilt with its reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-written-'));
    dirs.push(dir);
    const writer = new SampleWriter(dir);
    writer.write(sampled(123, [['a', 'Cs', [0, 0, 0]], ['d', 'Cl', [0.5, 0.5, 0.5]]], [4.12, 4.12, 4.12, 90, 90, 90], 2));
    writer.write(sampled(225, [['a', 'Na', [0, 0, 0]], ['e', 'Cl', [0, 0, 0]]], [5.64, 5.64, 5.64, 90, 90, 90], 28));
    const withLines = await readSampleDirectory(dir);
    expect(withLines.items.map((i) => i.spaceGroupRequested)).toEqual([123]);
    expect(withLines.unbuilt).toHaveLength(1);
    expect(withLines.unbuilt[0]!.error).toMatch(/overlapping atoms/);
    unlinkSync(join(dir, 'samples.jsonl'));
    const withoutLines = await readSampleDirectory(dir);
    // The file declares 221 (what the crystal is) but names 123 as requested.
    expect(withoutLines.items.map((i) => i.spaceGroupRequested)).toEqual([123]);
  });
});
