/**
 * The job supervisor: owns the engine host process and the job queue, on the main-process side (Electron main,
 * browser-mode server, CLI, tests).
 *
 * - Heavy jobs share a budget (`maxHeavyJobs`, default 1, so one heavy job at a time on the cores we have);
 *   others wait in submission order. Light jobs start at once.
 * - Cancelling a queued job removes it; cancelling a running job asks the host to abort it, and if the host does
 *   not confirm within `cancelGraceMs`, the host is killed and restarted.
 * - If the host dies, every job it was running is marked failed with the reason, the host is restarted with
 *   back-off, and queued jobs continue on the new host. Work the jobs already saved (library rows, files in
 *   their output directory) is untouched. A host that crashes too often in a minute is left down ('crashed').
 * - Each job's record is written to `<workspace>/jobs/<id>/job.json` when it is submitted, when it starts and when
 *   it finishes, so a job survives a crash of this process: a new supervisor lists the jobs it finds there, and
 *   marks those a dead process left queued or running as failed.
 * - When the host dies, library runs it left 'running' are marked failed at once (not only when the next job
 *   opens the library).
 * - Every path in job parameters is confined to the workspace at submit time (and again by the host before it
 *   runs), except paths the desktop user chose in a dialog, which the main process passes as `approvedPaths`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, describeIssues, type ApiEvent, type HostState } from '../../shared/api/contract.ts';
import { fromHostMessageSchema, type FromHostMessage } from '../../shared/api/host-protocol.ts';
import { isFinished, isJobType, jobInfoSchema, jobSpec, type JobInfo, type JobStatus } from '../../shared/api/jobs.ts';
import { LIBRARY_FILE_NAME, openLibrary } from '../library/index.ts';
import { quoteForMessage } from '../../shared/text/safe-text.ts';
import { jobErrorMessage } from './job-error.ts';
import { confineJobPaths } from './jobs/workspace-paths.ts';
import type { HostExit, HostLauncher, HostProcess } from './launcher.ts';

/** What the owner (desktop main process) vouches for on a submission. */
export interface SubmitGrant {
  /** Paths outside the workspace that the user chose in a native dialog in this session; the job may use these exactly. */
  approvedPaths?: readonly string[];
}

export interface SupervisorOptions {
  workspace: string;
  launcher: HostLauncher;
  /** How many heavy jobs may run at the same time (default 1). */
  maxHeavyJobs?: number;
  /** How long a running job may take to acknowledge a cancel before the host is killed (default 10 s). */
  cancelGraceMs?: number;
  /** Restarts allowed within one minute before the host is left down (default 5). */
  maxRestartsPerMinute?: number;
  /** Finished jobs kept in memory (oldest dropped first; their job.json stays on disk). Default 500. */
  keepFinishedJobs?: number;
  /** Output items kept in memory per job for `jobs.outputs` (default 100,000). */
  keepOutputsPerJob?: number;
  onEvent?: (event: ApiEvent) => void;
  /** Where protocol problems are reported (default stderr). */
  log?: (line: string) => void;
}

interface JobRecord {
  info: JobInfo;
  approvedPaths: readonly string[];
  outputs: unknown[];
  cancelTimer?: NodeJS.Timeout;
  waiters: Array<(info: JobInfo) => void>;
}

const RESTART_DELAYS_MS = [100, 500, 1000, 2000, 5000];

/** Strings in job params longer than this are replaced by a note in job.json (inline uploads). */
const MAX_RECORDED_STRING = 10_000;
/** job.json files larger than this are not read back at start-up. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** A copy of `value` with every string longer than MAX_RECORDED_STRING replaced by a note of its length. */
function withoutLongStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_RECORDED_STRING ? `(${value.length} characters, not kept in job.json)` : value;
  if (Array.isArray(value)) return value.map(withoutLongStrings);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutLongStrings(v)]));
  return value;
}

export class JobSupervisor {
  private readonly options: Required<Omit<SupervisorOptions, 'onEvent'>> & Pick<SupervisorOptions, 'onEvent'>;
  private readonly jobs = new Map<string, JobRecord>();
  private host: HostProcess | undefined;
  private hostStateValue: HostState = 'stopped';
  private stderrTail = '';
  private readyWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private restartTimes: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(options: SupervisorOptions) {
    this.options = {
      maxHeavyJobs: 1,
      cancelGraceMs: 10_000,
      maxRestartsPerMinute: 5,
      keepFinishedJobs: 500,
      keepOutputsPerJob: 100_000,
      log: (line) => process.stderr.write(line + '\n'),
      ...options,
    };
    if (!Number.isInteger(this.options.maxHeavyJobs) || this.options.maxHeavyJobs < 1) {
      throw new Error(`maxHeavyJobs must be a positive integer, got ${this.options.maxHeavyJobs}`);
    }
    this.loadEarlierJobs();
  }

