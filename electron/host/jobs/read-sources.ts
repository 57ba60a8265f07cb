import { readFile } from 'node:fs/promises';
import { sourceName, type StructureSource } from '../../../shared/api/jobs.ts';

/** The text of a structure source: read from disk for paths (errors name the file), as given for uploads. */
export async function readSourceText(source: StructureSource): Promise<string> {
  if ('text' in source) return source.text;
  try {
    return await readFile(source.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new Error(`${sourceName(source)}: ${reason}`);
  }
}

/** Lets queued messages (cancel) in between units of synchronous work, and stops if the job was cancelled. */
export async function checkpoint(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}
