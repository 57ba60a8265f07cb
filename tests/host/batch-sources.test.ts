// The jobs that read many sources (predict, analyze-structures, import-structures), in the real engine host, over
// the folder of tests/cli/bad-inputs.ts: an output per good file, one failed output per bad one with its reason,
// and the job still completes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../shared/api/jobs.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { hasShippedPredictor } from '../../electron/predictors/registry.ts';
import { BAD_FILES, writeMixedFolder } from '../cli/bad-inputs.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-batch-jobs-'));
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false }), onEvent: () => {}, log: () => {} });
let files: string[] = [];

beforeAll(async () => {
  files = writeMixedFolder(workspace);
  await supervisor.start();
}, 60_000);
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

type Output = { ok: true; source: string } | { ok: false; source: string; error: string };

function expectOneFailurePerBadFile(outputs: Output[], reasons: Record<string, RegExp> = BAD_FILES): void {
  const failed = outputs.filter((o): o is Extract<Output, { ok: false }> => !o.ok);
  expect(failed.map((o) => o.source).sort()).toEqual(Object.keys(BAD_FILES).map((name) => join(workspace, name)));
  for (const [name, reason] of Object.entries(reasons)) expect(failed.find((o) => o.source === join(workspace, name))!.error).toMatch(reason);
}

describe('jobs over many sources keep going past bad files', () => {
  it('analyze-structures: the good files analysed (225, 221), a failure per bad one', async () => {
    const job = await supervisor.waitFor(supervisor.submit('analyze-structures', { sources: files.map((path) => ({ path })) }).id);
    expect(job.status).toBe('completed');
    expect(job.result as JobResult<'analyze-structures'>).toEqual({ analyzed: 2, failed: 3 });
    const outputs = supervisor.outputs(job.id) as (Output & { spaceGroup?: number })[];
    expect(outputs.filter((o) => o.ok).map((o) => o.spaceGroup).sort()).toEqual([221, 225]);
    expectOneFailurePerBadFile(outputs);
  }, 120_000);

  it('import-structures: the good files imported, a failure per bad one', async () => {
    const job = await supervisor.waitFor(supervisor.submit('import-structures', { sources: files.map((path) => ({ path })) }).id);
    expect(job.status).toBe('completed');
    expect(job.result as JobResult<'import-structures'>).toMatchObject({ imported: 2, failed: 3 });
    // The library reads files with its own reader (electron/library), which names the first bad byte instead.
    expectOneFailurePerBadFile(supervisor.outputs(job.id) as Output[], { ...BAD_FILES, 'binary.cif': /binary\.cif:1: / });
  }, 120_000);

  it.skipIf(!hasShippedPredictor('band_gap'))('predict: the good files predicted, a failure per bad one', async () => {
    const job = await supervisor.waitFor(supervisor.submit('predict', { sources: files.map((path) => ({ path })), properties: ['band_gap'] }).id);
    expect(job.status).toBe('completed');
    expect(job.result as JobResult<'predict'>).toMatchObject({ predicted: 2, failed: 3 });
    expectOneFailurePerBadFile(supervisor.outputs(job.id) as Output[]);
  }, 120_000);
});
