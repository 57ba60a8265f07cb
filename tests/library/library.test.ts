import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../shared/random.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openLibrary, type Library, type Migration, type NewStructure } from '../../electron/library/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-library-'));
const opened: Library[] = [];
afterAll(() => {
  for (const library of opened) library.close();
  rmSync(root, { recursive: true, force: true });
});
let counter = 0;
function freshLibrary(options: Parameters<typeof openLibrary>[1] = {}): Library {
  const library = openLibrary(join(root, `ws-${counter++}`), options);
  opened.push(library);
  return library;
}

/** Rock salt, conventional cell (8 atoms), a = 5.64 Å. */
function rockSalt(): Structure {
  const na: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const cl: Vec3[] = na.map(([x, y, z]) => [(x + 0.5) % 1, y, z]);
  return Structure.fromSpecies(Lattice.cubic(5.64), [...na.map(() => 'Na'), ...cl.map(() => 'Cl')], [...na, ...cl]);
}

/** A structure with the given species on a simple grid of positions in a cubic cell. */
function grid(species: string[], a = 6): Structure {
  const positions = species.map((_, i) => [((i * 0.37) % 1), ((i * 0.61) % 1), ((i * 0.23) % 1)] as Vec3);
  return Structure.fromSpecies(Lattice.cubic(a), species, positions);
}

