/**
 * The RL panel in a real browser against `cfstudio serve` (real server, engine host, the shipped model in
 * models/default and the shipped predictors). The band gap × dielectric preset loads into the builder as two
 * clipped predictor terms; a bad constraint is reported at its field; a short run (batch 8) streams points onto
 * the charts, whose mean rewards equal what the engine wrote to metrics.jsonl; Stop checkpoints, Resume continues
 * the same curves to the last step; the best crystals fill the table and the grid and open in the Viewer; the two
 * jobs overlay in the comparison chart. Without a shipped dielectric model, the run's failure must name it, and
 * the run then goes on with the band-gap term alone. Screenshots go to test-artifacts/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatValue } from '../../renderer/src/charts/chartData.ts';
import { hasShippedPredictor } from '../../electron/predictors/registry.ts';
import { ARTIFACTS, chromiumMissing, openApp, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

// The first run is given far more steps than it can finish before the Stop click lands (a step of batch 8 takes
// about a second), so where it stops never depends on which of the two wins; Resume then sets the run's steps to
// two past the recorded stop step and continues to it.
const STEPS_FIRST_RUN = 500;
const STEPS_AFTER_RESUME = 2;

describe.skipIf(chromiumMissing)('RL panel in the browser', () => {
  const app = useBrowserMode('rl', { width: 1440, height: 1000 });

  it('builds band gap × dielectric from the preset, runs, stops, resumes, shows best crystals and compares runs', async () => {
    const page = await openApp(app);
    await page.getByRole('link', { name: 'RL' }).click();

    // The headline preset is selected and shown as two clipped predictor terms multiplied.
    const reward = page.getByRole('region', { name: 'Reward' });
    expect(await page.getByTestId('rl-preset').inputValue()).toBe('bandgap-dielectric');
    expect(await page.getByTestId('rl-term').count()).toBe(2);
    expect(await page.getByTestId('rl-combine').inputValue()).toBe('product');
    expect(await reward.getByRole('combobox', { name: 'Term 1 quantity' }).inputValue()).toBe('band_gap');
    expect(await reward.getByRole('combobox', { name: 'Term 2 quantity' }).inputValue()).toBe('dielectric_total');
    await expect.poll(() => page.getByTestId('rl-spec-status').textContent()).toContain('Valid reward spec');

    // A bad constraint is reported at its field, and the run refuses to start.
    const maxAtoms = reward.getByRole('spinbutton', { name: 'Max atoms' });
    expect(await maxAtoms.inputValue()).toBe('40');
    await maxAtoms.fill('0');
    await expect.poll(() => maxAtoms.locator('xpath=..').textContent()).toContain('must be at least 1');
    expect(await maxAtoms.getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('rl-start').click();
    await expect.poll(() => page.getByTestId('rl-error').textContent()).toContain('constraints.maxAtoms');
    await maxAtoms.fill('40');
    await expect.poll(() => page.getByTestId('rl-spec-status').textContent()).toContain('Valid reward spec');

    const settings = page.getByRole('region', { name: 'Run settings' });
    const steps = settings.getByRole('spinbutton', { name: 'Steps' });
    await steps.fill(String(STEPS_FIRST_RUN));
    await settings.getByRole('spinbutton', { name: 'Batch size' }).fill('8');
    await settings.getByRole('spinbutton', { name: 'PPO epochs' }).fill('1');
    await settings.getByRole('spinbutton', { name: 'Seed' }).fill('5');

    if (!hasShippedPredictor('dielectric_total')) {
      // No dielectric model in models/: the job is refused naming it, then the band-gap term runs alone.
      await page.getByTestId('rl-start').click();
      await expect.poll(() => page.getByTestId('rl-run-error').textContent(), { timeout: 60_000 }).toContain("no predictor named 'dielectric_total'");
      await reward.getByRole('button', { name: 'Remove term 2' }).click();
      expect(await page.getByTestId('rl-term').count()).toBe(1);
    }
    const out = await settings.getByRole('textbox', { name: 'Run folder' }).inputValue();
    // Start from the keyboard.
    await page.getByTestId('rl-start').focus();
    await page.keyboard.press('Enter');

    // The first step reaches the charts; then Stop checkpoints.
    const rewardChart = page.getByTestId('rl-reward-chart');
    await expect.poll(async () => Number(await rewardChart.getAttribute('data-points')), { timeout: 180_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    await page.getByTestId('rl-stop').click();
    await expect.poll(() => page.getByTestId('rl-outcome').textContent(), { timeout: 120_000 }).toContain('Stopped with a checkpoint');
    // The engine's record decides where the run stopped (the chart may still be receiving the last step's event).
    const metricsPath = join(app.workspace, out, 'metrics.jsonl');
    const stoppedAt = readFileSync(metricsPath, 'utf8').trim().split('\n').length;
    expect(stoppedAt).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => Number(await rewardChart.getAttribute('data-points')), { timeout: 30_000 }).toBe(stoppedAt);
    expect(stoppedAt).toBeLessThan(STEPS_FIRST_RUN);
    await page.screenshot({ path: `${ARTIFACTS}rl-stopped.png` });

    // Resume continues the same curves to the last step, now two steps past the stop.
    const lastStep = stoppedAt + STEPS_AFTER_RESUME;
    await steps.fill(String(lastStep));
    await page.getByTestId('rl-resume').click();
    await expect.poll(() => page.getByTestId('rl-outcome').textContent(), { timeout: 240_000, interval: 500 }).toContain('Finished');
    expect(Number(await rewardChart.getAttribute('data-points'))).toBe(lastStep);
    for (const id of ['rl-kl-chart', 'rl-validity-chart', 'rl-terms-chart']) expect(Number(await page.getByTestId(id).getAttribute('data-points')), id).toBe(lastStep);
    // The chart's latest mean reward is the engine's metrics.jsonl value for the last step.
    expect(existsSync(metricsPath)).toBe(true);
    const metrics = readFileSync(metricsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; reward: { mean: number } });
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: lastStep }, (_, i) => i + 1));
    expect(await page.getByTestId('rl-reward-chart-summary').textContent()).toContain(`mean reward ${formatValue(metrics.at(-1)!.reward.mean, 3)}`);
    // The histogram compares the first step's batch with the last one's.
    expect(await page.getByTestId('rl-histogram').textContent()).toMatch(new RegExp(`Rewards of step 1 \\(8 crystals.*and of step ${lastStep} \\(8 crystals`));
    expect(Number(await page.getByTestId('rl-histogram').getAttribute('data-bars'))).toBeGreaterThan(0);

    // Best crystals: a table sorted by reward, cards in the grid, one opens in the Viewer.
    const best = page.getByTestId('rl-best-table');
    await expect.poll(() => best.locator('tbody tr').count()).toBeGreaterThan(0);
    const rewards = (await best.locator('tbody tr td.num:nth-child(4)').allTextContents()).map(Number);
    expect(rewards).toEqual([...rewards].sort((a, b) => b - a));
    const cards = page.getByRole('region', { name: 'Best crystals' }).getByTestId('result-card');
    expect(await cards.count()).toBe(rewards.length);
    expect(await page.getByTestId('rl-outcome').textContent()).toMatch(/\d+ best crystals? stored in the library/);

    // Compare the stopped job with the resumed one: together they cover every step.
    await page.getByTestId('rl-compare-a').selectOption({ index: 2 });
    await page.getByTestId('rl-compare-b').selectOption({ index: 1 });
    const compare = page.getByTestId('rl-compare-chart');
    await expect.poll(async () => Number(await compare.getAttribute('data-points')), { timeout: 30_000 }).toBe(lastStep);
    await page.screenshot({ path: `${ARTIFACTS}rl-panel.png` });
    // The panels below the fold, each scrolled into view.
    await page.getByTestId('rl-validity-chart').screenshot({ path: `${ARTIFACTS}rl-validity.png` });
    await page.getByTestId('rl-histogram').screenshot({ path: `${ARTIFACTS}rl-histogram.png` });
    await page.getByRole('region', { name: 'Best crystals' }).screenshot({ path: `${ARTIFACTS}rl-best.png` });
    await page.getByRole('region', { name: 'Compare runs' }).screenshot({ path: `${ARTIFACTS}rl-compare.png` });

    await cards.first().locator('.thumb-button').click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toMatch(/^#\/viewer/);
    expect(app.session.errors).toEqual([]);
  }, 600_000);
});
