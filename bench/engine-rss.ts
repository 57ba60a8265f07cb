/**
 * Memory stability of the training step (npm run bench:engine-rss): runs 5,000 double-buffered training steps of
 * a small causal transformer and prints the process RSS every 500 steps and the growth after warm-up.
 * A leak of even one small tensor per step shows up here as steady growth. (RSS may swing by a few tens of MiB
 * between samples: onnxruntime-node returns a fresh copy of each fetched output, and V8 frees those external
 * array buffers in batches. Steady growth across samples is what would indicate a leak.)
 *
 * Options: --steps N (default 5000), --every N (default 500), --buffering double|copy.
 */
import { parseArgs } from 'node:util';
import { crossEntropy, initTransformerParameters, transformerLogits, type TransformerConfig } from '../electron/engine/graph/example-transformer.ts';
import { ort } from '../electron/engine/runtime.ts';
import { TrainingStep } from '../electron/engine/train-step.ts';

const { values: args } = parseArgs({
  options: { steps: { type: 'string', default: '5000' }, every: { type: 'string', default: '500' }, buffering: { type: 'string', default: 'double' } },
});
const steps = Number(args.steps);
const every = Number(args.every);
const buffering = args.buffering === 'copy' ? 'copy' : 'double';

const config: TransformerConfig = { vocab: 32, dModel: 32, heads: 4, layers: 2, seqLen: 16, dropout: 0.1 };
const batch = 8;
const step = await TrainingStep.create({
  build: (g) => {
    const tokens = g.input('tokens', 'int64', ['batch', config.seqLen]);
    const targets = g.input('targets', 'int64', ['batch', config.seqLen]);
    return { loss: crossEntropy(transformerLogits(g, config, tokens), targets) };
  },
  parameters: (params) => initTransformerParameters(params, 0),
  optimizer: { weightDecay: 0.01, clipNorm: 1 },
  buffering,
  session: { intraOpNumThreads: 2, log: () => {} },
});

const n = batch * config.seqLen;
const tokens = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7) % config.vocab));
const targets = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7 + 7) % config.vocab));
const feeds = {
  tokens: new ort.Tensor('int64', tokens, [batch, config.seqLen]),
  targets: new ort.Tensor('int64', targets, [batch, config.seqLen]),
};

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
console.log(`RSS over ${steps} training steps (${buffering} buffering; transformer d ${config.dModel}, ${config.layers} layers, batch ${batch}×${config.seqLen}, dropout on)`);
let baseline = 0;
const samples: [number, number][] = []; // (step, RSS) every 50 steps after the first report, for the trend
const t0 = performance.now();
for (let i = 1; i <= steps; i++) {
  const { loss } = await step.run(feeds, 1e-3);
  if (i >= every && i % 50 === 0) samples.push([i, process.memoryUsage().rss]);
  if (i % every === 0) {
    // Collect JS garbage when exposed (node --expose-gc) so the number reflects retained memory.
    (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
    if (i === every) baseline = rss;
    console.log(
      `  step ${String(i).padStart(5)}: RSS ${mb(rss).padStart(7)} MiB  (${rss >= baseline ? '+' : ''}${mb(rss - baseline)} MiB since step ${every}); ` +
        `JS heap ${mb(heapUsed)} MiB, array buffers ${mb(arrayBuffers)} MiB; loss ${loss.toFixed(3)}, ${((performance.now() - t0) / i).toFixed(2)} ms/step`,
    );
  }
}
const final = process.memoryUsage().rss;
// Least-squares slope of RSS against step: a leak shows as a steady positive trend, GC swings average out.
const sampleCount = samples.length;
const meanStep = samples.reduce((a, [x]) => a + x, 0) / sampleCount;
const meanRss = samples.reduce((a, [, y]) => a + y, 0) / sampleCount;
const slope = samples.reduce((a, [x, y]) => a + (x - meanStep) * (y - meanRss), 0) / samples.reduce((a, [x]) => a + (x - meanStep) ** 2, 0);
const rssValues = samples.map(([, y]) => y);
console.log(
  `RSS from step ${every} to ${steps}: ${mb(final - baseline)} MiB net, range ${mb(Math.min(...rssValues))}–${mb(Math.max(...rssValues))} MiB, ` +
    `trend ${(slope * 1000) / 2 ** 20 >= 0 ? '+' : ''}${((slope * 1000) / 2 ** 20).toFixed(2)} MiB per 1,000 steps (${sampleCount} samples)`,
);
await step.release();
