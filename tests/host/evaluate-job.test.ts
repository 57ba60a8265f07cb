// The 'evaluate' job in the real engine host: on textbook crystals (where the answer is known independently) and
// on a folder the 'generate' job has just written with the shipped model (where only invariants can be checked).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationSummary, JobResult } from '../../shared/api/jobs.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { CSCL, NACL } from './fixtures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-evaluate-'));
const supervisor = new JobSupervisor({
  workspace,
  // The reference CSV's parse cache goes into the test's own folder, not the user's ~/.cache.
  launcher: nodeHostLauncher({ forwardStderr: false, env: { CFSTUDIO_CACHE_DIR: join(workspace, 'cache') } }),
  onEvent: () => {},
  log: () => {},
});

beforeAll(async () => {
  await supervisor.start();
});
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

const inUnitInterval = (rate: number | null) => rate === null || (rate >= 0 && rate <= 1);

describe('evaluate job', () => {
  it('scores known crystals: duplicates are not unique, a crystal in the reference is not novel', async () => {
    const dir = join(workspace, 'known');
    mkdirSync(dir);
    // NaCl twice (the second a 2 % larger cell, which the structure matcher treats as the same crystal) and CsCl.
    writeFileSync(join(dir, '1-NaCl.cif'), NACL.cif);
    writeFileSync(join(dir, '2-NaCl.cif'), NACL.cif.replaceAll('5.6402', '5.7530'));
    writeFileSync(join(dir, '3-CsCl.cif'), CSCL.cif);
    const reference = join(workspace, 'reference.csv');
    writeFileSync(reference, `material_id,cif\nref-nacl,"${NACL.cif}"\n`);
    const job = await supervisor.waitFor(supervisor.submit('evaluate', { dir: 'known', reference }).id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const summary = job.result as EvaluationSummary;
    expect(summary.count).toBe(3);
    expect(summary.unreadable).toBe(0);
    // Ionic, charge-balanced and no atoms closer than 0.5 Å: all valid.
    expect(summary.validity.structural).toEqual({ count: 3, total: 3, rate: 1 });
    expect(summary.validity.compositional).toEqual({ count: 3, total: 3, rate: 1 });
    expect(summary.uniqueness.unique.count).toBe(2);
    expect(summary.novelty).not.toBeNull();
    expect(summary.novelty!.referenceSize).toBe(1);
    expect(summary.novelty!.novel.count).toBe(1);
    // The full report was written into the job folder.
    const report = JSON.parse(readFileSync(summary.reportPath, 'utf8')) as { count: number };
    expect(summary.reportPath.startsWith(job.outputDir)).toBe(true);
    expect(report.count).toBe(3);
  }, 60_000);

  it('relaxes the valid crystals with the stability option and reports S.U.N. over every sample', async () => {
    const dir = join(workspace, 'known-stability');
    mkdirSync(dir);
    writeFileSync(join(dir, '1-NaCl.cif'), NACL.cif);
    writeFileSync(join(dir, '2-CsCl.cif'), CSCL.cif);
    const reference = join(workspace, 'reference-stability.csv');
    writeFileSync(reference, `material_id,cif\nref-nacl,"${NACL.cif}"\n`);
    const job = await supervisor.waitFor(supervisor.submit('evaluate', { dir: 'known-stability', reference, stability: true, maxSteps: 200, stableThreshold: 0.08 }).id);
    expect(job.error).toBeUndefined();
    const summary = job.result as EvaluationSummary;
    expect(summary.physicallyPlausible).toEqual({ count: 2, total: 2, rate: 1 });
    const stability = summary.stability!;
    expect(stability.potential).toMatch(/M3GNet/);
    expect(stability.protocol.join(' ')).toMatch(/partial reference hull/);
    expect(stability.relaxed).toBe(2);
    expect(stability.stableThreshold).toBe(0.08);
    expect(stability.eHullShares.map((share) => share.threshold)).toEqual([0, 0.08, 0.1]);
    // NaCl is in the reference, so at most CsCl can be S.U.N.; the rate is over both samples.
    expect(stability.sun.total).toBe(2);
    expect(stability.sun.count).toBeLessThanOrEqual(Math.min(1, stability.eHullShares.find((share) => share.threshold === 0.08)!.rate.count));
    const report = JSON.parse(readFileSync(summary.reportPath, 'utf8')) as { stability: { samples: { name: string; novel: boolean; sun: boolean }[] } };
    expect(report.stability.samples.find((s) => s.name === '1-NaCl.cif')).toMatchObject({ novel: false, sun: false });
  }, 300_000);

  it('evaluates a folder written by the generate job with counts that agree with the sampler', async () => {
    const generated = await supervisor.waitFor(supervisor.submit('generate', { spaceGroups: [225, 221, 139], n: 6, seed: 11, batchSize: 6 }).id);
    expect(generated.status).toBe('completed');
    const gen = generated.result as JobResult<'generate'>;
    const job = await supervisor.waitFor(supervisor.submit('evaluate', { dir: generated.outputDir }).id);
    expect(job.error).toBeUndefined();
    const summary = job.result as EvaluationSummary;
    // Every sampled crystal is counted exactly once: evaluated (a CIF), unreadable or unbuilt.
    expect(summary.count + summary.unreadable + summary.unbuilt).toBe(6);
    expect(summary.count).toBe(gen.stored);
    expect(summary.novelty).toBeNull();
    const rates = [summary.validity.structural, summary.validity.compositional, summary.validity.valid, summary.validity.validOverAllSamples, summary.spaceGroup.matchesRequested, summary.spaceGroup.p1, summary.uniqueness.unique];
    for (const rate of rates) {
      expect(inUnitInterval(rate.rate)).toBe(true);
      expect(rate.count).toBeLessThanOrEqual(rate.total);
    }
    expect(summary.validity.structural.total).toBe(summary.count);
    expect(summary.validity.valid.count).toBeLessThanOrEqual(Math.min(summary.validity.structural.count, summary.validity.compositional.count));
    expect(summary.validity.validOverAllSamples.total).toBe(6);
    // samples.jsonl gives the requested group of each crystal, so all of them are compared.
    expect(summary.spaceGroup.matchesRequested.total + summary.spaceGroup.failed).toBe(summary.count);
    expect(summary.uniqueness.unique.count).toBe(summary.uniqueness.groups);
    expect(summary.uniqueness.unique.count).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('refuses a folder outside the workspace at submit; fails with a readable reason for a missing folder or a bad reference', async () => {
    expect(() => supervisor.submit('evaluate', { dir: tmpdir() })).toThrow(/params\.dir: .* is outside the workspace/);
    const missing = await supervisor.waitFor(supervisor.submit('evaluate', { dir: 'no-such-folder' }).id);
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/no-such-folder: no such directory/);
    const badReference = await supervisor.waitFor(supervisor.submit('evaluate', { dir: 'known', reference: join(workspace, 'nope.csv') }).id);
    expect(badReference.status).toBe('failed');
    expect(badReference.error).toMatch(/reference: .*nope\.csv: no such file/);
    expect(() => supervisor.submit('evaluate', { dir: 'known', symprec: -1 })).toThrow(/params\.symprec/);
  }, 60_000);
});
