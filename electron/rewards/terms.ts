/**
 * The reward's term compilers: one record per term kind of shared/api/reward-spec.ts, like the graph builder's op
 * table (electron/engine/graph/ops/). A compiler does its kind's set-up once (a registered predictor, an opened
 * oracle, a loaded hull, the potential) and returns the function that scores a batch. The table's mapped type
 * makes the type checker refuse a new term kind until it has a compiler.
 */
import type { Composition } from '../../shared/crystal/composition.ts';
import { applyTransforms, type OracleSpec, type PredictorUncertainty, type Term } from '../../shared/api/reward-spec.ts';
import type { PredictionSpread } from '../predictors/uncertainty.ts';
import type { HullReference } from './hull.ts';
import type { PredictorRegistry } from './predictors.ts';
import type { PotentialTermResources } from './potential-terms.ts';
import { addMessage, type CandidateInput, type RewardFailures, type RewardOracle, type TermFailureCounts } from './types.ts';

/** A predictor's calibrated ±1 RMS interval for its own predictions (electron/predictors/uncertainty.ts). */
export type SpreadOf = (values: Float64Array) => Promise<PredictionSpread | undefined>;

/** A JSON path from the spec root, for set-up errors. */
export type SpecPath = readonly (string | number)[];

/** Per-batch state shared by the term nodes. */
export interface BatchContext {
  candidates: readonly CandidateInput[];
  compositions: Composition[];
  /** Predictor calls of this batch by predictor name: terms naming the same predictor share one call. */
  predictions: Map<string, Promise<PredictorValues>>;
  failures: RewardFailures;
  terms: Record<string, Float64Array>;
  raw: Record<string, Float64Array>;
}

/** A predictor's values for a batch; all NaN with `error` set when the call failed. */
export interface PredictorValues {
  values: Float64Array;
  error?: string;
}

export type ScoreBatch = (ctx: BatchContext) => Promise<Float64Array>;

export interface CompiledTerm {
  name: string;
  term: Term;
  /** Values for the context's candidates, after the transform. */
  evaluate: ScoreBatch;
}

/** What the compilers share: the reward function's resources, opened once. Errors name the JSON path. */
export interface TermSetup {
  readonly registry: PredictorRegistry;
  /** Throws a set-up error unless a predictor called `name` is registered. */
  requirePredictor(name: string, path: SpecPath): void;
  /** The calibrated spread of a registered predictor; throws a set-up error when it states none. */
  requireSpread(name: string, path: SpecPath): SpreadOf;
  openOracle(oracle: OracleSpec, path: SpecPath): Promise<RewardOracle>;
  resolveHull(reference: string | undefined, path: SpecPath): Promise<HullReference>;
  compilePotentialTerm(term: Extract<Term, { kind: 'potential_ehull' | 'energy_per_atom' }>, path: SpecPath): ReturnType<PotentialTermResources['compile']>;
  /** Compile a child term (a product's factors, a sum's terms, an ehull's formation-energy term). */
  compile(term: Term): Promise<CompiledTerm>;
}

/** Where one term puts its values and its failures: the transform, the tallies, the messages. */
export class TermOutput {
  constructor(
    readonly name: string,
    private readonly term: Term,
  ) {}

  counts(ctx: BatchContext): TermFailureCounts {
    return (ctx.failures.terms[this.name] ??= { nonFinite: 0, errors: 0, timeouts: 0 });
  }

  message(ctx: BatchContext, message: string): void {
    addMessage(ctx.failures, `${this.name}: ${message}`);
  }

  /** Store and return the transformed values; count values the transform itself made non-finite. */
  finish(ctx: BatchContext, values: Float64Array): Float64Array {
    const transform = this.term.transform;
    if (transform === undefined) {
      ctx.terms[this.name] = values;
      return values;
    }
    ctx.raw[this.name] = values;
    const out = values.map((v) => applyTransforms(v, transform));
    const broke = countWhere(out, (v, i) => !Number.isFinite(v) && Number.isFinite(values[i]!));
    if (broke) this.counts(ctx).nonFinite += broke;
    ctx.terms[this.name] = out;
    return out;
  }

