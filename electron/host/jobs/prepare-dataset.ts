/**
 * Job 'prepare-dataset': what `cfstudio data prepare` does (electron/data/prepare.ts), for the structures a scientist
 * has at hand — every CIF/POSCAR file directly in a workspace folder, or library rows — so that a 'train' job can
 * fine-tune on them. A structure that cannot be used (unreadable file, disorder, unknown element, more than 20
 * Wyckoff sites, duplicate) is listed by its file (and data block) or library row with the reason; the job fails
 * only when nothing usable is left, and then its message names the files and reasons.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetSkip } from '../../../shared/api/jobs.ts';
import { formatFromFileName, readCifStructures, readPoscar, writeCifP1 } from '../../../shared/io/index.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { prepareDataset, type PrepareRecord } from '../../data/prepare.ts';
import { workspaceLibrary } from './library-handle.ts';
import { readSourceText } from './read-sources.ts';
import type { JobRunner } from './types.ts';

/** Above this many structures the symmetry analysis runs in two worker threads; below, thread start-up costs more. */
const WORKER_THRESHOLD = 256;

/** Structure files directly in `folder`, by name (sorted, so the dataset does not depend on directory order). */
export async function structureFilesIn(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`source.folder: ${folder} does not exist`);
    if (code === 'ENOTDIR') throw new Error(`source.folder: ${folder} is a file, not a folder of CIF/POSCAR files`);
    throw new Error(`source.folder: ${folder}: ${(error as Error).message}`);
  }
  const files: string[] = [];
  for (const name of names.sort()) {
    if (formatFromFileName(name) === undefined) continue;
    if ((await stat(join(folder, name))).isFile()) files.push(name);
  }
  return files;
}

export const prepareDatasetJob: JobRunner<'prepare-dataset'> = async (params, context) => {
  await initSymmetry(); // CIFs that give only a symbol are expanded with the group's operations
  const outDir = params.out;
  if (existsSync(join(outDir, 'manifest.json'))) throw new Error(`out: ${outDir} already holds a prepared dataset; choose a new folder`);
  const outExisted = existsSync(outDir);
  const skipped: DatasetSkip[] = [];
  const records: PrepareRecord[] = [];
  const skip = (source: string, reason: string, message: string) => skipped.push({ source, reason, message });

  if ('folder' in params.source) {
    const folder = params.source.folder;
    const files = await structureFilesIn(folder);
    if (files.length === 0) throw new Error(`source.folder: ${folder} holds no structure files (*.cif, *.vasp, POSCAR*, CONTCAR*)`);
    for (const [i, name] of files.entries()) {
      context.signal.throwIfAborted();
      context.progress({ done: i, total: files.length, message: `reading ${name}` });
      let text: string;
      try {
        text = await readSourceText({ path: join(folder, name) });
      } catch (error) {
        skip(name, 'parse error', stripSource((error as Error).message, join(folder, name)));
        continue;
      }
      records.push(...recordsOfFile(name, text, skip));
    }
  } else {
    const library = workspaceLibrary(context.workspace);
    const selection = params.source.library;
    const ids = 'ids' in selection ? selection.ids : library.selectIds(selection.query);
    if (ids.length === 0) throw new Error('source.library: the selection holds no library rows');
    for (const id of ids) {
      const row = library.getStructure(id);
      if (!row) skip(`library #${id}`, 'parse error', 'no structure with this id in the library');
      else records.push({ id: `library-${id}`, cif: row.cif, where: `library #${id}` });
    }
  }

  const unreadable = skipped.length;
  context.progress({ done: 0, total: records.length, message: `analysing the symmetry of ${records.length} structure${records.length === 1 ? '' : 's'}` });
  const whereOf = new Map(records.map((r) => [r.id, r.where]));
  const manifest = await prepareDataset({
    inputs: ['folder' in params.source ? params.source.folder : 'library'],
    records: iterate(records, context.signal),
    outDir,
    valFraction: params.valFraction,
    symprec: params.symprec,
    workers: records.length > WORKER_THRESHOLD ? 2 : 0,
    onSkip: (row) => {
      const where = whereOf.get(row.id) ?? row.id;
      // convertRow prefixes its message with `where (id): `; the source is named in its own field here.
      const prefix = `${where} (${row.id}): `;
      skip(where, row.reason, stripSource(row.message.startsWith(prefix) ? row.message.slice(prefix.length) : row.message, row.id));
    },
  }).catch((error: unknown) => {
    if (manifestEmpty(error)) throw new Error(nothingUsable(skipped));
    throw error;
  });
  if (manifest.counts.kept === 0) {
    // An empty dataset is of no use and would block the folder name for the next try.
    if (!outExisted) await rm(outDir, { recursive: true, force: true });
    throw new Error(nothingUsable(skipped));
  }
  context.progress({ done: records.length, total: records.length, message: `${manifest.counts.train} training and ${manifest.counts.val} validation structures` });
  return { outDir, structures: records.length + unreadable, train: manifest.counts.train, val: manifest.counts.val, skipped };
};

/** The records of one file: each CIF data block with atom sites (a file of one block as it is), or the POSCAR. */
function recordsOfFile(name: string, text: string, skip: (source: string, reason: string, message: string) => void): PrepareRecord[] {
  const format = formatFromFileName(name);
  try {
    if (format === 'cif') {
      const blocks = readCifStructures(text, { fileName: name });
      if (blocks.length === 0) {
        skip(name, 'parse error', 'no data block with atom sites');
        return [];
      }
      // A single block goes as written (the dataset reader reports its own problems); several are split.
      if (blocks.length === 1) return [{ id: name, cif: text, where: name }];
      return blocks.map((block) => ({ id: `${name}#${block.name}`, cif: writeCifP1(block.structure, { dataName: block.name }), where: `${name} (data_${block.name})` }));
    }
    const poscar = readPoscar(text, { fileName: name });
    return [{ id: name, cif: writeCifP1(poscar.structure, { dataName: name.replace(/[^A-Za-z0-9_.-]/g, '_') }), where: name }];
  } catch (error) {
    const message = (error as Error).message;
    const reason = /partial occupancy/i.test(message) ? 'partial occupancy' : /element/i.test(message) ? 'unsupported element' : 'parse error';
    skip(name, reason, stripSource(message, name));
    return [];
  }
}

async function* iterate(records: readonly PrepareRecord[], signal: AbortSignal): AsyncIterable<PrepareRecord> {
  for (const record of records) {
    signal.throwIfAborted();
    yield record;
  }
}

/** 'a.cif:3: …' → 'line 3: …', 'a.cif: …' → '…' (the source is named in its own field). */
function stripSource(message: string, source: string): string {
  if (!message.startsWith(`${source}:`)) return message;
  const rest = message.slice(source.length + 1);
  const line = /^(\d+): /.exec(rest);
  return line ? `line ${line[1]}: ${rest.slice(line[0].length)}` : rest.trimStart();
}

function manifestEmpty(error: unknown): boolean {
  return error instanceof Error && /no rows|empty/i.test(error.message);
}

function nothingUsable(skipped: readonly DatasetSkip[]): string {
  const listed = skipped.slice(0, 5).map((s) => `${s.source}: ${s.reason} (${s.message.split('\n')[0]!.slice(0, 160)})`);
  return `no usable structure: ${listed.join('; ')}${skipped.length > 5 ? `; and ${skipped.length - 5} more` : ''}`;
}
