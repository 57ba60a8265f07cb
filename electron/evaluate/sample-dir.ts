/**
 * Reading a directory of generated crystals: every `*.cif` in it (sorted by name), plus `samples.jsonl` when
 * present — one JSON object per line with at least `{"file": "000001.cif", "spaceGroupRequested": 225}` — for
 * the space group each crystal was sampled in. A line with `"file": null` is a sample the sampler could not turn
 * into a structure (its `error` says why); such samples are counted, since the field counts a failed
 * construction as invalid.
 *
 * Without a samples.jsonl entry, the requested group is `_cfstudio_requested_space_group` when the CIF has it (a
 * generated crystal written in the higher group it was found to have), else the one the CIF declares
 * (`_space_group_IT_number` or `_symmetry_Int_Tables_number`) when it is above 1: a CIF written in P1 declares 1 whatever was requested, so
 * a declared 1 is taken as unknown.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCifStructure } from '../../shared/io/cif.ts';
import type { EvaluationItem, EvaluationReport } from './generation-metrics.ts';
import { runEachInput } from '../../shared/batch/each-input.ts';

export interface UnreadableSample {
  file: string;
  error: string;
}

export interface UnbuiltSample {
  /** Where it is listed, `samples.jsonl:LINE`. */
  where: string;
  spaceGroupRequested: number | null;
  error: string;
}

export interface SampleDirectory {
  items: EvaluationItem[];
  /** CIF files that could not be read (each message names the file and line). */
  unreadable: UnreadableSample[];
  /** samples.jsonl lines without a CIF (the sampler could not build the crystal). */
  unbuilt: UnbuiltSample[];
  /** Problems that did not stop the run (samples.jsonl entries without a file, …). */
  warnings: string[];
  /** Whether samples.jsonl was present. */
  hasSamplesFile: boolean;
}

export class SampleDirectoryError extends Error {
  override name = 'SampleDirectoryError';
}

export interface SampleLine {
  /** 1-based line number in samples.jsonl. */
  line: number;
  /** null: no structure was written for this sample. */
  file: string | null;
  spaceGroupRequested?: number;
  error?: string;
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
    if (record.file !== null && (typeof record.file !== 'string' || record.file === '')) {
      throw new SampleDirectoryError(`${where}: field "file" must be a file name or null, got ${JSON.stringify(record.file)}`);
    }
    const requested = record.spaceGroupRequested;
    if (requested !== undefined && requested !== null && !(Number.isInteger(requested) && (requested as number) >= 1 && (requested as number) <= 230)) {
      throw new SampleDirectoryError(`${where}: field "spaceGroupRequested" must be an integer 1…230, got ${JSON.stringify(requested)}`);
    }
    lines.push({
      line: index + 1,
      file: record.file as string | null,
      ...(typeof requested === 'number' ? { spaceGroupRequested: requested } : {}),
      // A crystal that was built but whose CIF would not read back has no file and says why in `cifSkipped`.
      ...(typeof record.error === 'string' ? { error: record.error } : typeof record.cifSkipped === 'string' ? { error: record.cifSkipped } : {}),
    });
  });
  return lines;
}

/**
 * Reads every CIF in `dir` (and samples.jsonl); a CIF that cannot be read is listed in `unreadable` and the rest are
 * still read, unless `strict` (the first unreadable CIF ends the read with a BatchInputError).
 */
export async function readSampleDirectory(dir: string, options: { strict?: boolean } = {}): Promise<SampleDirectory> {
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
  if (cifs.length === 0 && !names.includes('samples.jsonl')) throw new SampleDirectoryError(`${dir}: no .cif files`);
  const warnings: string[] = [];
  const requestedByFile = new Map<string, number>();
  const unbuilt: UnbuiltSample[] = [];
  const hasSamplesFile = names.includes('samples.jsonl');
  if (hasSamplesFile) {
    const path = join(dir, 'samples.jsonl');
    const lines = parseSamplesJsonl(await readFile(path, 'utf8'), path);
    const present = new Set(cifs);
    let missing = 0;
    for (const line of lines) {
      if (line.file === null) {
        unbuilt.push({ where: `${path}:${line.line}`, spaceGroupRequested: line.spaceGroupRequested ?? null, error: line.error ?? 'no structure was written' });
        continue;
      }
      if (!present.has(line.file)) missing++;
      if (line.spaceGroupRequested !== undefined) requestedByFile.set(line.file, line.spaceGroupRequested);
    }
    if (missing > 0) warnings.push(`${path}: ${missing} line(s) name a file that is not in the directory`);
  }
  const unreadable: UnreadableSample[] = [];
  const read = await runEachInput(
    cifs,
    async (name): Promise<EvaluationItem> => {
      const path = join(dir, name);
      const text = await readFile(path, 'utf8');
      if (text.includes('\0')) throw new Error(`${path}: binary file, not a CIF`);
      const cif = readCifStructure(text, { fileName: path });
      // Generated CIFs declare the group found when it is higher than the one requested, and name the requested one.
      const tagged = /^_cfstudio_requested_space_group\s+(\d+)\s*$/m.exec(text);
      const declared = tagged ? Number(tagged[1]) : cif.declaredSpaceGroup.number;
      const requested = requestedByFile.get(name) ?? (declared !== undefined && declared > 1 ? declared : undefined);
      return { name, structure: cif.structure, ...(requested !== undefined ? { spaceGroupRequested: requested } : {}) };
    },
    {
      name: (name) => join(dir, name),
      // Listed by file name in the directory; the reason names the full path (and line, from the reader).
      onFailure: (failure, name) => unreadable.push({ file: name, error: failure.error }),
      ...(options.strict ? { strict: true } : {}),
    },
  );
  return { items: read.succeeded.map((s) => s.value), unreadable, unbuilt, warnings, hasSamplesFile };
}

/**
 * What was read from `dir` for `report`, with the valid share over every sample: unreadable CIFs and samples the
 * sampler could not build count as invalid (the field counts a failed construction as invalid).
 */
export function sampleDirectoryInput(dir: string, samples: SampleDirectory, report: EvaluationReport): NonNullable<EvaluationReport['input']> {
  const allSamples = report.count + samples.unreadable.length + samples.unbuilt.length;
  return {
    directory: dir,
    cifFiles: samples.items.length + samples.unreadable.length,
    samplesFile: samples.hasSamplesFile,
    unreadable: samples.unreadable,
    unbuilt: samples.unbuilt,
    validOverAllSamples: { count: report.validity.valid.count, total: allSamples, rate: report.validity.valid.count / allSamples },
    warnings: samples.warnings,
  };
}
