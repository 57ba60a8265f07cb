import { Rng } from '../../../shared/random.ts';

/**
 * The order of batches in one epoch: a seeded shuffle, then, within windows of `window` batches, crystals sorted by
 * their number of sites so a batch's padded length is close to what its crystals need (most MP-20 crystals have
 * few sites; padding every batch to 21 slots would waste most of the compute). Windows keep batches random.
 * The same (seed, epoch) always gives the same batches, which is what makes resuming mid-epoch exact.
 */
export function epochBatches(numSites: Int32Array, count: number, batchSize: number, seed: number, epoch: number, window = 32): number[][] {
  const rng = new Rng(`${seed}:epoch:${epoch}`);
  const order = Array.from({ length: count }, (_, i) => i);
  rng.shuffle(order);
  const usable = count - (count % batchSize); // drop the incomplete last batch, as the method does
  const batches: number[][] = [];
  const span = window * batchSize;
  for (let start = 0; start < usable; start += span) {
    const chunk = order.slice(start, Math.min(start + span, usable));
    chunk.sort((a, b) => numSites[a]! - numSites[b]! || a - b);
    const local: number[][] = [];
    for (let i = 0; i < chunk.length; i += batchSize) local.push(chunk.slice(i, i + batchSize));
    rng.shuffle(local);
    batches.push(...local);
  }
  return batches;
}

/** Deterministic evaluation batches: sorted by number of sites, all crystals kept. */
export function evaluationBatches(numSites: Int32Array, count: number, batchSize: number): number[][] {
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => numSites[a]! - numSites[b]! || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}
