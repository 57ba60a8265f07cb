/**
 * Generation over several pipelines (worker threads that each sample and build whole chunks) must write exactly what
 * one pipeline writes for the same seed — same crystals, same order, same files — whatever the number of pipelines,
 * including when whole-crystal conditions make chunks redraw; and a model that cannot be loaded is a clear error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { loadModel } from '../../../electron/engine/model/files.ts';
import { CrystalSampler } from '../../../electron/engine/sample/sampler.ts';
import { SampleWriter } from '../../../electron/engine/sample/sample-writer.ts';
import { InlineBuilder, buildAndWrite } from '../../../electron/engine/sample/build-pool.ts';
import { generateInPipelines } from '../../../electron/engine/sample/pipelines.ts';
import type { SamplingConditions } from '../../../electron/engine/sample/conditions.ts';
import { temporaryFolders, writtenSamples } from './sample-folder.ts';

const folders = temporaryFolders('cfstudio-pipelines');
const fresh = () => folders.fresh();
const written = writtenSamples;

beforeAll(async () => {
  await initSymmetry();
});

afterAll(() => folders.removeAll());

async function onePipeline(conditions: SamplingConditions, count: number, seed: number, batchSize: number): Promise<string> {
  const model = await loadModel('default');
  const sampler = await CrystalSampler.create(model.config, model.params);
  const dir = fresh();
  for await (const built of buildAndWrite(sampler.sample(conditions, count, { seed, batchSize }), new SampleWriter(dir), new InlineBuilder())) void built;
  await sampler.release();
  return dir;
}

async function pipelines(conditions: SamplingConditions, count: number, seed: number, batchSize: number, n: number): Promise<string> {
  const dir = fresh();
  for await (const built of generateInPipelines({ modelDir: 'models/default', conditions, count, options: { seed, batchSize }, pipelines: n }, new SampleWriter(dir))) void built;
  return dir;
}

describe('generation over several pipelines', () => {
  it('writes what one pipeline writes for the same seed, with 2 and 3 pipelines', async () => {
    const conditions: SamplingConditions = { spaceGroups: { kind: 'list', groups: [225, 62, 166, 14, 1] } };
    const reference = written(await onePipeline(conditions, 30, 7, 8));
    expect(reference.lines.length).toBe(30);
    expect(Object.keys(reference.cifs).length).toBeGreaterThan(25);
    for (const n of [2, 3]) {
      const out = written(await pipelines(conditions, 30, 7, 8, n));
      expect(out.lines).toEqual(reference.lines);
      expect(out.cifs).toEqual(reference.cifs);
    }
  });

  it('keeps chunks independent when crystals are redrawn for a required element', async () => {
    const oxygen = atomicNumber('O');
    const conditions: SamplingConditions = { spaceGroups: { kind: 'list', groups: [62, 14] }, requiredElements: [oxygen] };
    const reference = written(await onePipeline(conditions, 12, 3, 4));
    const out = written(await pipelines(conditions, 12, 3, 4, 2));
    expect(out.lines).toEqual(reference.lines);
    for (const line of out.lines) expect((JSON.parse(line) as { tokens: { atoms: number[] } }).tokens.atoms).toContain(oxygen);
  });

  it('says which model folder could not be loaded', async () => {
    const run = generateInPipelines({ modelDir: 'models/no-such-model', conditions: { spaceGroups: { kind: 'list', groups: [225] } }, count: 4, pipelines: 2 }, new SampleWriter(fresh()));
    await expect(run.next()).rejects.toThrow(/no-such-model/);
  });
});
