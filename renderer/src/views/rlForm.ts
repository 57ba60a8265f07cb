/**
 * The RL panel's reward builder and run settings, and their translation into a reward spec
 * (electron/rewards/spec.ts, validated with its own schema) and the 'finetune' job's params. Also the reward
 * histogram and the two-run comparison data. Pure, so it is tested in Node.
 *
 * The builder covers what the shipped presets use: predictor terms (band_gap, dielectric_total, formation_energy,
 * min_distance)
 * E_hull from the formation-energy predictor, and the potential's E_hull and energy per atom (single point or after
 * a few relaxation steps, the shipped potential), one transform each (target, range, clip, log) optionally
 * followed by a sign flip, combined as a weighted sum or a product; constraints (validity, max atoms, elements)
 * and the penalty and failure reward. A spec it cannot express (an external oracle) is edited as JSON instead.
 */
import { formatPath, RewardSpecSchema, type RewardSpec, type Term, type Transform } from '../../../shared/api/reward-spec.ts';
import type { FinetuneParams } from '../../../shared/api/jobs.ts';
import { isPotentialTerm, type PotentialTerm } from '../../../shared/api/reward-potential-terms.ts';

type PotentialTermKind = PotentialTerm['kind'];
export const POTENTIAL_QUANTITIES: { kind: PotentialTermKind; label: string }[] = [
  { kind: 'potential_ehull', label: 'E above hull, potential (eV/atom)' },
  { kind: 'energy_per_atom', label: 'energy per atom, potential (eV/atom)' },
];

export const PREDICTORS = [
  { name: 'band_gap', label: 'band gap (eV)' },
  { name: 'dielectric_total', label: 'dielectric constant (total)' },
  { name: 'formation_energy', label: 'formation energy (eV/atom)' },
  { name: 'min_distance', label: 'nearest-neighbour distance (Å, exact)' },
] as const;
export type PredictorName = (typeof PREDICTORS)[number]['name'];

export type TransformKind = 'none' | 'target' | 'range' | 'clip' | 'log';

export interface TermDraft {
  /** 'ehull' = energy above the hull proxy from the formation-energy predictor; 'potential_ehull' /
   *  'energy_per_atom' = the interatomic potential's (shared/api/reward-potential-terms.ts). */
  kind: 'predictor' | 'ehull' | PotentialTermKind;
  /** Potential terms: FIRE steps before the energy (0 = single point). */
  relaxSteps: number;
  predictor: PredictorName;
  /** Reported name of the term ('' = the predictor name or 'ehull'). */
  name: string;
  transform: TransformKind;
  /** target value; range/clip bounds (NaN = open for clip); range decay scale. */
  value: number;
  min: number;
  max: number;
  scale: number;
  /** Multiply by −1 after the transform (E_hull → a reward). */
  negate: boolean;
  /** Weight in a sum. */
  weight: number;
}

export interface RewardDraft {
  name: string;
  description: string;
  combine: 'sum' | 'product';
  /** Name of the sum/product node ('' = its kind). */
  combineName: string;
  terms: TermDraft[];
  structural: boolean;
  /** The SMACT rule (CDVAE's `validity.compositional`). */
  compositional: boolean;
  /** The strict rule (`constraints.composition`, ICSD-weighted oxidation states). */
  strictComposition: boolean;
  /** Its threshold (NaN = the default, 0.05) and whether all-metal compositions pass (null = the default, yes). */
  minStateProbability: number;
  alloys: boolean | null;
  /** `constraints.contacts` and its ratio (NaN = the default, 0.5). */
  contacts: boolean;
  minContactRatio: number;
  /** `penalties` of the two overlap checks, `validity.structural` and `contacts` (NaN = the penalty). */
  overlapPenalty: number;
  /** `guards.duplicates` (true = the penalty) and `guards.extrapolation`. */
  duplicateGuard: boolean;
  /** The duplicate guard's memory in batches and the copies it pays (NaN = the defaults, 0 and 1). */
  duplicateMemory: number;
  duplicateRepeats: number;
  extrapolationGuard: boolean;
  /** NaN = no limit. */
  maxAtoms: number;
  /** Element lists as typed ('Pb, Cd'). */
  allowed: string;
  required: string;
  forbidden: string;
  penalty: number;
  /** Reward when a prediction fails (NaN = the penalty). */
  failureReward: number;
}

export function newTerm(predictor: PredictorName = 'band_gap'): TermDraft {
  return { kind: 'predictor', predictor, relaxSteps: 0, name: '', transform: 'none', value: 0, min: NaN, max: NaN, scale: 1, negate: false, weight: 1 };
}

