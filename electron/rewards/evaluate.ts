/**
 * Evaluates a reward spec (shared/api/reward-spec.ts) on a batch of generated crystals: constraints first
 * (./constraints.ts; failures get the penalty), then the term tree (./terms.ts, one compiler per term kind) on the
 * candidates that passed, with every failure of a predictor, the hull or an oracle counted and turned into
 * `failureReward` — a batch always yields one finite reward per candidate.
 *
 * `createRewardFunction` does the set-up once (checks that every predictor is registered, loads the hull
 * reference, opens ONNX models, prepares oracle processes) so an RL loop pays it once; `evaluateReward` is the
 * one-shot form.
 */
import { dirname, resolve } from 'node:path';
import { Composition } from '../../shared/crystal/composition.ts';
import { DEFAULT_PENALTY, formatPath, type ConstraintName, parseRewardSpec, walkTerms, type RewardSpec, type Term, type WalkedTerm } from '../../shared/api/reward-spec.ts';
import { duplicateGuard } from '../../shared/api/reward-guards.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { registerBuiltInPredictors } from '../predictors/registry.ts';
import { isUncertaintyAware } from '../predictors/uncertainty.ts';
import { constraintCheck, DEFAULT_VALIDITY, type ConstraintCheck, type ValidityChecks } from './constraints.ts';
import { candidateFingerprint, MotifMemory } from './guards.ts';
import { defaultHullReferencePath, loadHullReference, type HullReference } from './hull.ts';
import { CommandOracle } from './oracles/command.ts';
import { KServeOracle } from './oracles/kserve.ts';
import { OnnxOracle } from './oracles/onnx.ts';
import { PotentialTermResources } from './potential-terms.ts';
import { predictorRegistry, type PredictorRegistry } from './predictors.ts';
import { compileTerm, type BatchContext, type CompiledTerm, type SpecPath, type TermSetup } from './terms.ts';
import { MAX_MESSAGES, addMessage, type CandidateInput, type PropertyPredictor, type RewardFailures, type RewardOracle } from './types.ts';

export { DEFAULT_VALIDITY, type ValidityChecks } from './constraints.ts';
export type { RewardFailures, TermFailureCounts } from './types.ts';

export interface RewardOptions {
  /** Where predictor names are looked up (default: the process-wide registry). */
  predictors?: PredictorRegistry;
  validity?: ValidityChecks;
  /**
   * Hull reference for `ehull` terms without their own `reference`: a loaded HullReference or a file path.
   * Default: $CFSTUDIO_HULL_REFERENCE or ../shared/data/properties/hull_reference.csv.
   */
  hullReference?: HullReference | string;
  /** Directory that relative paths in the spec resolve against (use the spec file's folder). Default: cwd. */
  baseDir?: string;
  /** Set-up messages (which ONNX provider runs, …). */
  log?: (line: string) => void;
  /** onnxruntime threads of the potential in `potential_ehull` / `energy_per_atom` terms (default 1). */
  potentialThreads?: number;
}

export interface RewardResult {
  /** One finite reward per candidate. */
  reward: Float64Array;
  /** Each term's value per candidate after its transform (NaN where not evaluated or failed), by term name. */
  terms: Record<string, Float64Array>;
  /** Values before the transform, for terms that have one (e.g. E_hull in eV/atom behind a −E_hull reward). */
  raw: Record<string, Float64Array>;
  failures: RewardFailures;
  /**
   * Per candidate, why it did not get its reward on merit: the constraint it failed ('composition', 'contacts',
   * 'guards.extrapolation', …), 'guards.duplicates' for a repeat, 'unscored' for a failed term; undefined when its
   * reward is the term tree's value. Fine-tuning keeps only undefined ones in its best list.
   */
  rejected: (string | undefined)[];
}

export interface RewardFunction {
  readonly spec: RewardSpec;
  /** Names of all terms, parents before children (the keys of RewardResult.terms). */
  readonly termNames: readonly string[];
  evaluate(candidates: readonly CandidateInput[]): Promise<RewardResult>;
  /** Stop oracle processes and release ONNX sessions. */
  close(): Promise<void>;
}