describe('opening and migrating', () => {
  it('creates library.sqlite in the workspace, in WAL mode, at the latest schema version', () => {
    const library = freshLibrary();
    expect(library.path.endsWith('library.sqlite')).toBe(true);
    expect(existsSync(library.path)).toBe(true);
    expect(library.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(library.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(library.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(library.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const rows = library.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('applies only new migrations on reopen, rolls back a failing one, and refuses newer databases', () => {
    const dir = join(root, 'migrations');
    const v1: Migration = { version: 1, name: 'notes', up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)' };
    const v2: Migration = { version: 2, name: 'note colour', up: "ALTER TABLE notes ADD COLUMN colour TEXT NOT NULL DEFAULT 'red'" };
    const broken: Migration = { version: 3, name: 'broken', up: 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);' };

    const first = openLibrary(dir, { migrations: [v1] });
    first.db.prepare('INSERT INTO notes (text) VALUES (?)').run('kept');
    first.close();

    const second = openLibrary(dir, { migrations: [v1, v2] });
    expect(second.schemaVersion).toBe(2);
    expect(second.db.prepare('SELECT text, colour FROM notes').all()).toEqual([{ text: 'kept', colour: 'red' }]);
    second.close();

    expect(() => openLibrary(dir, { migrations: [v1, v2, broken] })).toThrow(/library\.sqlite: migration 3 \(broken\) failed: no such table: nowhere/);
    const third = openLibrary(dir, { migrations: [v1, v2] });
    expect(third.schemaVersion).toBe(2);
    expect(third.db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    third.close();

    expect(() => openLibrary(dir, { migrations: [v1] })).toThrow(/schema version 2 is newer than this build understands \(1\)/);
    expect(() => openLibrary(dir, { migrations: [v2, v1] })).toThrow(/strictly increasing/);
  });

  it('names the file when the database is not a database', async () => {
    const dir = join(root, 'garbage');

    mkdirSync(dir);
    writeFileSync(join(dir, 'library.sqlite'), 'this is not sqlite, just some text that is long enough to have a header');
    expect(() => openLibrary(dir)).toThrow(/garbage\/library\.sqlite: .*(not a database|file is not)/);
  });
});

describe('models, runs and prompts', () => {
  it('records runs with status timestamps and merged timings', () => {
    const library = freshLibrary();
    const model = library.addModel({ name: 'mp20-v0.3', path: 'models/mp20.safetensors', config: { layers: 16 } });
    expect(library.listModels()).toEqual([model]);
    const run = library.createRun({ kind: 'generate', modelId: model.id, config: { spaceGroup: 225, count: 10 } });
    expect(run.status).toBe('queued');
    expect(run.startedAt).toBeNull();
    const running = library.updateRun(run.id, { status: 'running', timings: { load: 1.5 } });
    expect(running.startedAt).not.toBeNull();
    const done = library.updateRun(run.id, { status: 'completed', timings: { sample: 12 } });
    expect(done.timings).toEqual({ load: 1.5, sample: 12 });
    expect(done.finishedAt! >= done.startedAt!).toBe(true);
    expect(done.config).toEqual({ spaceGroup: 225, count: 10 });
    expect(() => library.createRun({ kind: 'dance' as 'train' })).toThrow(/unknown run kind 'dance'/);
    expect(() => library.updateRun(999, { status: 'failed' })).toThrow(/no run with id 999/);

    const stale = library.createRun({ kind: 'train', status: 'running' });
    library.createRun({ kind: 'finetune' });
    expect(library.markInterruptedRuns()).toBe(2);
    expect(library.getRun(stale.id)!.status).toBe('failed');
    expect(library.getRun(stale.id)!.error).toMatch(/interrupted/);
    expect(library.getRun(run.id)!.status).toBe('completed');
    expect(library.listRuns({ kind: 'train' }).map((r) => r.id)).toEqual([stale.id]);
    expect(library.listRuns().map((r) => r.id)).toEqual([3, 2, 1]);

    const prompt = library.addPrompt({ runId: run.id, spaceGroup: 225, elements: ['Na', 'Cl'], spec: { temperature: 1 } });
    expect(library.getPrompt(prompt.id)).toMatchObject({ runId: run.id, spaceGroup: 225, elements: ['Na', 'Cl'], spec: { temperature: 1 } });
    expect(() => library.addPrompt({ spaceGroup: 231 })).toThrow('addPrompt: spaceGroup must be an integer from 1 to 230, got 231');
    expect(() => library.addPrompt({ elements: ['Xx'] })).toThrow("addPrompt: elements: unknown element 'Xx'");
  });
});

describe('structures', () => {
  it('stores a structure with derived formula, elements, volume and all sample data', () => {
    const library = freshLibrary();
    const run = library.createRun({ kind: 'generate', status: 'running' });
    const tokens = new Int32Array([225, 1, 11, 0, 0, 0, 2, 17, 5, 5, 5]);
    const logProbs = new Float32Array(tokens.length).map((_, i) => -0.1 * i);
    const id = library.addStructure({
      structure: rockSalt(),
      runId: run.id,
      name: 'sample-1',
      tokens,
      tokenLogProbs: logProbs,
      logProbability: -5.5,
      spaceGroupRequested: 225,
      spaceGroupFound: 225,
      valid: true,
      validity: { structural: true, charge: true, minDistance: 2.82 },
      reward: 0.75,
      rewards: { ehull: 0.5, novelty: 0.25 },
      properties: { formationEnergy: -2.1, bandGap: 5.0 },
      tags: ['rock-salt', 'ionic'],
    });
    const record = library.getStructure(id)!;
    expect(record.formula).toBe('NaCl');
    expect(record.elements).toEqual(['Na', 'Cl']); // by atomic number
    expect(record.numSites).toBe(8);
    expect(record.volume).toBeCloseTo(5.64 ** 3, 9);
    expect(record.lattice).toEqual({ a: 5.64, b: 5.64, c: 5.64, alpha: 90, beta: 90, gamma: 90 });
    expect(record.tokens).toEqual(tokens);
    expect(record.tokenLogProbs).toEqual(logProbs);
    expect(record).toMatchObject({
      runId: run.id, name: 'sample-1', source: 'generated', logProbability: -5.5, spaceGroupRequested: 225, spaceGroupFound: 225,
      valid: true, reward: 0.75, rewards: { ehull: 0.5, novelty: 0.25 }, properties: { formationEnergy: -2.1, bandGap: 5 },
      validity: { structural: true, charge: true, minDistance: 2.82 }, favourite: false, tags: ['ionic', 'rock-salt'],
    });
    expect(record.cif).toMatch(/^data_sample-1$/m);
    expect(library.db.prepare('SELECT element, count FROM structure_elements WHERE structure_id = ? ORDER BY element').all(id)).toEqual([
      { element: 11, count: 4 },
      { element: 17, count: 4 },
    ]);
    // Deleting cascades to the element and tag links.
    expect(library.deleteStructures([id])).toBe(1);
    expect(library.db.prepare('SELECT COUNT(*) AS n FROM structure_elements').get()).toEqual({ n: 0 });
    expect(library.db.prepare('SELECT COUNT(*) AS n FROM structure_tags').get()).toEqual({ n: 0 });
  });

  it('rejects bad values with the field named, storing nothing', () => {
    const library = freshLibrary();
    const base: NewStructure = { structure: rockSalt() };
    expect(() => library.addStructure({ ...base, spaceGroupFound: 0 })).toThrow('addStructure: spaceGroupFound must be an integer from 1 to 230, got 0');
    expect(() => library.addStructure({ ...base, reward: Number.NaN })).toThrow('addStructure: reward must be a finite number, got NaN');
    expect(() => library.addStructure({ ...base, rewards: { ehull: Infinity } })).toThrow('addStructure: rewards.ehull must be a finite number');
    expect(() => library.addStructure({ ...base, tokens: [1.5] })).toThrow(/tokens must be 32-bit integers/);
    expect(() => library.addStructure({ ...base, tags: [' '] })).toThrow(/tag must be 1–100 characters/);
    expect(() => library.addStructures([base, { ...base, spaceGroupRequested: 300 }])).toThrow(/spaceGroupRequested/);
    expect(library.countStructures()).toBe(0);
  });

  it('filters by space group, elements, validity, reward, properties, tags and text as a plain JS filter would', () => {
    const library = freshLibrary();
    const rng = new Rng(2024);
    const pool = ['Li', 'Fe', 'P', 'O', 'Na', 'Cl', 'Si', 'Mn'];
    const inputs: (NewStructure & { species: string[] })[] = [];
    for (let i = 0; i < 150; i++) {
      const count = 1 + rng.int(4);
      const species = Array.from({ length: 2 + rng.int(5) }, (_, k) => pool[(rng.int(pool.length) + k) % pool.length]!).slice(0, 6);
      const chosen = species.slice(0, Math.max(count, 1));
      const input = {
        species: chosen,
        structure: grid(chosen),
        spaceGroupFound: [1, 62, 166, 225, 227][rng.int(5)]!,
        spaceGroupRequested: [62, 225][rng.int(2)]!,
        ...(rng.next() < 0.8 ? { valid: rng.next() < 0.6 } : {}),
        ...(rng.next() < 0.9 ? { reward: Math.round(rng.uniform(-1, 1) * 100) / 100 } : {}),
        ...(rng.next() < 0.7 ? { properties: { bandGap: Math.round(rng.uniform(0, 4) * 10) / 10 } } : {}),
        name: `cand-${i}`,
        tags: rng.next() < 0.3 ? ['shortlist'] : [],
      };
      inputs.push(input);
    }
    const ids = library.addStructures(inputs);
    const byId = new Map(ids.map((id, i) => [id, inputs[i]!]));
    const expectIds = (query: Parameters<Library['selectIds']>[0], predicate: (s: (typeof inputs)[number]) => boolean) => {
      const expected = ids.filter((id) => predicate(byId.get(id)!));
      expect(library.selectIds(query)).toEqual(expected);
      expect(library.countStructures(query)).toBe(expected.length);
      return expected.length;
    };
    const has = (s: { species: string[] }, e: string) => s.species.includes(e);
    expect(expectIds({ spaceGroups: [225, 227] }, (s) => s.spaceGroupFound === 225 || s.spaceGroupFound === 227)).toBeGreaterThan(0);
    expect(expectIds({ requestedSpaceGroups: [62] }, (s) => s.spaceGroupRequested === 62)).toBeGreaterThan(0);
    expect(expectIds({ elements: { include: ['Fe', 'O'] } }, (s) => has(s, 'Fe') && has(s, 'O'))).toBeGreaterThan(0);
    expect(expectIds({ elements: { exclude: ['Li', 'Na'] } }, (s) => !has(s, 'Li') && !has(s, 'Na'))).toBeGreaterThan(0);
    expect(expectIds({ elements: { only: ['Li', 'Fe', 'P', 'O'] } }, (s) => s.species.every((e) => ['Li', 'Fe', 'P', 'O'].includes(e)))).toBeGreaterThan(0);
    expect(expectIds({ numElements: { min: 3 } }, (s) => new Set(s.species).size >= 3)).toBeGreaterThan(0);
    expect(expectIds({ valid: true }, (s) => s.valid === true)).toBeGreaterThan(0);
    expect(expectIds({ valid: false }, (s) => s.valid === false)).toBeGreaterThan(0);
    expect(expectIds({ valid: null }, (s) => s.valid === undefined)).toBeGreaterThan(0);
    expect(expectIds({ reward: { min: 0.2, max: 0.8 } }, (s) => s.reward !== undefined && s.reward >= 0.2 && s.reward <= 0.8)).toBeGreaterThan(0);
    expect(expectIds({ properties: { bandGap: { min: 1.5 } } }, (s) => typeof s.properties?.bandGap === 'number' && s.properties.bandGap >= 1.5)).toBeGreaterThan(0);
    expect(expectIds({ tags: ['shortlist'] }, (s) => s.tags!.includes('shortlist'))).toBeGreaterThan(0);
    expect(expectIds({ search: 'cand-1' }, (s) => s.name!.includes('cand-1'))).toBe(61); // cand-1, cand-10..19, cand-100..149
    expect(expectIds({ search: '100%' }, () => false)).toBe(0); // % is matched literally
    expect(
      expectIds(
        { spaceGroups: [225], elements: { include: ['O'], exclude: ['Mn'] }, valid: true, reward: { min: 0 } },
        (s) => s.spaceGroupFound === 225 && has(s, 'O') && !has(s, 'Mn') && s.valid === true && s.reward !== undefined && s.reward >= 0,
      ),
    ).toBeGreaterThanOrEqual(0);
    expect(() => library.selectIds({ elements: { include: ['Qq'] } })).toThrow("query: elements.include: unknown element 'Qq'");
    expect(() => library.selectIds({ spaceGroups: [999] })).toThrow(/query: spaceGroups must be an integer from 1 to 230/);
    expect(() => library.queryStructures({ limit: 0 })).toThrow(/limit must be an integer from 1 to 1000/);
  });

  it('uses the element index for element filters', () => {
    const library = freshLibrary();
    const plan = library.db
      .prepare(`EXPLAIN QUERY PLAN SELECT structure_id FROM structure_elements WHERE element IN (SELECT value FROM json_each(?)) GROUP BY structure_id`)
      .all('[26, 8]') as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/SEARCH structure_elements USING (PRIMARY KEY|COVERING INDEX)/);
  });

  it('pages through a sort with many ties without skipping or repeating rows, nulls last', () => {
    const library = freshLibrary();
    const rewards = Array.from({ length: 103 }, (_, i) => (i % 5 === 0 ? undefined : i % 3)); // lots of ties and nulls
    const ids = library.addStructures(rewards.map((reward, i) => ({ structure: grid(['Si', 'O']), name: `s${i}`, ...(reward !== undefined ? { reward } : {}) })));
    for (const direction of ['asc', 'desc'] as const) {
      const seen: number[] = [];
      for (let offset = 0; ; offset += 7) {
        const page = library.queryStructures({ sort: { by: 'reward', direction }, limit: 7, offset });
        expect(page.total).toBe(103);
        seen.push(...page.rows.map((r) => r.id));
        if (page.rows.length < 7) break;
      }
      const sign = direction === 'asc' ? 1 : -1;
      const expected = ids
        .map((id, i) => ({ id, reward: rewards[i] }))
        .sort((x, y) => {
          if (x.reward === undefined || y.reward === undefined) return (x.reward === undefined ? 1 : 0) - (y.reward === undefined ? 1 : 0) || sign * (x.id - y.id);
          return sign * (x.reward - y.reward) || sign * (x.id - y.id);
        })
        .map((r) => r.id);
      expect(seen).toEqual(expected);
    }
    // Default order: newest first.
    expect(library.queryStructures({ limit: 3 }).rows.map((r) => r.id)).toEqual(ids.slice(-3).reverse());
    expect(library.queryStructures({ sort: { by: 'name' }, limit: 2 }).rows.map((r) => r.name)).toEqual(['s0', 's1']);
  });

  it('keeps favourites and tags, and updates scores later', () => {
    const library = freshLibrary();
    const [a, b, c] = library.addStructures([{ structure: rockSalt() }, { structure: grid(['Fe', 'O']) }, { structure: grid(['Si']) }]) as [number, number, number];
    library.setFavourite([a, c], true);
    expect(library.selectIds({ favourite: true })).toEqual([a, c]);
    library.setFavourite(c, false);
    expect(library.selectIds({ favourite: true })).toEqual([a]);
    library.addTags([a, b], ['keep', 'dft-queue']);
    library.addTags([c], ['keep']);
    expect(library.listTags()).toEqual([{ name: 'dft-queue', count: 2 }, { name: 'keep', count: 3 }]);
    expect(library.selectIds({ tags: ['keep', 'dft-queue'] })).toEqual([a, b]);
    library.removeTags([a, b], ['dft-queue']);
    expect(library.listTags()).toEqual([{ name: 'keep', count: 3 }]);
    expect(library.getStructure(b)!.tags).toEqual(['keep']);

    library.updateStructure(b, { valid: false, reward: -0.5, properties: { ehull: 0.3 }, spaceGroupFound: 221, favourite: true });
    expect(library.getStructure(b)).toMatchObject({ valid: false, reward: -0.5, properties: { ehull: 0.3 }, spaceGroupFound: 221, favourite: true });
    library.updateStructure(b, { valid: null, reward: null });
    expect(library.getStructure(b)).toMatchObject({ valid: null, reward: null });
    expect(() => library.updateStructure(999, { reward: 1 })).toThrow(/no structure with id 999/);
  });

  it('stores RL metrics per run and step', () => {
    const library = freshLibrary();
    const run = library.createRun({ kind: 'finetune', status: 'running' });
    for (let step = 0; step < 5; step++) library.addMetrics(run.id, step, { reward: step / 10, kl: step * 0.01, loss: step === 3 ? Number.NaN : 1 - step / 10 });
    library.addMetrics(run.id, 4, { reward: 0.45 }); // replaces
    const all = library.getMetrics(run.id);
    expect(Object.keys(all).sort()).toEqual(['kl', 'loss', 'reward']);
    expect(all.reward).toEqual({ steps: [0, 1, 2, 3, 4], values: [0, 0.1, 0.2, 0.3, 0.45] });
    expect(all.loss!.values[3]).toBeNull();
    expect(Object.keys(library.getMetrics(run.id, ['kl']))).toEqual(['kl']);
    expect(() => library.addMetrics(run.id, -1, { reward: 1 })).toThrow(/step must be a non-negative integer/);
  });

  it('lets a second connection read what the first committed while it keeps writing', () => {
    const writer = freshLibrary();
    const reader = openLibrary(join(writer.path, '..'), { readonly: true });
    opened.push(reader);
    writer.addStructure({ structure: rockSalt() });
    expect(reader.countStructures()).toBe(1);
    writer.addStructure({ structure: grid(['Fe']) });
    expect(reader.countStructures()).toBe(2);
    expect(() => reader.addStructure({ structure: rockSalt() })).toThrow(/readonly/);
  });
});