export const EMPTY_DRAFT: RewardDraft = {
  name: 'my reward',
  description: '',
  combine: 'product',
  combineName: '',
  terms: [newTerm('band_gap')],
  structural: true,
  compositional: false,
  strictComposition: true,
  minStateProbability: NaN,
  alloys: null,
  contacts: false,
  minContactRatio: NaN,
  overlapPenalty: NaN,
  duplicateGuard: true,
  duplicateMemory: NaN,
  duplicateRepeats: NaN,
  extrapolationGuard: true,
  maxAtoms: NaN,
  allowed: '',
  required: '',
  forbidden: '',
  penalty: -1,
  failureReward: NaN,
};

/** 'pb, Cd ;te' → ['Pb', 'Cd', 'Te'] (capitalised; the schema reports anything that is not an element). */
export function parseElements(text: string): string[] {
  return text
    .split(/[\s,;|]+/)
    .filter((s) => s !== '')
    .map((s) => s[0]!.toUpperCase() + s.slice(1).toLowerCase());
}

function transformsOf(t: TermDraft): Transform[] {
  const list: Transform[] = [];
  if (t.transform === 'target') list.push({ kind: 'target', value: t.value });
  else if (t.transform === 'range') list.push({ kind: 'range', min: t.min, max: t.max, scale: t.scale });
  else if (t.transform === 'clip') list.push({ kind: 'clip', ...(Number.isNaN(t.min) ? {} : { min: t.min }), ...(Number.isNaN(t.max) ? {} : { max: t.max }) });
  else if (t.transform === 'log') list.push({ kind: 'log' });
  if (t.negate) list.push({ kind: 'linear', scale: -1 });
  return list;
}

function termOf(t: TermDraft): Term {
  const transforms = transformsOf(t);
  const common = {
    ...(t.name.trim() !== '' ? { name: t.name.trim() } : {}),
    ...(transforms.length === 1 ? { transform: transforms[0]! } : transforms.length > 1 ? { transform: transforms } : {}),
  };
  if (t.kind === 'potential_ehull' || t.kind === 'energy_per_atom') return { kind: t.kind, ...common, relaxSteps: t.relaxSteps };
  return t.kind === 'ehull' ? { kind: 'ehull', ...common, formationEnergy: 'formation_energy' } : { kind: 'predictor', ...common, predictor: t.predictor };
}

/** The spec the draft stands for (not yet validated: NaN fields stay NaN so the schema names them). */
export function specFromDraft(d: RewardDraft): RewardSpec {
  const terms = d.terms.map(termOf);
  const named = d.combineName.trim() !== '' ? { name: d.combineName.trim() } : {};
  const reward: Term =
    terms.length === 1
      ? terms[0]!
      : d.combine === 'product'
        ? { kind: 'product', ...named, factors: terms }
        : { kind: 'sum', ...named, terms: terms.map((term, i) => ({ weight: d.terms[i]!.weight, term })) };
  const elements = {
    ...(d.allowed.trim() ? { allowed: parseElements(d.allowed) } : {}),
    ...(d.required.trim() ? { required: parseElements(d.required) } : {}),
    ...(d.forbidden.trim() ? { forbidden: parseElements(d.forbidden) } : {}),
  };
  const validity = { ...(d.structural ? { structural: true } : {}), ...(d.compositional ? { compositional: true } : {}) };
  const composition = d.strictComposition
    ? {
        rule: 'icsd-oxidation-states' as const,
        ...(Number.isNaN(d.minStateProbability) ? {} : { minStateProbability: d.minStateProbability }),
        ...(d.alloys === null ? {} : { alloys: d.alloys }),
      }
    : undefined;
  const duplicateOptions = {
    ...(Number.isNaN(d.duplicateMemory) ? {} : { memoryBatches: d.duplicateMemory }),
    ...(Number.isNaN(d.duplicateRepeats) ? {} : { maxRepeats: d.duplicateRepeats }),
  };
  const guards = {
    ...(d.duplicateGuard ? { duplicates: Object.keys(duplicateOptions).length ? duplicateOptions : true } : {}),
    ...(d.extrapolationGuard ? { extrapolation: true } : {}),
  };
  const constraints = {
    ...(Object.keys(validity).length ? { validity } : {}),
    ...(d.contacts ? { contacts: Number.isNaN(d.minContactRatio) ? {} : { minRatio: d.minContactRatio } } : {}),
    ...(composition ? { composition } : {}),
    ...(Object.keys(elements).length ? { elements } : {}),
    ...(Number.isNaN(d.maxAtoms) ? {} : { maxAtoms: d.maxAtoms }),
  };
  return {
    version: 1,
    ...(d.name.trim() ? { name: d.name.trim() } : {}),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    reward,
    ...(Object.keys(constraints).length ? { constraints } : {}),
    penalty: d.penalty,
    ...(Number.isNaN(d.overlapPenalty) ? {} : { penalties: { 'validity.structural': d.overlapPenalty, contacts: d.overlapPenalty } }),
    ...(Number.isNaN(d.failureReward) ? {} : { failureReward: d.failureReward }),
    ...(Object.keys(guards).length ? { guards } : {}),
  };
}

