// `cfstudio relax` and `cfstudio energy`. With a Lennard-Jones potential folder (potential.json) over the mixed folder
// of tests/cli/bad-inputs.ts: records for the good crystals, failures for the bad ones, exit 1; the relaxed CIF reads
// back in its space group with the energy recorded; single points equal the potential's own numbers in the stated
// units. With the shipped M3GNet potential (when present): rock-salt NaCl relaxes to the lattice constant the model's
// authors publish (5.69132 Å, M3GNet-MP-2021.2.8-PES README), and its formation energy is near MP's −2.110 eV/atom
// (mp-22862) with E_hull near 0.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LennardJonesPotential } from '../../electron/engine/potential/analytic.ts';
import { defaultPotentialDir } from '../../electron/engine/potential/load.ts';
import { EV_PER_A3_TO_GPA } from '../../electron/engine/potential/types.ts';
import { defaultHullReferencePath } from '../../electron/rewards/hull.ts';
import type { RelaxationRecord, SinglePointRecord } from '../../electron/screening/records.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { NACL } from '../host/fixtures.ts';
import { BAD_FILES, writeMixedFolder } from './bad-inputs.ts';
import { runCli } from './run-cli.ts';

// σ between the two cells' nearest-neighbour distances (2.82 and 3.57 Å): neither has to move far.
const LJ = { kind: 'lennard-jones', sigma: 2.8, epsilon: 0.05, rc: 7.0, ro: 5.5, smooth: true };

