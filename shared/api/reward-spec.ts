/**
 * The reward spec: a small JSON document that says how a generated crystal is scored during RL fine-tuning.
 *
 * Shared by both sides: the engine evaluates specs, the renderer edits and validates them with this schema.
 *
 * ```json
 * {
 *   "version": 1,
 *   "name": "band gap × dielectric constant",
 *   "reward": { "kind": "product", "factors": [
 *     { "kind": "predictor", "predictor": "band_gap" },
 *     { "kind": "predictor", "predictor": "dielectric_total" } ] },
 *   "constraints": { "validity": { "structural": true, "compositional": true }, "maxAtoms": 40 },
 *   "penalty": 0
 * }
 * ```
 *
 * Semantics (the evaluator in electron/rewards/evaluate.ts implements them):
 * - `reward` is a tree of terms; each term yields one number per candidate, then applies its `transform`
 *   (one or a list, applied in order). `product` multiplies its factors, `sum` adds `weight × term`.
 * - Constraints are checked first; a candidate that fails one gets `penalty` (default −1) and no term is
 *   evaluated for it. A candidate whose reward is not a finite number (a predictor returned NaN, an oracle failed
 *   or timed out) gets `failureReward` (default: the penalty). Both are counted and reported, never thrown.
 *   Choose the penalty below the rewards valid crystals get: −1 suits −E_hull in eV/atom; 0 suits a
 *   non-negative figure of merit such as band gap × dielectric constant.
 */
import { z } from 'zod';
import { isElementSymbol } from '../crystal/elements.ts';
// Paths in a spec are marked so that jobs confine them to the workspace (the CLI resolves them against the spec file).
import { markWorkspacePath } from './job-paths.ts';
import { potentialTermSchemas, type PotentialTerm } from './reward-potential-terms.ts';

export * from './reward-potential-terms.ts';
import {
  CompositionConstraintSchema,
  ContactConstraintSchema,
  RewardGuardsSchema,
  type CompositionConstraint,
  type ContactConstraint,
  type RewardGuards,
} from './reward-guards.ts';

export * from './reward-guards.ts';

export const REWARD_SPEC_VERSION = 1;

/** What every UI and report showing the E_hull proxy must say about it. */
export const EHULL_PROXY_NOTE =
  'E_hull here is a PROXY against a PARTIAL reference (the phases in the reference table plus the elements at 0 eV/atom), not a DFT convex hull: missing competing phases make compositions look more stable than they are.';
export const DEFAULT_PENALTY = -1;
export const DEFAULT_LOG_FLOOR = 1e-6;

// ---------------------------------------------------------------------------------------------------------------
// Transforms

/**
 * - identity: y
 * - target: −|y − value| (best at the target)
 * - range: 1 inside [min, max], exp(−distance / scale) outside (distance to the nearer bound)
 * - log: ln(max(y, floor)), floor default 1e-6
 * - clip: min(max(y, min), max)
 * - linear: scale·y + offset (scale −1 turns E_hull into a reward)
 */
export type Transform =
  | { kind: 'identity' }
  | { kind: 'target'; value: number }
  | { kind: 'range'; min: number; max: number; scale: number }
  | { kind: 'log'; floor?: number }
  | { kind: 'clip'; min?: number; max?: number }
  | { kind: 'linear'; scale?: number; offset?: number };

const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');
const positiveFinite = () => z.number().positive('must be positive').refine(Number.isFinite, 'must be finite');

export const TransformSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('identity') }),
  z.strictObject({ kind: z.literal('target'), value: finite() }),
  z
    .strictObject({ kind: z.literal('range'), min: finite(), max: finite(), scale: positiveFinite() })
    .refine((t) => t.min <= t.max, { message: 'min must not exceed max', path: ['max'] }),
  z.strictObject({ kind: z.literal('log'), floor: z.number().positive('must be positive').optional() }),
  z
    .strictObject({ kind: z.literal('clip'), min: finite().optional(), max: finite().optional() })
    .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, { message: 'min must not exceed max', path: ['max'] }),
  z.strictObject({ kind: z.literal('linear'), scale: finite().optional(), offset: finite().optional() }),
]);

