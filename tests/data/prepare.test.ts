import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { writeCifP1 } from '../../shared/io/index.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { buildStructure, type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { N_SLOTS, decodeCrystal } from '../../shared/tokens/index.ts';
import { isValidationId, prepareDataset } from '../../electron/data/prepare.ts';
import { loadDataset } from '../../electron/engine/train/dataset.ts';
import { main } from '../../electron/cli/main.ts';

let dir: string;
beforeAll(async () => {
  await initSymmetry();
  ROWS = makeRows();
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cubic = (a: number) => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
const NACL: WyckoffDescription = { spaceGroup: 225, lattice: cubic(5.64), sites: [{ letter: 'a', species: 'Na', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] };
const CSCL: WyckoffDescription = { spaceGroup: 221, lattice: cubic(4.123), sites: [{ letter: 'a', species: 'Cs', frac: [0, 0, 0] }, { letter: 'b', species: 'Cl', frac: [0.5, 0.5, 0.5] }] };
const RUTILE: WyckoffDescription = {
  spaceGroup: 136,
  lattice: { a: 4.5937, b: 4.5937, c: 2.9587, alpha: 90, beta: 90, gamma: 90 },
  sites: [{ letter: 'a', species: 'Ti', frac: [0, 0, 0] }, { letter: 'f', species: 'O', frac: [0.3048, 0.3048, 0] }],
};

function csvField(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

function csv(rows: { id: string; cif: string; extra?: string }[]): string {
  return ['material_id,note,cif', ...rows.map((r) => `${r.id},${r.extra ?? 'x'},${csvField(r.cif)}`)].join('\n') + '\n';
}

/** NaCl shifted by an arbitrary vector: a different CIF with the same tokens (a duplicate). */
function shiftedNaCl(t: Vec3): string {
  const s = buildStructure(NACL);
  return writeCifP1(new Structure(s.lattice, s.sites.map((site) => ({ species: site.species, frac: [site.frac[0] + t[0], site.frac[1] + t[1], site.frac[2] + t[2]] as Vec3 }))));
}

/** 21 distinct carbon atoms in a triclinic box: 21 Wyckoff sites in P1, one more than the tokenization holds. */
function tooManySites(): string {
  // Irregular positions (an arithmetic progression would be centrosymmetric, i.e. P-1 with 11 sites).
  const irregular = (i: number, k: number) => Math.abs(Math.sin(12.9898 * (i + 1) + 78.233 * (k + 1)) * 43758.5453) % 1;
  const atoms = Array.from({ length: 21 }, (_, i) => ({ species: 'C', frac: [irregular(i, 0), irregular(i, 1), irregular(i, 2)] as Vec3 }));
  return writeCifP1(new Structure(Lattice.fromParameters(12, 13, 14, 81, 97, 103), atoms));
}

let ROWS: { id: string; cif: string }[] = [];
function makeRows(): { id: string; cif: string }[] {
  return [
  { id: 'mp-1', cif: writeCifP1(buildStructure(NACL)) },
  { id: 'mp-2', cif: writeCifP1(buildStructure(RUTILE)) },
  { id: 'mp-3', cif: shiftedNaCl([0.1, 0.2, 0.3]) },
  { id: 'mp-4', cif: 'data_broken\n_cell_length_a 4.0\nloop_\n_atom_site_label\n_atom_site_fract_x\nNa1 0.0\n' },
  { id: 'mp-5', cif: writeCifP1(buildStructure(CSCL)).replace(/\bCs\b/g, 'Qq') },
  { id: 'mp-6', cif: tooManySites() },
  { id: 'mp-7', cif: writeCifP1(buildStructure(CSCL)) },
  ];
}

describe('prepareDataset', () => {
  it('converts, de-duplicates, splits by id hash and writes a loadable dataset with skip reasons', async () => {
    const plain = join(dir, 'a.csv');
    const gz = join(dir, 'b.csv.gz');
    await writeFile(plain, csv(ROWS.slice(0, 4)));
    await writeFile(gz, gzipSync(csv(ROWS.slice(4))));
    const out = join(dir, 'out');
    const manifest = await prepareDataset({ inputs: [plain, gz], outDir: out, valFraction: 0.5, workers: 0 });

    expect(manifest.inputs.map((i) => i.rows)).toEqual([4, 3]);
    expect(manifest.counts).toMatchObject({ rows: 7, kept: 3, skipped: 4 });
    expect(manifest.skipped).toMatchObject({ duplicate: 1, 'parse error': 1, 'unsupported element': 1, 'more than 20 sites': 1, 'symmetry failure': 0 });
    const duplicate = manifest.skippedExamples.find((e) => e.reason === 'duplicate');
    expect(duplicate).toMatchObject({ id: 'mp-3', message: 'same tokens as mp-1' });
    expect(manifest.skippedExamples.find((e) => e.reason === 'parse error')?.message).toMatch(/a\.csv:\d+ \(mp-4\)/);

    const keptIds = ['mp-1', 'mp-2', 'mp-7'];
    const expectedVal = keptIds.filter((id) => isValidationId(id, 0.5));
    expect(manifest.counts.val).toBe(expectedVal.length);

    const all = await loadDataset(out);
    expect(all.count).toBe(3);
    expect(all.wyckoff).toHaveLength(3 * N_SLOTS);
    expect(all.coords).toHaveLength(3 * N_SLOTS * 3);
    const val = await loadDataset(out, { split: 'val' });
    expect([...val.ids].sort()).toEqual(expectedVal.sort());
    const train = await loadDataset(out, { split: 'train' });
    expect(train.count + val.count).toBe(3);

    // The stored tokens decode back to the crystals that went in.
    const i = all.ids.indexOf('mp-1');
    const decoded = decodeCrystal({
      spaceGroup: all.spaceGroup[i]!,
      wyckoff: all.wyckoff.slice(i * N_SLOTS, (i + 1) * N_SLOTS),
      atoms: all.atoms.slice(i * N_SLOTS, (i + 1) * N_SLOTS),
      coords: Float64Array.from(all.coords.slice(i * N_SLOTS * 3, (i + 1) * N_SLOTS * 3)),
      lattice: Float64Array.from(all.lattice.slice(i * 6, (i + 1) * 6)),
      numSites: all.numSites[i]!,
    });
    expect(decoded.spaceGroup).toBe(225);
    expect(decoded.sites.map((s) => `${s.letter}-${s.species}`)).toEqual(['a-Na', 'b-Cl']);
    expect(decoded.lattice.a).toBeCloseTo(5.64, 4); // float32 storage
    const r = all.ids.indexOf('mp-2');
    expect(all.lattice[r * 6]).toBeCloseTo(4.5937 / Math.cbrt(6), 5);

    // Space-group statistics over the training and validation rows.
    const stats = JSON.parse(await readFile(join(out, 'spacegroups.json'), 'utf8')) as { train: number[]; val: number[]; symbols: string[] };
    expect(stats.symbols[224]).toBe('Fm-3m');
    expect(stats.train.reduce((a, b) => a + b, 0)).toBe(manifest.counts.train);
    expect(stats.train[224]! + stats.val[224]!).toBe(1);
    expect(stats.train[135]! + stats.val[135]!).toBe(1);
  });

  it('keeps every existing id in its split when data grow, and worker threads give the same result', async () => {
    const first = join(dir, 'grow1.csv');
    await writeFile(first, csv([ROWS[0]!, ROWS[1]!, ROWS[6]!]));
    const small = await prepareDataset({ inputs: [first], outDir: join(dir, 'grow1'), valFraction: 0.5, workers: 0 });
    const more = join(dir, 'grow2.csv');
    const extra = [3, 4, 5, 6, 7].map((n) => ({ id: `extra-${n}`, cif: writeCifP1(buildStructure({ ...CSCL, lattice: cubic(3 + n * 0.1) })) }));
    await writeFile(more, csv(extra));
    const big = await prepareDataset({ inputs: [first, more], outDir: join(dir, 'grow2'), valFraction: 0.5, workers: 1 });
    expect(big.counts.kept).toBe(small.counts.kept + extra.length);
    const smallVal = (await loadDataset(join(dir, 'grow1'), { split: 'val' })).ids;
    const bigVal = (await loadDataset(join(dir, 'grow2'), { split: 'val' })).ids;
    for (const id of ['mp-1', 'mp-2', 'mp-7']) expect(bigVal.includes(id)).toBe(smallVal.includes(id));
    // Worker-thread run of the same input equals the in-process run, byte for byte in the token arrays.
    await prepareDataset({ inputs: [first], outDir: join(dir, 'grow1w'), valFraction: 0.5, workers: 1 });
    for (const file of ['wyckoff.i32', 'atoms.i32', 'coords.f32', 'lattice.f32', 'ids.json']) {
      expect(await readFile(join(dir, 'grow1w', file))).toEqual(await readFile(join(dir, 'grow1', file)));
    }
  });

  it('reports a missing cif column and a broken dataset directory with the file named', async () => {
    const bad = join(dir, 'nocif.csv');
    await writeFile(bad, 'material_id,structure\nmp-1,{}\n');
    await expect(prepareDataset({ inputs: [bad], outDir: join(dir, 'nocif'), workers: 0 })).rejects.toThrow(/nocif\.csv: no 'cif' column/);
    // In words, not the system's "ENOENT … manifest.json": the folder is missing, or holds no prepared dataset.
    await expect(loadDataset(join(dir, 'does-not-exist'))).rejects.toThrow(/does-not-exist: no such folder \(a prepared dataset is a folder written by `cfstudio data prepare`/);
    await expect(loadDataset(dir)).rejects.toThrow(/is not a prepared dataset \(no manifest\.json\): prepare one with `cfstudio data prepare`/);
    const out = join(dir, 'grow1');
    await writeFile(join(out, 'atoms.i32'), Buffer.alloc(8));
    await expect(loadDataset(out)).rejects.toThrow(/atoms\.i32: expected \d+ bytes/);
  });

  it('splits ids stably and in proportion', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `mp-${i}`);
    const share = ids.filter((id) => isValidationId(id, 0.1)).length / ids.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
    expect(ids.every((id) => isValidationId(id, 0.1) === isValidationId(id, 0.1))).toBe(true);
    // A larger fraction only adds ids to validation.
    expect(ids.filter((id) => isValidationId(id, 0.1)).every((id) => isValidationId(id, 0.3))).toBe(true);
    expect(isValidationId('x', 0)).toBe(false);
    expect(isValidationId('x', 1)).toBe(true);
  });
});

describe('cfstudio data prepare', () => {
  it('runs end to end and prints the manifest with --json', async () => {
    const input = join(dir, 'cli.csv');
    await writeFile(input, csv([ROWS[0]!, ROWS[1]!]));
    let out = '';
    const code = await main(['data', 'prepare', '--in', input, '--out', join(dir, 'cli-out'), '--val-fraction', '0', '--workers', '0', '--json'], { log: () => {}, out: (t) => (out += t) });
    expect(code).toBe(0);
    expect(JSON.parse(out).counts).toMatchObject({ rows: 2, kept: 2, train: 2, val: 0 });
  });

  it('rejects bad options with a one-line error', async () => {
    const errors: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['data', 'prepare', '--in', join(dir, 'missing.csv'), '--out', join(dir, 'x')], { log: () => {}, out: () => {} })).toBe(1);
      expect(await main(['data', 'prepare', '--in', join(dir, 'cli.csv'), '--out', join(dir, 'x'), '--val-fraction', '2'], { log: () => {}, out: () => {} })).toBe(1);
    } finally {
      process.stderr.write = original;
    }
    expect(errors.join('')).toMatch(/missing\.csv: no such file/);
    expect(errors.join('')).toMatch(/--val-fraction must be a number in \[0, 1\]/);
  });
});