  /** Count a leaf's failures: the whole batch when the call failed (`error`), else its non-finite values. */
  countLeaf(ctx: BatchContext, { values, error }: PredictorValues): void {
    if (error !== undefined) {
      this.counts(ctx).errors += values.length;
      this.message(ctx, error);
      return;
    }
    const bad = countWhere(values, (v) => !Number.isFinite(v));
    if (bad) this.counts(ctx).nonFinite += bad;
  }
}

function countWhere(values: Float64Array, test: (value: number, index: number) => boolean): number {
  let count = 0;
  values.forEach((v, i) => {
    if (test(v, i)) count++;
  });
  return count;
}

/** The batch's values of a registered predictor, one call per batch however many terms name it. */
export function predictOnce(ctx: BatchContext, registry: PredictorRegistry, predictor: string): Promise<PredictorValues> {
  let pending = ctx.predictions.get(predictor);
  if (!pending) {
    pending = callPredictor(registry, predictor, ctx.candidates);
    ctx.predictions.set(predictor, pending);
  }
  return pending;
}

async function callPredictor(registry: PredictorRegistry, predictor: string, candidates: readonly CandidateInput[]): Promise<PredictorValues> {
  const n = candidates.length;
  const failed = (error: string): PredictorValues => ({ values: new Float64Array(n).fill(NaN), error });
  try {
    const values = await registry.get(predictor)!.predict(candidates);
    if (!(values instanceof Float64Array) || values.length !== n) return failed(`predictor '${predictor}' returned ${values?.length ?? 'no'} values for ${n} candidates`);
    return { values };
  } catch (error) {
    return failed(`predictor '${predictor}' failed: ${(error as Error).message}`);
  }
}

/**
 * A predictor term's `uncertainty` option, in place on the batch's predictions: a prediction whose calibrated
 * interval is wider than ±maxHalfWidth becomes NaN (counted as `uncertain`), the others move to the confidence
 * bound. Predictions the spread cannot place (no calibration, a log-space interval of a value ≤ 0) are errors.
 */
async function applyUncertainty(option: PredictorUncertainty, spreadOf: SpreadOf, values: Float64Array, ctx: BatchContext, out: TermOutput): Promise<void> {
  let spread: PredictionSpread | undefined;
  let failure: string | undefined;
  try {
    spread = await spreadOf(values);
    if (!spread) failure = 'the predictor states no uncertainty for these predictions';
  } catch (error) {
    failure = `its uncertainty failed: ${(error as Error).message}`;
  }
  const k = option.k ?? 1;
  let uncertain = 0;
  let unplaced = 0;
  values.forEach((value, i) => {
    if (!Number.isFinite(value)) return; // counted where it arose
    const halfWidth = spread?.halfWidth[i] ?? NaN;
    if (!Number.isFinite(halfWidth)) {
      unplaced++;
      values[i] = NaN;
    } else if (option.maxHalfWidth !== undefined && halfWidth > option.maxHalfWidth) {
      uncertain++;
      values[i] = NaN;
    } else if (option.bound === 'lower') values[i] = value - k * (value - spread!.lower[i]!);
    else if (option.bound === 'upper') values[i] = value + k * (spread!.upper[i]! - value);
  });
  if (unplaced) {
    out.counts(ctx).errors += unplaced;
    out.message(ctx, failure ?? 'no calibrated interval for some predictions');
  }
  if (uncertain) {
    const counts = out.counts(ctx);
    counts.uncertain = (counts.uncertain ?? 0) + uncertain;
    out.message(ctx, `predictions wider than ±${option.maxHalfWidth} rejected (uncertainty.maxHalfWidth)`);
  }
}

type TermOfKind<K extends Term['kind']> = Extract<Term, { kind: K }>;

/** Set-up of one term kind; returns the function that scores a batch (and stores its values through `out`). */
type TermCompiler<T extends Term> = (term: T, path: SpecPath, setup: TermSetup, out: TermOutput) => Promise<ScoreBatch>;

const compilePotential: TermCompiler<TermOfKind<'potential_ehull' | 'energy_per_atom'>> = async (term, path, setup, out) => {
  const scoreBatch = await setup.compilePotentialTerm(term, path);
  return async (ctx) => {
    const scored = await scoreBatch(ctx.candidates);
    if (scored.errors) out.counts(ctx).errors += scored.errors;
    for (const m of scored.messages) out.message(ctx, m);
    return out.finish(ctx, scored.values);
  };
};

