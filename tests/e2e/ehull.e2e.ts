/**
 * E_hull from generation to the library in a real browser against `cfstudio serve` (real server, engine host,
 * shipped model and M3GNet potential): generate 4 rock-salt crystals (Fm-3m, 4a Na + 4b Cl: every sample is NaCl
 * with some lattice constant) with "score E_hull" on; every card shows a single-point E_hull equal to its library
 * row's; sorting by E_hull puts the lowest first and the max-E_hull filter keeps only cards at or below it; "Relax
 * selected" on one card relaxes it (space group kept), the card then shows a relaxed E_hull no higher than its
 * single point (relaxing at fixed composition can only lower the energy); the Library view lists the new row as
 * "relaxed from #parent" with its E_hull labelled relaxed, and the database links the two; opening the parent in
 * the viewer and relaxing it with "Save relaxed to library" adds a second child. No console errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { ARTIFACTS, chromiumMissing, openApp, promptRockSalt, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

describe.skipIf(chromiumMissing)('E_hull in the results grid and the library (browser mode)', () => {
  const app = useBrowserMode('ehull', { width: 1440, height: 1000 });
  beforeAll(() => initSymmetry());

  it('scores generated crystals, sorts and filters by E_hull, relaxes one and finds it in the library linked to its parent', async () => {
    const page = await openApp(app, '#/generate');
    await promptRockSalt(page);
    await page.getByRole('spinbutton', { name: 'Samples' }).fill('4');
    await page.getByRole('textbox', { name: 'Seed' }).fill('5');
    const toggle = page.getByRole('checkbox', { name: /score E_hull/ });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await page.getByRole('button', { name: 'Run', exact: true }).click();

    const cards = page.getByTestId('result-card');
    await expect.poll(() => cards.count(), { timeout: 180_000 }).toBe(4);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 }).toContain('Run completed (seed 5)');

    // Every card's E_hull is a single point equal to its library row's.
    const badges = page.getByTestId('ehull');
    expect(await badges.count()).toBe(4);
    const library = openLibrary(app.workspace, { readonly: true });
    const rows = library.queryStructures({ limit: 100 }).rows;
    library.close();
    expect(rows).toHaveLength(4);
    const shown: number[] = [];
    for (let k = 0; k < 4; k++) {
      const badge = badges.nth(k);
      expect(await badge.getAttribute('data-kind')).toBe('single-point');
      expect(await badge.textContent()).toMatch(/eV\/atom \(single point\)/);
      shown.push(Number(await badge.getAttribute('data-ehull')));
    }
    expect(shown.sort((a, b) => a - b)).toEqual(rows.map((r) => r.eHull!).sort((a, b) => a - b));
    expect(rows.every((r) => r.energyKind === 'single-point')).toBe(true);

    // Sort by E_hull: lowest first.
    await page.getByRole('combobox', { name: 'Sort results' }).selectOption('eHull');
    const sorted = await Promise.all([0, 1, 2, 3].map(async (k) => Number(await badges.nth(k).getAttribute('data-ehull'))));
    expect(sorted).toEqual([...sorted].sort((a, b) => a - b));
    // Filter at the second-lowest value: the two lowest remain (ties aside).
    await page.getByRole('spinbutton', { name: 'Maximum E_hull (eV/atom)' }).fill(String(sorted[1]));
    await expect.poll(() => cards.count()).toBe(sorted.filter((x) => x <= sorted[1]!).length);
    await page.getByRole('spinbutton', { name: 'Maximum E_hull (eV/atom)' }).fill('');
    await expect.poll(() => cards.count()).toBe(4);

    // Relax the highest-E_hull card: stored relaxed, linked to its row.
    const last = cards.nth(3);
    const parentEHull = sorted[3]!;
    await last.getByRole('checkbox').check();
    await page.getByRole('button', { name: /^Relax selected/ }).click();
    const message = page.getByTestId('results-message');
    await expect.poll(() => message.textContent().catch(() => null), { timeout: 180_000 }).toMatch(/Relaxed 1: 1 saved to the library \(#\d+ from #\d+\)/);
    const [, childId, parentId] = /#(\d+) from #(\d+)/.exec((await message.textContent())!)!.map(Number);
    const relaxedBadge = cards.locator('[data-kind="relaxed"]');
    await expect.poll(() => relaxedBadge.count()).toBe(1);
    const relaxedEHull = Number(await relaxedBadge.getAttribute('data-ehull'));
    expect(relaxedEHull).toBeLessThanOrEqual(parentEHull + 1e-6);
    await page.getByRole('region', { name: 'Results' }).screenshot({ path: `${ARTIFACTS}ehull-results.png` });

    const after = openLibrary(app.workspace, { readonly: true });
    const child = after.getStructure(childId!)!;
    const parent = after.getStructure(parentId!)!;
    after.close();
    expect(child).toMatchObject({ parentId, source: 'relaxed', energyKind: 'relaxed', spaceGroupFound: 225 });
    expect(child.eHull).toBeCloseTo(relaxedEHull, 10);
    expect(parent.eHull).toBeCloseTo(parentEHull, 10);

    // The Library view: the relaxed row names its parent and labels its E_hull.
    await page.getByRole('link', { name: 'Library' }).click();
    const libraryRows = page.getByTestId('library-row');
    await expect.poll(() => libraryRows.count(), { timeout: 30_000 }).toBe(5);
    const childRow = libraryRows.filter({ has: page.getByTestId('parent-link') });
    expect(await childRow.count()).toBe(1);
    expect(await childRow.getByTestId('parent-link').textContent()).toContain(`relaxed from #${parentId}`);
    expect(await childRow.locator('td').nth(1).textContent()).toBe(String(childId));
    expect(await childRow.getByTestId('ehull').getAttribute('data-kind')).toBe('relaxed');
    // Sorting the library by E_hull ascending and filtering to relaxed rows finds it.
    await page.getByRole('combobox', { name: 'Source' }).selectOption('relaxed');
    await expect.poll(() => libraryRows.count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}ehull-library.png` });

    // The viewer: open the parent from the relaxed row's link, relax it again with "Save relaxed to library": a
    // second child of the same parent.
    await childRow.getByTestId('parent-link').getByRole('button', { name: `#${parentId}` }).click();
    await expect.poll(() => page.locator('.structure-list button[aria-current="true"]').textContent(), { timeout: 30_000 }).toContain(`library #${parentId}`);
    const panel = page.getByRole('region', { name: 'Interatomic potential' });
    await panel.getByRole('checkbox', { name: 'Save relaxed to library' }).check();
    await panel.getByRole('button', { name: 'Relax', exact: true }).click();
    const savedNote = page.getByTestId('relax-saved');
    await expect.poll(() => savedNote.textContent().catch(() => null), { timeout: 120_000 }).toMatch(new RegExp(`Saved to the library as #\\d+, relaxed from #${parentId}\\.`));
    const secondId = Number(/#(\d+)/.exec((await savedNote.textContent())!)![1]);
    const final = openLibrary(app.workspace, { readonly: true });
    expect(final.queryStructures({ parentId: parentId! }).rows.map((r) => r.id).sort((a, b) => a - b)).toEqual([childId, secondId]);
    expect(final.getStructure(secondId)).toMatchObject({ source: 'relaxed', energyKind: 'relaxed', parentId });
    final.close();

    expect(app.session.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
