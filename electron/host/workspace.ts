import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve, join } from 'node:path';

/** The default workspace: `~/.cfstudio/workspace`. */
export function defaultWorkspace(): string {
  return join(homedir(), '.cfstudio', 'workspace');
}

/**
 * The workspace directory, by precedence: an explicit `--workspace` value, then `CFSTUDIO_WORKSPACE`, then the
 * default. The directory (and its `jobs/` folder) is created if missing; the absolute path is returned.
 */
export function resolveWorkspace(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag || env.CFSTUDIO_WORKSPACE || defaultWorkspace();
  const absolute = resolve(chosen);
  try {
    mkdirSync(join(absolute, 'jobs'), { recursive: true });
  } catch (error) {
    throw new Error(`cannot use workspace ${absolute}: ${(error as Error).message}`);
  }
  return absolute;
}