class SetupError extends Error {
  override name = 'RewardSetupError';
}

/** Rethrow what a set-up step throws as a SetupError, prefixed with the JSON path when one is given. */
async function asSetupError<T>(path: SpecPath | undefined, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new SetupError(path ? `${formatPath(path)}: ${(error as Error).message}` : (error as Error).message);
  }
}

/** The resources terms open at set-up (oracle processes, the potential) and the look-ups they need. */
function openTermResources(registry: PredictorRegistry, options: RewardOptions): { setup: Omit<TermSetup, 'compile'>; close(): Promise<void> } {
  const baseDir = options.baseDir ?? process.cwd();
  const oracles: RewardOracle[] = [];
  const potentialTerms = new PotentialTermResources({ baseDir, ...(options.potentialThreads !== undefined ? { threads: options.potentialThreads } : {}) });
  const hullFile = (reference: string | undefined): string | undefined =>
    reference !== undefined ? resolve(baseDir, reference) : typeof options.hullReference === 'string' ? resolve(baseDir, options.hullReference) : defaultHullReferencePath();
  const setup: Omit<TermSetup, 'compile'> = {
    registry,
    requirePredictor(name, path) {
      if (registry.has(name)) return;
      const known = registry.names();
      throw new SetupError(`${formatPath(path)}: no predictor named '${name}' is registered (registered: ${known.length ? known.join(', ') : 'none'})`);
    },
    requireSpread(name, path) {
      const predictor = registry.get(name);
      if (predictor && isUncertaintyAware(predictor)) return (values) => predictor.spread(values);
      throw new SetupError(`${formatPath(path)}: predictor '${name}' states no uncertainty (a calibrated spread), so it cannot take this option`);
    },
    openOracle: (oracle, path) =>
      asSetupError([...path, 'oracle'], async () => {
        const opened: RewardOracle =
          oracle.type === 'command' ? new CommandOracle(oracle, baseDir) : oracle.type === 'kserve' ? new KServeOracle(oracle) : await OnnxOracle.open(oracle, baseDir, options.log);
        oracles.push(opened);
        return opened;
      }),
    async resolveHull(reference, path) {
      if (reference === undefined && options.hullReference !== undefined && typeof options.hullReference !== 'string') return options.hullReference;
      const file = hullFile(reference);
      if (file === undefined) {
        throw new SetupError(
          `${formatPath(path)}: no hull reference: set "reference" in the spec, pass one to the evaluator, or set CFSTUDIO_HULL_REFERENCE (../shared/data/properties/hull_reference.csv was not found)`,
        );
      }
      return asSetupError(path, () => loadHullReference(file));
    },
    compilePotentialTerm: (term, path) => asSetupError(undefined, () => potentialTerms.compile(term, path)),
  };
  return {
    setup,
    close: async () => {
      await Promise.all([...oracles.map((o) => o.close().catch(() => undefined)), potentialTerms.close().catch(() => undefined)]);
    },
  };
}

/** Compile the term tree from its root; every term is reported under its walked name. */
function compileTree(walked: readonly WalkedTerm[], setup: Omit<TermSetup, 'compile'>): Promise<CompiledTerm> {
  const nameOf = new Map(walked.map((w) => [w.term, w] as const));
  const compile = (term: Term): Promise<CompiledTerm> => {
    const { name, path } = nameOf.get(term)!;
    return compileTerm(term, name, path, { ...setup, compile });
  };
  return compile(walked[0]!.term);
}

/** The predictors the extrapolation guard asks: those the reward calls that can tell their domain. */
function domainPredictors(spec: RewardSpec, walked: readonly WalkedTerm[], registry: PredictorRegistry): PropertyPredictor[] {
  if (!spec.guards?.extrapolation) return [];
  const named = walked.flatMap(({ term }) =>
    term.kind === 'predictor' ? [term.predictor] : term.kind === 'ehull' && typeof term.formationEnergy === 'string' ? [term.formationEnergy] : [],
  );
  return [...new Set(named)].map((name) => registry.get(name)!).filter((p) => p.outOfDomain !== undefined);
}

