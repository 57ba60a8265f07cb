/**
 * Reinforcement fine-tuning (CrystalFormer-RL, crystalformer.md §6.1). Each step:
 *   1. draw space groups (the training distribution from the model card, or the user's list);
 *   2. sample a batch from the current policy and build the crystals;
 *   3. score them with the reward spec (invalid or unbuildable crystals get the spec's penalty);
 *   4. advantages: reward − running-mean baseline (first step: the batch mean, then b ← 0.95·b + 0.05·mean r), or
 *      group-normalised (GRPO-style: the batch is drawn as groups of samples sharing a space group, and each
 *      reward is standardised within its group);
 *   5. log π_old (current weights) and log π_0 (frozen pretrained weights) of every sample;
 *   6. `ppoEpochs` full-batch updates of the clipped surrogate with the KL penalty (./ppo.ts).
 * Metrics go to metrics.jsonl one line per step; checkpoints hold weights, Adam state, the baseline and the best
 * candidates, and every step's random numbers come from (seed, step), so a resumed run continues exactly.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../../shared/random.ts';
import { mean, std } from '../../../shared/stats.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { wyckoffTables } from '../../../shared/tokens/index.ts';
import { Composition } from '../../../shared/crystal/composition.ts';
import { compositionalValidity } from '../../../shared/crystal/validity.ts';
import { DEFAULT_PENALTY, type RewardSpec } from '../../../shared/api/reward-spec.ts';
import type { CandidateInput, RewardFactory } from './reward.ts';
import { estimateKl } from './kl.ts';
import { writeFileAtomic, type JsonValue } from '../checkpoint.ts';
import { RunFolder } from '../run-folder.ts';
import { ParameterStore } from '../params.ts';
import { packTokens } from '../model/batch.ts';
import { loadModel, MODEL_FORMAT, type ModelCard } from '../model/files.ts';
import { CrystalSampler, type SampledCrystal } from '../sample/sampler.ts';
import type { SamplingConditions } from '../sample/conditions.ts';
import { buildSample } from '../sample/build.ts';
import { writeSymmetrizedCif } from '../../../shared/io/cif-writer.ts';
import { LikelihoodEvaluator } from '../train/evaluate-nll.ts';
import { PpoUpdater, policyConfig } from './ppo.ts';
import type { BatchJudge } from './judge.ts';

export interface FinetuneConfig {
  /** PPO iterations (sample a batch, score it, update). */
  steps: number;
  batchSize: number;
  ppoEpochs: number;
  /**
   * Gradient steps per PPO epoch: 1 = full batch (the reference). With k > 1 the batch is sorted by number of sites
   * and cut into k mini-batches of similar length — standard minibatch PPO, and much less padding on CPU.
   */
  miniBatches: number;
  learningRate: number;
  /** ε of the clipped ratio. */
  clip: number;
  /** β, weight of the KL penalty to the pretrained model. */
  beta: number;
  clipNorm: number;
  baselineDecay: number;
  advantage: 'baseline' | 'group';
  /** Samples per space group when `advantage` is 'group'. */
  groupSize: number;
  spaceGroups: 'training-distribution' | number[];
  seed: number;
  checkpointEverySteps: number;
  /** How many distinct best candidates to keep. */
  keepBest: number;
}

export const DEFAULT_FINETUNE: FinetuneConfig = {
  steps: 100,
  batchSize: 100,
  ppoEpochs: 5,
  miniBatches: 1,
  learningRate: 1e-5,
  clip: 0.2,
  beta: 0.1,
  clipNorm: 1,
  baselineDecay: 0.95,
  advantage: 'baseline',
  groupSize: 5,
  spaceGroups: 'training-distribution',
  seed: 0,
  checkpointEverySteps: 10,
  keepBest: 50,
};

