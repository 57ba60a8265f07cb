/**
 * Which execution provider each workload runs on, and why the others cannot. Pure: it is given what this
 * onnxruntime-node build lists (`listSupportedBackends()`), which plug-in libraries are installed, the user's
 * choice, providers that failed to initialise, and earlier probe results, and returns a plan. runtime.ts gathers
 * those facts for the running process and follows the plan; `cfstudio doctor` prints it.
 */

export type ExecutionProviderName = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';

/** Every provider we know how to ask onnxruntime for, GPU providers in order of preference, CPU last. */
export const PROVIDER_NAMES: readonly ExecutionProviderName[] = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'];

/**
 * What a session is for. A GPU pays off on large batched arithmetic (sampling batches, training steps, the
 * potential's graphs); scoring, prediction and MCMC run small graphs one call at a time and stay on CPU unless the
 * user names a provider.
 */
export type Workload = 'sampling' | 'training' | 'potential' | 'inference';
export const WORKLOADS: readonly Workload[] = ['sampling', 'training', 'potential', 'inference'];
/** Workloads for which the automatic choice measures a usable GPU provider against CPU. */
export const GPU_WORKLOADS: readonly Workload[] = ['sampling', 'training', 'potential'];

/** One entry of onnxruntime-node's `listSupportedBackends()`. */
export interface BackendEntry {
  name: string;
  bundled: boolean;
}

/** The user's choice: an ordered list (CPU is always the last resort), or 'auto' (measure, then decide). */
export type ProviderRequest = { mode: 'auto' } | { mode: 'list'; providers: readonly ExecutionProviderName[]; source: string };

/** A cached probe verdict for one provider and workload (see provider-probe.ts). */
export type ProbeVerdict =
  | { usable: false; reason: string }
  | { usable: true; providerSeconds: number; cpuSeconds: number };

export interface ProviderFacts {
  backends: readonly BackendEntry[];
  /** Whether the plug-in library of a provider that is not bundled (CUDA, TensorRT) is installed. */
  pluginInstalled: (provider: ExecutionProviderName) => boolean;
  /** Name of the plug-in library file, for the reason text. */
  pluginFile: (provider: ExecutionProviderName) => string;
  platform: string;
  arch: string;
  /** Providers that failed to initialise in this process, with onnxruntime's reason. */
  initFailures: ReadonlyMap<ExecutionProviderName, string>;
}

export interface ProviderStatus {
  provider: ExecutionProviderName;
  /** Listed by this onnxruntime-node build for this platform. */
  inBuild: boolean;
  bundled: boolean;
  /** Can be tried here (listed, library present, not known to fail). */
  usable: boolean;
  /** Why it is not usable, or a note on how it is used. */
  reason: string;
}

export interface WorkloadPlan {
  workload: Workload;
  /** Providers to try in order; CPU always ends the list. */
  order: ExecutionProviderName[];
  /** GPU providers whose speed on this workload must be measured before the automatic choice is final. */
  probeNeeded: ExecutionProviderName[];
  /** Why the first provider was chosen, in a few words. */
  reason: string;
}

export interface ProviderPlan {
  request: ProviderRequest;
  providers: ProviderStatus[];
  workloads: Record<Workload, WorkloadPlan>;
}

/** A GPU provider must beat CPU by this factor on its probe to be chosen automatically (noise and warm-up margin). */
export const GPU_SPEEDUP_REQUIRED = 1.1;

/** Parse `cuda,cpu`, `webgpu`, `auto` (from --providers, CFSTUDIO_PROVIDERS or the app setting). */
export function parseProviderRequest(text: string | undefined, source: string): ProviderRequest {
  const trimmed = (text ?? '').trim().toLowerCase();
  if (trimmed === '' || trimmed === 'auto') return { mode: 'auto' };
  const names = trimmed.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!PROVIDER_NAMES.includes(name as ExecutionProviderName)) {
      throw new Error(`${source}: unknown execution provider '${name}' (known: auto, ${PROVIDER_NAMES.join(', ')})`);
    }
  }
  return { mode: 'list', providers: [...new Set(names as ExecutionProviderName[])], source };
}

export function formatProviderRequest(request: ProviderRequest): string {
  return request.mode === 'auto' ? 'auto' : request.providers.join(',');
}

