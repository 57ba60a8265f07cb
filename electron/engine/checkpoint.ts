/**
 * Training checkpoints: parameters + optimizer state (e.g. Adam's m, v and step) + RNG state + free JSON metadata
 * (epoch, config, metrics) in one safetensors file.
 *
 * Layout: tensors `params/<name>` and `optim/<slot>/<name>`; `__metadata__` holds `format`, `version`, and JSON
 * strings `optimizer` (kind, step, hyper-parameters, slot names), `rng` and `metadata`.
 *
 * Files are written atomically: bytes go to a temp file in the same directory, which is fsynced and then renamed
 * over the final name (and the directory fsynced), so a crash at any moment leaves either the old set of
 * checkpoints or the old set plus the complete new one — never a half-written `checkpoint-*.safetensors`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RngState } from '../../shared/random.ts';
import { ParameterStore } from './params.ts';
import {
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  serializeSafetensors,
  type SafetensorsContents,
  type TensorToWrite,
} from './safetensors.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface OptimizerState {
  /** Which optimizer wrote this state, e.g. 'adam' or 'adamw'. */
  kind: string;
  /** Number of updates applied so far (Adam's t, needed for bias correction). */
  step: number;
  /** Per-parameter state tensors by slot, e.g. { m: …, v: … } for Adam; each tensor has its parameter's shape. */
  slots: Record<string, Map<string, Float32Array>>;
  /** Scalar optimizer settings worth restoring with the state (learning rate, betas, …). */
  hyper?: Record<string, number>;
}

export interface Checkpoint {
  params: ParameterStore;
  optimizer?: OptimizerState;
  rng?: RngState;
  /** Anything JSON: epoch, config, metrics. */
  metadata?: { [key: string]: JsonValue };
}

export const CHECKPOINT_FORMAT = 'cfstudio-checkpoint';
export const CHECKPOINT_VERSION = 1;

const PARAMS_PREFIX = 'params/';
const OPTIM_PREFIX = 'optim/';
const FILE_PATTERN = /^checkpoint-(\d+)\.safetensors$/;
const TEMP_PATTERN = /^\.checkpoint-\d+\.safetensors\.tmp-(\d+)-[0-9a-f]+$/;

/** File name of checkpoint number `index` (zero-padded so names sort in order). */
export function checkpointFileName(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`checkpoint index must be a non-negative integer, got ${index}`);
  return `checkpoint-${String(index).padStart(8, '0')}.safetensors`;
}

// ---------------------------------------------------------------------------------------------------------------
// Atomic file writing

/**
 * Write `bytes` to `path` so that readers see either the old file or the complete new one: temp file in the same
 * directory → write → fsync → rename → fsync the directory (where the platform allows opening directories).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const directory = dirname(path);
  const temp = join(directory, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'w');
  try {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  // Makes the rename itself durable on POSIX file systems; Windows cannot open directories, and NTFS renames are
  // journaled, so skipping there is fine.
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

/** Serialise a checkpoint to safetensors bytes. Optimizer slots must match parameter names and shapes. */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const { params, optimizer } = checkpoint;
  const tensors: Map<string, TensorToWrite> = params.toTensorMap(PARAMS_PREFIX);
  const header: Record<string, string> = { format: CHECKPOINT_FORMAT, version: String(CHECKPOINT_VERSION) };
  if (optimizer) {
    if (!Number.isSafeInteger(optimizer.step) || optimizer.step < 0) throw new Error(`checkpoint: optimizer step must be a non-negative integer, got ${optimizer.step}`);
    for (const [slot, values] of Object.entries(optimizer.slots)) {
      if (slot === '' || slot.includes('/')) throw new Error(`checkpoint: optimizer slot name '${slot}' must be non-empty without '/'`);
      for (const [name, data] of values) {
        if (!params.has(name)) throw new Error(`checkpoint: optimizer slot '${slot}' has state for unknown parameter '${name}'`);
        const shape = params.shape(name);
        if (data.length !== params.get(name).length) {
          throw new Error(`checkpoint: optimizer slot '${slot}' for '${name}' has ${data.length} values, parameter has ${params.get(name).length}`);
        }
        tensors.set(`${OPTIM_PREFIX}${slot}/${name}`, { data, shape, dtype: 'F32' });
      }
    }
    header.optimizer = JSON.stringify({ kind: optimizer.kind, step: optimizer.step, hyper: optimizer.hyper ?? {}, slots: Object.keys(optimizer.slots) });
  }
  if (checkpoint.rng) header.rng = JSON.stringify(checkpoint.rng);
  header.metadata = JSON.stringify(checkpoint.metadata ?? {});
  return serializeSafetensors(tensors, header);
}

function parseJsonField<T>(source: string, field: string, text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new SafetensorsError(source, `checkpoint metadata field '${field}' is not valid JSON (${(error as Error).message})`);
  }
}