export interface FinetuneOptions {
  /** Model name in models/ or a model folder (ignored on resume: the run keeps its own). */
  model: string;
  /** The reward spec of a new run (a resumed run keeps the one in its run.json). */
  reward: RewardSpec;
  /** Compiles the run's spec into the reward it scores with (electron/rewards: `rewardFactory`). */
  createReward: RewardFactory;
  /**
   * Builds the judges reported next to the reward every step (strict composition, contacts, uniqueness) from the
   * spec the run scores with (on resume: the one in run.json), so they apply the spec's own threshold
   * (electron/rewards/guards.ts `batchJudgeForSpec`). Without one, `metrics.judges` is absent.
   */
  createJudge?: (spec: RewardSpec) => BatchJudge;
  outDir: string;
  config: FinetuneConfig;
  resume?: boolean;
  /** On resume: the run's new total number of steps (default: the total it was started with). */
  resumeSteps?: number;
  /**
   * Called with the run about to be carried out — on resume the one read from run.json, not the caller's options —
   * before anything is loaded or run; throw to refuse it (jobs refuse command oracles and paths outside the workspace).
   */
  checkRun?: (run: RunFile) => void;
  maxMinutes?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** After every step, with what metrics.jsonl does not hold: the batch's rewards and the best list so far (live, do not keep). */
  onStep?: (metrics: FinetuneStepMetrics, detail: FinetuneStepDetail) => void;
  /**
   * Once, when the run ends (finished, stopped or out of time), before best/ and the last checkpoint are written:
   * may fill `relaxedEHull` of the best candidates (electron/rewards/relaxed-best.ts) and returns whether it changed
   * any (then best/ and the checkpoint are written again). Not called when aborted.
   */
  annotateBest?: (best: BestCandidate[], signal?: AbortSignal) => Promise<boolean>;
}

export interface FinetuneStepDetail {
  /** Reward of every sample of the step's batch (penalties included). */
  rewards: Float64Array;
  /** The best candidates so far, best first. */
  best: readonly BestCandidate[];
}

export interface FinetuneStepMetrics {
  kind: 'step';
  step: number;
  steps: number;
  /** Rewards of the batch sampled at this step (before its update). */
  reward: { mean: number; max: number; min: number; std: number; meanValid: number };
  /** Mean of each reward term over the candidates where it is finite. */
  terms: Record<string, number>;
  /** KL(π_old ‖ π_0) per crystal, estimated on the batch by Schulman's k3 = mean((r − 1) − log r), r = π_0/π_old: never negative (./kl.ts). */
  kl: number;
  /** The plain estimate mean(log π_old − log π_0) of the same KL (what `kl` held before k3), which one batch can put below zero. */
  klLogRatio: number;
  /** −mean log π_old per crystal (nats): a Monte-Carlo estimate of the policy's entropy. */
  entropy: number;
  validity: { structural: number; compositional: number; valid: number };
  /**
   * What the reward could be fooling, on the batch (fractions of all samples): distinct motifs (reduced formula +
   * Wyckoff sequence), the strict compositional rule, the contact check, and the mean reward of the samples that
   * pass both; `duplicates` = samples the duplicate guard gave the duplicate reward. Present when a judge was given.
   */
  judges?: { unique: number; strictComposition: number; plausibleContacts: number; meanRewardPlausible: number; duplicates: number };
  baseline: number;
  /** Fraction of ratios clipped and the gradient norm in the last PPO epoch. */
  clipped: number;
  gradNorm: number;
  samplesPerSecond: number;
  seconds: { sample: number; reward: number; update: number; total: number };
  elapsedSeconds: number;
}

export interface BestCandidate {
  step: number;
  reward: number;
  terms: Record<string, number>;
  formula: string;
  spaceGroup: number;
  wyckoffLabel: string;
  logp: number;
  cif: string;
  /** The judges' verdicts (when the run has a judge): strict composition and the contact check. */
  strictComposition?: boolean;
  plausibleContacts?: boolean;
  /** E_hull (eV/atom) after relaxing the crystal with the potential (set by `annotateBest`); null when it failed. */
  relaxedEHull?: number | null;
}

export interface FinetuneResult {
  status: 'finished' | 'stopped' | 'time-limit';
  step: number;
  elapsedSeconds: number;
  best: BestCandidate[];
  /** The fine-tuned policy as a model folder (`cfstudio generate --model DIR`). */
  modelDir: string;
}

