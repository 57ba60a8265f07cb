/**
 * The job types the engine host can run, declared once for every process: the renderer (typed submit), the
 * main process / browser-mode server (validates before queueing) and the engine host (validates again before
 * running). Pure TypeScript + zod, browser-safe.
 *
 * Adding a job type: add its entry to `jobSpecs` below and its runner file under `electron/host/jobs/`
 * (registered by one line in `electron/host/jobs/index.ts`; the type checker refuses a spec without a runner).
 * Only jobs whose engine function exists are listed — no placeholders.
 */
import { z } from 'zod';
// The finetune job embeds the reward spec schema.
import { RewardSpecSchema } from './reward-spec.ts';
import { isElementSymbol } from '../crystal/elements.ts';
import { modelNameOrWorkspacePath, workspacePath } from './job-paths.ts';
import { crystalPlausibilitySchema } from './plausibility.ts';

export const jobProgressSchema = z.object({
  /** Units of work finished so far (files, samples, steps …). */
  done: z.number().int().nonnegative(),
  /** Total units when known in advance. */
  total: z.number().int().nonnegative().optional(),
  /** One short human-readable line, e.g. the file being read. */
  message: z.string().max(500).optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** A job's definition: what it accepts, what it streams, what it returns, and whether it counts as heavy. */
export interface JobSpec {
  summary: string;
  /** Heavy jobs share the host's core budget and wait in the queue; light ones start at once. */
  heavy: boolean;
  params: z.ZodType;
  /** One streamed result item (e.g. one imported structure), sent while the job runs. */
  output: z.ZodType;
  result: z.ZodType;
}

/** A structure file given by path (desktop, CLI: read by the engine host) or inline (browser upload). */
export const structureFileSchema = z.union([
  z.object({ path: workspacePath() }).strict(),
  z.object({ name: z.string().min(1).max(255), text: z.string().max(50_000_000) }).strict(),
]);
export type StructureFile = z.infer<typeof structureFileSchema>;

/** Where a library row came from: sampled by the model, produced by MCMC, or imported from a file. */
/** Where a library row came from; 'relaxed': relaxed with the interatomic potential from another row (its parent). */
/** 'rl': a best crystal of a reinforcement fine-tuning run (the 'finetune' job). */
export const STRUCTURE_SOURCES = ['generated', 'mcmc', 'imported', 'relaxed', 'rl'] as const;
export const structureSourceSchema = z.enum(STRUCTURE_SOURCES);
export type StructureSource = z.infer<typeof structureSourceSchema>;

/** The name a structure file is reported under: its path or its upload name. */
export function sourceName(source: StructureFile): string {
  return 'path' in source ? source.path : source.name;
}

const analyzedStructureSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    source: z.string(),
    /** CIF data block name or POSCAR comment line. */
    block: z.string(),
    reducedFormula: z.string(),
    numSites: z.number().int().positive(),
    spaceGroup: z.number().int().min(1).max(230),
    symbol: z.string(),
    crystalSystem: z.string(),
    /** e.g. '225-a-Na-b-Cl' */
    wyckoffLabel: z.string(),
    warnings: z.array(z.string()),
  }),
  /** A file or block that could not be read or analysed; the message names file and line where known. */
  z.object({ ok: z.literal(false), source: z.string(), error: z.string() }),
]);
export type AnalyzedStructure = z.infer<typeof analyzedStructureSchema>;

/** Which library structures an export covers: explicit ids, or every structure matching a query. */
export const structureSelectionSchema = z.union([
  z.object({ ids: z.array(z.number().int().positive()).min(1).max(1_000_000) }).strict(),
  z.object({ query: z.lazy(() => structureFilterSchema) }).strict(),
]);

/** Which structure a stability score describes: the one stored, as it is, or the result of relaxing it. */
export const energyKindSchema = z.enum(['single-point', 'relaxed']);
export type EnergyKind = z.infer<typeof energyKindSchema>;

const numberRange = z.object({ min: z.number().optional(), max: z.number().optional() }).strict();
const elementSymbol = z
  .string()
  .regex(/^[A-Z][a-z]{0,2}$/, 'expected an element symbol such as Fe')
  .refine(isElementSymbol, { message: 'not an element of the periodic table (expected a symbol such as Fe)', abort: true });

/** A library tag: 1–100 characters, not only spaces (tags are stored trimmed), no control characters. */
export const tagSchema = z
  .string()
  .min(1)
  .max(100)
  .refine((tag) => tag.trim() !== '', 'a tag must not be blank')
  .refine((tag) => !/[\u0000-\u001f\u007f-\u009f]/.test(tag), 'a tag must not contain control characters');

/** Most property filters one query may combine (each becomes SQL clauses; SQLite bounds an expression's size). */
export const MAX_PROPERTY_FILTERS = 20;

/** Filters of a library query (shared by `library.query` and exports by query). */
export const structureFilterSchema = z
  .object({
    ids: z.array(z.number().int().positive()).max(100_000).optional(),
    runId: z.number().int().positive().optional(),
    source: structureSourceSchema.optional(),
    spaceGroups: z.array(z.number().int().min(1).max(230)).max(230).optional(),
    requestedSpaceGroups: z.array(z.number().int().min(1).max(230)).max(230).optional(),
    elements: z
      .object({ include: z.array(elementSymbol).max(118).optional(), exclude: z.array(elementSymbol).max(118).optional(), only: z.array(elementSymbol).max(118).optional() })
      .strict()
      .optional(),
    numElements: numberRange.optional(),
    numSites: numberRange.optional(),
    valid: z.boolean().nullable().optional(),
    reward: numberRange.optional(),
    logProbability: numberRange.optional(),
    /** E_hull in eV/atom (rows without a score are left out). */
    eHull: numberRange.optional(),
    energyKind: energyKindSchema.optional(),
    /** Rows derived from this one (its relaxed versions). */
    parentId: z.number().int().positive().optional(),
    properties: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'expected a property name such as band_gap'), numberRange)
      .refine((filters) => Object.keys(filters).length <= MAX_PROPERTY_FILTERS, `at most ${MAX_PROPERTY_FILTERS} property filters`)
      .optional(),
    favourite: z.boolean().optional(),
    tags: z.array(tagSchema).max(50).optional(),
    search: z.string().max(200).optional(),
    /** Charge balanced by the strict oxidation-state check (alloys and elements count as balanced), or not. */
    chargeBalanced: z.boolean().optional(),
    /** Every contact ≥ 0.5 (r_i + r_j), or not. */
    contactsPlausible: z.boolean().optional(),
    contactRatio: numberRange.optional(),
    /** g/cm³. */
    density: numberRange.optional(),
  })
  .strict();
