/**
 * `npm run screenshots`: refreshes bench/results/ui/*.png, one picture per panel, from the app as it is now —
 * the renderer built with Vite, `cfstudio serve` (browser mode, real engine and shipped model) on a throw-away
 * workspace, Debian's Chromium at 1440×900 through playwright-core. The Generate picture includes a small run
 * (SrTiO3 perovskite prototype, 6 samples, seed 7), so the results grid, the Library and the Viewer have crystals.
 * Options: --skip-build reuses dist/renderer; --out DIR writes elsewhere; names after the options take only the
 * pictures whose names start with one of them (`npm run screenshots -- rl` → rl.png and rl-dashboard.png, the
 * latter after a 3-step fine-tuning run of batch 8 on the band gap × dielectric preset, seed 3).
 * The Training picture prepares a dataset from a folder of 24 rock-salt/CsCl CIFs and one broken file and fine-tunes
 * the shipped model on it; the template pictures take the Viewer's rock salt as an MCMC template
 * (`npm run screenshots -- training template`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { startBrowserMode } from '../electron/server/start.ts';
import { chromiumMissing, CHROMIUM_PATH, launchChromium } from './chromium.ts';
import { writeOwnStructuresFolder } from './own-structures.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'skip-build': { type: 'boolean', default: false }, out: { type: 'string', default: join(repoRoot, 'bench/results/ui') } } });
/** Whether the picture `name` is wanted: all without names on the command line, else those starting with one. */
const want = (name: string) => positionals.length === 0 || positionals.some((p) => name.startsWith(p));
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
  if (!want(name)) return;
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
  if (['generate-results', 'generate', 'viewer-generated', 'viewer', 'library'].some(want)) {
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
  }

  for (const view of ['library', 'mcmc', 'rl', 'settings'].filter(want)) {
    await go(`#/${view}`);
    await page.waitForTimeout(1500);
    // The Library's thumbnails come from the rows' CIFs, after the rows.
    if (view === 'library') await waitFor(async () => (await page.locator('.library-table .thumb-cell svg').count()) > 0, 'the library thumbnails');
    await shoot(view);
  }

  if (want('rl-dashboard')) {
    // A short fine-tuning run: the status line, charts, histogram and best crystals with predictions ± uncertainty.
    await go('#/rl');
    const settings = page.getByRole('region', { name: 'Run settings' });
    await settings.getByRole('spinbutton', { name: 'Steps' }).fill('3');
    await settings.getByRole('spinbutton', { name: 'Batch size' }).fill('8');
    await settings.getByRole('spinbutton', { name: 'PPO epochs' }).fill('1');
    await settings.getByRole('spinbutton', { name: 'Seed' }).fill('3');
    await page.getByTestId('rl-start').click();
    await waitFor(async () => /^Finished/.test((await page.getByTestId('rl-outcome').textContent().catch(() => '')) ?? ''), 'the fine-tuning run', 900_000);
    await page.evaluate(() => document.getElementById('main')!.scrollTo(0, 0));
    await shoot('rl-dashboard');
    await page.getByRole('region', { name: 'Best crystals' }).scrollIntoViewIfNeeded();
    await shoot('rl-dashboard-best');
  }

  if (['template-chooser', 'mcmc-template'].some(want)) {
    // Rock salt as an MCMC template: Na masked, Cl kept.
    await go('#/viewer?structure=nacl');
    await waitFor(async () => page.getByRole('button', { name: 'Use as template…' }).isEnabled(), 'the structure summary');
    await page.getByRole('button', { name: 'Use as template…' }).click();
    await page.getByRole('checkbox', { name: 'Keep Na on Na1 (4a)' }).uncheck();
    await shoot('template-chooser');
    await page.getByRole('button', { name: 'Open in MCMC' }).click();
    await waitFor(async () => (await page.getByTestId('mcmc-template-source').count()) > 0, 'the MCMC template');
    await page.getByRole('combobox', { name: 'Annealing preset' }).selectOption('quick');
    await shoot('mcmc-template');
  }

  if (want('training')) {
    // A folder of the user's own structures (24 rock-salt and CsCl cells, one broken file), prepared and fine-tuned on.
    const folder = join(workspace, 'my-structures');
    await writeOwnStructuresFolder(folder, 24);
    writeFileSync(join(folder, 'broken.cif'), 'data_broken\n_cell_length_a abc\n');
    await go('#/training');
    const dataset = page.getByRole('region', { name: 'Prepare a dataset' });
    await dataset.getByRole('textbox', { name: 'Folder', exact: true }).fill('my-structures');
    await dataset.getByRole('textbox', { name: 'Dataset folder' }).fill('datasets/mine');
    await dataset.getByRole('spinbutton', { name: 'Validation share (%)' }).fill('25');
    await dataset.getByRole('button', { name: 'Prepare dataset' }).click();
    await waitFor(async () => (await page.getByTestId('dataset-outcome').count()) > 0, 'the prepared dataset');
    const runForm = page.getByRole('region', { name: 'Training run' });
    await runForm.getByRole('textbox', { name: 'Run folder' }).fill('runs/mine');
    await runForm.getByRole('spinbutton', { name: 'Epochs' }).fill('3');
    await runForm.getByRole('spinbutton', { name: 'Batch size' }).fill('6');
    await runForm.getByRole('button', { name: 'Start training' }).click();
    await waitFor(async () => (await page.getByTestId('training-outcome').count()) > 0, 'the fine-tuning run', 600_000);
    await shoot('training');
  }
} finally {
  await browser.close();
  await mode.close();
  rmSync(workspace, { recursive: true, force: true });
}
console.log(`screenshots: ${shots.length} pictures in ${out}`);
