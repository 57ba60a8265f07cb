/** Streaming reader of dataset CSVs (plain or gzip) with a `cif` column, one record at a time. */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { UserError } from '../../shared/errors.ts';

export interface CsvRecord {
  file: string;
  /** Line of the record's first line in the (decompressed) file, 1-based. */
  line: number;
  id: string;
  cif: string;
}

const ID_COLUMNS = ['material_id', 'mat_id', 'id'];

/** True when the file starts with the gzip magic bytes (1f 8b), whatever its name. */
export async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Total size on disk of the inputs (for progress as a fraction of bytes read). */
export async function totalBytes(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const file of files) total += (await stat(file)).size;
  return total;
}

/**
 * Yields every record of every file in order. `onBytes` receives the number of raw (possibly compressed) bytes
 * read so far, summed over files. A missing `cif` column or malformed CSV is a UserError naming file and line.
 */
export async function* readCsvRecords(files: readonly string[], onBytes: (bytes: number) => void = () => {}): AsyncGenerator<CsvRecord> {
  let bytesBefore = 0;
  for (const file of files) {
    let fileBytes = 0;
    const gzip = await isGzip(file);
    const raw = createReadStream(file);
    const source = gzip ? raw.pipe(createGunzip()) : raw;
    // Count bytes as they pass (a 'data' listener before pipe() would start the flow early and lose data).
    raw.prependListener('data', (chunk) => {
      fileBytes += chunk.length;
      onBytes(bytesBefore + fileBytes);
    });
    const parser = parse({ columns: true, bom: true, info: true, skip_empty_lines: true });
    source.on('error', (error: Error) => parser.destroy(new UserError(`${file}: cannot read: ${error.message}`)));
    source.pipe(parser);
    let recordNumber = 0;
    try {
      for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; records: number } }>) {
        const { record, info } = item;
        recordNumber++;
        if (recordNumber === 1 && !('cif' in record)) {
          throw new UserError(`${file}: no 'cif' column (columns: ${Object.keys(record).join(', ')})`);
        }
        const idColumn = ID_COLUMNS.find((name) => record[name]);
        const id = idColumn ? record[idColumn]! : `${basename(file)}#${recordNumber}`;
        // info.lines is the line where the record ends; a CIF field spans many lines, so count back.
        const cif = record.cif ?? '';
        const firstLine = info.lines - Object.values(record).reduce((n, value) => n + countNewlines(value), 0);
        yield { file, line: Math.max(2, firstLine), id, cif };
      }
    } catch (error) {
      if (error instanceof UserError) throw error;
      const e = error as Error & { lines?: number; code?: string };
      throw new UserError(`${file}${e.lines ? `:${e.lines}` : ''}: malformed CSV: ${e.message}`);
    }
    bytesBefore += fileBytes;
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
