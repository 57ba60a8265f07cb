/**
 * Dataset preparation (crystalformer.md §1.7): CSV rows with a `cif` column → symmetry analysis → tokens →
 * de-duplication → deterministic train/validation split → binary dataset (see dataset.ts).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { DEFAULT_SYMPREC } from '../../shared/symmetry/analyze.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { MAX_SITES } from '../../shared/tokens/index.ts';
import { type ConvertedRow, type RowInput, type RowResult, convertRow, dedupKey } from './convert.ts';
import { readCsvRecords, totalBytes } from './csv-source.ts';
import { DATASET_FORMAT, DATASET_VERSION, type DatasetManifest, SKIP_REASONS, type SkipReason, type SkippedExample, type SpaceGroupStats, type TokenArrays, datasetFields, writeDataset } from '../engine/train/dataset.ts';
import { packTokens } from '../engine/model/batch.ts';
import { ProgressBar, type ProgressSink } from './progress.ts';
import type { WorkerBatch, WorkerReply } from './worker.ts';

/** One structure to prepare when the input is not a CSV: a CIF text with an id (for the split) and where it came from. */
export interface PrepareRecord {
  id: string;
  cif: string;
  /** For messages, e.g. the file name and data block. */
  where: string;
}

export interface PrepareOptions {
  /** CSV files with a `cif` column (gzip or not). */
  inputs: string[];
  /** Structures given directly (a folder of CIF files, library rows) instead of `inputs`; `inputs` then only labels the manifest. */
  records?: AsyncIterable<PrepareRecord>;
  /** Told of every row left out, in input order (the manifest keeps only the first 20 examples per reason). */
  onSkip?: (row: { id: string; reason: SkipReason; message: string }) => void;
  outDir: string;
  /** Fraction of material ids that go to validation (by id hash). 0: all train; 1: all validation. */
  valFraction?: number;
  /** Worker threads for the symmetry analysis; 0 runs in this thread. */
  workers?: number;
  symprec?: number;
  batchSize?: number;
  progress?: ProgressSink;
}

/**
 * Validation membership from a hash of the id: the same id always lands in the same split, and adding rows never
 * moves existing ones (unlike a shuffled split).
 */
export function isValidationId(id: string, valFraction: number): boolean {
  if (valFraction <= 0) return false;
  if (valFraction >= 1) return true;
  const digest = createHash('sha256').update(id).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < valFraction;
}

interface Converter {
  convert(rows: RowInput[]): Promise<RowResult[]>;
  close(): Promise<void>;
}

function inProcessConverter(symprec: number): Converter {
  return {
    convert: (rows) =>
      new Promise((done) => {
        // Yield to the event loop between batches so the progress bar and stream keep moving.
        setImmediate(() => done(rows.map((row) => convertRow(row, symprec))));
      }),
    close: async () => {},
  };
}

