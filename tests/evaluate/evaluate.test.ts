/**
 * evaluateStructures, reference sets, sample directories and the `cfstudio evaluate` command on known crystals.
 */
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { writeCifP1, writeSymmetrizedCif } from '../../shared/io/index.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { Rng } from '../../shared/random.ts';
import { prepareDataset } from '../../electron/data/prepare.ts';
import { main } from '../../electron/cli/main.ts';
import {
  type EvaluationReport,
  SampleDirectoryError,
  evaluateStructures,
  histogram,
  loadReferenceSet,
  parseSamplesJsonl,
  readSampleDirectory,
  referenceSetFromStructures,
  wassersteinDistance,
} from '../../electron/evaluate/index.ts';
import { CRYSTALS, crystal, shiftOrigin, transformCell } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  await initSymmetry();
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-evaluate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Avogadro-based density of a cell: Σ masses / (N_A · V). */
const density = (massPerCell: number, volume: number) => massPerCell / 6.02214076e23 / (volume * 1e-24);

function randomTriclinic(seed: number): Structure {
  const rng = new Rng(seed);
  const lattice = Lattice.fromParameters(5.3, 6.1, 7.2, 83, 95, 101);
  return Structure.fromSpecies(lattice, ['Li', 'Li', 'Fe', 'O', 'O', 'O', 'O'], Array.from({ length: 7 }, () => [rng.next(), rng.next(), rng.next()]));
}

describe('distribution helpers', () => {
  it('computes Wasserstein distances as scipy does', () => {
    // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5.0 (its documentation example).
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12);
    // By hand: F_u − F_v = 0.5 on [1, 2), so the area is 0.5.
    expect(wassersteinDistance([0, 1], [0, 2])).toBeCloseTo(0.5, 12);
    expect(wassersteinDistance([2, 2, 2], [2])).toBe(0);
    // A shift of every value by c moves the distribution by exactly c.
    const u = [0.3, 1.7, 2.2, 5.1];
    expect(wassersteinDistance(u, u.map((x) => x + 0.75))).toBeCloseTo(0.75, 12);
  });

  it('bins values into fixed-width histograms', () => {
    const h = histogram([0.1, 0.4, 0.5, 1.2, -1, NaN], 0, 0.5);
    expect(h.edges).toEqual([0, 0.5, 1, 1.5]);
    expect(h.counts).toEqual([2, 1, 1]);
    expect(h.outside).toBe(2);
  });
});

