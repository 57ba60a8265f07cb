/**
 * The one place that creates onnxruntime sessions. It picks an execution provider from a preference list (the
 * caller's, else the plan for the session's workload: providers.ts resolves the user's choice against what this
 * build and machine offer, and under 'auto' a cached probe (provider-probe.ts) decides whether a GPU pays off),
 * trying only those this build and platform can have and falling back to CPU when one fails; it records which
 * provider each workload ran on (per job with recordProviders), applies thread and graph-
 * optimisation settings, caches sessions by model content (or path) plus options, and logs one line saying which
 * provider runs. Also: small helpers to make `ort.Tensor`s from typed arrays with their shapes checked.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism, homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ProbeCache, probeProvider, type ProbeMeasure } from './provider-probe.ts';
import {
  GPU_WORKLOADS,
  PROVIDER_NAMES,
  onnxruntimeReason,
  parseProviderRequest,
  providerStatuses,
  resolveProviderPlan,
  type ExecutionProviderName,
  type ProviderFacts,
  type ProviderPlan,
  type ProviderRequest,
  type Workload,
} from './providers.ts';

export type { ExecutionProviderName, Workload } from './providers.ts';
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface CreateSessionOptions {
  /**
   * Execution providers in order of preference. Default: the plan for `workload` (providerPlanFor): the list in
   * CFSTUDIO_PROVIDERS (set by --providers and the app setting), or with 'auto'/unset a GPU provider only where
   * its probe beat CPU on this workload. CPU is always the last resort, whether listed or not.
   */
  providers?: readonly ExecutionProviderName[];
  /** What the session is for; picks the default providers and is recorded with the provider it ran on. Default 'inference'. */
  workload?: Workload;
  /** Threads used inside one operator (default: the number of cores). */
  intraOpNumThreads?: number;
  /** Threads running independent operators in parallel (default 1: our graphs are mostly sequential). */
  interOpNumThreads?: number;
  /** onnxruntime graph optimisation level (default 'all'). */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Reuse a session created earlier for the same model and options (default true). */
  cache?: boolean;
  /** Where the provider line goes (default: stderr). */
  log?: (line: string) => void;
  /** Further onnxruntime session options (e.g. freeDimensionOverrides); they take part in the cache key. */
  extra?: Omit<ort.InferenceSession.SessionOptions, 'executionProviders' | 'intraOpNumThreads' | 'interOpNumThreads' | 'graphOptimizationLevel'>;
}

