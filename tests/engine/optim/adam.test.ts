/** The in-graph AdamW step against a plain JavaScript AdamW (optax order) with global-norm clipping; schedules. */
import { describe, expect, test } from 'vitest';
import { TrainingStep } from '../../../electron/engine/train-step.ts';
import { schedules } from '../../../electron/engine/optim/schedule.ts';
import { feed } from '../graph/gradcheck.ts';

/** loss = Σ (w·x − t)² / n + Σ b²: gradients are easy to write by hand. */
function referenceGradients(w: number[], b: number[], x: number[], t: number[]): { gw: number[]; gb: number[] } {
  const n = t.length;
  const gw = w.map(() => 0);
  for (let i = 0; i < n; i++) {
    let pred = 0;
    for (let j = 0; j < w.length; j++) pred += w[j]! * x[i * w.length + j]!;
    const r = (2 * (pred - t[i]!)) / n;
    for (let j = 0; j < w.length; j++) gw[j]! += r * x[i * w.length + j]!;
  }
  return { gw, gb: b.map((v) => 2 * v) };
}

describe('AdamW step in the graph', () => {
  test.each([
    [{ weightDecay: 0 }, 'Adam, no clipping'],
    [{ weightDecay: 0.1, clipNorm: 0.5 }, 'AdamW with clipping'],
  ] as const)('%j: %s matches the JavaScript reference over 5 steps', async (options, _label) => {
    const x = [0.5, -1, 2, 1, 0.3, -0.7, -1.2, 0.8, 0.1];
    const t = [1, -2, 0.5];
    const w0 = [0.2, -0.4, 0.9];
    const b0 = [0.3, -0.1];
    const beta1 = 0.8;
    const beta2 = 0.95;
    const eps = 1e-6;
    const step = await TrainingStep.create({
      build: (g) => {
        const xs = g.input('x', 'float32', [3, 3]);
        const ts = g.input('t', 'float32', [3]);
        const w = g.parameter('w', [1, 3]); // rank 2: decayed
        const b = g.parameter('b', [2]); // rank 1: not decayed
        const pred = xs.matmul(w.transpose()).reshape([3]);
        const err = pred.sub(ts);
        return { loss: err.mul(err).mean().add(b.mul(b).sum()) };
      },
      parameters: new Map([['w', Float32Array.from(w0)], ['b', Float32Array.from(b0)]]),
      optimizer: { beta1, beta2, epsilon: eps, ...options },
      session: { intraOpNumThreads: 1, log: () => {} },
    });
    const batch = { x: feed('float32', x, [3, 3]), t: feed('float32', t, [3]) };
    let w = [...w0];
    let b = [...b0];
    let mw = [0, 0, 0];
    let vw = [0, 0, 0];
    let mb = [0, 0];
    let vb = [0, 0];
    const lrs = [0.1, 0.05, 0.2, 0.1, 0.01];
    for (let k = 1; k <= 5; k++) {
      const lr = lrs[k - 1]!;
      const { gw, gb } = referenceGradients(w, b, x, t);
      const norm = Math.sqrt([...gw, ...gb].reduce((a, g) => a + g * g, 0));
      const clip = 'clipNorm' in options ? options.clipNorm : Infinity;
      const scale = Number.isFinite(clip) ? clip / Math.max(norm, clip) : 1;
      const update = (p: number[], g: number[], m: number[], v: number[], decay: boolean) => {
        const mNew = m.map((mi, i) => beta1 * mi + (1 - beta1) * g[i]! * scale);
        const vNew = v.map((vi, i) => beta2 * vi + (1 - beta2) * (g[i]! * scale) ** 2);
        const pNew = p.map((pi, i) => {
          const mhat = mNew[i]! / (1 - beta1 ** k);
          const vhat = vNew[i]! / (1 - beta2 ** k);
          return pi - lr * (mhat / (Math.sqrt(vhat) + eps) + (decay ? options.weightDecay * pi : 0));
        });
        return [pNew, mNew, vNew] as const;
      };
      const result = await step.run(batch, lr);
      expect(result.gradNorm).toBeCloseTo(norm, 4);
      [w, mw, vw] = update(w, gw, mw, vw, true);
      [b, mb, vb] = update(b, gb, mb, vb, false);
      const params = step.parameters();
      Array.from(params.get('w')!).forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 5));
      Array.from(params.get('b')!).forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    }
    const state = step.state();
    expect(state.step).toBe(5);
    Array.from(state.m.get('w')!).forEach((v, i) => expect(v).toBeCloseTo(mw[i]!, 5));
    Array.from(state.v.get('b')!).forEach((v, i) => expect(v).toBeCloseTo(vb[i]!, 6));
    await step.release();
  });

  test('state round-trips through loadState and errors name what is missing', async () => {
    const make = () =>
      TrainingStep.create({
        build: (g) => {
          const w = g.parameter('w', [2]);
          return { loss: w.mul(w).sum().add(g.input('x', 'float32', [2]).mul(w).sum()) };
        },
        parameters: new Map([['w', Float32Array.of(1, -1)]]),
        session: { intraOpNumThreads: 1, log: () => {} },
      });
    const a = await make();
    const batch = { x: feed('float32', [0.5, 0.25], [2]) };
    for (let i = 0; i < 3; i++) await a.run(batch, 0.1);
    const b = await make();
    b.loadState(a.state());
    const ra = await a.run(batch, 0.1);
    const rb = await b.run(batch, 0.1);
    expect(rb.loss).toBe(ra.loss);
    expect(Array.from(b.parameters().get('w')!)).toEqual(Array.from(a.parameters().get('w')!));
    await expect(a.run({}, 0.1)).rejects.toThrow(/batch is missing input 'x'/);
    expect(() => b.loadState({ ...a.state(), m: new Map() })).toThrow(/m 'w' missing/);
    await expect(
      TrainingStep.create({ build: (g) => ({ loss: g.parameter('q', [1]).sum() }), parameters: new Map(), session: { log: () => {} } }),
    ).rejects.toThrow(/no initial value for parameter 'q'/);
    await a.release();
    await b.release();
  });
});

describe('learning-rate schedules', () => {
  test('warm-up then cosine', () => {
    const s = schedules.warmupCosine({ peak: 1e-3, warmupSteps: 10, totalSteps: 110, final: 1e-5 });
    expect(s(0)).toBeCloseTo(1e-4, 12);
    expect(s(9)).toBeCloseTo(1e-3, 12);
    expect(s(10)).toBeCloseTo(1e-3, 12);
    expect(s(60)).toBeCloseTo(1e-5 + (1e-3 - 1e-5) * 0.5, 12); // halfway: cos(π/2) = 0
    expect(s(110)).toBeCloseTo(1e-5, 12);
    expect(s(5000)).toBeCloseTo(1e-5, 12);
  });
  test('warm-up then inverse square root', () => {
    const s = schedules.warmupInverseSqrt({ peak: 2, warmupSteps: 4 });
    expect([0, 1, 2, 3].map(s)).toEqual([0.5, 1, 1.5, 2]);
    expect(s(15)).toBeCloseTo(2 * Math.sqrt(4 / 16), 12);
    expect(schedules.constant(0.3)(1234)).toBe(0.3);
    expect(() => schedules.warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 5 })).toThrow(/totalSteps \(5\) is below warmupSteps \(10\)/);
  });
});
