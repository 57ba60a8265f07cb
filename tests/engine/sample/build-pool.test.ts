import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel } from '../../../electron/engine/model/files.ts';
import { CrystalSampler, type SampledCrystal } from '../../../electron/engine/sample/sampler.ts';
import { buildSample } from '../../../electron/engine/sample/build.ts';
import { SampleWriter } from '../../../electron/engine/sample/sample-writer.ts';
import { InlineBuilder, WorkerBuilder, buildAndWrite } from '../../../electron/engine/sample/build-pool.ts';

let samples: SampledCrystal[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  await initSymmetry();
  const model = await loadModel('default');
  const sampler = await CrystalSampler.create(model.config, model.params);
  for await (const s of sampler.sample({ spaceGroups: { kind: 'list', groups: [225, 62, 166, 14, 1] } }, 40, { seed: 4, batchSize: 20 })) samples.push(s);
  await sampler.release();
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('building samples in a worker thread', () => {
  it('gives the records, CIFs and structures of building on the sampling thread, in order', async () => {
    const worker = await WorkerBuilder.start();
    try {
      const built = await Promise.all(samples.map((s, i) => worker.build(s, i + 1)));
      expect(built.length).toBe(40);
      built.forEach((b, i) => {
        const reference = buildSample(samples[i]!, i + 1);
        expect(b.record).toEqual(reference.record);
        expect(b.cif).toBe(reference.cif);
        expect(b.structure?.numSites ?? null).toBe(reference.structure?.numSites ?? null);
        if (b.structure && reference.structure) {
          expect(b.structure.lattice.matrix).toEqual(reference.structure.lattice.matrix);
          expect(b.structure.sites).toEqual(reference.structure.sites);
        }
      });
      // Real crystals: most are valid and have the space group that was asked for.
      expect(built.filter((b) => b.record.spaceGroupFound === b.record.spaceGroupRequested).length).toBeGreaterThan(25);
    } finally {
      await worker.close();
    }
  });

  it('writes the same folder as the synchronous writer, numbered in sampling order', async () => {
    const [inlineDir, workerDir] = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'cfstudio-build-pool-')));
    dirs.push(inlineDir!, workerDir!);
    const reference = new SampleWriter(inlineDir!);
    for (const s of samples) reference.write(s);
    const worker = await WorkerBuilder.start();
    const order: number[] = [];
    try {
      for await (const built of buildAndWrite(fromArray(samples), new SampleWriter(workerDir!), worker, { maxInFlight: 7 })) order.push(built.record.index);
    } finally {
      await worker.close();
    }
    expect(order).toEqual(samples.map((_, i) => i + 1));
    expect(readFileSync(join(workerDir!, 'samples.jsonl'), 'utf8')).toBe(readFileSync(join(inlineDir!, 'samples.jsonl'), 'utf8'));
    expect(readdirSync(workerDir!).sort()).toEqual(readdirSync(inlineDir!).sort());
    for (const file of readdirSync(inlineDir!)) expect(readFileSync(join(workerDir!, file), 'utf8')).toBe(readFileSync(join(inlineDir!, file), 'utf8'));
  });

  it('the inline builder is the same code path, for machines where a worker cannot start', async () => {
    const inline = new InlineBuilder();
    const built = await inline.build(samples[0]!, 1);
    expect(built.record).toEqual(buildSample(samples[0]!, 1).record);
  });

  it('rejects pending builds with a clear error when the worker thread dies, instead of hanging', async () => {
    const worker = await WorkerBuilder.start();
    const pending = worker.build(samples[0]!, 1);
    await worker.close(); // terminate: exit code 1 with a build outstanding
    await expect(pending).rejects.toThrow(/sample builder thread exited/);
    await expect(worker.build(samples[1]!, 2)).rejects.toThrow(/sample builder thread/);
  });
});
