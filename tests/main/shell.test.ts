// Desktop shell pieces that run without the Electron binary: menu template, settings (window state, recent
// workspaces), and the esbuild bundles (the engine host bundle is started under Node and must answer).
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate, type MenuActions } from '../../electron/main/menu.ts';
import { addRecentWorkspace, DEFAULT_WINDOW_STATE, loadSettings, MAX_RECENT_WORKSPACES, placeWindow, saveSettings } from '../../electron/main/settings.ts';
import { fromHostMessageSchema } from '../../shared/api/host-protocol.ts';
import { jobSpecs } from '../../shared/api/jobs.ts';
import { NACL } from '../host/fixtures.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cfstudio-main-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function recordingActions(): MenuActions & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    importStructures: () => calls.push('import'),
    exportSelection: () => calls.push('export'),
    chooseWorkspace: () => calls.push('choose'),
    openWorkspace: (path) => calls.push(`open ${path}`),
    openExternal: (url) => calls.push(`external ${url}`),
  };
}

function submenu(item: MenuItemConstructorOptions): MenuItemConstructorOptions[] {
  return item.submenu as MenuItemConstructorOptions[];
}

describe('application menu', () => {
  it('has the usual roles, with the app menu on macOS only', () => {
    const mac = buildMenuTemplate({ platform: 'darwin', recentWorkspaces: [], isDevelopment: false, actions: recordingActions() });
    const linux = buildMenuTemplate({ platform: 'linux', recentWorkspaces: [], isDevelopment: false, actions: recordingActions() });
    expect(mac.map((m) => m.role ?? m.label)).toEqual(['appMenu', '&File', 'editMenu', '&View', 'windowMenu', 'help']);
    expect(linux.map((m) => m.role ?? m.label)).toEqual(['&File', 'editMenu', '&View', 'windowMenu', 'help']);
    expect(submenu(linux[0]!).some((i) => i.role === 'quit')).toBe(true);
    expect(submenu(mac[1]!).some((i) => i.role === 'close')).toBe(true);
  });

  it('wires File commands and recent workspaces to the actions', () => {
    const actions = recordingActions();
    const [file] = buildMenuTemplate({ platform: 'linux', recentWorkspaces: ['/data/ws-a', '/data/ws-b'], isDevelopment: false, actions });
    const items = submenu(file!);
    const click = (label: string): void => (items.find((i) => i.label === label)!.click as () => void)();
    click('Import Structures…');
    click('Export Selection…');
    click('Choose Workspace…');
    const recent = submenu(items.find((i) => i.label === 'Recent Workspaces')!);
    expect(recent.map((i) => i.label)).toEqual(['ws-a — /data/ws-a', 'ws-b — /data/ws-b']);
    (recent[1]!.click as () => void)();
    expect(actions.calls).toEqual(['import', 'export', 'choose', 'open /data/ws-b']);
  });

  it('offers developer tools only in development', () => {
    const roles = (dev: boolean) => submenu(buildMenuTemplate({ platform: 'linux', recentWorkspaces: [], isDevelopment: dev, actions: recordingActions() })[2]!).map((i) => i.role);
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(false)).not.toContain('toggleDevTools');
  });
});

describe('settings', () => {
  it('round-trips window state and recent workspaces through the settings file', () => {
    const file = join(scratch, 'settings.json');
    const settings = { window: { x: 50, y: 60, width: 1000, height: 700, maximized: true }, recentWorkspaces: ['/w/one'] };
    saveSettings(file, settings);
    expect(loadSettings(file)).toEqual(settings);
  });

  it('falls back to defaults for a damaged or hand-edited file, field by field', () => {
    const file = join(scratch, 'bad.json');
    writeFileSync(file, '{ not json');
    expect(loadSettings(file).window).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(file, JSON.stringify({ window: { width: -5, height: 'tall' }, recentWorkspaces: ['/w/kept'] }));
    expect(loadSettings(file)).toEqual({ window: DEFAULT_WINDOW_STATE, recentWorkspaces: ['/w/kept'] });
    expect(loadSettings(join(scratch, 'missing.json')).recentWorkspaces).toEqual([]);
  });

  it('keeps recent workspaces most-recent-first, unique and bounded', () => {
    let recent: string[] = [];
    for (let i = 0; i < 15; i++) recent = addRecentWorkspace(recent, `/w/${i}`);
    recent = addRecentWorkspace(recent, '/w/10');
    expect(recent[0]).toBe('/w/10');
    expect(recent.length).toBe(MAX_RECENT_WORKSPACES);
    expect(new Set(recent).size).toBe(recent.length);
  });

  it('reopens the window where it was, unless that place is no longer on any display', () => {
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(placeWindow({ x: 100, y: 100, width: 1200, height: 800, maximized: false }, displays)).toEqual({ x: 100, y: 100, width: 1200, height: 800 });
    // Saved on a second monitor that is gone: centred on the primary display, shrunk to fit.
    expect(placeWindow({ x: 2500, y: 100, width: 2400, height: 800, maximized: false }, displays)).toEqual({ x: 0, y: 140, width: 1920, height: 800 });
    expect(placeWindow({ width: 1000, height: 600, maximized: false }, [])).toEqual({ width: 1000, height: 600 });
  });
});

describe('esbuild bundles', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [join(root, 'scripts/build-electron.mjs')], { stdio: 'pipe' });
  const dist = join(root, 'dist', 'electron');

  it('produces CommonJS main, preload and host; the preload requires nothing but electron', () => {
    expect(JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    const preload = readFileSync(join(dist, 'preload.js'), 'utf8');
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(readFileSync(join(dist, 'main.js'), 'utf8')).toMatch(/require\("electron"\)/);
  });

  it('the bundled engine host runs under Node, announces its jobs and rejects an invalid message', async () => {
    const host = fork(join(dist, 'host.js'), ['--workspace', scratch], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: unknown[] = [];
    const next = (kind: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${kind} message`)), 20_000);
        const check = (): void => {
          const found = messages.find((m) => (m as { kind?: string }).kind === kind);
          if (found) {
            clearTimeout(timer);
            resolve(found as Record<string, unknown>);
          } else setTimeout(check, 10);
        };
        check();
      });
    host.on('message', (m) => messages.push(m));
    try {
      const ready = await next('ready');
      expect([...(ready.jobTypes as string[])].sort()).toEqual(Object.keys(jobSpecs).sort());
      host.send({ kind: 'run', jobId: 'x', type: 'analyze-structures' }); // no params / outputDir
      const rejected = await next('rejected');
      expect(rejected).toMatchObject({ kind: 'rejected', jobId: 'x' });
      expect(String(rejected.reason)).toMatch(/outputDir/);
      host.send({ kind: 'run', jobId: 'job-1', type: 'analyze-structures', params: { sources: [{ name: 'NaCl.cif', text: NACL.cif }] }, outputDir: scratch });
      const completed = await next('completed');
      expect(completed).toEqual({ kind: 'completed', jobId: 'job-1', result: { analyzed: 1, failed: 0 } });
      const output = messages.find((m) => (m as { kind?: string }).kind === 'output') as { item: { spaceGroup: number } };
      expect(output.item.spaceGroup).toBe(225);
      for (const message of messages) expect(fromHostMessageSchema.safeParse(message).success).toBe(true);
    } finally {
      host.kill('SIGKILL');
    }
  });
});