// ---------------------------------------------------------------------------------------------------------------
// Oracles (external scorers)

/**
 * A command that reads one JSON object per line on stdin — `{"id": 0, "cif": "...", "formula": "NaCl",
 * "spaceGroup": 225, "numSites": 8}` — and answers each with one line on stdout, in order: a JSON number, or
 * `{"reward": number}` (an `"id"` in the answer is checked against the request), or `{"error": "..."}` / `null`
 * for a candidate it cannot score. It is started once and kept running; batches of at most `batchSize` lines are
 * sent and must be answered within `timeoutSeconds`, otherwise the rest of the batch counts as timed out and the
 * process is restarted.
 */
export interface CommandOracleSpec {
  type: 'command';
  command: string;
  args?: string[];
  /** Working directory (relative to the spec file). */
  cwd?: string;
  env?: Record<string, string>;
  /** Per batch; default 60. */
  timeoutSeconds?: number;
  /** Default 32. */
  batchSize?: number;
}

/**
 * A KServe v2 / Triton inference endpoint: `POST {url}/v2/models/{model}[/versions/{version}]/infer` with
 * input tensor `cif` (BYTES, shape [N], the CIF text of each candidate) and, with `features: true`, also
 * `features` (FP32, shape [N, 355], the layout of ./features.ts). The first output (or the one named by
 * `output`) must hold N numbers (shape [N] or [N, 1]).
 */
export interface KServeOracleSpec {
  type: 'kserve';
  url: string;
  model: string;
  version?: string;
  output?: string;
  features?: boolean;
  headers?: Record<string, string>;
  timeoutSeconds?: number;
  batchSize?: number;
}

/**
 * A user ONNX model taking float32 [N, 355] features (./features.ts documents the layout) on its first input
 * and returning N numbers ([N] or [N, 1]) on its first output (or `output`).
 */
export interface OnnxOracleSpec {
  type: 'onnx';
  /** Path to the .onnx file (relative to the spec file). */
  path: string;
  output?: string;
  batchSize?: number;
}

export type OracleSpec = CommandOracleSpec | KServeOracleSpec | OnnxOracleSpec;

const positiveSeconds = z.number().positive('must be positive').max(3600, 'must be at most 3600');
const batchSize = z.number().int('must be an integer').min(1, 'must be at least 1').max(4096, 'must be at most 4096');

export const OracleSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('command'),
    command: z.string().min(1, 'must not be empty'),
    args: z.array(z.string()).optional(),
    cwd: markWorkspacePath(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    timeoutSeconds: positiveSeconds.optional(),
    batchSize: batchSize.optional(),
  }),
  z.strictObject({
    type: z.literal('kserve'),
    url: z.string().refine((u) => /^https?:\/\/[^/]+/.test(u), 'must be an http:// or https:// URL'),
    model: z.string().min(1, 'must not be empty'),
    version: z.string().min(1).optional(),
    output: z.string().min(1).optional(),
    features: z.boolean().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeoutSeconds: positiveSeconds.optional(),
    batchSize: batchSize.optional(),
  }),
  z.strictObject({
    type: z.literal('onnx'),
    path: markWorkspacePath(z.string().min(1, 'must not be empty')),
    output: z.string().min(1).optional(),
    batchSize: batchSize.optional(),
  }),
]);

// ---------------------------------------------------------------------------------------------------------------
// Terms

interface TermCommon {
  /** Key of this term's values in the evaluation result; defaults to the predictor name or the kind. */
  name?: string;
  transform?: Transform | Transform[];
}