/** The builder's form of a spec, or null when the builder cannot express it (oracles, nested sums, several transforms, uncertainty options). */
export function draftFromSpec(spec: RewardSpec): RewardDraft | null {
  const termDraft = (term: Term, weight = 1): TermDraft | null => {
    const potential = isPotentialTerm(term);
    if (potential && (term.potential !== undefined || term.keepSymmetry !== undefined)) return null;
    if (term.kind !== 'predictor' && term.kind !== 'ehull' && !potential) return null;
    if (term.kind === 'ehull' && (term.formationEnergy !== 'formation_energy' || term.reference !== undefined)) return null;
    if (term.kind === 'predictor' && (!PREDICTORS.some((p) => p.name === term.predictor) || term.uncertainty !== undefined)) return null;
    const list = term.transform === undefined ? [] : Array.isArray(term.transform) ? [...term.transform] : [term.transform as Transform];
    let negate = false;
    const last = list.at(-1);
    if (last?.kind === 'linear' && last.scale === -1 && (last.offset ?? 0) === 0) {
      negate = true;
      list.pop();
    }
    if (list.length > 1) return null;
    const draft: TermDraft = {
      ...newTerm(term.kind === 'predictor' ? (term.predictor as PredictorName) : 'formation_energy'),
      kind: term.kind,
      ...(potential ? { relaxSteps: term.relaxSteps ?? 0 } : {}),
      name: term.name ?? '',
      negate,
      weight,
    };
    const t = list[0];
    if (!t || t.kind === 'identity') return draft;
    if (t.kind === 'target') return { ...draft, transform: 'target', value: t.value };
    if (t.kind === 'range') return { ...draft, transform: 'range', min: t.min, max: t.max, scale: t.scale };
    if (t.kind === 'clip') return { ...draft, transform: 'clip', min: t.min ?? NaN, max: t.max ?? NaN };
    if (t.kind === 'log' && t.floor === undefined) return { ...draft, transform: 'log' };
    return null;
  };
  let terms: (TermDraft | null)[];
  let combine: RewardDraft['combine'] = 'product';
  let combineName = '';
  const root = spec.reward;
  if (root.kind === 'product' && root.transform === undefined) {
    terms = root.factors.map((f) => termDraft(f));
    combineName = root.name ?? '';
  } else if (root.kind === 'sum' && root.transform === undefined) {
    terms = root.terms.map((t) => termDraft(t.term, t.weight ?? 1));
    combine = 'sum';
    combineName = root.name ?? '';
  } else terms = [termDraft(root)];
  if (terms.some((t) => t === null)) return null;
  // What the builder has no field for is edited as JSON: a duplicate reward other than the penalty, penalties other
  // than one for both overlap checks.
  const duplicates = spec.guards?.duplicates;
  if (typeof duplicates === 'object' && duplicates.reward !== undefined) return null;
  const penalties = spec.penalties;
  const overlapPenalty = penalties?.['validity.structural'];
  if (penalties !== undefined && (Object.keys(penalties).length !== 2 || overlapPenalty === undefined || penalties.contacts !== overlapPenalty)) return null;
  const c = spec.constraints;
  return {
    name: spec.name ?? '',
    description: spec.description ?? '',
    combine,
    combineName,
    terms: terms as TermDraft[],
    structural: c?.validity?.structural === true,
    compositional: c?.validity?.compositional === true,
    strictComposition: c?.composition !== undefined,
    minStateProbability: c?.composition?.minStateProbability ?? NaN,
    alloys: c?.composition?.alloys ?? null,
    contacts: c?.contacts !== undefined,
    minContactRatio: c?.contacts?.minRatio ?? NaN,
    overlapPenalty: overlapPenalty ?? NaN,
    duplicateGuard: duplicates === true || typeof duplicates === 'object',
    duplicateMemory: typeof duplicates === 'object' ? (duplicates.memoryBatches ?? NaN) : NaN,
    duplicateRepeats: typeof duplicates === 'object' ? (duplicates.maxRepeats ?? NaN) : NaN,
    extrapolationGuard: spec.guards?.extrapolation === true,
    maxAtoms: c?.maxAtoms ?? NaN,
    allowed: c?.elements?.allowed?.join(', ') ?? '',
    required: c?.elements?.required?.join(', ') ?? '',
    forbidden: c?.elements?.forbidden?.join(', ') ?? '',
    penalty: spec.penalty ?? -1,
    failureReward: spec.failureReward ?? NaN,
  };
}