  get workspace(): string {
    return this.options.workspace;
  }
  get hostState(): HostState {
    return this.hostStateValue;
  }
  /** Process id of the current engine host (undefined while none runs). */
  get hostPid(): number | undefined {
    return this.host?.pid;
  }

  /** Starts the engine host and resolves when it reports ready. */
  start(): Promise<void> {
    this.stopping = false;
    if (this.hostStateValue === 'ready') return Promise.resolve();
    const ready = this.whenReady();
    if (!this.host) this.launch();
    return ready;
  }

  /** Resolves when a host is ready; rejects if the host is given up on or stopped. */
  whenReady(): Promise<void> {
    if (this.hostStateValue === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  submit(type: string, params: unknown, grant: SubmitGrant = {}): JobInfo {
    if (this.stopping) throw new ApiError('unavailable', 'the job supervisor is shutting down');
    if (!isJobType(type)) throw new ApiError('invalid-params', `unknown job type ${quoteForMessage(type, 100)}`);
    const spec = jobSpec(type);
    const checked = spec.params.safeParse(params);
    if (!checked.success) throw new ApiError('invalid-params', `${type}: ${describeIssues(checked.error)}`);
    const approvedPaths = [...(grant.approvedPaths ?? [])];
    try {
      confineJobPaths(spec.params, checked.data, this.options.workspace, approvedPaths, 'params.');
    } catch (error) {
      throw new ApiError('invalid-params', `${type}: ${jobErrorMessage((error as Error).message)}`);
    }
    const id = randomUUID();
    const outputDir = join(this.options.workspace, 'jobs', id);
    mkdirSync(outputDir, { recursive: true });
    const record: JobRecord = {
      info: { id, type, status: 'queued', heavy: spec.heavy, params: checked.data, createdAt: Date.now(), outputCount: 0, outputDir },
      approvedPaths,
      outputs: [],
      waiters: [],
    };
    this.jobs.set(id, record);
    this.saveRecord(record);
    this.emitJob(record);
    this.pump();
    return { ...record.info };
  }

  cancel(id: string): JobInfo {
    const record = this.record(id);
    const { status } = record.info;
    if (isFinished(status)) throw new ApiError('conflict', `job ${id} has already ${status === 'completed' ? 'completed' : status === 'failed' ? 'failed' : 'been cancelled'}`);
    if (status === 'queued') {
      this.finish(record, 'cancelled');
      this.pump();
    } else if (!record.cancelTimer) {
      this.host?.send({ kind: 'cancel', jobId: id });
      record.cancelTimer = setTimeout(() => this.forceCancel(record), this.options.cancelGraceMs);
    }
    return { ...record.info };
  }

  get(id: string): JobInfo {
    return { ...this.record(id).info };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((r) => ({ ...r.info }));
  }

  outputs(id: string, offset = 0): unknown[] {
    return this.record(id).outputs.slice(offset);
  }

  /** Resolves with the job's record once it has completed, failed or been cancelled. */
  waitFor(id: string): Promise<JobInfo> {
    const record = this.record(id);
    if (isFinished(record.info.status)) return Promise.resolve({ ...record.info });
    return new Promise((resolve) => record.waiters.push(resolve));
  }

  /** Stops the host (running jobs end as cancelled, queued ones too) and resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    for (const record of this.jobs.values()) {
      if (record.info.status === 'queued') this.finish(record, 'cancelled');
    }
    const host = this.host;
    if (host) {
      const exited = new Promise<void>((resolve) => host.onExit(() => resolve()));
      host.send({ kind: 'shutdown' });
      const timer = setTimeout(() => host.kill(), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (this.hostStateValue !== 'stopped') this.setHostState('stopped');
    this.rejectReadyWaiters(new Error('the engine host was stopped'));
  }

  // --- internals ---------------------------------------------------------------------------------------------

  private record(id: string): JobRecord {
    const record = this.jobs.get(id);
    if (!record) throw new ApiError('not-found', `no job with id ${id}`);
    return record;
  }

  private launch(): void {
    this.setHostState(this.restartTimes.length > 0 ? 'restarting' : 'starting');
    this.stderrTail = '';
    let host: HostProcess;
    try {
      host = this.options.launcher(this.options.workspace);
    } catch (error) {
      this.giveUp(`cannot start the engine host: ${(error as Error).message}`);
      return;
    }
    this.host = host;
    host.onStderr((text) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    host.onMessage((raw) => {
      if (this.host !== host) return;
      const parsed = fromHostMessageSchema.safeParse(raw);
      if (!parsed.success) {
        this.options.log(`[supervisor] dropped an invalid message from the engine host: ${describeIssues(parsed.error, 'message')}`);
        return;
      }
      this.handleHostMessage(parsed.data);
    });
    host.onExit((exit) => {
      if (this.host === host) this.handleHostExit(exit);
    });
  }

  private handleHostMessage(message: FromHostMessage): void {
    if (message.kind === 'ready') {
      this.setHostState('ready');
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
      this.pump();
      return;
    }
    if (message.kind === 'library-changed') {
      this.options.onEvent?.({ type: 'library-changed' });
      return;
    }
    if (message.kind === 'rejected') {
      this.options.log(`[supervisor] engine host rejected a message${message.jobId ? ` for job ${message.jobId}` : ''}: ${message.reason}`);
      if (message.jobId) {
        const record = this.jobs.get(message.jobId);
        if (record && record.info.status === 'running') this.finish(record, 'failed', `engine host rejected the job: ${message.reason}`);
      }
      return;
    }
    const record = this.jobs.get(message.jobId);
    if (!record || isFinished(record.info.status)) return;
    switch (message.kind) {
      case 'started':
        record.info.startedAt ??= Date.now();
        this.emitJob(record);
        break;
      case 'progress':
        record.info.progress = message.progress;
        this.emitJob(record);
        break;
      case 'output': {
        const index = record.info.outputCount++;
        if (record.outputs.length < this.options.keepOutputsPerJob) record.outputs.push(message.item);
        this.options.onEvent?.({ type: 'job-output', jobId: record.info.id, index, item: message.item });
        break;
      }
      case 'completed':
        this.finish(record, 'completed', undefined, message.result);
        break;
      case 'failed':
        this.finish(record, 'failed', message.error);
        break;
      case 'cancelled':
        this.finish(record, 'cancelled');
        break;
    }
    this.pump();
  }

  private handleHostExit(exit: HostExit): void {
    this.host = undefined;
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    const lastLine = this.stderrTail.trim().split('\n').filter(Boolean).at(-1);
    const reason = `engine host stopped unexpectedly (${how})${lastLine ? `: ${lastLine}` : ''}`;
    for (const record of this.jobs.values()) {
      if (record.info.status !== 'running') continue;
      if (record.cancelTimer) this.finish(record, 'cancelled');
      else this.finish(record, 'failed', `${reason}; results saved before the crash are kept`);
    }
    this.markInterruptedLibraryRuns(`interrupted: the engine host stopped (${how}) while the run was in progress`);
    if (this.stopping) {
      this.setHostState('stopped');
      return;
    }
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < 60_000);
    if (this.restartTimes.length >= this.options.maxRestartsPerMinute) {
      this.giveUp(`${reason}; it crashed ${this.restartTimes.length + 1} times within a minute, so it is not restarted`);
      return;
    }
    const delay = RESTART_DELAYS_MS[Math.min(this.restartTimes.length, RESTART_DELAYS_MS.length - 1)]!;
    this.restartTimes.push(now);
    this.setHostState('restarting', reason);
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.launch();
    }, delay);
  }

  private giveUp(reason: string): void {
    this.setHostState('crashed', reason);
    this.rejectReadyWaiters(new Error(reason));
  }

  private rejectReadyWaiters(error: Error): void {
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
  }

  /** A running job did not acknowledge its cancel in time: kill the host (restart follows as after a crash). */
  private forceCancel(record: JobRecord): void {
    if (record.info.status !== 'running' || !this.host) return;
    this.options.log(`[supervisor] job ${record.info.id} did not stop within ${this.options.cancelGraceMs} ms of cancel; restarting the engine host`);
    this.host.kill();
  }

  /** Dispatches queued jobs to a ready host within the heavy-job budget, oldest first. */
  private pump(): void {
    if (this.hostStateValue !== 'ready' || !this.host || this.stopping) return;
    let heavyRunning = 0;
    for (const record of this.jobs.values()) if (record.info.status === 'running' && record.info.heavy) heavyRunning++;
    for (const record of this.jobs.values()) {
      if (record.info.status !== 'queued') continue;
      if (record.info.heavy) {
        if (heavyRunning >= this.options.maxHeavyJobs) continue;
        heavyRunning++;
      }
      record.info.status = 'running';
      this.host.send({
        kind: 'run',
        jobId: record.info.id,
        type: record.info.type,
        params: record.info.params,
        outputDir: record.info.outputDir,
        ...(record.approvedPaths.length ? { approvedPaths: [...record.approvedPaths] } : {}),
      });
      this.saveRecord(record);
      this.emitJob(record);
    }
  }

  private finish(record: JobRecord, status: JobStatus, error?: string, result?: unknown): void {
    clearTimeout(record.cancelTimer);
    record.cancelTimer = undefined;
    record.info.status = status;
    record.info.finishedAt = Date.now();
    if (error !== undefined) record.info.error = jobErrorMessage(error);
    if (result !== undefined) record.info.result = result;
    this.saveRecord(record);
    this.emitJob(record);
    for (const waiter of record.waiters.splice(0)) waiter({ ...record.info });
    this.dropOldFinishedJobs();
  }

  /**
   * `job.json` in the job's folder, replaced atomically (a crash mid-write keeps the previous version). Long strings
   * in the params (uploaded file texts, up to the 64 MiB request limit) are not kept there: the record is rewritten
   * at every change of state and read back at start-up.
   */
  private saveRecord(record: JobRecord): void {
    const file = join(record.info.outputDir, 'job.json');
    const temp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify({ ...record.info, params: withoutLongStrings(record.info.params) }, null, 2) + '\n');
      renameSync(temp, file);
    } catch (writeError) {
      this.options.log(`[supervisor] could not write the record of job ${record.info.id}: ${(writeError as Error).message}`);
    }
  }

