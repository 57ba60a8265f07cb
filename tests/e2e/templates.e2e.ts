/**
 * "Use as template" (issue 16, item 6) in a real browser against `cfstudio serve`: the Viewer's rock salt (Fm-3m,
 * Na 4a, Cl 4b) becomes an MCMC template with Na masked and Cl kept, which runs with the "Quick look" preset and
 * gives chlorides; the same crystal opens Generate with group 225 and sites 4a Na, 4b Cl; a library row (one of
 * the MCMC crystals) opens the Viewer with its template choices, then Generate with its group; the Library's
 * "Train on selected" hands the rows to the Training view. No console errors.
 */
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumMissing, openApp, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

describe.skipIf(chromiumMissing)('templates from structures (browser mode)', () => {
  const app = useBrowserMode('templates', { width: 1440, height: 1000 });

  it('Viewer → MCMC: Na masked, Cl kept; a quick-look run fills the masked site', async () => {
    const page = await openApp(app, '#/viewer');
    await expect.poll(() => page.locator('.stage-header h2').textContent(), { timeout: 30_000 }).toContain('NaCl');
    const use = page.getByRole('button', { name: 'Use as template…' });
    await expect.poll(() => use.isEnabled(), { timeout: 30_000 }).toBe(true);
    await use.click();
    const rows = page.getByTestId('template-choice-site');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringMatching(/^Na1\s*4a/), expect.stringMatching(/^Cl1\s*4b/)]);
    await page.getByRole('checkbox', { name: 'Keep Na on Na1 (4a)' }).uncheck();
    await page.screenshot({ path: `${ARTIFACTS}template-chooser.png` });
    await page.getByRole('button', { name: 'Open in MCMC' }).click();

    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/mcmc');
    await expect.poll(() => page.getByTestId('mcmc-template-source').textContent(), { timeout: 30_000 }).toContain('NaCl, Fm-3m (225)');
    const sites = page.getByTestId('template-site');
    expect(await sites.count()).toBe(2);
    expect(await page.getByRole('combobox', { name: 'Site 1 element' }).inputValue()).toBe('masked');
    expect(await page.getByRole('combobox', { name: 'Site 2 element' }).inputValue()).toBe('fixed');
    expect(await page.getByRole('textbox', { name: 'Site 2 element symbol' }).inputValue()).toBe('Cl');
    expect(await page.locator('.wyckoff-panel h3').textContent()).toContain('225');

    // The quick preset: 8 chains × 10 sweeps.
    await page.getByRole('combobox', { name: 'Annealing preset' }).selectOption('quick');
    expect(await page.getByRole('spinbutton', { name: 'Chains' }).inputValue()).toBe('8');
    expect(await page.getByRole('spinbutton', { name: 'Sweeps' }).inputValue()).toBe('10');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByTestId('mcmc-outcome').textContent().catch(() => null), { timeout: 180_000 }).toContain('Run completed');
    // Cl kept on 4b in every crystal: each formula holds Cl.
    const cards = await page.getByTestId('result-card').allTextContents();
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.length).toBeLessThanOrEqual(8);
    for (const card of cards) expect(card).toContain('Cl');
    await page.screenshot({ path: `${ARTIFACTS}template-mcmc.png` });
  }, 300_000);

  it('Viewer → Generate: group 225, sites 4a Na and 4b Cl', async () => {
    const page = await openApp(app, '#/viewer?structure=nacl');
    const use = page.getByRole('button', { name: 'Use as template…' });
    await expect.poll(() => use.isEnabled(), { timeout: 30_000 }).toBe(true);
    await use.click();
    await page.getByRole('button', { name: 'Open in Generate' }).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/generate');
    const wyckoff = page.getByRole('region', { name: 'Wyckoff sites' });
    await expect.poll(() => wyckoff.locator('h3').textContent(), { timeout: 30_000 }).toContain('Wyckoff sites of 225');
    const siteRows = page.getByRole('region', { name: 'Prompt sites' }).locator('tbody tr');
    await expect.poll(() => siteRows.count()).toBe(2);
    expect((await siteRows.nth(0).textContent())!.replace(/\s+/g, ' ')).toMatch(/^1 ?4a ?Na/);
    expect((await siteRows.nth(1).textContent())!.replace(/\s+/g, ' ')).toMatch(/^2 ?4b ?Cl/);
  }, 120_000);

  it('Library row → template choices in the Viewer → Generate; Train on selected → Training', async () => {
    const page = await openApp(app, '#/library');
    const rows = page.getByTestId('library-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const firstId = Number((await rows.first().locator('td.num').first().textContent())!.trim());
    await page.getByRole('button', { name: `Use ${firstId} as template` }).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toContain('#/viewer');
    // The chooser is open at once, with the row's sites (a chloride: Cl on one of them).
    const sites = page.getByTestId('template-choice-site');
    await expect.poll(() => sites.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect((await sites.allTextContents()).join(' ')).toContain('Cl');
    const summaryGroup = (await page.getByTestId('summary-space-group').textContent())!;
    const groupNumber = /No\. (\d+)/.exec(summaryGroup)?.[1];
    expect(groupNumber).toBeDefined();
    await page.getByRole('button', { name: 'Open in Generate' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Wyckoff sites' }).locator('h3').textContent(), { timeout: 30_000 }).toContain(`Wyckoff sites of ${groupNumber}`);

    await page.getByRole('link', { name: 'Library' }).click();
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(1);
    await page.getByRole('checkbox', { name: `Select structure ${firstId}` }).check();
    await page.getByRole('button', { name: 'Train on selected' }).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/training');
    expect(await page.getByRole('radio', { name: /library rows/ }).isChecked()).toBe(true);
    expect(await page.getByRole('textbox', { name: 'Library rows' }).inputValue()).toBe(String(firstId));
    expect(app.session.errors).toEqual([]);
  }, 180_000);
});
