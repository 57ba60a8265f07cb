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
