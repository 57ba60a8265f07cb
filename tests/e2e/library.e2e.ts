/**
 * Plausibility at a glance and the library (issue #16 items 3 and 4) in a real browser against `cfstudio serve`
 * (real server, engine host, shipped model). The workspace library is seeded with known crystals: rock salt
 * (a = 5.64 Å, from a generate run with its prompt), the same rock salt squeezed to 0.62 Å Na–Cl contacts (passes
 * the 0.5 Å rule, so "valid"), a fine-tuning (RL) row with a reward and a predicted band gap ± its band, and an
 * MCMC MgCl row whose charges cannot balance. The Library view shows each one's thumbnail, a, density, plausibility
 * (the squeezed one implausible with a clash, rock salt Na⁺ Cl⁻), reward, prediction ±, run and prompt and
 * source; sorts by the column headers; filters by plausibility, source and tag; imports CIF/POSCAR files (the
 * primitive cell of the stored rock salt is skipped as a duplicate); tags, exports as CIF zip, POSCAR zip,
 * extended XYZ and JSON (each read back), and deletes. Then a small rock-salt generation: every card carries the
 * plausibility of its library row, and "plausible only" keeps exactly the plausible ones. No console errors.
 */
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { writeCifP1 } from '../../shared/io/cif-writer.ts';
import { readPoscar, writePoscar } from '../../shared/io/poscar.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { ARTIFACTS, chromiumMissing, openApp, promptRockSalt, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

function rockSalt(a: number, cation = 'Na', anion = 'Cl'): Structure {
  const na: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const cl: Vec3[] = na.map(([x, y, z]) => [(x + 0.5) % 1, y, z]);
  return Structure.fromSpecies(Lattice.cubic(a), [...na.map(() => cation), ...cl.map(() => anion)], [...na, ...cl]);
}

function primitiveRockSalt(a: number): Structure {
  const h = a / 2;
  return Structure.fromSpecies(new Lattice([[0, h, h], [h, 0, h], [h, h, 0]]), ['Na', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
}

interface Seeded {
  halite: number;
  squeezed: number;
  rl: number;
  mcmc: number;
  rlRun: number;
}

function seed(workspace: string): Seeded {
  const library = openLibrary(workspace);
  try {
    const generate = library.createRun({ kind: 'generate', status: 'completed' });
    const prompt = library.addPrompt({ runId: generate.id, spaceGroup: 225, elements: ['Na', 'Cl'], spec: { wyckoff: { letters: ['a', 'b'], complete: true } } });
    const halite = library.addStructure({ structure: rockSalt(5.64), name: 'halite', runId: generate.id, promptId: prompt.id, spaceGroupRequested: 225, spaceGroupFound: 225, valid: true });
    // 0.62 Å ≥ 0.5 Å: structurally "valid", yet the atoms overlap.
    const squeezed = library.addStructure({ structure: rockSalt(1.24), name: 'squeezed', runId: generate.id, promptId: prompt.id, spaceGroupRequested: 225, spaceGroupFound: 225, valid: true });
    const finetune = library.createRun({ kind: 'finetune', name: 'finetune band gap', status: 'completed' });
    const rl = library.addStructure({
      structure: rockSalt(6.29, 'K'),
      source: 'rl',
      runId: finetune.id,
      spaceGroupFound: 225,
      valid: true,
      reward: 0.8125,
      properties: { band_gap: { value: 3.1, uncertainty: { halfWidth: 0.42, lower: 2.68, upper: 3.52 } } },
    });
    const mcmcRun = library.createRun({ kind: 'mcmc', status: 'completed' });
    const mcmc = library.addStructure({ structure: rockSalt(5.0, 'Mg', 'Cl'), source: 'mcmc', runId: mcmcRun.id, spaceGroupFound: 225, valid: true });
    return { halite, squeezed, rl, mcmc, rlRun: finetune.id };
  } finally {
    library.close();
  }
}

const rowOf = (page: Page, id: number) => page.locator(`[data-testid="library-row"][data-id="${id}"]`);

async function download(page: Page, format: string, name: string): Promise<{ fileName: string; path: string }> {
  await page.getByRole('combobox', { name: 'Export format' }).selectOption(format);
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('group', { name: 'Selected structures' }).getByRole('button', { name: /^Export/ }).click()]);
  const path = `${ARTIFACTS}library-export-${name}`;
  await file.saveAs(path);
  return { fileName: file.suggestedFilename(), path };
}

