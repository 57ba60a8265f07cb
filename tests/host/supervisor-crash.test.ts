// What a crash leaves behind. The engine host killed mid-import: the library's run record is marked failed at
// once (not left 'running' until some later job opens the library). The supervisor's own process dying: its jobs
// are still listed by the next one (job.json is written at submit and at every change of state), those it left
// queued or running as failed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../shared/api/jobs.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { NACL, until } from './fixtures.ts';

const roots: string[] = [];
const supervisors: JobSupervisor[] = [];
afterAll(async () => {
  for (const s of supervisors) await s.stop().catch(() => {});
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfstudio-crash-'));
  roots.push(dir);
  return dir;
}
function supervisorOn(dir: string): JobSupervisor {
  const supervisor = new JobSupervisor({ workspace: dir, launcher: nodeHostLauncher({ forwardStderr: false }), log: () => {} });
  supervisors.push(supervisor);
  return supervisor;
}
const manyCopies = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `NaCl-${i}.cif`, text: NACL.cif }));
const jobFile = (job: JobInfo) => JSON.parse(readFileSync(join(job.outputDir, 'job.json'), 'utf8')) as JobInfo;

describe('after the engine host is killed', () => {
  it('the import run in the library is marked failed right away, with the reason', async () => {
    const dir = workspace();
    const supervisor = supervisorOn(dir);
    await supervisor.start();
    const job = supervisor.submit('import-structures', { sources: manyCopies(3000), duplicates: 'keep' });
    await until(() => supervisor.get(job.id).outputCount >= 3, 60_000);
    process.kill(supervisor.hostPid!, 'SIGKILL');
    const failed = await supervisor.waitFor(job.id);
    expect(failed.status).toBe('failed');
    // Read before any other job runs: nothing else would have touched the library.
    const library = openLibrary(dir);
    try {
      const [run] = library.listRuns({ kind: 'import' });
      expect(run).toMatchObject({ status: 'failed' });
      expect(run!.error).toMatch(/interrupted: the engine host stopped \(killed by SIGKILL\)/);
      expect(run!.finishedAt).not.toBeNull();
      // The rows committed before the crash stay.
      expect(library.countStructures({ runId: run!.id })).toBeGreaterThanOrEqual(3);
    } finally {
      library.close();
    }
    await supervisor.stop();
  }, 120_000);
});

describe('after the supervisor process dies', () => {
  it('writes job.json when a job is submitted, before it runs', () => {
    const supervisor = supervisorOn(workspace());
    // Not started: the job stays queued.
    const job = supervisor.submit('analyze-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] });
    expect(jobFile(job)).toMatchObject({ id: job.id, status: 'queued', type: 'analyze-structures', params: { sources: [{ name: 'NaCl.cif', text: NACL.cif }] } });
    // An inline upload is not copied into the record (it is rewritten at every change of state and read at start-up).
    const big = `${NACL.cif}#${' '.repeat(200_000)}\n`;
    const upload = supervisor.submit('analyze-structures', { sources: [{ name: 'big.cif', text: big }] });
    expect(jobFile(upload).params).toEqual({ sources: [{ name: 'big.cif', text: `(${big.length} characters, not kept in job.json)` }], symprec: 0.01 });
    expect(supervisor.get(upload.id).params).toMatchObject({ sources: [{ text: big }] });
  });

  it('a new supervisor lists the jobs of the dead one: finished ones as they ended, queued and running ones as failed', async () => {
    const dir = workspace();
    const earlier = supervisorOn(dir);
    await earlier.start();
    const done = await earlier.waitFor(earlier.submit('analyze-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] }).id);
    expect(done.status).toBe('completed');
    const running = earlier.submit('analyze-structures', { sources: manyCopies(3000) });
    const queued = earlier.submit('analyze-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }] });
    await until(() => earlier.get(running.id).outputCount >= 1, 60_000);
    expect(jobFile(running).status).toBe('running');

    // The earlier supervisor is still alive here, as a crashed one would leave its files: a new one starts.
    const later = supervisorOn(dir);
    const listed = new Map(later.list().map((job) => [job.id, job]));
    expect(listed.get(done.id)).toMatchObject({ status: 'completed', result: { analyzed: 1, failed: 0 } });
    expect(listed.get(running.id)).toMatchObject({ status: 'failed' });
    expect(listed.get(running.id)!.error).toMatch(/interrupted: the server stopped while the job was running/);
    expect(listed.get(queued.id)!.error).toMatch(/interrupted: the server stopped while the job was queued; submit it again/);
    expect(jobFile(listed.get(queued.id)!).status).toBe('failed');
    expect(later.list().map((job) => job.id)).toEqual([done.id, running.id, queued.id]);
    await earlier.stop();
  }, 120_000);
});
