/**
 * `cfstudio mcp`: the app's typed API as Model Context Protocol tools, for LLM agents and scripts (issue #21).
 *
 * The same pieces as browser mode (electron/server/start.ts): a job supervisor with its engine host, the API service
 * over it and browser mode's submit check, so every job is validated by the contract, its paths are confined to the
 * workspace, exports stay in the job folder, and command oracles stay refused unless the process was started with
 * CFSTUDIO_ALLOW_COMMAND_ORACLES=1 (the engine host's rule). Each tool's input schema is the contract's zod schema of
 * the job or method it runs; the SDK derives the JSON Schema that `tools/list` shows from it and validates the
 * arguments with it.
 *
 * A job tool waits for its job: progress goes out as MCP progress notifications when the call carries a progress
 * token, and cancelling the call (notifications/cancelled, e.g. a client's timeout) cancels the job.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import { apiMethods, type ApiMethodName, type ApiParams, type ApiResult } from '../../shared/api/contract.ts';
import { jobSpecs, isFinished, type GeneratedCandidate, type JobInfo, type JobType } from '../../shared/api/jobs.ts';
import { EventHub } from '../host/events.ts';
import { nodeHostLauncher, type HostLauncher } from '../host/launcher.ts';
import { APP_VERSION, createApiService, type ApiService } from '../host/service.ts';
import { JobSupervisor } from '../host/supervisor.ts';
import { resolveWorkspace } from '../host/workspace.ts';
import { refuseWritesOutsideWorkspace } from '../server/start.ts';
import { convertParamsSchema, convertStructure } from './convert.ts';
import { MonotonicProgress } from './progress.ts';

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Generated crystals whose CIF text is put in the `generate` result; the others by library id or file path. */
export const INLINE_CIF_LIMIT = 10;
/** Generated crystals listed in the `generate` result (a model's context is finite); the rest: library_search by runId. */
export const LISTED_CRYSTALS_LIMIT = 500;

export interface McpModeOptions {
  /** Workspace directory; default from CFSTUDIO_WORKSPACE or ~/.cfstudio/workspace. */
  workspace?: string;
  maxHeavyJobs?: number;
  launcher?: HostLauncher;
  log?: (line: string) => void;
}

export interface McpMode {
  server: McpServer;
  supervisor: JobSupervisor;
  workspace: string;
  close(): Promise<void>;
}

/** A tool call that cannot go on: becomes an `isError` result with this one-line message. */
class ToolError extends Error {}

function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 1) }], structuredContent: value };
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
/** Jobs add rows to the library and files to the job folder, never change or remove existing ones. */
const ADDS_ONLY = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;

const SOURCES_NOTE =
  'Structures: `sources` = [{"path": "file.cif"}] (a CIF or POSCAR in the workspace; relative paths are relative to it) or [{"name": "x.cif", "text": "<CIF text>"}], or `ids` = library ids.';

export async function startMcpMode(options: McpModeOptions = {}): Promise<McpMode> {
  const workspace = resolveWorkspace(options.workspace);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const events = new EventHub();
  const supervisor = new JobSupervisor({
    workspace,
    // The host's stdout would land in the protocol stream: it goes to stderr.
    launcher: options.launcher ?? nodeHostLauncher({ stdout: 'stderr' }),
    onEvent: events.emit,
    log,
    ...(options.maxHeavyJobs !== undefined ? { maxHeavyJobs: options.maxHeavyJobs } : {}),
  });
  let closing = false;
  // The handshake does not wait for the engine host: jobs submitted before it is ready wait in the queue.
  supervisor.start().catch((error: unknown) => {
    if (!closing) log(`[mcp] the engine host did not start: ${(error as Error).message}`);
  });
  const service = createApiService({ supervisor, mode: 'node', checkSubmit: refuseWritesOutsideWorkspace, log });
  const server = new McpServer(
    { name: 'cfstudio', title: 'CrystalFormer Studio', version: APP_VERSION },
    {
      instructions:
        `CrystalFormer Studio: generate crystals with a space-group-conditioned transformer, predict structures from a formula, ` +
        `relax them and compute energies and E_hull with the M3GNet potential, predict properties, and keep candidates in a library. ` +
        `The workspace is ${workspace}: every file path must lie inside it (relative paths are relative to it). ` +
        `Long tools report progress and are cancelled when the call is cancelled.`,
    },
  );
  registerTools(server, { service, supervisor, events, workspace });
  return {
    server,
    supervisor,
    workspace,
    async close() {
      closing = true;
      await server.close().catch(() => {});
      await supervisor.stop();
      service.dispose();
    },
  };
}