export type StructureFilter = z.infer<typeof structureFilterSchema>;

const importedStructureSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** Library id of the new row. */
    id: z.number().int().positive(),
    source: z.string(),
    name: z.string(),
    formula: z.string(),
    spaceGroup: z.number().int().min(1).max(230).nullable(),
    warnings: z.array(z.string()),
  }),
  /** Not imported: unreadable (error), or already in the library (duplicateOf = the row holding the same crystal). */
  z.object({ ok: z.literal(false), source: z.string(), error: z.string(), duplicateOf: z.number().int().positive().optional() }),
]);
export type ImportedStructureItem = z.infer<typeof importedStructureSchema>;

/** A structure as plain data (lattice rows = a, b, c in Å; fractional coordinates), small enough to stream. */
export const structureDataSchema = z.object({
  lattice: z.tuple([z.tuple([z.number(), z.number(), z.number()]), z.tuple([z.number(), z.number(), z.number()]), z.tuple([z.number(), z.number(), z.number()])]),
  sites: z.array(z.object({ species: z.string(), frac: z.tuple([z.number(), z.number(), z.number()]), label: z.string().optional(), wyckoff: z.string().optional() })),
});
export type StructureData = z.infer<typeof structureDataSchema>;

/** The distance threshold of the structural validity check (CrystalFormer's: no pair closer than 0.5 Å), for the UI. */
export const MIN_INTERATOMIC_DISTANCE = 0.5;

/** A plain name (letters, digits, . _ -) that cannot step out of its folder: '.' and '..' are not names. */
const PLAIN_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
/**
 * The model a sampling job draws from: a shipped model by name (a folder in models/), or a model folder in the
 * workspace, e.g. a fine-tuning run's `model/` (what `models.list` offers besides the shipped ones).
 */
const samplingModel = () => modelNameOrWorkspacePath();

/** The generation prompt and sampling settings of a 'generate' job (the engine's SamplingConditions, as JSON). */
export const generateParamsSchema = z
  .object({
    /** Model name in models/ (e.g. 'default') or a model folder in the workspace. */
    model: samplingModel().default('default'),
    /** Explicit space groups (drawn uniformly) or the model's training distribution. */
    spaceGroups: z.union([z.array(z.number().int().min(1).max(230)).min(1).max(230), z.literal('training-distribution')]).default('training-distribution'),
    /** Wyckoff letters of the first sites; with `complete`, the crystal has exactly these sites. */
    wyckoff: z
      .object({ letters: z.array(z.string().regex(/^([a-z]|A)$/, 'expected a Wyckoff letter a…z or A')).max(20), complete: z.boolean().default(true) })
      .strict()
      .optional(),
    /** Elements allowed anywhere; absent = all. */
    elements: z.array(elementSymbol).min(1).max(118).optional(),
    /** Allowed elements per prompted site (index = site); null = no extra restriction. */
    siteElements: z.array(z.array(elementSymbol).min(1).max(118).nullable()).max(20).optional(),
    /** Ties [i, j] (0-based): site j takes site i's element. */
    ties: z.array(z.tuple([z.number().int().min(0).max(19), z.number().int().min(0).max(19)])).max(20).optional(),
    requiredElements: z.array(elementSymbol).min(1).max(20).optional(),
    excludeRadioactive: z.boolean().default(false),
    maxAtoms: z.number().int().min(1).max(10_000).optional(),
    maxSites: z.number().int().min(1).max(20).optional(),
    n: z.number().int().min(1).max(1_000_000),
    temperature: z.number().min(1e-3).max(100).default(1),
    topP: z.number().gt(0).max(1).default(1),
    /** Random seed; absent = a fresh one, reported in the result. */
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    /** Crystals decoded together; small batches keep cancel responsive (checked between batches). */
    batchSize: z.number().int().min(1).max(1024).default(32),
    /**
     * Score every structurally valid crystal with the interatomic potential's single-point E_hull (models/
     * potential-m3gnet-mp-2021), stored on its library row. Off by default: it adds a sizeable share to the
     * generation time (`npm run bench:generate-score` measures both; README).
     */
    scoreEHull: z.boolean().default(false),
  })
  .strict();
export type GenerateParams = z.input<typeof generateParamsSchema>;

/**
 * A single-point stability score of a structure as stored: energy and formation energy per atom (eV/atom, MP2020
 * corrected) and E_hull against the partial reference hull; null fields with `error` saying why (not built, an
 * element the potential does not know, …).
 */
export const singlePointScoreSchema = z.object({
  kind: z.literal('single-point'),
  eHull: z.number().nullable(),
  energyPerAtom: z.number().nullable(),
  formationEnergyPerAtom: z.number().nullable(),
  error: z.string().optional(),
});
export type SinglePointScoreInfo = z.infer<typeof singlePointScoreSchema>;

/** One generated crystal as streamed to the UI (the library row holds the CIF, tokens and full record). */
export const generatedCandidateSchema = z.object({
  /** 1-based position in the run. */
  index: z.number().int().positive(),
  /** Library id, or null when the crystal could not be built (nothing stored). */
  id: z.number().int().positive().nullable(),
  formula: z.string().nullable(),
  wyckoffLabel: z.string().nullable(),
  spaceGroupRequested: z.number().int().min(1).max(230),
  spaceGroupFound: z.number().int().min(1).max(230).nullable(),
  numAtoms: z.number().int().nonnegative().nullable(),
  logProbability: z.number(),
  /** The structure was built from the tokens (orbit expansion, lattice). */
  built: z.boolean(),
  /** Shortest interatomic distance in Å (null when not built). */
  minDistance: z.number().nullable(),
  /** Built and structurally valid: every distance ≥ MIN_INTERATOMIC_DISTANCE and a cell volume ≥ 0.1 Å³ (shared/crystal/validity.ts). */
  valid: z.boolean(),
  structure: structureDataSchema.nullable(),
  error: z.string().optional(),
  /** With `scoreEHull`: the potential's single point on the stored structure (stored on the library row too). */
  score: singlePointScoreSchema.optional(),
  /** Shortest contact over radii, charge balance, density (when built). */
  plausibility: crystalPlausibilitySchema.optional(),
});
export type GeneratedCandidate = z.infer<typeof generatedCandidateSchema>;