export interface RunFile {
  config: FinetuneConfig;
  modelDir: string;
  reward: RewardSpec;
  createdAt: string;
  /** Which execution provider each workload ran on in the latest invocation (run-providers.ts). */
  providers?: Record<string, string>;
  providerHistory?: Record<string, string>[];
}

interface SavedProgress {
  step: number;
  baseline: number | null;
  elapsedSeconds: number;
  best: BestCandidate[];
}

/** Everything a run holds between steps: the run as recorded, the models, the reward, and its progress. */
interface FinetuneSession {
  folder: RunFolder;
  run: RunFile;
  config: FinetuneConfig;
  prior: Awaited<ReturnType<typeof loadModel>>;
  priorWeights: Map<string, Float32Array>;
  tables: ReturnType<typeof wyckoffTables>;
  updater: PpoUpdater;
  sampler: CrystalSampler;
  evaluator: LikelihoodEvaluator;
  reward: Awaited<ReturnType<RewardFactory>>;
  judge: BatchJudge | undefined;
  /** What crystals that could not be built or scored get (the spec's penalty). */
  penalty: number;
  /** Prints the reward's failure messages (a refused structure, an oracle's error), up to a per-run cap. */
  reportRewardMessages(step: number, messages: readonly string[]): void;
  conditions: SamplingConditions;
  progress: SavedProgress;
  /** Seconds of this invocation so far. */
  invocationSeconds(): number;
  /** Seconds of the whole run: earlier invocations (from the checkpoint) plus this one. */
  elapsed(): number;
  release(): Promise<void>;
}

export async function runFinetuning(options: FinetuneOptions): Promise<FinetuneResult> {
  const session = await startSession(options);
  const { config, progress, folder, run, prior } = session;
  let savedAtStep = -1;
  const saveState = async () => {
    savedAtStep = progress.step;
    const params = await folder.saveCheckpoint(session.updater.step, {
      kind: 'adam',
      hyper: { clipNorm: config.clipNorm },
      progress: { ...progress, elapsedSeconds: session.elapsed() } as unknown as JsonValue,
      keepLast: 3,
    });
    await writeBest(options.outDir, progress.best);
    await writePolicyModel(join(options.outDir, 'model'), prior.card, params, run, progress.step);
  };

  let status: FinetuneResult['status'] = 'finished';
  try {
    while (progress.step < config.steps) {
      if (options.signal?.aborted) {
        status = 'stopped';
        break;
      }
      if (options.maxMinutes !== undefined && session.invocationSeconds() / 60 >= options.maxMinutes) {
        status = 'time-limit';
        break;
      }
      const { metrics, rewards } = await runStep(session);
      await folder.appendMetrics(metrics);
      options.onStep?.(metrics, { rewards, best: progress.best });
      if (progress.step % config.checkpointEverySteps === 0 || progress.step === config.steps) await saveState();
    }
    if (options.annotateBest && !options.signal?.aborted && progress.best.some((c) => c.relaxedEHull === undefined)) {
      // best/ and the checkpoint's best list are written again with the annotations.
      if (await options.annotateBest(progress.best, options.signal)) savedAtStep = -1;
    }
    // A stop, a time limit or a resume with nothing left to do ends here: keep what this invocation reached.
    if (savedAtStep !== progress.step) await saveState();
  } finally {
    await session.release();
  }
  return { status, step: progress.step, elapsedSeconds: session.elapsed(), best: progress.best, modelDir: join(options.outDir, 'model') };
}