/** The candidates still to score (batch indices) and their compositions. */
interface ActiveCandidates {
  indices: number[];
  compositions: Composition[];
}

/** The reward of a candidate failing each constraint: the spec's `penalties` entry, else its `penalty`. */
type PenaltyOf = (constraint: string) => number;

/** Give a candidate the constraint's penalty and count it under the constraint it failed. */
function reject(failures: RewardFailures, reward: Float64Array, rejected: (string | undefined)[], index: number, penaltyOf: PenaltyOf, constraint: string): void {
  failures.invalid++;
  failures.constraints[constraint] = (failures.constraints[constraint] ?? 0) + 1;
  reward[index] = penaltyOf(constraint);
  rejected[index] = constraint;
}

/** Constraints first: a candidate without a readable composition or failing a constraint gets the penalty. */
function screenConstraints(
  candidates: readonly CandidateInput[],
  check: ConstraintCheck,
  penaltyOf: PenaltyOf,
  reward: Float64Array,
  rejected: (string | undefined)[],
  failures: RewardFailures,
): ActiveCandidates {
  const active: ActiveCandidates = { indices: [], compositions: [] };
  candidates.forEach((candidate, i) => {
    let composition: Composition;
    try {
      composition = Composition.fromStructure(candidate.structure);
    } catch (error) {
      reject(failures, reward, rejected, i, penaltyOf, 'structure');
      addMessage(failures, `candidate ${i}: ${(error as Error).message}`);
      return;
    }
    const failed = composition.elements.length === 0 ? 'structure' : check(candidate, composition);
    if (failed !== undefined) reject(failures, reward, rejected, i, penaltyOf, failed);
    else {
      active.indices.push(i);
      active.compositions.push(composition);
    }
  });
  return active;
}

/** `guards.extrapolation`: candidates a predictor declares outside its domain get the penalty. */
async function screenDomains(
  active: ActiveCandidates,
  predictors: readonly PropertyPredictor[],
  candidates: readonly CandidateInput[],
  penaltyOf: PenaltyOf,
  reward: Float64Array,
  rejected: (string | undefined)[],
  failures: RewardFailures,
): Promise<ActiveCandidates> {
  for (const predictor of predictors) {
    if (active.indices.length === 0) break;
    let outside: ArrayLike<boolean | number>;
    try {
      outside = await predictor.outOfDomain!(active.indices.map((i) => candidates[i]!));
    } catch (error) {
      addMessage(failures, `guards.extrapolation: ${predictor.name}: ${(error as Error).message}`);
      continue;
    }
    active.indices.forEach((i, k) => {
      if (outside[k]) reject(failures, reward, rejected, i, penaltyOf, 'guards.extrapolation');
    });
    active = { indices: active.indices.filter((_, k) => !outside[k]), compositions: active.compositions.filter((_, k) => !outside[k]) };
  }
  return active;
}

/** Per-term values computed on the active subset, spread back to the whole batch (NaN elsewhere). */
function spreadToBatch(subset: Record<string, Float64Array>, indices: readonly number[], n: number): Record<string, Float64Array> {
  const full: Record<string, Float64Array> = {};
  for (const [name, part] of Object.entries(subset)) {
    const array = new Float64Array(n).fill(NaN);
    indices.forEach((i, k) => (array[i] = part[k]!));
    full[name] = array;
  }
  return full;
}