export type SpecCheck = { ok: true; spec: RewardSpec } | { ok: false; problems: { path: string; message: string }[] };

/** Validates a spec (object or JSON text) with the engine's schema; each problem with its JSON path. */
export function checkSpec(input: unknown): SpecCheck {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, problems: [{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }] };
    }
  }
  const result = RewardSpecSchema.safeParse(value);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })) };
}

/**
 * The builder field a spec problem belongs to: 'term.<i>.<field>' (field: weight, value, min, max, scale, name,
 * predictor, transform), 'combineName', 'name', 'penalty', 'failureReward', 'maxAtoms', 'allowed', 'required', 'forbidden', 'minStateProbability',
 * 'minContactRatio', 'overlapPenalty', 'duplicateMemory', 'duplicateRepeats', or 'spec' for
 * anything else (shown at the top of the builder).
 */
export function fieldOfProblem(path: string, d: RewardDraft): string {
  let m = /^constraints\.(?:elements\.|composition\.)?(maxAtoms|allowed|required|forbidden|minStateProbability)/.exec(path);
  if (m) return m[1]!;
  if (path.startsWith('constraints.contacts')) return 'minContactRatio';
  if (path.startsWith('penalties')) return 'overlapPenalty';
  if (path.startsWith('guards.duplicates.memoryBatches')) return 'duplicateMemory';
  if (path.startsWith('guards.duplicates.maxRepeats')) return 'duplicateRepeats';
  if (path === 'penalty' || path === 'failureReward' || path === 'name') return path;
  if (d.terms.length === 1) {
    m = /^reward(?:\.(.*))?$/.exec(path);
    return m ? `term.0.${termField(m[1] ?? '')}` : 'spec';
  }
  if (path === 'reward.name') return 'combineName';
  m = /^reward\.(?:factors\[(\d+)\]|terms\[(\d+)\])(.*)$/.exec(path);
  if (!m) return 'spec';
  let rest = m[3]!;
  if (m[2] !== undefined) {
    if (rest.startsWith('.weight')) return `term.${m[2]}.weight`;
    rest = rest.replace(/^\.term/, '');
  }
  return `term.${m[1] ?? m[2]}.${termField(rest.replace(/^\./, ''))}`;
}

function termField(rest: string): string {
  const m = /^transform(?:\[\d+\])?\.(value|min|max|scale)/.exec(rest);
  if (m) return m[1]!;
  if (rest === 'name' || rest === 'predictor' || rest === 'relaxSteps') return rest;
  // The transform field is one transform or a list, so a bad number inside fails the whole union here.
  if (/^transform(\[\d+\])?$/.test(rest)) return 'transform';
  return 'spec';
}

