/**
 * What this installation offers and would do: versions, the onnxruntime build and its execution providers (usable or
 * why not, and which one each workload would run on), the workspace, the models found and the browser tests'
 * Chromium. Gathered once here for `cfstudio doctor` and the app's Settings view (api 'settings.providers').
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { modelsDir } from '../engine/model/files.ts';
import { GPU_WORKLOADS, WORKLOADS, formatProviderRequest, parseProviderRequest, resolveProviderPlan, type ProviderRequest, type ProviderStatus, type Workload } from '../engine/providers.ts';
import { ProbeCache } from '../engine/provider-probe.ts';
import { onnxruntimeVersion, probeCachePath, providerFacts, providerRequest } from '../engine/runtime.ts';
import { defaultDataRoot } from '../predictors/properties.ts';
import { defaultWorkspace } from './workspace.ts';
import { readWorkspaceSettings } from './workspace-settings.ts';
import type { ProviderDiagnostics } from '../../shared/api/contract.ts';

export interface DoctorModel {
  name: string;
  /** generator (CrystalFormer), potential, predictor, or unknown (a folder whose card we cannot read). */
  kind: 'generator' | 'potential' | 'predictor' | 'unknown';
  /** Bytes on disk (all files of the folder). */
  bytes: number;
  detail: string;
}

export interface DoctorReport {
  node: string;
  electron: { installed: string | null; note: string };
  platform: string;
  onnxruntime: { version: string; package: string; backends: { name: string; bundled: boolean }[] };
  providers: {
    request: string;
    statuses: ProviderStatus[];
    workloads: Record<Workload, { provider: string; order: string[]; reason: string; probed: boolean }>;
    probeCache: string;
  };
  workspace: { path: string; exists: boolean; writable: boolean; reason?: string };
  models: { dir: string; found: DoctorModel[] };
  potential: string[];
  predictors: string[];
  data: { dir: string; present: boolean };
  chromium: { path: string; present: boolean; source: 'CFSTUDIO_CHROMIUM' | 'default' };
}

const requireFromHere = createRequire(import.meta.url);

