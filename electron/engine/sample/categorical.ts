/**
 * Float64 sampling helpers for the categorical heads (crystalformer.md §5.2): top-p is applied to the untempered
 * logits (sort, cumulative softmax, keep the smallest prefix reaching p, always at least the top class), then the
 * class is drawn from softmax(logits / T) restricted to the kept set.
 */
import type { Uniform } from '../model/distributions.ts';

/** Masked logits → log-probabilities (log-softmax over entries above the forbidden threshold). */
export function maskedLogSoftmax(logits: ArrayLike<number>, offset: number, length: number, mask: Float32Array | null, maskOffset: number, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i]! + (mask ? mask[maskOffset + i]! : 0);
    out[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(out[i]! - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < length; i++) out[i] = out[i]! - lse;
}

/**
 * Draw a class from log-probabilities with temperature and top-p. `scratch` must hold `length` entries.
 * Classes with log-probability below −1e8 (masked) are never drawn.
 */
export function sampleCategorical(logProbs: Float64Array, length: number, temperature: number, topP: number, uniform: Uniform, scratch: Float64Array): number {
  const allowed = (i: number) => logProbs[i]! > -1e8;
  let keep: number[] | null = null;
  if (topP < 1) {
    const order: number[] = [];
    for (let i = 0; i < length; i++) if (allowed(i)) order.push(i);
    order.sort((a, b) => logProbs[b]! - logProbs[a]!);
    keep = [];
    let cumulative = 0;
    for (const i of order) {
      keep.push(i);
      cumulative += Math.exp(logProbs[i]!);
      if (cumulative >= topP) break;
    }
  }
  const t = Math.max(temperature, 1e-6);
  let max = -Infinity;
  const candidates = keep ?? Array.from({ length }, (_, i) => i).filter(allowed);
  if (candidates.length === 0) throw new Error('sampleCategorical: every class is masked');
  for (const i of candidates) max = Math.max(max, logProbs[i]! / t);
  let sum = 0;
  for (const i of candidates) {
    scratch[i] = Math.exp(logProbs[i]! / t - max);
    sum += scratch[i]!;
  }
  let u = uniform() * sum;
  for (const i of candidates) {
    u -= scratch[i]!;
    if (u <= 0) return i;
  }
  return candidates[candidates.length - 1]!;
}