/**
 * How a predictor term uses the predictor's calibrated spread (electron/predictors/uncertainty.ts: the ±1 RMS
 * interval of held-out residuals in the prediction's bin), before the term's transform:
 * - `maxHalfWidth`: a prediction whose interval is wider than ±maxHalfWidth (in the property's unit) is rejected —
 *   the term has no value for it, so the candidate gets `failureReward` — and counted as `uncertain` at the term.
 * - `bound`: score a confidence bound instead of the value: 'lower' = value − k·(value − interval's lower end), for
 *   a property to maximise; 'upper' = value + k·(upper end − value), for one to minimise. For the predictors
 *   calibrated in linear space that is value ∓ k·halfWidth; for dielectric_total (calibrated in ln ε) k = 1 is
 *   the interval's end ε·e^(∓w).
 * - `k`: how many half-intervals the bound moves (default 1).
 * A predictor that states no spread (min_distance, most custom ones) cannot take this option: set-up fails.
 */
export interface PredictorUncertainty {
  maxHalfWidth?: number;
  bound?: 'lower' | 'upper';
  k?: number;
}

/** A registered PropertyPredictor by name (band gap, dielectric constant, formation energy…). */
export interface PredictorTerm extends TermCommon {
  kind: 'predictor';
  predictor: string;
  uncertainty?: PredictorUncertainty;
}

/**
 * Energy above the convex hull (eV/atom) — a proxy against a partial reference table, not a DFT hull. The
 * formation energy per atom comes from a predictor (by name) or any term (e.g. an oracle). `reference` is a hull
 * table path (relative to the spec file); default: the evaluator's configured reference.
 */
export interface EhullTerm extends TermCommon {
  kind: 'ehull';
  formationEnergy: string | Term;
  reference?: string;
}

export interface OracleTerm extends TermCommon {
  kind: 'oracle';
  oracle: OracleSpec;
}

export interface ProductTerm extends TermCommon {
  kind: 'product';
  factors: Term[];
}

export interface SumTerm extends TermCommon {
  kind: 'sum';
  terms: { weight?: number; term: Term }[];
}

export type Term = PredictorTerm | EhullTerm | OracleTerm | ProductTerm | SumTerm | PotentialTerm;

const termName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits and _ . : -');
const transformField = z.union([TransformSchema, z.array(TransformSchema)]).optional();

export const PredictorUncertaintySchema = z
  .strictObject({
    maxHalfWidth: positiveFinite().optional(),
    bound: z.enum(['lower', 'upper']).optional(),
    k: positiveFinite().optional(),
  })
  .refine((u) => u.k === undefined || u.bound !== undefined, { message: 'k needs a bound ("lower" or "upper")', path: ['k'] })
  .refine((u) => u.maxHalfWidth !== undefined || u.bound !== undefined, { message: 'needs maxHalfWidth, bound or both' });

export const TermSchema: z.ZodType<Term> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('predictor'),
      name: termName.optional(),
      transform: transformField,
      predictor: z.string().min(1, 'must not be empty'),
      uncertainty: PredictorUncertaintySchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('ehull'),
      name: termName.optional(),
      transform: transformField,
      formationEnergy: z.union([z.string().min(1, 'must not be empty'), TermSchema]),
      reference: markWorkspacePath(z.string().min(1)).optional(),
    }),
    z.strictObject({ kind: z.literal('oracle'), name: termName.optional(), transform: transformField, oracle: OracleSchema }),
    ...potentialTermSchemas(termName.optional(), transformField),
    z.strictObject({ kind: z.literal('product'), name: termName.optional(), transform: transformField, factors: z.array(TermSchema).min(1, 'needs at least one factor') }),
    z.strictObject({
      kind: z.literal('sum'),
      name: termName.optional(),
      transform: transformField,
      terms: z.array(z.strictObject({ weight: finite().optional(), term: TermSchema })).min(1, 'needs at least one term'),
    }),
  ]),
);

// ---------------------------------------------------------------------------------------------------------------
// Constraints and the spec