const rateSchema = z.object({ count: z.number().int().nonnegative(), total: z.number().int().nonnegative(), rate: z.number().min(0).max(1).nullable() });

/** An 'evaluate' job: the CLI's `cfstudio evaluate` on a folder of CIFs (a generate/MCMC job folder or any other). */
export const evaluateParamsSchema = z
  .object({
    /** Folder of CIF files (with samples.jsonl when it is a sampling job's folder). */
    dir: workspacePath(),
    /** Known crystals for novelty: a dataset directory from `data prepare` (e.g. mp20-train) or a CSV with a cif column. */
    reference: workspacePath().optional(),
    referenceSplit: z.enum(['train', 'val', 'all']).default('all'),
    /** Symmetry tolerance in Å (default 0.1, as CrystalFormer's and MatterGen's evaluations). */
    symprec: z.number().positive().max(1).default(0.1),
    /** Let crystals of different space groups match in uniqueness/novelty. */
    anySpaceGroup: z.boolean().default(false),
    /** Relax every structurally valid crystal with the potential and report E_hull and S.U.N. (`cfstudio evaluate --stability`). */
    stability: z.boolean().default(false),
    /** With stability: stable when E_hull ≤ this, eV/atom. */
    stableThreshold: z.number().min(-10).max(10).default(0.1),
    /** With stability: keep each crystal's space group while relaxing (ASE FixSymmetry). */
    keepSymmetry: z.boolean().default(true),
    fmax: z.number().positive().max(100).default(0.05),
    maxSteps: z.number().int().nonnegative().max(100_000).default(500),
    /** With stability: a folder name in models/ or a workspace folder; default models/potential-m3gnet-mp-2021. */
    potential: modelNameOrWorkspacePath().optional(),
  })
  .strict();

/** The headline numbers of an evaluation; the full report is `reportPath` (evaluation.json in the job folder). */
export const evaluationSummarySchema = z.object({
  directory: z.string(),
  reportPath: z.string(),
  /** Crystals evaluated (readable CIFs). */
  count: z.number().int().nonnegative(),
  unreadable: z.number().int().nonnegative(),
  /** Samples in samples.jsonl that the sampler could not build. */
  unbuilt: z.number().int().nonnegative(),
  validity: z.object({ structural: rateSchema, compositional: rateSchema, valid: rateSchema, validOverAllSamples: rateSchema }),
  spaceGroup: z.object({ matchesRequested: rateSchema, p1: rateSchema, failed: z.number().int().nonnegative() }),
  uniqueness: z.object({ groups: z.number().int().nonnegative(), unique: rateSchema }),
  novelty: z.object({ referenceSize: z.number().int().nonnegative(), novel: rateSchema, novelAmongUnique: rateSchema, validUniqueNovel: rateSchema }).nullable(),
  /** Contacts ≥ 0.5 (r_i + r_j) with Slater atomic radii, next to the 0.5 Å structural rule. */
  physicallyPlausible: rateSchema.optional(),
  /** With the stability option: the headline numbers (the report holds the distributions and every crystal). */
  stability: z
    .object({
      potential: z.string(),
      protocol: z.array(z.string()),
      stableThreshold: z.number(),
      relaxed: z.number().int().nonnegative(),
      notConverged: z.number().int().nonnegative(),
      eHullMedian: z.number().nullable(),
      /** Share with E_hull ≤ threshold over all samples drawn, at 0, 0.08, 0.1 (and the chosen threshold). */
      eHullShares: z.array(z.object({ threshold: z.number(), rate: rateSchema })),
      sun: rateSchema,
      symmetricSun: rateSchema,
      sunPerHour: z.number().nonnegative(),
    })
    .optional(),
  warnings: z.array(z.string()),
  seconds: z.number().nonnegative(),
});
export type EvaluationSummary = z.infer<typeof evaluationSummarySchema>;

/** An 'mcmc' job: the CLI's `cfstudio mcmc` (Metropolis–Hastings over a template, annealed), stored in the library. */
export const mcmcParamsSchema = z
  .object({
    model: samplingModel().default('default'),
    spaceGroup: z.number().int().min(1).max(230),
    /** Sites in Wyckoff order as `cfstudio mcmc --template`: LETTER:ELEMENT[@X,Y,Z], ELEMENT a symbol, ? or Ba|Sr. */
    template: z.string().min(1).max(2000),
    /** Elements allowed on ? sites (default: all but radioactive elements and noble gases). */
    elements: z.array(elementSymbol).min(1).max(118).optional(),
    /** Ties [i, j] (0-based template sites): site j takes site i's element. */
    ties: z.array(z.tuple([z.number().int().min(0).max(19), z.number().int().min(0).max(19)])).max(20).optional(),
    chains: z.number().int().min(1).max(100_000).default(128),
    sweeps: z.number().int().min(0).max(1_000_000).default(20),
    tStart: z.number().min(1e-3).max(1e6).default(5),
    tEnd: z.number().min(1e-3).max(1e6).default(1),
    schedule: z.enum(['inverse-linear', 'geometric']).default('inverse-linear'),
    width: z.number().min(1e-4).max(100).default(0.1),
    latticeTemperature: z.number().min(1e-3).max(100).default(1),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  })
  .strict();
export type McmcParams = z.input<typeof mcmcParamsSchema>;

/** What an 'mcmc' job streams: statistics after every sweep, then the final crystals (best log p first). */
export const mcmcOutputSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sweep'),
    /** 1-based. */
    sweep: z.number().int().positive(),
    sweeps: z.number().int().nonnegative(),
    temperature: z.number(),
    /** Accepted / proposed over this sweep (all chains). */
    acceptance: z.number().min(0).max(1),
    meanLogp: z.number(),
    maxLogp: z.number(),
    seconds: z.number().nonnegative(),
  }),
  generatedCandidateSchema.extend({ kind: z.literal('crystal') }),
]);
export type McmcOutput = z.infer<typeof mcmcOutputSchema>;

