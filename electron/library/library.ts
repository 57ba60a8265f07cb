/**
 * The candidate library: one SQLite database (better-sqlite3, WAL mode) in the user's workspace holding models,
 * runs, prompts, generated or imported structures with their scores, tags and favourites, and RL metrics.
 *
 * Durability: every `addStructure` is its own transaction, committed before it returns, with synchronous=FULL,
 * so a sampler that stores samples as they stream loses at most the one in flight if its process is killed (or the
 * machine loses power). WAL lets the UI process read while the engine host writes.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { Composition } from '../../shared/crystal/composition.ts';
import { atomicNumber, elementSymbol } from '../../shared/crystal/elements.ts';
import type { LatticeParameters } from '../../shared/crystal/lattice.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { writeCifP1 } from '../../shared/io/cif-writer.ts';
import { STRUCTURE_SOURCES, type StructureSource } from '../../shared/api/jobs.ts';
import { libraryName } from './names.ts';
import type { CrystalPlausibility, ChargeVerdict } from '../../shared/api/plausibility.ts';
import { crystalPlausibility, plausibilityColumns, type PlausibilityColumns } from './plausibility.ts';
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion, type Migration } from './migrations.ts';
import {
  exportCifFiles,
  exportZip,
  buildExportZip,
  exportAs,
  type StructureExportFormat,
  importStructureFiles,
  importStructureTexts,
  type ExportResult,
  type ImportOptions,
  type ImportResult,
  type TextToImport,
} from './transfer.ts';

export { libraryName, MAX_NAME_LENGTH } from './names.ts';
export type { StructureSource };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type RunKind = 'generate' | 'mcmc' | 'evaluate' | 'train' | 'finetune' | 'predict' | 'import';
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
/** Which structure a row's energies describe: the stored structure as it is ('single-point') or a relaxation's result. */
export type EnergyKind = 'single-point' | 'relaxed';
export const ENERGY_KINDS: readonly EnergyKind[] = ['single-point', 'relaxed'];

export const LIBRARY_FILE_NAME = 'library.sqlite';
const RUN_KINDS: readonly RunKind[] = ['generate', 'mcmc', 'evaluate', 'train', 'finetune', 'predict', 'import'];
const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];
const TERMINAL: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
const SOURCES: readonly StructureSource[] = STRUCTURE_SOURCES;

// ---------------------------------------------------------------------------------------------------------------
// Record types

export interface ModelRecord {
  id: number;
  name: string;
  path: string | null;
  config: JsonObject;
  description: string | null;
  createdAt: string;
}
export interface NewModel {
  name: string;
  path?: string;
  config?: JsonObject;
  description?: string;
}

