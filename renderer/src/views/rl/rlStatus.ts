/**
 * What the RL panel says about its run, from one source: the step items the job streamed (the same ones the charts
 * plot). The job's progress message is throttled by the engine host and arrives up to a second behind the step
 * items, so it never supplies a step number here (issue #16 item 8: "status said step 4, charts step 5").
 */
import type { FinetuneStep, JobResult } from '../../../../shared/api/jobs.ts';
import { estimateRemainingSeconds } from '../../charts/chartData.ts';
import type { RunPhase } from '../jobRun.ts';

export interface RlRunStatus {
  /** The last step the charts show, and the run's total; null before the first step arrives. */
  step: number | null;
  steps: number | null;
  /** Words for the badge: a run stopped by the user after at least one step is 'stopped' (checkpointed), not 'cancelled'. */
  phaseLabel: string;
  /** Seconds until the last step at this run's pace; null when unknown or not running. */
  etaSeconds: number | null;
  /** How the run ended, in one sentence; null while it runs or before it started. */
  outcome: string | null;
}

/** The engine's per-step progress line ('step 4/10: mean reward …'), which repeats the status in a lagging copy. */
export function isStepProgressMessage(message: string | undefined): boolean {
  return message !== undefined && /^step \d+\/\d+/.test(message);
}

/**
 * Time left: this run's own rate between the first and latest step this dashboard saw (elapsed seconds exclude time
 * stopped), or the latest step's duration when only one step is known.
 */
export function rlEtaSeconds(first: FinetuneStep | null, latest: FinetuneStep | null): number | null {
  if (!latest || latest.step >= latest.steps) return latest ? 0 : null;
  if (first && first.step < latest.step) {
    return estimateRemainingSeconds({ done: first.step, seconds: first.elapsedSeconds }, { done: latest.step, seconds: latest.elapsedSeconds }, latest.steps);
  }
  const perStep = latest.seconds.total;
  return Number.isFinite(perStep) && perStep > 0 ? perStep * (latest.steps - latest.step) : null;
}

export function rlRunStatus(phase: RunPhase, first: FinetuneStep | null, latest: FinetuneStep | null, result: JobResult<'finetune'> | undefined): RlRunStatus {
  const step = latest?.step ?? result?.step ?? null;
  const steps = latest?.steps ?? result?.steps ?? null;
  const stoppedWithCheckpoint = phase === 'cancelled' && step !== null;
  const phaseLabel = stoppedWithCheckpoint ? 'stopped' : phase;
  const active = phase === 'starting' || phase === 'queued' || phase === 'running';
  const at = step !== null && steps !== null ? `step ${step}/${steps}` : null;
  let outcome: string | null = null;
  if (result) {
    const how = result.status === 'finished' ? 'Finished' : result.status === 'stopped' ? 'Stopped with a checkpoint' : 'Time limit reached';
    outcome = `${how} at ${at ?? `step ${result.step}/${result.steps}`}; ${result.stored} best crystal${result.stored === 1 ? '' : 's'} stored in the library`;
  } else if (stoppedWithCheckpoint) {
    // A stopped job reports no result; the engine checkpointed after the last step shown.
    outcome = `Stopped with a checkpoint at ${at}; the best crystals found so far are in the library, and the policy is listed under Model in Generate and MCMC. Resume continues the run`;
  } else if (phase === 'cancelled') {
    outcome = 'Cancelled before the first step ended; nothing was checkpointed';
  }
  return { step, steps, phaseLabel, etaSeconds: active ? rlEtaSeconds(first, latest) : null, outcome };
}
