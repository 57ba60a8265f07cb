/**
 * Engine-host jobs for the dashboards (MCMC, Training, later RL): start one or follow one that is already
 * running, receive its streamed outputs in order (each checked against the job type's output schema), its state
 * and progress, and cancel it. Outputs missed while a listener was not attached (following a running job, an
 * event socket that reconnected) are fetched with `jobs.outputs`, so a chart always gets every point once.
 */
import type { ApiClient } from '../../../shared/api/client.ts';
import { isFinished, jobSpec, type JobInfo, type JobOutput, type JobParams, type JobType } from '../../../shared/api/jobs.ts';

export interface JobHandlers<T extends JobType> {
  /** One output item, in the job's order (index 0, 1, 2 …), each exactly once. */
  onOutput?: (item: JobOutput<T>, index: number) => void;
  /** The job's record changed (state, progress); also called once with the final record. */
  onState?: (job: JobInfo) => void;
  /** The job ended (completed, failed or cancelled), after every output was delivered. */
  onFinished?: (job: JobInfo) => void;
}

export interface JobWatch {
  readonly jobId: string;
  /** Asks the engine to cancel the job (the job ends through `onFinished`). */
  cancel(): Promise<void>;
  /** Stops delivering events to the handlers (the job keeps running). */
  detach(): void;
}

export interface JobsBackend {
  start<T extends JobType>(type: T, params: JobParams<T>, handlers: JobHandlers<T>): Promise<JobWatch>;
  /** Follows a job already queued, running or finished, delivering its outputs from the first one. */
  follow<T extends JobType>(type: T, jobId: string, handlers: JobHandlers<T>): Promise<JobWatch>;
  /** Jobs the engine host knows of (newest first), optionally of one type. */
  list(type?: JobType): Promise<JobInfo[]>;
}

export function createJobsBackend(client: ApiClient): JobsBackend {
  /** Attaches handlers to a job whose id may not be known yet (events can arrive before `jobs.submit` answers). */
  const watch = <T extends JobType>(type: T, handlers: JobHandlers<T>) => {
    const outputSchema = jobSpec(type).output;
    let jobId: string | null = null;
    let next = 0;
    let detached = false;
    let finished = false;
    let fetching: Promise<void> | null = null;
    const early: Array<() => void> = [];

    const deliver = (index: number, raw: unknown) => {
      if (detached || index !== next) return;
      const parsed = outputSchema.safeParse(raw);
      next++;
      // An item that does not match the contract is skipped rather than drawn wrong; the order is kept.
      if (parsed.success) handlers.onOutput?.(parsed.data as JobOutput<T>, index);
    };
    /** Fetches every output from `next` on (one request at a time). */
    const catchUp = (): Promise<void> => {
      if (fetching) return fetching;
      fetching = client
        .call('jobs.outputs', { id: jobId!, offset: next })
        .then((items) => {
          const from = next;
          items.forEach((item, k) => deliver(from + k, item));
        })
        .catch(() => undefined)
        .finally(() => {
          fetching = null;
        });
      return fetching;
    };
    const onOutputEvent = (index: number, item: unknown) => {
      if (index === next) deliver(index, item);
      else if (index > next) void catchUp();
    };
    const onJob = (job: JobInfo) => {
      if (detached || finished) return;
      handlers.onState?.(job);
      if (isFinished(job.status)) {
        finished = true;
        const drain = async () => {
          // Outputs still in flight: fetch until the count the final record reports is reached.
          for (let attempt = 0; attempt < 3 && next < job.outputCount; attempt++) await catchUp();
        };
        void drain().finally(() => {
          if (!detached) handlers.onFinished?.(job);
          detach();
        });
      }
    };
    const offOutput = client.on('job-output', (event) => {
      if (jobId === null) early.push(() => event.jobId === jobId && onOutputEvent(event.index, event.item));
      else if (event.jobId === jobId) onOutputEvent(event.index, event.item);
    });
    const offJob = client.on('job', (event) => {
      if (jobId === null) early.push(() => event.job.id === jobId && onJob(event.job));
      else if (event.job.id === jobId) onJob(event.job);
    });
    // A slow poll as a safety net for a lost final `job` event.
    const timer = setInterval(() => {
      if (jobId !== null) void client.call('jobs.get', { id: jobId }).then(onJob, () => undefined);
    }, 5000);
    function detach() {
      detached = true;
      offOutput();
      offJob();
      clearInterval(timer);
    }
    const bind = (job: JobInfo): JobWatch => {
      jobId = job.id;
      for (const replay of early.splice(0)) replay();
      if (job.outputCount > next) void catchUp();
      onJob(job);
      return {
        jobId: job.id,
        async cancel() {
          await client.call('jobs.cancel', { id: job.id });
        },
        detach,
      };
    };
    return { bind, detach };
  };

  return {
    async start(type, params, handlers) {
      const w = watch(type, handlers);
      try {
        return w.bind(await client.submitJob(type, params));
      } catch (error) {
        w.detach();
        throw error;
      }
    },
    async follow(type, jobId, handlers) {
      const w = watch(type, handlers);
      try {
        const job = await client.call('jobs.get', { id: jobId });
        if (job.type !== type) throw new Error(`job ${jobId} is a '${job.type}' job, not '${type}'`);
        return w.bind(job);
      } catch (error) {
        w.detach();
        throw error;
      }
    },
    async list(type) {
      const jobs = await client.call('jobs.list', {});
      return jobs.filter((j) => type === undefined || j.type === type).sort((a, b) => b.createdAt - a.createdAt);
    },
  };
}