export interface RunRecord {
  id: number;
  kind: RunKind;
  modelId: number | null;
  name: string | null;
  config: JsonObject;
  status: RunStatus;
  error: string | null;
  /** Seconds spent per phase, e.g. { load: 1.2, sample: 30.5 }. */
  timings: Record<string, number>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
export interface NewRun {
  kind: RunKind;
  modelId?: number;
  name?: string;
  config?: JsonObject;
  /** Default 'queued'; 'running' also stamps startedAt. */
  status?: RunStatus;
}
export interface RunUpdate {
  /** Becoming 'running' stamps startedAt (once); a terminal status stamps finishedAt. */
  status?: RunStatus;
  error?: string | null;
  /** Merged into the stored timings. */
  timings?: Record<string, number>;
  config?: JsonObject;
}

export interface PromptRecord {
  id: number;
  runId: number | null;
  spaceGroup: number | null;
  elements: string[];
  spec: JsonObject;
  createdAt: string;
}
export interface NewPrompt {
  runId?: number;
  spaceGroup?: number;
  elements?: readonly string[];
  /** The whole prompt (temperature, Wyckoff constraints, counts…). */
  spec?: JsonObject;
}

/**
 * The interatomic potential's verdict on a row: energy and formation energy per atom and E_hull (eV/atom, MP2020
 * corrected, against the partial reference hull), for the stored structure as it is or after relaxation (`kind`).
 */
export interface StructureStability {
  kind: EnergyKind;
  eHull: number | null;
  energyPerAtom: number | null;
  formationEnergyPerAtom: number | null;
  /** Potential, decomposition, relaxation status… (kept as JSON, shown in details). */
  details?: JsonObject;
}

export interface NewStructure {
  structure: Structure;
  /** The row this structure was derived from (a relaxed structure's unrelaxed original). */
  parentId?: number;
  stability?: StructureStability;
  /** CIF text to keep (e.g. a symmetrized CIF or the imported file); default: a P1 CIF written from `structure`. */
  cif?: string;
  source?: StructureSource;
  name?: string;
  runId?: number;
  promptId?: number;
  tokens?: Int32Array | readonly number[];
  /** Log-probability of each sampled token. */
  tokenLogProbs?: Float32Array | readonly number[];
  /** Total log-probability of the sample under the model. */
  logProbability?: number;
  spaceGroupRequested?: number;
  spaceGroupFound?: number;
  valid?: boolean;
  /** Validity details (which checks passed, distances…). */
  validity?: JsonObject;
  /** The scalar reward used for ranking (RL / MCMC objective). */
  reward?: number;
  /** Reward components. */
  rewards?: Record<string, number>;
  /** Predicted properties (formation energy, band gap…). */
  properties?: JsonObject;
  tags?: readonly string[];
  favourite?: boolean;
}

export interface StructureSummary {
  id: number;
  runId: number | null;
  promptId: number | null;
  source: StructureSource;
  name: string | null;
  formula: string;
  elements: string[];
  numSites: number;
  volume: number;
  lattice: LatticeParameters;
  logProbability: number | null;
  spaceGroupRequested: number | null;
  spaceGroupFound: number | null;
  valid: boolean | null;
  reward: number | null;
  properties: JsonObject;
  favourite: boolean;
  tags: string[];
  createdAt: string;
  /** The row this one was derived from (relaxed from), or null. */
  parentId: number | null;
  /** eV/atom above the partial hull, with `energyKind` saying of which structure; null when not scored. */
  eHull: number | null;
  energyPerAtom: number | null;
  formationEnergyPerAtom: number | null;
  energyKind: EnergyKind | null;
  /** Shortest contact over radii, charge balance, density (schema version 3); null when the CIF could not be read. */
  plausibility: CrystalPlausibility | null;
  /** The run that stored the row (kind 'finetune' = RL), or null. */
  run: { kind: RunKind; name: string | null } | null;
  /** The prompt the row was sampled under, or null (imported rows). */
  prompt: { spaceGroup: number | null; elements: string[]; wyckoff: string[] | null } | null;
}

export interface StructureRecord extends StructureSummary {
  /** Details of the stability score (potential, decomposition, relaxation status). */
  stabilityDetails: JsonObject;
  cif: string;
  tokens: Int32Array | null;
  tokenLogProbs: Float32Array | null;
  validity: JsonObject;
  rewards: Record<string, number>;
}

export interface StructureUpdate {
  name?: string | null;
  spaceGroupFound?: number | null;
  valid?: boolean | null;
  validity?: JsonObject;
  reward?: number | null;
  rewards?: Record<string, number>;
  properties?: JsonObject;
  favourite?: boolean;
  /** Replace the stability score (null clears it). */
  stability?: StructureStability | null;
}

export type StructureSortField =
  | 'id' | 'createdAt' | 'reward' | 'logProbability' | 'spaceGroup' | 'formula' | 'numSites' | 'volume' | 'name' | 'eHull'
  | 'contactRatio' | 'density' | 'a';

export interface NumberRange {
  min?: number;
  max?: number;
}

export interface StructureQuery {
  ids?: readonly number[];
  runId?: number;
  source?: StructureSource;
  /** Found space group is one of these. */
  spaceGroups?: readonly number[];
  requestedSpaceGroups?: readonly number[];
  elements?: {
    /** Contains every one of these. */
    include?: readonly string[];
    /** Contains none of these. */
    exclude?: readonly string[];
    /** Contains nothing but these (a chemical system, e.g. Li–Fe–P–O). */
    only?: readonly string[];
  };
  numElements?: NumberRange;
  numSites?: NumberRange;
  /** true / false, or null for "not checked". */
  valid?: boolean | null;
  reward?: NumberRange;
  logProbability?: NumberRange;
  /** E_hull range in eV/atom (rows without a score are excluded). */
  eHull?: NumberRange;
  /** Scored on the structure as stored, or relaxed. */
  energyKind?: EnergyKind;
  /** Rows derived from this one (e.g. its relaxed versions). */
  parentId?: number;
  /** Ranges on predicted properties by name (structures without the property are excluded). */
  properties?: Record<string, NumberRange>;
  favourite?: boolean;
  /** Has every one of these tags. */
  tags?: readonly string[];
  /** Case-insensitive substring of name or formula. */
  search?: string;
  /** Charge balanced (or an alloy / one element) by the strict oxidation-state check, or not. */
  chargeBalanced?: boolean;
  /** Every contact ≥ 0.5 (r_i + r_j), or not. */
  contactsPlausible?: boolean;
  /** Range of the shortest contact over the radii sum. */
  contactRatio?: NumberRange;
  /** Density range in g/cm³. */
  density?: NumberRange;
  /** Default: newest first. Ties are broken by id in the same direction, so pages never shuffle; nulls go last. */
  sort?: { by: StructureSortField; direction?: 'asc' | 'desc' };
  /** Page size, default 50, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface StructurePage {
  rows: StructureSummary[];
  /** Number of structures matching the filters (all pages). */
  total: number;
  offset: number;
  limit: number;
}

export interface MetricSeries {
  steps: number[];
  values: (number | null)[];
}

export interface OpenLibraryOptions {
  /** Database file name inside the workspace (default library.sqlite). */
  fileName?: string;
  readonly?: boolean;
  /** Migrations to apply (tests); default the built-in list. */
  migrations?: readonly Migration[];
  /** How long a writer waits for another process's write lock before failing, in ms (default 5000). */
  busyTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Row mapping helpers

interface StructureRow {
  id: number;
  run_id: number | null;
  prompt_id: number | null;
  source: string;
  name: string | null;
  formula: string;
  elements: string;
  num_sites: number;
  volume: number;
  lattice: string;
  log_probability: number | null;
  space_group_requested: number | null;
  space_group_found: number | null;
  valid: number | null;
  reward: number | null;
  properties: string;
  favourite: number;
  tag_names: string | null;
  created_at: string;
  parent_id: number | null;
  e_hull: number | null;
  energy_per_atom: number | null;
  formation_energy_per_atom: number | null;
  energy_kind: string | null;
  contact_ratio: number | null;
  contacts_plausible: number | null;
  charge_verdict: string | null;
  charge_balanced: number | null;
  oxidation_states: string | null;
  density: number | null;
  run_kind: string | null;
  run_name: string | null;
  prompt_space_group: number | null;
  prompt_elements: string | null;
  prompt_wyckoff: string | null;
}
interface FullStructureRow extends StructureRow {
  cif: string;
  tokens: Buffer | null;
  token_log_probs: Buffer | null;
  validity: string;
  rewards: string;
  stability: string;
}

const TAG_SEPARATOR = '\u001f';

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback;
  return JSON.parse(text) as T;
}

function toSummary(row: StructureRow): StructureSummary {
  return {
    id: row.id,
    runId: row.run_id,
    promptId: row.prompt_id,
    source: row.source as StructureSource,
    name: row.name,
    formula: row.formula,
    elements: row.elements === '' ? [] : row.elements.split(' '),
    numSites: row.num_sites,
    volume: row.volume,
    lattice: parseJson(row.lattice, { a: 0, b: 0, c: 0, alpha: 0, beta: 0, gamma: 0 }),
    logProbability: row.log_probability,
    spaceGroupRequested: row.space_group_requested,
    spaceGroupFound: row.space_group_found,
    valid: row.valid === null ? null : row.valid === 1,
    reward: row.reward,
    properties: parseJson(row.properties, {}),
    favourite: row.favourite === 1,
    tags: row.tag_names ? row.tag_names.split(TAG_SEPARATOR).sort() : [],
    createdAt: row.created_at,
    parentId: row.parent_id,
    eHull: row.e_hull,
    energyPerAtom: row.energy_per_atom,
    formationEnergyPerAtom: row.formation_energy_per_atom,
    energyKind: row.energy_kind as EnergyKind | null,
    plausibility:
      row.density === null || row.charge_verdict === null
        ? null
        : {
            contactRatio: row.contact_ratio,
            contactsPlausible: row.contacts_plausible === 1,
            chargeVerdict: row.charge_verdict as ChargeVerdict,
            chargeBalanced: row.charge_balanced === 1,
            oxidationStates: parseJson(row.oxidation_states, null),
            density: row.density,
          },
    run: row.run_kind === null ? null : { kind: row.run_kind as RunKind, name: row.run_name },
    prompt:
      row.prompt_elements === null
        ? null
        : {
            spaceGroup: row.prompt_space_group,
            elements: row.prompt_elements === '' ? [] : row.prompt_elements.split(' '),
            wyckoff: parseJson<string[] | null>(row.prompt_wyckoff, null),
          },
  };
}

function blobOf(values: Int32Array | Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Copy a BLOB into a fresh (aligned) typed array. */
function int32FromBlob(blob: Buffer | null): Int32Array | null {
  if (blob === null) return null;
  const out = new Int32Array(blob.length / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}
function float32FromBlob(blob: Buffer | null): Float32Array | null {
  if (blob === null) return null;
  const out = new Float32Array(blob.length / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

function checkSpaceGroup(value: number | undefined | null, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isInteger(value) || value < 1 || value > 230) throw new Error(`${field} must be an integer from 1 to 230, got ${value}`);
  return value;
}

function checkFinite(value: number | undefined | null, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isFinite(value)) throw new Error(`${field} must be a finite number, got ${value}`);
  return value;
}


/** The column values of a stability score (all null for none), checked. */
function stabilityColumns(stability: StructureStability | null | undefined, field: string): [number | null, number | null, number | null, string | null, string] {
  if (!stability) return [null, null, null, null, '{}'];
  if (!ENERGY_KINDS.includes(stability.kind)) throw new Error(`${field}.kind must be one of ${ENERGY_KINDS.join(', ')}, got '${String(stability.kind)}'`);
  return [
    checkFinite(stability.eHull, `${field}.eHull`),
    checkFinite(stability.energyPerAtom, `${field}.energyPerAtom`),
    checkFinite(stability.formationEnergyPerAtom, `${field}.formationEnergyPerAtom`),
    stability.kind,
    JSON.stringify(stability.details ?? {}),
  ];
}

/** The plausibility columns of a new row; nulls ("not checked") for a cell too degenerate to judge. */
function plausibilityOrNulls(structure: Structure): PlausibilityColumns | [null, null, null, null, null, null] {
  try {
    return plausibilityColumns(crystalPlausibility(structure));
  } catch {
    return [null, null, null, null, null, null];
  }
}

function checkTag(tag: string): string {
  const name = tag.trim();
  if (name === '' || name.length > 100) throw new Error(`tag must be 1–100 characters, got '${tag}'`);
  return name;
}

function atomicNumbers(symbols: readonly string[], field: string): number[] {
  return symbols.map((symbol) => {
    try {
      return atomicNumber(symbol);
    } catch {
      throw new Error(`${field}: unknown element '${symbol}'`);
    }
  });
}

const SORT_COLUMNS: Record<StructureSortField, string> = {
  id: 's.id',
  createdAt: 's.id', // ids grow with insertion time, and the id index makes this free
  reward: 's.reward',
  logProbability: 's.log_probability',
  spaceGroup: 's.space_group_found',
  formula: 's.formula',
  numSites: 's.num_sites',
  volume: 's.volume',
  name: 's.name',
  eHull: 's.e_hull',
  contactRatio: 's.contact_ratio',
  density: 's.density',
  a: "json_extract(s.lattice, '$.a')",
};

const SUMMARY_COLUMNS = `s.id, s.run_id, s.prompt_id, s.source, s.name, s.formula, s.elements, s.num_sites, s.volume, s.lattice,
  s.log_probability, s.space_group_requested, s.space_group_found, s.valid, s.reward, s.properties, s.favourite, s.created_at,
  s.parent_id, s.e_hull, s.energy_per_atom, s.formation_energy_per_atom, s.energy_kind,
  s.contact_ratio, s.contacts_plausible, s.charge_verdict, s.charge_balanced, s.oxidation_states, s.density,
  (SELECT r.kind FROM runs r WHERE r.id = s.run_id) AS run_kind, (SELECT r.name FROM runs r WHERE r.id = s.run_id) AS run_name,
  (SELECT p.space_group FROM prompts p WHERE p.id = s.prompt_id) AS prompt_space_group,
  (SELECT p.elements FROM prompts p WHERE p.id = s.prompt_id) AS prompt_elements,
  (SELECT json_extract(p.spec, '$.wyckoff.letters') FROM prompts p WHERE p.id = s.prompt_id) AS prompt_wyckoff,
  (SELECT group_concat(t.name, char(31)) FROM structure_tags st JOIN tags t ON t.id = st.tag_id WHERE st.structure_id = s.id) AS tag_names`;

// ---------------------------------------------------------------------------------------------------------------

export class Library {
  readonly path: string;
  readonly db: Database;
  private readonly statements = new Map<string, Statement>();

  constructor(path: string, options: OpenLibraryOptions = {}) {
    this.path = path;
    try {
      this.db = new BetterSqlite3(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (error) {
      throw new Error(`${path}: cannot open library database (${(error as Error).message})`);
    }
    try {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        // FULL: each commit is fsynced, so committed samples survive power loss too, not only a process crash.
        this.db.pragma('synchronous = FULL');
      }
      this.db.pragma('foreign_keys = ON');
      const check = this.db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
      if (options.readonly) {
        const version = schemaVersion(this.db);
        if (version !== LATEST_SCHEMA_VERSION) throw new Error(`schema version ${version}, this build needs ${LATEST_SCHEMA_VERSION}; open it read-write once to migrate`);
      } else {
        migrate(this.db, options.migrations, path);
      }
    } catch (error) {
      this.db.close();
      const message = (error as Error).message;
      throw new Error(message.startsWith(path) ? message : `${path}: ${message}`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  private statement(sql: string): Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Models

  addModel(model: NewModel): ModelRecord {
    if (model.name.trim() === '') throw new Error('addModel: name must not be empty');
    const result = this.statement('INSERT INTO models (name, path, config, description, created_at) VALUES (?, ?, ?, ?, ?)').run(
      model.name,
      model.path ?? null,
      JSON.stringify(model.config ?? {}),
      model.description ?? null,
      new Date().toISOString(),
    );
    return this.getModel(Number(result.lastInsertRowid))!;
  }

  getModel(id: number): ModelRecord | undefined {
    const row = this.statement('SELECT * FROM models WHERE id = ?').get(id) as
      | { id: number; name: string; path: string | null; config: string; description: string | null; created_at: string }
      | undefined;
    if (!row) return undefined;
    return { id: row.id, name: row.name, path: row.path, config: parseJson(row.config, {}), description: row.description, createdAt: row.created_at };
  }

  listModels(): ModelRecord[] {
    const ids = this.statement('SELECT id FROM models ORDER BY id').all() as { id: number }[];
    return ids.map(({ id }) => this.getModel(id)!);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs

  createRun(run: NewRun): RunRecord {
    if (!RUN_KINDS.includes(run.kind)) throw new Error(`createRun: unknown run kind '${run.kind}' (known: ${RUN_KINDS.join(', ')})`);
    const status = run.status ?? 'queued';
    if (!RUN_STATUSES.includes(status)) throw new Error(`createRun: unknown status '${status}'`);
    const now = new Date().toISOString();
    const result = this.statement(
      'INSERT INTO runs (kind, model_id, name, config, status, created_at, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(run.kind, run.modelId ?? null, run.name === undefined ? null : libraryName(run.name), JSON.stringify(run.config ?? {}), status, now, status === 'running' ? now : null);
    return this.getRun(Number(result.lastInsertRowid))!;
  }

  updateRun(id: number, update: RunUpdate): RunRecord {
    const run = this.getRun(id);
    if (!run) throw new Error(`updateRun: no run with id ${id}`);
    if (update.status !== undefined && !RUN_STATUSES.includes(update.status)) throw new Error(`updateRun: unknown status '${update.status}'`);
    for (const [phase, seconds] of Object.entries(update.timings ?? {})) checkFinite(seconds, `updateRun: timings.${phase}`);
    const now = new Date().toISOString();
    const status = update.status ?? run.status;
    const startedAt = run.startedAt ?? (status === 'running' ? now : null);
    const finishedAt = update.status !== undefined && TERMINAL.includes(update.status) ? now : run.finishedAt;
    this.statement('UPDATE runs SET status = ?, error = ?, timings = ?, config = ?, started_at = ?, finished_at = ? WHERE id = ?').run(
      status,
      update.error !== undefined ? update.error : run.error,
      JSON.stringify({ ...run.timings, ...(update.timings ?? {}) }),
      JSON.stringify(update.config ?? run.config),
      startedAt,
      finishedAt,
      id,
    );
    return this.getRun(id)!;
  }

  getRun(id: number): RunRecord | undefined {
    const row = this.statement('SELECT * FROM runs WHERE id = ?').get(id) as
      | {
          id: number; kind: RunKind; model_id: number | null; name: string | null; config: string; status: RunStatus; error: string | null;
          timings: string; created_at: string; started_at: string | null; finished_at: string | null;
        }
      | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      modelId: row.model_id,
      name: row.name,
      config: parseJson(row.config, {}),
      status: row.status,
      error: row.error,
      timings: parseJson(row.timings, {}),
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  /** Runs newest first, optionally filtered by kind and status. */
  listRuns(filter: { kind?: RunKind; status?: RunStatus; limit?: number; offset?: number } = {}): RunRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.kind) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    const sql = `SELECT id FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...params, filter.limit ?? 100, filter.offset ?? 0) as { id: number }[];
    return rows.map(({ id }) => this.getRun(id)!);
  }

  /**
   * Mark runs left 'queued' or 'running' by a process that died as failed (call at start-up, before new jobs run).
   * Returns how many were marked.
   */
  markInterruptedRuns(reason = 'interrupted: the engine stopped before the run finished'): number {
    const result = this.statement("UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE status IN ('queued', 'running')").run(
      reason,
      new Date().toISOString(),
    );
    return result.changes;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Prompts

  addPrompt(prompt: NewPrompt): PromptRecord {
    const spaceGroup = checkSpaceGroup(prompt.spaceGroup, 'addPrompt: spaceGroup');
    atomicNumbers(prompt.elements ?? [], 'addPrompt: elements');
    const result = this.statement('INSERT INTO prompts (run_id, space_group, elements, spec, created_at) VALUES (?, ?, ?, ?, ?)').run(
      prompt.runId ?? null,
      spaceGroup,
      (prompt.elements ?? []).join(' '),
      JSON.stringify(prompt.spec ?? {}),
      new Date().toISOString(),
    );
    return this.getPrompt(Number(result.lastInsertRowid))!;
  }

  getPrompt(id: number): PromptRecord | undefined {
    const row = this.statement('SELECT * FROM prompts WHERE id = ?').get(id) as
      | { id: number; run_id: number | null; space_group: number | null; elements: string; spec: string; created_at: string }
      | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      runId: row.run_id,
      spaceGroup: row.space_group,
      elements: row.elements === '' ? [] : row.elements.split(' '),
      spec: parseJson(row.spec, {}),
      createdAt: row.created_at,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Structures

  /** Store one structure and commit it before returning. Returns its id. */
  addStructure(input: NewStructure): number {
    return this.db.transaction(() => this.insertStructure(input))();
  }

  /** Store several structures in one transaction (all or none). Returns their ids in order. */
  addStructures(inputs: readonly NewStructure[]): number[] {
    return this.db.transaction(() => inputs.map((input) => this.insertStructure(input)))();
  }

  private insertStructure(input: NewStructure): number {
    const { structure } = input;
    if (structure.numSites === 0) throw new Error('addStructure: the structure has no atoms');
    const source = input.source ?? 'generated';
    if (!SOURCES.includes(source)) throw new Error(`addStructure: unknown source '${source}'`);
    const composition = Composition.fromStructure(structure);
    const counts = new Map<number, number>();
    for (const species of structure.species) {
      const z = atomicNumber(species);
      counts.set(z, (counts.get(z) ?? 0) + 1);
    }
    const elementNumbers = [...counts.keys()].sort((a, b) => a - b);
    if (input.tokens && !(input.tokens instanceof Int32Array) && !input.tokens.every((t) => Number.isInteger(t) && Math.abs(t) < 2 ** 31)) {
      throw new Error('addStructure: tokens must be 32-bit integers');
    }
    const tokens = input.tokens === undefined ? null : input.tokens instanceof Int32Array ? input.tokens : Int32Array.from(input.tokens);
    const tokenLogProbs =
      input.tokenLogProbs === undefined ? null : input.tokenLogProbs instanceof Float32Array ? input.tokenLogProbs : Float32Array.from(input.tokenLogProbs);
    for (const [name, value] of Object.entries(input.rewards ?? {})) checkFinite(value, `addStructure: rewards.${name}`);
    const lattice = structure.lattice.parameters;
    // A non-finite cell (b = Infinity, α = NaN) would be stored as JSON null and break every page that lists it.
    for (const [key, value] of Object.entries(lattice)) {
      if (!Number.isFinite(value)) throw new Error(`addStructure: lattice parameter ${key} is ${value}, not a finite number`);
    }
    if (!(structure.volume > 0) || !Number.isFinite(structure.volume)) throw new Error(`addStructure: cell volume ${structure.volume} Å³ is not a positive finite number`);
    const name = input.name === undefined ? undefined : libraryName(input.name);
    const stability = stabilityColumns(input.stability, 'addStructure: stability');
    const plausibility = plausibilityOrNulls(structure);
    if (input.parentId !== undefined && !this.statement('SELECT 1 FROM structures WHERE id = ?').get(input.parentId)) {
      throw new Error(`addStructure: parentId ${input.parentId} is not a structure in the library`);
    }

    const result = this.statement(
      `INSERT INTO structures (run_id, prompt_id, source, name, formula, elements, num_elements, num_sites, volume, lattice, cif,
         tokens, token_log_probs, log_probability, space_group_requested, space_group_found, valid, validity, reward, rewards,
         properties, favourite, created_at, parent_id, e_hull, energy_per_atom, formation_energy_per_atom, energy_kind, stability,
         contact_ratio, contacts_plausible, charge_verdict, charge_balanced, oxidation_states, density)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      input.runId ?? null,
      input.promptId ?? null,
      source,
      name ?? null,
      composition.reducedFormula,
      elementNumbers.map((z) => elementSymbol(z)).join(' '),
      elementNumbers.length,
      structure.numSites,
      structure.volume,
      JSON.stringify(lattice),
      input.cif ?? writeCifP1(structure, name ? { dataName: name } : {}),
      tokens ? blobOf(tokens) : null,
      tokenLogProbs ? blobOf(tokenLogProbs) : null,
      checkFinite(input.logProbability, 'addStructure: logProbability'),
      checkSpaceGroup(input.spaceGroupRequested, 'addStructure: spaceGroupRequested'),
      checkSpaceGroup(input.spaceGroupFound, 'addStructure: spaceGroupFound'),
      input.valid === undefined ? null : input.valid ? 1 : 0,
      JSON.stringify(input.validity ?? {}),
      checkFinite(input.reward, 'addStructure: reward'),
      JSON.stringify(input.rewards ?? {}),
      JSON.stringify(input.properties ?? {}),
      input.favourite ? 1 : 0,
      new Date().toISOString(),
      input.parentId ?? null,
      ...stability,
      ...plausibility,
    );
    const id = Number(result.lastInsertRowid);
    const insertElement = this.statement('INSERT INTO structure_elements (element, structure_id, count) VALUES (?, ?, ?)');
    for (const z of elementNumbers) insertElement.run(z, id, counts.get(z)!);
    if (input.tags?.length) this.tagIds([id], input.tags);
    return id;
  }

  getStructure(id: number): StructureRecord | undefined {
    const row = this.statement(
      `SELECT ${SUMMARY_COLUMNS}, s.cif, s.tokens, s.token_log_probs, s.validity, s.rewards, s.stability FROM structures s WHERE s.id = ?`,
    ).get(id) as FullStructureRow | undefined;
    if (!row) return undefined;
    return {
      ...toSummary(row),
      cif: row.cif,
      tokens: int32FromBlob(row.tokens),
      tokenLogProbs: float32FromBlob(row.token_log_probs),
      validity: parseJson(row.validity, {}),
      rewards: parseJson(row.rewards, {}),
      stabilityDetails: parseJson(row.stability, {}),
    };
  }

  updateStructure(id: number, update: StructureUpdate): void {
    const sets: string[] = [];
    const params: (string | number | null)[] = [];
    const set = (column: string, value: string | number | null) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (update.name !== undefined) set('name', update.name === null ? null : libraryName(update.name));
    if (update.spaceGroupFound !== undefined) set('space_group_found', checkSpaceGroup(update.spaceGroupFound, 'updateStructure: spaceGroupFound'));
    if (update.valid !== undefined) set('valid', update.valid === null ? null : update.valid ? 1 : 0);
    if (update.validity !== undefined) set('validity', JSON.stringify(update.validity));
    if (update.reward !== undefined) set('reward', checkFinite(update.reward, 'updateStructure: reward'));
    if (update.rewards !== undefined) set('rewards', JSON.stringify(update.rewards));
    if (update.properties !== undefined) set('properties', JSON.stringify(update.properties));
    if (update.favourite !== undefined) set('favourite', update.favourite ? 1 : 0);
    if (update.stability !== undefined) {
      const [eHull, energyPerAtom, formationEnergyPerAtom, kind, details] = stabilityColumns(update.stability, 'updateStructure: stability');
      set('e_hull', eHull);
      set('energy_per_atom', energyPerAtom);
      set('formation_energy_per_atom', formationEnergyPerAtom);
      set('energy_kind', kind);
      set('stability', details);
    }
    if (sets.length === 0) return;
    const result = this.db.prepare(`UPDATE structures SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    if (result.changes === 0) throw new Error(`updateStructure: no structure with id ${id}`);
  }

  /** Several updates in one transaction (one commit: scoring a batch of rows costs one fsync, not one per row). */
  updateStructures(updates: readonly { id: number; update: StructureUpdate }[]): void {
    this.db.transaction(() => {
      for (const { id, update } of updates) this.updateStructure(id, update);
    })();
  }

  setFavourite(ids: number | readonly number[], favourite: boolean): void {
    const list = typeof ids === 'number' ? [ids] : ids;
    this.statement('UPDATE structures SET favourite = ? WHERE id IN (SELECT value FROM json_each(?))').run(favourite ? 1 : 0, JSON.stringify(list));
  }

  deleteStructures(ids: readonly number[]): number {
    return this.statement('DELETE FROM structures WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids)).changes;
  }

  private tagIds(structureIds: readonly number[], tags: readonly string[]): void {
    const insertTag = this.statement('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    const tagId = this.statement('SELECT id FROM tags WHERE name = ?');
    const link = this.statement('INSERT OR IGNORE INTO structure_tags (tag_id, structure_id) SELECT ?, value FROM json_each(?) WHERE value IN (SELECT id FROM structures)');
    for (const tag of tags.map(checkTag)) {
      insertTag.run(tag);
      const { id } = tagId.get(tag) as { id: number };
      link.run(id, JSON.stringify(structureIds));
    }
  }

  addTags(structureIds: readonly number[], tags: readonly string[]): void {
    this.db.transaction(() => this.tagIds(structureIds, tags))();
  }

  removeTags(structureIds: readonly number[], tags: readonly string[]): void {
    const unlink = this.statement(
      'DELETE FROM structure_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ?) AND structure_id IN (SELECT value FROM json_each(?))',
    );
    this.db.transaction(() => {
      for (const tag of tags) unlink.run(tag.trim(), JSON.stringify(structureIds));
      this.statement('DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM structure_tags)').run();
    })();
  }

  /** Every tag in use with how many structures carry it, by name. */
  listTags(): { name: string; count: number }[] {
    return this.statement(
      'SELECT t.name AS name, COUNT(st.structure_id) AS count FROM tags t JOIN structure_tags st ON st.tag_id = t.id GROUP BY t.id ORDER BY t.name',
    ).all() as { name: string; count: number }[];
  }

  /** The WHERE clause and parameters for a query's filters. */
  private filterSql(query: StructureQuery): { where: string; params: (string | number)[] } {
    const clauses: string[] = [];
    const params: (string | number)[] = [];
    const jsonList = (values: readonly (number | string)[]) => JSON.stringify(values);
    const range = (column: string, r: NumberRange | undefined, field: string) => {
      if (!r) return;
      if (r.min !== undefined) {
        checkFinite(r.min, `${field}.min`);
        clauses.push(`${column} >= ?`);
        params.push(r.min);
      }
      if (r.max !== undefined) {
        checkFinite(r.max, `${field}.max`);
        clauses.push(`${column} <= ?`);
        params.push(r.max);
      }
    };
    if (query.ids) {
      clauses.push('s.id IN (SELECT value FROM json_each(?))');
      params.push(jsonList(query.ids));
    }
    if (query.runId !== undefined) {
      clauses.push('s.run_id = ?');
      params.push(query.runId);
    }
    if (query.source !== undefined) {
      clauses.push('s.source = ?');
      params.push(query.source);
    }
    if (query.spaceGroups) {
      query.spaceGroups.forEach((g) => checkSpaceGroup(g, 'query: spaceGroups'));
      clauses.push('s.space_group_found IN (SELECT value FROM json_each(?))');
      params.push(jsonList(query.spaceGroups));
    }
    if (query.requestedSpaceGroups) {
      query.requestedSpaceGroups.forEach((g) => checkSpaceGroup(g, 'query: requestedSpaceGroups'));
      clauses.push('s.space_group_requested IN (SELECT value FROM json_each(?))');
      params.push(jsonList(query.requestedSpaceGroups));
    }
    const { include, exclude, only } = query.elements ?? {};
    if (include?.length) {
      const numbers = [...new Set(atomicNumbers(include, 'query: elements.include'))];
      clauses.push(
        `s.id IN (SELECT structure_id FROM structure_elements WHERE element IN (SELECT value FROM json_each(?)) GROUP BY structure_id HAVING COUNT(*) = ?)`,
      );
      params.push(jsonList(numbers), numbers.length);
    }
    if (exclude?.length) {
      clauses.push('NOT EXISTS (SELECT 1 FROM structure_elements e WHERE e.structure_id = s.id AND e.element IN (SELECT value FROM json_each(?)))');
      params.push(jsonList(atomicNumbers(exclude, 'query: elements.exclude')));
    }
    if (only?.length) {
      clauses.push('NOT EXISTS (SELECT 1 FROM structure_elements e WHERE e.structure_id = s.id AND e.element NOT IN (SELECT value FROM json_each(?)))');
      params.push(jsonList(atomicNumbers(only, 'query: elements.only')));
    }
    range('s.num_elements', query.numElements, 'query: numElements');
    range('s.num_sites', query.numSites, 'query: numSites');
    if (query.valid !== undefined) clauses.push(query.valid === null ? 's.valid IS NULL' : `s.valid = ${query.valid ? 1 : 0}`);
    range('s.reward', query.reward, 'query: reward');
    range('s.log_probability', query.logProbability, 'query: logProbability');
    range('s.e_hull', query.eHull, 'query: eHull');
    if (query.energyKind !== undefined) {
      if (!ENERGY_KINDS.includes(query.energyKind)) throw new Error(`query: energyKind must be one of ${ENERGY_KINDS.join(', ')}`);
      clauses.push('s.energy_kind = ?');
      params.push(query.energyKind);
    }
    if (query.parentId !== undefined) {
      clauses.push('s.parent_id = ?');
      params.push(query.parentId);
    }
    for (const [name, r] of Object.entries(query.properties ?? {})) {
      const path = `$.${JSON.stringify(name)}`;
      clauses.push(`json_type(s.properties, ?) IN ('integer', 'real')`);
      params.push(path);
      if (r.min !== undefined) {
        clauses.push('json_extract(s.properties, ?) >= ?');
        params.push(path, checkFinite(r.min, `query: properties.${name}.min`)!);
      }
      if (r.max !== undefined) {
        clauses.push('json_extract(s.properties, ?) <= ?');
        params.push(path, checkFinite(r.max, `query: properties.${name}.max`)!);
      }
    }
    if (query.favourite !== undefined) clauses.push(`s.favourite = ${query.favourite ? 1 : 0}`);
    if (query.chargeBalanced !== undefined) clauses.push(`s.charge_balanced = ${query.chargeBalanced ? 1 : 0}`);
    if (query.contactsPlausible !== undefined) clauses.push(`s.contacts_plausible = ${query.contactsPlausible ? 1 : 0}`);
    range('s.contact_ratio', query.contactRatio, 'query: contactRatio');
    range('s.density', query.density, 'query: density');
    if (query.tags?.length) {
      const tags = [...new Set(query.tags.map(checkTag))];
      clauses.push(
        `s.id IN (SELECT st.structure_id FROM structure_tags st JOIN tags t ON t.id = st.tag_id WHERE t.name IN (SELECT value FROM json_each(?)) GROUP BY st.structure_id HAVING COUNT(*) = ?)`,
      );
      params.push(jsonList(tags), tags.length);
    }
    if (query.search !== undefined && query.search.trim() !== '') {
      const pattern = `%${query.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      clauses.push("(s.name LIKE ? ESCAPE '\\' OR s.formula LIKE ? ESCAPE '\\')");
      params.push(pattern, pattern);
    }
    return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  /** One page of structures matching the filters, in a stable order, with the total count. */
  queryStructures(query: StructureQuery = {}): StructurePage {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`query: limit must be an integer from 1 to 1000, got ${limit}`);
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`query: offset must be a non-negative integer, got ${offset}`);
    const { where, params } = this.filterSql(query);
    const by = query.sort?.by ?? 'createdAt';
    const column = SORT_COLUMNS[by];
    if (!column) throw new Error(`query: cannot sort by '${by}' (choose from ${Object.keys(SORT_COLUMNS).join(', ')})`);
    const direction = (query.sort?.direction ?? (query.sort ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC';
    const order = column === 's.id' ? `s.id ${direction}` : `${column} IS NULL, ${column} ${direction}, s.id ${direction}`;
    const rows = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM structures s ${where} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, limit, offset) as StructureRow[];
    const { total } = this.db.prepare(`SELECT COUNT(*) AS total FROM structures s ${where}`).get(...params) as { total: number };
    return { rows: rows.map(toSummary), total, offset, limit };
  }

  /** Ids of every structure matching the filters (no paging), in id order. */
  selectIds(query: StructureQuery = {}): number[] {
    const { where, params } = this.filterSql(query);
    return (this.db.prepare(`SELECT s.id AS id FROM structures s ${where} ORDER BY s.id`).all(...params) as { id: number }[]).map((r) => r.id);
  }

  countStructures(query: StructureQuery = {}): number {
    const { where, params } = this.filterSql(query);
    return (this.db.prepare(`SELECT COUNT(*) AS total FROM structures s ${where}`).get(...params) as { total: number }).total;
  }

  /**
   * The structures that could be the same crystal as one of this reduced formula and space group (found; rows
   * without one are included), oldest first: the candidates a duplicate check compares geometrically. With their
   * creation time, since an id can be reused after the newest row is deleted.
   */
  duplicateCandidates(reducedFormula: string, spaceGroup: number | null): { id: number; createdAt: string }[] {
    const rows = (spaceGroup === null
      ? this.statement('SELECT id, created_at FROM structures WHERE formula = ? ORDER BY id').all(reducedFormula)
      : this.statement('SELECT id, created_at FROM structures WHERE formula = ? AND (space_group_found = ? OR space_group_found IS NULL) ORDER BY id').all(reducedFormula, spaceGroup)) as {
      id: number;
      created_at: string;
    }[];
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
  }

  // -------------------------------------------------------------------------------------------------------------
  // RL metrics

  /** Record metric values for one step of a run (a value recorded again for the same step replaces the old one). */
  addMetrics(runId: number, step: number, metrics: Record<string, number>): void {
    if (!Number.isInteger(step) || step < 0) throw new Error(`addMetrics: step must be a non-negative integer, got ${step}`);
    const insert = this.statement('INSERT OR REPLACE INTO rl_metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(metrics)) {
        if (typeof value !== 'number') throw new Error(`addMetrics: metric '${name}' must be a number`);
        insert.run(runId, name, step, Number.isFinite(value) ? value : null);
      }
    })();
  }

  /** Metric series of a run by name, each in step order; `names` limits which metrics are returned. */
  getMetrics(runId: number, names?: readonly string[]): Record<string, MetricSeries> {
    const rows = (names
      ? this.statement('SELECT name, step, value FROM rl_metrics WHERE run_id = ? AND name IN (SELECT value FROM json_each(?)) ORDER BY name, step').all(runId, JSON.stringify(names))
      : this.statement('SELECT name, step, value FROM rl_metrics WHERE run_id = ? ORDER BY name, step').all(runId)) as { name: string; step: number; value: number | null }[];
    const out: Record<string, MetricSeries> = {};
    for (const { name, step, value } of rows) {
      const series = (out[name] ??= { steps: [], values: [] });
      series.steps.push(step);
      series.values.push(value);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Import / export (see transfer.ts)

  /** Import CIF (every data block with atom sites) and POSCAR files. Failures are reported per file, not thrown. */
  importFiles(paths: readonly string[], options: ImportOptions = {}): Promise<ImportResult> {
    return importStructureFiles(this, paths, options);
  }

  /** Import structure texts (e.g. uploaded in browser mode); `fileName` picks the format and names errors. */
  importTexts(files: readonly TextToImport[], options: ImportOptions = {}): Promise<ImportResult> {
    return importStructureTexts(this, files, options);
  }

  /** Write the selected structures as CIF files plus manifest.csv into `directory`. */
  exportCifFiles(selection: readonly number[] | StructureQuery, directory: string): Promise<ExportResult> {
    return exportCifFiles(this, selection, directory);
  }

  /** Write the selected structures as one zip (CIF files + manifest.csv). */
  exportZip(selection: readonly number[] | StructureQuery, zipPath: string): Promise<ExportResult> {
    return exportZip(this, selection, zipPath);
  }

  /** Write the selection as a zip of POSCAR files, one extended XYZ file or one JSON file at `path`. */
  exportAs(selection: readonly number[] | StructureQuery, format: StructureExportFormat, path: string): Promise<ExportResult> {
    return exportAs(this, selection, format, path);
  }

  /** The zip bytes for the selection (browser mode sends them as a download). */
  buildExportZip(selection: readonly number[] | StructureQuery): Uint8Array {
    return buildExportZip(this, selection).zip;
  }
}

/**
 * Open (creating if needed) the library database in `workspaceDir`, migrating it to the current schema.
 * Errors name the database file.
 */
export function openLibrary(workspaceDir: string, options: OpenLibraryOptions = {}): Library {
  const dir = resolve(workspaceDir);
  if (!options.readonly) mkdirSync(dir, { recursive: true });
  return new Library(join(dir, options.fileName ?? LIBRARY_FILE_NAME), options);
}
