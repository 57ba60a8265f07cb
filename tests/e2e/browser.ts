/**
 * The browser tests' harness: Debian's Chromium (scripts/chromium.ts) driving `cfstudio serve` on a fresh workspace,
 * with console errors collected per session.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumMissing, launchChromium } from '../../scripts/chromium.ts';
import { afterAll, beforeAll, expect } from 'vitest';
import { startBrowserMode, type BrowserMode } from '../../electron/server/start.ts';

export { CHROMIUM_PATH, chromiumMissing };
export const SKIP_REASON = `e2e tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CFSTUDIO_CHROMIUM)`;

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** The renderer the global setup builds, which `cfstudio serve` hands out. */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1440, height: 900 }): Promise<BrowserSession> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const { context, page, close } = await launchChromium(viewport);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return {
    context,
    page,
    errors,
    close,
  };
}

/** `cfstudio serve` (real server and engine host) on a fresh workspace, and a browser to drive it. */
export interface BrowserModeApp {
  session: BrowserSession;
  mode: BrowserMode;
  workspace: string;
}

/**
 * Start browser mode and a browser before the tests of the calling describe block and tear both down (workspace
 * included) after them. The returned object's fields are set once its beforeAll has run.
 */
export function useBrowserMode(name: string, viewport?: { width: number; height: number }): BrowserModeApp {
  const app = {} as BrowserModeApp;
  beforeAll(async () => {
    app.workspace = mkdtempSync(join(tmpdir(), `cfstudio-e2e-${name}-`));
    app.mode = await startBrowserMode({ workspace: app.workspace, port: 0, rendererDir: RENDERER_DIR, log: () => {} });
    app.session = await openBrowser(viewport);
  });
  afterAll(async () => {
    await app.session?.close();
    await app.mode?.close();
    if (app.workspace) rmSync(app.workspace, { recursive: true, force: true });
  });
  return app;
}

/** Load the app from the server (optionally at a route hash) and wait until it says it runs in browser mode. */
export async function openApp(app: BrowserModeApp, hash = ''): Promise<Page> {
  const { page } = app.session;
  await page.goto(`${app.mode.server.url}${hash}`);
  await expect.poll(() => page.locator('.backend-status').textContent(), { timeout: 30_000 }).toContain('Browser mode');
  return page;
}

/** On the Generate view: Fm-3m (after the 230 groups are listed) with site 4a = Na and 4b = Cl, the rock-salt prompt. */
export async function promptRockSalt(page: Page): Promise<void> {
    const options = page.getByRole('listbox', { name: 'Space groups' }).getByRole('option');
    await expect.poll(() => options.count(), { timeout: 30_000 }).toBe(230);
    await page.getByRole('combobox', { name: 'Space group' }).fill('fm-3m');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.wyckoff-table tbody tr').count()).toBe(12);
    await page.getByRole('button', { name: 'Add site 4a' }).click();
    await page.getByRole('button', { name: 'Add site 4b' }).click();
    // Site 1 (4a) = Na, site 2 (4b) = Cl.
    const elementButtons = page.getByRole('button', { name: 'Elements…' });
    await elementButtons.nth(0).click();
    await page.getByRole('group', { name: 'Elements for site 1' }).getByRole('button', { name: 'Na', exact: true }).click();
    await elementButtons.nth(1).click();
    await page.getByRole('group', { name: 'Elements for site 2' }).getByRole('button', { name: 'Cl', exact: true }).click();
}
