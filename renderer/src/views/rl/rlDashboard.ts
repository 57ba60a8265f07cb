/**
 * What the RL panel keeps while the app runs (App owns one): the reward form, the followed 'finetune' job, its
 * curves, histogram steps, best list and the favourites set on it. Views change it only through its methods.
 */
import type { FinetuneCandidate, FinetuneOutput, FinetuneStep, FinetuneParams } from '../../../../shared/api/jobs.ts';
import type { RewardSpec } from '../../../../shared/api/reward-spec.ts';
import type { Candidate, StructureData } from '../../api/backend.ts';
import type { JobsBackend } from '../../api/jobs.ts';
import { ChartData } from '../../charts/chartData.ts';
import { JobRun } from '../jobRun.ts';
import { checkSpec, DEFAULT_RL_SETTINGS, defaultRlFolder, draftFromSpec, EMPTY_DRAFT, specFromDraft, type RewardDraft, type RlSettings } from '../rlForm.ts';

/** The shipped reward presets, by file name (bandgap-dielectric, stability …). */
const PRESET_FILES = import.meta.glob('../../../../resources/rewards/*.json', { eager: true, import: 'default' }) as Record<string, unknown>;
export const REWARD_PRESETS: { id: string; spec: RewardSpec }[] = Object.entries(PRESET_FILES)
  .flatMap(([path, value]) => {
    const check = checkSpec(value);
    return check.ok ? [{ id: path.replace(/^.*\//, '').replace(/\.json$/, ''), spec: check.spec }] : [];
  })
  .sort((a, b) => (a.id === 'bandgap-dielectric' ? -1 : b.id === 'bandgap-dielectric' ? 1 : a.id.localeCompare(b.id)));

export interface RlForm {
  mode: 'builder' | 'json';
  draft: RewardDraft;
  json: string;
  preset: string;
  settings: RlSettings;
}

export function initialRlForm(): RlForm {
  return {
    mode: 'builder',
    draft: (REWARD_PRESETS[0] && draftFromSpec(REWARD_PRESETS[0].spec)) ?? EMPTY_DRAFT,
    json: JSON.stringify(REWARD_PRESETS[0]?.spec ?? specFromDraft(EMPTY_DRAFT), null, 2),
    preset: REWARD_PRESETS[0]?.id ?? '',
    settings: { ...DEFAULT_RL_SETTINGS, out: defaultRlFolder() },
  };
}

/** A best crystal as a result card (the Viewer, the library's star, export and relax take it from there). */
export function candidateOfBest(jobId: string, c: FinetuneCandidate, favourite: boolean): Candidate {
  return {
    id: `${jobId}-best-${c.rank}`,
    ...(c.libraryId !== undefined ? { libraryId: c.libraryId, favourite } : {}),
    formula: c.formula,
    spaceGroup: c.spaceGroup,
    spaceGroupFound: c.spaceGroupFound,
    minDistance: c.minDistance,
    structure: c.structure as StructureData | null,
    logLikelihood: c.logProbability,
    valid: true,
    index: c.rank,
    wyckoffLabel: c.wyckoffLabel,
    ...(c.predictions ? { predictions: c.predictions } : {}),
  };
}

export class RlDashboard {
  readonly rewardChart = new ChartData(2);
  readonly klChart = new ChartData(2);
  readonly validityChart = new ChartData(2);
  /** Uniqueness, strict composition and contacts of each batch (issue #24: hacking visible while it happens). */
  readonly judgesChart = new ChartData(3);
  /** Created at the first step, when the reward's term names are known. */
  termsChart: { names: string[]; data: ChartData } | null = null;
  first: FinetuneStep | null = null;
  latest: FinetuneStep | null = null;
  best: FinetuneCandidate[] = [];
  /** Library ids of best crystals starred in this session. */
  private readonly favourites = new Set<number>();
  private formState: RlForm = initialRlForm();
  private runFolderState: string | null = null;
  /** Set while a Resume starts, so the curves so far are kept. */
  private resuming = false;

  readonly run: JobRun<'finetune'> = new JobRun(
    'finetune',
    (item) => this.add(item),
    () => {
      // A resumed run continues the same curves (its steps go on from the checkpoint).
      if (this.resuming) {
        this.resuming = false;
        return;
      }
      this.rewardChart.clear();
      this.klChart.clear();
      this.validityChart.clear();
      this.judgesChart.clear();
      this.termsChart = null;
      this.first = null;
      this.latest = null;
      this.best = [];
    },
  );

  /** The form as last edited (the view keeps its own copy while mounted and hands every change here). */
  get form(): RlForm {
    return this.formState;
  }

  keepForm(form: RlForm): void {
    this.formState = form;
  }

  /** Run folder of the followed job (what Resume continues). */
  get runFolder(): string | null {
    return this.runFolderState;
  }

  start(jobs: JobsBackend, params: FinetuneParams): Promise<void> {
    this.runFolderState = params.out;
    return this.run.start(jobs, params);
  }

  async resume(jobs: JobsBackend, params: FinetuneParams): Promise<void> {
    this.resuming = true;
    try {
      await this.run.start(jobs, params);
    } finally {
      this.resuming = false;
    }
  }

  isFavourite(libraryId: number | undefined): boolean {
    return libraryId !== undefined && this.favourites.has(libraryId);
  }

  setFavourite(libraryId: number, favourite: boolean): void {
    if (favourite) this.favourites.add(libraryId);
    else this.favourites.delete(libraryId);
    this.run.changed();
  }

  bestCandidates(): Candidate[] {
    const jobId = this.run.current.jobId ?? 'rl';
    return this.best.map((c) => candidateOfBest(jobId, c, this.isFavourite(c.libraryId)));
  }

  private add(item: FinetuneOutput): void {
    if (item.kind === 'best') {
      this.best = item.candidates;
      return;
    }
    // A resumed run's steps continue the numbering: keep the first step this job showed for the histogram.
    this.first ??= item;
    this.latest = item;
    // put, not append: a resumed run repeats the steps after its checkpoint, which the stopped run may have shown.
    this.rewardChart.put(item.step, [item.reward.mean, item.reward.max]);
    // The plain estimate, not k3: k3's term (r − 1) − ln r grows like r = π₀(x)/π(x), so one crystal the pretrained
    // model finds 10⁷ times likelier than the policy does puts a whole step at 10⁷ and flattens the curve (the
    // stability runs of issue #14); engines older than klLogRatio send only k3.
    this.klChart.put(item.step, [item.klLogRatio ?? item.kl, item.entropy]);
    this.validityChart.put(item.step, [item.validity.valid, item.samplesPerSecond]);
    if (item.judges) this.judgesChart.put(item.step, [item.judges.unique, item.judges.strictComposition, item.judges.plausibleContacts]);
    const names = Object.keys(item.terms).sort();
    if (!this.termsChart || this.termsChart.names.join('\n') !== names.join('\n')) {
      this.termsChart = names.length ? { names, data: new ChartData(names.length) } : null;
    }
    this.termsChart?.data.put(item.step, names.map((n) => item.terms[n] ?? null));
  }
}
