/**
 * The application menu as a pure template (testable without Electron): the usual roles (app menu on macOS,
 * edit, view, window, help) plus File commands for importing structures, exporting the selection and choosing
 * a workspace, with a recent-workspaces submenu.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';

export interface MenuActions {
  importStructures(): void;
  exportSelection(): void;
  chooseWorkspace(): void;
  openWorkspace(path: string): void;
  openExternal(url: string): void;
}

export const PROJECT_URL = 'https://github.com/deepmodeling/CrystalFormer';

export function buildMenuTemplate(options: { platform: NodeJS.Platform; recentWorkspaces: readonly string[]; isDevelopment: boolean; actions: MenuActions }): MenuItemConstructorOptions[] {
  const { actions, platform } = options;
  const isMac = platform === 'darwin';
  const recent: MenuItemConstructorOptions[] =
    options.recentWorkspaces.length > 0
      ? options.recentWorkspaces.map((path) => ({ label: `${basename(path)} — ${path}`, click: () => actions.openWorkspace(path) }))
      : [{ label: 'No recent workspaces', enabled: false }];

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Import Structures…', accelerator: 'CmdOrCtrl+O', click: () => actions.importStructures() },
      { label: 'Export Selection…', accelerator: 'CmdOrCtrl+E', click: () => actions.exportSelection() },
      { type: 'separator' },
      { label: 'Choose Workspace…', click: () => actions.chooseWorkspace() },
      { label: 'Recent Workspaces', submenu: recent },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'reload' },
      ...(options.isDevelopment ? [{ role: 'toggleDevTools' } as MenuItemConstructorOptions] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [{ label: 'CrystalFormer Method (GitHub)', click: () => actions.openExternal(PROJECT_URL) }],
  };
  return [...(isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []), file, { role: 'editMenu' }, view, { role: 'windowMenu' }, help];
}