/** Sums and products combine their children elementwise; a non-finite result of finite inputs is counted here. */
function combine(children: readonly CompiledTerm[], weights: readonly number[] | undefined, out: TermOutput): ScoreBatch {
  return async (ctx) => {
    // Children run one after the other: oracles and predictors are heavy, and order keeps messages stable.
    const parts: Float64Array[] = [];
    for (const child of children) parts.push(await child.evaluate(ctx));
    const values = new Float64Array(ctx.candidates.length);
    let broke = 0;
    for (let i = 0; i < values.length; i++) {
      let value = weights ? 0 : 1;
      let inputsFinite = true;
      parts.forEach((part, k) => {
        if (!Number.isFinite(part[i]!)) inputsFinite = false;
        value = weights ? value + weights[k]! * part[i]! : value * part[i]!;
      });
      if (inputsFinite && !Number.isFinite(value)) broke++;
      values[i] = value;
    }
    if (broke) out.counts(ctx).nonFinite += broke;
    return out.finish(ctx, values);
  };
}

/** One compiler per term kind; a kind missing here is a type error. */
export const TERM_COMPILERS: { readonly [K in Term['kind']]: TermCompiler<TermOfKind<K>> } = {
  async predictor(term, path, setup, out) {
    setup.requirePredictor(term.predictor, [...path, 'predictor']);
    const option = term.uncertainty;
    const spreadOf = option ? setup.requireSpread(term.predictor, [...path, 'uncertainty']) : undefined;
    return async (ctx) => {
      const predicted = await predictOnce(ctx, setup.registry, term.predictor);
      out.countLeaf(ctx, predicted);
      const values = Float64Array.from(predicted.values);
      if (option && spreadOf) await applyUncertainty(option, spreadOf, values, ctx, out);
      return out.finish(ctx, values);
    };
  },

  async oracle(term, path, setup, out) {
    const oracle = await setup.openOracle(term.oracle, path);
    return async (ctx) => {
      const scores = await oracle.score(ctx.candidates);
      if (scores.errors || scores.timeouts || scores.nonFinite) {
        const counts = out.counts(ctx);
        counts.errors += scores.errors;
        counts.timeouts += scores.timeouts;
        counts.nonFinite += scores.nonFinite;
      }
      for (const m of scores.messages) out.message(ctx, m);
      return out.finish(ctx, scores.values);
    };
  },

  async ehull(term, path, setup, out) {
    const hull = await setup.resolveHull(term.reference, path);
    const source = term.formationEnergy;
    let formationEnergy: ScoreBatch;
    if (typeof source === 'string') {
      setup.requirePredictor(source, [...path, 'formationEnergy']);
      formationEnergy = async (ctx) => {
        const predicted = await predictOnce(ctx, setup.registry, source);
        out.countLeaf(ctx, predicted);
        return predicted.values;
      };
    } else {
      formationEnergy = (await setup.compile(source)).evaluate;
    }
    return async (ctx) => {
      const formation = await formationEnergy(ctx);
      const values = new Float64Array(formation.length).fill(NaN);
      formation.forEach((e, i) => {
        if (!Number.isFinite(e)) return; // counted where it arose
        try {
          values[i] = hull.energyAboveHull(ctx.compositions[i]!, e);
        } catch (error) {
          out.counts(ctx).errors++;
          out.message(ctx, `hull query for ${ctx.compositions[i]!.reducedFormula} failed: ${(error as Error).message}`);
        }
      });
      return out.finish(ctx, values);
    };
  },

  potential_ehull: compilePotential,
  energy_per_atom: compilePotential,

  async product(term, _path, setup, out) {
    return combine(await Promise.all(term.factors.map((factor) => setup.compile(factor))), undefined, out);
  },

  async sum(term, _path, setup, out) {
    const children = await Promise.all(term.terms.map((t) => setup.compile(t.term)));
    return combine(children, term.terms.map((t) => t.weight ?? 1), out);
  },
};

/** Compile one term through its kind's record. */
export async function compileTerm(term: Term, name: string, path: SpecPath, setup: TermSetup): Promise<CompiledTerm> {
  // The table is complete per kind; TypeScript cannot correlate `term.kind` with the record's parameter type.
  const compiler = TERM_COMPILERS[term.kind] as TermCompiler<Term>;
  return { name, term, evaluate: await compiler(term, path, setup, new TermOutput(name, term)) };
}
