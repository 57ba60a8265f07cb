/**
 * The MatMul throughput onnxruntime reaches alone on given float32 shapes: the ceiling other benchmarks compare
 * against. Reports the best wall-clock GFLOP/s and the best GFLOP per process CPU-second (which survives a busy
 * machine better).
 */
import { Graph, toOnnxModel } from '../electron/engine/graph/index.ts';
import { createSession, ort } from '../electron/engine/runtime.ts';

export interface Ceiling {
  wall: number;
  perCpuSecond: number;
}

/** Process CPU time (all threads), printed next to wall time: on a busy machine wall time overstates the cost. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export function randomFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

export async function matmulCeiling(
  shapes: [number, number, number][],
  threads: number,
  options: { log?: (line: string) => void; sessionExtra?: Record<string, unknown> } = {},
): Promise<Ceiling> {
  const log = options.log ?? console.log;
  let best = 0;
  let bestPerCpu = 0;
  log(`MatMul alone (float32, onnxruntime, ${threads} thread${threads === 1 ? '' : 's'}):`);
  for (const [m, k, n] of shapes) {
    const g = new Graph();
    const a = g.input('a', 'float32', [m, k]);
    const b = g.parameter('b', [k, n]);
    const bytes = toOnnxModel(g, { outputs: { c: a.matmul(b) }, parametersAs: 'initializers', parameterValues: new Map([['b', randomFloats(k * n, 2)]]) });
    const engine = await createSession(bytes, { log: () => {}, intraOpNumThreads: threads, cache: false, ...(options.sessionExtra ? { extra: options.sessionExtra } : {}) });
    const feeds = { a: new ort.Tensor('float32', randomFloats(m * k, 1), [m, k]) };
    const out = { c: new ort.Tensor('float32', new Float32Array(m * n), [m, n]) };
    for (let i = 0; i < 3; i++) await engine.session.run(feeds, out);
    let fastest = Infinity;
    let fastestCpu = Infinity;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const c0 = cpuMs();
      await engine.session.run(feeds, out);
      fastest = Math.min(fastest, performance.now() - t0);
      fastestCpu = Math.min(fastestCpu, cpuMs() - c0);
    }
    const gflops = (2 * m * k * n) / (fastest * 1e6);
    best = Math.max(best, gflops);
    bestPerCpu = Math.max(bestPerCpu, (2 * m * k * n) / (Math.max(fastestCpu, 1e-3) * 1e6));
    log(`  [${m}, ${k}] x [${k}, ${n}]: ${fastest.toFixed(2)} ms, ${gflops.toFixed(1)} GFLOP/s (process CPU time ${fastestCpu.toFixed(1)} ms)`);
    await engine.release();
  }
  log(`  ceiling (best): ${best.toFixed(1)} GFLOP/s; ${bestPerCpu.toFixed(1)} GFLOP per CPU-second`);
  return { wall: best, perCpuSecond: bestPerCpu };
}