/** Parse a checkpoint (bytes as produced by encodeCheckpoint, or parsed safetensors). `source` names the file in errors. */
export function decodeCheckpoint(file: Uint8Array | SafetensorsContents, source = '<buffer>'): Checkpoint {
  const contents = file instanceof Uint8Array ? parseSafetensors(file, source) : file;
  const { metadata: header, tensors } = contents;
  if (header.format !== CHECKPOINT_FORMAT) throw new SafetensorsError(source, `not a checkpoint (metadata format is ${JSON.stringify(header.format ?? null)}, expected '${CHECKPOINT_FORMAT}')`);
  const version = Number(header.version);
  if (version !== CHECKPOINT_VERSION) throw new SafetensorsError(source, `checkpoint version ${header.version} is not supported (this build reads version ${CHECKPOINT_VERSION})`);

  const params = ParameterStore.fromSafetensors(contents, source, PARAMS_PREFIX);
  const checkpoint: Checkpoint = { params, metadata: parseJsonField(source, 'metadata', header.metadata) ?? {} };

  const optimizerInfo = parseJsonField<{ kind: string; step: number; hyper: Record<string, number>; slots: string[] }>(source, 'optimizer', header.optimizer);
  if (optimizerInfo) {
    const slots: Record<string, Map<string, Float32Array>> = {};
    for (const slot of optimizerInfo.slots) slots[slot] = new Map();
    for (const [name, tensor] of tensors) {
      if (!name.startsWith(OPTIM_PREFIX)) continue;
      const rest = name.slice(OPTIM_PREFIX.length);
      const slash = rest.indexOf('/');
      const slot = rest.slice(0, slash);
      const paramName = rest.slice(slash + 1);
      const values = slots[slot];
      if (slash < 0 || !values) throw new SafetensorsError(source, 'optimizer tensor does not belong to a declared slot', name);
      if (!params.has(paramName)) throw new SafetensorsError(source, `optimizer state for unknown parameter '${paramName}'`, name);
      if (!(tensor.data instanceof Float32Array)) throw new SafetensorsError(source, `optimizer state must be F32, found ${tensor.dtype}`, name);
      values.set(paramName, tensor.data);
    }
    checkpoint.optimizer = { kind: optimizerInfo.kind, step: optimizerInfo.step, slots, hyper: optimizerInfo.hyper };
  }
  const rng = parseJsonField<RngState>(source, 'rng', header.rng);
  if (rng) checkpoint.rng = rng;
  return checkpoint;
}

// ---------------------------------------------------------------------------------------------------------------
// Directory of checkpoints

export interface SaveCheckpointOptions {
  /** Number in the file name; default: one more than the latest checkpoint in the directory (0 when none). */
  index?: number;
  /** After saving, delete all but the newest `keepLast` checkpoints (default: keep all). */
  keepLast?: number;
}

/** Save a checkpoint atomically into `dir` (created if needed); returns the file path. */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint, options: SaveCheckpointOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const index = options.index ?? (await nextIndex(dir));
  const path = join(dir, checkpointFileName(index));
  await writeFileAtomic(path, encodeCheckpoint(checkpoint));
  if (options.keepLast !== undefined) await pruneCheckpoints(dir, options.keepLast);
  return path;
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await readSafetensors(path), path);
}

/** Checkpoint files in `dir`, oldest first, with their index. Temp files and unrelated files are ignored. */
export async function listCheckpoints(dir: string): Promise<{ index: number; path: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => ({ name, match: FILE_PATTERN.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => ({ index: Number(match[1]), path: join(dir, name) }))
    .sort((a, b) => a.index - b.index);
}

/**
 * The newest checkpoint in `dir` whose header is valid, or undefined when there is none. A damaged newest file
 * (e.g. truncated by a failing disk) is skipped in favour of the one before it.
 */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  const files = await listCheckpoints(dir);
  for (let i = files.length - 1; i >= 0; i--) {
    try {
      const header = await readSafetensorsHeader(files[i]!.path);
      if (header.metadata.format === CHECKPOINT_FORMAT) return files[i]!.path;
    } catch (error) {
      if (!(error instanceof SafetensorsError)) throw error;
    }
  }
  return undefined;
}

async function nextIndex(dir: string): Promise<number> {
  const files = await listCheckpoints(dir);
  return files.length ? files[files.length - 1]!.index + 1 : 0;
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Delete all but the newest `keepLast` checkpoints, and temp files left by writers that are no longer running
 * (a crash mid-save). Returns the deleted paths.
 */
export async function pruneCheckpoints(dir: string, keepLast: number): Promise<string[]> {
  if (!Number.isInteger(keepLast) || keepLast < 1) throw new Error(`keepLast must be a positive integer, got ${keepLast}`);
  const files = await listCheckpoints(dir);
  const doomed = files.slice(0, Math.max(0, files.length - keepLast)).map((f) => f.path);
  for (const name of await readdir(dir)) {
    const temp = TEMP_PATTERN.exec(name);
    if (temp && !processIsAlive(Number(temp[1]))) doomed.push(join(dir, name));
  }
  for (const path of doomed) await rm(path, { force: true });
  return doomed;
}