export interface RewardConstraints {
  /** CDVAE validity (electron/evaluate): structural = distances ≥ 0.5 Å and volume ≥ 0.1 Å³; compositional =
   *  SMACT charge neutrality + electronegativity order. */
  validity?: { structural?: boolean; compositional?: boolean };
  elements?: {
    /** Every element must be one of these. */
    allowed?: string[];
    /** Each of these must be present. */
    required?: string[];
    /** None of these may be present. */
    forbidden?: string[];
  };
  /** Most atoms in the (conventional) cell of the candidate structure. */
  maxAtoms?: number;
  /** Strict compositional plausibility (ICSD-weighted oxidation states; ./reward-guards.ts). */
  composition?: CompositionConstraint;
  /** Shortest contact ≥ minRatio × the covalent-radius sum (./reward-guards.ts). */
  contacts?: ContactConstraint;
}

/** The names constraints are counted under (RewardFailures.constraints), which `penalties` may key on. */
export const CONSTRAINT_NAMES = [
  'structure',
  'maxAtoms',
  'elements.allowed',
  'elements.required',
  'elements.forbidden',
  'validity.structural',
  'validity.compositional',
  'composition',
  'contacts',
  'guards.extrapolation',
] as const;
export type ConstraintName = (typeof CONSTRAINT_NAMES)[number];

export interface RewardSpec {
  version: 1;
  name?: string;
  description?: string;
  reward: Term;
  constraints?: RewardConstraints;
  /** Reward of a candidate that fails a constraint (default −1). */
  penalty?: number;
  /** Per constraint, the reward of a candidate failing it instead of `penalty` (e.g. costlier overlaps). */
  penalties?: Partial<Record<ConstraintName, number>>;
  /** Reward of a candidate whose reward is not a finite number (default: the penalty). */
  failureReward?: number;
  /** Batch guards against collapse and extrapolation (./reward-guards.ts). */
  guards?: RewardGuards;
}

const elementList = z.array(z.string().refine(isElementSymbol, 'is not an element symbol')).min(1, 'must not be empty');

export const RewardConstraintsSchema = z.strictObject({
  validity: z.strictObject({ structural: z.boolean().optional(), compositional: z.boolean().optional() }).optional(),
  elements: z
    .strictObject({ allowed: elementList.optional(), required: elementList.optional(), forbidden: elementList.optional() })
    .optional(),
  maxAtoms: z.number().int('must be an integer').min(1, 'must be at least 1').optional(),
  composition: CompositionConstraintSchema.optional(),
  contacts: ContactConstraintSchema.optional(),
});

export const RewardSpecSchema: z.ZodType<RewardSpec> = z
  .strictObject({
    version: z.literal(REWARD_SPEC_VERSION, `must be ${REWARD_SPEC_VERSION}`),
    name: z.string().optional(),
    description: z.string().optional(),
    reward: TermSchema,
    constraints: RewardConstraintsSchema.optional(),
    penalty: finite().optional(),
    penalties: z.partialRecord(z.enum(CONSTRAINT_NAMES), finite()).optional(),
    failureReward: finite().optional(),
    guards: RewardGuardsSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    // Names must be unique so each term's values can be reported under its own key.
    const seen = new Map<string, string>();
    for (const { term, path, name } of walkTerms(spec.reward)) {
      if (term.name === undefined) continue;
      const where = formatPath(path);
      const first = seen.get(name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `duplicate term name '${name}' (also used at ${first})` });
      else seen.set(name, where);
    }
    const elements = spec.constraints?.elements;
    if (elements?.required && elements.forbidden) {
      const both = elements.required.filter((e) => elements.forbidden!.includes(e));
      if (both.length) ctx.addIssue({ code: 'custom', path: ['constraints', 'elements', 'forbidden'], message: `${both.join(', ')} both required and forbidden` });
    }
    if (elements?.required && elements.allowed) {
      const outside = elements.required.filter((e) => !elements.allowed!.includes(e));
      if (outside.length) ctx.addIssue({ code: 'custom', path: ['constraints', 'elements', 'required'], message: `${outside.join(', ')} required but not allowed` });
    }
  });

