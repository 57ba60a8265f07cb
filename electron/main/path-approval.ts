/**
 * Which file paths the desktop page may hand to the main process. The page is trusted less than the main process
 * (it renders library content, and a compromised page must not reach the rest of the disk): a path outside the
 * workspace is accepted only if the user chose it in a native dialog in this session. The main process records
 * every dialog answer here; job submissions, exports and `workspace.open` are checked against it.
 *
 * Pure Node (no `electron` import), so tests/main can check it without the Electron binary.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError } from '../../shared/api/contract.ts';
import { listJobPaths } from '../../shared/api/job-paths.ts';
import { isJobType, jobSpec } from '../../shared/api/jobs.ts';
import { quoteForMessage } from '../../shared/text/safe-text.ts';
import type { SubmitGrant } from '../host/supervisor.ts';
import { canonicalPath, isInside, isShippedModelName } from '../host/jobs/workspace-paths.ts';

function canonicalOrUndefined(path: string): string | undefined {
  try {
    return canonicalPath(path);
  } catch {
    return undefined;
  }
}

export class DialogApprovals {
  /** Canonical (symlink-resolved, absolute) paths the user chose in a dialog since the app started. */
  private readonly approved = new Set<string>();

  /** Records what a native open/save/folder dialog returned. */
  approve(paths: readonly string[]): void {
    for (const path of paths) {
      const canonical = canonicalOrUndefined(path);
      if (canonical) this.approved.add(canonical);
    }
  }

  isApproved(path: string): boolean {
    const canonical = canonicalOrUndefined(path);
    return canonical !== undefined && this.approved.has(canonical);
  }

  /**
   * Checks every path in a job's parameters: inside `workspace`, a shipped model's name, or chosen in a dialog.
   * Returns the dialog-chosen ones as the grant the engine host receives; throws an 'invalid-params' ApiError
   * naming the first field that holds anything else. Parameters that fail their schema are left to the supervisor.
   */
  grantFor(type: string, params: unknown, workspace: string): SubmitGrant {
    if (!isJobType(type)) return {};
    const spec = jobSpec(type);
    const parsed = spec.params.safeParse(params);
    if (!parsed.success) return {};
    const root = canonicalOrUndefined(workspace);
    const approvedPaths: string[] = [];
    for (const { field, path, kind } of listJobPaths(spec.params, parsed.data)) {
      if (kind === 'model-or-workspace-path' && isShippedModelName(path)) continue;
      // Relative paths are relative to the workspace, as the engine host reads them.
      const canonical = root ? canonicalOrUndefined(resolve(root, path)) : undefined;
      if (canonical && root && isInside(root, canonical)) continue;
      if (canonical && this.approved.has(canonical)) {
        approvedPaths.push(canonical);
        continue;
      }
      throw new ApiError('invalid-params', `${type}: params.${field}: ${quoteForMessage(path)} is outside the workspace and was not chosen in a file dialog`);
    }
    return approvedPaths.length ? { approvedPaths } : {};
  }

  /**
   * `workspace.open` from the page: a folder listed in the recent workspaces (the main process wrote that list), one
   * chosen in a dialog in this session, or one inside the current workspace — and it must exist.
   */
  workspaceOpenAllowed(path: string, current: string, recent: readonly string[]): boolean {
    const canonical = canonicalOrUndefined(path);
    if (!canonical || !existsSync(canonical) || !statSync(canonical).isDirectory()) return false;
    if (this.approved.has(canonical)) return true;
    if (recent.some((r) => canonicalOrUndefined(r) === canonical)) return true;
    const root = canonicalOrUndefined(current);
    return root !== undefined && isInside(root, canonical);
  }
}
