/** What a generation run wrote to its folder, and temporary folders for such runs, for the generation tests. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The samples.jsonl lines and each CIF file's text, by name. */
export function writtenSamples(dir: string): { lines: string[]; cifs: Record<string, string> } {
  const lines = readFileSync(join(dir, 'samples.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  const cifs: Record<string, string> = {};
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cif'))) cifs[name] = readFileSync(join(dir, name), 'utf8');
  return { lines, cifs };
}

/** Fresh temporary folders, all removed by `removeAll` (call it in afterAll). */
export function temporaryFolders(prefix: string): { fresh: (label?: string) => string; removeAll: () => void } {
  const dirs: string[] = [];
  return {
    fresh: (label = '') => {
      const dir = mkdtempSync(join(tmpdir(), `${prefix}${label}-`));
      dirs.push(dir);
      return dir;
    },
    removeAll: () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
