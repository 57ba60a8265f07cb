// S.U.N. evaluation with the shipped M3GNet potential (electron/evaluate/stability.ts, `cfstudio evaluate
// --stability`), on crystals whose answers are known independently:
// - MgO (mp-1265), BaS (mp-1500), SrSe (mp-2758) and CdSe (mp-2691) are Materials Project ground states (E_hull 0
//   in MP-20's own column), so each relaxes to E_hull ≤ 0.1 eV/atom against the hull;
// - the first three are in the reference set, so they are not novel; CdSe is not, so it is the one S.U.N. crystal;
// - MgO with every length stretched by 4 % relaxes back to MgO: volume change ≈ 1/1.04³ − 1 = −11.1 % (M3GNet's MgO
//   lattice is within 1 % of MP's), no atom moves in fractional terms (RMSD 0), and it then matches MgO (neither
//   unique nor novel);
// - a crystal with two atoms 0.3 Å apart is structurally invalid: never relaxed, still counted among the samples drawn.
// Skipped when the potential or ../shared/data (MP-20, hull) is absent.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { writeCifP1 } from '../../shared/io/cif-writer.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { defaultPotentialDir, loadPotential } from '../../electron/engine/potential/load.ts';
import type { Potential } from '../../electron/engine/potential/types.ts';
import { defaultHullReferencePath } from '../../electron/rewards/hull.ts';
import { loadStability } from '../../electron/screening/records.ts';
import { type EvaluationReport, type StabilityReport, evaluateStability, evaluateStructures, referenceSetFromStructures } from '../../electron/evaluate/index.ts';
import { runCli } from '../cli/run-cli.ts';

const TRAIN = new URL('../../../shared/data/structures/mp_20_train.csv.gz', import.meta.url).pathname;
const present = existsSync(TRAIN) && existsSync(join(defaultPotentialDir(), 'model.json')) && defaultHullReferencePath() !== undefined;
if (!present) console.warn('skipping the S.U.N. evaluation tests: needs models/potential-m3gnet-mp-2021 and ../shared/data (MP-20, hull)');

const IDS = { MgO: 'mp-1265', BaS: 'mp-1500', SrSe: 'mp-2758', CdSe: 'mp-2691' } as const;
type Name = keyof typeof IDS;

let known: Record<Name, Structure>;
let potential: Potential;
let dir: string;