/** Open (or resume) the run folder, load the models and the reward, restore the progress of a resumed run. */
async function startSession(options: FinetuneOptions): Promise<FinetuneSession> {
  const { log } = options;
  const folder = RunFolder.open(options.outDir, { resume: options.resume ?? false });
  let run: RunFile;
  if (options.resume) {
    run = await folder.readRun<RunFile>();
    // The number of steps may change when resuming; everything else stays as the run began.
    if (options.resumeSteps !== undefined) run.config.steps = options.resumeSteps;
  } else {
    const base = await loadModel(options.model);
    run = { config: options.config, modelDir: base.dir, reward: options.reward, createdAt: new Date().toISOString() };
  }
  options.checkRun?.(run);
  const config = run.config;
  validateFinetuneConfig(config);
  await folder.writeRun(run);

  await initSymmetry();
  const tables = wyckoffTables();
  const prior = await loadModel(run.modelDir);
  const modelConfig = policyConfig(prior.config);
  const reward = await options.createReward(run.reward);

  const found = options.resume ? await folder.latestCheckpoint() : undefined;
  const updater = await PpoUpdater.create(modelConfig, found ? found.checkpoint.params : prior.params, config, tables, log);
  let progress: SavedProgress = { step: 0, baseline: null, elapsedSeconds: 0, best: [] };
  if (found) {
    progress = folder.restore<SavedProgress>(updater.step, found).progress;
    log(`resumed from ${found.path}: step ${progress.step} of ${config.steps}`);
  }
  // Metric lines written after the checkpoint (a crash before the next one) belong to steps that are sampled again.
  if (options.resume) await folder.dropMetricsAfter(progress.step);
  // The policy changes after every batch: its weights are fed per step rather than built into the graphs.
  const sampler = await CrystalSampler.create(modelConfig, currentPolicy(updater, prior.params), { weightsInGraph: false });
  const evaluator = await LikelihoodEvaluator.create(modelConfig);
  const providers = await folder.recordProviders();
  log(`execution providers: ${Object.entries(providers).map(([workload, provider]) => `${workload} on ${provider}`).join(', ')}`);
  log(
    `fine-tuning '${prior.card.name}' (${prior.dir}) with reward '${run.reward.name ?? 'unnamed'}': ${config.steps} steps × ${config.batchSize} samples, ` +
      `${config.ppoEpochs} PPO epochs × ${config.miniBatches} mini-batch${config.miniBatches === 1 ? '' : 'es'}, lr ${config.learningRate}, ε ${config.clip}, β ${config.beta}, ${config.advantage} advantage`,
  );
  const judge = options.createJudge?.(run.reward);
  if (judge) log(`judged every step by: ${judge.rule}`);

  const startedAt = performance.now();
  const earlierSeconds = progress.elapsedSeconds;
  const invocationSeconds = () => (performance.now() - startedAt) / 1000;
  return {
    folder,
    run,
    config,
    prior,
    priorWeights: new Map(prior.params.names().map((n) => [n, prior.params.get(n)])),
    tables,
    updater,
    sampler,
    evaluator,
    reward,
    judge,
    penalty: run.reward.penalty ?? DEFAULT_PENALTY,
    reportRewardMessages: rewardMessageReporter(log),
    conditions:
      config.spaceGroups === 'training-distribution' ? { spaceGroups: { kind: 'distribution', weights: prior.card.spaceGroupCounts } } : { spaceGroups: { kind: 'list', groups: config.spaceGroups } },
    progress,
    invocationSeconds,
    elapsed: () => earlierSeconds + invocationSeconds(),
    async release() {
      await sampler.release();
      await evaluator.release();
      await updater.release();
      await reward.close();
    },
  };
}

/** A step's batch: the samples, their built crystals and the space groups they were drawn for. */
interface SampledBatch {
  samples: SampledCrystal[];
  built: ReturnType<typeof buildSample>[];
  groups: Int32Array;
}

/** The reward's verdict on a batch, spread to every sample (those without a structure get the penalty). */
interface ScoredBatch {
  rewards: Float64Array;
  /** Each term's value per sample (NaN where not evaluated). */
  termValues: Record<string, Float64Array>;
  /** Per sample: the judges' verdicts (when the run has a judge and the sample was scored). */
  verdicts: ({ strictComposition: boolean; plausibleContacts: boolean } | undefined)[];
  /** Distinct fingerprints among the scored crystals (when judged) and duplicates the reward's guard found. */
  distinctMotifs: number | undefined;
  /** Per sample: scored on the reward's merit (built, every constraint and guard passed); undefined when the reward does not say. */
  onMerit: boolean[] | undefined;
  duplicates: number;
}

