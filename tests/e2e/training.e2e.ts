/**
 * Training from the app (issue 16, item 9) in a real browser against `cfstudio serve`: a workspace folder of CIF
 * files (rock salt and CsCl cells, and one broken file) becomes a dataset in the Training view, which names the
 * broken file and its line; the shipped model is fine-tuned on it for two epochs (the run finishes with a
 * checkpoint and a validation NLL); a folder that is not a prepared dataset fails in words, not "ENOENT
 * manifest.json"; and no field complains before the user typed in it. No console errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeOwnStructuresFolder } from '../../scripts/own-structures.ts';
import { BROKEN_CIF } from '../host/fixtures.ts';
import { ARTIFACTS, chromiumMissing, openApp, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

describe.skipIf(chromiumMissing)('training from the app (browser mode)', () => {
  const app = useBrowserMode('training', { width: 1440, height: 1100 });

  beforeAll(async () => {
    const folder = join(app.workspace, 'my-structures');
    await writeOwnStructuresFolder(folder, 30);
    writeFileSync(join(folder, 'broken.cif'), BROKEN_CIF);
  });

  it('prepares a dataset from a folder, naming the broken file, then fine-tunes the shipped model on it', async () => {
    const page = await openApp(app, '#/training');
    const dataset = page.getByRole('region', { name: 'Prepare a dataset' });
    const runForm = page.getByRole('region', { name: 'Training run' });
    await expect.poll(() => dataset.getByRole('button', { name: 'Prepare dataset' }).isVisible(), { timeout: 30_000 }).toBe(true);
    // Nothing typed yet: no field is "wrong".
    expect(await page.locator('.training-view .error').count()).toBe(0);
    // A field's message appears once it was edited (here: typed, then emptied).
    const folder = dataset.getByRole('textbox', { name: 'Folder', exact: true });
    await folder.fill('x');
    await folder.fill('');
    await expect.poll(() => dataset.locator('.error').allTextContents()).toEqual([expect.stringContaining('Folder: the workspace folder holding your CIF/POSCAR files')]);
    expect(await runForm.locator('.error').count()).toBe(0);

    await folder.fill('my-structures');
    await dataset.getByRole('textbox', { name: 'Dataset folder' }).fill('datasets/mine');
    await dataset.getByRole('spinbutton', { name: 'Validation share (%)' }).fill('25');
    await dataset.getByRole('button', { name: 'Prepare dataset' }).click();
    const outcome = page.getByTestId('dataset-outcome');
    await expect.poll(() => outcome.textContent().catch(() => null), { timeout: 120_000 }).toMatch(/Prepared \d+ of 31 structures/);
    const skipped = page.getByTestId('dataset-skipped');
    expect(await skipped.count()).toBeGreaterThanOrEqual(1);
    const broken = (await skipped.allTextContents()).find((t) => t.startsWith('broken.cif'));
    expect(broken).toMatch(/^broken\.cifparse errorline 3: _cell_length_a is 'abc', not a number$/);
    // The prepared folder became the training data.
    expect(await runForm.getByRole('textbox', { name: 'Training data' }).inputValue()).toBe('datasets/mine');
    await page.screenshot({ path: `${ARTIFACTS}training-dataset.png` });

    // Fine-tune the shipped model (the default mode) for two epochs in batches of 8.
    expect(await runForm.getByRole('radio', { name: /a trained model/ }).isChecked()).toBe(true);
    await expect.poll(() => runForm.getByRole('combobox', { name: 'Model' }).inputValue(), { timeout: 30_000 }).toBe('default');
    await runForm.getByRole('textbox', { name: 'Run folder' }).fill('runs/mine');
    await runForm.getByRole('spinbutton', { name: 'Epochs' }).fill('2');
    await runForm.getByRole('spinbutton', { name: 'Batch size' }).fill('8');
    await runForm.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => page.getByTestId('training-outcome').textContent().catch(() => null), { timeout: 240_000 }).toMatch(/^Finished at step \d+ \(epoch 2\)/);
    const text = (await page.getByTestId('training-outcome').textContent())!;
    expect(text).toMatch(/best validation NLL [\d.]+ nats\/crystal; [1-9]\d* checkpoints? in .*runs\/mine/);
    expect(Number(await page.getByTestId('training-chart').getAttribute('data-points'))).toBeGreaterThan(1);
    await page.screenshot({ path: `${ARTIFACTS}training-finetune.png` });
  }, 400_000);

  it('says in words that a folder of CIF files is not a prepared dataset', async () => {
    const page = await openApp(app, '#/training');
    const runForm = page.getByRole('region', { name: 'Training run' });
    await runForm.getByRole('textbox', { name: 'Training data' }).fill('my-structures');
    await runForm.getByRole('textbox', { name: 'Run folder' }).fill('runs/not-prepared');
    await runForm.getByRole('button', { name: 'Start training' }).click();
    const error = page.getByTestId('training-error');
    await expect.poll(() => error.textContent().catch(() => null), { timeout: 60_000 }).toMatch(/my-structures holds 31 structure files but is not a prepared dataset \(no manifest\.json\): prepare it first/);
    expect(await error.textContent()).not.toMatch(/ENOENT/);
    expect(app.session.errors).toEqual([]);
  }, 120_000);
});
