/**
 * Versioned schema migrations for the candidate library. Each migration runs once, inside a transaction together
 * with its row in `schema_migrations`, so a crash mid-migration leaves the database at the previous version.
 * Append new migrations at the end; never edit one that has shipped.
 */
import type { Database } from 'better-sqlite3';
import { readCifStructure } from '../../shared/io/cif.ts';
import { crystalPlausibility, plausibilityColumns, type PlausibilityColumns } from './plausibility.ts';

export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'models, runs, prompts, structures with elements and tags, RL metrics',
    up: `
      CREATE TABLE models (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        path        TEXT,
        config      TEXT NOT NULL DEFAULT '{}',
        description TEXT,
        created_at  TEXT NOT NULL
      );

      CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('generate', 'mcmc', 'evaluate', 'train', 'finetune', 'predict', 'import')),
        model_id    INTEGER REFERENCES models(id) ON DELETE SET NULL,
        name        TEXT,
        config      TEXT NOT NULL DEFAULT '{}',
        status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        error       TEXT,
        timings     TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL,
        started_at  TEXT,
        finished_at TEXT
      );
      CREATE INDEX runs_by_kind ON runs (kind, id);
      CREATE INDEX runs_by_status ON runs (status);

      CREATE TABLE prompts (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        space_group INTEGER CHECK (space_group BETWEEN 1 AND 230),
        elements    TEXT NOT NULL DEFAULT '',
        spec        TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL
      );
      CREATE INDEX prompts_by_run ON prompts (run_id);

      CREATE TABLE structures (
        id                    INTEGER PRIMARY KEY,
        run_id                INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        prompt_id             INTEGER REFERENCES prompts(id) ON DELETE SET NULL,
        source                TEXT NOT NULL,
        name                  TEXT,
        formula               TEXT NOT NULL,
        elements              TEXT NOT NULL,
        num_elements          INTEGER NOT NULL,
        num_sites             INTEGER NOT NULL,
        volume                REAL NOT NULL,
        lattice               TEXT NOT NULL,
        cif                   TEXT NOT NULL,
        tokens                BLOB,
        token_log_probs       BLOB,
        log_probability       REAL,
        space_group_requested INTEGER CHECK (space_group_requested BETWEEN 1 AND 230),
        space_group_found     INTEGER CHECK (space_group_found BETWEEN 1 AND 230),
        valid                 INTEGER CHECK (valid IN (0, 1)),
        validity              TEXT NOT NULL DEFAULT '{}',
        reward                REAL,
        rewards               TEXT NOT NULL DEFAULT '{}',
        properties            TEXT NOT NULL DEFAULT '{}',
        favourite             INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
        created_at            TEXT NOT NULL
      );
      CREATE INDEX structures_by_run ON structures (run_id);
      CREATE INDEX structures_by_sg_found ON structures (space_group_found);
      CREATE INDEX structures_by_sg_requested ON structures (space_group_requested);
      CREATE INDEX structures_by_reward ON structures (reward);
      CREATE INDEX structures_by_log_probability ON structures (log_probability);
      CREATE INDEX structures_by_valid ON structures (valid);
      CREATE INDEX structures_by_formula ON structures (formula);
      CREATE INDEX structures_favourites ON structures (favourite) WHERE favourite = 1;

      -- One row per (element, structure): "contains Fe and O" is an index range scan per element.
      CREATE TABLE structure_elements (
        element      INTEGER NOT NULL,
        structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
        count        INTEGER NOT NULL,
        PRIMARY KEY (element, structure_id)
      ) WITHOUT ROWID;
      CREATE INDEX structure_elements_by_structure ON structure_elements (structure_id);

      CREATE TABLE tags (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      );
      CREATE TABLE structure_tags (
        tag_id       INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
        PRIMARY KEY (tag_id, structure_id)
      ) WITHOUT ROWID;
      CREATE INDEX structure_tags_by_structure ON structure_tags (structure_id);

      CREATE TABLE rl_metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name   TEXT NOT NULL,
        step   INTEGER NOT NULL,
        value  REAL,
        PRIMARY KEY (run_id, name, step)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'stability per structure (E_hull, energy and formation energy per atom, single point or relaxed) and the parent a relaxed structure came from',
    up: `
      ALTER TABLE structures ADD COLUMN parent_id INTEGER REFERENCES structures(id) ON DELETE SET NULL;
      ALTER TABLE structures ADD COLUMN e_hull REAL;
      ALTER TABLE structures ADD COLUMN energy_per_atom REAL;
      ALTER TABLE structures ADD COLUMN formation_energy_per_atom REAL;
      -- Which structure the energies belong to: the structure as stored ('single-point') or the result of a
      -- relaxation ('relaxed'), so a list never mixes the two without saying so.
      ALTER TABLE structures ADD COLUMN energy_kind TEXT CHECK (energy_kind IN ('single-point', 'relaxed'));
      -- Details: potential, decomposition, relaxation status and steps, hull note.
      ALTER TABLE structures ADD COLUMN stability TEXT NOT NULL DEFAULT '{}';
      CREATE INDEX structures_by_e_hull ON structures (e_hull);
      CREATE INDEX structures_by_parent ON structures (parent_id);
    `,
  },
  {
    version: 3,
    name: 'plausibility per structure (shortest contact over radii, charge balance, density); RL crystals get the source rl',
    up: (db) => {
      db.exec(`
        ALTER TABLE structures ADD COLUMN contact_ratio REAL;
        ALTER TABLE structures ADD COLUMN contacts_plausible INTEGER;
        ALTER TABLE structures ADD COLUMN charge_verdict TEXT;
        ALTER TABLE structures ADD COLUMN charge_balanced INTEGER;
        ALTER TABLE structures ADD COLUMN oxidation_states TEXT;
        ALTER TABLE structures ADD COLUMN density REAL;
        CREATE INDEX structures_by_contact_ratio ON structures (contact_ratio);
        CREATE INDEX structures_by_density ON structures (density);
        -- The fine-tuning job stored its best crystals as 'generated' before the source 'rl' existed.
        UPDATE structures SET source = 'rl' WHERE source = 'generated' AND run_id IN (SELECT id FROM runs WHERE kind = 'finetune');
      `);
      backfillPlausibility(db);
    },
  },
];

/**
 * The plausibility columns of rows stored before schema version 3, from their CIF. A row whose CIF cannot be read
 * back keeps nulls (shown as "not checked"), as it would fail to open in the viewer too.
 */
function backfillPlausibility(db: Database): void {
  const rows = db.prepare('SELECT id, cif FROM structures WHERE density IS NULL').all() as { id: number; cif: string }[];
  const update = db.prepare(
    'UPDATE structures SET contact_ratio = ?, contacts_plausible = ?, charge_verdict = ?, charge_balanced = ?, oxidation_states = ?, density = ? WHERE id = ?',
  );
  for (const row of rows) {
    let columns: PlausibilityColumns;
    try {
      columns = plausibilityColumns(crystalPlausibility(readCifStructure(row.cif, { fileName: `library #${row.id}`, allowPartialOccupancy: true }).structure));
    } catch {
      continue;
    }
    update.run(...columns, row.id);
  }
}

/** Newest schema version this build knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** The schema version recorded in the database (0 for a new file). */
export function schemaVersion(db: Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}

/**
 * Bring the database up to the newest version in `migrations`. Refuses a database from a newer build (its
 * schema may not be understood) and migration lists that are not strictly increasing. Returns versions applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, source = 'library'): number[] {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) throw new Error(`${source}: migrations must have strictly increasing versions`);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`${source}: schema version ${current} is newer than this build understands (${latest}); update CrystalFormer Studio`);
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    // Re-check inside the write lock: another process may have applied it since we looked.
    const apply = db.transaction((): boolean => {
      if (schemaVersion(db) >= migration.version) return false;
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      record.run(migration.version, migration.name, new Date().toISOString());
      return true;
    });
    let ran: boolean;
    try {
      ran = apply.immediate();
    } catch (error) {
      throw new Error(`${source}: migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
    }
    if (ran) applied.push(migration.version);
  }
  return applied;
}
