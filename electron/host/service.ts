/**
 * The API service: one implementation of the contract's methods over a job supervisor, used by the Electron
 * main process (through ipcMain) and the browser-mode server (through HTTP). `handle` takes an unvalidated
 * request envelope and always resolves with a response envelope: bad input gets an error, never execution.
 */
import {
  ApiError,
  apiMethods,
  apiRequestSchema,
  describeIssues,
  isApiMethodName,
  type ApiMethodName,
  type ApiParsedParams,
  type ApiResponse,
  type ApiResult,
  type AppInfo,
} from '../../shared/api/contract.ts';
import { jobSpecs } from '../../shared/api/jobs.ts';
import { openLibrary, type Library } from '../library/index.ts';
import { escapeControl } from '../../shared/text/safe-text.ts';
import type { JobSupervisor, SubmitGrant } from './supervisor.ts';
import { fineTunedModels, listModels } from './models.ts';
import { providerDiagnostics } from './diagnostics.ts';
import { writeProvidersPreference } from './workspace-settings.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import type { StructureData } from '../../shared/api/jobs.ts';
import { structureData } from './jobs/sample-rows.ts';

export type ApiHandler<M extends ApiMethodName> = (params: ApiParsedParams<M>) => Promise<ApiResult<M>> | ApiResult<M>;
export type ApiHandlers = { [M in ApiMethodName]?: ApiHandler<M> };

export const APP_VERSION = '0.1.0';

export interface ApiServiceOptions {
  supervisor: JobSupervisor;
  mode: AppInfo['mode'];
  /** Environment-specific methods (dialogs, workspace switching in the desktop app). */
  extraHandlers?: ApiHandlers;
  /** Called after a method changed library rows (the owner broadcasts a 'library-changed' event). */
  onLibraryChanged?: () => void;
  /**
   * Extra checks on job submissions for this mode, e.g. browser mode keeps exports inside the workspace. Throw an
   * ApiError to refuse; return a grant to let the job use paths the user chose in a dialog (desktop app).
   */
  checkSubmit?: (type: string, params: unknown) => SubmitGrant | void;
  /** The providers the engine host is started with when the workspace names none (default CFSTUDIO_PROVIDERS). */
  launchProviders?: string;
  /** Logs unexpected handler errors (default stderr). */
  log?: (line: string) => void;
}

export interface ApiService {
  handle(request: unknown): Promise<ApiResponse>;
  handlers: ApiHandlers;
  /** Closes the library connection (the supervisor is stopped by its owner). */
  dispose(): void;
}

/**
 * What the client learns of an unexpected error: its first line, escaped and bounded — never the stack, which
 * stays in the log.
 */
export function internalErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = escapeControl(message.split('\n', 1)[0] ?? '').slice(0, 500);
  return `internal error: ${firstLine || 'unknown'}`;
}

export function createApiService(options: ApiServiceOptions): ApiService {
  const { supervisor } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const launchProviders = options.launchProviders ?? process.env.CFSTUDIO_PROVIDERS;
  // Library reads and small edits run here, next to the UI: SQLite in WAL mode lets them proceed while a job in
  // the engine host writes. Opened on first use so an app without library calls never touches the database.
  let library: Library | undefined;
  const lib = (): Library => (library ??= openLibrary(supervisor.workspace));
  const changed = <T>(result: T): T => {
    options.onLibraryChanged?.();
    return result;
  };
  const handlers: ApiHandlers = {
    'app.info': () => ({
      version: APP_VERSION,
      mode: options.mode,
      workspace: supervisor.workspace,
      jobTypes: Object.keys(jobSpecs),
      hostState: supervisor.hostState,
      nativeDialogs: options.mode === 'electron',
    }),
    'jobs.submit': ({ type, params }) => {
      const grant = options.checkSubmit?.(type, params);
      return supervisor.submit(type, params, grant ?? {});
    },
    'jobs.cancel': ({ id }) => supervisor.cancel(id),
    'jobs.get': ({ id }) => supervisor.get(id),
    'jobs.list': () => supervisor.list(),
    'jobs.outputs': ({ id, offset }) => supervisor.outputs(id, offset),
    'library.query': (query) => lib().queryStructures(query),
    'library.get': ({ id }) => {
      const record = lib().getStructure(id);
      if (!record) throw new ApiError('not-found', `no structure with id ${id} in the library`);
      return { ...record, tokens: record.tokens ? Array.from(record.tokens) : null, tokenLogProbs: record.tokenLogProbs ? Array.from(record.tokenLogProbs) : null };
    },
    'library.setFavourite': ({ ids, favourite }) => changed((lib().setFavourite(ids, favourite), {})),
    'library.tag': ({ ids, add, remove }) => {
      if (add.length) lib().addTags(ids, add);
      if (remove.length) lib().removeTags(ids, remove);
      return changed({});
    },
    'library.tags': () => lib().listTags(),
    'library.delete': ({ ids }) => changed({ deleted: lib().deleteStructures(ids) }),
    'library.structures': ({ ids }) => ids.map((id) => ({ id, structure: libraryRowStructure(lib(), id) })),
    'models.list': () => [...listModels().models, ...fineTunedModels(supervisor.workspace, supervisor.list()).models],
    'settings.providers': () => providerDiagnostics(supervisor.workspace, launchProviders),
    'settings.setProviders': ({ providers }) => {
      try {
        writeProvidersPreference(supervisor.workspace, providers);
      } catch (error) {
        throw new ApiError('invalid-params', `settings.setProviders: ${(error as Error).message}`);
      }
      return providerDiagnostics(supervisor.workspace, launchProviders);
    },
    ...options.extraHandlers,
  };

  const handle = async (raw: unknown): Promise<ApiResponse> => {
    try {
      const request = apiRequestSchema.safeParse(raw);
      if (!request.success) throw new ApiError('invalid-request', `malformed request: ${describeIssues(request.error, 'request')}`);
      const { method } = request.data;
      if (!isApiMethodName(method)) throw new ApiError('invalid-request', `unknown method '${method}'`);
      const handler = handlers[method] as ((params: unknown) => unknown) | undefined;
      if (!handler) throw new ApiError('unavailable', `${method} is not available in ${options.mode} mode`);
      const params = apiMethods[method].params.safeParse(request.data.params ?? {});
      if (!params.success) throw new ApiError('invalid-params', `${method}: ${describeIssues(params.error)}`);
      return { ok: true, result: await handler(params.data) };
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
      log(`[api] internal error: ${(error as Error)?.stack ?? String(error)}`);
      return { ok: false, error: { code: 'internal', message: internalErrorMessage(error) } };
    }
  };

  return {
    handle,
    handlers,
    dispose() {
      library?.close();
      library = undefined;
    },
  };
}

/** A row's structure as plain data (for thumbnails), or null when the row is gone or its CIF cannot be read. */
function libraryRowStructure(library: Library, id: number): StructureData | null {
  const record = library.getStructure(id);
  if (!record) return null;
  try {
    return structureData(readCifStructure(record.cif, { fileName: `library #${id}`, allowPartialOccupancy: true }).structure);
  } catch {
    return null;
  }
}
