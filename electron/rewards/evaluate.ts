/**
 * Evaluates a reward spec (./spec.ts) on a batch of generated crystals: constraints first (failures get the
 * penalty), then the term tree on the candidates that passed, with every failure of a predictor, the hull or an
 * oracle counted and turned into `failureReward` — a batch always yields one finite reward per candidate.
 *
 * `createRewardFunction` does the set-up once (checks that every predictor is registered, loads the hull
 * reference, opens ONNX models, prepares oracle processes) so an RL loop pays it once; `evaluateReward` is the
 * one-shot form.
 */
import { dirname, resolve } from 'node:path';
import { Composition } from '../../shared/crystal/composition.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { compositionalValidity, structuralValidity } from '../../shared/crystal/validity.ts';
import { defaultHullReferencePath, loadHullReference, type HullReference } from './hull.ts';
import { CommandOracle } from './oracles/command.ts';
import { KServeOracle } from './oracles/kserve.ts';
import { OnnxOracle } from './oracles/onnx.ts';
import { predictorRegistry, type PredictorRegistry } from './predictors.ts';
import { PotentialTermResources } from './potential-terms.ts';
import { registerBuiltInPredictors } from '../predictors/registry.ts';
import {
  DEFAULT_PENALTY,
  applyTransforms,
  formatPath,
  parseRewardSpec,
  walkTerms,
  type OracleSpec,
  type RewardSpec,
  type Term,
} from '../../shared/api/reward-spec.ts';
import { MAX_MESSAGES, addMessage, type CandidateInput, type RewardOracle } from './types.ts';
import { compositionalPlausibility } from '../stability/plausibility.ts';
import { candidateFingerprint, laterDuplicates } from './guards.ts';
import { duplicateReward } from '../../shared/api/reward-guards.ts';

/** Validity checks used by `constraints.validity` (default: CDVAE's rules from electron/evaluate). */
export interface ValidityChecks {
  structural(structure: Structure): { valid: boolean; reason?: string };
  compositional(composition: Composition): { valid: boolean; verdict?: string };
}

export const DEFAULT_VALIDITY: ValidityChecks = {
  structural: (structure) => structuralValidity(structure),
  compositional: (composition) => compositionalValidity(composition),
};

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

export interface TermFailureCounts {
  /** Values that were NaN, ±Infinity or null. */
  nonFinite: number;
  /** Values missing because the predictor threw, the oracle answered garbage or crashed, the hull query failed. */
  errors: number;
  /** Values missing because an oracle did not answer in time. */
  timeouts: number;
}

export interface RewardFailures {
  /** Candidates evaluated. */
  candidates: number;
  /** Candidates that failed a constraint (they got the penalty). */
  invalid: number;
  /**
   * Invalid candidates by the first constraint they failed: 'maxAtoms', 'elements.allowed', 'elements.required',
   * 'elements.forbidden', 'validity.structural', 'validity.compositional', 'composition' (the strict rule),
   * 'guards.extrapolation' (outside a predictor's domain), or 'structure' for a candidate without atoms.
   */
  constraints: Record<string, number>;
  /** Candidates that passed everything but repeat an earlier fingerprint of the batch (`guards.duplicates`). */
  duplicates: number;
  /** Candidates that passed the constraints but whose reward was not a finite number (they got failureReward). */
  unscored: number;
  /** Per term (by reported name): where the failures arose. A failure is counted once, at the term that caused it. */
  terms: Record<string, TermFailureCounts>;
  /** A few distinct messages explaining failures (at most 10). */
  messages: string[];
}

export interface RewardResult {
  /** One finite reward per candidate. */
  reward: Float64Array;
  /** Each term's value per candidate after its transform (NaN where not evaluated or failed), by term name. */
  terms: Record<string, Float64Array>;
  /** Values before the transform, for terms that have one (e.g. E_hull in eV/atom behind a −E_hull reward). */
  raw: Record<string, Float64Array>;
  failures: RewardFailures;
}