/** A 'train' job: `cfstudio train` (pretraining on a prepared token dataset), stoppable with a checkpoint. */
export const trainParamsSchema = z
  .object({
    /** Training dataset directory (from `cfstudio data prepare`). */
    data: workspacePath(),
    /** Validation dataset directory; default: the training set's val split. */
    val: workspacePath().optional(),
    /** Model preset name (e.g. tiny, small, default). */
    config: z.string().regex(PLAIN_NAME, 'expected a model preset name such as tiny').default('default'),
    /** Run directory (checkpoints, metrics.jsonl, best.safetensors), inside the workspace. */
    out: workspacePath(),
    epochs: z.number().int().min(1).max(100_000).optional(),
    batchSize: z.number().int().min(1).max(100_000).optional(),
    /** Peak learning rate (the engine's TrainingConfig names, here and in every layer). */
    learningRate: z.number().gt(0).max(1).optional(),
    warmupSteps: z.number().int().min(0).optional(),
    validateEverySteps: z.number().int().min(1).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    /** Stop with a checkpoint after this many minutes (resume later). */
    maxMinutes: z.number().positive().optional(),
    /** Continue the run in `out` from its latest checkpoint (its saved settings win). */
    resume: z.boolean().default(false),
    /**
     * Fine-tuning: start from this model's weights (a model in models/ by name, or a model folder in the workspace)
     * instead of a fresh initialisation; its configuration replaces `config`.
     */
    initModel: modelNameOrWorkspacePath().optional(),
  })
  .strict();
export type TrainParams = z.input<typeof trainParamsSchema>;

/**
 * A 'prepare-dataset' job: `cfstudio data prepare` for structures the user has — every CIF/POSCAR file in a folder of
 * the workspace, or library rows — into a token dataset a 'train' job reads.
 */
export const prepareDatasetParamsSchema = z
  .object({
    source: z.union([
      /** CIF (every data block), POSCAR/CONTCAR and .vasp files directly in this folder; others are ignored. */
      z.object({ folder: workspacePath() }).strict(),
      z.object({ library: structureSelectionSchema }).strict(),
    ]),
    /** The dataset folder to write (refused if it already holds a dataset). */
    out: workspacePath(),
    /** Share of structures held out for validation (by a hash of each structure's name). */
    valFraction: z.number().min(0).max(1).default(0.1),
    /** Distance tolerance in Å of the symmetry analysis (CrystalFormer's preprocessing uses 0.01). */
    symprec: z.number().positive().max(1).default(0.01),
  })
  .strict();
export type PrepareDatasetParams = z.input<typeof prepareDatasetParamsSchema>;

/** One structure the 'prepare-dataset' job could not use: its file (and data block) or library row, and why. */
export const datasetSkipSchema = z.object({ source: z.string(), reason: z.string(), message: z.string() });
export type DatasetSkip = z.infer<typeof datasetSkipSchema>;

/** Mean validation NLL per crystal, total and per token type. */
const nllSummarySchema = z.object({ crystals: z.number().int().nonnegative(), total: z.number(), wyckoff: z.number(), atoms: z.number(), coords: z.number(), lattice: z.number() });

/** One update of a 'train' job (one item per step, in order). */
export const trainOutputSchema = z.object({
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /** Training loss of this step's batch (mean NLL per crystal). */
  loss: z.number(),
  /** The latest validation before this step, if any (repeated on every step until the next one). */
  lastValidation: nllSummarySchema.optional(),
  /** The validation run right after this step (its step is this step), on this step's item only — charts plot it here. */
  validation: z.object({ step: z.number().int().nonnegative(), nll: nllSummarySchema, best: z.boolean() }).optional(),
  /** Wall-clock seconds since this job started (an ETA needs the rate of this invocation, not of earlier ones). */
  seconds: z.number().nonnegative(),
});
export type TrainOutput = z.infer<typeof trainOutputSchema>;


/**
 * A 'finetune' job: `cfstudio finetune` (PPO toward a reward with a KL penalty to the pretrained model) with the run
 * folder inside the workspace. Unset settings take the engine's defaults (electron/engine/rl/finetune.ts
 * DEFAULT_FINETUNE). With `resume`, the run's saved settings and reward win, except `steps`: the run's new total.
 */
export const finetuneParamsSchema = z
  .object({
    model: modelNameOrWorkspacePath().default('default'),
    /** The reward spec (electron/rewards/spec.ts); needed unless resuming (a resumed run keeps its own). */
    reward: RewardSpecSchema.optional(),
    /** Run folder (run.json, metrics.jsonl, checkpoints/, best/, model/), inside the workspace. */
    out: workspacePath(),
    steps: z.number().int().min(1).max(1_000_000).optional(),
    batchSize: z.number().int().min(1).max(4096).optional(),
    ppoEpochs: z.number().int().min(1).max(100).optional(),
    /** Gradient steps per PPO epoch on length-sorted parts of the batch (1 = full batch, as the reference). */
    miniBatches: z.number().int().min(1).max(4096).optional(),
    /** Adam's learning rate (the engine's FinetuneConfig names, here and in every layer). */
    learningRate: z.number().gt(0).lt(1).optional(),
    /** ε of the clipped ratio. */
    clip: z.number().gt(0).lt(1).optional(),
    /** β, weight of the KL penalty to the pretrained model. */
    beta: z.number().min(0).max(1000).optional(),
    advantage: z.enum(['baseline', 'group']).optional(),
    /** Samples per space group with group advantages; the batch size must be a multiple of it. */
    groupSize: z.number().int().min(1).max(4096).optional(),
    spaceGroups: z.union([z.array(z.number().int().min(1).max(230)).min(1).max(230), z.literal('training-distribution')]).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    checkpointEverySteps: z.number().int().min(1).max(1_000_000).optional(),
    /** Stop with a checkpoint after this many minutes (resume later). */
    maxMinutes: z.number().positive().optional(),
    resume: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!p.resume && p.reward === undefined) ctx.addIssue({ code: 'custom', path: ['reward'], message: 'a reward spec is required to start a run (only a resumed run keeps its own)' });
    if (p.advantage === 'group' && p.batchSize !== undefined && p.groupSize !== undefined && p.batchSize % p.groupSize !== 0) {
      ctx.addIssue({ code: 'custom', path: ['groupSize'], message: `with group advantages the batch size (${p.batchSize}) must be a multiple of the group size (${p.groupSize})` });
    }
  });