interface ToolContext {
  service: ApiService;
  supervisor: JobSupervisor;
  events: EventHub;
  workspace: string;
}

/** One API method through the service (validated by the contract); an error envelope becomes a ToolError. */
async function call<M extends ApiMethodName>(service: ApiService, method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const response = await service.handle({ method, params });
  if (!response.ok) throw new ToolError(response.error.message);
  return response.result as ApiResult<M>;
}

/**
 * Submits a job and waits for it, forwarding its progress to the caller and cancelling it when the call is
 * cancelled. Resolves with the finished record and every output it streamed; a failed or cancelled job throws.
 */
async function runJob(context: ToolContext, type: JobType, params: unknown, extra: ToolExtra): Promise<{ job: JobInfo; outputs: unknown[] }> {
  if (extra.signal.aborted) throw new ToolError(`${type}: cancelled before it started`);
  const submitted = await call(context.service, 'jobs.submit', { type, params });
  const id = submitted.id;
  const token = extra._meta?.progressToken;
  const progress =
    token === undefined
      ? undefined
      : new MonotonicProgress((notice) => {
          extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...notice } }).catch(() => {});
        });
  const unsubscribe = context.events.subscribe((event) => {
    if (event.type === 'job' && event.job.id === id && event.job.progress) progress?.report(event.job.progress);
  });
  const cancel = (): void => {
    if (!isFinished(context.supervisor.get(id).status)) context.supervisor.cancel(id);
  };
  extra.signal.addEventListener('abort', cancel, { once: true });
  let job: JobInfo;
  try {
    job = await context.supervisor.waitFor(id);
  } finally {
    extra.signal.removeEventListener('abort', cancel);
    unsubscribe();
    progress?.flush();
  }
  if (job.status === 'failed') throw new ToolError(`${type} job ${id} failed: ${job.error ?? 'no reason given'}`);
  if (job.status === 'cancelled') throw new ToolError(`${type} job ${id} was cancelled`);
  return { job, outputs: await call(context.service, 'jobs.outputs', { id, offset: 0 }) };
}

/** The job's result object with the job's id and folder in front. */
function jobSummary(job: JobInfo): Record<string, unknown> {
  return { jobId: job.id, jobFolder: job.outputDir, ...(job.result as Record<string, unknown>) };
}

/** Runs a tool body; a ToolError (or any error) becomes an `isError` result, which the model can read and act on. */
async function guarded(name: string, body: () => Promise<Record<string, unknown>>): Promise<CallToolResult> {
  try {
    return jsonResult(await body());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return errorResult(error instanceof ToolError ? message : `${name}: ${message.split('\n')[0]}`);
  }
}

