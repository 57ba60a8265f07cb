/**
 * The renderer in a real browser: the prompt builder against the space-group tables (ITA facts), the viewer
 * against known crystal geometry (rock salt: Na–Cl = a/2, Cl–Na–Cl = 90°), PNG export size, and a screenshot of
 * every main view in test-artifacts/ for a person to look at.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, chromiumMissing, openBrowser, SKIP_REASON, type BrowserSession } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

/** Share of pixels in a PNG screenshot region that are not (near) white: a drawn structure covers a good part. */
async function inkFraction(session: BrowserSession, selector: string): Promise<number> {
  const png = await session.page.locator(selector).screenshot();
  return session.page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, image.width, image.height).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i]! < 235 || data[i + 1]! < 235 || data[i + 2]! < 235) ink++;
    return ink / (data.length / 4);
  }, png.toString('base64'));
}

function pngSize(bytes: Buffer): { width: number; height: number } {
  // PNG: 8-byte signature, then the IHDR chunk whose data starts with width and height (big-endian).
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe.skipIf(chromiumMissing)('renderer in Chromium', () => {
  let session: BrowserSession;
  let url: string;

  beforeAll(async () => {
    url = inject('rendererUrl');
    session = await openBrowser();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('builds a Wyckoff prompt for Fm-3m under the model rules', async () => {
    const { page } = session;
    await page.goto(`${url}#/generate`);
    const options = page.getByRole('listbox', { name: 'Space groups' }).getByRole('option');
    await expect.poll(() => options.count(), { timeout: 30_000 }).toBe(230);

    await page.getByRole('combobox', { name: 'Space group' }).fill('fm-3m');
    await page.keyboard.press('Enter');
    // Fm-3m (225) has 12 Wyckoff positions, 4a … 192l (ITA Vol. A).
    await expect.poll(() => page.locator('.wyckoff-table tbody tr').count()).toBe(12);
    const multiplicities = await page.locator('.wyckoff-table tbody tr td:nth-child(2)').allTextContents();
    expect(multiplicities.map(Number)).toEqual([4, 4, 8, 24, 24, 32, 48, 48, 48, 96, 96, 192]);

    await page.getByRole('button', { name: 'Add site 4a' }).click();
    await page.getByRole('button', { name: 'Add site 4b' }).click();
    await expect(page.getByTestId('atom-count').textContent()).resolves.toContain('8 atoms');
    // 4a and 4b have no free coordinate: neither can take a second site, and letters cannot go back to a.
    expect(await page.getByRole('button', { name: 'Add site 4a' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Add site 4b' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Add site 32f' }).isEnabled()).toBe(true);
    // 32f (x,x,x) has a free coordinate: it can be used twice.
    await page.getByRole('button', { name: 'Add site 32f' }).click();
    await page.getByRole('button', { name: 'Add site 32f' }).click();
    await expect(page.getByTestId('atom-count').textContent()).resolves.toContain('72 atoms');

    // Global element set by typing.
    const typed = page.getByPlaceholder('e.g. La Ni O').last();
    await typed.fill('na cl');
    await typed.press('Enter');
    await expect(page.getByRole('group', { name: 'Allowed elements' }).getByRole('button', { name: 'Na', exact: true }).getAttribute('aria-pressed')).resolves.toBe('true');

    // Without an engine, Run explains itself next to the button.
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('run-error').textContent()).resolves.toMatch(/model/i);
    await page.screenshot({ path: `${ARTIFACTS}generate.png`, fullPage: true });
  });

  it('draws rock salt and measures Na–Cl = a/2 and a right angle', async () => {
    const { page } = session;
    await page.goto(`${url}#/viewer?structure=nacl`);
    const meta = page.locator('.stage-meta');
    // One cell with the periodic images on faces, edges and corners: a 3×3×3 grid of 27 atoms, 54 nearest-neighbour bonds.
    await expect.poll(() => meta.textContent(), { timeout: 30_000 }).toContain('27 atoms, 54 bonds');
    await expect.poll(() => page.evaluate(() => (window as unknown as { __cfstudioViewerStats: { framesRendered: number } }).__cfstudioViewerStats.framesRendered)).toBeGreaterThan(0);
    expect(await inkFraction(session, '.canvas-host')).toBeGreaterThan(0.05);
    await page.screenshot({ path: `${ARTIFACTS}viewer-nacl.png` });

    // Look down c, then pick three atoms of the top face: Cl(½,0,1), Na(½,½,1), Cl(1,½,1).
    await page.getByRole('button', { name: 'c', exact: true }).click();
    const canvasBox = (await page.getByTestId('crystal-canvas').boundingBox())!;
    const screenOf = async (frac: [number, number, number]) => {
      const p = await page.evaluate((target) => {
        const handle = (window as unknown as { __cfstudioViewer: { atoms(): { frac: number[] }[]; controller(): { screenPosition(i: number): { x: number; y: number } | null } | null } }).__cfstudioViewer;
        const index = handle.atoms().findIndex((a) => a.frac.every((x, k) => Math.abs(x - target[k]!) < 1e-6));
        return index < 0 ? null : handle.controller()!.screenPosition(index);
      }, frac);
      expect(p, `atom at ${frac} is drawn`).not.toBeNull();
      return { x: canvasBox.x + p!.x, y: canvasBox.y + p!.y };
    };
    const first = await screenOf([0.5, 0, 1]);
    const vertex = await screenOf([0.5, 0.5, 1]);
    const last = await screenOf([1, 0.5, 1]);
    await page.mouse.click(first.x, first.y);
    await page.keyboard.down('Shift');
    await page.mouse.click(vertex.x, vertex.y);
    await page.mouse.click(last.x, last.y);
    await page.keyboard.up('Shift');
    const readout = page.getByTestId('selection-readout');
    await expect.poll(() => readout.textContent()).toContain('Wyckoff');
    const distance = await page.getByTestId('measure-distance').textContent();
    expect(distance).toContain('Cl–Na');
    expect(Number(/([\d.]+) Å/.exec(distance!)![1])).toBeCloseTo(5.64 / 2, 3);
    const angle = await page.getByTestId('measure-angle').textContent();
    expect(Number(/([\d.]+)°/.exec(angle!)![1])).toBeCloseTo(90, 2);
    await page.screenshot({ path: `${ARTIFACTS}viewer-measure.png` });

    // Escape on the focused canvas clears the selection.
    await page.getByTestId('crystal-canvas').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('selection-readout').count()).toBe(0);

    // Arrow keys rotate the focused view: the Na that was in the middle of the top face moves on screen.
    const before = await screenOf([0.5, 0.5, 1]);
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    const after = await screenOf([0.5, 0.5, 1]);
    expect(Math.hypot(after.x - before.x, after.y - before.y)).toBeGreaterThan(5);
    await page.screenshot({ path: `${ARTIFACTS}viewer-keyboard-focus.png` });

    // Perspective projection and a reciprocal-axis view: looking down c* = c here (cubic), the top-face atoms
    // (½,½,1) and (½,0,1) are again half a cell apart on screen, vertically.
    await page.getByRole('button', { name: 'Persp' }).click();
    expect(await page.getByRole('button', { name: 'Persp' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'c*' }).click();
    // The projection switch reaches the canvas's own React root a frame or two later, so wait for the view to settle.
    const separation = async () => {
      const centre = await screenOf([0.5, 0.5, 1]);
      const edge = await screenOf([0.5, 0, 1]);
      return { dx: Math.abs(centre.x - edge.x), dy: Math.abs(centre.y - edge.y) };
    };
    await expect.poll(async () => (await separation()).dx).toBeLessThan(1);
    expect((await separation()).dy).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Ortho' }).click();
  });

  it('exports a PNG at twice the canvas resolution, cut to the drawing, named after formula and group', async () => {
    const { page } = session;
    await page.goto(`${url}#/viewer?structure=zno&supercell=2,2,1&projection=perspective`);
    await expect.poll(() => page.locator('.stage-meta').textContent(), { timeout: 30_000 }).toMatch(/\d+ atoms/);
    // Wait until the canvas has taken its layout size (it starts at the HTML default of 300×150).
    await expect.poll(async () => (await page.locator('.canvas-host canvas').boundingBox())?.width ?? 0).toBeGreaterThan(400);
    await page.waitForTimeout(200);
    const canvas = (await page.locator('.canvas-host canvas').boundingBox())!;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'PNG 2×' }).click()]);
    const path = `${ARTIFACTS}export-zno.png`;
    await download.saveAs(path);
    expect(download.suggestedFilename()).toBe('ZnO_P6_3mc_186.png');
    const size = pngSize(readFileSync(path));
    // Rendered at the CSS size × device pixel ratio (1 here) × 2, then cut to the drawn pixels: never larger, and
    // the empty band around the crystal is gone in at least one direction.
    expect(size.width).toBeLessThanOrEqual(2 * canvas.width + 2);
    expect(size.height).toBeLessThanOrEqual(2 * canvas.height + 2);
    expect(Math.min(size.width / (2 * canvas.width), size.height / (2 * canvas.height))).toBeLessThan(0.95);
  });

  it('draws TiO6 octahedra in SrTiO3 and labels', async () => {
    const { page } = session;
    await page.goto(`${url}#/viewer?structure=srtio3&polyhedra=Ti&labels=element`);
    await expect.poll(() => page.locator('.stage-meta').textContent(), { timeout: 30_000 }).toMatch(/\d+ atoms/);
    await page.waitForTimeout(300);
    expect(await inkFraction(session, '.canvas-host')).toBeGreaterThan(0.05);
    await page.screenshot({ path: `${ARTIFACTS}viewer-srtio3-polyhedra.png` });
    await page.goto(`${url}#/viewer?structure=rutile&supercell=2,2,3&projection=perspective`);
    await expect.poll(() => page.locator('.stage-meta').textContent(), { timeout: 30_000 }).toMatch(/\d+ atoms/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${ARTIFACTS}viewer-rutile-supercell.png` });
  });

  it('opens a CIF (rutile, asymmetric unit + H-M symbol), finds its Wyckoff sites, and saves it back as CIF', async () => {
    const { page } = session;
    await page.goto(`${url}#/viewer`);
    // Rutile TiO2, P4_2/mnm (136): Ti on 2a, O on 4f (x, x, 0) — only the asymmetric unit is listed.
    const cif = [
      'data_rutile',
      '_cell_length_a 4.594',
      '_cell_length_b 4.594',
      '_cell_length_c 2.959',
      '_cell_angle_alpha 90',
      '_cell_angle_beta 90',
      '_cell_angle_gamma 90',
      "_symmetry_space_group_name_H-M 'P 42/m n m'",
      '_symmetry_Int_Tables_number 136',
      'loop_',
      '_atom_site_label',
      '_atom_site_type_symbol',
      '_atom_site_fract_x',
      '_atom_site_fract_y',
      '_atom_site_fract_z',
      'Ti1 Ti 0 0 0',
      'O1 O 0.3048 0.3048 0',
      '',
    ].join('\n');
    await page.locator('#open-structure-file').setInputFiles({ name: 'rutile.cif', mimeType: 'chemical/x-cif', buffer: Buffer.from(cif) });
    await expect.poll(() => page.locator('.stage-header h2').textContent(), { timeout: 30_000 }).toContain('(136)');
    expect(await page.locator('.stage-header h2').textContent()).toContain('TiO2');
    // 2 Ti + 4 O in the cell, plus images on the box: Ti at 8 corners + 1 centre, O at 4 + 2 face images.
    const legend = await page.locator('.legend').textContent();
    expect(legend).toMatch(/Ti\s*9/);
    expect(legend).toMatch(/O\s*6/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CIF (P1)', exact: true }).click()]);
    const saved = await download.path().then((p) => readFileSync(p, 'utf8'));
    expect(saved).toMatch(/_cell_length_a\s+4\.594/);
    // The saved P1 file lists the whole cell: 2 Ti and 4 O (atom lines start with the element symbol and a label).
    expect(saved.match(/^Ti Ti\d+ /gm)).toHaveLength(2);
    expect(saved.match(/^O O\d+ /gm)).toHaveLength(4);

    // A broken file is reported in place of the structure, naming the file.
    await page.locator('#open-structure-file').setInputFiles({ name: 'broken.cif', mimeType: 'chemical/x-cif', buffer: Buffer.from('data_x\n_cell_length_a 4\n') });
    await expect.poll(() => page.getByTestId('viewer-failure').textContent()).toContain('broken.cif');
    expect(await page.getByTestId('crystal-canvas').count()).toBe(0);
  });

  it('shows the planned views without made-up data', async () => {
    const { page } = session;
    // Without an engine (a static server), the Library says there is no workspace library rather than listing any.
    await page.goto(`${url}#/library`);
    await expect.poll(() => page.locator('.library-view').textContent()).toMatch(/No engine is connected/);
    expect(await page.getByTestId('library-row').count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}library-standalone.png` });
    // MCMC and Training are built; without an engine they say so and chart nothing.
    for (const view of ['mcmc', 'training']) {
      await page.goto(`${url}#/${view}`);
      await expect.poll(() => page.locator('.dashboard').textContent()).toMatch(/No engine is connected/);
      expect(await page.locator('.live-chart').getAttribute('data-points')).toBe('0');
    }
    // RL is built too: without an engine it says so and charts nothing.
    await page.goto(`${url}#/rl`);
    await expect.poll(() => page.locator('.dashboard').textContent()).toMatch(/No engine is connected/);
    expect(await page.getByTestId('rl-reward-chart').getAttribute('data-points')).toBe('0');
    await page.screenshot({ path: `${ARTIFACTS}rl.png` });
    // Alt+2 switches to the Viewer from anywhere, back to the structure last shown there (the rutile file opened above).
    await page.keyboard.press('Alt+2');
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/viewer?structure=file%3A1');
    expect(session.errors).toEqual([]);
  });
});
