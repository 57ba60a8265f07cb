/**
 * Job 'finetune': what `cfstudio finetune` does (electron/cli/commands/finetune.ts) — PPO toward a reward with a
 * KL penalty to the pretrained model — with the run folder inside the workspace, every step's metrics streamed
 * (with the batch's rewards, for histograms) and the top of the best list streamed whenever it changes. Cancel is
 * the engine's AbortSignal: it finishes the current step, checkpoints and returns 'stopped' (the job then ends as
 * cancelled; `resume: true` continues the run). The best crystals found during this job are stored in the library
 * under a 'finetune' run as they enter the streamed list (and the rest of the run's best list at the end: finished,
 * stopped or timed out), with their reward, reward terms and the shipped predictors' properties with their
 * calibrated ± (streamed with the candidates, for the RL panel), tagged 'finetune'.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FinetuneCandidate, FinetuneOutput, PropertyPrediction } from '../../../shared/api/jobs.ts';
import { MIN_INTERATOMIC_DISTANCE } from '../../../shared/api/jobs.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { readCifStructure } from '../../../shared/io/index.ts';
import { spaceGroupWithTimeout } from '../../engine/sample/build.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { modelsDir } from '../../engine/model/files.ts';
import { DEFAULT_FINETUNE, type BestCandidate, type FinetuneConfig, type RunFile, runFinetuning, validateFinetuneConfig } from '../../engine/rl/finetune.ts';
import type { JsonObject } from '../../library/index.ts';
import { type PredictionResult, predictProperties } from '../../predictors/predict.ts';
import { PROPERTY_NAMES } from '../../predictors/properties.ts';
import { hasShippedPredictor, registerBuiltInPredictors } from '../../predictors/registry.ts';
import { createRewardFunction, type RewardSpec } from '../../rewards/index.ts';
import { batchJudgeForSpec } from '../../rewards/guards.ts';
import { relaxedBestAnnotator, rewardUsesPotentialEHull } from '../../rewards/relaxed-best.ts';
import { predictorRegistry } from '../../rewards/predictors.ts';
import { formatPath, RewardSpecSchema, walkTerms } from '../../../shared/api/reward-spec.ts';
import type { JobRunner } from './types.ts';
import { workspaceLibrary } from './library-handle.ts';
import { structureData } from './sample-rows.ts';
import { confineJobPaths, modelFolderAllowed, pathInWorkspace } from './workspace-paths.ts';

type Params = Parameters<JobRunner<'finetune'>>[0];

/** Candidates streamed with each change of the best list (the run keeps more; best/ in the run folder has them all). */
export const STREAMED_BEST = 12;

