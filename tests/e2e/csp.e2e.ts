/**
 * Issue 20 in the app, end to end in a real browser against `cfstudio serve` (real server, engine host, shipped
 * model): in Generate's "Formula (structure prediction)" panel, ask for NaCl with Z = 4 in Fm-3m, a few samples,
 * no relaxation. Whatever the model's weights, the exact-composition masks leave only 4 Na + 4 Cl cells, so every
 * ranked row is NaCl; the first opens in the viewer as an 8-atom cell (27 drawn with the boundary images of rock
 * salt). Then an impossible request (NaCl with Z = 1 in Fm-3m, whose smallest orbit has 4 sites) shows the plan's
 * one-line error, the same as `cfstudio csp` prints, and no rows. No console errors along the way.
 */
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumMissing, openApp, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

describe.skipIf(chromiumMissing)('structure prediction from a formula in the browser (issue 20)', () => {
  const app = useBrowserMode('csp');

  it('NaCl, Z 4, group 225: ranked rows appear, all NaCl, and the first opens in the viewer', async () => {
    const page = await openApp(app, '#/generate');
    const panel = page.getByRole('region', { name: 'Formula (structure prediction)' });
    await panel.getByRole('textbox', { name: 'Formula', exact: true }).fill('NaCl');
    await panel.getByRole('textbox', { name: 'Z (formula units per cell)' }).fill('4');
    await panel.getByRole('textbox', { name: 'Space group number' }).fill('225');
    await panel.getByRole('textbox', { name: 'Crystals to sample' }).fill('8');
    expect(await panel.getByRole('checkbox', { name: 'Relax with the potential' }).isChecked()).toBe(false);
    await panel.getByRole('button', { name: 'Predict structures' }).click();

    const rows = panel.getByTestId('csp-row');
    await expect.poll(() => rows.count(), { timeout: 120_000 }).toBeGreaterThan(0);
    await expect.poll(() => panel.getByTestId('csp-status').textContent(), { timeout: 60_000 }).toMatch(/^NaCl: 8 sampled, \d+ distinct; ranked by /);
    expect(await panel.getByTestId('csp-error').count()).toBe(0);
    const formulas = await panel.getByTestId('csp-formula').allTextContents();
    expect(formulas.length).toBe(await rows.count());
    for (const formula of formulas) expect(formula).toBe('NaCl');
    const firstCells = await rows.nth(0).locator('td').allTextContents();
    expect(firstCells[0]).toBe('1');
    await panel.screenshot({ path: `${ARTIFACTS}csp-results.png` });

    await rows.nth(0).getByRole('button', { name: 'Open in viewer' }).click();
    // 4 Na + 4 Cl in Fm-3m can only be 4a + 4b (the only 4-fold orbits): rock salt, drawn as 27 atoms.
    await expect.poll(() => page.locator('.stage-meta').textContent(), { timeout: 30_000 }).toContain('27 atoms');
    await page.screenshot({ path: `${ARTIFACTS}csp-viewer.png` });
    // Back in Generate, the ranked list is still there.
    await page.getByRole('link', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('csp-formula').allTextContents()).toEqual(formulas);
    expect(app.session.errors).toEqual([]);
  });

  it('NaCl with Z = 1 in Fm-3m: the plan\'s one-line error instead of rows', async () => {
    const page = await openApp(app, '#/generate');
    const panel = page.getByRole('region', { name: 'Formula (structure prediction)' });
    await panel.getByRole('textbox', { name: 'Formula', exact: true }).fill('NaCl');
    await panel.getByRole('textbox', { name: 'Z (formula units per cell)' }).fill('1');
    await panel.getByRole('textbox', { name: 'Space group number' }).fill('225');
    await panel.getByRole('textbox', { name: 'Crystals to sample' }).fill('8');
    await panel.getByRole('button', { name: 'Predict structures' }).click();
    const error = panel.getByTestId('csp-error');
    await expect.poll(() => error.count(), { timeout: 120_000 }).toBe(1);
    // The line `cfstudio csp NaCl --z 1 --spacegroup 225` prints after 'cfstudio: ' (both come from planStructurePrediction).
    expect(await error.textContent()).toBe('no Wyckoff combination of space group 225 (Fm-3m) gives NaCl with Z = 1 (conventional cell, at most 20 sites)');
    expect(await panel.getByTestId('csp-row').count()).toBe(0);
    await expect.poll(() => panel.getByRole('button', { name: 'Predict structures' }).isEnabled()).toBe(true);
  });
});
