/**
 * The job types the engine host can run, declared once for every process: the renderer (typed submit), the
 * main process / browser-mode server (validates before queueing) and the engine host (validates again before
 * running). Pure TypeScript + zod, browser-safe.
 *
 * Adding a job type: add its entry to `jobSpecs` below and its runner file under `electron/host/jobs/`
 * (registered by one line in `electron/host/jobs/index.ts`; the type checker refuses a spec without a runner).
 * Only jobs whose engine function exists are listed — no placeholders.
 */
import { z } from 'zod';

export const jobProgressSchema = z.object({
  /** Units of work finished so far (files, samples, steps …). */
  done: z.number().int().nonnegative(),
  /** Total units when known in advance. */
  total: z.number().int().nonnegative().optional(),
  /** One short human-readable line, e.g. the file being read. */
  message: z.string().max(500).optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** A job's definition: what it accepts, what it streams, what it returns, and whether it counts as heavy. */
export interface JobSpec {
  summary: string;
  /** Heavy jobs share the host's core budget and wait in the queue; light ones start at once. */
  heavy: boolean;
  params: z.ZodType;
  /** One streamed result item (e.g. one imported structure), sent while the job runs. */
  output: z.ZodType;
  result: z.ZodType;
}

export const jobSpecs = {} as const satisfies Record<string, JobSpec>;

export type JobType = keyof typeof jobSpecs;
type Specs = typeof jobSpecs;
export type JobParams<T extends JobType> = z.input<Specs[T]['params']>;
export type JobOutput<T extends JobType> = z.output<Specs[T]['output']>;
export type JobResult<T extends JobType> = z.output<Specs[T]['result']>;

export function isJobType(type: string): type is JobType {
  return Object.hasOwn(jobSpecs, type);
}

export function jobSpec(type: JobType): JobSpec {
  return (jobSpecs as Record<string, JobSpec>)[type]!;
}

export const jobStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobInfoSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  status: jobStatusSchema,
  heavy: z.boolean(),
  params: z.unknown(),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  progress: jobProgressSchema.optional(),
  /** Number of streamed output items so far. */
  outputCount: z.number().int().nonnegative(),
  result: z.unknown().optional(),
  /** Why the job failed, readable by a person (failed jobs only). */
  error: z.string().optional(),
  /** Directory in the workspace holding this job's files. */
  outputDir: z.string(),
});
export type JobInfo = z.infer<typeof jobInfoSchema>;

export function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
