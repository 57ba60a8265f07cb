/**
 * Messages between the job supervisor (Electron main process or the browser-mode server) and the engine host
 * process (an Electron utilityProcess in the app, a Node child process elsewhere — same messages either way).
 * Both sides validate every message with these schemas and drop (and report) anything that does not match.
 */
import { z } from 'zod';
import { jobProgressSchema } from './jobs.ts';

const id = z.string().min(1).max(100);

export const toHostMessageSchema = z.discriminatedUnion('kind', [
  /**
   * Start a job. `outputDir` exists already and belongs to this job. `approvedPaths`: paths outside the workspace
   * the desktop user chose in a native dialog, which this job may use (added by the main process, never by the page).
   */
  z.object({
    kind: z.literal('run'),
    jobId: id,
    type: z.string().min(1),
    params: z.unknown(),
    outputDir: z.string().min(1),
    approvedPaths: z.array(z.string().min(1).max(4096)).max(100_000).optional(),
  }),
  z.object({ kind: z.literal('cancel'), jobId: id }),
  /** Finish running jobs as cancelled and exit. */
  z.object({ kind: z.literal('shutdown') }),
]);
export type ToHostMessage = z.infer<typeof toHostMessageSchema>;

export const fromHostMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), pid: z.number().int(), jobTypes: z.array(z.string()) }),
  z.object({ kind: z.literal('started'), jobId: id }),
  z.object({ kind: z.literal('progress'), jobId: id, progress: jobProgressSchema }),
  z.object({ kind: z.literal('output'), jobId: id, item: z.unknown() }),
  /** Something in the workspace library changed (lists in the UI should refresh). */
  z.object({ kind: z.literal('library-changed') }),
  z.object({ kind: z.literal('completed'), jobId: id, result: z.unknown() }),
  z.object({ kind: z.literal('failed'), jobId: id, error: z.string() }),
  z.object({ kind: z.literal('cancelled'), jobId: id }),
  /** The host received a message it could not accept; nothing was executed. */
  z.object({ kind: z.literal('rejected'), jobId: id.optional(), reason: z.string() }),
]);
export type FromHostMessage = z.infer<typeof fromHostMessageSchema>;