export type FinetuneParams = z.input<typeof finetuneParamsSchema>;

/** A number that may be missing: JSON carries NaN and ±Infinity as null (e.g. the mean reward of valid crystals in a batch without any). */
const metric = z.number().nullable();

/** One PPO step of a 'finetune' job (the engine's FinetuneStepMetrics), with the batch's rewards for histograms. */
export const finetuneStepSchema = z.object({
  kind: z.literal('step'),
  step: z.number().int().positive(),
  steps: z.number().int().positive(),
  reward: z.object({ mean: metric, max: metric, min: metric, std: metric, meanValid: metric }),
  /** Mean of each reward term over the candidates where it is finite. */
  terms: z.record(z.string(), metric),
  /** KL(π_old ‖ π_0) per crystal, Schulman's k3 estimate on the batch: never negative (electron/engine/rl/kl.ts). */
  kl: metric,
  /** The plain estimate of the same KL, mean(log π_old − log π_0), which one batch can put below zero (absent in older engines). */
  klLogRatio: metric.optional(),
  entropy: metric,
  validity: z.object({ structural: z.number().min(0).max(1), compositional: z.number().min(0).max(1), valid: z.number().min(0).max(1) }),
  /**
   * What the reward could be fooling (issue #24), fractions of the batch: distinct motifs, the strict compositional
   * rule (ICSD-weighted oxidation states), shortest contact ≥ 0.5 × the covalent-radius sum; the mean reward of the
   * crystals passing both; the fraction the duplicate guard penalised.
   */
  judges: z
    .object({ unique: z.number().min(0).max(1), strictComposition: z.number().min(0).max(1), plausibleContacts: z.number().min(0).max(1), meanRewardPlausible: metric, duplicates: z.number().min(0).max(1) })
    .optional(),
  baseline: metric,
  clipped: metric,
  gradNorm: metric,
  samplesPerSecond: metric,
  seconds: z.object({ sample: z.number(), reward: z.number(), update: z.number(), total: z.number() }),
  elapsedSeconds: z.number().nonnegative(),
  /** Reward of every sample of the step's batch (penalties included). */
  rewards: z.array(z.number()).max(4096),
});
export type FinetuneStep = z.infer<typeof finetuneStepSchema>;

/** A property prediction with its calibrated 68 % interval (electron/predictors/uncertainty.ts), where the predictor has one. */
export const propertyPredictionSchema = z.object({
  value: z.number().nullable(),
  /** '' = dimensionless. */
  unit: z.string(),
  /** Calibrated 68 % interval from held-out residuals and its half-width; absent when the predictor has none. */
  uncertainty: z.object({ halfWidth: z.number(), lower: z.number(), upper: z.number() }).nullable().optional(),
});
export type PropertyPrediction = z.infer<typeof propertyPredictionSchema>;

/** One of the best distinct crystals of a fine-tuning run so far. */
export const finetuneCandidateSchema = z.object({
  rank: z.number().int().positive(),
  /** The step whose batch produced it. */
  step: z.number().int().positive(),
  reward: z.number(),
  terms: z.record(z.string(), z.number()),
  formula: z.string(),
  /** The space group the model was asked for. */
  spaceGroup: z.number().int().min(1).max(230),
  /** Space group of the built structure (0.1 Å), null when analysis failed. */
  spaceGroupFound: z.number().int().min(1).max(230).nullable(),
  /** Shortest interatomic distance in Å. */
  minDistance: z.number().nullable(),
  wyckoffLabel: z.string(),
  logProbability: z.number(),
  cif: z.string(),
  structure: structureDataSchema.nullable(),
  /** The judges' verdicts: strict compositional rule and contacts (absent for runs without them). */
  strictComposition: z.boolean().optional(),
  plausibleContacts: z.boolean().optional(),
  /** The library row holding it (stored when it first enters the streamed list), absent when storing failed. */
  libraryId: z.number().int().positive().optional(),
  /** The shipped predictors the reward uses, on the stored structure, each with its calibrated ± (issue #18). */
  predictions: z.record(z.string(), propertyPredictionSchema).optional(),
  /** E_hull (eV/atom) after relaxing with the potential at the end of the run; null when it failed, absent before. */
  relaxedEHull: z.number().nullable().optional(),
});
export type FinetuneCandidate = z.infer<typeof finetuneCandidateSchema>;

/** What a 'finetune' job streams: every step's metrics, and the top of the best list whenever it changed. */
export const finetuneOutputSchema = z.discriminatedUnion('kind', [
  finetuneStepSchema,
  z.object({ kind: z.literal('best'), step: z.number().int().nonnegative(), candidates: z.array(finetuneCandidateSchema).max(100) }),
]);
export type FinetuneOutput = z.infer<typeof finetuneOutputSchema>;

/** A 'predict' job: the shipped property predictors on structure files (or library rows). */
export const predictParamsSchema = z
  .object({
    sources: z.array(structureFileSchema).min(1).max(100_000).optional(),
    /** Library structure ids. */
    ids: z.array(z.number().int().positive()).min(1).max(100_000).optional(),
    /** Predictor names (band_gap, formation_energy, dielectric_total); default: every shipped one present. */
    properties: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
    /** Symmetry tolerance in Å of the Wyckoff description the predictors read (the training data used 0.01). */
    symprec: z.number().positive().max(1).default(0.01),
  })
  .strict()
  .refine((p) => (p.sources === undefined) !== (p.ids === undefined), { message: 'give either sources (structure files) or ids (library structures), not both', path: ['sources'] });
export type PredictParams = z.input<typeof predictParamsSchema>;