/** Prepare a reward spec for repeated evaluation. Throws (naming the JSON path) when something it needs is missing. */
export async function createRewardFunction(specInput: RewardSpec, options: RewardOptions = {}): Promise<RewardFunction> {
  const spec = parseRewardSpec(specInput, specInput.name ? `reward spec '${specInput.name}'` : 'reward spec');
  const registry = options.predictors ?? predictorRegistry;
  if (!options.predictors) registerBuiltInPredictors(registry); // shipped models (band_gap, formation_energy, dielectric_total) and min_distance
  const walked = walkTerms(spec.reward);
  const resources = openTermResources(registry, options);
  let root: CompiledTerm;
  try {
    root = await compileTree(walked, resources.setup);
  } catch (error) {
    await resources.close();
    throw error;
  }

  const penalty = spec.penalty ?? DEFAULT_PENALTY;
  const failureReward = spec.failureReward ?? penalty;
  const penalties = spec.penalties ?? {};
  const penaltyOf: PenaltyOf = (constraint) => penalties[constraint as ConstraintName] ?? penalty;
  const checkConstraints = constraintCheck(spec.constraints ?? {}, options.validity ?? DEFAULT_VALIDITY);
  const duplicates = duplicateGuard(spec.guards, penalty);
  // One memory per reward function: a fine-tuning run evaluates one batch per step, so it spans steps.
  const motifs = duplicates && new MotifMemory(duplicates.memoryBatches, duplicates.maxRepeats);
  const guardedPredictors = domainPredictors(spec, walked, registry);

  const evaluate = async (candidates: readonly CandidateInput[]): Promise<RewardResult> => {
    await initSymmetry(); // the predictors and the motif key judge analysed descriptions (./canonical.ts)
    const n = candidates.length;
    const reward = new Float64Array(n);
    const failures: RewardFailures = { candidates: n, invalid: 0, constraints: {}, unscored: 0, duplicates: 0, terms: {}, messages: [] };
    const rejected = new Array<string | undefined>(n).fill(undefined);
    const screened = screenConstraints(candidates, checkConstraints, penaltyOf, reward, rejected, failures);
    const { indices, compositions } = await screenDomains(screened, guardedPredictors, candidates, penaltyOf, reward, rejected, failures);

    const ctx: BatchContext = { candidates: indices.map((i) => candidates[i]!), compositions, predictions: new Map(), failures, terms: {}, raw: {} };
    const values = indices.length > 0 ? await root.evaluate(ctx) : new Float64Array(0);
    indices.forEach((i, k) => {
      const v = values[k]!;
      if (Number.isFinite(v)) reward[i] = v;
      else {
        reward[i] = failureReward;
        rejected[i] = 'unscored';
        failures.unscored++;
      }
    });
    if (duplicates && motifs) {
      // Repeats of a motif gain nothing: a policy collapsing onto a few crystals stops being paid.
      const repeated = motifs.judgeBatch(ctx.candidates.map((c) => candidateFingerprint(c)));
      indices.forEach((i, k) => {
        if (!repeated[k]) return;
        reward[i] = duplicates.reward;
        rejected[i] ??= 'guards.duplicates';
        failures.duplicates++;
      });
    }

    const terms = spreadToBatch(ctx.terms, indices, n);
    for (const w of walked) terms[w.name] ??= new Float64Array(n).fill(NaN);
    failures.messages = failures.messages.slice(0, MAX_MESSAGES);
    return { reward, terms, raw: spreadToBatch(ctx.raw, indices, n), failures, rejected };
  };

  let closed = false;
  return {
    spec,
    termNames: walked.map((w) => w.name),
    evaluate(candidates) {
      if (closed) return Promise.reject(new Error('reward function used after close()'));
      return evaluate(candidates);
    },
    async close() {
      closed = true;
      await resources.close();
    },
  };
}

/** One-shot: set up, evaluate one batch, close. */
export async function evaluateReward(spec: RewardSpec, candidates: readonly CandidateInput[], options: RewardOptions = {}): Promise<RewardResult> {
  const fn = await createRewardFunction(spec, options);
  try {
    return await fn.evaluate(candidates);
  } finally {
    await fn.close();
  }
}

/** Options for a spec read from `file`: relative paths in it resolve against the file's folder. */
export function optionsForSpecFile(file: string, options: RewardOptions = {}): RewardOptions {
  return { ...options, baseDir: options.baseDir ?? dirname(resolve(file)) };
}
