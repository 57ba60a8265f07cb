/**
 * The RL dashboard's logic (renderer/src/views/rl/): one step number for the status line and the charts, even when
 * the engine host's throttled progress message lags a step behind (issue #16 item 8); "stopped" for a run stopped
 * with a checkpoint; the time left from the run's own pace; the best table's prediction columns and the text of a
 * prediction with its calibrated interval, checked against the interval arithmetic of
 * electron/predictors/uncertainty.ts on a real calibration.
 */
import { describe, expect, it } from 'vitest';
import { finetuneOutputSchema, type FinetuneCandidate, type FinetuneOutput, type FinetuneStep, type JobInfo, type JobResult } from '../../shared/api/jobs.ts';
import type { JobHandlers, JobsBackend } from '../../renderer/src/api/jobs.ts';
import { predictionsOfRow } from '../../renderer/src/api/predictions.ts';
import { RlDashboard } from '../../renderer/src/views/rl/rlDashboard.ts';
import { isStepProgressMessage, rlEtaSeconds, rlRunStatus } from '../../renderer/src/views/rl/rlStatus.ts';
import { bestColumns, predictionColumns } from '../../renderer/src/views/rl/BestCrystals.tsx';
import { decimalsFor, predictionText, propertyLabel } from '../../renderer/src/ui/predictionText.ts';
import { calibrateUncertainty, predictionSpread } from '../../electron/predictors/uncertainty.ts';

function step(n: number, steps: number, elapsedSeconds: number, secondsPerStep = 2): FinetuneStep {
  return finetuneOutputSchema.parse({
    kind: 'step',
    step: n,
    steps,
    reward: { mean: n / 10, max: n, min: 0, std: 0.1, meanValid: n / 10 },
    terms: { band_gap: n / 5 },
    kl: 0.01 * n,
    klLogRatio: -0.02,
    entropy: 40,
    validity: { structural: 1, compositional: 0.8, valid: 0.8 },
    baseline: 0,
    clipped: 0,
    gradNorm: 1,
    samplesPerSecond: 4,
    seconds: { sample: 1, reward: 0.5, update: secondsPerStep - 1.5, total: secondsPerStep },
    elapsedSeconds,
    rewards: [0, n / 10, n / 5],
  }) as FinetuneStep;
}

/** A jobs backend whose one job the test drives: outputs, a throttled progress state, the end. */
function scriptedJobs(): { jobs: JobsBackend; handlers: () => JobHandlers<'finetune'>; info: (patch: Partial<JobInfo>) => JobInfo } {
  let handlers: JobHandlers<'finetune'> | null = null;
  const info = (patch: Partial<JobInfo>): JobInfo => ({ id: 'job-1', type: 'finetune', status: 'running', heavy: true, params: {}, createdAt: 0, outputCount: 0, outputDir: 'jobs/job-1', ...patch });
  const jobs: JobsBackend = {
    async start(_type, _params, h) {
      handlers = h as unknown as JobHandlers<'finetune'>;
      return { jobId: 'job-1', cancel: async () => {}, detach: () => {} };
    },
    follow: () => Promise.reject(new Error('not used')),
    list: async () => [],
  };
  return { jobs, handlers: () => handlers!, info };
}

