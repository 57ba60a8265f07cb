import { isAbsolute, relative, resolve } from 'node:path';

/**
 * A path from job params resolved against the workspace (relative paths are relative to it); refuses one that
 * leads outside, naming the field, so a job cannot read or write elsewhere on the machine.
 */
export function pathInWorkspace(workspace: string, path: string, field: string): string {
  const root = resolve(workspace);
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${field}: '${path}' is outside the workspace (${root})`);
  return full;
}