export const predictedStructureSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** File name or `library #id`. */
    source: z.string(),
    /** CIF data block name, POSCAR comment or library row name. */
    block: z.string(),
    libraryId: z.number().int().positive().optional(),
    formula: z.string(),
    spaceGroup: z.number().int().min(1).max(230).nullable(),
    /** Per property: the value (null where the predictor could not predict) and its unit ('' = dimensionless). */
    predictions: z.record(z.string(), propertyPredictionSchema),
    /** Why some or all predictions are missing (e.g. symmetry analysis failed). */
    warning: z.string().optional(),
  }),
  z.object({ ok: z.literal(false), source: z.string(), error: z.string() }),
]);
export type PredictedStructure = z.infer<typeof predictedStructureSchema>;

/** Structures for the potential jobs: files (paths or uploads) or library rows, as for 'predict'. */
const potentialInputs = {
  sources: z.array(structureFileSchema).min(1).max(100_000).optional(),
  /** Library structure ids. */
  ids: z.array(z.number().int().positive()).min(1).max(100_000).optional(),
  /** Interatomic potential: a folder name in models/ or a folder in the workspace; default: models/potential-m3gnet-mp-2021. */
  potential: modelNameOrWorkspacePath().optional(),
  /** Tolerance in Å for the space groups reported (and kept, for 'relax'). */
  symprec: z.number().positive().max(1).default(0.01),
};
const oneInputKind = (p: { sources?: unknown; ids?: unknown }): boolean => (p.sources === undefined) !== (p.ids === undefined);
const oneInputKindMessage = { message: 'give either sources (structure files) or ids (library structures), not both', path: ['sources'] };

const vec3Schema = z.tuple([z.number(), z.number(), z.number()]);
const mat3Schema = z.tuple([vec3Schema, vec3Schema, vec3Schema]);

/** MP2020-corrected formation energy and E_hull against the partial reference hull; null when not computed. */
const stabilityFields = {
  correctedEnergy: z.number().nullable(),
  formationEnergyPerAtom: z.number().nullable(),
  eHull: z.number().nullable(),
  decomposition: z.array(z.object({ formula: z.string(), id: z.string(), fraction: z.number() })).nullable(),
  stabilityError: z.string().optional(),
};

/** Where a structure came from: file name or `library #id`, CIF block / POSCAR comment / row name, library id. */
const potentialSourceFields = {
  /** Position among the structures read (0-based), the key of a 'step' item. */
  index: z.number().int().nonnegative(),
  source: z.string(),
  block: z.string(),
  libraryId: z.number().int().positive().optional(),
};

/** A 'relax' job: FIRE relaxation (positions and cell) with an interatomic potential, streamed step by step. */
export const relaxParamsSchema = z
  .object({
    ...potentialInputs,
    /** Converged below this generalized force, eV/Å. */
    fmax: z.number().positive().max(100).default(0.05),
    maxSteps: z.number().int().nonnegative().max(100_000).default(500),
    /** Keep each structure's space group (ASE FixSymmetry). */
    keepSymmetry: z.boolean().default(true),
    /** Stream one 'step' item per structure and step (energy, fmax, volume). */
    trajectory: z.boolean().default(true),
    /** With trajectory: add the structure of each step (lattice rows and fractional coordinates) for playback. */
    frames: z.boolean().default(false),
    /**
     * Store each relaxed structure (converged or not) in the library as a new row: source 'relaxed', linked to the
     * row it came from (when the input was a library row), its E_hull labelled 'relaxed'.
     */
    saveToLibrary: z.boolean().default(false),
  })
  .strict()
  .refine(oneInputKind, oneInputKindMessage);
export type RelaxParams = z.input<typeof relaxParamsSchema>;

export const relaxOutputSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('step'),
    index: z.number().int().nonnegative(),
    /** FIRE steps taken before this evaluation (0 = the start). */
    step: z.number().int().nonnegative(),
    energy: z.number(),
    fmax: z.number(),
    volume: z.number(),
    /** With frames: lattice vectors as rows (Å) and fractional coordinates in site order. */
    lattice: mat3Schema.optional(),
    frac: z.array(vec3Schema).optional(),
  }),
  z.object({
    kind: z.literal('relaxed'),
    ...potentialSourceFields,
    formula: z.string(),
    atoms: z.number().int().positive(),
    status: z.enum(['converged', 'not-converged', 'exploded', 'failed', 'cancelled']),
    converged: z.boolean(),
    message: z.string().optional(),
    steps: z.number().int().nonnegative(),
    fmax: z.number().nullable(),
    initialEnergy: z.number().nullable(),
    energy: z.number().nullable(),
    energyPerAtom: z.number().nullable(),
    volumeChange: z.number().nullable(),
    rmsd: z.number().nullable(),
    spaceGroupBefore: z.number().int().min(1).max(230).nullable(),
    spaceGroupAfter: z.number().int().min(1).max(230).nullable(),
    spaceGroupKept: z.number().int().min(1).max(230).nullable(),
    warnings: z.array(z.string()).optional(),
    ...stabilityFields,
    /** The relaxed structure as a symmetrized CIF (converged and not-converged relaxations). */
    cif: z.string().nullable(),
    /** With saveToLibrary: the new library row holding the relaxed structure. */
    savedId: z.number().int().positive().optional(),
    /** With saveToLibrary: why it was not stored. */
    saveError: z.string().optional(),
  }),
  /** A source or library row that could not be read. */
  z.object({ kind: z.literal('failed'), source: z.string(), error: z.string() }),
]);
export type RelaxOutput = z.infer<typeof relaxOutputSchema>;

/** An 'energy' job: single points (energy, forces, stress) with an interatomic potential. */
export const energyParamsSchema = z
  .object({
    ...potentialInputs,
    /**
     * With library rows (ids): store each single point's energy, formation energy and E_hull on its row, labelled
     * 'single-point' (rows holding a relaxed structure keep their 'relaxed' label).
     */
    saveToLibrary: z.boolean().default(false),
  })
  .strict()
  .refine(oneInputKind, oneInputKindMessage);
export type EnergyParams = z.input<typeof energyParamsSchema>;