/** Each provider's status on this machine, in canonical order. */
export function providerStatuses(facts: ProviderFacts): ProviderStatus[] {
  return PROVIDER_NAMES.map((provider): ProviderStatus => {
    if (provider === 'cpu') return { provider, inBuild: true, bundled: true, usable: true, reason: 'always available' };
    const backend = facts.backends.find((b) => b.name === provider);
    if (!backend) return { provider, inBuild: false, bundled: false, usable: false, reason: `not in this onnxruntime-node build for ${facts.platform}/${facts.arch}` };
    if (!backend.bundled && !facts.pluginInstalled(provider)) {
      return { provider, inBuild: true, bundled: false, usable: false, reason: `${facts.pluginFile(provider)} not installed` };
    }
    const failure = facts.initFailures.get(provider);
    if (failure !== undefined) return { provider, inBuild: true, bundled: backend.bundled, usable: false, reason: `failed to initialise: ${failure}` };
    return { provider, inBuild: true, bundled: backend.bundled, usable: true, reason: backend.bundled ? 'bundled' : `${facts.pluginFile(provider)} installed` };
  });
}

/**
 * The plan: with a list, each workload tries the listed usable providers in the user's order, then CPU. With
 * 'auto', each GPU workload uses the first usable GPU provider whose probe beat CPU by GPU_SPEEDUP_REQUIRED;
 * providers not yet probed for it are listed in `probeNeeded` (the caller probes and plans again); everything
 * else runs on CPU.
 */
export function resolveProviderPlan(facts: ProviderFacts, request: ProviderRequest, probes: (provider: ExecutionProviderName, workload: Workload) => ProbeVerdict | undefined): ProviderPlan {
  const providers = providerStatuses(facts);
  const usable = (p: ExecutionProviderName) => providers.find((s) => s.provider === p)!.usable;
  const unusableNote = (list: readonly ExecutionProviderName[]) => {
    const notes = list.filter((p) => p !== 'cpu' && !usable(p)).map((p) => `${p}: ${providers.find((s) => s.provider === p)!.reason}`);
    return notes.length ? ` (${notes.join('; ')})` : '';
  };
  const workloads = {} as Record<Workload, WorkloadPlan>;
  for (const workload of WORKLOADS) {
    if (request.mode === 'list') {
      const order = request.providers.filter((p) => p !== 'cpu' && usable(p));
      order.push('cpu');
      const reason = order[0] === 'cpu' && request.providers[0] !== 'cpu' ? `cpu: none of ${request.providers.filter((p) => p !== 'cpu').join(', ')} usable${unusableNote(request.providers)}` : `${order[0]}: chosen by ${request.source}`;
      workloads[workload] = { workload, order, probeNeeded: [], reason };
      continue;
    }
    if (!GPU_WORKLOADS.includes(workload)) {
      workloads[workload] = { workload, order: ['cpu'], probeNeeded: [], reason: 'cpu: small graphs run call by call, no GPU benefit expected' };
      continue;
    }
    const gpus = PROVIDER_NAMES.filter((p) => p !== 'cpu' && usable(p));
    const probeNeeded: ExecutionProviderName[] = [];
    const slower: string[] = [];
    let chosen: ExecutionProviderName | undefined;
    for (const gpu of gpus) {
      const verdict = probes(gpu, workload);
      if (!verdict) {
        probeNeeded.push(gpu);
        continue;
      }
      if (!verdict.usable) {
        slower.push(`${gpu} unusable: ${verdict.reason}`);
        continue;
      }
      if (verdict.cpuSeconds >= verdict.providerSeconds * GPU_SPEEDUP_REQUIRED) {
        chosen ??= gpu;
      } else {
        slower.push(`${gpu} not faster (${formatSeconds(verdict.providerSeconds)} vs cpu ${formatSeconds(verdict.cpuSeconds)})`);
      }
    }
    if (chosen) {
      const verdict = probes(chosen, workload) as Extract<ProbeVerdict, { usable: true }>;
      workloads[workload] = { workload, order: [chosen, 'cpu'], probeNeeded, reason: `${chosen}: faster than cpu on the probe (${formatSeconds(verdict.providerSeconds)} vs ${formatSeconds(verdict.cpuSeconds)})` };
    } else {
      const why = gpus.length === 0 ? `no usable GPU provider${unusableNote(PROVIDER_NAMES)}` : slower.length ? slower.join('; ') : 'GPU not measured yet';
      workloads[workload] = { workload, order: ['cpu'], probeNeeded, reason: `cpu: ${why}` };
    }
  }
  return { request, providers, workloads };
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toPrecision(3)} ms` : `${seconds.toPrecision(3)} s`;
}

/**
 * The reason in an onnxruntime error, one line: its messages start with a source location and a failed check
 * (`/onnxruntime_src/…/webgpu_context.cc:136 … adapter_result.status == … was false. Failed to get a WebGPU
 * adapter: …`); a user needs the sentence after it.
 */
export function onnxruntimeReason(error: unknown, maxLength = 200): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  const marker = ' was false. ';
  const reason = (line.includes(marker) ? line.slice(line.lastIndexOf(marker) + marker.length) : line).trim();
  return reason.length > maxLength ? `${reason.slice(0, maxLength - 3)}...` : reason;
}