describe.skipIf(chromiumMissing)('the library and plausibility (browser mode)', () => {
  const app = useBrowserMode('library', { width: 1600, height: 1000 });
  let ids: Seeded;
  beforeAll(async () => {
    await initSymmetry();
    ids = seed(app.workspace);
  });

  it('shows what decides each crystal, sorts, filters, imports without duplicates, tags, exports and deletes', async () => {
    // Browser mode redirects to its own URL, dropping a hash: open the view by its link.
    const page = await openApp(app);
    await page.getByRole('link', { name: 'Library' }).click();
    const rows = page.getByTestId('library-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(4);
    // Thumbnails come from the rows' CIFs.
    await expect.poll(() => page.locator('.library-table .thumb-cell svg').count(), { timeout: 30_000 }).toBe(4);

    // Rock salt: plausible, Na⁺ Cl⁻, halite's density (2.165 g/cm³, CRC), a = 5.640 Å, its run and prompt.
    const halite = rowOf(page, ids.halite);
    expect(await halite.getByTestId('plausibility').getAttribute('data-plausible')).toBe('true');
    expect(await halite.getByTestId('charge-balance').textContent()).toBe('Na⁺ Cl⁻');
    expect(await halite.getByTestId('library-density').textContent()).toBe('2.16');
    expect(await halite.locator('td').nth(5).textContent()).toBe('5.640');
    expect(await halite.getByTestId('library-run').textContent()).toMatch(/generate #\d+SG 225 · a b · Na Cl/);
    // The 0.62 Å crystal: not green, a clash.
    const squeezed = rowOf(page, ids.squeezed);
    expect(await squeezed.getByTestId('plausibility').getAttribute('data-plausible')).toBe('false');
    expect(await squeezed.getByTestId('plausibility-verdict').getAttribute('class')).toContain('bad');
    expect(await squeezed.getByTestId('contact-ratio').getAttribute('data-level')).toBe('clash');
    expect(await squeezed.getByTestId('contact-ratio').textContent()).toBe(`d/Σr ${(0.62 / 2.8).toFixed(2)}`);
    // The RL row: its own source, reward, prediction with its band.
    const rl = rowOf(page, ids.rl);
    expect(await rl.getByTestId('library-source').textContent()).toBe('RL');
    expect(await rl.getByTestId('library-run').textContent()).toBe(`RL #${ids.rlRun}`);
    expect(await rl.getByTestId('library-reward').textContent()).toBe('0.813');
    expect(await rl.getByTestId('library-properties').textContent()).toBe('band gap 3.10 ± 0.42 eV');
    // MgCl cannot balance (Mg²⁺, Cl⁻).
    expect(await rowOf(page, ids.mcmc).getByTestId('charge-balance').textContent()).toBe('not charge balanced');
    expect(await rowOf(page, ids.mcmc).getByTestId('library-source').textContent()).toBe('MCMC');
    await page.screenshot({ path: `${ARTIFACTS}library-columns.png` });

    // Sort by the density header (descending first, then ascending).
    const header = page.getByRole('button', { name: /^ρ \(g\/cm³\)/ });
    await header.click();
    const densities = async () => (await rows.getByTestId('library-density').allTextContents()).map(Number);
    const sortedBy = async (order: 1 | -1) => {
      const d = await densities();
      return d.length === 4 && d[0] !== d[3] && d.join() === [...d].sort((p, q) => order * (p - q)).join();
    };
    await expect.poll(() => sortedBy(-1)).toBe(true);
    await header.click();
    await expect.poll(() => sortedBy(1)).toBe(true);

    // Filters: plausibility, source.
    const plausibility = page.getByRole('combobox', { name: 'Plausibility' });
    await plausibility.selectOption('too-close');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(String(ids.squeezed));
    await plausibility.selectOption('plausible');
    await expect.poll(async () => (await rows.evaluateAll((list) => list.map((r) => r.getAttribute('data-id')))).sort().join()).toBe([ids.halite, ids.rl].map(String).sort().join());
    await plausibility.selectOption('any');
    await page.getByRole('combobox', { name: 'Source' }).selectOption('rl');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('combobox', { name: 'Source' }).selectOption('');
    await expect.poll(() => rows.count()).toBe(4);

    // Import: the primitive cell of the stored rock salt is a duplicate; CsCl-type CsCl is new; a broken file fails.
    const cscl = Structure.fromSpecies(Lattice.cubic(4.12), ['Cs', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    await page.getByLabel('Import CIF or POSCAR files').setInputFiles([
      { name: 'NaCl-primitive.vasp', mimeType: 'text/plain', buffer: Buffer.from(writePoscar(primitiveRockSalt(5.64))) },
      { name: 'CsCl.cif', mimeType: 'text/plain', buffer: Buffer.from(writeCifP1(cscl, { dataName: 'CsCl' })) },
      { name: 'broken.cif', mimeType: 'text/plain', buffer: Buffer.from('data_x\n_cell_length_a 3\n') },
    ]);
    const message = page.getByTestId('library-message');
    await expect.poll(() => message.textContent().catch(() => ''), { timeout: 120_000 }).toMatch(/^Imported 1 structure; skipped 1 already in the library \(NaCl-primitive\.vasp = #(\d+)\); 1 failed/);
    expect(await message.textContent()).toContain(`= #${ids.halite})`);
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(5);
    const library = openLibrary(app.workspace, { readonly: true });
    const csclId = library.queryStructures({ source: 'imported' }).rows[0]!.id;
    library.close();
    expect(await rowOf(page, csclId).getByTestId('library-source').textContent()).toBe('imported');

    // Tags: tag CsCl and rock salt 'keep', filter by it, untag rock salt.
    const select = (id: number) => page.getByRole('checkbox', { name: `Select structure ${id}` }).check();
    await select(csclId);
    await select(ids.halite);
    await page.getByLabel('Tags to add or remove').fill('keep');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => rowOf(page, csclId).getByTestId('library-tags').textContent()).toBe('keep');
    await page.getByLabel('Has tags').fill('keep');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByRole('checkbox', { name: `Select structure ${csclId}` }).uncheck();
    await page.getByRole('button', { name: 'Remove tag' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Has tags').fill('');
    await expect.poll(() => rows.count()).toBe(5);

    // Export rock salt and CsCl in every format and read each back.
    await select(csclId);
    const cif = await download(page, 'zip', 'cif.zip');
    expect(cif.fileName).toBe('structures.zip');
    const cifZip = unzipSync(new Uint8Array(readFileSync(cif.path)));
    const cifNames = Object.keys(cifZip).filter((n) => n.endsWith('.cif')).sort();
    expect(cifNames).toHaveLength(2);
    expect(cifNames.map((n) => readCifStructure(strFromU8(cifZip[n]!)).structure.numSites).sort()).toEqual([2, 8]);
    const poscar = await download(page, 'poscar-zip', 'poscar.zip');
    expect(poscar.fileName).toBe('structures-poscar.zip');
    const poscarZip = unzipSync(new Uint8Array(readFileSync(poscar.path)));
    const vasp = Object.keys(poscarZip).filter((n) => n.endsWith('.vasp'));
    expect(vasp.map((n) => readPoscar(strFromU8(poscarZip[n]!)).structure.numSites).sort()).toEqual([2, 8]);
    const xyz = await download(page, 'extxyz', 'structures.extxyz');
    expect(xyz.fileName).toBe('structures.extxyz');
    const xyzLines = readFileSync(xyz.path, 'utf8').trimEnd().split('\n');
    // Two frames: 8 + 2 atoms, each with a count and a comment line carrying the cell.
    expect(xyzLines).toHaveLength(8 + 2 + 2 * 2);
    expect(xyzLines.filter((l) => l.startsWith('Lattice="'))).toHaveLength(2);
    const json = await download(page, 'json', 'structures.json');
    const document = JSON.parse(readFileSync(json.path, 'utf8')) as { structures: { id: number; structure: { species: string[] } }[] };
    expect(document.structures.map((s) => s.id).sort((p, q) => p - q)).toEqual([ids.halite, csclId].sort((p, q) => p - q));

    // Delete the squeezed crystal (asked twice).
    await page.getByRole('checkbox', { name: `Select structure ${ids.halite}` }).uncheck();
    await page.getByRole('checkbox', { name: `Select structure ${csclId}` }).uncheck();
    await select(ids.squeezed);
    await page.getByRole('button', { name: 'Delete 1…' }).click();
    await page.getByRole('button', { name: 'Delete 1 for good' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    const after = openLibrary(app.workspace, { readonly: true });
    expect(after.getStructure(ids.squeezed)).toBeUndefined();
    after.close();
    await page.screenshot({ path: `${ARTIFACTS}library-after.png` });
    expect(app.session.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('puts each generated crystal\'s plausibility on its card and filters the plausible ones', async () => {
    const { page } = app.session;
    await page.getByRole('link', { name: 'Generate' }).click();
    await promptRockSalt(page);
    await page.getByRole('spinbutton', { name: 'Samples' }).fill('6');
    await page.getByRole('textbox', { name: 'Seed' }).fill('11');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const cards = page.getByTestId('result-card');
    await expect.poll(() => cards.count(), { timeout: 180_000 }).toBe(6);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 }).toContain('Run completed (seed 11)');

    // Each card's contact ratio and verdict are its library row's.
    const library = openLibrary(app.workspace, { readonly: true });
    const generated = library.queryStructures({ source: 'generated', runId: library.listRuns({ kind: 'generate' })[0]!.id, limit: 100 }).rows;
    library.close();
    expect(generated).toHaveLength(6);
    const expectedRatios = generated.map((r) => r.plausibility!.contactRatio!.toFixed(2)).sort();
    const shownRatios = (await cards.getByTestId('contact-ratio').allTextContents()).map((t) => t.replace('d/Σr ', '')).sort();
    expect(shownRatios).toEqual(expectedRatios);
    const plausibleCount = generated.filter((r) => r.plausibility!.contactsPlausible && r.plausibility!.chargeBalanced).length;
    // Every sample is NaCl: Na⁺ Cl⁻ on every card.
    for (const text of await cards.getByTestId('charge-balance').allTextContents()) expect(text).toBe('Na⁺ Cl⁻');

    await page.getByRole('checkbox', { name: 'plausible only' }).check();
    await expect.poll(() => cards.count()).toBe(plausibleCount);
    await page.getByRole('checkbox', { name: 'plausible only' }).uncheck();
    await page.getByRole('combobox', { name: 'Sort results' }).selectOption('contactRatio');
    await expect.poll(async () => {
      const shown = (await cards.getByTestId('contact-ratio').allTextContents()).map((t) => Number(t.replace('d/Σr ', '')));
      return shown.join() === [...shown].sort((p, q) => q - p).join();
    }).toBe(true);
    await page.getByRole('region', { name: 'Results' }).screenshot({ path: `${ARTIFACTS}results-plausibility.png` });
    expect(app.session.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