export interface EngineSession {
  readonly session: ort.InferenceSession;
  /** The provider the session actually runs on. */
  readonly provider: ExecutionProviderName;
  /** Cache key: content hash (or path, size and mtime) plus the resolved options. */
  readonly key: string;
  /** A short name for messages: the file name, or `model <hash prefix>`. */
  readonly label: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Run the model; `fetches` limits which outputs are computed. Errors name the model. */
  run(feeds: Record<string, ort.Tensor>, fetches?: readonly string[]): Promise<Record<string, ort.Tensor>>;
  /** Free the native session and drop it from the cache. */
  release(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Provider availability

const requireFromHere = createRequire(import.meta.url);

/** Directory holding onnxruntime's native libraries for this platform (provider plug-ins live next to it). */
function nativeLibraryDir(): string {
  const packageDir = dirname(requireFromHere.resolve('onnxruntime-node/package.json'));
  return join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
}

function providerLibraryFile(provider: string): string {
  if (process.platform === 'win32') return `onnxruntime_providers_${provider}.dll`;
  if (process.platform === 'darwin') return `libonnxruntime_providers_${provider}.dylib`;
  return `libonnxruntime_providers_${provider}.so`;
}

/** Reasons providers failed earlier in this process, so we neither retry them nor repeat their native errors. */
const knownFailures = new Map<ExecutionProviderName, string>();

/** What this process's onnxruntime build offers, for the pure resolution in providers.ts. */
export function providerFacts(): ProviderFacts {
  return {
    backends: ort.listSupportedBackends(),
    pluginInstalled: (provider) => existsSync(join(nativeLibraryDir(), providerLibraryFile(provider))),
    pluginFile: providerLibraryFile,
    platform: process.platform,
    arch: process.arch,
    initFailures: knownFailures,
  };
}

/**
 * Whether `provider` can be attempted here: 'cpu' always; others only when this onnxruntime-node build lists them
 * for the platform, for plug-in providers that are not bundled (CUDA) when their library file is installed, and
 * when they have not failed to initialise in this process.
 */
export function providerAvailability(provider: ExecutionProviderName): { available: true } | { available: false; reason: string } {
  const status = providerStatuses(providerFacts()).find((s) => s.provider === provider);
  if (!status) return { available: false, reason: `unknown execution provider '${provider}'` };
  return status.usable ? { available: true } : { available: false, reason: status.reason };
}

/** Providers this process could try, in our canonical order (CPU last). */
export function availableProviders(): ExecutionProviderName[] {
  return PROVIDER_NAMES.filter((p) => providerAvailability(p).available);
}

/** The user's choice as this process sees it: CFSTUDIO_PROVIDERS (which --providers and the app setting set). */
export function providerRequest(): ProviderRequest {
  return parseProviderRequest(process.env.CFSTUDIO_PROVIDERS, 'CFSTUDIO_PROVIDERS');
}

let probeCacheFile: string | undefined;
let probeMeasure: ProbeMeasure | undefined;
let probeLog: ((line: string) => void) | undefined;
const probesInFlight = new Map<Workload, Promise<void>>();

/**
 * Where probe verdicts are kept: `providers.json` in the workspace (the engine host sets it; commands use
 * CFSTUDIO_WORKSPACE or ~/.cfstudio/workspace). `measure` replaces the probe measurement and `log` the stderr line
 * each probe writes (tests).
 */
export function configureProviderProbe(options: { workspace?: string; measure?: ProbeMeasure; log?: (line: string) => void }): void {
  if (options.workspace !== undefined) probeCacheFile = join(resolve(options.workspace), 'providers.json');
  if (options.measure !== undefined) probeMeasure = options.measure;
  if (options.log !== undefined) probeLog = options.log;
  probesInFlight.clear();
}

export function probeCachePath(): string {
  return probeCacheFile ?? join(resolve(process.env.CFSTUDIO_WORKSPACE || join(homedir(), '.cfstudio', 'workspace')), 'providers.json');
}

/** The current plan from the cached probes alone (no measuring): what `cfstudio doctor` shows. */
export function currentProviderPlan(request: ProviderRequest = providerRequest()): ProviderPlan {
  const cache = new ProbeCache(probeCachePath());
  const version = onnxruntimeVersion();
  return resolveProviderPlan(providerFacts(), request, (provider, workload) => cache.get(version, provider, workload));
}

/**
 * The plan for one workload, probing first (once per process and workload, verdicts cached in the workspace)
 * when the automatic choice has a usable GPU provider it has not measured on this workload.
 */
export async function providerPlanFor(workload: Workload): Promise<ProviderPlan['workloads'][Workload]> {
  const request = providerRequest();
  let plan = currentProviderPlan(request);
  if (plan.workloads[workload].probeNeeded.length > 0) {
    let pending = probesInFlight.get(workload);
    if (!pending) {
      // Probe lines go to stderr even when the caller silences its session line: they appear once per machine.
      pending = runProbes(workload, plan.workloads[workload].probeNeeded, probeLog ?? defaultLog);
      probesInFlight.set(workload, pending);
    }
    await pending;
    plan = currentProviderPlan(request);
  }
  return plan.workloads[workload];
}

async function runProbes(workload: Workload, providers: readonly ExecutionProviderName[], log: (line: string) => void): Promise<void> {
  const cache = new ProbeCache(probeCachePath());
  for (const provider of providers) {
    const outcome = await probeProvider({ provider, workload, onnxruntime: onnxruntimeVersion(), cache, ...(probeMeasure ? { measure: probeMeasure } : {}) });
    if (outcome.initFailed && !outcome.verdict.usable) knownFailures.set(provider, outcome.verdict.reason);
    const verdict = outcome.verdict.usable
      ? `${(outcome.verdict.providerSeconds * 1000).toPrecision(3)} ms vs cpu ${(outcome.verdict.cpuSeconds * 1000).toPrecision(3)} ms`
      : `unusable: ${outcome.verdict.reason}`;
    log(`[engine] probed ${provider} for ${outcome.initFailed ? GPU_WORKLOADS.join('/') : workload}: ${verdict}${outcome.cacheProblem ? ` (not cached: ${outcome.cacheProblem})` : ''}`);
  }
}

// Which provider each workload ran on: per job when the engine host runs it inside recordProviders, else for the
// whole process (a CLI command is one job).
const processProviders = new Map<Workload, ExecutionProviderName>();
const jobProviders = new AsyncLocalStorage<Map<Workload, ExecutionProviderName>>();

function noteProviderUse(workload: Workload, provider: ExecutionProviderName): void {
  processProviders.set(workload, provider);
  jobProviders.getStore()?.set(workload, provider);
}

/** Run `work` recording the providers its sessions run on into `record` (read it after, whatever the outcome). */
export function recordProviders<T>(record: Map<Workload, ExecutionProviderName>, work: () => Promise<T>): Promise<T> {
  return jobProviders.run(record, work);
}

/** The providers sessions ran on so far: within recordProviders, that job's; else this process's. */
export function providersUsed(): Partial<Record<Workload, ExecutionProviderName>> {
  return Object.fromEntries(jobProviders.getStore() ?? processProviders);
}

/** First line of a native error, trimmed: onnxruntime messages carry source paths and can be long. */
function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line.trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions

interface ResolvedOptions {
  providers: ExecutionProviderName[];
  intraOpNumThreads: number;
  interOpNumThreads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  extra: NonNullable<CreateSessionOptions['extra']>;
}

function resolveOptions(options: CreateSessionOptions, planned: readonly ExecutionProviderName[]): ResolvedOptions {
  const providers = [...(options.providers ?? planned)];
  for (const p of providers) if (!PROVIDER_NAMES.includes(p)) throw new Error(`createSession: unknown execution provider '${p}' (known: ${PROVIDER_NAMES.join(', ')})`);
  if (!providers.includes('cpu')) providers.push('cpu');
  const intra = options.intraOpNumThreads ?? availableParallelism();
  const inter = options.interOpNumThreads ?? 1;
  for (const [name, value] of [['intraOpNumThreads', intra], ['interOpNumThreads', inter]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`createSession: ${name} must be a positive integer, got ${value}`);
  }
  return {
    providers: providers.slice(0, providers.indexOf('cpu') + 1),
    intraOpNumThreads: intra,
    interOpNumThreads: inter,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    extra: options.extra ?? {},
  };
}

const sessionCache = new Map<string, Promise<EngineSession>>();
let lastLoggedLine: string | undefined;

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The onnxruntime version this process loaded. */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/**
 * Create (or fetch from the cache) a session for an ONNX model given as bytes or a file path. Tries the preferred
 * providers in order, skipping ones this build/platform lacks and falling back to CPU when one fails to start,
 * and logs one line naming the provider (only when it differs from the line logged before, so many sessions
 * with the same setup do not repeat it).
 */
export async function createSession(model: Uint8Array | string, options: CreateSessionOptions = {}): Promise<EngineSession> {
  const workload = options.workload ?? 'inference';
  const log = options.log ?? defaultLog;
  let planned: readonly ExecutionProviderName[] = [];
  let planNote: string | undefined;
  if (!options.providers) {
    const plan = await providerPlanFor(workload);
    planned = plan.order;
    // Say why a GPU workload, or a GPU the user asked for, stays on CPU (missing, failed to start, or slower).
    const request = providerRequest();
    const gpuWanted = request.mode === 'auto' ? GPU_WORKLOADS.includes(workload) : request.providers[0] !== 'cpu';
    if (gpuWanted && plan.order[0] === 'cpu') planNote = `${workload}: ${plan.reason}`;
  }
  const resolved = resolveOptions(options, planned);
  const optionsKey = JSON.stringify(resolved);
  let modelKey: string;
  let label: string;
  if (typeof model === 'string') {
    const path = resolve(model);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new Error(`createSession: cannot read model file ${path} (${(error as NodeJS.ErrnoException).code ?? shortReason(error)})`);
    }
    modelKey = `path:${path}:${info.size}:${info.mtimeMs}`;
    label = basename(path);
  } else {
    const hash = createHash('sha256').update(model).digest('hex');
    modelKey = `sha256:${hash}`;
    label = `model ${hash.slice(0, 12)}`;
  }
  const key = `${modelKey}|${optionsKey}`;
  const useCache = options.cache ?? true;
  if (useCache) {
    const cached = sessionCache.get(key);
    if (cached) return noteUse(workload, cached);
  }
  const creation = openSession(model, label, key, resolved, log, planNote);
  if (useCache) {
    sessionCache.set(key, creation);
    creation.catch(() => sessionCache.delete(key));
  }
  return noteUse(workload, creation);
}

async function noteUse(workload: Workload, creation: Promise<EngineSession>): Promise<EngineSession> {
  const session = await creation;
  noteProviderUse(workload, session.provider);
  return session;
}

async function openSession(
  model: Uint8Array | string,
  label: string,
  key: string,
  options: ResolvedOptions,
  log: (line: string) => void,
  planNote: string | undefined,
): Promise<EngineSession> {
  const bytes = typeof model === 'string' ? await readModelFile(model) : model;
  const skipped: string[] = planNote ? [planNote] : [];
  const failedHere: [ExecutionProviderName, string][] = [];
  for (const provider of options.providers) {
    const availability = providerAvailability(provider);
    if (!availability.available) {
      skipped.push(`${provider} unavailable: ${availability.reason}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(bytes, {
        ...options.extra,
        executionProviders: [provider],
        intraOpNumThreads: options.intraOpNumThreads,
        interOpNumThreads: options.interOpNumThreads,
        graphOptimizationLevel: options.graphOptimizationLevel,
      });
      // A provider that failed while a later one loaded the same model is broken here, not the model: remember it.
      for (const [failed, reason] of failedHere) knownFailures.set(failed, reason);
      const note = skipped.length ? ` (${skipped.join('; ')})` : '';
      const threads = options.intraOpNumThreads === 1 ? '1 thread' : `${options.intraOpNumThreads} threads`;
      const line = `[engine] onnxruntime ${onnxruntimeVersion()}, provider ${provider}${note}, ${threads}`;
      if (line !== lastLoggedLine) {
        lastLoggedLine = line;
        log(line);
      }
      return wrapSession(session, provider, key, label);
    } catch (error) {
      if (provider === 'cpu') throw new Error(`createSession(${label}): onnxruntime could not load the model: ${shortReason(error)}`);
      const reason = onnxruntimeReason(error, 160);
      failedHere.push([provider, reason]);
      skipped.push(`${provider} unavailable: ${reason}`);
    }
  }
  // resolveOptions always ends the list with 'cpu', which either returns or throws above.
  throw new Error(`createSession(${label}): no execution provider could be tried`);
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`createSession: cannot read model file ${path} (${(error as NodeJS.ErrnoException).code ?? shortReason(error)})`);
  }
}

function wrapSession(session: ort.InferenceSession, provider: ExecutionProviderName, key: string, label: string): EngineSession {
  let released = false;
  return {
    session,
    provider,
    key,
    label,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, fetches) {
      if (released) throw new Error(`${label}: session has been released`);
      try {
        return fetches ? await session.run(feeds, [...fetches]) : await session.run(feeds);
      } catch (error) {
        throw new Error(`${label}: run failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    async release() {
      if (released) return;
      released = true;
      sessionCache.delete(key);
      await session.release();
    },
  };
}

/** Number of sessions currently cached (for diagnostics and tests). */
export function cachedSessionCount(): number {
  return sessionCache.size;
}

/** Release every cached session (e.g. when a model is unloaded or at shutdown). */
export async function clearSessionCache(): Promise<void> {
  const pending = [...sessionCache.values()];
  sessionCache.clear();
  for (const creation of pending) {
    try {
      await (await creation).release();
    } catch {
      // A session that failed to open has nothing to release.
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tensor helpers

function checkedDims(dims: readonly number[], length: number, what: string): number[] {
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${what}: invalid dims [${dims.join(', ')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== length) throw new Error(`${what}: dims [${dims.join(', ')}] hold ${count} elements but data has ${length}`);
  return [...dims];
}

/** A float32 tensor; plain number arrays are converted, Float32Arrays are used without copying. */
export function float32Tensor(data: Float32Array | readonly number[], dims: readonly number[]): ort.Tensor {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  return new ort.Tensor('float32', values, checkedDims(dims, values.length, 'float32Tensor'));
}

/** An int64 tensor (token ids, indices); numbers must be integers. BigInt64Arrays are used without copying. */
export function int64Tensor(data: BigInt64Array | readonly (number | bigint)[] | Int32Array, dims: readonly number[]): ort.Tensor {
  let values: BigInt64Array;
  if (data instanceof BigInt64Array) values = data;
  else {
    values = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`int64Tensor: element ${i} (${v}) is not an integer`);
      values[i] = BigInt(v);
    }
  }
  return new ort.Tensor('int64', values, checkedDims(dims, values.length, 'int64Tensor'));
}

export function int32Tensor(data: Int32Array | readonly number[], dims: readonly number[]): ort.Tensor {
  const values = data instanceof Int32Array ? data : Int32Array.from(data);
  return new ort.Tensor('int32', values, checkedDims(dims, values.length, 'int32Tensor'));
}

export function float64Tensor(data: Float64Array | readonly number[], dims: readonly number[]): ort.Tensor {
  const values = data instanceof Float64Array ? data : Float64Array.from(data);
  return new ort.Tensor('float64', values, checkedDims(dims, values.length, 'float64Tensor'));
}

/** A bool tensor from booleans or 0/1 bytes (onnxruntime stores bools as one byte each). */
export function boolTensor(data: Uint8Array | readonly (boolean | number)[], dims: readonly number[]): ort.Tensor {
  const values = data instanceof Uint8Array ? data : Uint8Array.from(data, (v) => (v ? 1 : 0));
  return new ort.Tensor('bool', values, checkedDims(dims, values.length, 'boolTensor'));
}

/** A rank-0 float32 tensor. */
export function scalarTensor(value: number): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array([value]), []);
}

export { ort };
