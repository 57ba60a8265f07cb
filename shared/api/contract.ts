/**
 * The one API contract between the renderer and the Node side, used unchanged by the Electron preload bridge
 * (ipcRenderer.invoke / on), the browser-mode client (HTTP POST + WebSocket) and the service that implements it.
 * Every method is a (params → result) pair of zod schemas; every event is one member of a discriminated union.
 * Both ends validate: the service before running a request, the client before handing a result to the UI.
 * Pure TypeScript + zod, browser-safe.
 */
import { z } from 'zod';
import { energyKindSchema, jobInfoSchema, structureDataSchema, structureFilterSchema, structureSourceSchema, tagSchema } from './jobs.ts';
import { crystalPlausibilitySchema } from './plausibility.ts';

const empty = z.object({}).strict();
const jobId = z.object({ id: z.string().min(1).max(100) }).strict();

export const hostStateSchema = z.enum(['starting', 'ready', 'restarting', 'crashed', 'stopped']);
export type HostState = z.infer<typeof hostStateSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  /** Where the API is served from: the desktop app, the browser-mode server, or in-process (tests, CLI). */
  mode: z.enum(['electron', 'browser', 'node']),
  workspace: z.string(),
  jobTypes: z.array(z.string()),
  hostState: hostStateSchema,
  /** Native open/save dialogs exist only in the desktop app; the browser UI uploads and downloads instead. */
  nativeDialogs: z.boolean(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

const latticeParametersSchema = z.object({ a: z.number(), b: z.number(), c: z.number(), alpha: z.number(), beta: z.number(), gamma: z.number() });
const jsonObject = z.record(z.string(), z.unknown());

/** One library row as lists show it (no CIF text or tokens). */
export const structureSummarySchema = z.object({
  id: z.number().int().positive(),
  runId: z.number().int().nullable(),
  promptId: z.number().int().nullable(),
  source: structureSourceSchema,
  name: z.string().nullable(),
  formula: z.string(),
  elements: z.array(z.string()),
  numSites: z.number().int(),
  volume: z.number(),
  lattice: latticeParametersSchema,
  logProbability: z.number().nullable(),
  spaceGroupRequested: z.number().int().nullable(),
  spaceGroupFound: z.number().int().nullable(),
  valid: z.boolean().nullable(),
  reward: z.number().nullable(),
  properties: jsonObject,
  favourite: z.boolean(),
  tags: z.array(z.string()),
  createdAt: z.string(),
  /** The row this one was derived from ("relaxed from #12"), or null. */
  parentId: z.number().int().positive().nullable(),
  /** eV/atom above the partial reference hull, of the structure as stored ('single-point') or after relaxation ('relaxed'). */
  eHull: z.number().nullable(),
  energyPerAtom: z.number().nullable(),
  formationEnergyPerAtom: z.number().nullable(),
  energyKind: energyKindSchema.nullable(),
  /** Shortest contact over radii, charge balance (oxidation states guessed), density; null when not checked. */
  plausibility: crystalPlausibilitySchema.nullable(),
  /** The run that stored the row ('finetune' = RL), or null. */
  run: z.object({ kind: z.string(), name: z.string().nullable() }).nullable(),
  /** The prompt it was sampled under, or null. */
  prompt: z.object({ spaceGroup: z.number().int().nullable(), elements: z.array(z.string()), wyckoff: z.array(z.string()).nullable() }).nullable(),
});
export type StructureSummaryInfo = z.infer<typeof structureSummarySchema>;

/** One library row in full: the CIF text, tokens and per-token log-probabilities, validity and reward details. */
export const structureDetailSchema = structureSummarySchema.extend({
  cif: z.string(),
  tokens: z.array(z.number().int()).nullable(),
  tokenLogProbs: z.array(z.number()).nullable(),
  validity: jsonObject,
  rewards: z.record(z.string(), z.number()),
  /** Potential, decomposition, relaxation status of the stability score. */
  stabilityDetails: jsonObject,
});
export type StructureDetailInfo = z.infer<typeof structureDetailSchema>;

const structureIds = z.array(z.number().int().positive()).min(1).max(100_000);

/** The provider facts of `cfstudio doctor` (electron/host/diagnostics.ts) as the Settings view shows them. */
export const providerDiagnosticsSchema = z.object({
  onnxruntime: z.object({ version: z.string(), package: z.string(), backends: z.array(z.object({ name: z.string(), bundled: z.boolean() })) }),
  /** The stored preference in canonical form ('auto' when none is stored). */
  preference: z.string(),
  /** Where the preference comes from: the workspace's settings.json, or what the engine host was started with. */
  preferenceSource: z.enum(['workspace', 'host']),
  statuses: z.array(z.object({ provider: z.string(), usable: z.boolean(), reason: z.string() })),
  workloads: z.array(z.object({ workload: z.string(), provider: z.string(), order: z.array(z.string()), reason: z.string(), probed: z.boolean() })),
  probeCache: z.string(),
});
export type ProviderDiagnostics = z.infer<typeof providerDiagnosticsSchema>;

const fileFilter = z.object({ name: z.string().max(100), extensions: z.array(z.string().max(20)).max(50) }).strict();

/** Every callable method: name → params and result schema. */
export const apiMethods = {
  'app.info': { params: empty, result: appInfoSchema },

  /** Queue a job; params are checked against the job type's own schema before it is queued. */
  'jobs.submit': {
    params: z.object({ type: z.string().min(1).max(100), params: z.unknown() }).strict(),
    result: jobInfoSchema,
  },
  'jobs.cancel': { params: jobId, result: jobInfoSchema },
  'jobs.get': { params: jobId, result: jobInfoSchema },
  'jobs.list': { params: empty, result: z.array(jobInfoSchema) },
  /** Output items a job has streamed so far, from `offset` on (kept in memory while the job is listed). */
  'jobs.outputs': {
    params: z.object({ id: z.string().min(1).max(100), offset: z.number().int().nonnegative().default(0) }).strict(),
    result: z.array(z.unknown()),
  },

  /** Filtered, sorted page of library structures (stable order: ties broken by id). */
  'library.query': {
    params: structureFilterSchema.extend({
      sort: z
        .object({
          by: z.enum(['id', 'createdAt', 'reward', 'logProbability', 'spaceGroup', 'formula', 'numSites', 'volume', 'name', 'eHull', 'contactRatio', 'density', 'a']),
          direction: z.enum(['asc', 'desc']).optional(),
        })
        .strict()
        .optional(),
      limit: z.number().int().min(1).max(1000).default(50),
      offset: z.number().int().nonnegative().default(0),
    }),
    result: z.object({ rows: z.array(structureSummarySchema), total: z.number().int().nonnegative(), offset: z.number().int(), limit: z.number().int() }),
  },
  'library.get': { params: z.object({ id: z.number().int().positive() }).strict(), result: structureDetailSchema },
  'library.setFavourite': { params: z.object({ ids: structureIds, favourite: z.boolean() }).strict(), result: z.object({}) },
  'library.tag': {
    params: z.object({ ids: structureIds, add: z.array(tagSchema).max(50).default([]), remove: z.array(tagSchema).max(50).default([]) }).strict(),
    result: z.object({}),
  },
  'library.tags': { params: empty, result: z.array(z.object({ name: z.string(), count: z.number().int() })) },
  'library.delete': { params: z.object({ ids: structureIds }).strict(), result: z.object({ deleted: z.number().int().nonnegative() }) },
  /** The structures of rows (read from their CIFs) for thumbnails; null for a row whose CIF cannot be read. */
  'library.structures': {
    params: z.object({ ids: z.array(z.number().int().positive()).min(1).max(200) }).strict(),
    result: z.array(z.object({ id: z.number().int().positive(), structure: structureDataSchema.nullable() })),
  },

  /**
   * The models generation can use: the model cards in models/, then the policies of this workspace's fine-tuning runs
   * (named by their folder relative to the workspace, e.g. runs/rl-a/model); size, validation NLL, training space-group
   * counts.
   */
  'models.list': {
    params: empty,
    result: z.array(
      z.object({
        /** What a job's `model` takes: the folder name in models/, or the folder's path relative to the workspace. */
        name: z.string(),
        /** 'shipped': a folder in models/; 'fine-tuned': a fine-tuning run's policy in this workspace. */
        source: z.enum(['shipped', 'fine-tuned']),
        description: z.string(),
        parameterCount: z.number().int().nullable(),
        /** Mean negative log-likelihood per crystal on the validation split (nats), when the card reports it. */
        validationNll: z.number().nullable(),
        trainCrystals: z.number().int().nullable(),
        /** Training crystals per space group (index g − 1); empty when the card has none. */
        spaceGroupCounts: z.array(z.number().nonnegative()),
        createdAt: z.string().nullable(),
      }),
    ),
  },

  /**
   * What `cfstudio doctor` reports about execution providers: the onnxruntime build, each provider's status and
   * why, the provider each workload would run on and why, and the workspace's providers preference.
   */
  'settings.providers': { params: empty, result: providerDiagnosticsSchema },
  /** Store the providers preference ('auto' or e.g. 'webgpu,cpu') in the workspace; new jobs use it. */
  'settings.setProviders': { params: z.object({ providers: z.string().min(1).max(200) }).strict(), result: providerDiagnosticsSchema },

  // Desktop-only methods (nativeDialogs: true). In browser mode they answer with the error code 'unavailable'.
  'dialog.openFiles': {
    params: z.object({ title: z.string().max(200).optional(), filters: z.array(fileFilter).max(20).optional() }).strict(),
    /** Chosen absolute paths; empty when the user cancelled. */
    result: z.object({ paths: z.array(z.string()) }),
  },
  'dialog.saveFile': {
    params: z
      .object({ title: z.string().max(200).optional(), defaultName: z.string().max(255).optional(), filters: z.array(fileFilter).max(20).optional() })
      .strict(),
    result: z.object({ path: z.string().nullable() }),
  },
  'workspace.recent': { params: empty, result: z.object({ current: z.string(), recent: z.array(z.string()) }) },
  /** Let the user choose a workspace folder; the app switches to it (restarting the engine host). */
  'workspace.choose': { params: empty, result: z.object({ path: z.string().nullable() }) },
  'workspace.open': { params: z.object({ path: z.string().min(1).max(4096) }).strict(), result: z.object({ path: z.string() }) },
} as const;

export type ApiMethodName = keyof typeof apiMethods;
export type ApiParams<M extends ApiMethodName> = z.input<(typeof apiMethods)[M]['params']>;
export type ApiParsedParams<M extends ApiMethodName> = z.output<(typeof apiMethods)[M]['params']>;
export type ApiResult<M extends ApiMethodName> = z.output<(typeof apiMethods)[M]['result']>;

export function isApiMethodName(name: string): name is ApiMethodName {
  return Object.hasOwn(apiMethods, name);
}

/** Everything the Node side pushes to the UI. */
export const apiEventSchema = z.discriminatedUnion('type', [
  /** A job changed state or progress; carries the whole record so the UI can just replace its copy. */
  z.object({ type: z.literal('job'), job: jobInfoSchema }),
  /** One streamed output item of a running job (index = position in the job's output list). */
  z.object({ type: z.literal('job-output'), jobId: z.string(), index: z.number().int().nonnegative(), item: z.unknown() }),
  z.object({ type: z.literal('host'), state: hostStateSchema, reason: z.string().optional() }),
  /** Something wrote to the candidate library (import, generation): lists should refresh. */
  z.object({ type: z.literal('library-changed') }),
  z.object({ type: z.literal('workspace-changed'), path: z.string() }),
  /** A desktop menu command the UI carries out (it knows the current selection), e.g. File › Import structures…. */
  z.object({ type: z.literal('command'), command: z.enum(['import-structures', 'export-selection']) }),
]);
export type ApiEvent = z.infer<typeof apiEventSchema>;
export type ApiEventType = ApiEvent['type'];
export type ApiEventOf<T extends ApiEventType> = Extract<ApiEvent, { type: T }>;

export const apiErrorCodeSchema = z.enum([
  'invalid-request', // malformed envelope or unknown method
  'unauthorized', // browser mode: missing or wrong access token
  'invalid-params', // params failed the schema
  'not-found',
  'unavailable', // method not offered in this mode (e.g. dialogs in browser mode)
  'conflict', // e.g. cancelling a finished job
  'internal',
]);
export type ApiErrorCode = z.infer<typeof apiErrorCodeSchema>;

export const apiRequestSchema = z.object({ method: z.string().min(1).max(100), params: z.unknown() }).strict();
export type ApiRequest = z.infer<typeof apiRequestSchema>;

export const apiResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: apiErrorCodeSchema, message: z.string() }) }),
]);
export type ApiResponse = z.infer<typeof apiResponseSchema>;

/** An error with a machine-readable code, thrown by handlers and re-thrown by clients. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A readable one-line summary of zod issues, naming the field paths, e.g. `params.files[0].path: expected string`. */
export function describeIssues(error: z.ZodError, root = 'params'): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => describeIssue(issue, root))
    .join('; ');
}

function issuePath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), root);
}

/**
 * One issue; for a value no member of a union accepts, the problem in the member it came closest to (the one whose
 * first complaint lies deepest), e.g. `params.selection.query.elements.exclude[0]: not an element` rather than
 * `params.selection: Invalid input`.
 */
function describeIssue(issue: z.core.$ZodIssue, root: string): string {
  const here = issuePath(root, issue.path);
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((i) => (i.code === 'unrecognized_keys' || i.code === 'invalid_type' ? 0 : i.path.length + 1)));
    const closest = issue.errors.reduce((best, branch) => (depth(branch) > depth(best) ? branch : best));
    if (depth(closest) > 0) return closest.filter((i) => i.code !== 'unrecognized_keys' && i.code !== 'invalid_type').slice(0, 3).map((i) => describeIssue(i, here)).join('; ');
  }
  return `${here}: ${issue.message}`;
}

export { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from './channels.ts';
