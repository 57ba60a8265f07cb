/**
 * The MCMC and Training panels in a real browser against `cfstudio serve` (real server, engine host, the shipped
 * model in models/default). MCMC: the rock-salt template 4a ∈ {Na, K, Rb, Cs}, 4b = Cl in Fm-3m — the chart's
 * sweep count rises to the requested sweeps, its acceptance values are rates in 0…1 and equal what the job wrote
 * to mcmc.jsonl, every chain's crystal appears in the results grid (rock salt with one of the allowed cations),
 * opens in the viewer, and a long run cancels from the keyboard. Training: a tiny dataset of textbook prototypes
 * prepared here, the tiny preset for two epochs; the chart holds one loss point per step (the count follows from
 * the dataset size and the batch size) and the validation NLL the trainer wrote to metrics.jsonl, and the job
 * finishes. Screenshots go to test-artifacts/.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { loadDataset } from '../../electron/engine/train/dataset.ts';
import { prepareDataset } from '../../electron/data/prepare.ts';
import { ARTIFACTS, chromiumMissing, openApp, SKIP_REASON, useBrowserMode } from './browser.ts';
import { rockSaltCsClCorpusCsv } from '../host/fixtures.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

/** The job folders in the workspace that hold a given file. */
function jobFoldersWith(workspace: string, file: string): string[] {
  const jobs = join(workspace, 'jobs');
  return readdirSync(jobs)
    .map((id) => join(jobs, id))
    .filter((dir) => existsSync(join(dir, file)));
}