function installedVersion(pkg: string): string | null {
  try {
    return (JSON.parse(readFileSync(requireFromHere.resolve(`${pkg}/package.json`), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

function describeModel(dir: string, name: string): DoctorModel {
  const bytes = folderBytes(dir);
  let card: Record<string, unknown>;
  try {
    card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    return { name, kind: 'unknown', bytes, detail: `model.json unreadable: ${(error as Error).message}` };
  }
  const parameters = typeof card.parameterCount === 'number' ? `${card.parameterCount.toLocaleString('en-US')} parameters` : 'parameters unknown';
  switch (card.format) {
    case 'cfstudio-model':
      return { name, kind: 'generator', bytes, detail: parameters };
    case 'cfstudio-potential':
      return { name, kind: 'potential', bytes, detail: `${typeof card.architecture === 'string' ? card.architecture : 'potential'}, ${parameters}` };
    case 'cfstudio-predictor':
      return { name, kind: 'predictor', bytes, detail: `${typeof card.property === 'string' ? card.property : '?'}${typeof card.unit === 'string' && card.unit !== '' ? ` (${card.unit})` : ''}, ${parameters}` };
    default:
      return { name, kind: 'unknown', bytes, detail: `format ${JSON.stringify(card.format ?? null)}` };
  }
}

/** A provider that starts but failed or lost its probes says so next to "bundled"/"installed". */
function withProbeNote(status: ProviderStatus, cache: ProbeCache, version: string): ProviderStatus {
  if (status.provider === 'cpu' || !status.usable) return status;
  const notes = GPU_WORKLOADS.flatMap((w) => {
    const verdict = cache.get(version, status.provider, w);
    if (!verdict) return [];
    return [verdict.usable ? `${w} ${(verdict.providerSeconds * 1000).toPrecision(3)} ms vs cpu ${(verdict.cpuSeconds * 1000).toPrecision(3)} ms` : `${w} unusable`];
  });
  const reasons = [...new Set(GPU_WORKLOADS.flatMap((w) => { const v = cache.get(version, status.provider, w); return v && !v.usable ? [v.reason] : []; }))];
  if (notes.length === 0) return { ...status, reason: `${status.reason}; not probed yet` };
  // Failing every probe (no adapter, a driver error) means it cannot be used here, whatever the build offers.
  const usable = reasons.length === 0 || notes.some((n) => !n.endsWith(' unusable'));
  return { ...status, usable, reason: `${status.reason}; probe: ${notes.join(', ')}${reasons.length ? ` (${reasons.join('; ')})` : ''}` };
}

function workspaceState(path: string): DoctorReport['workspace'] {
  if (!existsSync(path)) return { path, exists: false, writable: false, reason: 'does not exist yet (created on first use)' };
  try {
    accessSync(path, constants.W_OK);
    return { path, exists: true, writable: true };
  } catch (error) {
    return { path, exists: true, writable: false, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}

export interface DiagnosticsOptions {
  /** The provider choice to describe (default: this process's CFSTUDIO_PROVIDERS). */
  request?: ProviderRequest;
  /** The probe cache to read (default: this process's, see probeCachePath). */
  probeCacheFile?: string;
}

/** The facts `cfstudio doctor` prints and the app's Settings view shows. Reads files only; never probes. */
export function collectDoctorReport(workspaceDir?: string, options: DiagnosticsOptions = {}): DoctorReport {
  const request = options.request ?? providerRequest();
  const cacheFile = options.probeCacheFile ?? probeCachePath();
  const cache = new ProbeCache(cacheFile);
  const version = onnxruntimeVersion();
  // The same resolution as currentProviderPlan, but for a given choice and workspace rather than this process's.
  const plan = resolveProviderPlan(providerFacts(), request, (provider, workload) => cache.get(version, provider, workload));
  const workloads = Object.fromEntries(
    WORKLOADS.map((w) => {
      const p = plan.workloads[w];
      const probed = GPU_WORKLOADS.includes(w) && plan.providers.some((s) => s.provider !== 'cpu' && cache.get(version, s.provider, w) !== undefined);
      return [w, { provider: p.order[0]!, order: p.order, reason: p.probeNeeded.length ? `${p.reason}; not yet probed: ${p.probeNeeded.join(', ')} (measured on first use)` : p.reason, probed }];
    }),
  ) as DoctorReport['providers']['workloads'];
  const dir = modelsDir();
  const found = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'model.json')))
        .map((e) => describeModel(join(dir, e.name), e.name))
        .sort((a, b) => a.name.localeCompare(b.name))
    : [];
  const chromiumPath = process.env.CFSTUDIO_CHROMIUM || '/usr/bin/chromium';
  const workspace = workspaceDir ?? resolve(process.env.CFSTUDIO_WORKSPACE || defaultWorkspace());
  const data = defaultDataRoot();
  return {
    node: process.versions.node,
    electron: { installed: installedVersion('electron'), note: 'the installed electron package; the app is not started by doctor' },
    platform: `${process.platform}/${process.arch}`,
    onnxruntime: { version, package: installedVersion('onnxruntime-node') ?? 'unknown', backends: providerFacts().backends.map((b) => ({ name: b.name, bundled: b.bundled })) },
    providers: { request: formatProviderRequest(request), statuses: plan.providers.map((s) => withProbeNote(s, cache, version)), workloads, probeCache: cacheFile },
    workspace: workspaceState(workspace),
    models: { dir, found },
    potential: found.filter((m) => m.kind === 'potential').map((m) => m.name),
    predictors: found.filter((m) => m.kind === 'predictor').map((m) => `${m.name}: ${m.detail.split(',')[0]}`),
    data: { dir: data, present: existsSync(join(data, 'properties')) },
    chromium: { path: chromiumPath, present: existsSync(chromiumPath), source: process.env.CFSTUDIO_CHROMIUM ? 'CFSTUDIO_CHROMIUM' : 'default' },
  };
}

/**
 * The provider part of the report for a workspace as its engine host sees it: the workspace's stored preference
 * (else what the host is started with), its probe cache, this onnxruntime build.
 */
export function providerDiagnostics(workspace: string, launchProviders: string | undefined): ProviderDiagnostics {
  const stored = readWorkspaceSettings(workspace).providers;
  let request: ProviderRequest;
  try {
    request = parseProviderRequest(stored ?? launchProviders, 'providers');
  } catch {
    request = { mode: 'auto' };
  }
  const report = collectDoctorReport(workspace, { request, probeCacheFile: join(workspace, 'providers.json') });
  return {
    onnxruntime: report.onnxruntime,
    preference: report.providers.request,
    preferenceSource: stored === undefined ? 'host' : 'workspace',
    statuses: report.providers.statuses.map((s) => ({ provider: s.provider, usable: s.usable, reason: s.reason })),
    workloads: WORKLOADS.map((workload) => ({ workload, ...report.providers.workloads[workload] })),
    probeCache: report.providers.probeCache,
  };
}
