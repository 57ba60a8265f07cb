/**
 * The Settings view against the real browser-mode server: the providers of this onnxruntime build (cpu usable,
 * webgpu with its reason), and a saved preference that survives a reload because it lives in the workspace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumMissing, openApp, SKIP_REASON, useBrowserMode } from './browser.ts';

if (chromiumMissing) console.warn(SKIP_REASON);

describe.skipIf(chromiumMissing)('Settings view', () => {
  const app = useBrowserMode('settings');

  it('lists cpu as available and webgpu with its reason, and keeps a saved preference across a reload', async () => {
    const page = await openApp(app);
    await page.getByRole('link', { name: 'Settings' }).click();
    const cpuRow = page.locator('tr[data-provider="cpu"]');
    await expect.poll(() => cpuRow.locator('td').nth(1).textContent(), { timeout: 30_000 }).toBe('available');

    const webgpuRow = page.locator('tr[data-provider="webgpu"]');
    const webgpuReason = (await webgpuRow.locator('td').nth(2).textContent()) ?? '';
    expect(webgpuReason.length).toBeGreaterThan(0);
    // Independent of our code: whether this onnxruntime build lists webgpu for the platform.
    const listed = ort.listSupportedBackends().some((b) => b.name === 'webgpu');
    if (!listed) expect(await webgpuRow.locator('td').nth(1).textContent()).toBe('unavailable');
    expect(await page.locator('tr[data-workload]').count()).toBe(4);

    const input = page.getByRole('combobox', { name: 'Providers' });
    expect(await input.inputValue()).toBe('auto');
    await input.fill('cpu');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).textContent()).toBe('Saved: cpu');
    expect(JSON.parse(readFileSync(join(app.workspace, 'settings.json'), 'utf8'))).toEqual({ providers: 'cpu' });
    // With a list of just cpu, every workload runs on it.
    expect(await page.locator('tr[data-workload] td:nth-child(2)').allTextContents()).toEqual(['cpu', 'cpu', 'cpu', 'cpu']);

    await page.reload();
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('combobox', { name: 'Providers' }).inputValue(), { timeout: 30_000 }).toBe('cpu');

    // An unknown name is refused with the CLI's message, and the stored choice stays.
    await page.getByRole('combobox', { name: 'Providers' }).fill('gpu');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/unknown execution provider 'gpu'/);
    expect(JSON.parse(readFileSync(join(app.workspace, 'settings.json'), 'utf8'))).toEqual({ providers: 'cpu' });

    await page.screenshot({ path: `${ARTIFACTS}settings.png`, fullPage: true });
    // The refused save answers with an HTTP error the browser may log; nothing else may.
    expect(app.session.errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});
