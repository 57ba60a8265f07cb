import type { ApiClient } from '../../shared/api/client.ts';
import type { JobInfo } from '../../shared/api/jobs.ts';

/** Poll a job over the API until it completes, fails or is cancelled. */
export async function waitForJob(client: ApiClient, id: string, timeoutMs = 60_000): Promise<JobInfo> {
  const started = Date.now();
  for (;;) {
    const job = await client.call('jobs.get', { id });
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') return job;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
