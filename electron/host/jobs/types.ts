import type { z } from 'zod';
import type { JobOutput, JobProgress, JobResult, JobType } from '../../../shared/api/jobs.ts';
import type { jobSpecs } from '../../../shared/api/jobs.ts';

/** What a running job may use. Everything it reports goes to the supervisor and on to the UI. */
export interface JobContext<T extends JobType> {
  /** Aborted when the user cancels; runners check it between units of work and throw `signal.reason`. */
  signal: AbortSignal;
  /** The workspace directory (library DB, job outputs). */
  workspace: string;
  /** A directory that belongs to this job alone. */
  outputDir: string;
  progress(progress: JobProgress): void;
  /** Stream one result item to the UI as soon as it exists. */
  output(item: JobOutput<T>): void;
  /** Tell the UI that library rows were added or changed. */
  libraryChanged(): void;
}

/** Runs one job: gets already-validated params, returns a result matching the job's result schema. */
export type JobRunner<T extends JobType> = (
  params: z.output<(typeof jobSpecs)[T]['params']>,
  context: JobContext<T>,
) => Promise<JobResult<T>>;

export type JobRunnerTable = { [T in JobType]: JobRunner<T> };
