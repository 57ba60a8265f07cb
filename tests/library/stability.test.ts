// Stability scores and parent links in the library (schema version 2): a version-1 library (as shipped before)
// keeps opening and its rows read back unscored; scores round-trip with their kind; E_hull sorts and filters;
// a relaxed row points at its parent, and deleting the parent leaves the child with no parent (not deleted).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { structureSummarySchema, structureDetailSchema } from '../../shared/api/contract.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, manifestCsv, migrate, openLibrary, type Library } from '../../electron/library/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-library-stability-'));
const opened: Library[] = [];
afterAll(() => {
  for (const library of opened) library.close();
  rmSync(root, { recursive: true, force: true });
});
function open(dir: string, options: Parameters<typeof openLibrary>[1] = {}): Library {
  const library = openLibrary(join(root, dir), options);
  opened.push(library);
  return library;
}

/** Rock salt, conventional cell, lattice constant a. */
function rockSalt(a = 5.64): Structure {
  const na: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const cl: Vec3[] = na.map(([x, y, z]) => [(x + 0.5) % 1, y, z]);
  return Structure.fromSpecies(Lattice.cubic(a), [...na.map(() => 'Na'), ...cl.map(() => 'Cl')], [...na, ...cl]);
}

describe('schema version 2: stability and parent', () => {
  it('migrates a version-1 library: old rows keep every value and read back unscored, then take scores and children', () => {
    const dir = join(root, 'v1');
    mkdirSync(dir, { recursive: true });
    // A library written by the previous build: only migration 1, a row inserted with the version-1 columns.
    const old = new BetterSqlite3(join(dir, 'library.sqlite'));
    migrate(old, [MIGRATIONS[0]!]);
    old
      .prepare(
        `INSERT INTO structures (source, name, formula, elements, num_elements, num_sites, volume, lattice, cif, log_probability, space_group_found, valid, created_at)
         VALUES ('generated', 'old row', 'NaCl', 'Na Cl', 2, 8, 179.4, '{"a":5.64,"b":5.64,"c":5.64,"alpha":90,"beta":90,"gamma":90}', 'data_x', -12.5, 225, 1, '2026-01-01T00:00:00Z')`,
      )
      .run();
    old.close();

    const library = open('v1');
    expect(library.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    const [row] = library.queryStructures().rows;
    expect(row).toMatchObject({ name: 'old row', formula: 'NaCl', logProbability: -12.5, spaceGroupFound: 225, valid: true, parentId: null, eHull: null, energyKind: null });
    // The API contract accepts the migrated row as it is.
    expect(() => structureSummarySchema.parse(row)).not.toThrow();
    expect(() => structureDetailSchema.parse({ ...library.getStructure(row!.id)!, tokens: null, tokenLogProbs: null })).not.toThrow();

    library.updateStructure(row!.id, { stability: { kind: 'single-point', eHull: 0.031, energyPerAtom: -3.41, formationEnergyPerAtom: -2.05, details: { potential: 'M3GNet' } } });
    const child = library.addStructure({ structure: rockSalt(5.70), source: 'relaxed', parentId: row!.id, stability: { kind: 'relaxed', eHull: 0.002, energyPerAtom: -3.44, formationEnergyPerAtom: -2.08 } });
    expect(library.getStructure(row!.id)).toMatchObject({ eHull: 0.031, energyKind: 'single-point', stabilityDetails: { potential: 'M3GNet' } });
    expect(library.getStructure(child)).toMatchObject({ parentId: row!.id, source: 'relaxed', eHull: 0.002, energyKind: 'relaxed', energyPerAtom: -3.44, formationEnergyPerAtom: -2.08 });
    expect(library.queryStructures({ parentId: row!.id }).rows.map((r) => r.id)).toEqual([child]);

    // Read-only opening works once migrated (the UI process opens it this way).
    const readonly = open('v1', { readonly: true });
    expect(readonly.getStructure(child)!.parentId).toBe(row!.id);
  });

  it('sorts and filters by E_hull (unscored rows last / left out) and by kind; clearing a score empties every field', () => {
    const library = open('sort');
    const scores = [0.25, -0.01, null, 0.08];
    const ids = scores.map((eHull, i) =>
      library.addStructure({ structure: rockSalt(5.5 + 0.05 * i), ...(eHull !== null ? { stability: { kind: i === 3 ? 'relaxed' : 'single-point', eHull, energyPerAtom: -3, formationEnergyPerAtom: -2 } } : {}) }),
    );
    expect(library.queryStructures({ sort: { by: 'eHull', direction: 'asc' } }).rows.map((r) => r.eHull)).toEqual([-0.01, 0.08, 0.25, null]);
    expect(library.queryStructures({ sort: { by: 'eHull', direction: 'desc' } }).rows.map((r) => r.eHull)).toEqual([0.25, 0.08, -0.01, null]);
    expect(library.queryStructures({ eHull: { max: 0.1 }, sort: { by: 'eHull' } }).rows.map((r) => r.id)).toEqual([ids[1], ids[3]]);
    expect(library.queryStructures({ energyKind: 'relaxed' }).rows.map((r) => r.id)).toEqual([ids[3]]);
    library.updateStructure(ids[0]!, { stability: null });
    expect(library.getStructure(ids[0]!)).toMatchObject({ eHull: null, energyPerAtom: null, formationEnergyPerAtom: null, energyKind: null, stabilityDetails: {} });
    // The manifest carries the score, its kind and the parent.
    const csv = manifestCsv([library.getStructure(ids[3]!)!]);
    expect(csv.split('\n')[0]).toContain('e_hull,energy_kind,energy_per_atom,formation_energy_per_atom,parent_id');
    expect(csv.split('\n')[1]).toMatch(/,0\.08,relaxed,-3,-2,$/);
  });

  it('refuses a parent that does not exist and a non-finite score; deleting a parent unlinks its children', () => {
    const library = open('parent');
    expect(() => library.addStructure({ structure: rockSalt(), parentId: 999 })).toThrow(/parentId 999 is not a structure in the library/);
    expect(() => library.addStructure({ structure: rockSalt(), stability: { kind: 'relaxed', eHull: Number.NaN, energyPerAtom: null, formationEnergyPerAtom: null } })).toThrow(
      /stability\.eHull must be a finite number/,
    );
    const parent = library.addStructure({ structure: rockSalt() });
    const child = library.addStructure({ structure: rockSalt(5.7), source: 'relaxed', parentId: parent });
    expect(library.deleteStructures([parent])).toBe(1);
    expect(library.getStructure(child)).toMatchObject({ parentId: null, source: 'relaxed' });
  });
});
