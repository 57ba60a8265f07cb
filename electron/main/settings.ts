/**
 * Desktop settings kept in `<userData>/settings.json`: window state and recent workspaces. The file is
 * validated on read (a damaged or hand-edited file falls back to defaults field by field, never a crash) and
 * written atomically (temp file + rename) so a crash mid-write keeps the previous version.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseProviderRequest } from '../engine/providers.ts';

export const MAX_RECENT_WORKSPACES = 10;

const windowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20000),
  height: z.number().int().min(300).max(20000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1400, height: 900, maximized: false };

/**
 * Execution providers for the engine host: 'auto' (a GPU only where its probe beat the CPU) or an ordered list
 * such as 'webgpu,cpu', with --providers' meaning. Absent or with an unknown name: 'auto'.
 */
const providersSetting = z
  .string()
  .refine((text) => {
    try {
      parseProviderRequest(text, 'providers');
      return true;
    } catch {
      return false;
    }
  })
  .optional()
  .catch(undefined);

const settingsSchema = z.object({
  window: windowStateSchema.catch(DEFAULT_WINDOW_STATE),
  recentWorkspaces: z.array(z.string().min(1)).catch([]),
  providers: providersSetting,
});
export type DesktopSettings = z.infer<typeof settingsSchema>;

export function defaultSettings(): DesktopSettings {
  return { window: { ...DEFAULT_WINDOW_STATE }, recentWorkspaces: [] };
}

export function loadSettings(file: string): DesktopSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return defaultSettings();
  }
  const parsed = settingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : defaultSettings();
}

export function saveSettings(file: string, settings: DesktopSettings): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(settings, null, 2) + '\n');
  renameSync(temp, file);
}

/** Most recent first, no duplicates, at most MAX_RECENT_WORKSPACES. */
export function addRecentWorkspace(recent: readonly string[], path: string): string[] {
  return [path, ...recent.filter((p) => p !== path)].slice(0, MAX_RECENT_WORKSPACES);
}

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where to open the window: the saved bounds if they still overlap a display's work area by a usable amount
 * (a monitor may have been unplugged since), else the saved size centred on the primary display, shrunk to fit.
 */
export function placeWindow(saved: WindowState, workAreas: readonly Rectangle[]): { x?: number; y?: number; width: number; height: number } {
  const primary = workAreas[0];
  if (!primary) return { width: saved.width, height: saved.height };
  if (saved.x !== undefined && saved.y !== undefined) {
    const visible = workAreas.some((area) => {
      const overlapWidth = Math.min(saved.x! + saved.width, area.x + area.width) - Math.max(saved.x!, area.x);
      const overlapHeight = Math.min(saved.y! + saved.height, area.y + area.height) - Math.max(saved.y!, area.y);
      return overlapWidth >= 100 && overlapHeight >= 100;
    });
    if (visible) return { x: saved.x, y: saved.y, width: saved.width, height: saved.height };
  }
  const width = Math.min(saved.width, primary.width);
  const height = Math.min(saved.height, primary.height);
  return { x: primary.x + Math.round((primary.width - width) / 2), y: primary.y + Math.round((primary.height - height) / 2), width, height };
}
