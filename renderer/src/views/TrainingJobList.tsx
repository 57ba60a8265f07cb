/** The Training panel's list of 'train' jobs the engine knows of; "Show" makes the curves follow one. */
import { useCallback, useEffect, useState } from 'react';
import type { JobInfo } from '../../../shared/api/jobs.ts';
import type { StudioBackend } from '../api/backend.ts';
import type { TrainingDashboard } from './TrainingView.tsx';

export function TrainingJobList({ backend, dashboard, followedJobId, phase }: { backend: StudioBackend; dashboard: TrainingDashboard; followedJobId: string | null; phase: string }) {
  const [jobs, setJobs] = useState<JobInfo[]>([]);
  const [jobsError, setJobsError] = useState<string | null>(null);
  const refreshJobs = useCallback(() => {
    if (!backend.jobs) return;
    backend.jobs.list('train').then(
      (list) => {
        setJobs(list);
        setJobsError(null);
      },
      (error: unknown) => setJobsError(`Could not list jobs: ${(error as Error).message}`),
    );
  }, [backend]);
  useEffect(refreshJobs, [refreshJobs, phase]);
  return (
    <>
      <h3 className="section-gap">Training jobs of this session</h3>
      {jobsError && (
        <p className="error" role="alert">
          {jobsError}
        </p>
      )}
      {backend.jobs && jobs.length === 0 && <p className="hint">None yet.</p>}
      {jobs.length > 0 && (
        <ul className="job-list">
          {jobs.map((job) => {
            const out = (job.params as { out?: unknown } | null)?.out;
            const followed = job.id === followedJobId;
            return (
              <li key={job.id} data-testid="train-job">
                <span className={`job-status ${job.status}`}>{job.status}</span>
                <span className="mono">{typeof out === 'string' ? out : job.id}</span>
                {job.progress?.total ? (
                  <span className="hint">
                    step {job.progress.done}/{job.progress.total}
                  </span>
                ) : null}
                <button type="button" disabled={followed} onClick={() => backend.jobs && void dashboard.run.follow(backend.jobs, job.id)} aria-label={`Show job ${typeof out === 'string' ? out : job.id}`}>
                  {followed ? 'Shown' : 'Show'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <button type="button" onClick={refreshJobs} disabled={!backend.jobs}>
        Refresh list
      </button>
    </>
  );
}
