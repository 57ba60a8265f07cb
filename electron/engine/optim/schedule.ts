/**
 * Learning-rate schedules: plain functions of the 0-based update index (the number of updates done before this
 * one). The training step feeds their value as the graph's `lr` input, so changing schedule never rebuilds a graph.
 */
export type Schedule = (step: number) => number;

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`schedule: ${name} must be a non-negative integer, got ${value}`);
}

export const schedules = {
  constant(lr: number): Schedule {
    return () => lr;
  },

  /** Linear warm-up from peak/warmupSteps to peak, then cosine decay to `final` at totalSteps (held after). */
  warmupCosine(options: { peak: number; warmupSteps: number; totalSteps: number; final?: number }): Schedule {
    const { peak, warmupSteps, totalSteps } = options;
    const final = options.final ?? 0;
    checkPositiveInteger('warmupSteps', warmupSteps);
    checkPositiveInteger('totalSteps', totalSteps);
    if (totalSteps < warmupSteps) throw new Error(`schedule: totalSteps (${totalSteps}) is below warmupSteps (${warmupSteps})`);
    return (step) => {
      if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
      const span = Math.max(1, totalSteps - warmupSteps);
      const progress = Math.min(1, (step - warmupSteps) / span);
      return final + (peak - final) * 0.5 * (1 + Math.cos(Math.PI * progress));
    };
  },

  /** Linear warm-up to peak, then peak·√(warmupSteps / (step + 1)) (the original Transformer's decay). */
  warmupInverseSqrt(options: { peak: number; warmupSteps: number }): Schedule {
    const { peak, warmupSteps } = options;
    checkPositiveInteger('warmupSteps', warmupSteps);
    return (step) => (step < warmupSteps ? (peak * (step + 1)) / warmupSteps : peak * Math.sqrt(Math.max(1, warmupSteps) / (step + 1)));
  },
};
