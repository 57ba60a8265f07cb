/**
 * Issue 8 end to end in a real browser against `cfstudio serve` (the real server, engine host and shipped model,
 * the renderer built by the global setup): pick Fm-3m, build the prompt a-Na, b-Cl, generate 8 crystals, open
 * one in the viewer and measure a Na–Cl distance (a/2 of that crystal's own cell, read from the library), export
 * it as CIF and check the file (parses, Na and Cl, space group 225), and find the run in the Library view.
 * The model's weights change as it is retrained: nothing here depends on the sampled lattice beyond what the
 * prompt fixes (4a + 4b in Fm-3m has no free coordinate, so every sample is rock salt with some a).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCifStructure } from '../../shared/io/cif.ts';
import { detectSpaceGroup } from '../../shared/symmetry/detect.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { listModels } from '../../electron/host/models.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { ARTIFACTS, chromiumMissing, openApp, promptRockSalt, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

describe.skipIf(chromiumMissing)('generation in the browser (issue 8)', () => {
  const app = useBrowserMode('generate');
  beforeAll(() => initSymmetry());

  it('generates 8 rock-salt crystals from the a-Na, b-Cl prompt, measures one, exports its CIF and lists the run in the library', async () => {
    const page = await openApp(app, '#/generate');
    // The shipped model is offered, and its training distribution marks the space-group list.
    const modelSelect = page.locator('.settings-form select').first();
    await expect.poll(() => modelSelect.locator('option').allTextContents(), { timeout: 30_000 }).toContain('default');
    await expect.poll(() => page.locator('.model-facts').textContent()).toMatch(/M parameters · validation NLL [\d.]+ nats\/crystal/);

    await promptRockSalt(page);
    await expect(page.locator('.site-table tbody tr').nth(0).textContent()).resolves.toContain('Na');
    await expect(page.locator('.site-table tbody tr').nth(1).textContent()).resolves.toContain('Cl');

    // The space-group list shows the shipped model's training counts, as its model card gives them.
    const trainingCount = listModels().models.find((m) => m.name === 'default')!.spaceGroupCounts[225 - 1]!;
    expect(trainingCount).toBeGreaterThan(0);
    await expect(page.locator('.sg-list [aria-selected="true"] .sg-freq').getAttribute('title')).resolves.toBe(`${trainingCount} training structures`);
    await page.screenshot({ path: `${ARTIFACTS}generate-prompt.png` });
    await page.getByRole('spinbutton', { name: 'Samples' }).fill('8');
    await page.getByRole('textbox', { name: 'Seed' }).fill('5');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const cards = page.getByTestId('result-card');
    await expect.poll(() => cards.count(), { timeout: 90_000 }).toBe(8);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toContain('Run completed (seed 5)');
    expect(await page.getByTestId('run-error').count()).toBe(0);
    // Every card is rock salt with the requested group found, and drawn.
    for (const text of await cards.allTextContents()) {
      expect(text).toContain('NaCl');
      expect(text).toContain('SG 225 → 225');
      expect(text).toContain('8 atoms');
    }
    // Each thumbnail draws the 8 atoms of the cell plus their boundary images: 27 for rock salt, as in the viewer.
    expect(await page.locator('.result-card svg.thumbnail circle').count()).toBe(8 * 27);
    await page.screenshot({ path: `${ARTIFACTS}generate-run.png` });
    await page.getByRole('region', { name: 'Results' }).screenshot({ path: `${ARTIFACTS}generate-results.png` });

    // Open the first card in the viewer.
    await cards.nth(0).getByRole('button', { name: 'View' }).click();
    const meta = page.locator('.stage-meta');
    await expect.poll(() => meta.textContent(), { timeout: 30_000 }).toContain('27 atoms');
    const listed = await page.locator('.structure-list button[aria-current="true"]').textContent();
    const libraryId = Number(/library #(\d+)/.exec(listed ?? '')?.[1]);
    expect(libraryId).toBeGreaterThan(0);
    const library = openLibrary(app.workspace, { readonly: true });
    const row = library.getStructure(libraryId)!;
    library.close();
    const a = row.lattice.a;

    // Look down c and pick Cl(½,0,1) then Na(½,½,1) on the top face: their distance is a/2. The 3D view reports
    // ready (WebGL up) some time after the structure's numbers show: wait for it, or the view button does nothing.
    await expect
      .poll(() => page.evaluate(() => Boolean((window as unknown as { __cfstudioViewer?: { controller(): unknown } }).__cfstudioViewer?.controller())), { timeout: 30_000 })
      .toBe(true);
    await page.getByRole('button', { name: 'c', exact: true }).click();
    const canvasBox = (await page.getByTestId('crystal-canvas').boundingBox())!;
    const screenOf = async (frac: [number, number, number]) => {
      const p = await page.evaluate((target) => {
        const handle = (window as unknown as { __cfstudioViewer: { atoms(): { frac: number[] }[]; controller(): { screenPosition(i: number): { x: number; y: number } | null } | null } }).__cfstudioViewer;
        const index = handle.atoms().findIndex((atom) => atom.frac.every((x, k) => Math.abs(x - target[k]!) < 1e-4));
        return index < 0 ? null : handle.controller()!.screenPosition(index);
      }, frac);
      expect(p, `atom at ${frac} is drawn`).not.toBeNull();
      return { x: canvasBox.x + p!.x, y: canvasBox.y + p!.y };
    };
    const cl = await screenOf([0.5, 0, 1]);
    const na = await screenOf([0.5, 0.5, 1]);
    await page.mouse.click(cl.x, cl.y);
    await page.keyboard.down('Shift');
    await page.mouse.click(na.x, na.y);
    await page.keyboard.up('Shift');
    const distance = await page.getByTestId('measure-distance').textContent();
    expect(distance).toMatch(/Cl–Na|Na–Cl/);
    expect(Number(/([\d.]+) Å/.exec(distance!)![1])).toBeCloseTo(a / 2, 3);
    await page.screenshot({ path: `${ARTIFACTS}generate-viewer-measure.png` });

    // Back to the results (kept while the app runs), select the first card, export it as CIF.
    await page.getByRole('link', { name: 'Generate' }).click();
    await expect.poll(() => cards.count()).toBe(8);
    await cards.nth(0).getByRole('checkbox').check();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: 'Export CIF' }).click()]);
    const path = `${ARTIFACTS}generated-export.cif`;
    await download.saveAs(path);
    expect(download.suggestedFilename()).toMatch(/\.cif$/);
    const parsed = readCifStructure(readFileSync(path, 'utf8'), { fileName: 'generated-export.cif' });
    expect(new Set(parsed.structure.sites.map((s) => s.species))).toEqual(new Set(['Na', 'Cl']));
    expect(parsed.structure.numSites).toBe(8);
    expect(detectSpaceGroup(parsed.structure, 0.01)).toBe(225);
    expect(parsed.structure.lattice.a).toBeCloseTo(a, 4);

    // The library lists the 8 crystals; the element filter and a space-group filter keep them.
    await page.getByRole('link', { name: 'Library' }).click();
    const rows = page.getByTestId('library-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(8);
    await page.getByRole('textbox', { name: 'Contains elements' }).fill('na cl');
    await page.getByRole('textbox', { name: 'Space group found' }).fill('225');
    await expect.poll(() => rows.count()).toBe(8);
    await page.screenshot({ path: `${ARTIFACTS}library.png`, fullPage: true });
    await page.getByRole('textbox', { name: 'Contains elements' }).fill('na cl o');
    await expect.poll(() => page.locator('.library-table-panel').textContent()).toContain('No structure matches');
    expect(app.session.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('cancels an unprompted run from the training distribution and keeps what was sampled', async () => {
    const REQUESTED = 50_000;
    const { page } = app.session;
    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByRole('checkbox', { name: /Any space group, drawn from the model's training distribution/ }).check();
    await expect.poll(() => page.locator('.wyckoff-panel').textContent()).toContain('Not used');
    // Far more than can be made before the Cancel click lands (minutes of work), so the test never depends on which wins.
    await page.getByRole('spinbutton', { name: 'Samples' }).fill(String(REQUESTED));
    await page.getByRole('textbox', { name: 'Seed' }).fill('9');
    const countRows = () => {
      const library = openLibrary(app.workspace, { readonly: true });
      try {
        return library.countStructures();
      } finally {
        library.close();
      }
    };
    const before = countRows();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const cards = page.getByTestId('result-card');
    await expect.poll(() => cards.count(), { timeout: 90_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toContain('Run cancelled');
    // The run stopped early: fewer crystals than requested, and the run record says how many.
    const library = openLibrary(app.workspace, { readonly: true });
    let run: ReturnType<typeof library.listRuns>[number];
    try {
      const cancelled = library.listRuns({ kind: 'generate', status: 'cancelled' });
      expect(cancelled).toHaveLength(1);
      run = cancelled[0]!;
    } finally {
      library.close();
    }
    const counts = run.config.counts as { generated: number; stored: number };
    expect(run.error).toBe(`cancelled by the user after ${counts.generated} crystals`);
    expect(counts.generated).toBeGreaterThan(0);
    expect(counts.generated).toBeLessThan(REQUESTED);
    console.log(`cancelled after ${counts.generated} of ${REQUESTED} crystals (${counts.stored} stored)`);
    // Every crystal that came back is a card (the grid draws at most 500), and each one names its requested group:
    // unprompted, the requested groups vary.
    const shown = await cards.count();
    expect(shown).toBe(Math.min(counts.generated, 500));
    for (const text of await cards.allTextContents()) expect(text).toMatch(/SG \d+ → (\d+|\?)/);
    // Every built crystal is in the library; the cancelled run left nothing half-written.
    expect(countRows() - before).toBe(counts.stored);
    if (counts.generated <= 500) expect(await page.locator('.result-card .thumb-button').count()).toBe(counts.stored);
    await page.screenshot({ path: `${ARTIFACTS}generate-cancelled.png` });
  });
});
