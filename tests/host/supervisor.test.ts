// The job supervisor driving the real engine host process (a Node child running electron/host/main.ts through
// tsx) with the real 'analyze-structures' job: results against known crystals, queueing, cancellation, and
// recovery after the host is killed with SIGKILL.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api/contract.ts';
import type { AnalyzedStructure, JobInfo } from '../../shared/api/jobs.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { BROKEN_CIF, CSCL, NACL, SILICON, bigSupercellCif, until } from './fixtures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-host-'));
const events: ApiEvent[] = [];
const log: string[] = [];
const supervisor = new JobSupervisor({
  workspace,
  launcher: nodeHostLauncher({ forwardStderr: false }),
  onEvent: (event) => events.push(event),
  log: (line) => log.push(line),
});

/** Many copies of NaCl: enough work (a few seconds) to cancel or kill a job while it runs. */
const manyCopies = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `NaCl-${i}.cif`, text: NACL.cif }));

beforeAll(async () => {
  await supervisor.start();
});
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('engine host jobs', () => {
  it('analyses known crystals, streams one output per structure, and reports a broken file with its line', async () => {
    const job = supervisor.submit('analyze-structures', {
      sources: [NACL, CSCL, SILICON].map((c) => ({ name: `${c.name}.cif`, text: c.cif })).concat([{ name: 'broken.cif', text: BROKEN_CIF }]),
    });
    expect(job.status === 'queued' || job.status === 'running').toBe(true);
    const done = await supervisor.waitFor(job.id);
    expect(done.status).toBe('completed');
    expect(done.result).toEqual({ analyzed: 3, failed: 1 });
    const outputs = supervisor.outputs(job.id) as AnalyzedStructure[];
    expect(outputs).toHaveLength(4);
    const [nacl, cscl, si, broken] = outputs;
    expect(nacl).toMatchObject({ ok: true, spaceGroup: NACL.spaceGroup, wyckoffLabel: NACL.wyckoffLabel, reducedFormula: 'NaCl', numSites: 8, symbol: 'Fm-3m' });
    // CsCl's two orbits 1a/1b are exchanged by an origin shift, so only the group is fixed.
    expect(cscl).toMatchObject({ ok: true, spaceGroup: CSCL.spaceGroup, reducedFormula: 'CsCl', numSites: 2 });
    expect(si).toMatchObject({ ok: true, spaceGroup: SILICON.spaceGroup, wyckoffLabel: SILICON.wyckoffLabel, numSites: 8 });
    expect(broken).toMatchObject({ ok: false, source: 'broken.cif' });
    expect((broken as { error: string }).error).toMatch(/broken\.cif:3:.*_cell_length_a/);
    // Streamed as events, in order, and the finished record is on disk.
    const streamed = events.filter((e): e is Extract<ApiEvent, { type: 'job-output' }> => e.type === 'job-output' && e.jobId === job.id);
    expect(streamed.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    const record = JSON.parse(readFileSync(join(done.outputDir, 'job.json'), 'utf8')) as JobInfo;
    expect(record.status).toBe('completed');
  });

  it('rejects unknown job types and invalid parameters before anything is queued', () => {
    const before = supervisor.list().length;
    expect(() => supervisor.submit('format-disk', {})).toThrow(/unknown job type 'format-disk'/);
    expect(() => supervisor.submit('analyze-structures', { sources: [] })).toThrow(/params\.sources/);
    expect(() => supervisor.submit('analyze-structures', { sources: [{ path: 42 }] })).toThrow(/params\.sources/);
    expect(() => supervisor.submit('analyze-structures', { sources: [{ name: 'a.cif', text: NACL.cif }], symprec: -1 })).toThrow(/symprec/);
    expect(supervisor.list().length).toBe(before);
  });

  it('fails a job whose file does not exist with a readable reason', async () => {
    const missing = join(workspace, 'no-such-file.cif');
    const job = supervisor.submit('analyze-structures', { sources: [{ path: missing }] });
    const done = await supervisor.waitFor(job.id);
    expect(done.status).toBe('completed');
    expect(supervisor.outputs(job.id)).toEqual([{ ok: false, source: missing, error: `${missing}: no such file` }]);
  });

  it('runs one heavy job at a time: the second waits in the queue, and a queued job can be cancelled', async () => {
    const first = supervisor.submit('analyze-structures', { sources: manyCopies(60) });
    const second = supervisor.submit('analyze-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] });
    const third = supervisor.submit('analyze-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] });
    expect(supervisor.get(second.id).status).toBe('queued');
    const cancelled = supervisor.cancel(third.id);
    expect(cancelled.status).toBe('cancelled');
    const [a, b] = await Promise.all([supervisor.waitFor(first.id), supervisor.waitFor(second.id)]);
    expect(a.status).toBe('completed');
    expect(b.status).toBe('completed');
    expect(b.startedAt!).toBeGreaterThanOrEqual(a.finishedAt!);
    expect(supervisor.outputs(third.id)).toEqual([]);
    expect(() => supervisor.cancel(third.id)).toThrow(/already been cancelled/);
  });

  it('cancels a long running job: it stops early and ends as cancelled', async () => {
    const total = 3000;
    const job = supervisor.submit('analyze-structures', { sources: manyCopies(total) });
    await until(() => supervisor.get(job.id).outputCount >= 5, 30_000);
    supervisor.cancel(job.id);
    const done = await supervisor.waitFor(job.id);
    expect(done.status).toBe('cancelled');
    expect(done.outputCount).toBeGreaterThanOrEqual(5);
    expect(done.outputCount).toBeLessThan(total);
    // The host is still the same healthy process and takes new work.
    const next = supervisor.submit('analyze-structures', { sources: [{ name: 'Si.cif', text: SILICON.cif }] });
    expect((await supervisor.waitFor(next.id)).status).toBe('completed');
  });

  it('recovers when the engine host is killed: the running job fails with the reason, the host restarts, queued work continues', async () => {
    const oldPid = supervisor.hostPid!;
    expect(oldPid).toBeGreaterThan(0);
    const running = supervisor.submit('analyze-structures', { sources: manyCopies(3000) });
    const queued = supervisor.submit('analyze-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] });
    await until(() => supervisor.get(running.id).outputCount >= 3, 30_000);
    process.kill(oldPid, 'SIGKILL');
    const failed = await supervisor.waitFor(running.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/engine host stopped unexpectedly \(killed by SIGKILL\)/);
    // Outputs that were streamed before the crash are kept.
    expect(supervisor.outputs(running.id).length).toBe(failed.outputCount);
    expect(failed.outputCount).toBeGreaterThanOrEqual(3);
    const after = await supervisor.waitFor(queued.id);
    expect(after.status).toBe('completed');
    expect(supervisor.hostState).toBe('ready');
    expect(supervisor.hostPid).not.toBe(oldPid);
    const states = events.filter((e): e is Extract<ApiEvent, { type: 'host' }> => e.type === 'host').map((e) => e.state);
    expect(states).toContain('restarting');
    expect(states.at(-1)).toBe('ready');
  });
});

describe('heavy-job budget', () => {
  it('with maxHeavyJobs = 2 two heavy jobs run at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-host2-'));
    const wide = new JobSupervisor({ workspace: dir, launcher: nodeHostLauncher({ forwardStderr: false }), maxHeavyJobs: 2, log: () => {} });
    try {
      await wide.start();
      const a = wide.submit('analyze-structures', { sources: manyCopies(40) });
      const b = wide.submit('analyze-structures', { sources: manyCopies(40) });
      expect(wide.get(a.id).status).toBe('running');
      expect(wide.get(b.id).status).toBe('running');
      const [da, db] = await Promise.all([wide.waitFor(a.id), wide.waitFor(b.id)]);
      expect(da.status).toBe('completed');
      expect(db.status).toBe('completed');
      // Overlapping lifetimes: each started before the other finished.
      expect(db.startedAt!).toBeLessThan(da.finishedAt!);
    } finally {
      await wide.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a budget that is not a positive integer', () => {
    expect(() => new JobSupervisor({ workspace, launcher: nodeHostLauncher(), maxHeavyJobs: 0 })).toThrow(/maxHeavyJobs/);
  });
});

describe('a job that cannot notice a cancel', () => {
  it('is stopped by restarting the host after the grace period, and ends as cancelled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfstudio-host3-'));
    const lines: string[] = [];
    const strict = new JobSupervisor({ workspace: dir, launcher: nodeHostLauncher({ forwardStderr: false }), cancelGraceMs: 300, log: (l) => lines.push(l) });
    try {
      await strict.start();
      const firstPid = strict.hostPid;
      // A 216-atom P1 supercell: its symmetry analysis is one synchronous step of about two seconds.
      const job = strict.submit('analyze-structures', { sources: [{ name: 'supercell.cif', text: bigSupercellCif(3) }] });
      await until(() => strict.get(job.id).progress || undefined, 30_000);
      strict.cancel(job.id);
      const done = await strict.waitFor(job.id);
      expect(done.status).toBe('cancelled');
      expect(lines.some((l) => l.includes('did not stop within 300 ms'))).toBe(true);
      await strict.whenReady();
      expect(strict.hostPid).not.toBe(firstPid);
      const next = strict.submit('analyze-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] });
      expect((await strict.waitFor(next.id)).status).toBe('completed');
    } finally {
      await strict.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