export const energyOutputSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    ...potentialSourceFields,
    formula: z.string(),
    atoms: z.number().int().positive(),
    /** eV, eV/atom. */
    energy: z.number(),
    energyPerAtom: z.number(),
    /** eV/Å per site. */
    forces: z.array(vec3Schema),
    maxForce: z.number(),
    /** σ = (1/V) ∂E/∂ε in GPa and the pressure −tr(σ)/3. */
    stressGPa: mat3Schema,
    pressureGPa: z.number(),
    spaceGroup: z.number().int().min(1).max(230).nullable(),
    ...stabilityFields,
    /** With saveToLibrary: the score was stored on the library row. */
    saved: z.boolean().optional(),
  }),
  z.object({ ok: z.literal(false), source: z.string(), error: z.string() }),
]);
export type EnergyOutput = z.infer<typeof energyOutputSchema>;

/** A 'csp' job: structure prediction from a formula (electron/csp/: exact-composition sampling, ranked by the potential). */
export const cspParamsSchema = z
  .object({
    model: samplingModel().default('default'),
    /** Formula unit, e.g. 'NaCl' or 'Li3PS4'. */
    formula: z.string().min(1).max(200),
    /** Formula units per conventional cell; absent (and no `atoms`): every Z up to 80 atoms. */
    zs: z.array(z.number().int().min(1).max(1000)).min(1).max(1000).optional(),
    /** Instead of `zs`: atoms per conventional cell. */
    atoms: z.object({ min: z.number().int().min(1), max: z.number().int().min(1) }).strict().optional(),
    /** Space groups to sample (uniformly); absent: the model weighs every group that can hold the formula. */
    spaceGroups: z.array(z.number().int().min(1).max(230)).min(1).max(230).optional(),
    n: z.number().int().min(1).max(1_000_000).default(200),
    /** Candidates streamed as outputs, best first. */
    top: z.number().int().min(1).max(100_000).default(10),
    /** Relax each distinct candidate (FIRE, space group kept) before ranking. */
    relax: z.boolean().default(false),
    /** Interatomic potential (models/ name or workspace folder); default models/potential-m3gnet-mp-2021; absent folder: rank by log-likelihood. */
    potential: modelNameOrWorkspacePath().optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
    batchSize: z.number().int().min(1).max(1024).default(64),
  })
  .strict()
  .refine((p) => !(p.zs && p.atoms), { message: 'give either zs or atoms, not both', path: ['zs'] });
export type CspParams = z.input<typeof cspParamsSchema>;

/** One ranked candidate of a 'csp' job, best first. */
export const cspCandidateSchema = z.object({
  rank: z.number().int().positive(),
  formula: z.string(),
  z: z.number().int().positive(),
  atoms: z.number().int().positive(),
  spaceGroup: z.number().int().min(1).max(230),
  spaceGroupSymbol: z.string(),
  wyckoff: z.string().nullable(),
  energyPerAtom: z.number().nullable(),
  eHull: z.number().nullable(),
  logp: z.number(),
  samplesMatched: z.number().int().positive(),
  relaxStatus: z.string().nullable(),
  cif: z.string(),
});
export type CspCandidateOutput = z.infer<typeof cspCandidateSchema>;

