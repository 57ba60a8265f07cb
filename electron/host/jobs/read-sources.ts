import { readFile } from 'node:fs/promises';
import { sourceName, type StructureFile } from '../../../shared/api/jobs.ts';

/** The text of a structure source: read from disk for paths (errors name the file), as given for uploads. */
export async function readSourceText(source: StructureFile): Promise<string> {
  const text = 'text' in source ? source.text : await readPathSource(source.path, sourceName(source));
  // NUL never occurs in CIF or POSCAR text: say "binary" rather than let a parser guess at it.
  if (text.includes('\0')) throw new Error(`${sourceName(source)}: binary file, not a CIF or POSCAR text file`);
  return text;
}

async function readPathSource(path: string, name: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new Error(`${name}: ${reason}`);
  }
}

/** Lets queued messages (cancel) in between units of synchronous work, and stops if the job was cancelled. */
export async function checkpoint(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}