function registerTools(server: McpServer, context: ToolContext): void {
  const { service, workspace } = context;

  /** A tool that runs one job type with the contract's params schema and returns its result and outputs. */
  const jobTool = <T extends JobType>(
    name: string,
    type: T,
    description: string,
    shape: (job: JobInfo, outputs: unknown[]) => Promise<Record<string, unknown>> | Record<string, unknown>,
    inputSchema: z.ZodType = jobSpecs[type].params,
  ): void => {
    server.registerTool(name, { title: name, description, inputSchema, annotations: ADDS_ONLY }, (args: unknown, extra: ToolExtra) =>
      guarded(name, async () => {
        const { job, outputs } = await runJob(context, type, args, extra);
        return shape(job, outputs);
      }),
    );
  };

  jobTool(
    'generate',
    'generate',
    'Sample crystals from the CrystalFormer model. Prompt: `spaceGroups` (list, or "training-distribution"), `wyckoff` {letters, complete}, ' +
      '`elements` allowed anywhere, `siteElements` per prompted site, `ties`, `requiredElements`, `maxAtoms`, `maxSites`; sampling: `n`, `temperature`, `topP`, `seed`. ' +
      `Every built crystal is stored in the library. Returns the run's counts and per crystal: library id, formula, Wyckoff label, space group requested/found, atoms, log p, validity, ` +
      `the CIF file in the job folder, and the CIF text of the first ${INLINE_CIF_LIMIT} stored crystals (the rest: library_get); at most ${LISTED_CRYSTALS_LIMIT} crystals are listed (the rest: library_search with runId).`,
    async (job, outputs) => {
      const all = (outputs as GeneratedCandidate[]).slice().sort((a, b) => a.index - b.index);
      const candidates = all.slice(0, LISTED_CRYSTALS_LIMIT);
      let inlined = 0;
      const crystals = [];
      for (const c of candidates) {
        const file = join(job.outputDir, `${String(c.index).padStart(6, '0')}.cif`);
        const crystal: Record<string, unknown> = {
          index: c.index,
          libraryId: c.id,
          formula: c.formula,
          wyckoffLabel: c.wyckoffLabel,
          spaceGroupRequested: c.spaceGroupRequested,
          spaceGroupFound: c.spaceGroupFound,
          numAtoms: c.numAtoms,
          logProbability: c.logProbability,
          valid: c.valid,
          minDistance: c.minDistance,
          ...(existsSync(file) ? { cifPath: file } : {}),
          ...(c.error ? { error: c.error } : {}),
        };
        if (c.id !== null && inlined < INLINE_CIF_LIMIT) {
          crystal.cif = (await call(service, 'library.get', { id: c.id })).cif;
          inlined++;
        }
        crystals.push(crystal);
      }
      const more = all.length - candidates.length;
      return { ...jobSummary(job), crystals, ...(more > 0 ? { note: `the first ${candidates.length} crystals are listed; the other ${more} are in the library (library_search with runId)` } : {}) };
    },
  );

  jobTool(
    'csp',
    'csp',
    'Crystal structure prediction from a formula (e.g. "Li3PS4"): samples only crystals with exactly that composition, merges duplicates and ranks them by M3GNet energy per atom ' +
      '(after relaxation with `relax: true`), else by log-likelihood. Options: `zs` (formula units per conventional cell) or `atoms` {min, max}, `spaceGroups`, `n` samples, `top`, `seed`. ' +
      'Returns the ranked candidates with formula, Z, space group, Wyckoff label, energy per atom, E_hull (eV/atom, against a partial MP hull: a lower bound), log p and CIF text.',
    (job, outputs) => ({ ...jobSummary(job), candidates: outputs }),
  );

  jobTool(
    'relax',
    'relax',
    `Relax structures with the M3GNet potential (FIRE on positions and cell, space group kept unless keepSymmetry is false; fmax in eV/Å, maxSteps). ${SOURCES_NOTE} ` +
      'Returns per structure: status, steps, energy and energy per atom (eV), formation energy and E_hull (eV/atom, partial MP hull) with the decomposition, volume change, space group before/after, and the relaxed CIF text.',
    (job, outputs) => ({ ...jobSummary(job), structures: (outputs as Array<{ kind: string }>).filter((item) => item.kind !== 'step') }),
  );

  jobTool(
    'energy',
    'energy',
    `Single-point energy, forces (eV/Å) and stress (GPa) with the M3GNet potential, with formation energy and E_hull (eV/atom, against a partial MP hull: a lower bound). ${SOURCES_NOTE}`,
    (job, outputs) => ({ ...jobSummary(job), structures: outputs }),
  );

  jobTool(
    'predict',
    'predict',
    `Predict band gap (eV), formation energy (eV/atom) and total dielectric constant with the shipped predictors (\`properties\` picks some). ${SOURCES_NOTE}`,
    (job, outputs) => ({ ...jobSummary(job), structures: outputs }),
  );

  jobTool(
    'evaluate',
    'evaluate',
    'Evaluate a folder of CIF files in the workspace (e.g. a generate job folder): structural and compositional validity, space group found = requested, uniqueness, ' +
      'and novelty against `reference` (a prepared dataset folder or CSV with a cif column). Returns the headline rates; the full report is at reportPath.',
    (job) => jobSummary(job),
  );

  server.registerTool(
    'inspect',
    {
      title: 'inspect',
      description: `Read CIF/POSCAR structures and report each one's reduced formula, atoms, space group (symbol, crystal system) and Wyckoff label such as 225-a-Na-b-Cl. ${SOURCES_NOTE} \`symprec\` in Å (default 0.01).`,
      inputSchema: jobSpecs['analyze-structures'].params,
      annotations: READ_ONLY,
    },
    (args: unknown, extra: ToolExtra) =>
      guarded('inspect', async () => {
        const { job, outputs } = await runJob(context, 'analyze-structures', args, extra);
        return { ...jobSummary(job), structures: outputs };
      }),
  );

  server.registerTool(
    'convert',
    {
      title: 'convert',
      description:
        'Convert one structure (`source`: {"path"} in the workspace or {"name", "text"}) to `to` = cif (symmetrized: space group + one atom per Wyckoff orbit), cif-p1, poscar or xyz. ' +
        'Returns the text, formula and space group; `output` also writes it to a file in the workspace.',
      inputSchema: convertParamsSchema,
      annotations: { ...READ_ONLY, readOnlyHint: false },
    },
    (args) => guarded('convert', () => convertStructure(args, workspace)),
  );

  server.registerTool(
    'library_search',
    {
      title: 'library search',
      description:
        'Search the candidate library: filters `spaceGroups`, `requestedSpaceGroups`, `elements` {include, exclude, only}, `numSites`/`numElements`/`reward`/`logProbability` {min, max}, ' +
        '`properties` {name: {min, max}}, `valid`, `favourite`, `tags`, `source`, `runId`, `search` (text in name/formula); `sort` {by, direction}, `limit`, `offset`. ' +
        'Returns rows (id, formula, space group, sites, lattice, log p, validity, properties, tags; no CIF: use library_get) and the total.',
      inputSchema: apiMethods['library.query'].params,
      annotations: READ_ONLY,
    },
    (args) => guarded('library_search', async () => call(service, 'library.query', args)),
  );

  server.registerTool(
    'library_get',
    {
      title: 'library get',
      description: 'One library structure by id: its CIF text, formula, space group, lattice, log p, validity, rewards and stored properties.',
      inputSchema: apiMethods['library.get'].params,
      annotations: READ_ONLY,
    },
    (args) =>
      guarded('library_get', async () => {
        const { tokens: _tokens, tokenLogProbs: _tokenLogProbs, ...row } = await call(service, 'library.get', args);
        return row;
      }),
  );

  jobTool(
    'library_save',
    'import-structures',
    `Save structures in the library (each CIF block or POSCAR becomes a row; \`tags\` are added). A crystal the library already holds is skipped and reported with duplicateOf unless duplicates is "keep". ${SOURCES_NOTE.replace(', or `ids` = library ids', '')} ` +
      'Returns each structure\'s new library id, formula and space group, or why it was not saved.',
    (job, outputs) => ({ ...jobSummary(job), structures: outputs }),
  );

  // The contract's export params without `destination`, which browser mode refuses (refuseWritesOutsideWorkspace,
  // still applied on submit): the export is written to the job folder.
  jobTool(
    'library_export',
    'export-structures',
    'Export library structures as CIF files with a manifest.csv: `selection` = {"ids": [...]} or {"query": <library_search filters>}, `format` zip (default) or cif-files. ' +
      'Written to the job folder in the workspace; returns its path, the count and the file names.',
    (job) => jobSummary(job),
    jobSpecs['export-structures'].params.omit({ destination: true }),
  );

  server.registerTool(
    'models',
    {
      title: 'models',
      description: 'The generation models available (name for `model`): description, parameter count, validation NLL per crystal, training set size.',
      inputSchema: apiMethods['models.list'].params,
      annotations: READ_ONLY,
    },
    () =>
      guarded('models', async () => ({
        models: (await call(service, 'models.list', {})).map(({ spaceGroupCounts: _counts, ...model }) => model),
      })),
  );
}
