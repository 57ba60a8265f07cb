/**
 * Monte-Carlo estimates of KL(π ‖ π_0) from crystals sampled from π, as fine-tuning reports them per step
 * (J. Schulman, "Approximating KL Divergence", 2020, http://joschu.net/blog/kl-approx.html). With
 * log r = log π_0(x) − log π(x) for each sample x ~ π:
 *
 *   k1 = −log r             unbiased, but a single batch can average below zero (the dashboard once plotted −0.02 nats)
 *   k3 = (r − 1) − log r    unbiased too (E_π[r] = 1), and never negative, since e^y − 1 ≥ y for every y
 *
 * Each step's metrics carry both (`kl` = k3, `klLogRatio` = k1). The progress line, the dashboard and the run reports
 * show k1: k3's term grows like r, so once the policy has moved, one crystal with log r ≈ 17 in a batch of 100 lifts
 * the batch's k3 to ~2e5 (seen in the stability runs of issue #14), while it moves k1 by 0.17 nats. The PPO loss is
 * untouched: its penalty term is the per-sample log π_θ − log π_0 (./ppo.ts), whose gradient is what the objective needs.
 */

export interface KlEstimate {
  /** Mean of (r − 1) − log r: never negative. */
  k3: number;
  /** Mean of log π(x) − log π_0(x): the plain estimate, which can be negative on one batch. */
  k1: number;
}

/** Per-crystal k3 term for log r = log π_0(x) − log π(x); expm1 keeps it exact when the two models nearly agree. */
export function k3Term(logRatio: number): number {
  return Math.expm1(logRatio) - logRatio;
}

/**
 * KL(π ‖ π_0) per crystal from log-probabilities of samples drawn from π under π (`logpSampled`) and under the
 * reference π_0 (`logpReference`). NaN for an empty batch.
 */
export function estimateKl(logpSampled: ArrayLike<number>, logpReference: ArrayLike<number>): KlEstimate {
  if (logpSampled.length !== logpReference.length) throw new Error(`estimateKl: ${logpSampled.length} sampled log-probabilities for ${logpReference.length} reference ones`);
  const n = logpSampled.length;
  if (n === 0) return { k3: NaN, k1: NaN };
  let k1 = 0;
  let k3 = 0;
  for (let i = 0; i < n; i++) {
    const logRatio = logpReference[i]! - logpSampled[i]!;
    k1 -= logRatio;
    k3 += k3Term(logRatio);
  }
  return { k3: k3 / n, k1: k1 / n };
}