/** One PPO iteration (steps 1–6 of the header): sample, score, update; returns the step's metrics. */
async function runStep(session: FinetuneSession): Promise<{ metrics: FinetuneStepMetrics; rewards: Float64Array }> {
  const { config, progress } = session;
  const stepStart = performance.now();
  const rng = new Rng(`${config.seed}/ppo-step/${progress.step}`);

  // 1–2. Sample from the current policy.
  const batch = await sampleBatch(session, rng);
  const sampleSeconds = (performance.now() - stepStart) / 1000;

  // 3. Rewards.
  const rewardStart = performance.now();
  const scored = await scoreBatch(session, batch);
  const rewardSeconds = (performance.now() - rewardStart) / 1000;

  // 4. Advantages.
  const meanReward = mean(scored.rewards);
  const advantage = config.advantage === 'group' ? groupAdvantages(scored.rewards, batch.groups) : Float32Array.from(scored.rewards, (r) => r - (progress.baseline ?? meanReward));
  progress.baseline = progress.baseline === null ? meanReward : config.baselineDecay * progress.baseline + (1 - config.baselineDecay) * meanReward;

  // 5–6. Log-probabilities and the PPO epochs.
  const updateStart = performance.now();
  const update = await updatePolicy(session, batch.samples, advantage);
  const updateSeconds = (performance.now() - updateStart) / 1000;
  progress.step++;

  const validity = batchValidity(batch.built);
  // The best list takes the reward's own verdict: a crystal that failed a constraint of the spec (or repeated a
  // motif) never enters it, whatever the lenient CDVAE check says; and, whatever the spec, no crystal with two atoms
  // closer than 0.5 Å (a spec without a validity constraint still scores such crystals on merit).
  const eligible = scored.onMerit ? scored.onMerit.map((merit, i) => merit && validity.structural[i]!) : validity.valid;
  offerBatchBest(session, batch, eligible, scored, update.logpOld);
  const totalSeconds = (performance.now() - stepStart) / 1000;
  const metrics = stepMetrics(session, batch.samples.length, validity, scored, update, { sample: sampleSeconds, reward: rewardSeconds, update: updateSeconds, total: totalSeconds });
  return { metrics, rewards: scored.rewards };
}

async function sampleBatch(session: FinetuneSession, rng: Rng): Promise<SampledBatch> {
  const { sampler, conditions } = session;
  sampler.setParameters(currentPolicy(session.updater, session.prior.params));
  const groups = drawGroups(sampler, conditions, session.config, rng);
  const samples = (await sampler.sampleBatch(groups, conditions, rng)).filter((s): s is SampledCrystal => s !== null);
  return { samples, built: samples.map((s, i) => buildSample(s, i + 1, null)), groups };
}

/** Most reward messages a run prints: a failing oracle repeats itself every step, and the log must stay readable. */
const MAX_REWARD_MESSAGES = 50;

/** Prints each distinct reward message once, with its step, until MAX_REWARD_MESSAGES, then says that it stops. */
export function rewardMessageReporter(log: (line: string) => void): FinetuneSession['reportRewardMessages'] {
  const seen = new Set<string>();
  return (step, messages) => {
    for (const message of messages) {
      if (seen.size > MAX_REWARD_MESSAGES || seen.has(message)) continue;
      seen.add(message);
      log(seen.size > MAX_REWARD_MESSAGES ? `reward: more than ${MAX_REWARD_MESSAGES} distinct failure messages; no more are printed` : `step ${step}: reward: ${message}`);
    }
  };
}

async function scoreBatch(session: FinetuneSession, { samples, built }: SampledBatch): Promise<ScoredBatch> {
  const candidates: CandidateInput[] = [];
  const candidateOf: number[] = [];
  built.forEach((b, i) => {
    // A crystal whose CIF would not read back (two elements on one position) has no file but is still scored.
    if (b.structure && b.description) {
      candidates.push({ structure: b.structure, description: b.description, cif: b.cif ?? writeSymmetrizedCif(b.description) });
      candidateOf.push(i);
    }
  });
  const scored = await session.reward.evaluate(candidates);
  session.reportRewardMessages(session.progress.step + 1, scored.failures?.messages ?? []);
  const judgement = session.judge?.judge(candidates);
  const n = samples.length;
  const rewards = new Float64Array(n).fill(session.penalty);
  candidateOf.forEach((i, c) => (rewards[i] = scored.reward[c]!));
  const termValues: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(scored.terms)) {
    const full = new Float64Array(n).fill(NaN);
    candidateOf.forEach((i, c) => (full[i] = values[c]!));
    termValues[name] = full;
  }
  const verdicts = new Array<ScoredBatch['verdicts'][number]>(n).fill(undefined);
  if (judgement) candidateOf.forEach((i, c) => (verdicts[i] = { strictComposition: judgement.strictComposition[c]!, plausibleContacts: judgement.plausibleContacts[c]! }));
  let onMerit: boolean[] | undefined;
  if (scored.rejected) {
    onMerit = new Array<boolean>(n).fill(false);
    candidateOf.forEach((i, c) => (onMerit![i] = scored.rejected![c] === undefined));
  }
  return { rewards, termValues, verdicts, distinctMotifs: judgement ? new Set(judgement.fingerprints).size : undefined, duplicates: scored.failures?.duplicates ?? 0, onMerit };
}