/** Problems grouped by builder field (see fieldOfProblem). */
export function builderErrors(check: SpecCheck, d: RewardDraft): Record<string, string> {
  const errors: Record<string, string> = {};
  // Empty number fields first, by name (the schema can only say that the transform as a whole is invalid).
  d.terms.forEach((t, i) => {
    const needed: ('value' | 'min' | 'max' | 'scale')[] = t.transform === 'target' ? ['value'] : t.transform === 'range' ? ['min', 'max', 'scale'] : [];
    for (const field of needed) if (!Number.isFinite(t[field])) errors[`term.${i}.${field}`] = 'enter a number';
  });
  if (check.ok) return errors;
  for (const p of check.problems) {
    let key = fieldOfProblem(p.path, d);
    if (key.endsWith('.transform') && Object.keys(errors).some((k) => k.startsWith(key.slice(0, -'transform'.length)))) continue;
    if (key.endsWith('.spec')) key = 'spec';
    const text = key === 'spec' ? `${p.path}: ${p.message}` : p.message;
    errors[key] = errors[key] ? `${errors[key]}; ${text}` : text;
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------------------------
// Run settings

export interface RlSettings {
  model: string;
  out: string;
  steps: number;
  batchSize: number;
  ppoEpochs: number;
  lr: number;
  beta: number;
  clip: number;
  advantage: 'baseline' | 'group';
  groupSize: number;
  /** NaN = a fresh seed is not offered: the engine's default (0). */
  seed: number;
}

export function defaultRlFolder(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `runs/rl-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
}

/** The engine's defaults (electron/engine/rl/finetune.ts DEFAULT_FINETUNE) except a batch a laptop finishes quickly. */
export const DEFAULT_RL_SETTINGS: Omit<RlSettings, 'out'> = {
  model: 'default',
  steps: 100,
  batchSize: 32,
  ppoEpochs: 5,
  lr: 1e-5,
  beta: 0.1,
  clip: 0.2,
  advantage: 'baseline',
  groupSize: 4,
  seed: NaN,
};

/** Why each setting is wrong, with the ranges of finetuneParamsSchema. */
export function checkRlSettings(s: RlSettings): Partial<Record<keyof RlSettings, string>> {
  const errors: Partial<Record<keyof RlSettings, string>> = {};
  const int = (key: keyof RlSettings, v: number, min: number, max: number, label: string) => {
    if (!(Number.isInteger(v) && v >= min && v <= max)) errors[key] = `${label}: a whole number from ${min} to ${max}`;
  };
  if (s.model.trim() === '') errors.model = 'Model: choose a model';
  if (s.out.trim() === '') errors.out = 'Run folder: where checkpoints, metrics and the policy go (inside the workspace)';
  int('steps', s.steps, 1, 1_000_000, 'Steps');
  int('batchSize', s.batchSize, 1, 4096, 'Batch size');
  int('ppoEpochs', s.ppoEpochs, 1, 100, 'PPO epochs');
  if (!(s.lr > 0 && s.lr < 1)) errors.lr = 'Learning rate: above 0 and below 1';
  if (!(s.beta >= 0 && s.beta <= 1000)) errors.beta = 'β (KL weight): from 0 to 1000';
  if (!(s.clip > 0 && s.clip < 1)) errors.clip = 'Clip ε: above 0 and below 1';
  if (s.advantage === 'group') {
    int('groupSize', s.groupSize, 1, 4096, 'Group size');
    if (!errors.groupSize && !errors.batchSize && s.batchSize % s.groupSize !== 0) errors.groupSize = `Group size: the batch size (${s.batchSize}) must be a multiple of it`;
  }
  if (!Number.isNaN(s.seed) && !(Number.isInteger(s.seed) && s.seed >= 0 && s.seed <= 2 ** 32 - 1)) errors.seed = 'Seed: a whole number ≥ 0, or empty for the default';
  return errors;
}

export function finetuneParamsFor(s: RlSettings, spec: RewardSpec): FinetuneParams {
  return {
    model: s.model.trim(),
    reward: spec,
    out: s.out.trim(),
    steps: s.steps,
    batchSize: s.batchSize,
    ppoEpochs: s.ppoEpochs,
    learningRate: s.lr,
    beta: s.beta,
    clip: s.clip,
    advantage: s.advantage,
    ...(s.advantage === 'group' ? { groupSize: s.groupSize } : {}),
    ...(Number.isNaN(s.seed) ? {} : { seed: s.seed }),
    checkpointEverySteps: Math.max(1, Math.min(10, s.steps)),
    resume: false,
  };
}

/** Resume the run in `out`: its saved settings and reward win; `steps` may raise its total. */
export function resumeParamsFor(out: string, steps: number): FinetuneParams {
  return { out: out.trim(), resume: true, ...(Number.isInteger(steps) && steps >= 1 ? { steps } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Reward histogram and run comparison

export interface Histogram {
  /** bins + 1 edges, ascending. */
  edges: number[];
  /** Counts per bin of each series (the last bin includes its upper edge). */
  counts: number[][];
}

/** Counts of several samples over shared equal-width bins spanning all of them. */
export function histogram(series: readonly (readonly number[])[], bins: number): Histogram {
  const values = series.flat().filter(Number.isFinite);
  if (values.length === 0 || bins < 1) return { edges: [], counts: series.map(() => []) };
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s) {
      if (!Number.isFinite(v)) continue;
      c[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
    }
    return c;
  });
  return { edges, counts };
}

/** Two runs' curves on one x column: the union of their steps, each run null where it has no point. */
export function mergeCurves(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): { x: number[]; a: (number | null)[]; b: (number | null)[] } {
  const x = [...new Set([...a.keys(), ...b.keys()])].sort((p, q) => p - q);
  return { x, a: x.map((s) => a.get(s) ?? null), b: x.map((s) => b.get(s) ?? null) };
}
