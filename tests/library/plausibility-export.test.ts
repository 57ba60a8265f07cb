// Plausibility on library rows (schema version 3), RL crystals as their own source, and the export formats beyond
// CIF read back by independent readers: a version-2 library keeps opening, its rows get the plausibility columns
// from their CIFs and its fine-tuning rows the source 'rl'; rock salt is charge balanced (Na+ Cl−) at the handbook
// density; squeezed to 0.62 Å contacts it is not plausible; POSCAR, extended XYZ (read by ASE) and JSON exports
// give back the stored crystals; delete, tags and duplicate imports work on the same library.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { structureSummarySchema } from '../../shared/api/contract.ts';
import { readPoscar } from '../../shared/io/poscar.ts';
import { writeCifP1 } from '../../shared/io/cif-writer.ts';
import { writePoscar } from '../../shared/io/poscar.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, openLibrary, type Library } from '../../electron/library/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-library-plausibility-'));
const opened: Library[] = [];
afterAll(() => {
  for (const library of opened) library.close();
  rmSync(root, { recursive: true, force: true });
});
function open(dir: string): Library {
  const library = openLibrary(join(root, dir));
  opened.push(library);
  return library;
}

/** Rock salt, conventional cell, lattice constant a (Å). */
function rockSalt(a = 5.64, anion = 'Cl', cation = 'Na'): Structure {
  const na: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const cl: Vec3[] = na.map(([x, y, z]) => [(x + 0.5) % 1, y, z]);
  return Structure.fromSpecies(Lattice.cubic(a), [...na.map(() => cation), ...cl.map(() => anion)], [...na, ...cl]);
}

