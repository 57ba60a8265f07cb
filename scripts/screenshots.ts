/**
 * `npm run screenshots`: refreshes bench/results/ui/*.png, one picture per panel, from the app as it is now —
 * the renderer built with Vite, `cfstudio serve` (browser mode, real engine and shipped model) on a throw-away
 * workspace, Debian's Chromium at 1440×900 through playwright-core. The Generate picture includes a small run
 * (SrTiO3 perovskite prototype, 6 samples, seed 7), so the results grid, the Library and the Viewer have crystals.
 * Options: --skip-build reuses dist/renderer; --out DIR writes elsewhere; names after the options keep only the
 * pictures whose names start with one of them (`npm run screenshots -- library` refreshes library.png only; the
 * steps before it still run, since the Library lists the crystals the Generate run made).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { startBrowserMode } from '../electron/server/start.ts';
import { chromiumMissing, CHROMIUM_PATH, launchChromium } from './chromium.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values, positionals: only } = parseArgs({ allowPositionals: true, options: { 'skip-build': { type: 'boolean', default: false }, out: { type: 'string', default: join(repoRoot, 'bench/results/ui') } } });
if (chromiumMissing) {
  console.error(`screenshots: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CFSTUDIO_CHROMIUM)`);
  process.exit(1);
}
const out = resolve(values.out!);
mkdirSync(out, { recursive: true });
const rendererDir = join(repoRoot, 'dist/renderer');
if (!values['skip-build']) await build({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-screenshots-'));
const mode = await startBrowserMode({ workspace, port: 0, rendererDir, log: () => {} });
const browser = await launchChromium({ width: 1440, height: 900 });
const { page } = browser;
const shots: string[] = [];
const shoot = async (name: string) => {
  if (only.length > 0 && !only.some((prefix) => name.startsWith(prefix))) return;
  // Let WebGL and charts draw before the picture.
  await page.waitForTimeout(600);
  const path = join(out, `${name}.png`);
  await page.screenshot({ path });
  shots.push(path);
  console.log(`screenshots: ${path}`);
};
const waitFor = async (check: () => Promise<boolean>, what: string, timeoutMs = 120_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`screenshots: timed out waiting for ${what}`);
    await page.waitForTimeout(250);
  }
};

try {
  // Browser mode serves the app at its own URL (a redirect drops a hash given to goto): route after loading.
  const go = async (hash: string) => {
    await page.evaluate((h) => {
      window.location.hash = h;
    }, hash);
  };
  await page.goto(mode.server.url);
  await go('#/generate');
  await waitFor(async () => (await page.getByRole('listbox', { name: 'Space groups' }).getByRole('option').count()) === 230, 'the space-group list');
  await page.getByRole('combobox', { name: 'Space group' }).fill('perovskite');
  await page.getByRole('list', { name: 'Structure prototypes' }).getByRole('button').first().click();
  await page.getByRole('spinbutton', { name: 'Samples' }).fill('6');
  await page.getByRole('textbox', { name: 'Seed' }).fill('7');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await waitFor(async () => ((await page.getByTestId('run-status').count()) > 0 ? /Run completed/.test((await page.getByTestId('run-status').textContent()) ?? '') : false), 'the generation run');
  // The view area scrolls (not the window): the prompt, then the results the run brought into view.
  await shoot('generate-results');
  await page.evaluate(() => document.getElementById('main')!.scrollTo(0, 0));
  await shoot('generate');

  await page.getByTestId('result-card').first().getByRole('button', { name: 'View' }).click();
  await waitFor(async () => (await page.getByTestId('structure-facts').count()) > 0, 'the structure summary');
  await shoot('viewer-generated');
  await go('#/viewer?structure=srtio3&polyhedra=Ti&labels=site');
  await waitFor(async () => (await page.getByTestId('structure-facts').count()) > 0, 'the structure summary');
  await shoot('viewer');

  for (const view of ['library', 'mcmc', 'rl', 'training', 'settings']) {
    await go(`#/${view}`);
    await page.waitForTimeout(1500);
    // The Library's thumbnails come from the rows' CIFs, after the rows.
    if (view === 'library') await waitFor(async () => (await page.locator('.library-table .thumb-cell svg').count()) > 0, 'the library thumbnails');
    await shoot(view);
  }
} finally {
  await browser.close();
  await mode.close();
  rmSync(workspace, { recursive: true, force: true });
}
console.log(`screenshots: ${shots.length} pictures in ${out}`);
