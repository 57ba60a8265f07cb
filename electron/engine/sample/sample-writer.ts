/**
 * A generation folder: NNNNNN.cif files plus samples.jsonl, one line per sample. Every sample is written as soon as it
 * exists, so a crash after 900 samples keeps 900.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuiltSample, buildSample } from './build.ts';
import type { SampledCrystal } from './sampler.ts';
import { EVALUATION_SYMPREC } from '../../../shared/symmetry/tolerance.ts';

/** Appends samples to a folder: NNNNNN.cif files plus samples.jsonl. Continues numbering in an existing folder. */
export class SampleWriter {
  private next: number;
  readonly jsonl: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.jsonl = join(dir, 'samples.jsonl');
    this.next = existsSync(this.jsonl) ? readFileSync(this.jsonl, 'utf8').split('\n').filter((l) => l.trim() !== '').length + 1 : 1;
    if (!existsSync(this.jsonl)) writeFileSync(this.jsonl, '');
  }

  write(sample: SampledCrystal, symprec = EVALUATION_SYMPREC): BuiltSample {
    return this.save(buildSample(sample, this.reserveIndex(), symprec));
  }

  /** The index the next sample gets (for building it elsewhere, see build-pool.ts); save in the same order. */
  reserveIndex(): number {
    return this.reserveIndices(1);
  }

  /** Reserve `count` consecutive indices at once (for building them elsewhere, see pipelines.ts); returns the first. */
  reserveIndices(count: number): number {
    const first = this.next;
    this.next += count;
    return first;
  }

  /** Write a sample built with an index from `reserveIndex`. */
  save(built: BuiltSample): BuiltSample {
    writeCifFile(this.dir, built);
    // The JSON line goes last: a line present means its CIF is complete on disk.
    appendFileSync(this.jsonl, JSON.stringify(built.record) + '\n');
    return built;
  }

  /**
   * Append the samples.jsonl lines of samples whose CIF files are already on disk (writeCifFile, called where they
   * were built: pipelines.ts), in one write. The caller keeps the order of the indices.
   */
  appendRecords(built: readonly BuiltSample[]): void {
    if (built.length > 0) appendFileSync(this.jsonl, built.map((b) => JSON.stringify(b.record) + '\n').join(''));
  }
}

/** Write a built sample's CIF as `dir/NNNNNN.cif` (its index) and name the file in its record; no CIF, no file. */
export function writeCifFile(dir: string, built: BuiltSample): void {
  if (!built.cif) return;
  built.record.file = `${String(built.record.index).padStart(6, '0')}.cif`;
  writeFileSync(join(dir, built.record.file), built.cif);
}
