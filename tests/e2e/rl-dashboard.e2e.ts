/**
 * The RL dashboard reads right (issue #16 item 8, issue #18) in a real browser against `cfstudio serve` (real server,
 * engine host, models/default and the shipped predictors): while a short run (batch 8) goes, the status line's step
 * is the charts' last step and it shows the time left; the KL plotted is the plain mean log-ratio
 * estimate and equals metrics.jsonl's klLogRatio; mean and max reward have their own axes; the histogram is labelled; Stop reads "stopped", not
 * "cancelled"; the best crystals' table shows each predicted property with its calibrated ±; their cards' star is
 * enabled and stores the favourite in the library; a best crystal opened in the Viewer keeps its predictions.
 * Screenshots go to test-artifacts/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatValue } from '../../renderer/src/charts/chartData.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { hasShippedPredictor } from '../../electron/predictors/registry.ts';
import { ARTIFACTS, chromiumMissing, openApp, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

// Far more steps than run before Stop lands, so the ETA has something to count down and Stop always stops a run.
const STEPS = 400;

describe.skipIf(chromiumMissing)('RL dashboard in the browser', () => {
  const app = useBrowserMode('rl-dashboard', { width: 1440, height: 1000 });

  it('one step number, ETA, KL (mean log-ratio), separate reward axes, labelled histogram, stopped, predictions ± uncertainty, favourite star', async () => {
    const page = await openApp(app);
    await page.getByRole('link', { name: 'RL' }).click();
    await expect.poll(() => page.getByTestId('rl-spec-status').textContent()).toContain('Valid reward spec');
    const reward = page.getByRole('region', { name: 'Reward' });
    if (!hasShippedPredictor('dielectric_total')) await reward.getByRole('button', { name: 'Remove term 2' }).click();
    const settings = page.getByRole('region', { name: 'Run settings' });
    await settings.getByRole('spinbutton', { name: 'Steps' }).fill(String(STEPS));
    await settings.getByRole('spinbutton', { name: 'Batch size' }).fill('8');
    await settings.getByRole('spinbutton', { name: 'PPO epochs' }).fill('1');
    await settings.getByRole('spinbutton', { name: 'Seed' }).fill('3');
    const out = await settings.getByRole('textbox', { name: 'Run folder' }).inputValue();
    await page.getByTestId('rl-start').click();

    // Two steps on the charts: the status line names the same step and says how long is left.
    const rewardChart = page.getByTestId('rl-reward-chart');
    await expect.poll(async () => Number(await rewardChart.getAttribute('data-points')), { timeout: 240_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    const status = page.getByTestId('rl-status');
    // Read both in one pass of the page, so a step arriving in between cannot split them.
    const seen = await page.evaluate(() => ({
      status: document.querySelector('[data-testid="rl-status"]')!.getAttribute('data-step'),
      text: document.querySelector('[data-testid="rl-status-step"]')!.textContent,
      charts: ['rl-reward-chart', 'rl-kl-chart', 'rl-validity-chart'].map((id) => document.querySelector(`[data-testid="${id}"]`)!.getAttribute('data-points')),
    }));
    expect(seen.charts).toEqual([seen.status, seen.status, seen.status]);
    expect(seen.text).toBe(`step ${seen.status}/${STEPS}`);
    await expect.poll(() => page.getByTestId('rl-eta').textContent()).toMatch(/^about .+ left$/);
    expect(await status.textContent()).not.toMatch(/step \d+\/\d+: mean reward/);

    // Mean and max reward on two y axes (uPlot draws x plus one element per y axis).
    expect(await rewardChart.locator('.u-axis').count()).toBe(3);

    await page.getByTestId('rl-stop').click();
    await expect.poll(() => page.getByTestId('rl-phase').textContent(), { timeout: 180_000 }).toBe('stopped');
    expect(await page.getByTestId('rl-outcome').textContent()).toMatch(/^Stopped with a checkpoint at step \d+\/400/);
    const metrics = readFileSync(join(app.workspace, out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; kl: number; klLogRatio: number });
    await expect.poll(async () => Number(await rewardChart.getAttribute('data-points')), { timeout: 30_000 }).toBe(metrics.length);
    expect(await status.getAttribute('data-step')).toBe(String(metrics.length));
    // The KL plotted is the engine's plain estimate (k3 stays in metrics.jsonl as kl, never negative), the latest equal to metrics.jsonl's.
    for (const m of metrics) expect(m.kl).toBeGreaterThanOrEqual(0);
    expect(await page.getByTestId('rl-kl-chart-summary').textContent()).toContain(`KL (mean log-ratio) ${formatValue(metrics.at(-1)!.klLogRatio, 3)} nats`);

    // The histogram: labelled axes and a legend.
    const histogram = page.getByTestId('rl-histogram');
    expect(await histogram.locator('svg text').allTextContents()).toEqual(expect.arrayContaining(['crystals', 'reward of a crystal']));
    expect(Number(await histogram.getAttribute('data-bars'))).toBeGreaterThan(0);

    // Best crystals: the band gap with its calibrated ±, in the table and on the cards; each card is a library row.
    const best = page.getByTestId('rl-best-table');
    await expect.poll(() => best.locator('tbody tr').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    if (hasShippedPredictor('band_gap')) {
      expect(await best.locator('th[data-column="prediction:band_gap"]').textContent()).toBe('band gap (eV) ± 68 %');
      const gaps = await best.locator('td[data-column="prediction:band_gap"]').allTextContents();
      for (const gap of gaps) expect(gap).toMatch(/^(−?\d+\.\d+ ± \d+\.\d+|—)$/);
      // Cards write the band gap as E_g.
      expect(await page.getByRole('region', { name: 'Best crystals' }).getByTestId('predictions').first().textContent()).toMatch(/E_g−?\d+\.\d+ ± \d+\.\d+ eV/);
    }
    const cards = page.getByRole('region', { name: 'Best crystals' }).getByTestId('result-card');
    const star = cards.first().getByRole('button', { name: 'Add to favourites' });
    expect(await star.isEnabled()).toBe(true);
    await star.click();
    await expect.poll(() => cards.first().getByRole('button', { name: 'Remove from favourites' }).getAttribute('aria-pressed')).toBe('true');
    const library = openLibrary(app.workspace, { readonly: true });
    try {
      const favourites = library.queryStructures({ favourite: true, limit: 10 });
      expect(favourites.total).toBe(1);
      expect(favourites.rows[0]!.formula).toBe((await best.locator('tbody tr').first().locator('td[data-column="formula"]').textContent())!.trim());
    } finally {
      library.close();
    }
    await page.screenshot({ path: `${ARTIFACTS}rl-dashboard.png`, fullPage: true });
    await page.getByRole('region', { name: 'Best crystals' }).screenshot({ path: `${ARTIFACTS}rl-dashboard-best.png` });
    await histogram.screenshot({ path: `${ARTIFACTS}rl-dashboard-histogram.png` });

    // Opened in the Viewer, the crystal keeps its predictions.
    await cards.first().locator('.thumb-button').click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toMatch(/^#\/viewer/);
    if (hasShippedPredictor('band_gap')) {
      await expect.poll(() => page.getByRole('navigation', { name: 'Structures' }).getByTestId('predictions').textContent()).toMatch(/band gap−?\d+\.\d+ ± \d+\.\d+ eV/);
    }
    expect(app.session.errors).toEqual([]);
  }, 600_000);
});
