import type { JobType } from '../../../shared/api/jobs.ts';
import { useJobRun, type JobRun } from './jobRun.ts';

/**
 * A dashboard's Start and Cancel buttons: Start while no run of this dashboard is going; Cancel once the engine has
 * given the run an id, until the run ends (it shows `cancellingLabel` while the engine winds the job down).
 */
export function RunButtons<T extends JobType>({
  run,
  onStart,
  startLabel,
  cancelLabel,
  cancellingLabel,
  cancelTitle,
}: {
  run: JobRun<T>;
  onStart: () => void;
  startLabel: string;
  cancelLabel: string;
  cancellingLabel: string;
  cancelTitle?: string;
}) {
  const state = useJobRun(run);
  return (
    <>
      <button type="button" className="primary" onClick={onStart} disabled={run.active}>
        {startLabel}
      </button>
      <button type="button" onClick={() => void run.cancel()} disabled={!run.active || state.cancelling || state.jobId === null} title={cancelTitle}>
        {state.cancelling ? cancellingLabel : cancelLabel}
      </button>
    </>
  );
}
