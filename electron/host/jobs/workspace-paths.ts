/**
 * The one place where a file path from job parameters becomes a path the engine may touch. Every path field of
 * every job is marked in its schema (shared/api/job-paths.ts); `confineJobPaths` sends each one through
 * `pathInWorkspace`, which resolves symbolic links (a link inside the workspace cannot lead out) and refuses
 * anything outside the workspace, naming the field. The only exceptions are paths the desktop user chose in a
 * native dialog in this session (`approved`, passed along by the main process, never by the page) and shipped
 * models given by name.
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { mapJobPaths } from '../../../shared/api/job-paths.ts';
import { quoteForMessage } from '../../../shared/text/safe-text.ts';
import { modelsDir } from '../../engine/model/files.ts';
import { defaultPotentialDir } from '../../engine/potential/load.ts';

/**
 * The absolute path with every existing part's symbolic links resolved: the real path of the longest existing
 * prefix, followed by the parts that do not exist yet (an output folder about to be created). A dangling link is
 * refused — writing through it would create its target, wherever that is.
 */
export function canonicalPath(path: string): string {
  let existing = resolve(path);
  const missing: string[] = [];
  for (;;) {
    try {
      const real = realpathSync(existing);
      return missing.length ? join(real, ...missing) : real;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      let isLink = false;
      try {
        isLink = lstatSync(existing).isSymbolicLink();
      } catch {
        // Not there at all: an ordinary missing part.
      }
      if (isLink) throw new Error(`${quoteForMessage(existing)} is a symbolic link to something that does not exist`);
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      missing.unshift(basename(existing));
      existing = parent;
    }
  }
}

/** `path` is `root` or below it (both canonical). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * A path from job params resolved against the workspace (relative paths are relative to it), symbolic links
 * resolved; refuses one that leads outside, naming the field, so a job cannot read or write elsewhere on the
 * machine. `approved` lists paths the desktop user chose in a dialog (accepted as they are, exactly).
 */
export function pathInWorkspace(workspace: string, path: string, field: string, approved: readonly string[] = []): string {
  return confine(canonicalPath(workspace), path, field, approved.length ? new Set(approved.map(canonicalPath)) : NONE);
}

const NONE: ReadonlySet<string> = new Set();

/** `pathInWorkspace` with the workspace and the approved paths already canonical (once per job, not per path). */
function confine(root: string, path: string, field: string, approved: ReadonlySet<string>): string {
  if (path.includes('\0')) throw new Error(`${field}: ${quoteForMessage(path)} contains a NUL byte`);
  const full = canonicalPath(resolve(root, path));
  if (isInside(root, full)) return full;
  if (approved.has(full)) return full;
  throw new Error(`${field}: ${quoteForMessage(path)} is outside the workspace (${root})`);
}

/** A model name (letters, digits, . _ -; not '.' or '..') with a model card in models/. */
export function isShippedModelName(name: string): boolean {
  return /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/.test(name) && existsSync(join(modelsDir(), name, 'model.json'));
}

/** A folder a stored run may name as its model: a shipped model's folder or one inside the workspace. */
export function modelFolderAllowed(workspace: string, dir: string, field: string): string {
  const full = canonicalPath(resolve(canonicalPath(workspace), dir));
  if (isInside(canonicalPath(modelsDir()), full)) return full;
  return pathInWorkspace(workspace, dir, field);
}

/**
 * `params` (already parsed by `schema`) with every marked path confined to the workspace and made absolute and
 * real; throws on the first path that leads outside. `prefix` is put before field names in errors.
 */
export function confineJobPaths<T>(schema: z.ZodType, params: T, workspace: string, approved: readonly string[] = [], prefix = ''): T {
  const root = canonicalPath(workspace);
  const chosen = approved.length ? new Set(approved.map(canonicalPath)) : NONE;
  return mapJobPaths(schema, params, (path, kind, field) => {
    if (kind === 'model-or-workspace-path' && isShippedModelName(path)) return path;
    return confine(root, path, prefix + field, chosen);
  }) as T;
}

/**
 * The potential folder a job loads: a name in models/, or the folder given (already confined to the workspace by
 * the job's schema mark), or the shipped default.
 */
export function potentialDirForParams(potential: string | undefined): string {
  if (potential === undefined) return defaultPotentialDir();
  return isShippedModelName(potential) ? join(modelsDir(), potential) : potential;
}
