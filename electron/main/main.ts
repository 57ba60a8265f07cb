/**
 * Electron main process: window, menu, dialogs, workspace, and the bridge from IPC to the API service. Heavy
 * work never runs here: jobs go to the engine host (a utilityProcess) through the job supervisor.
 * Every security setting comes from ./security.ts (tested without Electron); this file only applies them.
 *
 * Bundled by scripts/build-electron.mjs to dist/electron/main.js (next to preload.js and host.js).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell } from 'electron';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../shared/api/channels.ts';
import { ApiError, type ApiResponse } from '../../shared/api/contract.ts';
import { quoteForMessage } from '../../shared/text/safe-text.ts';
import { EventHub } from '../host/events.ts';
import { createApiService, type ApiHandlers, type ApiService } from '../host/service.ts';
import { JobSupervisor } from '../host/supervisor.ts';
import { resolveWorkspace } from '../host/workspace.ts';
import { buildMenuTemplate, type MenuActions } from './menu.ts';
import { DialogApprovals } from './path-approval.ts';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  appResponseHeaders,
  isSafeExternalUrl,
  isTrustedSender,
  mainWindowOptions,
  navigationAllowed,
  permissionAllowed,
  requestAllowed,
  resolveAppAsset,
  windowOpenDecision,
} from './security.ts';
import { addRecentWorkspace, loadSettings, placeWindow, saveSettings, type DesktopSettings } from './settings.ts';
import { utilityHostLauncher } from './utility-launcher.ts';

const bundleDir = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(app.getAppPath(), 'dist', 'renderer');
const preloadPath = join(bundleDir, 'preload.js');
const hostEntry = join(bundleDir, 'host.js');
const isDevelopment = !app.isPackaged;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>CrystalFormer Studio</title>
<body style="font:14px system-ui;background:#1e1f22;color:#ddd;padding:2em">
<h1>The user interface is not built</h1><p>Run <code>npm run build:renderer</code>, then start the app again.</p></body>`;

// Must happen before 'ready': app:// behaves like https (secure context, fetch, standard URL parsing).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
app.enableSandbox();

function workspaceFromCommandLine(argv: readonly string[]): string | undefined {
  for (const [index, arg] of argv.entries()) {
    if (arg.startsWith('--workspace=')) return arg.slice('--workspace='.length);
    if (arg === '--workspace') return argv[index + 1];
  }
  return undefined;
}

class DesktopApp {
  private readonly settingsFile = join(app.getPath('userData'), 'settings.json');
  private settings: DesktopSettings = loadSettings(this.settingsFile);
  private readonly events = new EventHub();
  /** Paths the user chose in a native dialog this session: the only outside paths the page may use. */
  private readonly approvals = new DialogApprovals();
  private window: BrowserWindow | undefined;
  private supervisor: JobSupervisor | undefined;
  private service: ApiService | undefined;
  private workspace = '';

  async start(): Promise<void> {
    this.harden();
    protocol.handle(APP_SCHEME, (request) => this.serveAppFile(request.url));
    ipcMain.handle(IPC_INVOKE_CHANNEL, (event, request: unknown): Promise<ApiResponse> | ApiResponse => {
      if (!isTrustedSender(event.senderFrame)) return { ok: false, error: { code: 'unauthorized', message: 'IPC from a frame that is not the app' } };
      if (!this.service) return { ok: false, error: { code: 'unavailable', message: 'no workspace is open yet' } };
      return this.service.handle(request);
    });
    this.events.subscribe((event) => {
      if (this.window && !this.window.isDestroyed()) this.window.webContents.send(IPC_EVENT_CHANNEL, event);
    });
    const initial = workspaceFromCommandLine(process.argv) ?? process.env.CFSTUDIO_WORKSPACE ?? this.settings.recentWorkspaces[0];
    await this.openWorkspace(initial);
    this.createWindow();
  }

  async stop(): Promise<void> {
    await this.supervisor?.stop();
    this.service?.dispose();
  }

  /** Applies ./security.ts to the session and to every web contents that will ever exist. */
  private harden(): void {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionAllowed(permission)));
    ses.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission));
    ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !requestAllowed(details.url) }));
    app.on('web-contents-created', (_event, contents) => {
      contents.on('will-navigate', (event) => {
        if (!navigationAllowed(event.url)) event.preventDefault();
      });
      contents.on('will-redirect', (event) => {
        if (!navigationAllowed(event.url)) event.preventDefault();
      });
      contents.on('will-attach-webview', (event) => event.preventDefault());
      contents.setWindowOpenHandler((details) => {
        const decision = windowOpenDecision(details);
        if (decision.openExternally) void shell.openExternal(decision.openExternally);
        return { action: decision.action };
      });
    });
  }

  private async serveAppFile(url: string): Promise<Response> {
    const headers = appResponseHeaders();
    const file = resolveAppAsset(rendererDir, url);
    if (!existsSync(join(rendererDir, 'index.html'))) return new Response(NOT_BUILT_PAGE, { headers: { ...headers, 'Content-Type': CONTENT_TYPES['.html']! } });
    if (!file || !existsSync(file) || !statSync(file).isFile()) return new Response('not found', { status: 404, headers });
    return new Response(await readFile(file), { headers: { ...headers, 'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' } });
  }

  private createWindow(): void {
    const saved = this.settings.window;
    const bounds = placeWindow(saved, screen.getAllDisplays().map((d) => d.workArea));
    const window = new BrowserWindow(mainWindowOptions(preloadPath, bounds));
    this.window = window;
    if (saved.maximized) window.maximize();
    window.once('ready-to-show', () => window.show());
    window.on('close', () => {
      const normal = window.getNormalBounds();
      this.settings = { ...this.settings, window: { ...normal, maximized: window.isMaximized() } };
      this.persistSettings();
    });
    window.on('closed', () => {
      this.window = undefined;
    });
    void window.loadURL(APP_ENTRY_URL);
    this.buildMenu();
  }

  /** Switches to a workspace: the old engine host stops (its jobs end as cancelled), a new one starts. */
  private async openWorkspace(path: string | undefined): Promise<string> {
    const workspace = resolveWorkspace(path);
    await this.supervisor?.stop();
    this.service?.dispose();
    const supervisor = new JobSupervisor({ workspace, launcher: utilityHostLauncher(hostEntry, this.settings.providers ? { CFSTUDIO_PROVIDERS: this.settings.providers } : {}), onEvent: this.events.emit });
    this.supervisor = supervisor;
    this.service = createApiService({
      supervisor,
      mode: 'electron',
      launchProviders: this.settings.providers ?? process.env.CFSTUDIO_PROVIDERS,
      extraHandlers: this.desktopHandlers(),
      onLibraryChanged: () => this.events.emit({ type: 'library-changed' }),
      // Paths from the page (imports, export destinations, any path field) must be in the workspace or dialog-chosen.
      checkSubmit: (type, params) => this.approvals.grantFor(type, params, workspace),
    });
    this.workspace = workspace;
    supervisor.start().catch((error: Error) => process.stderr.write(`[main] engine host failed to start: ${error.message}\n`));
    this.settings = { ...this.settings, recentWorkspaces: addRecentWorkspace(this.settings.recentWorkspaces, workspace) };
    this.persistSettings();
    this.buildMenu();
    this.events.emit({ type: 'workspace-changed', path: workspace });
    return workspace;
  }

  private desktopHandlers(): ApiHandlers {
    return {
      'dialog.openFiles': async ({ title, filters }) => {
        const options = { title: title ?? 'Open', properties: ['openFile', 'multiSelections'] as Array<'openFile' | 'multiSelections'>, ...(filters ? { filters } : {}) };
        const result = this.window ? await dialog.showOpenDialog(this.window, options) : await dialog.showOpenDialog(options);
        const paths = result.canceled ? [] : result.filePaths;
        this.approvals.approve(paths);
        return { paths };
      },
      'dialog.saveFile': async ({ title, defaultName, filters }) => {
        const options = { title: title ?? 'Save', ...(defaultName ? { defaultPath: join(this.workspace, defaultName) } : {}), ...(filters ? { filters } : {}) };
        const result = this.window ? await dialog.showSaveDialog(this.window, options) : await dialog.showSaveDialog(options);
        const path = result.canceled || !result.filePath ? null : result.filePath;
        if (path) this.approvals.approve([path]);
        return { path };
      },
      'workspace.recent': () => ({ current: this.workspace, recent: this.settings.recentWorkspaces }),
      'workspace.choose': async () => {
        const path = await this.chooseWorkspace();
        return { path };
      },
      'workspace.open': async ({ path }) => {
        // The page may reopen a recent workspace, a folder chosen in a dialog or one inside the workspace; it cannot
        // point the app at any other folder, nor create one.
        if (!this.approvals.workspaceOpenAllowed(path, this.workspace, this.settings.recentWorkspaces)) {
          throw new ApiError('not-found', `not a recent workspace, a folder chosen in a dialog or a folder in the workspace: ${quoteForMessage(path)}`);
        }
        return { path: await this.openWorkspace(path) };
      },
    };
  }

  private async chooseWorkspace(): Promise<string | null> {
    const options = { title: 'Choose Workspace Folder', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
    const result = this.window ? await dialog.showOpenDialog(this.window, options) : await dialog.showOpenDialog(options);
    const chosen = result.canceled ? undefined : result.filePaths[0];
    if (chosen) this.approvals.approve([chosen]);
    return chosen ? this.openWorkspace(chosen) : null;
  }

  private buildMenu(): void {
    const actions: MenuActions = {
      importStructures: () => this.events.emit({ type: 'command', command: 'import-structures' }),
      exportSelection: () => this.events.emit({ type: 'command', command: 'export-selection' }),
      chooseWorkspace: () => void this.chooseWorkspace(),
      openWorkspace: (path) => void this.openWorkspace(path),
      openExternal: (url) => {
        if (isSafeExternalUrl(url)) void shell.openExternal(url);
      },
    };
    Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate({ platform: process.platform, recentWorkspaces: this.settings.recentWorkspaces, isDevelopment, actions })));
  }

  private persistSettings(): void {
    try {
      saveSettings(this.settingsFile, this.settings);
    } catch (error) {
      process.stderr.write(`[main] could not save settings: ${(error as Error).message}\n`);
    }
  }

  focus(): void {
    if (!this.window) return;
    if (this.window.isMinimized()) this.window.restore();
    this.window.focus();
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const desktop = new DesktopApp();
  app.on('second-instance', () => desktop.focus());
  app.on('window-all-closed', () => app.quit());
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    void desktop.stop().finally(() => app.quit());
  });
  app
    .whenReady()
    .then(() => desktop.start())
    .catch((error: Error) => {
      dialog.showErrorBox('CrystalFormer Studio could not start', error.message);
      app.exit(1);
    });
}