describe('RL dashboard status', () => {
  it('plots the plain KL estimate, which one crystal cannot blow up the way it blows up k3', async () => {
    const dashboard = new RlDashboard();
    const { jobs, handlers } = scriptedJobs();
    await dashboard.start(jobs, { out: 'runs/rl-kl', reward: { version: 1, reward: { kind: 'predictor', predictor: 'band_gap' } } });
    // One crystal with log π₀ − log π = 17 in a batch of 100 puts k3 near e¹⁷ / 100 ≈ 2.4e5 (kl.ts); the mean log-ratio stays small.
    const spiky = { ...step(1, 10, 2), kl: 2.4e5, klLogRatio: 4.4 };
    handlers().onOutput?.(spiky as FinetuneOutput, 0);
    expect(dashboard.klChart.columns[0].at(-1)).toBe(4.4);
    // An engine without klLogRatio still gets its KL plotted.
    const { klLogRatio: _dropped, ...older } = step(2, 10, 4);
    handlers().onOutput?.({ ...older, kl: 0.02 } as FinetuneOutput, 1);
    expect(dashboard.klChart.columns[0].at(-1)).toBe(0.02);
  });

  it('takes the step from the streamed items the charts plot, not from the lagging progress message', async () => {
    const dashboard = new RlDashboard();
    const { jobs, handlers, info } = scriptedJobs();
    await dashboard.start(jobs, { out: 'runs/rl-a', reward: { version: 1, reward: { kind: 'predictor', predictor: 'band_gap' } } });
    const h = handlers();
    for (let n = 1; n <= 5; n++) h.onOutput?.(step(n, 10, 2 * n) as FinetuneOutput, n - 1);
    // The host throttles progress: the latest state still carries step 4's line while step 5 is on the charts.
    h.onState?.(info({ progress: { done: 4, total: 10, message: 'step 4/10: mean reward 0.400, KL 0.040' } }));
    const run = dashboard.run.current;
    const status = rlRunStatus(run.phase, dashboard.first, dashboard.latest, undefined);
    expect(dashboard.rewardChart.x.at(-1)).toBe(5);
    expect(dashboard.klChart.x.at(-1)).toBe(5);
    expect(status.step).toBe(5);
    expect(status.steps).toBe(10);
    expect(isStepProgressMessage(run.progress?.message)).toBe(true);
    expect(isStepProgressMessage('loading predictor band_gap')).toBe(false);
    // Five steps in 10 s → 2 s per step; 5 left.
    expect(status.etaSeconds).toBe(10);
  });

  it('calls a run stopped with a checkpoint "stopped", one cancelled before any step "cancelled"', () => {
    const latest = step(4, 10, 8);
    expect(rlRunStatus('cancelled', step(1, 10, 2), latest, undefined)).toMatchObject({ phaseLabel: 'stopped', step: 4, etaSeconds: null, outcome: expect.stringMatching(/^Stopped with a checkpoint at step 4\/10/) });
    expect(rlRunStatus('cancelled', null, null, undefined)).toMatchObject({ phaseLabel: 'cancelled', step: null, outcome: expect.stringMatching(/before the first step/) });
    expect(rlRunStatus('running', null, latest, undefined).phaseLabel).toBe('running');
    const result: JobResult<'finetune'> = { status: 'finished', step: 10, steps: 10, elapsedSeconds: 20, outDir: '/w/runs/a', modelDir: '/w/runs/a/model', best: 3, runId: 1, stored: 1 };
    expect(rlRunStatus('completed', null, step(10, 10, 20), result).outcome).toBe('Finished at step 10/10; 1 best crystal stored in the library');
  });

  it('estimates the time left from the run’s own pace, or from one step’s duration', () => {
    expect(rlEtaSeconds(null, null)).toBeNull();
    // Only one step seen: its duration times the steps left.
    expect(rlEtaSeconds(step(3, 10, 30, 3), step(3, 10, 30, 3))).toBe(21);
    // Steps 3 → 7 took 20 s of running time: 5 s per step, 3 left.
    expect(rlEtaSeconds(step(3, 10, 30), step(7, 10, 50))).toBe(15);
    expect(rlEtaSeconds(step(1, 10, 2), step(10, 10, 20))).toBe(0);
  });

  it('keeps the form and favourites through its methods, and resumed steps replace the stopped run’s repeats', async () => {
    const dashboard = new RlDashboard();
    dashboard.keepForm({ ...dashboard.form, preset: '' });
    expect(dashboard.form.preset).toBe('');
    const { jobs, handlers, info } = scriptedJobs();
    await dashboard.start(jobs, { out: 'runs/rl-b', reward: { version: 1, reward: { kind: 'predictor', predictor: 'band_gap' } } });
    expect(dashboard.runFolder).toBe('runs/rl-b');
    for (let n = 1; n <= 3; n++) handlers().onOutput?.(step(n, 10, n) as FinetuneOutput, n - 1);
    handlers().onFinished?.(info({ status: 'cancelled' }));
    await dashboard.resume(jobs, { out: 'runs/rl-b', resume: true, steps: 12 });
    // Checkpoint at 2: the resumed job repeats step 3, then goes on.
    handlers().onOutput?.(step(3, 12, 3) as FinetuneOutput, 0);
    handlers().onOutput?.(step(4, 12, 4) as FinetuneOutput, 1);
    expect(dashboard.rewardChart.x).toEqual([1, 2, 3, 4]);
    expect(dashboard.first?.step).toBe(1);
    const candidate = bestCandidate({ libraryId: 7 });
    handlers().onOutput?.({ kind: 'best', step: 4, candidates: [candidate] }, 2);
    expect(dashboard.bestCandidates()[0]).toMatchObject({ libraryId: 7, favourite: false, predictions: candidate.predictions });
    dashboard.setFavourite(7, true);
    expect(dashboard.bestCandidates()[0]!.favourite).toBe(true);
  });
});

function bestCandidate(extra: Partial<FinetuneCandidate> = {}): FinetuneCandidate {
  return {
    rank: 1,
    step: 4,
    reward: 12.5,
    terms: { band_gap: 3.1 },
    formula: 'SrTiO3',
    spaceGroup: 221,
    spaceGroupFound: 221,
    minDistance: 1.95,
    wyckoffLabel: '221-a-Sr-b-Ti-c-O',
    logProbability: -20,
    cif: '',
    structure: null,
    predictions: {
      band_gap: { value: 3.1, unit: 'eV', uncertainty: { halfWidth: 0.45, lower: 2.65, upper: 3.55 } },
      dielectric_total: { value: 20, unit: '', uncertainty: { halfWidth: 9, lower: 20 * Math.exp(-0.5), upper: 20 * Math.exp(0.5) } },
    },
    ...extra,
  };
}

