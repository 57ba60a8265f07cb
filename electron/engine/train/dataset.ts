/**
 * The compact binary token dataset: one little-endian typed-array file per field plus `manifest.json` and
 * `spacegroups.json`. Rows are stored train first, then validation; the manifest gives each split's range.
 *
 *   spaceGroup.i32  N        numSites.i32  N
 *   wyckoff.i32     N × 21   atoms.i32     N × 21
 *   coords.f32      N × 21 × 3 (fractional, wrapped, 0 for padding)
 *   lattice.f32     N × 6    (a, b, c / N_atoms^(1/3) in Å; α, β, γ in radians)
 *   ids.json        N material ids
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { N_SLOTS } from '../../../shared/tokens/index.ts';

/** Why data preparation (electron/data/) left a row out; the manifest counts each. */
export const SKIP_REASONS = ['parse error', 'unsupported element', 'partial occupancy', 'symmetry failure', 'more than 20 sites', 'duplicate'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const DATASET_FORMAT = 'cfstudio-token-dataset';
export const DATASET_VERSION = 1;

export type SplitName = 'train' | 'val';

export interface FieldInfo {
  file: string;
  dtype: 'int32' | 'float32';
  /** Shape per row (empty for a scalar per row). */
  rowShape: number[];
}

export interface SkippedExample {
  id: string;
  reason: SkipReason;
  message: string;
}

export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: number;
  createdAt: string;
  inputs: { file: string; rows: number }[];
  options: { valFraction: number; symprec: number; maxSites: number; splitRule: string; dedupRule: string };
  counts: { rows: number; kept: number; train: number; val: number; skipped: number };
  skipped: Record<SkipReason, number>;
  /** Up to 20 examples per reason, for diagnosis. */
  skippedExamples: SkippedExample[];
  splits: Record<SplitName, { offset: number; count: number }>;
  fields: Record<'spaceGroup' | 'numSites' | 'wyckoff' | 'atoms' | 'coords' | 'lattice', FieldInfo>;
  idsFile: string;
  spaceGroupStatsFile: string;
  timing: { seconds: number; rowsPerSecond: number; workers: number };
}

export interface SpaceGroupStats {
  /** counts[g − 1] = number of crystals in space group g. */
  train: number[];
  val: number[];
  symbols: string[];
}

export interface TokenArrays {
  count: number;
  spaceGroup: Int32Array;
  numSites: Int32Array;
  wyckoff: Int32Array;
  atoms: Int32Array;
  coords: Float32Array;
  lattice: Float32Array;
  ids: string[];
}

export interface LoadedDataset extends TokenArrays {
  manifest: DatasetManifest;
  split: SplitName | 'all';
  spaceGroupStats: SpaceGroupStats;
}

const FIELDS: DatasetManifest['fields'] = {
  spaceGroup: { file: 'spaceGroup.i32', dtype: 'int32', rowShape: [] },
  numSites: { file: 'numSites.i32', dtype: 'int32', rowShape: [] },
  wyckoff: { file: 'wyckoff.i32', dtype: 'int32', rowShape: [N_SLOTS] },
  atoms: { file: 'atoms.i32', dtype: 'int32', rowShape: [N_SLOTS] },
  coords: { file: 'coords.f32', dtype: 'float32', rowShape: [N_SLOTS, 3] },
  lattice: { file: 'lattice.f32', dtype: 'float32', rowShape: [6] },
};

function littleEndianBytes(array: Int32Array | Float32Array): Uint8Array {
  // Typed arrays use the platform byte order; every platform Node and Electron ship on is little-endian.
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/** Write the arrays (train rows first, then validation) and the JSON side files. The manifest goes last. */
export async function writeDataset(dir: string, arrays: TokenArrays, manifest: DatasetManifest, stats: SpaceGroupStats): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, info] of Object.entries(FIELDS) as [keyof typeof FIELDS, FieldInfo][]) {
    await writeAtomically(join(dir, info.file), littleEndianBytes(arrays[name]));
  }
  await writeAtomically(join(dir, manifest.idsFile), JSON.stringify(arrays.ids));
  await writeAtomically(join(dir, manifest.spaceGroupStatsFile), JSON.stringify(stats, null, 1));
  await writeAtomically(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, fields: FIELDS }, null, 2));
}

