/**
 * Global setup of the unit suite: tests (and the CLI processes they spawn) that name no workspace write into a
 * temporary one, not the developer's `~/.cfstudio/workspace` (the provider probe's cache landed there before).
 * Tests that need a particular workspace still pass `--workspace` or set CFSTUDIO_WORKSPACE themselves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  if (process.env.CFSTUDIO_WORKSPACE) return () => {};
  const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-test-workspace-'));
  process.env.CFSTUDIO_WORKSPACE = workspace;
  return () => rmSync(workspace, { recursive: true, force: true });
}