interface PolicyUpdate {
  logpOld: Float32Array;
  logpPrior: Float32Array;
  /** Fraction of ratios clipped and the gradient norm in the last PPO epoch. */
  clipped: number;
  gradNorm: number;
}

async function updatePolicy(session: FinetuneSession, samples: readonly SampledCrystal[], advantage: Float32Array): Promise<PolicyUpdate> {
  const { config, updater } = session;
  const tokens = packTokens(samples);
  // log π_old is what the sampler recorded (float64, under the model's own masks — equal to the scoring graph's
  // value up to float32 rounding, which a test checks), so no extra forward pass is needed for it.
  const logpOld = Float32Array.from(samples, (s) => s.logp.total);
  const logpPrior = Float32Array.from((await session.evaluator.evaluate(tokens, session.tables, session.priorWeights)).total, (nll) => -nll);
  const batch = { tokens, logpOld, logpPrior, advantage };
  const feeds = miniBatchIndices(tokens.numSites, config.miniBatches).map((indices) => updater.feeds(batch, indices));
  let last = { clipped: 0, gradNorm: 0 };
  for (let epoch = 0; epoch < config.ppoEpochs; epoch++) {
    for (const f of feeds) {
      const result = await updater.run(f, config.learningRate);
      if (!Number.isFinite(result.loss)) throw new Error(`PPO diverged at step ${session.progress.step + 1}: loss ${result.loss}`);
      last = { clipped: result.metrics.clipped ?? 0, gradNorm: result.gradNorm };
    }
  }
  return { logpOld, logpPrior, ...last };
}

/** Per sample: structurally valid (distances and volume), compositionally valid (charge balance, electronegativity), both. */
interface BatchValidity {
  structural: boolean[];
  compositional: boolean[];
  valid: boolean[];
}

function batchValidity(built: SampledBatch['built']): BatchValidity {
  const structural = built.map((b) => b.record.structurallyValid);
  const compositional = built.map((b) => (b.structure ? compositionalValidity(Composition.fromStructure(b.structure)).valid : false));
  return { structural, compositional, valid: structural.map((s, i) => s && compositional[i]!) };
}

/** Best candidates, one per distinct crystal (formula, space group, Wyckoff sequence), among the eligible ones. */
function offerBatchBest(session: FinetuneSession, { built }: SampledBatch, eligible: readonly boolean[], scored: ScoredBatch, logpOld: Float32Array): void {
  built.forEach((b, i) => {
    if (!eligible[i] || !b.cif || !b.record.formula) return;
    const terms: Record<string, number> = {};
    for (const [name, values] of Object.entries(scored.termValues)) if (Number.isFinite(values[i]!)) terms[name] = values[i]!;
    offerBest(session.progress.best, session.config.keepBest, {
      step: session.progress.step,
      reward: scored.rewards[i]!,
      terms,
      formula: b.record.formula,
      spaceGroup: b.record.spaceGroupRequested,
      wyckoffLabel: b.record.wyckoffLabel ?? '',
      logp: logpOld[i]!,
      cif: b.cif,
      ...(scored.verdicts[i] ?? {}),
    });
  });
}

