/**
 * Browser mode in one call: resolve the workspace, start the engine host under a job supervisor, and serve the
 * renderer and the API. Used by `cfstudio serve` and by the server tests.
 */
import { fileURLToPath } from 'node:url';
import { ApiError } from '../../shared/api/contract.ts';
import { EventHub } from '../host/events.ts';
import { nodeHostLauncher, type HostLauncher } from '../host/launcher.ts';
import { createApiService } from '../host/service.ts';
import { JobSupervisor } from '../host/supervisor.ts';
import { resolveWorkspace } from '../host/workspace.ts';
import { startBrowserServer, type BrowserServer } from './server.ts';

export interface BrowserModeOptions {
  /** Workspace directory; default from CFSTUDIO_WORKSPACE or ~/.cfstudio/workspace. */
  workspace?: string;
  port?: number;
  host?: string;
  token?: string;
  allowedHosts?: string[];
  maxHeavyJobs?: number;
  cancelGraceMs?: number;
  rendererDir?: string;
  launcher?: HostLauncher;
  log?: (line: string) => void;
}

export interface BrowserMode {
  server: BrowserServer;
  supervisor: JobSupervisor;
  events: EventHub;
  workspace: string;
  close(): Promise<void>;
}

/** The renderer bundle built by `npm run build:renderer`. */
export function defaultRendererDir(): string {
  return fileURLToPath(new URL('../../dist/renderer', import.meta.url));
}

/**
 * A browser client may not choose where the server writes: exports go to the job's folder in the workspace and
 * are downloaded from there (/api/download). `cfstudio mcp` applies the same rule.
 */
export function refuseWritesOutsideWorkspace(type: string, params: unknown): void {
  if (type === 'export-structures' && typeof params === 'object' && params !== null && 'destination' in params) {
    throw new ApiError('invalid-params', 'export-structures: destination is not accepted in browser mode; the export is written to the job folder, download it from there');
  }
}

export async function startBrowserMode(options: BrowserModeOptions = {}): Promise<BrowserMode> {
  const workspace = resolveWorkspace(options.workspace);
  const events = new EventHub();
  const supervisor = new JobSupervisor({
    workspace,
    launcher: options.launcher ?? nodeHostLauncher(),
    onEvent: events.emit,
    ...(options.maxHeavyJobs !== undefined ? { maxHeavyJobs: options.maxHeavyJobs } : {}),
    ...(options.cancelGraceMs !== undefined ? { cancelGraceMs: options.cancelGraceMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  await supervisor.start();
  const service = createApiService({
    supervisor,
    mode: 'browser',
    onLibraryChanged: () => events.emit({ type: 'library-changed' }),
    checkSubmit: refuseWritesOutsideWorkspace,
    ...(options.log ? { log: options.log } : {}),
  });
  let server: BrowserServer;
  try {
    server = await startBrowserServer({
      service,
      subscribe: (listener) => events.subscribe(listener),
      workspace,
      rendererDir: options.rendererDir ?? defaultRendererDir(),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    });
  } catch (error) {
    service.dispose();
    await supervisor.stop();
    throw error;
  }
  return {
    server,
    supervisor,
    events,
    workspace,
    async close() {
      await server.close();
      await supervisor.stop();
      service.dispose();
    },
  };
}