async function workerPool(count: number, symprec: number): Promise<Converter> {
  const entry = new URL('./worker-entry.mjs', import.meta.url);
  const pending = new Map<number, { resolve: (r: RowResult[]) => void; reject: (e: Error) => void }>();
  const idle: Worker[] = [];
  const waiting: { batch: WorkerBatch }[] = [];
  let failure: Error | undefined;
  let nextBatchId = 0;
  const fail = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  const dispatch = () => {
    while (idle.length > 0 && waiting.length > 0) idle.pop()!.postMessage(waiting.shift()!.batch);
  };
  const workers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<Worker>((ready, reject) => {
        const worker = new Worker(entry, { workerData: { symprec } });
        worker.once('message', () => ready(worker)); // first message: initialised
        worker.once('error', reject);
      }),
    ),
  );
  for (const worker of workers) {
    worker.on('message', (reply: WorkerReply) => {
      const job = pending.get(reply.batchId);
      pending.delete(reply.batchId);
      idle.push(worker);
      dispatch();
      job?.resolve(reply.results);
    });
    worker.on('error', (error) => fail(new Error(`dataset worker failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`dataset worker exited with code ${code}`));
    });
    idle.push(worker);
  }
  return {
    convert: (rows) =>
      new Promise((resolveBatch, reject) => {
        if (failure) return reject(failure);
        const batch: WorkerBatch = { batchId: nextBatchId++, rows };
        pending.set(batch.batchId, { resolve: resolveBatch, reject });
        waiting.push({ batch });
        dispatch();
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function emptyCounts(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
}

export async function prepareDataset(options: PrepareOptions): Promise<DatasetManifest> {
  const valFraction = options.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction <= 1)) throw new Error(`valFraction must be in [0, 1], got ${valFraction}`);
  const symprec = options.symprec ?? DEFAULT_SYMPREC;
  const batchSize = options.batchSize ?? 32;
  const workerCount = options.workers ?? 2;
  const inputs = options.inputs.map((file) => resolve(file));
  await initSymmetry();
  const started = Date.now();
  const bytesTotal = options.records ? 0 : await totalBytes(inputs);
  let bytesRead = 0;
  const bar = options.progress ? new ProgressBar(options.progress, 'data prepare') : undefined;
  const converter = workerCount > 0 ? await workerPool(workerCount, symprec) : inProcessConverter(symprec);

  const results: RowResult[] = [];
  const rowsPerInput = new Map<string, number>(inputs.map((f) => [f, 0]));
  let processed = 0;
  let skippedSoFar = 0;
  const inFlight = new Set<Promise<void>>();
  const submit = (rows: RowInput[]) => {
    const job = converter.convert(rows).then((batchResults) => {
      for (const r of batchResults) {
        results.push(r);
        if (!r.ok) skippedSoFar++;
      }
      processed += batchResults.length;
      bar?.update(bytesTotal > 0 ? bytesRead / bytesTotal : 1, processed, skippedSoFar ? `(${skippedSoFar} skipped)` : '');
    });
    const tracked = job.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  try {
    let index = 0;
    let batch: RowInput[] = [];
    const records = options.records ?? csvRecords(inputs, rowsPerInput, (bytes) => (bytesRead = bytes));
    for await (const record of records) {
      batch.push({ index: index++, ...record });
      if (batch.length === batchSize) {
        submit(batch);
        batch = [];
        // Back-pressure: keep every worker busy with one batch queued behind it, no more.
        while (inFlight.size >= Math.max(2, 2 * workerCount)) await Promise.race(inFlight);
      }
    }
    if (batch.length > 0) submit(batch);
    while (inFlight.size > 0) await Promise.race(inFlight);
  } finally {
    await converter.close();
  }

  // Assemble in input order so the output does not depend on worker timing; the first of duplicates is kept.
  results.sort((p, q) => (p.ok ? p.row.index : p.skipped.index) - (q.ok ? q.row.index : q.skipped.index));
  const skipped = emptyCounts();
  const examples: SkippedExample[] = [];
  const note = (id: string, reason: SkipReason, message: string) => {
    skipped[reason]++;
    options.onSkip?.({ id, reason, message });
    if (examples.filter((e) => e.reason === reason).length < 20) examples.push({ id, reason, message });
  };
  const seen = new Map<string, string>();
  const train: ConvertedRow[] = [];
  const val: ConvertedRow[] = [];
  for (const result of results) {
    if (!result.ok) {
      note(result.skipped.id, result.skipped.reason, result.skipped.message);
      continue;
    }
    const key = dedupKey(result.row);
    const first = seen.get(key);
    if (first !== undefined) {
      note(result.row.id, 'duplicate', `same tokens as ${first}`);
      continue;
    }
    seen.set(key, result.row.id);
    (isValidationId(result.row.id, valFraction) ? val : train).push(result.row);
  }
  const rows = [...train, ...val];
  const stats: SpaceGroupStats = {
    train: new Array<number>(230).fill(0),
    val: new Array<number>(230).fill(0),
    symbols: Array.from({ length: 230 }, (_, i) => getSpaceGroup(i + 1).symbol),
  };
  for (const row of train) stats.train[row.spaceGroup - 1]!++;
  for (const row of val) stats.val[row.spaceGroup - 1]!++;
  const seconds = (Date.now() - started) / 1000;
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    createdAt: new Date().toISOString(),
    inputs: inputs.map((file) => ({ file, rows: rowsPerInput.get(file) ?? 0 })),
    options: {
      valFraction,
      symprec,
      maxSites: MAX_SITES,
      splitRule: 'validation if uint32(sha256(material id)[0..4]) / 2^32 < valFraction',
      dedupRule: 'identical (space group, W, Z, xyz rounded to 1e-3, lengths/N^(1/3) to 0.01 Å, angles to 0.1°); first row kept',
    },
    counts: { rows: results.length, kept: rows.length, train: train.length, val: val.length, skipped: results.length - rows.length },
    skipped,
    skippedExamples: examples,
    splits: { train: { offset: 0, count: train.length }, val: { offset: train.length, count: val.length } },
    fields: datasetFields(),
    idsFile: 'ids.json',
    spaceGroupStatsFile: 'spacegroups.json',
    timing: { seconds, rowsPerSecond: seconds > 0 ? results.length / seconds : 0, workers: workerCount },
  };
  bar?.finish(processed, `(${manifest.counts.skipped} skipped)`);
  await writeDataset(options.outDir, packRows(rows), manifest, stats);
  return manifest;
}

async function* csvRecords(inputs: string[], rowsPerInput: Map<string, number>, onBytes: (bytes: number) => void): AsyncIterable<PrepareRecord> {
  for await (const record of readCsvRecords(inputs, onBytes)) {
    rowsPerInput.set(record.file, (rowsPerInput.get(record.file) ?? 0) + 1);
    yield { id: record.id, cif: record.cif, where: `${record.file}:${record.line}` };
  }
}

function packRows(rows: readonly ConvertedRow[]): TokenArrays {
  return { ...packTokens(rows), ids: rows.map((r) => r.id) };
}