/** The metrics.jsonl line of a step. */
function stepMetrics(
  session: FinetuneSession,
  samples: number,
  validity: BatchValidity,
  scored: ScoredBatch,
  update: PolicyUpdate,
  seconds: FinetuneStepMetrics['seconds'],
): FinetuneStepMetrics {
  const { rewards } = scored;
  const { logpOld, logpPrior } = update;
  const validRewards = rewards.filter((_, i) => validity.valid[i]);
  let judges: FinetuneStepMetrics['judges'];
  if (scored.distinctMotifs !== undefined) {
    const strict = scored.verdicts.map((v) => v?.strictComposition ?? false);
    const contacts = scored.verdicts.map((v) => v?.plausibleContacts ?? false);
    const plausibleRewards = rewards.filter((_, i) => strict[i] && contacts[i]);
    judges = {
      unique: samples ? scored.distinctMotifs / samples : 0,
      strictComposition: fraction(strict),
      plausibleContacts: fraction(contacts),
      meanRewardPlausible: plausibleRewards.length ? mean(plausibleRewards) : NaN,
      duplicates: samples ? scored.duplicates / samples : 0,
    };
  }
  const kl = estimateKl(logpOld, logpPrior);
  return {
    kind: 'step',
    step: session.progress.step,
    steps: session.config.steps,
    reward: { mean: mean(rewards), max: max(rewards), min: -max(rewards.map((r) => -r)), std: std(rewards), meanValid: validRewards.length ? mean(validRewards) : NaN },
    terms: Object.fromEntries(Object.entries(scored.termValues).map(([name, values]) => [name, mean(values.filter(Number.isFinite))])),
    kl: kl.k3,
    klLogRatio: kl.k1,
    entropy: -mean(logpOld),
    validity: { structural: fraction(validity.structural), compositional: fraction(validity.compositional), valid: fraction(validity.valid) },
    ...(judges ? { judges } : {}),
    baseline: session.progress.baseline!,
    clipped: update.clipped,
    gradNorm: update.gradNorm,
    samplesPerSecond: samples / seconds.total,
    seconds,
    elapsedSeconds: session.elapsed(),
  };
}

export function validateFinetuneConfig(config: FinetuneConfig): void {
  const positiveInt = (name: keyof FinetuneConfig) => {
    const v = config[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`finetune: ${name} must be a positive integer (got ${String(v)})`);
  };
  for (const name of ['steps', 'batchSize', 'ppoEpochs', 'miniBatches', 'groupSize', 'checkpointEverySteps', 'keepBest'] as const) positiveInt(name);
  if (!(config.learningRate > 0 && config.learningRate < 1)) throw new Error(`finetune: learningRate must be in (0, 1) (got ${config.learningRate})`);
  if (!(config.clip > 0 && config.clip < 1)) throw new Error(`finetune: clip must be in (0, 1) (got ${config.clip})`);
  if (!(config.beta >= 0)) throw new Error(`finetune: beta must be ≥ 0 (got ${config.beta})`);
  if (!(config.baselineDecay >= 0 && config.baselineDecay < 1)) throw new Error(`finetune: baselineDecay must be in [0, 1) (got ${config.baselineDecay})`);
  if (config.advantage === 'group' && config.batchSize % config.groupSize !== 0) {
    throw new Error(`finetune: with group advantages the batch size (${config.batchSize}) must be a multiple of the group size (${config.groupSize})`);
  }
  if (config.spaceGroups !== 'training-distribution') {
    if (config.spaceGroups.length === 0) throw new Error('finetune: the space-group list is empty');
    for (const g of config.spaceGroups) if (!Number.isInteger(g) || g < 1 || g > 230) throw new Error(`finetune: space group ${g} is not in 1…230`);
  }
}

/** The policy's current weights as a ParameterStore (copied: the optimizer's buffers are rewritten every update). */
function currentPolicy(updater: PpoUpdater, shapes: ParameterStore): ParameterStore {
  const store = new ParameterStore();
  for (const [name, values] of updater.step.parameters()) store.set(name, Float32Array.from(values), shapes.shape(name));
  return store;
}