/** Rock salt's primitive rhombohedral cell (2 atoms): the same crystal as `rockSalt(a)` in another setting. */
function rockSaltPrimitive(a = 5.64): Structure {
  const h = a / 2;
  const lattice = new Lattice([[0, h, h], [h, 0, h], [h, h, 0]]);
  return Structure.fromSpecies(lattice, ['Na', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
}

/** Python with ASE, for reading the extended XYZ export independently. */
const python = spawnSync('/usr/bin/python3', ['-c', 'import ase'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/python3' : null;
if (!python) console.warn('skipping the ASE read-back of the extended XYZ export: no /usr/bin/python3 with ase');

describe('schema version 3: plausibility and the rl source', () => {
  it('migrates a version-2 library: rows get plausibility from their CIFs, fine-tuning rows become rl', () => {
    const dir = join(root, 'v2');
    mkdirSync(dir, { recursive: true });
    const old = new BetterSqlite3(join(dir, 'library.sqlite'));
    migrate(old, MIGRATIONS.filter((m) => m.version <= 2));
    const insertRun = old.prepare("INSERT INTO runs (kind, status, created_at) VALUES (?, 'completed', '2026-01-01T00:00:00Z')");
    const finetuneRun = Number(insertRun.run('finetune').lastInsertRowid);
    const generateRun = Number(insertRun.run('generate').lastInsertRowid);
    const insert = old.prepare(
      `INSERT INTO structures (run_id, source, name, formula, elements, num_elements, num_sites, volume, lattice, cif, created_at)
       VALUES (?, 'generated', ?, 'NaCl', 'Na Cl', 2, 8, 179.4, '{"a":5.64,"b":5.64,"c":5.64,"alpha":90,"beta":90,"gamma":90}', ?, '2026-01-01T00:00:00Z')`,
    );
    insert.run(finetuneRun, 'rl row', writeCifP1(rockSalt()));
    insert.run(generateRun, 'sampled row', writeCifP1(rockSalt()));
    insert.run(generateRun, 'unreadable row', 'data_broken');
    old.close();

    const library = open('v2');
    expect(library.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const rows = library.queryStructures({ sort: { by: 'id', direction: 'asc' } }).rows;
    expect(rows.map((r) => [r.name, r.source])).toEqual([
      ['rl row', 'rl'],
      ['sampled row', 'generated'],
      ['unreadable row', 'generated'],
    ]);
    expect(rows[0]!.run).toEqual({ kind: 'finetune', name: null });
    expect(rows[1]!.plausibility).toMatchObject({ chargeVerdict: 'charge-balanced', chargeBalanced: true, contactsPlausible: true, oxidationStates: { Na: [1], Cl: [-1] } });
    expect(rows[2]!.plausibility).toBeNull();
    for (const row of rows) expect(() => structureSummarySchema.parse(row)).not.toThrow();
    expect(library.queryStructures({ source: 'rl' }).total).toBe(1);
  });

  it('judges rock salt by its contacts, charges and density, and a 0.62 Å rock salt as implausible', () => {
    const library = open('judge');
    const nacl = library.addStructure({ structure: rockSalt(5.64), name: 'NaCl' });
    const squeezed = library.addStructure({ structure: rockSalt(1.24), name: 'squeezed' });
    const unbalanced = library.addStructure({ structure: rockSalt(5.0, 'Cl', 'Mg'), name: 'MgCl' });
    const row = (id: number) => library.queryStructures({ ids: [id] }).rows[0]!.plausibility!;
    // Nearest Na–Cl = a/2 = 2.82 Å over Slater radii 1.80 + 1.00 Å.
    expect(row(nacl).contactRatio).toBeCloseTo(2.82 / 2.8, 6);
    // Handbook density of halite 2.165 g/cm³ (CRC); a = 5.64 Å gives 2.164.
    expect(row(nacl).density).toBeCloseTo(2.165, 2);
    // a = 1.24 Å: Na–Cl 0.62 Å, far below half the radii sum.
    expect(row(squeezed)).toMatchObject({ contactsPlausible: false, chargeBalanced: true });
    expect(row(squeezed).contactRatio).toBeCloseTo(0.62 / 2.8, 6);
    // Mg²⁺ and Cl⁻ cannot balance MgCl (Mg has no other common state; Cl is the anion).
    expect(row(unbalanced)).toMatchObject({ chargeBalanced: false, contactsPlausible: true });

    expect(library.selectIds({ contactsPlausible: true, chargeBalanced: true })).toEqual([nacl]);
    expect(library.selectIds({ contactsPlausible: false })).toEqual([squeezed]);
    expect(library.selectIds({ chargeBalanced: false })).toEqual([unbalanced]);
    expect(library.selectIds({ contactRatio: { max: 0.5 } })).toEqual([squeezed]);
    expect(library.selectIds({ density: { min: 2, max: 2.2 } })).toEqual([nacl]);
    const byRatio = library.queryStructures({ sort: { by: 'contactRatio', direction: 'asc' } }).rows.map((r) => r.id);
    expect(byRatio[0]).toBe(squeezed);
    const byA = library.queryStructures({ sort: { by: 'a', direction: 'asc' } }).rows.map((r) => r.lattice.a);
    expect(byA).toEqual([...byA].sort((p, q) => p - q));
    const byDensity = library.queryStructures({ sort: { by: 'density', direction: 'desc' } }).rows.map((r) => r.plausibility!.density);
    expect(byDensity).toEqual([...byDensity].sort((p, q) => q - p));
  });
});

describe('delete, tags and duplicates', () => {
  it('deletes rows, tags and untags them, and skips rock salt imported again in its primitive setting', async () => {
    const library = open('edit');
    const first = await library.importTexts([{ fileName: 'NaCl.cif', text: writeCifP1(rockSalt(5.64)) }]);
    expect(first.imported).toHaveLength(1);
    const again = await library.importTexts([{ fileName: 'NaCl-primitive.vasp', text: writePoscar(rockSaltPrimitive(5.64)) }]);
    expect(again.imported).toHaveLength(0);
    expect(again.duplicates).toEqual([expect.objectContaining({ existingId: first.imported[0]!.id, formula: 'NaCl' })]);
    // 5 % larger is another entry, not a duplicate.
    const larger = await library.importTexts([{ fileName: 'NaCl-large.vasp', text: writePoscar(rockSaltPrimitive(5.64 * 1.05)) }]);
    expect(larger.imported).toHaveLength(1);

    const ids = library.selectIds();
    library.addTags(ids, ['halide', 'keep']);
    library.removeTags([ids[0]!], ['keep']);
    expect(library.listTags()).toEqual([
      { name: 'halide', count: 2 },
      { name: 'keep', count: 1 },
    ]);
    expect(library.selectIds({ tags: ['keep'] })).toEqual([ids[1]]);
    expect(library.deleteStructures([ids[1]!])).toBe(1);
    expect(library.selectIds()).toEqual([ids[0]]);
    expect(library.listTags()).toEqual([{ name: 'halide', count: 1 }]);
  });
});

describe('exports beyond CIF', () => {
  const setUp = () => {
    const library = open(`export-${Math.random().toString(36).slice(2)}`);
    const nacl = library.addStructure({ structure: rockSalt(5.64), name: 'halite', spaceGroupFound: 225, reward: 0.75, properties: { band_gap: 5.1 } });
    const kcl = library.addStructure({ structure: rockSalt(6.29, 'Cl', 'K'), name: 'sylvite' });
    return { library, ids: [nacl, kcl] };
  };

  it('writes a zip of POSCAR files that read back to the stored crystals', async () => {
    const { library, ids } = setUp();
    const path = join(root, 'out', 'poscar.zip');
    const result = await library.exportAs(ids, 'poscar-zip', path);
    expect(result.count).toBe(2);
    const files = unzipSync(new Uint8Array(readFileSync(path)));
    expect(Object.keys(files).sort()).toEqual(['manifest.csv', ...result.files].sort());
    const first = readPoscar(strFromU8(files[result.files[0]!]!)).structure;
    const stored = library.getStructure(ids[0]!)!;
    expect(first.numSites).toBe(stored.numSites);
    expect(first.volume).toBeCloseTo(stored.volume, 6);
    expect([...first.species].sort()).toEqual([...rockSalt().species].sort());
  });

  it('writes one JSON document with every row, its CIF and its atoms', async () => {
    const { library, ids } = setUp();
    const path = join(root, 'out', 'structures.json');
    await library.exportAs(ids, 'json', path);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { format: string; structures: { id: number; name: string; cif: string; reward: number | null; properties: Record<string, number>; structure: { lattice: number[][]; species: string[]; frac: number[][] } }[] };
    expect(doc.format).toBe('cfstudio-library-export');
    expect(doc.structures.map((s) => s.name)).toEqual(['halite', 'sylvite']);
    expect(doc.structures[0]).toMatchObject({ reward: 0.75, properties: { band_gap: 5.1 } });
    const halite = doc.structures[0]!.structure;
    expect(halite.species).toHaveLength(8);
    expect(halite.lattice[0]![0]).toBeCloseTo(5.64, 6);
  });

  it.skipIf(!python)('writes extended XYZ that ASE reads back with the same cells, atoms and info', async () => {
    const { library, ids } = setUp();
    const path = join(root, 'out', 'structures.extxyz');
    await library.exportAs(ids, 'extxyz', path);
    const script = [
      'import json, sys',
      'from ase.io import read',
      'frames = read(sys.argv[1], index=":", format="extxyz")',
      'print(json.dumps([{"symbols": f.get_chemical_symbols(), "cell": f.cell.tolist(), "volume": f.get_volume(), "pbc": f.pbc.tolist(),',
      '  "info": {k: (v.item() if hasattr(v, "item") else v) for k, v in f.info.items()}} for f in frames]))',
    ].join('\n');
    const run = spawnSync(python!, ['-c', script, path], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const frames = JSON.parse(run.stdout) as { symbols: string[]; cell: number[][]; volume: number; pbc: boolean[]; info: Record<string, string | number> }[];
    expect(frames).toHaveLength(2);
    const stored = ids.map((id) => library.getStructure(id)!);
    frames.forEach((frame, i) => {
      expect(frame.symbols).toHaveLength(stored[i]!.numSites);
      expect(frame.volume).toBeCloseTo(stored[i]!.volume, 4);
      expect(frame.pbc).toEqual([true, true, true]);
      expect(frame.info['library_id']).toBe(ids[i]);
    });
    expect(frames[0]!.info).toMatchObject({ formula: 'NaCl', space_group: 225, reward: 0.75, predicted_band_gap: 5.1 });
  });
});