// ---------------------------------------------------------------------------------------------------------------
// Parsing and walking

export class RewardSpecError extends Error {
  override name = 'RewardSpecError';
  /** One line per problem: `path: message`. */
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`${source}: invalid reward spec:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** `reward.factors[1].predictor` for ['reward', 'factors', 1, 'predictor']; `(root)` for []. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(root)' : text;
}

/**
 * Parse and validate a reward spec from JSON text or an already-parsed value. Throws {@link RewardSpecError}
 * listing every problem with its JSON path (`reward.factors[0].transform.scale: must be positive`).
 * `source` names the file in messages.
 */
export function parseRewardSpec(input: string | unknown, source = 'reward spec'): RewardSpec {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new RewardSpecError(source, [`not valid JSON: ${(error as Error).message}`]);
    }
  }
  const result = RewardSpecSchema.safeParse(value);
  if (!result.success) {
    throw new RewardSpecError(
      source,
      result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    );
  }
  return result.data;
}

export interface WalkedTerm {
  term: Term;
  /** JSON path from the spec root. */
  path: (string | number)[];
  /** The name the term's values are reported under (explicit, or derived and made unique). */
  name: string;
}

/**
 * Every term of the tree, parents before children, with the name each is reported under: the explicit `name`,
 * else the predictor name / oracle type / kind, made unique with '#2', '#3'… in tree order.
 */
export function walkTerms(root: Term): WalkedTerm[] {
  const out: WalkedTerm[] = [];
  const visit = (term: Term, path: (string | number)[]) => {
    out.push({ term, path, name: '' });
    if (term.kind === 'product') term.factors.forEach((f, i) => visit(f, [...path, 'factors', i]));
    else if (term.kind === 'sum') term.terms.forEach((t, i) => visit(t.term, [...path, 'terms', i, 'term']));
    else if (term.kind === 'ehull' && typeof term.formationEnergy !== 'string') visit(term.formationEnergy, [...path, 'formationEnergy']);
  };
  visit(root, ['reward']);
  const explicit = new Set(out.filter((w) => w.term.name !== undefined).map((w) => w.term.name!));
  const used = new Set<string>(explicit);
  for (const walked of out) {
    if (walked.term.name !== undefined) {
      walked.name = walked.term.name;
      continue;
    }
    const base = defaultTermName(walked.term);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}#${k}`;
    used.add(name);
    walked.name = name;
  }
  return out;
}

function defaultTermName(term: Term): string {
  switch (term.kind) {
    case 'predictor':
      return term.predictor;
    case 'oracle':
      return `oracle:${term.oracle.type}`;
    default:
      return term.kind;
  }
}

/** Apply a term's transform(s) to one value. NaN stays NaN. */
export function applyTransforms(value: number, transform: Transform | readonly Transform[] | undefined): number {
  if (transform === undefined) return value;
  const list = Array.isArray(transform) ? transform : [transform as Transform];
  let y = value;
  for (const t of list) {
    switch (t.kind) {
      case 'identity':
        break;
      case 'target':
        y = -Math.abs(y - t.value);
        break;
      case 'range': {
        const distance = y < t.min ? t.min - y : y > t.max ? y - t.max : 0;
        y = Number.isNaN(y) ? NaN : Math.exp(-distance / t.scale);
        break;
      }
      case 'log':
        y = Number.isNaN(y) ? NaN : Math.log(Math.max(y, t.floor ?? DEFAULT_LOG_FLOOR));
        break;
      case 'clip':
        if (!Number.isNaN(y)) y = Math.min(Math.max(y, t.min ?? -Infinity), t.max ?? Infinity);
        break;
      case 'linear':
        y = (t.scale ?? 1) * y + (t.offset ?? 0);
        break;
    }
  }
  return y;
}