/** Crystal indices of each mini-batch: sorted by number of sites and cut into `count` near-equal parts. */
export function miniBatchIndices(numSites: Int32Array, count: number): number[][] {
  const order = Array.from(numSites.keys()).sort((a, b) => numSites[a]! - numSites[b]! || a - b);
  const parts = Math.max(1, Math.min(count, order.length));
  return Array.from({ length: parts }, (_, k) => order.slice(Math.round((k * order.length) / parts), Math.round(((k + 1) * order.length) / parts)));
}

/** Space groups of one batch; for group advantages, batch/groupSize draws each repeated groupSize times. */
function drawGroups(sampler: CrystalSampler, conditions: SamplingConditions, config: FinetuneConfig, rng: Rng): Int32Array {
  if (config.advantage !== 'group') return sampler.drawSpaceGroups(conditions, config.batchSize, rng);
  const distinct = sampler.drawSpaceGroups(conditions, config.batchSize / config.groupSize, rng);
  const out = new Int32Array(config.batchSize);
  for (let i = 0; i < out.length; i++) out[i] = distinct[Math.floor(i / config.groupSize)]!;
  return out;
}

/**
 * GRPO-style advantages: each reward standardised within its group (consecutive samples that share a space group
 * draw). A group whose rewards are all equal carries no signal and gets zero advantage.
 */
export function groupAdvantages(rewards: ArrayLike<number>, groups: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rewards.length);
  let start = 0;
  for (let i = 1; i <= rewards.length; i++) {
    if (i < rewards.length && groups[i] === groups[start]) continue;
    const values = Array.from({ length: i - start }, (_, k) => rewards[start + k]!);
    const m = mean(values);
    const s = std(values);
    for (let k = start; k < i; k++) out[k] = s > 1e-12 ? (rewards[k]! - m) / s : 0;
    start = i;
  }
  return out;
}

function offerBest(best: BestCandidate[], keep: number, candidate: BestCandidate): void {
  const key = (c: BestCandidate) => `${c.formula}|${c.spaceGroup}|${c.wyckoffLabel}`;
  const existing = best.findIndex((c) => key(c) === key(candidate));
  if (existing >= 0) {
    if (best[existing]!.reward >= candidate.reward) return;
    best.splice(existing, 1);
  }
  if (best.length >= keep && best[best.length - 1]!.reward >= candidate.reward) return;
  best.push(candidate);
  best.sort((a, b) => b.reward - a.reward);
  if (best.length > keep) best.length = keep;
}

/** best/: the best candidates as CIF files (rank order) and best.jsonl with their rewards and terms. */
async function writeBest(outDir: string, best: readonly BestCandidate[]): Promise<void> {
  const dir = join(outDir, 'best');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  for (const [rank, c] of best.entries()) {
    const file = `${String(rank + 1).padStart(3, '0')}-${c.formula.replace(/[^A-Za-z0-9]/g, '')}.cif`;
    await writeFile(join(dir, file), c.cif);
    const { cif: _cif, ...rest } = c;
    lines.push(JSON.stringify({ rank: rank + 1, file, ...rest }));
  }
  await writeFile(join(dir, 'best.jsonl'), lines.join('\n') + (lines.length ? '\n' : ''));
}

/** The fine-tuned policy as a model folder with a card derived from the pretrained model's. */
async function writePolicyModel(dir: string, base: ModelCard, params: ParameterStore, run: RunFile, step: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'model.safetensors'), params.toSafetensors({ model: JSON.stringify(base.config), finetune_step: String(step) }));
  const card: ModelCard = {
    ...base,
    format: MODEL_FORMAT,
    name: `${base.name}-rl`,
    description: `${base.name} fine-tuned by PPO (KL β ${run.config.beta} to the pretrained model) toward reward '${run.reward.name ?? 'unnamed'}', ${step} steps × ${run.config.batchSize} samples.`,
    training: { finetune: { ...run.config, steps: step, reward: run.reward, base: run.modelDir } as unknown as Record<string, unknown> },
    files: { weights: 'model.safetensors' },
    createdAt: new Date().toISOString(),
  };
  delete card.onnx;
  await writeFile(join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
}

function max(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) m = Math.max(m, values[i]!);
  return m;
}

function fraction(flags: readonly boolean[]): number {
  return flags.length ? flags.filter(Boolean).length / flags.length : 0;
}
