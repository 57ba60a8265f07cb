/**
 * `cfstudio generate` and the app's generate job run the same workflow (electron/engine/sample/generate.ts): for the
 * same model, prompt and seed they write the same crystals — the CLI here over two worker pipelines, the job over
 * one — and the job stops between crystals when cancelled, keeping what it wrote.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobSpecs } from '../../shared/api/jobs.ts';
import type { JobContext } from '../../electron/host/jobs/types.ts';
import { generate } from '../../electron/host/jobs/generate.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { runCli } from '../cli/run-cli.ts';
import { temporaryFolders, writtenSamples as written } from '../engine/sample/sample-folder.ts';

const folders = temporaryFolders('cfstudio-');
const fresh = (label: string) => folders.fresh(label);
afterAll(() => folders.removeAll());

function jobContext(abort: AbortController, onOutput: (done: number) => void = () => {}): JobContext<'generate'> {
  let outputs = 0;
  return {
    signal: abort.signal,
    workspace: fresh('generate-job-ws'),
    outputDir: fresh('generate-job-out'),
    progress: () => {},
    output: () => onOutput(++outputs),
    libraryChanged: () => {},
  };
}

describe('one generation workflow for the CLI and the app', () => {
  it('writes the same crystals for the same seed from `cfstudio generate --pipelines 2` and the generate job', async () => {
    const cliOut = join(fresh('generate-cli'), 'out');
    const cli = await runCli(['generate', '--spacegroup', '225,62,14', '-n', '16', '--seed', '11', '--batch-size', '4', '--pipelines', '2', '--out', cliOut, '--json']);
    expect(cli.code, cli.log).toBe(0);

    const context = jobContext(new AbortController());
    const params = jobSpecs.generate.params.parse({ spaceGroups: [225, 62, 14], n: 16, seed: 11, batchSize: 4 });
    const result = await generate(params, context);
    expect(result.generated).toBe(16);

    const fromCli = written(cliOut);
    const fromJob = written(context.outputDir);
    expect(fromCli.lines).toHaveLength(16);
    expect(fromJob.lines).toEqual(fromCli.lines);
    expect(Object.keys(fromJob.cifs).length).toBeGreaterThan(10);
    expect(fromJob.cifs).toEqual(fromCli.cifs);
  });

  it('`--threads 2` samples in two lanes: the same groups, Wyckoff letters and elements as one thread; not with --pipelines 2', async () => {
    const args = ['generate', '--spacegroup', '225,62,14', '-n', '12', '--seed', '5', '--batch-size', '6', '--json'];
    const oneOut = join(fresh('generate-threads-1'), 'out');
    const twoOut = join(fresh('generate-threads-2'), 'out');
    expect((await runCli([...args, '--out', oneOut])).code).toBe(0);
    const two = await runCli([...args, '--threads', '2', '--out', twoOut]);
    expect(two.code, two.log).toBe(0);
    // Lanes give one thread's crystals to float32 rounding (lanes.ts), which can move a coordinate's last digits:
    // compare what rounding cannot change in 12 crystals.
    const discrete = (dir: string) => written(dir).lines.map((line) => (JSON.parse(line) as { wyckoffLabel: string }).wyckoffLabel);
    expect(discrete(twoOut)).toEqual(discrete(oneOut));
    const both = await runCli([...args, '--threads', '2', '--pipelines', '2', '--out', join(fresh('generate-threads-3'), 'out')]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--threads splits the batches of one pipeline');
  });

  it('stops between crystals when cancelled: the run is marked cancelled and the crystals written so far stay', async () => {
    const abort = new AbortController();
    const context = jobContext(abort, (done) => {
      if (done === 3) abort.abort(new Error('cancelled in the test'));
    });
    const params = jobSpecs.generate.params.parse({ spaceGroups: [225], n: 64, seed: 2, batchSize: 8 });
    await expect(generate(params, context)).rejects.toThrow('cancelled in the test');
    const lines = written(context.outputDir).lines;
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThan(64);
    const library = openLibrary(context.workspace, { readonly: true });
    try {
      const runs = library.listRuns();
      expect(runs.map((r) => r.status)).toEqual(['cancelled']);
    } finally {
      library.close();
    }
  });
});