  /**
   * Lists the jobs of earlier sessions from their job.json files (newest `keepFinishedJobs`). A job that a dead
   * process left queued or running did not finish: it is marked failed, on disk too.
   */
  private loadEarlierJobs(): void {
    const jobsDir = join(this.options.workspace, 'jobs');
    let names: string[];
    try {
      names = readdirSync(jobsDir);
    } catch {
      return;
    }
    const found: JobInfo[] = [];
    for (const name of names) {
      const file = join(jobsDir, name, 'job.json');
      if (!existsSync(file)) continue;
      try {
        // Records written before long params were left out can hold whole uploads; those are not listed.
        if (statSync(file).size > MAX_RECORD_BYTES) continue;
        const parsed = jobInfoSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        if (parsed.success && parsed.data.id === name) found.push({ ...parsed.data, outputDir: join(jobsDir, name) });
      } catch {
        // A damaged record is skipped; the job's files stay where they are.
      }
    }
    found.sort((a, b) => a.createdAt - b.createdAt);
    for (const info of found.slice(-this.options.keepFinishedJobs)) {
      const record: JobRecord = { info, approvedPaths: [], outputs: [], waiters: [] };
      if (!isFinished(info.status)) {
        const was = info.status;
        info.status = 'failed';
        info.finishedAt = Date.now();
        info.error = `interrupted: the server stopped while the job was ${was}${was === 'queued' ? '; submit it again' : '; results saved before that are kept'}`;
        this.saveRecord(record);
      }
      this.jobs.set(info.id, record);
    }
  }

  /** Library runs a dead host left 'queued' or 'running' (only one host serves a workspace) are marked failed. */
  private markInterruptedLibraryRuns(reason: string): void {
    if (!existsSync(join(this.options.workspace, LIBRARY_FILE_NAME))) return;
    try {
      const library = openLibrary(this.options.workspace);
      try {
        library.markInterruptedRuns(reason);
      } finally {
        library.close();
      }
    } catch (error) {
      this.options.log(`[supervisor] could not mark the interrupted library runs: ${(error as Error).message}`);
    }
  }

  private dropOldFinishedJobs(): void {
    const finished = [...this.jobs.values()].filter((r) => isFinished(r.info.status));
    for (const record of finished.slice(0, Math.max(0, finished.length - this.options.keepFinishedJobs))) this.jobs.delete(record.info.id);
  }

  private emitJob(record: JobRecord): void {
    this.options.onEvent?.({ type: 'job', job: { ...record.info } });
  }

  private setHostState(state: HostState, reason?: string): void {
    this.hostStateValue = state;
    this.options.onEvent?.({ type: 'host', state, ...(reason ? { reason } : {}) });
  }
}