export function datasetFields(): DatasetManifest['fields'] {
  return FIELDS;
}

/**
 * Load a prepared dataset (or one split of it) as typed arrays. Sizes are checked against the manifest, and any
 * mismatch is an error naming the file.
 */
export async function loadDataset(dir: string, options: { split?: SplitName | 'all' } = {}): Promise<LoadedDataset> {
  const split = options.split ?? 'all';
  const manifestPath = join(dir, 'manifest.json');
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as DatasetManifest;
  } catch (error) {
    throw new Error(await unreadableDatasetMessage(dir, manifestPath, error as NodeJS.ErrnoException));
  }
  if (manifest.format !== DATASET_FORMAT) throw new Error(`${manifestPath}: not a ${DATASET_FORMAT} manifest (format '${String(manifest.format)}')`);
  if (manifest.version !== DATASET_VERSION) throw new Error(`${manifestPath}: dataset version ${manifest.version} is not supported (expected ${DATASET_VERSION})`);
  const total = manifest.counts.kept;
  const range = split === 'all' ? { offset: 0, count: total } : manifest.splits[split];
  const read = async (name: keyof typeof FIELDS): Promise<Int32Array | Float32Array> => {
    const info = manifest.fields[name];
    const path = join(dir, info.file);
    const bytes = await readFile(path);
    const perRow = info.rowShape.reduce((a, b) => a * b, 1);
    if (bytes.byteLength !== total * perRow * 4) {
      throw new Error(`${path}: expected ${total * perRow * 4} bytes for ${total} rows, found ${bytes.byteLength}`);
    }
    // Copy into an aligned buffer (Buffers from the pool can start at any offset), keeping only the split's rows.
    const start = range.offset * perRow * 4;
    const slice = bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + range.count * perRow * 4);
    return info.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
  };
  const ids = JSON.parse(await readFile(join(dir, manifest.idsFile), 'utf8')) as string[];
  if (ids.length !== total) throw new Error(`${join(dir, manifest.idsFile)}: expected ${total} ids, found ${ids.length}`);
  const spaceGroupStats = JSON.parse(await readFile(join(dir, manifest.spaceGroupStatsFile), 'utf8')) as SpaceGroupStats;
  return {
    manifest,
    split,
    spaceGroupStats,
    count: range.count,
    spaceGroup: (await read('spaceGroup')) as Int32Array,
    numSites: (await read('numSites')) as Int32Array,
    wyckoff: (await read('wyckoff')) as Int32Array,
    atoms: (await read('atoms')) as Int32Array,
    coords: (await read('coords')) as Float32Array,
    lattice: (await read('lattice')) as Float32Array,
    ids: ids.slice(range.offset, range.offset + range.count),
  };
}

/**
 * Why `dir` is not a dataset, in words a user can act on: the folder is missing, is a folder of structure files that
 * still needs preparing, or has no dataset in it — rather than the system's "ENOENT … manifest.json".
 */
async function unreadableDatasetMessage(dir: string, manifestPath: string, error: NodeJS.ErrnoException): Promise<string> {
  if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') return `${manifestPath}: cannot read the dataset manifest: ${error.message}`;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (dirError) {
    const code = (dirError as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `${dir} is a file, not a prepared dataset folder`;
    return `${dir}: no such folder (a prepared dataset is a folder written by \`cfstudio data prepare\` or the Training view's "Prepare dataset")`;
  }
  const structureFiles = entries.filter((name) => /\.(cif|mcif|vasp|poscar)$/i.test(name) || /^(poscar|contcar)/i.test(name)).length;
  if (structureFiles > 0) {
    return `${dir} holds ${structureFiles} structure file${structureFiles === 1 ? '' : 's'} but is not a prepared dataset (no manifest.json): prepare it first (\`cfstudio data prepare\` or the Training view's "Prepare dataset")`;
  }
  return `${dir} is not a prepared dataset (no manifest.json): prepare one with \`cfstudio data prepare\` or the Training view's "Prepare dataset"`;
}