describe('evaluateStructures', () => {
  let report: EvaluationReport;
  beforeAll(() => {
    const rockSalt = crystal('rockSalt');
    const reference = referenceSetFromStructures([
      { id: 'ref-rutile', structure: crystal('rutile') },
      { id: 'ref-cscl', structure: crystal('cesiumChloride') },
    ]);
    const overlapping = Structure.fromSpecies(Lattice.cubic(4), ['Na', 'Cl'], [
      [0, 0, 0],
      [0.05, 0, 0],
    ]);
    report = evaluateStructures(
      [
        { name: 'rock salt', structure: rockSalt, spaceGroupRequested: 225 },
        { name: 'rock salt again', structure: shiftOrigin(transformCell(rockSalt, [[1, 1, 0], [0, 1, 0], [0, 0, 2]]), [0.3, 0.2, 0.1]), spaceGroupRequested: 221 },
        { name: 'rutile', structure: crystal('rutile'), spaceGroupRequested: 136 },
        { name: 'anatase', structure: crystal('anatase') },
        { name: 'overlap', structure: overlapping },
        { name: 'triclinic', structure: randomTriclinic(1), spaceGroupRequested: 1 },
        { name: 'magnetite-like', structure: Structure.fromSpecies(Lattice.cubic(6), ['Fe', 'Fe', 'Fe', 'O', 'O', 'O', 'O'], [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0.25, 0.25, 0.25], [0.75, 0.75, 0.25], [0.75, 0.25, 0.75], [0.25, 0.75, 0.75]]) },
      ],
      { reference },
    );
  });

  it('counts validity per crystal', () => {
    const byName = Object.fromEntries(report.samples.map((s) => [s.name, s]));
    expect(byName['overlap']).toMatchObject({ structurallyValid: false, compositionallyValid: true, valid: false });
    expect(byName['overlap']!.minDistance).toBeCloseTo(0.2, 10);
    expect(byName['magnetite-like']).toMatchObject({ structurallyValid: true, compositionallyValid: false, compositionallyValidMixedValence: true, valid: false });
    expect(byName['rock salt']).toMatchObject({ valid: true, formula: 'NaCl', numAtoms: 8, numElements: 2 });
    expect(byName['rock salt']!.density).toBeCloseTo(density(4 * (22.98976928 + 35.45), 5.64 ** 3), 10);
    // Li2FeO4 balances with Li+1, O−2, Fe+6 (SMACT lists Fe up to +6); its random cell has no close contacts.
    expect(byName['triclinic']).toMatchObject({ structurallyValid: true, compositionallyValid: true });
    expect(report.validity.structural).toEqual({ count: 6, total: 7, rate: 6 / 7 });
    expect(report.validity.compositional.count).toBe(6); // all but Fe3O4
    expect(report.validity.valid.count).toBe(5); // also not the overlapping pair
    expect(report.validity.compositionalMixedValence.count).toBe(7);
  });

  it('compares found and requested space groups and counts P1', () => {
    const found = Object.fromEntries(report.samples.map((s) => [s.name, s.spaceGroupFound]));
    expect(found).toMatchObject({ 'rock salt': 225, 'rock salt again': 225, rutile: 136, anatase: 141, triclinic: 1 });
    // Requested: 225 ✓, 221 ✗ (it is rock salt), 136 ✓, 1 ✓.
    expect(report.symmetry.matchesRequested).toEqual({ count: 3, total: 4, rate: 0.75 });
    expect(report.symmetry.p1.count).toBe(1);
    expect(report.symmetry.histogram.find((h) => h.spaceGroup === 225)).toEqual({ spaceGroup: 225, symbol: 'Fm-3m', count: 2 });
  });

  it('groups the two rock-salt cells as one crystal and keeps rutile and anatase apart', () => {
    const byName = Object.fromEntries(report.samples.map((s, i) => [s.name, { ...s, index: i }]));
    expect(byName['rock salt again']!.duplicateOf).toBe(byName['rock salt']!.index);
    expect(byName['anatase']!.duplicateOf).toBeNull();
    expect(byName['rutile']!.duplicateOf).toBeNull();
    expect(report.uniqueness.groups).toBe(6);
  });

  it('finds rutile in the reference and everything else novel', () => {
    const byName = Object.fromEntries(report.samples.map((s) => [s.name, s]));
    expect(byName['rutile']).toMatchObject({ novel: false, matchedReference: 'ref-rutile' });
    expect(byName['anatase']!.novel).toBe(true);
    expect(byName['rock salt']!.novel).toBe(true);
    expect(report.novelty!.novel).toEqual({ count: 6, total: 7, rate: 6 / 7 });
    // Valid ∧ first of its group ∧ novel: rock salt, anatase, triclinic (not: the second rock salt, rutile, the
    // overlapping pair, Fe3O4).
    expect(report.novelty!.validUniqueNovel.count).toBe(3);
  });

  it('reports distributions and Wasserstein distances of the valid crystals against the reference', () => {
    expect(report.distributions.numElements).toEqual({ values: [1, 2, 3], counts: [0, 6, 1] });
    const valid = report.samples.filter((s) => s.valid);
    const referenceDensities = [crystal('rutile'), crystal('cesiumChloride')].map((s) => s.densityFrom((x) => ({ Ti: 47.867, O: 15.999, Cs: 132.90545196, Cl: 35.45 })[x]!));
    expect(report.distributions.wasserstein!.density).toBeCloseTo(wassersteinDistance(valid.map((s) => s.density), referenceDensities), 10);
    expect(report.distributions.wasserstein!.numElements).toBeCloseTo(wassersteinDistance(valid.map((s) => s.numElements), [2, 2]), 12);
    expect(report.distributions.wasserstein!.generated).toBe(valid.length);
  });

  it('copes with degenerate cells: invalid, never stuck', () => {
    const flat = Structure.fromSpecies(new Lattice([[5, 0, 0], [0, 5, 0], [0, 0, 1e-5]]), ['Na', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    const needle = Structure.fromSpecies(new Lattice([[1000, 0, 0], [0, 1, 0], [0, 0, 1e-4]]), ['Na', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    const result = evaluateStructures([{ name: 'flat', structure: flat }, { name: 'needle', structure: needle }, { name: 'rock salt', structure: crystal('rockSalt') }], {
      reference: referenceSetFromStructures([{ id: 'r', structure: crystal('rockSalt') }]),
    });
    expect(result.samples.map((s) => s.structurallyValid)).toEqual([false, false, true]);
    expect(result.samples[0]!.minDistance).toBeNull();
    expect(result.samples[2]!.novel).toBe(false);
  });

  it('analyses a crystal with atoms closer than symprec at half its shortest distance', () => {
    const base = crystal('rockSalt');
    const crowded = new Structure(base.lattice, [...base.sites, { species: 'Na', frac: [0.06 / 5.64, 0, 0] }]);
    const result = evaluateStructures([{ name: 'crowded', structure: crowded }]);
    expect(result.samples[0]!.minDistance).toBeCloseTo(0.06, 10);
    expect(result.samples[0]!.symprecUsed).toBeCloseTo(0.03, 10);
    // The extra atom on the a axis leaves the 4-fold axis along a and mirrors through it: tetragonal P4mm (99).
    expect(result.samples[0]!.spaceGroupFound).toBe(99);
  });

  it('matches across space groups only when asked to', () => {
    // Rock salt stretched 3 % along c: tetragonal I4/mmm at symprec 0.01 Å, still within ltol of the cubic one.
    const ideal = crystal('rockSalt');
    const m = ideal.lattice.matrix;
    const distorted = new Structure(new Lattice([m[0], m[1], [m[2][0] * 1.03, m[2][1] * 1.03, m[2][2] * 1.03]]), ideal.sites);
    const strict = evaluateStructures([{ name: 'a', structure: ideal }, { name: 'b', structure: distorted }], { symprec: 0.01 });
    expect(strict.samples[1]!.spaceGroupFound).toBe(139);
    expect(strict.uniqueness.groups).toBe(2);
    const loose = evaluateStructures([{ name: 'a', structure: ideal }, { name: 'b', structure: distorted }], { symprec: 0.01, requireSameSpaceGroup: false });
    expect(loose.uniqueness.groups).toBe(1);
  });
});

const NACL = CRYSTALS.rockSalt as WyckoffDescription;
const RUTILE = CRYSTALS.rutile as WyckoffDescription;

function csv(rows: { id: string; cif: string }[]): string {
  const field = (text: string) => `"${text.replace(/"/g, '""')}"`;
  return ['material_id,cif', ...rows.map((r) => `${r.id},${field(r.cif)}`)].join('\n') + '\n';
}

describe('reference sets', () => {
  it('reads a CIF CSV, caches the parsed cells by file hash, and reads the cache back', async () => {
    const file = join(dir, 'ref.csv.gz');
    await writeFile(
      file,
      gzipSync(
        csv([
          { id: 'mp-nacl', cif: writeCifP1(crystal('rockSalt')) },
          { id: 'mp-rutile', cif: writeSymmetrizedCif(RUTILE) },
          { id: 'mp-broken', cif: 'data_x\n_cell_length_a 1\n' },
        ]),
      ),
    );
    const cacheDir = join(dir, 'cache');
    const first = await loadReferenceSet(file, { cacheDir });
    expect(first.entries.map((e) => e.id)).toEqual(['mp-nacl', 'mp-rutile']);
    expect(first.skipped.map((s) => s.id)).toEqual(['mp-broken']);
    expect(first.entries[0]).toMatchObject({ compositionKey: 'Na1 Cl1', numElements: 2 });
    expect(first.entries[0]!.density).toBeCloseTo(density(4 * (22.98976928 + 35.45), 5.64 ** 3), 8);
    const cacheFiles = await readdir(join(cacheDir, 'reference'));
    expect(cacheFiles).toHaveLength(1);
    // Prove the second load reads the cache: rename an entry inside it.
    const cachePath = join(cacheDir, 'reference', cacheFiles[0]!);
    const cached = JSON.parse(gunzipSync(await readFile(cachePath)).toString('utf8'));
    cached.cells[0].id = 'renamed-in-cache';
    await writeFile(cachePath, gzipSync(JSON.stringify(cached)));
    const second = await loadReferenceSet(file, { cacheDir });
    expect(second.entries[0]!.id).toBe('renamed-in-cache');
    expect(second.prepared(1, 0.1)).toMatchObject({ spaceGroup: 136, numSites: 6 });
  });

  it('reads a token dataset: composition, density and element count straight from the tokens', async () => {
    const input = join(dir, 'train.csv');
    await writeFile(input, csv([{ id: 'mp-nacl', cif: writeCifP1(crystal('rockSalt')) }, { id: 'mp-rutile', cif: writeCifP1(crystal('rutile')) }, { id: 'mp-cscl', cif: writeCifP1(crystal('cesiumChloride')) }]));
    const out = join(dir, 'dataset');
    await prepareDataset({ inputs: [input], outDir: out, valFraction: 0, workers: 0 });
    const reference = await loadReferenceSet(out);
    expect(reference.kind).toBe('dataset');
    const byId = Object.fromEntries(reference.entries.map((e, i) => [e.id, { ...e, index: i }]));
    expect(byId['mp-rutile']).toMatchObject({ compositionKey: 'O2 Ti1', numElements: 2 });
    // Rutile: 2 TiO2 per 4.594² × 2.959 Å³ cell. Tokens are float32, so agreement is to ~1e-6 relative.
    expect(byId['mp-rutile']!.density).toBeCloseTo(density(2 * (47.867 + 2 * 15.999), 4.594 * 4.594 * 2.959), 4);
    const rutile = reference.prepared(byId['mp-rutile']!.index, 0.1);
    expect(rutile).toMatchObject({ spaceGroup: 136, orbitKey: 'O4 Ti2' });
    const result = evaluateStructures([{ name: 'rutile', structure: transformCell(crystal('rutile'), [[0, 1, 0], [1, 0, 0], [0, 0, -2]]) }], { reference });
    expect(result.samples[0]).toMatchObject({ novel: false, matchedReference: 'mp-rutile' });
  });

  it('names the path when the reference is missing', async () => {
    await expect(loadReferenceSet(join(dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: no such file/);
  });
});

describe('sample directories and the CLI', () => {
  it('reads CIFs with samples.jsonl, falls back to the declared group, and lists unreadable files', async () => {
    const samples = join(dir, 'samples');
    await mkdir(samples);
    await writeFile(join(samples, '000001.cif'), writeCifP1(crystal('rockSalt')));
    await writeFile(join(samples, '000002.cif'), writeSymmetrizedCif(RUTILE));
    await writeFile(join(samples, '000003.cif'), writeCifP1(crystal('anatase')));
    await writeFile(join(samples, '000004.cif'), 'data_broken\nloop_\n_atom_site_label\n');
    await writeFile(
      join(samples, 'samples.jsonl'),
      [
        '{"file": "000001.cif", "spaceGroupRequested": 225, "logProb": -12.5}',
        '{"file": "000003.cif"}',
        '{"file": "000009.cif", "spaceGroupRequested": 2}',
        '{"index": 5, "file": null, "spaceGroupRequested": 12, "error": "lattice angles do not form a cell"}',
        '',
      ].join('\n'),
    );
    const read = await readSampleDirectory(samples);
    expect(read.items.map((i) => [i.name, i.spaceGroupRequested])).toEqual([
      ['000001.cif', 225],
      ['000002.cif', 136], // declared by the symmetrized CIF
      ['000003.cif', undefined], // P1 CIF declares 1: unknown
    ]);
    expect(read.unreadable.map((u) => u.file)).toEqual(['000004.cif']);
    expect(read.unreadable[0]!.error).toMatch(/000004\.cif/);
    expect(read.warnings[0]).toMatch(/samples\.jsonl: 1 line\(s\) name a file that is not in the directory/);
    expect(read.unbuilt).toEqual([{ where: join(samples, 'samples.jsonl:4'), spaceGroupRequested: 12, error: 'lattice angles do not form a cell' }]);

    let out = '';
    const code = await main(['evaluate', samples, '--json'], { log: () => {}, out: (t) => (out += t) });
    expect(code).toBe(1); // an unreadable CIF is a failed input: reported, the rest evaluated, exit 1
    const report = JSON.parse(out) as EvaluationReport;
    expect(report.count).toBe(3);
    expect(report.input!.unreadable).toHaveLength(1);
    // Valid over every sample: 3 valid crystals of 3 read + 1 unreadable CIF + 1 sample the sampler could not build.
    expect(report.input!.validOverAllSamples).toEqual({ count: 3, total: 5, rate: 0.6 });
    expect(report.symmetry.matchesRequested).toMatchObject({ count: 2, total: 2 });
    const written = JSON.parse(await readFile(join(samples, 'evaluation.json'), 'utf8')) as EvaluationReport;
    expect(written.samples.map((s) => s.name)).toEqual(['000001.cif', '000002.cif', '000003.cif']);

    let summary = '';
    expect(await main(['evaluate', samples, '--out', join(dir, 'report.json')], { log: () => {}, out: (t) => (summary += t) })).toBe(1);
    expect(summary).toMatch(/failed: 1 of 4 inputs\n  .*000004\.cif/);
    expect(summary).toMatch(/validity\s+structural 100\.0 % \(3\/3\)/);
    expect(summary).toMatch(/space group\s+found = requested 100\.0 % \(2\/2\)/);
    expect(summary).toMatch(/valid over all samples 60\.0 % \(3\/5\)/);
  });

  it('rejects malformed samples.jsonl lines with file and line', () => {
    expect(() => parseSamplesJsonl('{"file": "a.cif"}\n{oops}\n', 'x/samples.jsonl')).toThrow(SampleDirectoryError);
    expect(() => parseSamplesJsonl('{"file": "a.cif"}\n{oops}\n', 'x/samples.jsonl')).toThrow(/x\/samples\.jsonl:2: not valid JSON/);
    expect(() => parseSamplesJsonl('{"file": "a.cif", "spaceGroupRequested": 231}', 's.jsonl')).toThrow(/s\.jsonl:1: field "spaceGroupRequested" must be an integer 1…230, got 231/);
    expect(() => parseSamplesJsonl('[1]', 's.jsonl')).toThrow(/s\.jsonl:1: expected a JSON object/);
    expect(() => parseSamplesJsonl('\n{"file": 5}', 's.jsonl')).toThrow(/s\.jsonl:2: field "file" must be a file name or null, got 5/);
  });

  it('fails with one clear line (exit 1) for a missing or empty directory and bad options', async () => {
    const ctx = { log: () => {}, out: () => {} };
    await mkdir(join(dir, 'empty'));
    await expect(readSampleDirectory(join(dir, 'missing'))).rejects.toThrow(/missing: no such directory/);
    await expect(readSampleDirectory(join(dir, 'empty'))).rejects.toThrow(/empty: no \.cif files/);
    expect(await main(['evaluate', join(dir, 'missing')], ctx)).toBe(1);
    expect(await main(['evaluate', join(dir, 'empty')], ctx)).toBe(1);
    expect(await main(['evaluate', join(dir, 'samples'), '--symprec=-1'], ctx)).toBe(1);
    expect(await main(['evaluate', join(dir, 'samples'), '--reference-split', 'test'], ctx)).toBe(1);
    expect(await main(['evaluate', join(dir, 'samples'), '--reference', join(dir, 'nothing.csv')], ctx)).toBe(1);
  });
});
