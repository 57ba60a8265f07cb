/**
 * One measurement of our side for `npm run bench:vs-torch` (bench/vs-torch.ts starts it as a child process, as it
 * starts the PyTorch reference, so both sides are timed and their CPU accounted the same way). Prints one JSON line.
 *
 *   node --import tsx bench/vs-torch-ours.ts --mode sample --sites 6 --threads 1 [--batch 256 --steps 8 --warmup 1]
 *   node --import tsx bench/vs-torch-ours.ts --mode train --sites 6 [--padded] [--dropout 0.1] --threads 2 [--batch 100]
 */
import { parseArgs } from 'node:util';
import { measureSampling, measureTraining } from './workloads.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    sites: { type: 'string', default: '6' },
    threads: { type: 'string', default: '1' },
    batch: { type: 'string' },
    steps: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '1' },
    padded: { type: 'boolean', default: false },
    dropout: { type: 'string', default: '0' },
  },
});

function integer(name: 'sites' | 'threads' | 'batch' | 'steps' | 'warmup', fallback?: number): number {
  const text = values[name];
  const value = text === undefined ? fallback : Number(text);
  if (value === undefined || !Number.isInteger(value) || value < 0) throw new Error(`--${name}: expected a non-negative integer, got '${text}'`);
  return value;
}

const common = { sites: integer('sites'), threads: integer('threads'), steps: integer('steps'), warmup: integer('warmup') };
if (values.mode === 'sample') {
  const result = await measureSampling({ ...common, batch: integer('batch', 256), batches: common.steps });
  console.log(JSON.stringify({ mode: 'sample', ...common, ...result }));
} else if (values.mode === 'train') {
  const dropout = Number(values.dropout);
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`--dropout: expected a number in [0, 1), got '${values.dropout}'`);
  const result = await measureTraining({ ...common, batch: integer('batch', 100), padded: values.padded, dropout });
  console.log(JSON.stringify({ mode: 'train', ...common, padded: values.padded, dropout, ...result }));
} else {
  throw new Error(`--mode: expected 'sample' or 'train', got '${values.mode}'`);
}
