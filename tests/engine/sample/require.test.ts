/**
 * `requiredElements` (cfstudio generate --require): a chunk is redrawn until it is full when the condition is met
 * often enough (≥ 1 % of draws), and otherwise stops with counts that `cfstudio generate` reports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel } from '../../../electron/engine/model/files.ts';
import { CrystalSampler, MAX_DRAWS_PER_CRYSTAL, type SampledCrystal, chunkSeed } from '../../../electron/engine/sample/sampler.ts';
import { main } from '../../../electron/cli/main.ts';
import { SampleWriter } from '../../../electron/engine/sample/sample-writer.ts';
import { generateInPipelines } from '../../../electron/engine/sample/pipelines.ts';

let sampler: CrystalSampler;
const dirs: string[] = [];
beforeAll(async () => {
  await initSymmetry();
  const model = await loadModel('default');
  sampler = await CrystalSampler.create(model.config, model.params);
});
afterAll(async () => {
  await sampler?.release();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('required elements', () => {
  it('fills the chunk when about 2 % of draws contain the element (Cs in Pnma/P2_1/c)', async () => {
    const cs = atomicNumber('Cs');
    const statistics = { drawn: 0, kept: 0 };
    const crystals: SampledCrystal[] = [];
    for await (const c of sampler.sampleChunk({ spaceGroups: { kind: 'list', groups: [62, 14] }, requiredElements: [cs] }, 12, 'require-cs', { batchSize: 64, statistics })) crystals.push(c);
    expect(crystals).toHaveLength(12);
    for (const c of crystals) expect(Array.from(c.atoms.subarray(0, c.numSites))).toContain(cs);
    expect(statistics.kept).toBe(12);
    // The condition is rare: many more were drawn than kept (a redraw of only the missing ones would have stopped short).
    expect(statistics.drawn).toBeGreaterThan(10 * 12);
    expect(statistics.drawn).toBeLessThanOrEqual(MAX_DRAWS_PER_CRYSTAL * 12);
  });

  it('stops after its draw budget when the model never puts the element in (Og) and reports the counts', async () => {
    const statistics = { drawn: 0, kept: 0 };
    let n = 0;
    for await (const _ of sampler.sampleChunk({ spaceGroups: { kind: 'list', groups: [62] }, requiredElements: [atomicNumber('Og')] }, 3, 'require-og', { batchSize: 64, statistics })) n++;
    expect(n).toBe(0);
    expect(statistics).toEqual({ drawn: MAX_DRAWS_PER_CRYSTAL * 3, kept: 0 });
  });

  it('counts draws over several pipelines as in one (the counts the command reports)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cfstudio-require-'));
    dirs.push(out);
    const conditions = { spaceGroups: { kind: 'list' as const, groups: [62, 14] }, requiredElements: [atomicNumber('O'), atomicNumber('Li')] };
    const single = { drawn: 0, kept: 0 };
    // The same two chunks (seed 3, batches of 4) drawn here, one after the other.
    for (const chunk of [0, 1]) for await (const _ of sampler.sampleChunk(conditions, 4, chunkSeed(3, chunk), { batchSize: 4, statistics: single }));
    const statistics = { drawn: 0, kept: 0 };
    let n = 0;
    for await (const _ of generateInPipelines({ modelDir: 'models/default', conditions, count: 8, options: { seed: 3, batchSize: 4, statistics }, pipelines: 2, structures: false }, new SampleWriter(out))) n++;
    expect(n).toBe(8);
    expect(statistics).toEqual(single);
    expect(statistics.drawn).toBeGreaterThan(8);
  });

  it('cfstudio generate says why it wrote fewer crystals than -n', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cfstudio-require-'));
    dirs.push(out);
    const logs: string[] = [];
    const code = await main(['generate', '--spacegroup', '62', '--require', 'Og', '-n', '2', '--seed', '1', '--out', out], { log: (t) => logs.push(t), out: () => {} });
    expect(code).toBe(0);
    expect(readFileSync(join(out, 'samples.jsonl'), 'utf8')).toBe('');
    const message = logs.find((l) => l.includes('only 0 of 2 crystals'));
    expect(message).toBeDefined();
    expect(message).toMatch(/0 of 200 crystals drawn \(0 %\) contained every element of --require Og/);
  });
});