describe.skipIf(chromiumMissing)('MCMC and Training dashboards in the browser', () => {
  const app = useBrowserMode('dashboards', { width: 1440, height: 1000 });
  beforeAll(() => initSymmetry());

  it('runs MCMC on a rock-salt template: rising sweeps, acceptance in 0…1 on the chart, crystals in the grid, cancel', async () => {
    // The token URL redirects (dropping any hash), so the panel is opened from the tab bar.
    const page = await openApp(app);
    await page.getByRole('link', { name: 'MCMC' }).click();
    const runPanel = page.getByRole('region', { name: 'MCMC settings' });
    await expect.poll(() => runPanel.locator('select').first().locator('option').allTextContents(), { timeout: 30_000 }).toContain('default');

    // Run without a template: the error shows next to the Run button.
    await runPanel.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByTestId('mcmc-error').textContent()).toContain('Add at least one Wyckoff site');

    await page.getByRole('combobox', { name: 'Space group' }).fill('fm-3m');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Add site 4a' }).click();
    await page.getByRole('button', { name: 'Add site 4b' }).click();
    expect(await page.getByTestId('template-site').count()).toBe(2);
    await page.getByRole('combobox', { name: 'Site 1 element' }).selectOption('set');
    await page.getByRole('textbox', { name: 'Site 1 element symbols' }).fill('na k rb cs');
    await page.getByRole('combobox', { name: 'Site 2 element' }).selectOption('fixed');
    // A typo is reported on its row before anything runs.
    await page.getByRole('textbox', { name: 'Site 2 element symbol' }).fill('Xx');
    await expect.poll(() => page.getByTestId('template-site').nth(1).textContent()).toContain("'Xx' is not an element symbol");
    await page.getByRole('textbox', { name: 'Site 2 element symbol' }).fill('Cl');
    expect(await page.getByTestId('template-site').nth(1).locator('.error').count()).toBe(0);

    const chains = 6;
    const sweeps = 24;
    await runPanel.getByRole('spinbutton', { name: 'Chains' }).fill(String(chains));
    await runPanel.getByRole('spinbutton', { name: 'Sweeps' }).fill(String(sweeps));
    await runPanel.getByRole('spinbutton', { name: 'Seed' }).fill('3');
    await runPanel.getByRole('button', { name: 'Run', exact: true }).click();

    // One chart point per sweep, up to the requested sweeps. (Whether a poll catches the run half-way depends on how
    // fast this machine is — an idle one finishes 24 sweeps between two polls — so only the streamed total is checked.)
    const chart = page.getByTestId('mcmc-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 90_000, interval: 40 }).toBe(sweeps);

    // Crystals: one per chain, each rock salt with an allowed cation.
    const cards = page.getByTestId('result-card');
    await expect.poll(() => cards.count(), { timeout: 60_000 }).toBe(chains);
    await expect.poll(() => page.getByTestId('mcmc-outcome').textContent(), { timeout: 30_000 }).toContain('Run completed');
    for (const text of await cards.allTextContents()) expect(text).toMatch(/(Na|K|Rb|Cs)Cl/);

    // The acceptance in the chart's text summary is a rate and equals the last sweep the job wrote.
    const summary = (await page.getByTestId('mcmc-chart-summary').textContent())!;
    const acceptance = Number(/acceptance ([\d.]+) \(sweep (\d+)\)/.exec(summary)?.[1]);
    expect(summary).toContain(`(sweep ${sweeps})`);
    expect(acceptance).toBeGreaterThanOrEqual(0);
    expect(acceptance).toBeLessThanOrEqual(1);
    const [statsDir] = jobFoldersWith(app.workspace, 'mcmc.jsonl');
    const stats = readFileSync(join(statsDir!, 'mcmc.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { sweep: number; acceptance: number });
    expect(stats).toHaveLength(sweeps);
    expect(acceptance).toBeCloseTo(stats.at(-1)!.acceptance, 3);
    // The canvas is drawn: uPlot renders into a canvas of the plot's width.
    expect((await chart.locator('canvas').boundingBox())!.width).toBeGreaterThan(300);
    await page.screenshot({ path: `${ARTIFACTS}mcmc-panel.png`, fullPage: true });

    // Open a crystal in the viewer and come back: the chart and the crystals are still there.
    await cards.nth(0).getByRole('button', { name: 'View' }).click();
    await expect.poll(() => page.locator('.stage-meta').textContent(), { timeout: 30_000 }).toContain('27 atoms');
    await page.getByRole('link', { name: 'MCMC' }).click();
    await expect.poll(() => cards.count()).toBe(chains);
    expect(Number(await chart.getAttribute('data-points'))).toBe(sweeps);

    // A long run, started and cancelled from the keyboard.
    await runPanel.getByRole('spinbutton', { name: 'Sweeps' }).fill('100000');
    await runPanel.getByRole('button', { name: 'Run', exact: true }).focus();
    await page.keyboard.press('Enter');
    // The new run's own sweeps (the chart restarts from its first one).
    const sweepOfLongRun = async () => Number(/Sweep (\d+)\/100000/.exec((await page.getByTestId('mcmc-sweep').textContent()) ?? '')?.[1] ?? 0);
    await expect.poll(sweepOfLongRun, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    // The chart and the sweep counter show the same sweep: read both from one snapshot of the page (two separate
    // reads of a running chain could straddle a sweep).
    const sameSweep = async () =>
      page.evaluate(() => {
        const points = document.querySelector('[data-testid="mcmc-chart"]')?.getAttribute('data-points');
        const sweep = /Sweep (\d+)\//.exec(document.querySelector('[data-testid="mcmc-sweep"]')?.textContent ?? '')?.[1];
        return points !== undefined && points !== null && points === sweep;
      });
    await expect.poll(sameSweep, { timeout: 10_000 }).toBe(true);
    // Tab from the last setting skips the disabled Run button and reaches Cancel, with a visible focus ring.
    await expect.poll(() => runPanel.getByRole('button', { name: 'Cancel' }).isEnabled()).toBe(true);
    await runPanel.getByRole('spinbutton', { name: 'Seed' }).focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({ text: document.activeElement?.textContent, outline: document.activeElement ? getComputedStyle(document.activeElement).outlineStyle : null }));
    expect(focused).toEqual({ text: 'Cancel', outline: 'solid' });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('mcmc-outcome').textContent(), { timeout: 60_000 }).toMatch(/Run cancelled after \d+ of 100000 sweeps/);
    expect(await cards.count()).toBe(0);
    expect(await runPanel.getByRole('button', { name: 'Run', exact: true }).isEnabled()).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}mcmc-cancelled.png` });
    expect(app.session.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('trains the tiny preset on a tiny dataset: one loss point per step, validation NLL as written to metrics.jsonl, completes', async () => {
    const { page } = app.session;
    const dataDir = join(app.workspace, 'data');
    writeFileSync(join(app.workspace, 'corpus.csv'), rockSaltCsClCorpusCsv(64, 11));
    await prepareDataset({ inputs: [join(app.workspace, 'corpus.csv')], outDir: dataDir, valFraction: 0.25, workers: 0 });
    const train = await loadDataset(dataDir, { split: 'train' });
    const batchSize = 16;
    const epochs = 3;
    const steps = Math.floor(train.count / batchSize) * epochs;
    expect(steps).toBeGreaterThanOrEqual(6);

    await page.getByRole('link', { name: 'Training' }).click();
    const form = page.getByRole('region', { name: 'Training run' });
    // Without a dataset the form says so next to the button.
    await form.getByRole('textbox', { name: 'Training data' }).fill('');
    await form.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => page.getByTestId('training-error').textContent()).toContain('Training data');

    await form.getByRole('textbox', { name: 'Training data' }).fill(dataDir);
    // Pretraining from scratch (the form opens on fine-tuning a shipped model): the tiny preset.
    await form.getByRole('radio', { name: /scratch/ }).check();
    await form.getByRole('combobox', { name: 'Preset' }).selectOption('tiny');
    await form.getByRole('textbox', { name: 'Run folder' }).fill('runs/e2e-tiny');
    await form.getByRole('spinbutton', { name: 'Epochs' }).fill(String(epochs));
    await form.getByRole('spinbutton', { name: 'Batch size' }).fill(String(batchSize));
    await form.getByRole('spinbutton', { name: 'Validate every' }).fill('2');
    await form.getByRole('button', { name: 'Start training' }).click();

    const chart = page.getByTestId('training-chart');
    await expect.poll(() => page.getByTestId('training-outcome').textContent(), { timeout: 120_000 }).toContain(`Finished at step ${steps}`);
    expect(Number(await chart.getAttribute('data-points'))).toBe(steps);
    // The last validation on the chart is the trainer's last 'val' line (the end-of-epoch one).
    const metrics = readFileSync(join(app.workspace, 'runs', 'e2e-tiny', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number; nll?: { total: number } });
    const lastVal = metrics.filter((m) => m.kind === 'val').at(-1)!;
    expect(lastVal.step).toBe(steps);
    const summary = (await page.getByTestId('training-chart-summary').textContent())!;
    const shown = /validation NLL ([\d.]+) nats \(step (\d+)\)/.exec(summary);
    expect(shown, summary).not.toBeNull();
    expect(Number(shown![2])).toBe(steps);
    expect(Number(shown![1])).toBeCloseTo(lastVal.nll!.total, 2);
    expect(summary).toMatch(new RegExp(`training loss [\\d.]+ nats \\(step ${steps}\\)`));
    expect(await page.getByTestId('training-status').textContent()).toContain('completed');
    // The job is listed and shown.
    await expect.poll(() => page.getByTestId('train-job').count()).toBe(1);
    expect(await page.getByTestId('train-job').textContent()).toContain('runs/e2e-tiny');
    await page.screenshot({ path: `${ARTIFACTS}training-panel.png`, fullPage: true });
    expect(app.session.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