beforeAll(async () => {
  if (!present) return;
  await initSymmetry();
  const wanted = new Map<string, Name>(Object.entries(IDS).map(([name, id]) => [id, name as Name]));
  const found: Partial<Record<Name, Structure>> = {};
  const parser = createReadStream(TRAIN).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    const name = wanted.get(row.material_id!);
    if (name) {
      expect(Number(row.e_above_hull)).toBe(0);
      found[name] = readCifStructure(row.cif!, { fileName: row.material_id }).structure;
    }
  }
  known = found as Record<Name, Structure>;
  potential = await loadPotential(defaultPotentialDir());
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-sun-'));
}, 300_000);
afterAll(async () => {
  await potential?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function stretched(s: Structure, factor: number): Structure {
  return new Structure(new Lattice(s.lattice.matrix.map((row) => row.map((x) => x * factor)) as typeof s.lattice.matrix), s.sites);
}

describe.skipIf(!present)('S.U.N. evaluation with M3GNet', () => {
  let report: EvaluationReport;
  let stability: StabilityReport;

  beforeAll(async () => {
    const overlapping = Structure.fromSpecies(Lattice.cubic(4.2), ['Mg', 'O'], [
      [0, 0, 0],
      [0.3 / 4.2, 0, 0],
    ]);
    const items = [
      { name: 'MgO', structure: known.MgO },
      { name: 'BaS', structure: known.BaS },
      { name: 'SrSe', structure: known.SrSe },
      { name: 'CdSe', structure: known.CdSe },
      { name: 'MgO-stretched', structure: stretched(known.MgO, 1.04) },
      { name: 'overlapping', structure: overlapping },
    ];
    const reference = referenceSetFromStructures((['MgO', 'BaS', 'SrSe'] as const).map((name) => ({ id: IDS[name], structure: known[name] })));
    report = evaluateStructures(items, { reference });
    // One more sample was drawn that the sampler could not build.
    stability = await evaluateStability(items, report, { potential, stability: await loadStability(), reference, samplesDrawn: items.length + 1 });
  }, 600_000);

  it('relaxes only the structurally valid crystals and counts every sample drawn', () => {
    expect(stability.relaxed).toBe(5);
    expect(stability.samples.map((s) => s.name)).toEqual(['MgO', 'BaS', 'SrSe', 'CdSe', 'MgO-stretched']);
    expect(stability.samplesDrawn).toBe(7);
    expect(stability.statuses.converged).toBe(5);
    expect(stability.relaxation.spaceGroup).toEqual({ kept: 5, raised: 0, lowered: 0, other: 0, unknown: 0 });
  });

  it('puts the Materials Project ground states within 0.1 eV/atom of the hull', () => {
    for (const s of stability.samples) {
      expect(s.eHull, s.name).not.toBeNull();
      expect(s.eHull!, s.name).toBeLessThanOrEqual(0.1);
      expect(s.stable).toBe(true);
    }
    const share = stability.eHull.shares.find((x) => x.threshold === 0.1)!;
    expect(share.overDrawn).toEqual({ count: 5, total: 7, rate: 5 / 7 });
    expect(stability.eHull.count).toBe(5);
    expect(stability.eHull.q1!).toBeLessThanOrEqual(stability.eHull.median!);
    expect(stability.eHull.median!).toBeLessThanOrEqual(stability.eHull.q3!);
    expect(stability.eHull.histogram.counts.reduce((a, b) => a + b, 0) + stability.eHull.histogram.outside).toBe(5);
  });

  it('brings stretched MgO back to MgO’s volume without moving its atoms', () => {
    const s = stability.samples.find((x) => x.name === 'MgO-stretched')!;
    expect(s.volumeChange!).toBeCloseTo(1 / 1.04 ** 3 - 1, 1);
    expect(Math.abs(s.volumeChange! - (1 / 1.04 ** 3 - 1))).toBeLessThan(0.03);
    expect(s.rmsd!).toBeLessThan(1e-6);
  });

  it('counts only the stable, unique and novel crystal as S.U.N., over all samples drawn', () => {
    const byName = new Map(stability.samples.map((s) => [s.name, s]));
    expect(byName.get('MgO')!.novel).toBe(false);
    expect(byName.get('MgO')!.matchedReference).toBe(IDS.MgO);
    expect(byName.get('CdSe')!.novel).toBe(true);
    expect(byName.get('MgO-stretched')!.unique).toBe(false);
    expect(byName.get('MgO-stretched')!.novel).toBe(false);
    expect(stability.samples.filter((s) => s.sun).map((s) => s.name)).toEqual(['CdSe']);
    expect(stability.sun.rate).toEqual({ count: 1, total: 7, rate: 1 / 7 });
    // Zinc-blende CdSe (F-43m) is not P1.
    expect(stability.sun.symmetricRate.count).toBe(1);
    const strict = stability.sun.byThreshold.find((t) => t.threshold === 0.1)!;
    expect(strict).toMatchObject({ stable: 5, stableUnique: 4, stableNovel: 1, sun: 1 });
    expect(stability.throughput.sunPerHour).toBeCloseTo((3600 * 1) / stability.throughput.wallSeconds, 6);
  });

  it('has no novel crystal, hence no S.U.N., without a reference set', async () => {
    const items = [{ name: 'CdSe', structure: known.CdSe }];
    const alone = await evaluateStability(items, evaluateStructures(items), { potential, stability: await loadStability() });
    expect(alone.samples[0]!.novel).toBeNull();
    expect(alone.sun.rate.count).toBe(0);
  }, 300_000);

  it('cfstudio evaluate --stability prints the protocol, writes the report and streams the relaxations', async () => {
    const samples = join(dir, 'samples');
    mkdirSync(samples);
    writeFileSync(join(samples, 'a.cif'), writeCifP1(known.CdSe, { dataName: 'a' }));
    writeFileSync(join(samples, 'b.cif'), writeCifP1(known.MgO, { dataName: 'b' }));
    const referenceCsv = join(dir, 'reference.csv');
    writeFileSync(referenceCsv, `material_id,cif\n${IDS.MgO},"${writeCifP1(known.MgO, { dataName: IDS.MgO })}"\n`);
    const out = join(dir, 'report.json');
    const { code, out: stdout } = await runCli(['evaluate', samples, '--stability', '--reference', referenceCsv, '--stable-threshold', '0.08', '--out', out, '--cache-dir', join(dir, 'cache')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/protocol .*M3GNet.*fmax 0\.05 eV\/Å, at most 500 steps, space group kept/);
    expect(stdout).toMatch(/S\.U\.N\. +50\.0 % \(1\/2\) at E_hull ≤ 0\.08/);
    expect(stdout).toMatch(/partial reference hull/);
    const json = JSON.parse(readFileSync(out, 'utf8')) as EvaluationReport;
    expect(json.stability!.protocol.stableThreshold).toBe(0.08);
    expect(json.stability!.sun.byThreshold.map((t) => t.threshold)).toEqual([0, 0.08, 0.1]);
    const lines = readFileSync(join(dir, 'report.relaxed.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { file: string; status: string; cif: string | null });
    expect(lines.map((l) => l.file).sort()).toEqual(['a.cif', 'b.cif']);
    for (const line of lines) expect(readCifStructure(line.cif!).structure.numSites).toBeGreaterThan(0);
  }, 600_000);

  it('refuses relaxation options without --stability', async () => {
    const { code, stderr } = await runCli(['evaluate', dir, '--fmax', '0.1']);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^[^\n]*--fmax needs --stability$/);
  });
});
