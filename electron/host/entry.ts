/**
 * The engine host process: runs jobs away from the main process so a heavy or crashing job cannot freeze or
 * take down the UI. Started by the supervisor as an Electron utilityProcess (messages via `process.parentPort`)
 * or a Node child process (messages via `process.send`); the protocol is the same
 * (shared/api/host-protocol.ts), and every incoming message is validated before anything runs.
 *
 * argv: `--workspace DIR`.
 */
import { describeIssues } from '../../shared/api/contract.ts';
import { fromHostMessageSchema, toHostMessageSchema, type FromHostMessage } from '../../shared/api/host-protocol.ts';
import { isJobType, jobSpec, type JobProgress } from '../../shared/api/jobs.ts';
import { jobErrorMessage, safeOutputItem } from './job-error.ts';
import { jobRunners } from './jobs/index.ts';
import { confineJobPaths } from './jobs/workspace-paths.ts';
import { readWorkspaceSettings } from './workspace-settings.ts';
import type { JobContext, JobRunner } from './jobs/types.ts';
import { configureProviderProbe, recordProviders, type ExecutionProviderName, type Workload } from '../engine/runtime.ts';

/** Progress messages are rate-limited per job; final states always go out. */
const PROGRESS_INTERVAL_MS = 100;

interface ParentPort {
  send(message: FromHostMessage): void;
  onMessage(handler: (message: unknown) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function connectToParent(): ParentPort {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return {
      send: (message) => electronPort.postMessage(message),
      onMessage: (handler) => electronPort.on('message', (event) => handler(event.data)),
    };
  }
  if (!process.send) throw new Error('engine host: started without an IPC channel (run it through the supervisor)');
  return {
    send: (message) => process.send!(message),
    onMessage: (handler) => process.on('message', handler),
  };
}

/** One bounded line: job errors often quote the input that caused them (a huge token, a NUL byte, escapes). */
function readableError(error: unknown): string {
  return jobErrorMessage(error instanceof Error ? error.message || error.name : String(error));
}

/** Finds `--workspace DIR` anywhere in argv (utilityProcess and fork place their own entries before it). */
export function workspaceFromArgv(argv: readonly string[]): string {
  const index = argv.indexOf('--workspace');
  const value = index >= 0 ? argv[index + 1] : undefined;
  if (!value) throw new Error('engine host: --workspace DIR is required');
  return value;
}

export function runHost(workspace: string): void {
  const parent = connectToParent();
  configureProviderProbe({ workspace });
  // The providers this host was started with (desktop setting or the server's environment) hold unless the
  // workspace's settings.json names others: the app's Settings view writes that, and each new job reads it.
  const launchProviders = process.env.CFSTUDIO_PROVIDERS;
  const applyProvidersPreference = (): void => {
    const preference = readWorkspaceSettings(workspace).providers ?? launchProviders;
    if (preference === undefined) delete process.env.CFSTUDIO_PROVIDERS;
    else process.env.CFSTUDIO_PROVIDERS = preference;
  };
  const running = new Map<string, AbortController>();

  const send = (message: FromHostMessage): void => {
    // Validate outgoing messages too: a runner returning something off-contract fails its job instead of
    // sending the supervisor a message it would drop.
    const checked = fromHostMessageSchema.safeParse(message);
    if (checked.success) parent.send(checked.data);
    else if ('jobId' in message && message.jobId) parent.send({ kind: 'failed', jobId: message.jobId, error: `engine host produced an invalid ${message.kind} message: ${describeIssues(checked.error, 'message')}` });
  };

  const runJob = async (jobId: string, type: string, rawParams: unknown, outputDir: string, approvedPaths: readonly string[]): Promise<void> => {
    if (running.has(jobId)) return send({ kind: 'rejected', jobId, reason: `job ${jobId} is already running` });
    if (!isJobType(type)) return send({ kind: 'failed', jobId, error: readableError(`unknown job type '${type}'`) });
    const spec = jobSpec(type);
    const parsed = spec.params.safeParse(rawParams);
    if (!parsed.success) return send({ kind: 'failed', jobId, error: readableError(`invalid parameters: ${describeIssues(parsed.error)}`) });
    // Checked again here, not only at submit: the engine host is what reads and writes, and a symbolic link may
    // have changed in between. Runners get absolute, real paths.
    let params: unknown;
    try {
      params = confineJobPaths(spec.params, parsed.data, workspace, approvedPaths);
    } catch (error) {
      return send({ kind: 'failed', jobId, error: readableError(error) });
    }

    applyProvidersPreference();
    const controller = new AbortController();
    running.set(jobId, controller);
    let lastProgressAt = 0;
    let pending: JobProgress | undefined;
    let pendingTimer: NodeJS.Timeout | undefined;
    const flushProgress = (): void => {
      clearTimeout(pendingTimer);
      pendingTimer = undefined;
      if (pending) send({ kind: 'progress', jobId, progress: pending });
      pending = undefined;
      lastProgressAt = Date.now();
    };
    const context: JobContext<typeof type> = {
      signal: controller.signal,
      workspace,
      outputDir,
      progress(progress) {
        pending = progress;
        const wait = PROGRESS_INTERVAL_MS - (Date.now() - lastProgressAt);
        if (wait <= 0) flushProgress();
        else pendingTimer ??= setTimeout(flushProgress, wait);
      },
      output(item) {
        send({ kind: 'output', jobId, item: safeOutputItem(item) });
      },
      libraryChanged() {
        send({ kind: 'library-changed' });
      },
    };
    send({ kind: 'started', jobId });
    // The providers this job's sessions ran on go into its record (job.json), whatever the outcome.
    const used = new Map<Workload, ExecutionProviderName>();
    const providers = () => (used.size ? { providers: Object.fromEntries(used) } : {});
    try {
      const runner = jobRunners[type] as JobRunner<typeof type>;
      const result = await recordProviders(used, () => runner(params as never, context));
      flushProgress();
      const checked = spec.result.safeParse(result);
      if (!checked.success) send({ kind: 'failed', jobId, error: readableError(`job returned a result that does not match its contract: ${describeIssues(checked.error, 'result')}`), ...providers() });
      else if (controller.signal.aborted) send({ kind: 'cancelled', jobId, ...providers() });
      else send({ kind: 'completed', jobId, result: checked.data, ...providers() });
    } catch (error) {
      flushProgress();
      if (controller.signal.aborted) send({ kind: 'cancelled', jobId, ...providers() });
      else send({ kind: 'failed', jobId, error: readableError(error), ...providers() });
    } finally {
      running.delete(jobId);
    }
  };

  parent.onMessage((raw) => {
    const parsed = toHostMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const jobId = typeof raw === 'object' && raw !== null && typeof (raw as { jobId?: unknown }).jobId === 'string' ? (raw as { jobId: string }).jobId : undefined;
      send({ kind: 'rejected', ...(jobId ? { jobId } : {}), reason: `invalid message: ${describeIssues(parsed.error, 'message')}` });
      return;
    }
    const message = parsed.data;
    switch (message.kind) {
      case 'run':
        void runJob(message.jobId, message.type, message.params, message.outputDir, message.approvedPaths ?? []);
        break;
      case 'cancel':
        running.get(message.jobId)?.abort(new Error('cancelled by the user'));
        break;
      case 'shutdown':
        for (const controller of running.values()) controller.abort(new Error('engine host shutting down'));
        // Give runners one turn of the event loop to report, then leave.
        setTimeout(() => process.exit(0), 50);
        break;
    }
  });

  send({ kind: 'ready', pid: process.pid, jobTypes: Object.keys(jobRunners) });
}
