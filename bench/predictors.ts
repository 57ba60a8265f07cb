/**
 * `npm run bench:predictors`: time to predict a batch of 100 MP-20 validation crystals with each shipped predictor
 * (tokens already encoded: the onnxruntime run plus batch packing), and the full `predict` path per candidate
 * (encoding a Wyckoff description included). Prints milliseconds per batch (median of 30 runs).
 */
import { join } from 'node:path';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { decodeCrystal, N_SLOTS } from '../shared/tokens/index.ts';
import { loadDataset } from '../electron/engine/train/dataset.ts';
import { createSession } from '../electron/engine/runtime.ts';
import { batchFeeds, batchFromDataset } from '../electron/predictors/batch.ts';
import { OnnxPropertyPredictor } from '../electron/predictors/onnx-predictor.ts';
import { PROPERTY_NAMES, repositoryRoot, shippedModelDir } from '../electron/predictors/properties.ts';

await initSymmetry();
const data = await loadDataset(process.env.CFSTUDIO_BENCH_DATA ?? join(repositoryRoot(), 'runs/data/mp20-val'), { split: 'all' });
const rows = Array.from({ length: 100 }, (_, i) => Math.floor((i * data.count) / 100));
const descriptions = rows.map((i) =>
  decodeCrystal({
    spaceGroup: data.spaceGroup[i]!,
    numSites: data.numSites[i]!,
    wyckoff: data.wyckoff.subarray(i * N_SLOTS, (i + 1) * N_SLOTS),
    atoms: data.atoms.subarray(i * N_SLOTS, (i + 1) * N_SLOTS),
    coords: Float64Array.from(data.coords.subarray(i * N_SLOTS * 3, (i + 1) * N_SLOTS * 3)),
    lattice: Float64Array.from(data.lattice.subarray(i * 6, (i + 1) * 6)),
  }),
);

async function median(f: () => Promise<unknown>, runs = 30): Promise<number> {
  for (let i = 0; i < 3; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await f();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

for (const name of PROPERTY_NAMES) {
  const dir = shippedModelDir(name);
  for (const threads of [1, 2]) {
    const session = await createSession(join(dir, 'model.onnx'), { intraOpNumThreads: threads, cache: false, log: () => {} });
    const feeds = batchFeeds(batchFromDataset(data, rows));
    const graphMs = await median(() => session.run(feeds));
    await session.release();
    console.log(`${name.padEnd(17)} ${threads} thread${threads > 1 ? 's' : ' '}  onnxruntime run, batch of 100: ${graphMs.toFixed(2)} ms`);
  }
  const predictor = await OnnxPropertyPredictor.load(dir);
  const fullMs = await median(() => predictor.predictDescriptions(descriptions));
  await predictor.close();
  console.log(`${name.padEnd(17)} 1 thread   predictDescriptions (encode + pack + run), 100 crystals: ${fullMs.toFixed(2)} ms`);
}
