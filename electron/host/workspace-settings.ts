/**
 * Per-workspace settings the app changes and the engine host reads: `<workspace>/settings.json`. Today one field,
 * `providers` ('auto' or an ordered list such as 'webgpu,cpu', with --providers' meaning), read by the host at the
 * start of every job, so a change applies to new jobs without restarting anything.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProviderRequest, parseProviderRequest } from '../engine/providers.ts';

export interface WorkspaceSettings {
  providers?: string;
}

export function workspaceSettingsPath(workspace: string): string {
  return join(workspace, 'settings.json');
}

/** The stored settings; a missing file is empty, and a damaged field is dropped (never a crash mid-job). */
export function readWorkspaceSettings(workspace: string): WorkspaceSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(workspaceSettingsPath(workspace), 'utf8'));
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null || !('providers' in raw) || typeof raw.providers !== 'string') return {};
  try {
    return { providers: formatProviderRequest(parseProviderRequest(raw.providers, 'providers')) };
  } catch {
    return {};
  }
}

/** Validates `providers` with the CLI's parser (throws its one-line error) and stores it in canonical form. */
export function writeProvidersPreference(workspace: string, providers: string): string {
  const canonical = formatProviderRequest(parseProviderRequest(providers, 'providers'));
  const file = workspaceSettingsPath(workspace);
  let current: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) current = parsed as Record<string, unknown>;
  } catch {
    // no file yet, or a damaged one we replace
  }
  mkdirSync(workspace, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ ...current, providers: canonical }, null, 2) + '\n');
  renameSync(temp, file);
  return canonical;
}
