/**
 * The RL panel (CrystalFormer-RL): build a reward — from a preset in resources/rewards or term by term (predicted
 * band gap, dielectric constant, formation energy, E_hull proxy or the potential's E_hull; target/range/clip/log
 * transforms; weighted sum or product; validity, size and element constraints; penalty), checked live with the
 * engine's own spec schema and each problem shown at its field — then run a 'finetune' job (PPO with a KL penalty to
 * the pretrained model). While it runs: one status line with the step the charts show and the time left; mean and
 * max reward, each reward term, the KL estimate and entropy, validity and samples/s per step; a histogram of the
 * first step's rewards against the latest step's; the best crystals so far with their predicted properties ± the
 * calibrated uncertainty (stored in the library as they appear: star, export, relax, open in the Viewer). Stop
 * checkpoints; Resume continues the same run folder. Two runs of this session can be compared by their curves.
 *
 * The pieces live in ./rl/; this file wires the form (kept in the RlDashboard App owns) to them.
 */
import { useEffect, useMemo, useState } from 'react';
import type { Candidate, ModelSummary, StudioBackend } from '../api/backend.ts';
import { useJobRun } from './jobRun.ts';
import { checkRlSettings, checkSpec, draftFromSpec, finetuneParamsFor, resumeParamsFor, specFromDraft, type RlSettings } from './rlForm.ts';
import { BestCrystals } from './rl/BestCrystals.tsx';
import { CompareRuns } from './rl/CompareRuns.tsx';
import { ProgressPanel } from './rl/ProgressPanel.tsx';
import { RewardPanel } from './rl/RewardPanel.tsx';
import { REWARD_PRESETS, RlDashboard, type RlForm } from './rl/rlDashboard.ts';
import { RunSettingsPanel } from './rl/RunSettingsPanel.tsx';
import './dashboards.css';
import './rl.css';

export { REWARD_PRESETS, RlDashboard };

/** The form as the view edits it: a local copy for immediate re-rendering, every change also kept by the dashboard. */
function useRlForm(dashboard: RlDashboard): [RlForm, (update: (f: RlForm) => RlForm) => void] {
  const [form, setLocal] = useState<RlForm>(dashboard.form);
  const setForm = (update: (f: RlForm) => RlForm) =>
    setLocal((f) => {
      const next = update(f);
      dashboard.keepForm(next);
      return next;
    });
  return [form, setForm];
}

export function RlView({ backend, dashboard, onOpen }: { backend: StudioBackend; dashboard: RlDashboard; onOpen: (c: Candidate) => void }) {
  const [form, setForm] = useRlForm(dashboard);
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [startError, setStartError] = useState<string | null>(null);
  const run = useJobRun(dashboard.run);
  const active = dashboard.run.active;

  useEffect(() => {
    backend.listModels().then(setModels, () => setModels([]));
  }, [backend]);

  const spec = form.mode === 'builder' ? specFromDraft(form.draft) : null;
  const specKey = form.mode === 'builder' ? JSON.stringify(spec) : form.json;
  const check = useMemo(() => (form.mode === 'builder' ? checkSpec(spec) : checkSpec(form.json)), [form.mode, specKey]);
  const settingErrors = checkRlSettings(form.settings);
  const setSetting = <K extends keyof RlSettings>(key: K, value: RlSettings[K]) => setForm((f) => ({ ...f, settings: { ...f.settings, [key]: value } }));

  const choosePreset = (id: string) => {
    const preset = REWARD_PRESETS.find((p) => p.id === id);
    if (!preset) return setForm((f) => ({ ...f, preset: '' }));
    const draft = draftFromSpec(preset.spec);
    setForm((f) => ({ ...f, preset: id, json: JSON.stringify(preset.spec, null, 2), ...(draft ? { draft, mode: 'builder' as const } : { mode: 'json' as const }) }));
  };
  const switchMode = (mode: RlForm['mode']) => {
    if (mode === form.mode) return;
    if (mode === 'json') return setForm((f) => ({ ...f, mode, json: JSON.stringify(specFromDraft(f.draft), null, 2) }));
    const parsed = checkSpec(form.json);
    const draft = parsed.ok ? draftFromSpec(parsed.spec) : null;
    if (!draft) return setStartError(parsed.ok ? 'This spec uses parts the builder cannot show (an external oracle, nested terms or several transforms); keep editing it as JSON.' : 'Fix the JSON first: the builder needs a valid spec.');
    setStartError(null);
    setForm((f) => ({ ...f, mode, draft }));
  };

  const start = async () => {
    setStartError(null);
    if (!backend.jobs) return setStartError('No engine is connected: fine-tuning runs in the desktop app or behind `cfstudio serve`.');
    if (!check.ok) return setStartError(`Fix the reward first: ${check.problems[0]!.path}: ${check.problems[0]!.message}`);
    const first = Object.values(settingErrors)[0];
    if (first) return setStartError(`Fix the settings first: ${first}`);
    await dashboard.start(backend.jobs, finetuneParamsFor(form.settings, check.spec));
  };
  const resume = async () => {
    setStartError(null);
    if (!backend.jobs || !dashboard.runFolder) return;
    await dashboard.resume(backend.jobs, resumeParamsFor(dashboard.runFolder, form.settings.steps));
  };

  const canResume = !active && dashboard.runFolder !== null && (run.phase === 'cancelled' || run.phase === 'completed' || run.phase === 'failed');

  return (
    <div className="rl-view dashboard">
      <RewardPanel form={form} check={check} spec={spec} setForm={setForm} choosePreset={choosePreset} switchMode={switchMode} />
      <RunSettingsPanel
        settings={form.settings}
        errors={settingErrors}
        models={models}
        setSetting={setSetting}
        startError={startError}
        engineMissing={!backend.jobs}
        buttons={{
          canStart: !active,
          canStop: active && !run.cancelling && run.jobId !== null,
          stopping: run.cancelling,
          canResume,
          resumeTitle: dashboard.runFolder ? `Continue ${dashboard.runFolder} from its last checkpoint` : 'Start a run first',
          start: () => void start(),
          stop: () => void dashboard.run.cancel(),
          resume: () => void resume(),
        }}
      />
      <ProgressPanel dashboard={dashboard} run={run} />
      <BestCrystals backend={backend} dashboard={dashboard} onOpen={onOpen} />
      <CompareRuns backend={backend} phase={run.phase} />
    </div>
  );
}