let dir: string;
let inputs: string;
let ljDir: string;
beforeAll(async () => {
  await initSymmetry();
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-relax-'));
  inputs = join(dir, 'inputs');
  mkdirSync(inputs);
  writeMixedFolder(inputs);
  ljDir = join(dir, 'lj');
  mkdirSync(ljDir);
  writeFileSync(join(ljDir, 'potential.json'), JSON.stringify(LJ));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('cfstudio relax (Lennard-Jones potential folder)', () => {
  it('relaxes the good crystals of a folder, lists the bad ones, writes CIFs and relaxed.jsonl', async () => {
    const out = join(dir, 'relaxed');
    const { code, out: stdout } = await run(['relax', inputs, '--out', out, '--potential', ljDir, '--fmax', '0.005', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { potential: string; results: RelaxationRecord[]; failed: { file: string; error: string }[] };
    expect(report.potential).toMatch(/^LennardJones/);
    expect(report.failed.map((f) => f.file).sort()).toEqual(Object.keys(BAD_FILES).map((name) => join(inputs, name)));
    expect(report.results.map((r) => r.file).sort()).toEqual([join(inputs, 'CsCl.cif'), join(inputs, 'NaCl.cif')]);
    const lines = readFileSync(join(out, 'relaxed.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RelaxationRecord);
    expect(lines.length).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['CsCl.cif', 'NaCl.cif', 'relaxed.jsonl']);
    const potential = new LennardJonesPotential(LJ);
    for (const record of report.results) {
      expect(record.status).toBe('converged');
      expect(record.fmax!).toBeLessThan(0.005);
      expect(record.energy!).toBeLessThan(record.initialEnergy!);
      // Symmetry is kept by default: both stay in their cubic groups, so no atom moves (all sit on special positions).
      expect(record.spaceGroupBefore).toBe(record.spaceGroupAfter);
      expect(record.spaceGroupKept).toBe(record.spaceGroupBefore);
      expect(record.rmsd!).toBeLessThan(1e-6);
      const relaxed = readCifStructure(readFileSync(join(out, record.output!), 'utf8')).structure;
      expect(analyzeStructure(relaxed).spaceGroup).toBe(record.spaceGroupAfter);
      // Both files are conventional cells with the same atoms, so their volumes give the recorded change.
      const start = readCifStructure(readFileSync(record.file, 'utf8')).structure;
      expect(relaxed.numSites).toBe(start.numSites);
      expect(relaxed.volume / start.volume - 1).toBeCloseTo(record.volumeChange!, 6);
      expect(Math.abs(record.volumeChange!)).toBeGreaterThan(0.05);
      // The CIF holds the structure whose energy is recorded (8-decimal coordinates: agreement to 1e-5 eV/atom).
      expect(potential.computeOne(relaxed).energy / relaxed.numSites).toBeCloseTo(record.energyPerAtom!, 5);
    }
  });

  it('text output: a line per crystal, the files written, the failures; one-line errors for bad options', async () => {
    const out = join(dir, 'relaxed-text');
    const text = await run(['relax', join(inputs, 'NaCl.cif'), join(inputs, 'CsCl.cif'), '--out', out, '--potential', ljDir, '--no-keep-symmetry', '--steps', '2']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/relaxed 2 crystals with LennardJones.* not-converged 2/);
    expect(text.out).toMatch(/NaCl\.cif\tnot-converged\t2\t/);
    const both = await run(['relax', inputs, '--out', out, '--potential', ljDir, '--keep-symmetry', '--no-keep-symmetry']);
    expect(both.code).toBe(1);
    expect(both.stderr.trim().split('\n')).toEqual(['cfstudio: give one of --keep-symmetry and --no-keep-symmetry']);
    const missing = await run(['relax', inputs, '--out', out, '--potential', join(dir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`cfstudio: ${join(dir, 'nowhere')}: no such potential folder`);
    const noOut = await run(['relax', inputs, '--potential', ljDir]);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr.trim()).toBe('cfstudio: --out is required');
  });
});

describe('cfstudio energy (Lennard-Jones potential folder)', () => {
  it('gives the potential’s energy, forces and stress (GPa) per file', async () => {
    const file = join(inputs, 'NaCl.cif');
    const { code, out } = await run(['energy', file, '--potential', ljDir, '--json']);
    expect(code).toBe(0);
    const record = (JSON.parse(out) as { results: SinglePointRecord[] }).results[0]!;
    const structure = readCifStructure(NACL.cif).structure;
    const expected = new LennardJonesPotential(LJ).computeOne(structure);
    expect(record.atoms).toBe(8);
    expect(record.energy).toBeCloseTo(expected.energy, 10);
    expect(record.energyPerAtom).toBeCloseTo(expected.energy / 8, 10);
    record.stressGPa.forEach((row, i) => row.forEach((s, j) => expect(s).toBeCloseTo(expected.stress![i]![j]! * EV_PER_A3_TO_GPA, 8)));
    expect(record.pressureGPa).toBeCloseTo(-record.stressGPa[0][0], 8);
    // Every atom of rock salt sits on an inversion centre: no force.
    expect(record.maxForce).toBeLessThan(1e-10);
    expect(record.spaceGroup).toBe(225);
  });
});

const m3gnet = existsSync(join(defaultPotentialDir(), 'model.safetensors'));
const stabilityData = defaultHullReferencePath() !== undefined;

describe.skipIf(!m3gnet)('with the shipped M3GNet potential', () => {
  it('relaxes rock-salt NaCl to the published M3GNet lattice constant; formation energy and E_hull as MP', async () => {
    const out = join(dir, 'nacl-m3gnet');
    const { code, out: stdout } = await run(['relax', join(inputs, 'NaCl.cif'), '--out', out, '--fmax', '0.001', '--json']);
    expect(code).toBe(0);
    const record = (JSON.parse(stdout) as { results: RelaxationRecord[] }).results[0]!;
    expect(record.status).toBe('converged');
    const relaxed = readCifStructure(readFileSync(join(out, 'NaCl.cif'), 'utf8')).structure;
    expect(analyzeStructure(relaxed).spaceGroup).toBe(225);
    expect(Math.abs(relaxed.lattice.a / 5.69132 - 1)).toBeLessThan(0.002);
    if (stabilityData) {
      expect(Math.abs(record.formationEnergyPerAtom! - -2.1096)).toBeLessThan(0.1);
      expect(Math.abs(record.eHull!)).toBeLessThan(0.1);
      expect(record.decomposition![0]!.formula).toBe('NaCl');
    }
  });
});