describe('predicted values with their calibrated ±', () => {
  it('writes a linear interval as value ± half-width, with as many decimals as the ± needs', () => {
    // A real calibration: residuals 0.3 in one bin (held-out RMS), interval value ± 0.3.
    const calibration = calibrateUncertainty([1, 1.2, 1.4, 1.6, 1.8, 2, 2.2, 2.4, 2.6, 2.8], [1.3, 0.9, 1.7, 1.3, 2.1, 1.7, 2.5, 2.1, 2.9, 2.5], { space: 'linear', heldOut: 'test', bins: 1 });
    const spread = predictionSpread(calibration, [3.1234]);
    const text = predictionText({ value: 3.1234, unit: 'eV', uncertainty: { halfWidth: spread.halfWidth[0]!, lower: spread.lower[0]!, upper: spread.upper[0]! } });
    expect(text.text).toBe('3.12 ± 0.30 eV');
    expect(text.interval).toMatch(/^68 % interval 2\.82 to 3\.42 eV/);
    expect(decimalsFor(0.044)).toBe(3);
    expect(decimalsFor(5.2)).toBe(1);
    expect(decimalsFor(120)).toBe(0);
    expect(predictionText({ value: -1.2346, unit: 'eV/atom', uncertainty: { halfWidth: 0.044, lower: -1.2786, upper: -1.1906 } }).text).toBe('−1.235 ± 0.044 eV/atom');
  });

  it('writes a log-space interval (ε·e^(±w)) as +above/−below, not a symmetric ±', () => {
    const calibration = calibrateUncertainty([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [10 * Math.E ** 0.5, 10 * Math.E ** -0.5, 10 * Math.E ** 0.5, 10 * Math.E ** -0.5, 10 * Math.E ** 0.5, 10 * Math.E ** -0.5, 10 * Math.E ** 0.5, 10 * Math.E ** -0.5, 10 * Math.E ** 0.5, 10 * Math.E ** -0.5], { space: 'log', heldOut: 'test', bins: 1 });
    const spread = predictionSpread(calibration, [20]);
    // ln-space RMS residual 0.5: 20·e^0.5 = 32.97, 20·e^−0.5 = 12.13.
    expect(spread.upper[0]).toBeCloseTo(32.974, 3);
    const text = predictionText({ value: 20, unit: '', uncertainty: { halfWidth: spread.halfWidth[0]!, lower: spread.lower[0]!, upper: spread.upper[0]! } });
    expect(text.text).toBe('20.0 +13.0/−7.9');
    expect(predictionText({ value: null, unit: 'eV' }).text).toBe('—');
    expect(predictionText({ value: 2, unit: 'eV', uncertainty: null })).toEqual({ text: '2.00 eV', number: '2.00', unit: 'eV', interval: null });
    expect(propertyLabel('band_gap_megnet_hse')).toBe('band gap (MEGNet HSE)');
    expect(propertyLabel('my_oracle')).toBe('my oracle');
  });

  it('gives the best table one column per predicted property, between the reward and the terms', () => {
    const best = [bestCandidate(), bestCandidate({ rank: 2, predictions: { formation_energy: { value: -2, unit: 'eV/atom', uncertainty: null } } })];
    expect(predictionColumns(best).map((c) => c.header)).toEqual(['band gap (eV) ± 68 %', 'ε total ± 68 %', 'formation energy (eV/atom) ± 68 %']);
    expect(bestColumns(best).map((c) => c.key)).toEqual(['rank', 'formula', 'spaceGroup', 'reward', 'prediction:band_gap', 'prediction:dielectric_total', 'prediction:formation_energy', 'terms', 'checks', 'step']);
    expect(bestColumns([bestCandidate({ predictions: undefined })]).map((c) => c.key)).not.toContain('prediction:band_gap');
    // A run with the potential's E_hull in its reward adds the relaxed E_hull of its best crystals, before the step.
    const relaxed = bestColumns([bestCandidate({ relaxedEHull: 0.031 }), bestCandidate({ rank: 2, relaxedEHull: null })]);
    expect(relaxed.map((c) => c.key).slice(-3)).toEqual(['checks', 'relaxedEHull', 'step']);
  });

  it('reads the predictions a library row stores, and nothing from rows without them', () => {
    const predictions = bestCandidate().predictions!;
    expect(predictionsOfRow({ band_gap: 3.1, predictions })).toEqual({ predictions });
    expect(predictionsOfRow({ band_gap: 3.1 })).toEqual({});
    expect(predictionsOfRow({ predictions: { band_gap: { value: 'x' } } })).toEqual({});
  });
});