/** The engine's settings for the job's params: the defaults with the given fields replaced. */
export function finetuneConfigFromParams(params: Params): FinetuneConfig {
  const config: FinetuneConfig = {
    ...DEFAULT_FINETUNE,
    ...(params.steps !== undefined ? { steps: params.steps } : {}),
    ...(params.batchSize !== undefined ? { batchSize: params.batchSize } : {}),
    ...(params.ppoEpochs !== undefined ? { ppoEpochs: params.ppoEpochs } : {}),
    ...(params.miniBatches !== undefined ? { miniBatches: params.miniBatches } : {}),
    ...(params.learningRate !== undefined ? { learningRate: params.learningRate } : {}),
    ...(params.clip !== undefined ? { clip: params.clip } : {}),
    ...(params.beta !== undefined ? { beta: params.beta } : {}),
    ...(params.advantage !== undefined ? { advantage: params.advantage } : {}),
    ...(params.groupSize !== undefined ? { groupSize: params.groupSize } : {}),
    ...(params.spaceGroups !== undefined ? { spaceGroups: params.spaceGroups } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
    ...(params.checkpointEverySteps !== undefined ? { checkpointEverySteps: params.checkpointEverySteps } : {}),
  };
  validateFinetuneConfig(config);
  return config;
}

/**
 * A model name in models/ (letters, digits, . _ -) stays a name; anything else is a folder inside the workspace
 * (a fine-tuned policy, a model trained here), refused when it leads outside.
 */
export function modelForParams(workspace: string, model: string): string {
  if (/^[A-Za-z0-9._-]{1,100}$/.test(model) && existsSync(join(modelsDir(), model, 'model.json'))) return model;
  const dir = pathInWorkspace(workspace, model, 'model');
  if (!existsSync(join(dir, 'model.json'))) throw new Error(`model: '${model}' is neither a model in ${modelsDir()} nor a model folder (with model.json) in the workspace`);
  return dir;
}

/**
 * Every predictor the reward names must exist before the run starts: the engine writes the run folder first, so a
 * missing model found later would leave a folder that can be neither started again nor resumed.
 */
export function checkPredictors(spec: RewardSpec): void {
  registerBuiltInPredictors(predictorRegistry);
  const names = new Set<string>();
  for (const { term } of walkTerms(spec.reward)) {
    if (term.kind === 'predictor') names.add(term.predictor);
    if (term.kind === 'ehull' && typeof term.formationEnergy === 'string') names.add(term.formationEnergy);
  }
  const missing = [...names].filter((name) => !predictorRegistry.has(name));
  if (missing.length) {
    throw new Error(`reward: no predictor named ${missing.map((n) => `'${n}'`).join(', ')} (available: ${predictorRegistry.names().join(', ') || 'none'}; the shipped ones live in models/predictor-*)`);
  }
}

/** NaN and ±Infinity as null: the numbers cross JSON, which has neither. */
function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

const candidateKey = (c: BestCandidate) => `${c.formula}|${c.spaceGroup}|${c.wyckoffLabel}|${c.reward}`;

/** What the analysis of a best candidate's CIF found, cached by candidate (the best list is re-sent as it changes). */
interface Analysed {
  structure: Structure | null;
  spaceGroupFound: number | null;
  minDistance: number | null;
}

function analyse(c: BestCandidate, cache: Map<string, Analysed>): Analysed {
  const key = candidateKey(c) + '\n' + c.cif;
  let found = cache.get(key);
  if (!found) {
    found = { structure: null, spaceGroupFound: null, minDistance: null };
    try {
      const structure = readCifStructure(c.cif, { fileName: `${c.formula}.cif` }).structure;
      found = { structure, spaceGroupFound: spaceGroupOf(structure) ?? null, minDistance: finiteOrNull(structure.minimumDistance()) };
    } catch {
      // The engine wrote this CIF from a built structure, so this is not expected; the card then shows no picture.
    }
    cache.set(key, found);
  }
  return found;
}

function streamedCandidate(c: BestCandidate, rank: number, cache: Map<string, Analysed>, stored: StoredBest | undefined): FinetuneCandidate {
  const { structure, spaceGroupFound, minDistance } = analyse(c, cache);
  return {
    rank,
    step: c.step,
    reward: c.reward,
    terms: c.terms,
    formula: c.formula,
    spaceGroup: c.spaceGroup,
    spaceGroupFound,
    minDistance,
    wyckoffLabel: c.wyckoffLabel,
    logProbability: c.logp,
    cif: c.cif,
    structure: structure ? structureData(structure) : null,
    ...(c.strictComposition !== undefined ? { strictComposition: c.strictComposition } : {}),
    ...(c.plausibleContacts !== undefined ? { plausibleContacts: c.plausibleContacts } : {}),
    ...(c.relaxedEHull !== undefined ? { relaxedEHull: c.relaxedEHull === null || !Number.isFinite(c.relaxedEHull) ? null : c.relaxedEHull } : {}),
    ...(stored?.libraryId !== undefined ? { libraryId: stored.libraryId } : {}),
    ...(stored && Object.keys(stored.predictions).length ? { predictions: stored.predictions } : {}),
  };
}

/**
 * A `command` oracle runs a program on the engine's machine. From the CLI that is the user's own shell; through the
 * API (browser mode: anyone holding the server token) it would be remote command execution, so jobs accept it only
 * when the engine host was started with CFSTUDIO_ALLOW_COMMAND_ORACLES=1.
 */
export function refuseCommandOracles(spec: RewardSpec): void {
  if (process.env.CFSTUDIO_ALLOW_COMMAND_ORACLES === '1') return;
  for (const { term, path } of walkTerms(spec.reward)) {
    if (term.kind === 'oracle' && term.oracle.type === 'command') {
      throw new Error(`${formatPath(["reward", ...path])}: command oracles run programs on the engine's machine and are off for jobs; start the app or \`cfstudio serve\` with CFSTUDIO_ALLOW_COMMAND_ORACLES=1 to allow them (the CLI always allows them)`);
    }
  }
}

/**
 * The checks a job's run must pass, applied to the run actually carried out: on resume that is the reward and model
 * stored in the run's run.json, which the job's own parameters do not show (a run started from the CLI, or while
 * command oracles were allowed, must not bring a command oracle or an outside path into a job).
 */
export function checkRunForJob(run: Pick<RunFile, 'reward' | 'modelDir'>, workspace: string, where: string): void {
  const parsed = RewardSpecSchema.safeParse(run.reward);
  if (!parsed.success) throw new Error(`${where}reward: not a valid reward spec`);
  try {
    refuseCommandOracles(parsed.data);
    checkPredictors(parsed.data);
    confineJobPaths(RewardSpecSchema, parsed.data, workspace, [], 'reward.');
    modelFolderAllowed(workspace, run.modelDir, 'modelDir');
  } catch (error) {
    throw new Error(`${where}${(error as Error).message}`);
  }
}

export const finetune: JobRunner<'finetune'> = async (params, context) => {
  const outDir = pathInWorkspace(context.workspace, params.out, 'out');
  const config = finetuneConfigFromParams(params);
  const model = params.resume ? params.model : modelForParams(context.workspace, params.model);
  if (params.resume && !existsSync(join(outDir, 'run.json'))) throw new Error(`out: '${params.out}' holds no run to resume (no run.json)`);
  if (!params.resume && existsSync(join(outDir, 'run.json'))) throw new Error(`out: '${params.out}' already holds a run; resume it or choose another folder`);
  if (params.reward) {
    checkPredictors(params.reward);
    refuseCommandOracles(params.reward);
  }
  // On resume the engine reads the run's own reward from run.json; this placeholder is never evaluated.
  const reward: RewardSpec = params.reward ?? { version: 1, reward: { kind: 'predictor', predictor: 'unused-on-resume' } };

  const library = workspaceLibrary(context.workspace);
  const runConfig: JsonObject = { ...(JSON.parse(JSON.stringify(params)) as JsonObject), outDir };
  const run = library.createRun({
    kind: 'finetune',
    name: `${params.resume ? 'resume ' : ''}finetune ${params.reward?.name ?? params.out}`.slice(0, 200),
    status: 'running',
    config: runConfig,
  });

  let firstStep: number | null = null;
  let lastStreamed = '';
  // Set by checkRun with the reward the run really scores with (on resume: the one in run.json).
  let runReward: RewardSpec = reward;
  const bestStore = new BestStore(library, run.id, () => predictionNames(runReward));
  // Storing and predicting are asynchronous; best lists stream in step order once their crystals are stored.
  let streaming: Promise<void> = Promise.resolve();
  const analysed = new Map<string, Analysed>();
  /** The best list as the panel shows it: the top STREAMED_BEST, with what storing them added (row, predictions). */
  const bestItem = (step: number, best: readonly BestCandidate[]): FinetuneOutput => ({
    kind: 'best',
    step,
    candidates: best.slice(0, STREAMED_BEST).map((c, i) => streamedCandidate(c, i + 1, analysed, bestStore.get(c))),
  });
  let steps = config.steps;
  const started = performance.now();
  const log = (line: string) => context.progress({ done: firstStep === null ? 0 : firstStep, total: steps, message: line.slice(0, 500) });
  let result;
  try {
    result = await runFinetuning({
      model,
      reward,
      // checkRun below has vetted the spec the run really scores with (on resume: the one in its run.json).
      createReward: (spec) => createRewardFunction(spec, { log, baseDir: context.workspace }),
      createJudge: batchJudgeForSpec,
      outDir,
      config,
      resume: params.resume,
      ...(params.resume && params.steps !== undefined ? { resumeSteps: params.steps } : {}),
      ...(params.maxMinutes !== undefined ? { maxMinutes: params.maxMinutes } : {}),
      // Also for new runs: the model folder the engine resolved, and the reward as it will be stored.
      checkRun: (run) => {
        checkRunForJob(run, context.workspace, params.resume ? `${join(outDir, 'run.json')}: ` : '');
        runReward = run.reward;
      },
      // The best crystals of an E_hull run get their relaxed E_hull when it ends (streamed below as a last 'best').
      annotateBest: async (best, signal) => rewardUsesPotentialEHull(runReward) && (await relaxedBestAnnotator({ log })(best, signal)),
      signal: context.signal,
      log,
      onStep: (m, detail) => {
        firstStep ??= m.step;
        steps = m.steps;
        const item: FinetuneOutput = {
          kind: 'step',
          step: m.step,
          steps: m.steps,
          reward: { mean: finiteOrNull(m.reward.mean), max: finiteOrNull(m.reward.max), min: finiteOrNull(m.reward.min), std: finiteOrNull(m.reward.std), meanValid: finiteOrNull(m.reward.meanValid) },
          terms: Object.fromEntries(Object.entries(m.terms).map(([name, value]) => [name, finiteOrNull(value)])),
          kl: finiteOrNull(m.kl),
          klLogRatio: finiteOrNull(m.klLogRatio),
          entropy: finiteOrNull(m.entropy),
          validity: m.validity,
          ...(m.judges ? { judges: { ...m.judges, meanRewardPlausible: finiteOrNull(m.judges.meanRewardPlausible) } } : {}),
          baseline: finiteOrNull(m.baseline),
          clipped: finiteOrNull(m.clipped),
          gradNorm: finiteOrNull(m.gradNorm),
          samplesPerSecond: finiteOrNull(m.samplesPerSecond),
          seconds: m.seconds,
          elapsedSeconds: m.elapsedSeconds,
          rewards: Array.from(detail.rewards, (r) => (Number.isFinite(r) ? r : 0)),
        };
        context.output(item);
        const top = detail.best.slice(0, STREAMED_BEST);
        const key = top.map(candidateKey).join('\n');
        if (key !== lastStreamed) {
          lastStreamed = key;
          // Each crystal goes into the library when it first enters the streamed list, so its card's star,
          // export and relax work while the run goes on.
          // A resumed run's earlier crystals were stored by the job that found them.
          const found = top.filter((c) => c.step >= firstStep!);
          streaming = streaming.then(async () => {
            await bestStore.store(found);
            context.libraryChanged();
            context.output(bestItem(m.step, top));
          });
        }
        context.progress({
          done: m.step,
          total: m.steps,
          message:
            `step ${m.step}/${m.steps}: mean reward ${m.reward.mean.toFixed(3)}, KL ${m.klLogRatio.toFixed(3)}, valid ${(100 * m.validity.valid).toFixed(0)} %` +
            (m.judges ? `, unique ${(100 * m.judges.unique).toFixed(0)} %, strict composition ${(100 * m.judges.strictComposition).toFixed(0)} %, contacts ${(100 * m.judges.plausibleContacts).toFixed(0)} %` : ''),
        });
      },
    });
    await streaming;
  } catch (error) {
    await streaming.catch(() => {});
    library.updateRun(run.id, { status: context.signal.aborted ? 'cancelled' : 'failed', error: (error as Error).message.slice(0, 2000) });
    throw error;
  }

  // The best crystals this job found (a resumed run's earlier ones were stored by the job that found them); those
  // streamed during the run are stored already.
  const fresh = firstStep === null ? [] : result.best.filter((c) => c.step >= firstStep!);
  const before = bestStore.count;
  await bestStore.store(fresh);
  if (bestStore.count > before) context.libraryChanged();
  // The relaxed E_hull the run's end added (runs with the potential's E_hull in the reward), after storing, so every
  // crystal of the list carries its row and predictions.
  if (result.best.some((c) => c.relaxedEHull !== undefined)) context.output(bestItem(result.step, result.best));
  const stored = bestStore.count;
  const seconds = (performance.now() - started) / 1000;
  library.updateRun(run.id, {
    status: result.status === 'stopped' ? 'cancelled' : 'completed',
    ...(result.status === 'stopped' ? { error: `stopped by the user at step ${result.step} (checkpointed; resume continues)` } : {}),
    timings: { total: seconds },
    config: { ...runConfig, status: result.status, step: result.step, steps, stored, modelDir: result.modelDir },
  });
  return { status: result.status, step: result.step, steps, elapsedSeconds: result.elapsedSeconds, outDir, modelDir: result.modelDir, best: result.best.length, runId: run.id, stored };
};

/** A best candidate as stored: its library row and its predictions with their calibrated ±. */
interface StoredBest {
  libraryId?: number;
  predictions: Record<string, PropertyPrediction>;
}

/**
 * The shipped property predictors (stored with every best crystal, as the library's property columns) and the
 * predictors the reward itself uses (shown with their ± in the RL panel's best table).
 */
function predictionNames(spec: RewardSpec): string[] {
  registerBuiltInPredictors(predictorRegistry);
  const names = new Set<string>(PROPERTY_NAMES.filter((name) => hasShippedPredictor(name)));
  for (const { term } of walkTerms(spec.reward)) if (term.kind === 'predictor' && predictorRegistry.has(term.predictor)) names.add(term.predictor);
  return [...names];
}

/**
 * The best crystals of this job in the library, one row per candidate (formula, group, Wyckoff sequence, reward):
 * CIF, reward and terms, the predicted properties (the value in `properties[name]`, for filters and columns; value,
 * unit and calibrated 68 % interval in `properties.predictions[name]`), the space group found, tagged 'finetune'.
 */
class BestStore {
  private readonly stored = new Map<string, StoredBest>();

  constructor(
    private readonly library: ReturnType<typeof workspaceLibrary>,
    private readonly runId: number,
    private readonly names: () => string[],
  ) {}

  get count(): number {
    return [...this.stored.values()].filter((s) => s.libraryId !== undefined).length;
  }

  get(candidate: BestCandidate): StoredBest | undefined {
    return this.stored.get(candidateKey(candidate));
  }

  /** Stores the candidates not stored yet. */
  async store(candidates: readonly BestCandidate[]): Promise<void> {
    const fresh = candidates.filter((c, i) => !this.stored.has(candidateKey(c)) && candidates.findIndex((d) => candidateKey(d) === candidateKey(c)) === i);
    if (fresh.length === 0) return;
    await initSymmetry();
    const parsed: { candidate: BestCandidate; structure: Structure }[] = [];
    for (const candidate of fresh) {
      try {
        parsed.push({ candidate, structure: readCifStructure(candidate.cif, { fileName: `${candidate.formula}.cif` }).structure });
      } catch {
        // Not expected (the engine wrote the CIF); such a candidate stays in best/ only.
        this.stored.set(candidateKey(candidate), { predictions: {} });
      }
    }
    const names = this.names();
    let predicted: PredictionResult['properties'] = [];
    try {
      if (names.length && parsed.length) predicted = (await predictProperties(parsed.map((p) => p.structure), names)).properties;
    } catch {
      // A predictor that cannot run here leaves the rows without properties; the run itself already scored them.
    }
    parsed.forEach(({ candidate, structure }, i) => {
      const predictions: Record<string, PropertyPrediction> = {};
      const properties: JsonObject = {};
      for (const p of predicted) {
        const value = p.values[i]!;
        const s = p.spread;
        const spread = s && Number.isFinite(s.halfWidth[i]!) ? { halfWidth: s.halfWidth[i]!, lower: s.lower[i]!, upper: s.upper[i]! } : null;
        predictions[p.name] = { value: Number.isFinite(value) ? value : null, unit: p.unit, ...(s ? { uncertainty: spread } : {}) };
        if (Number.isFinite(value)) properties[p.name] = value;
      }
      if (Object.keys(predictions).length) properties.predictions = predictions as unknown as JsonObject;
      const spaceGroupFound = spaceGroupOf(structure);
      const terms = Object.fromEntries(Object.entries(candidate.terms).filter(([, v]) => Number.isFinite(v)));
      let libraryId: number | undefined;
      try {
        libraryId = this.library.addStructure({
          structure,
          cif: candidate.cif,
          source: 'rl',
          name: candidate.wyckoffLabel || candidate.formula,
          runId: this.runId,
          logProbability: candidate.logp,
          spaceGroupRequested: candidate.spaceGroup,
          ...(spaceGroupFound !== undefined ? { spaceGroupFound } : {}),
          // The engine keeps only structurally and compositionally valid crystals in its best list.
          valid: true,
          validity: { structurallyValid: true, compositionallyValid: true, minDistanceThreshold: MIN_INTERATOMIC_DISTANCE, finetuneStep: candidate.step },
          ...(Number.isFinite(candidate.reward) ? { reward: candidate.reward } : {}),
          rewards: terms,
          properties,
          tags: ['finetune'],
        });
      } catch {
        // The run goes on without this row; the crystal stays in the run's best/ folder.
      }
      this.stored.set(candidateKey(candidate), { ...(libraryId !== undefined ? { libraryId } : {}), predictions });
    });
  }
}

/** Space group found at 0.1 Å, as sampled crystals get it (electron/engine/sample/build.ts), bounded in time: moyo can stall on odd cells. */
function spaceGroupOf(structure: Structure): number | undefined {
  return spaceGroupWithTimeout(structure, 0.1) ?? undefined;
}