export interface RewardFunction {
  readonly spec: RewardSpec;
  /** Names of all terms, parents before children (the keys of RewardResult.terms). */
  readonly termNames: readonly string[];
  evaluate(candidates: readonly CandidateInput[]): Promise<RewardResult>;
  /** Stop oracle processes and release ONNX sessions. */
  close(): Promise<void>;
}

/** Per-batch state shared by the term nodes. */
interface BatchContext {
  candidates: readonly CandidateInput[];
  compositions: Composition[];
  predictions: Map<string, Promise<{ values: Float64Array; error?: string }>>;
  failures: RewardFailures;
  terms: Record<string, Float64Array>;
  raw: Record<string, Float64Array>;
}

interface CompiledTerm {
  name: string;
  term: Term;
  /** Values for the context's candidates, after the transform. */
  evaluate(ctx: BatchContext): Promise<Float64Array>;
}

class SetupError extends Error {
  override name = 'RewardSetupError';
}

/** Prepare a reward spec for repeated evaluation. Throws (naming the JSON path) when something it needs is missing. */
export async function createRewardFunction(specInput: RewardSpec, options: RewardOptions = {}): Promise<RewardFunction> {
  const spec = parseRewardSpec(specInput, specInput.name ? `reward spec '${specInput.name}'` : 'reward spec');
  const registry = options.predictors ?? predictorRegistry;
  if (!options.predictors) registerBuiltInPredictors(registry); // shipped models (band_gap, formation_energy, dielectric_total) and min_distance
  const validity = options.validity ?? DEFAULT_VALIDITY;
  const baseDir = options.baseDir ?? process.cwd();
  const walked = walkTerms(spec.reward);
  const nameOf = new Map(walked.map((w) => [w.term, w] as const));
  const oracles: RewardOracle[] = [];
  const potentialTerms = new PotentialTermResources({ baseDir, ...(options.potentialThreads !== undefined ? { threads: options.potentialThreads } : {}) });

  const closeAll = async () => {
    await Promise.all([...oracles.map((o) => o.close().catch(() => undefined)), potentialTerms.close().catch(() => undefined)]);
  };

  const requirePredictor = (name: string, path: (string | number)[]) => {
    if (!registry.has(name)) {
      const known = registry.names();
      throw new SetupError(`${formatPath(path)}: no predictor named '${name}' is registered (registered: ${known.length ? known.join(', ') : 'none'})`);
    }
  };

  const openOracle = async (oracle: OracleSpec, path: (string | number)[]): Promise<RewardOracle> => {
    try {
      let opened: RewardOracle;
      if (oracle.type === 'command') opened = new CommandOracle(oracle, baseDir);
      else if (oracle.type === 'kserve') opened = new KServeOracle(oracle);
      else opened = await OnnxOracle.open(oracle, baseDir, options.log);
      oracles.push(opened);
      return opened;
    } catch (error) {
      throw new SetupError(`${formatPath([...path, 'oracle'])}: ${(error as Error).message}`);
    }
  };

  const resolveHull = async (reference: string | undefined, path: (string | number)[]): Promise<HullReference> => {
    if (reference === undefined && options.hullReference !== undefined && typeof options.hullReference !== 'string') return options.hullReference;
    const file =
      reference !== undefined ? resolve(baseDir, reference) : typeof options.hullReference === 'string' ? resolve(baseDir, options.hullReference) : defaultHullReferencePath();
    if (file === undefined) {
      throw new SetupError(
        `${formatPath(path)}: no hull reference: set "reference" in the spec, pass one to the evaluator, or set CFSTUDIO_HULL_REFERENCE (../shared/data/properties/hull_reference.csv was not found)`,
      );
    }
    try {
      return await loadHullReference(file);
    } catch (error) {
      throw new SetupError(`${formatPath(path)}: ${(error as Error).message}`);
    }
  };

  const compile = async (term: Term): Promise<CompiledTerm> => {
    const { name, path } = nameOf.get(term)!;
    const counts = (ctx: BatchContext) => (ctx.failures.terms[name] ??= { nonFinite: 0, errors: 0, timeouts: 0 });
    /** Store and return the transformed values; count values the transform itself made non-finite. */
    const finish = (ctx: BatchContext, values: Float64Array): Float64Array => {
      if (term.transform === undefined) {
        ctx.terms[name] = values;
        return values;
      }
      ctx.raw[name] = values;
      const out = values.map((v) => applyTransforms(v, term.transform));
      let broke = 0;
      out.forEach((v, i) => {
        if (!Number.isFinite(v) && Number.isFinite(values[i]!)) broke++;
      });
      if (broke) counts(ctx).nonFinite += broke;
      ctx.terms[name] = out;
      return out;
    };
    /** Predictor values for the batch, shared by every term that names the same predictor. */
    const predict = (ctx: BatchContext, predictor: string) => {
      let pending = ctx.predictions.get(predictor);
      if (!pending) {
        pending = (async () => {
          const n = ctx.candidates.length;
          try {
            const values = await registry.get(predictor)!.predict(ctx.candidates);
            if (!(values instanceof Float64Array) || values.length !== n) {
              return { values: new Float64Array(n).fill(NaN), error: `predictor '${predictor}' returned ${values?.length ?? 'no'} values for ${n} candidates` };
            }
            return { values };
          } catch (error) {
            return { values: new Float64Array(n).fill(NaN), error: `predictor '${predictor}' failed: ${(error as Error).message}` };
          }
        })();
        ctx.predictions.set(predictor, pending);
      }
      return pending;
    };
    /** Count a leaf's failures: all-error batches when `error` is set, else the non-finite values. */
    const countLeaf = (ctx: BatchContext, values: Float64Array, error: string | undefined) => {
      if (error !== undefined) {
        counts(ctx).errors += values.length;
        addMessage(ctx.failures, `${name}: ${error}`);
        return;
      }
      const bad = values.reduce((k, v) => (Number.isFinite(v) ? k : k + 1), 0);
      if (bad) counts(ctx).nonFinite += bad;
    };

    switch (term.kind) {
      case 'predictor': {
        requirePredictor(term.predictor, [...path, 'predictor']);
        return {
          name,
          term,
          async evaluate(ctx) {
            const { values, error } = await predict(ctx, term.predictor);
            countLeaf(ctx, values, error);
            return finish(ctx, Float64Array.from(values));
          },
        };
      }
      case 'oracle': {
        const oracle = await openOracle(term.oracle, path);
        return {
          name,
          term,
          async evaluate(ctx) {
            const scores = await oracle.score(ctx.candidates);
            if (scores.errors || scores.timeouts || scores.nonFinite) {
              const c = counts(ctx);
              c.errors += scores.errors;
              c.timeouts += scores.timeouts;
              c.nonFinite += scores.nonFinite;
            }
            for (const m of scores.messages) addMessage(ctx.failures, `${name}: ${m}`);
            return finish(ctx, scores.values);
          },
        };
      }
      case 'ehull': {
        const hull = await resolveHull(term.reference, path);
        const source = term.formationEnergy;
        let child: CompiledTerm | undefined;
        if (typeof source === 'string') requirePredictor(source, [...path, 'formationEnergy']);
        else child = await compile(source);
        return {
          name,
          term,
          async evaluate(ctx) {
            let formation: Float64Array;
            if (child) formation = await child.evaluate(ctx);
            else {
              const { values, error } = await predict(ctx, source as string);
              countLeaf(ctx, values, error);
              formation = values;
            }
            const out = new Float64Array(formation.length).fill(NaN);
            formation.forEach((e, i) => {
              if (!Number.isFinite(e)) return; // counted where it arose
              try {
                out[i] = hull.energyAboveHull(ctx.compositions[i]!, e);
              } catch (error) {
                counts(ctx).errors++;
                addMessage(ctx.failures, `${name}: hull query for ${ctx.compositions[i]!.reducedFormula} failed: ${(error as Error).message}`);
              }
            });
            return finish(ctx, out);
          },
        };
      }
      case 'potential_ehull':
      case 'energy_per_atom': {
        let scoreBatch: Awaited<ReturnType<PotentialTermResources['compile']>>;
        try {
          scoreBatch = await potentialTerms.compile(term, path);
        } catch (error) {
          throw new SetupError((error as Error).message);
        }
        return {
          name,
          term,
          async evaluate(ctx) {
            const scored = await scoreBatch(ctx.candidates);
            if (scored.errors) counts(ctx).errors += scored.errors;
            for (const m of scored.messages) addMessage(ctx.failures, `${name}: ${m}`);
            return finish(ctx, scored.values);
          },
        };
      }
      case 'product':
      case 'sum': {
        const children = term.kind === 'product' ? await Promise.all(term.factors.map(compile)) : await Promise.all(term.terms.map((t) => compile(t.term)));
        const weights = term.kind === 'sum' ? term.terms.map((t) => t.weight ?? 1) : undefined;
        return {
          name,
          term,
          async evaluate(ctx) {
            // Children run one after the other: oracles and predictors are heavy, and order keeps messages stable.
            const parts: Float64Array[] = [];
            for (const c of children) parts.push(await c.evaluate(ctx));
            const n = ctx.candidates.length;
            const out = new Float64Array(n);
            let broke = 0;
            for (let i = 0; i < n; i++) {
              let value = weights ? 0 : 1;
              let inputsFinite = true;
              parts.forEach((p, k) => {
                if (!Number.isFinite(p[i]!)) inputsFinite = false;
                value = weights ? value + weights[k]! * p[i]! : value * p[i]!;
              });
              if (inputsFinite && !Number.isFinite(value)) broke++;
              out[i] = value;
            }
            if (broke) counts(ctx).nonFinite += broke;
            return finish(ctx, out);
          },
        };
      }
    }
  };

  let root: CompiledTerm;
  try {
    root = await compile(spec.reward);
  } catch (error) {
    await closeAll();
    throw error;
  }

  const penalty = spec.penalty ?? DEFAULT_PENALTY;
  const failureReward = spec.failureReward ?? penalty;
  const constraints = spec.constraints ?? {};
  const allowed = constraints.elements?.allowed ? new Set(constraints.elements.allowed) : undefined;
  const required = constraints.elements?.required ?? [];
  const forbidden = new Set(constraints.elements?.forbidden ?? []);

  /** The first constraint a candidate fails, or undefined when it passes. */
  const failedConstraint = (candidate: CandidateInput, composition: Composition): string | undefined => {
    if (constraints.maxAtoms !== undefined && candidate.structure.numSites > constraints.maxAtoms) return 'maxAtoms';
    const elements = composition.elements;
    if (allowed && elements.some((e) => !allowed.has(e))) return 'elements.allowed';
    if (required.some((e) => !composition.amounts.has(e))) return 'elements.required';
    if (elements.some((e) => forbidden.has(e))) return 'elements.forbidden';
    if (constraints.validity?.structural) {
      try {
        if (!validity.structural(candidate.structure).valid) return 'validity.structural';
      } catch {
        return 'validity.structural';
      }
    }
    if (constraints.validity?.compositional) {
      try {
        if (!validity.compositional(composition).valid) return 'validity.compositional';
      } catch {
        return 'validity.compositional';
      }
    }
    if (constraints.composition) {
      const { minStateProbability, alloys } = constraints.composition;
      if (!compositionalPlausibility(composition, { ...(minStateProbability !== undefined ? { minStateProbability } : {}), ...(alloys !== undefined ? { alloys } : {}) }).valid) return 'composition';
    }
    return undefined;
  };

  const duplicatesGet = duplicateReward(spec.guards, penalty);
  // The predictors whose domain the extrapolation guard asks (those the reward calls that can tell).
  const domainPredictors = spec.guards?.extrapolation
    ? [...new Set(walked.flatMap((w) => (w.term.kind === 'predictor' ? [w.term.predictor] : w.term.kind === 'ehull' && typeof w.term.formationEnergy === 'string' ? [w.term.formationEnergy] : [])))]
        .map((name) => registry.get(name)!)
        .filter((p) => p.outOfDomain !== undefined)
    : [];

  let closed = false;
  return {
    spec,
    termNames: walked.map((w) => w.name),
    async evaluate(candidates) {
      if (closed) throw new Error('reward function used after close()');
      const n = candidates.length;
      const reward = new Float64Array(n);
      const failures: RewardFailures = { candidates: n, invalid: 0, constraints: {}, unscored: 0, duplicates: 0, terms: {}, messages: [] };
      let active: number[] = [];
      let compositions: Composition[] = [];
      candidates.forEach((candidate, i) => {
        let composition: Composition;
        try {
          composition = Composition.fromStructure(candidate.structure);
        } catch (error) {
          failures.invalid++;
          failures.constraints['structure'] = (failures.constraints['structure'] ?? 0) + 1;
          addMessage(failures, `candidate ${i}: ${(error as Error).message}`);
          reward[i] = penalty;
          return;
        }
        const failed = composition.elements.length === 0 ? 'structure' : failedConstraint(candidate, composition);
        if (failed !== undefined) {
          failures.invalid++;
          failures.constraints[failed] = (failures.constraints[failed] ?? 0) + 1;
          reward[i] = penalty;
        } else {
          active.push(i);
          compositions.push(composition);
        }
      });

      for (const predictor of domainPredictors) {
        if (active.length === 0) break;
        let outside: ArrayLike<boolean | number>;
        try {
          outside = await predictor.outOfDomain!(active.map((i) => candidates[i]!));
        } catch (error) {
          addMessage(failures, `guards.extrapolation: ${predictor.name}: ${(error as Error).message}`);
          continue;
        }
        const keep = active.map((_, k) => !outside[k]);
        active.forEach((i, k) => {
          if (keep[k]) return;
          failures.invalid++;
          failures.constraints['guards.extrapolation'] = (failures.constraints['guards.extrapolation'] ?? 0) + 1;
          reward[i] = penalty;
        });
        compositions = compositions.filter((_, k) => keep[k]);
        active = active.filter((_, k) => keep[k]);
      }

      const ctx: BatchContext = {
        candidates: active.map((i) => candidates[i]!),
        compositions,
        predictions: new Map(),
        failures,
        terms: {},
        raw: {},
      };
      const values = active.length > 0 ? await root.evaluate(ctx) : new Float64Array(0);
      active.forEach((i, k) => {
        const v = values[k]!;
        if (Number.isFinite(v)) reward[i] = v;
        else {
          reward[i] = failureReward;
          failures.unscored++;
        }
      });
      if (duplicatesGet !== undefined) {
        // Copies after the first of a motif gain nothing: a policy collapsing onto a few crystals stops being paid.
        const repeated = laterDuplicates(active.map((i) => candidateFingerprint(candidates[i]!)));
        active.forEach((i, k) => {
          if (!repeated[k]) return;
          reward[i] = duplicatesGet;
          failures.duplicates++;
        });
      }

      // Spread the per-term values (computed on the active subset) back to full length, NaN elsewhere.
      const spread = (subset: Record<string, Float64Array>) => {
        const full: Record<string, Float64Array> = {};
        for (const [name, part] of Object.entries(subset)) {
          const array = new Float64Array(n).fill(NaN);
          active.forEach((i, k) => (array[i] = part[k]!));
          full[name] = array;
        }
        return full;
      };
      const terms = spread(ctx.terms);
      for (const w of walked) terms[w.name] ??= new Float64Array(n).fill(NaN);
      failures.messages = failures.messages.slice(0, MAX_MESSAGES);
      return { reward, terms, raw: spread(ctx.raw), failures };
    },
    async close() {
      closed = true;
      await closeAll();
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