export const jobSpecs = {
  'import-structures': {
    summary: 'import CIF/POSCAR files into the workspace library (each structure committed as soon as it is read)',
    heavy: true,
    params: z
      .object({
        sources: z.array(structureFileSchema).min(1).max(100_000),
        tags: z.array(tagSchema).max(50).optional(),
        symprec: z.number().positive().max(1).default(0.01),
        /** Accept partially occupied CIF sites (kept as full atoms, reported as warnings). */
        allowPartialOccupancy: z.boolean().default(false),
        /** A structure the library already holds (same crystal) is skipped and reported, or with 'keep' stored again. */
        duplicates: z.enum(['skip', 'keep']).default('skip'),
      })
      .strict(),
    output: importedStructureSchema,
    result: z.object({
      runId: z.number().int().positive(),
      imported: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      /** Structures skipped because the library already holds them. */
      duplicates: z.number().int().nonnegative().default(0),
    }),
  },
  'export-structures': {
    summary: 'write library structures as CIF files with a manifest CSV, in one zip or a folder',
    heavy: false,
    params: z
      .object({
        selection: structureSelectionSchema,
        /** zip / cif-files: CIFs + manifest.csv; poscar-zip: POSCARs + manifest.csv; extxyz, json: one file. */
        format: z.enum(['zip', 'cif-files', 'poscar-zip', 'extxyz', 'json']).default('zip'),
        /**
         * Absolute path of the zip file or folder to write (desktop: from the save dialog). Without it the export
         * goes into the job's own folder in the workspace (browser mode downloads it from there).
         */
        destination: workspacePath().optional(),
      })
      .strict(),
    output: z.never(),
    result: z.object({ path: z.string(), count: z.number().int().nonnegative(), files: z.array(z.string()) }),
  },
  generate: {
    summary: 'sample crystals from a model under a prompt; each one is stored in the library as it is sampled',
    heavy: true,
    params: generateParamsSchema,
    output: generatedCandidateSchema,
    result: z.object({
      runId: z.number().int().positive(),
      seed: z.number().int().nonnegative(),
      generated: z.number().int().nonnegative(),
      stored: z.number().int().nonnegative(),
      valid: z.number().int().nonnegative(),
      spaceGroupMatched: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
    }),
  },
  evaluate: {
    summary: 'evaluate a folder of CIF files: validity, space-group match, uniqueness and novelty (the full report is written next to the job)',
    heavy: true,
    params: evaluateParamsSchema,
    output: z.never(),
    result: evaluationSummarySchema,
  },
  mcmc: {
    summary: 'Metropolis–Hastings over a crystal template (fill masked elements/coordinates, annealed); the final crystals go into the library',
    heavy: true,
    params: mcmcParamsSchema,
    output: mcmcOutputSchema,
    result: z.object({
      runId: z.number().int().positive(),
      chains: z.number().int().positive(),
      sweeps: z.number().int().nonnegative(),
      steps: z.number().int().nonnegative(),
      meanAcceptance: z.number().nullable(),
      finalMeanLogp: z.number().nullable(),
      stored: z.number().int().nonnegative(),
      valid: z.number().int().nonnegative(),
      spaceGroupMatched: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
    }),
  },
  train: {
    summary: 'pretrain a model on a prepared token dataset; cancel stops after the current step with a checkpoint',
    heavy: true,
    params: trainParamsSchema,
    output: trainOutputSchema,
    result: z.object({
      status: z.enum(['finished', 'stopped', 'time-limit']),
      step: z.number().int().nonnegative(),
      epoch: z.number().int().nonnegative(),
      bestValidation: nllSummarySchema.optional(),
      elapsedSeconds: z.number().nonnegative(),
      outDir: z.string(),
      checkpoints: z.array(z.string()),
    }),
  },
  finetune: {
    summary: 'fine-tune a model toward a reward with PPO and a KL penalty to the pretrained model; cancel checkpoints, resume continues; the best crystals go into the library',
    heavy: true,
    params: finetuneParamsSchema,
    output: finetuneOutputSchema,
    result: z.object({
      status: z.enum(['finished', 'stopped', 'time-limit']),
      step: z.number().int().nonnegative(),
      steps: z.number().int().nonnegative(),
      elapsedSeconds: z.number().nonnegative(),
      outDir: z.string(),
      /** The fine-tuned policy as a model folder (usable as a generate model path). */
      modelDir: z.string(),
      /** Distinct best crystals the run keeps. */
      best: z.number().int().nonnegative(),
      /** Library run of this job and the best crystals it stored (those found during this job). */
      runId: z.number().int().positive(),
      stored: z.number().int().nonnegative(),
    }),
  },
  predict: {
    summary: 'predict properties (band gap, formation energy, dielectric constant) of structure files or library structures with the shipped predictors',
    heavy: true,
    params: predictParamsSchema,
    output: predictedStructureSchema,
    result: z.object({
      predicted: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      properties: z.array(z.object({ name: z.string(), unit: z.string() })),
    }),
  },
  relax: {
    summary: 'relax structure files or library structures with the interatomic potential (FIRE, positions and cell, space group kept); streams each step and each result; cancel stops after the current step',
    heavy: true,
    params: relaxParamsSchema,
    output: relaxOutputSchema,
    result: z.object({
      potential: z.string(),
      relaxed: z.number().int().nonnegative(),
      converged: z.number().int().nonnegative(),
      notConverged: z.number().int().nonnegative(),
      exploded: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      /** Relaxed structures stored in the library (saveToLibrary). */
      saved: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
      /** What E_hull is measured against (a partial hull). */
      hullReference: z.string(),
    }),
  },
  energy: {
    summary: 'single-point energy, forces and stress of structure files or library structures with the interatomic potential, with formation energy and E_hull',
    heavy: true,
    params: energyParamsSchema,
    output: energyOutputSchema,
    result: z.object({
      potential: z.string(),
      computed: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      /** Rows whose score was stored (saveToLibrary). */
      saved: z.number().int().nonnegative(),
      hullReference: z.string(),
    }),
  },
  csp: {
    summary: 'structure prediction from a formula: sample crystals with exactly that composition, merge duplicates, rank by the potential (or likelihood)',
    heavy: true,
    params: cspParamsSchema,
    output: cspCandidateSchema,
    result: z.object({
      formula: z.string(),
      sampled: z.number().int().nonnegative(),
      structurallyValid: z.number().int().nonnegative(),
      distinct: z.number().int().nonnegative(),
      ranking: z.string(),
      potential: z.string().nullable(),
      note: z.string().optional(),
      seconds: z.number().nonnegative(),
    }),
  },
  'analyze-structures': {
    summary: 'read CIF/POSCAR files and find each structure\'s space group and Wyckoff description',
    heavy: true,
    params: z
      .object({
        sources: z.array(structureFileSchema).min(1).max(100_000),
        /** Distance tolerance in Å (CrystalFormer's preprocessing uses 0.01). */
        symprec: z.number().positive().max(1).default(0.01),
      })
      .strict(),
    output: analyzedStructureSchema,
    result: z.object({ analyzed: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
  },
  'prepare-dataset': {
    summary: 'prepare a token dataset for training from a folder of CIF/POSCAR files or library rows; each unusable structure is named with the reason',
    heavy: true,
    params: prepareDatasetParamsSchema,
    output: z.never(),
    result: z.object({
      outDir: z.string(),
      /** Structures read (files' data blocks or library rows). */
      structures: z.number().int().nonnegative(),
      train: z.number().int().nonnegative(),
      val: z.number().int().nonnegative(),
      /** Every structure left out (unreadable, unsupported, more than 20 sites, duplicate), with its source named. */
      skipped: z.array(datasetSkipSchema),
    }),
  },
} as const satisfies Record<string, JobSpec>;

export type JobType = keyof typeof jobSpecs;
type Specs = typeof jobSpecs;
export type JobParams<T extends JobType> = z.input<Specs[T]['params']>;
export type JobOutput<T extends JobType> = z.output<Specs[T]['output']>;
export type JobResult<T extends JobType> = z.output<Specs[T]['result']>;

export function isJobType(type: string): type is JobType {
  return Object.hasOwn(jobSpecs, type);
}

export function jobSpec(type: JobType): JobSpec {
  return (jobSpecs as Record<string, JobSpec>)[type]!;
}

export const jobStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** Which execution provider each workload of a job ran on, e.g. `{ sampling: 'webgpu', inference: 'cpu' }`. */
export const jobProvidersSchema = z.partialRecord(z.enum(['sampling', 'training', 'potential', 'inference']), z.enum(['cuda', 'webgpu', 'dml', 'coreml', 'cpu']));

export const jobInfoSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  status: jobStatusSchema,
  heavy: z.boolean(),
  params: z.unknown(),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  progress: jobProgressSchema.optional(),
  /** Number of streamed output items so far. */
  outputCount: z.number().int().nonnegative(),
  result: z.unknown().optional(),
  /** Why the job failed, readable by a person (failed jobs only). */
  error: z.string().optional(),
  /** Directory in the workspace holding this job's files. */
  outputDir: z.string(),
  /** The execution provider each workload ran on (jobs that ran onnxruntime sessions). */
  providers: jobProvidersSchema.optional(),
});
export type JobInfo = z.infer<typeof jobInfoSchema>;

export function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
