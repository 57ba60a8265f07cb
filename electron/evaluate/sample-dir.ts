/**
 * Reading a directory of generated crystals: every `*.cif` in it (sorted by name), plus `samples.jsonl` when
 * present — one JSON object per line with at least `{"file": "000001.cif", "spaceGroupRequested": 225}` — for
 * the space group each crystal was sampled in.
 *
 * Without a samples.jsonl entry, the requested group is the one the CIF declares (`_space_group_IT_number` or
 * `_symmetry_Int_Tables_number`) when it is above 1: a CIF written in P1 declares 1 whatever was requested, so
 * a declared 1 is taken as unknown.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCifStructure } from '../../shared/io/cif.ts';
import type { EvaluationItem } from './evaluate.ts';

export interface UnreadableSample {
  file: string;
  error: string;
}

export interface SampleDirectory {
  items: EvaluationItem[];
  /** CIF files that could not be read (each message names the file and line). */
  unreadable: UnreadableSample[];
  /** Problems that did not stop the run (samples.jsonl entries without a file, …). */
  warnings: string[];
  /** Whether samples.jsonl was present. */
  hasSamplesFile: boolean;
}

export class SampleDirectoryError extends Error {
  override name = 'SampleDirectoryError';
}

interface SampleLine {
  file: string;
  spaceGroupRequested?: number;
}

/** Parse samples.jsonl text; a malformed line is an error naming the file and line. */
export function parseSamplesJsonl(text: string, fileName: string): SampleLine[] {
  const lines: SampleLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${fileName}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new SampleDirectoryError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SampleDirectoryError(`${where}: expected a JSON object`);
    const record = value as Record<string, unknown>;
    if (typeof record.file !== 'string' || record.file === '') throw new SampleDirectoryError(`${where}: field "file" must be a non-empty string`);
    const requested = record.spaceGroupRequested;
    if (requested !== undefined && requested !== null && !(Number.isInteger(requested) && (requested as number) >= 1 && (requested as number) <= 230)) {
      throw new SampleDirectoryError(`${where}: field "spaceGroupRequested" must be an integer 1…230, got ${JSON.stringify(requested)}`);
    }
    lines.push({ file: record.file, ...(typeof requested === 'number' ? { spaceGroupRequested: requested } : {}) });
  });
  return lines;
}

export async function readSampleDirectory(dir: string): Promise<SampleDirectory> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SampleDirectoryError(`${dir}: no such directory`);
    if (code === 'ENOTDIR') throw new SampleDirectoryError(`${dir}: not a directory`);
    throw new SampleDirectoryError(`${dir}: cannot read (${(error as Error).message})`);
  }
  const cifs = names.filter((name) => name.toLowerCase().endsWith('.cif')).sort();
  if (cifs.length === 0) throw new SampleDirectoryError(`${dir}: no .cif files`);
  const warnings: string[] = [];
  const requestedByFile = new Map<string, number>();
  const hasSamplesFile = names.includes('samples.jsonl');
  if (hasSamplesFile) {
    const path = join(dir, 'samples.jsonl');
    const lines = parseSamplesJsonl(await readFile(path, 'utf8'), path);
    const present = new Set(cifs);
    let missing = 0;
    for (const line of lines) {
      if (!present.has(line.file)) missing++;
      if (line.spaceGroupRequested !== undefined) requestedByFile.set(line.file, line.spaceGroupRequested);
    }
    if (missing > 0) warnings.push(`${path}: ${missing} line(s) name a file that is not in the directory`);
  }
  const items: EvaluationItem[] = [];
  const unreadable: UnreadableSample[] = [];
  for (const name of cifs) {
    const path = join(dir, name);
    try {
      const cif = readCifStructure(await readFile(path, 'utf8'), { fileName: path });
      const declared = cif.declaredSpaceGroup.number;
      const requested = requestedByFile.get(name) ?? (declared !== undefined && declared > 1 ? declared : undefined);
      items.push({ name, structure: cif.structure, ...(requested !== undefined ? { spaceGroupRequested: requested } : {}) });
    } catch (error) {
      unreadable.push({ file: name, error: ((error as Error)?.message ?? String(error)).split('\n')[0]! });
    }
  }
  return { items, unreadable, warnings, hasSamplesFile };
}
