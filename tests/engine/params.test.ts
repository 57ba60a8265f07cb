import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/random.ts';
import { computeFans, init, ParameterStore } from '../../electron/engine/params.ts';
import { parseSafetensors, serializeSafetensors } from '../../electron/engine/safetensors.ts';

function moments(values: Float32Array): { mean: number; std: number; min: number; max: number } {
  let sum = 0, sumSq = 0, min = Infinity, max = -Infinity;
  for (const v of values) {
    sum += v; sumSq += v * v; min = Math.min(min, v); max = Math.max(max, v);
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sumSq / values.length - mean * mean), min, max };
}

describe('initialisation schemes', () => {
  it('truncatedNormal(0.01) stays within ±2σ with the truncated-normal spread (σ·0.8796)', () => {
    const values = init.truncatedNormal(0.01)([400, 250], new Rng(1));
    const { mean, std, min, max } = moments(values);
    expect(min).toBeGreaterThanOrEqual(-0.02);
    expect(max).toBeLessThanOrEqual(0.02);
    // Standard normal truncated to [−2, 2]: variance 1 − 4φ(2)/(Φ(2) − Φ(−2)) = 1 − 4·0.0539910/0.9544997,
    // so its standard deviation is 0.8796257 (the constant Haiku's VarianceScaling divides by).
    const truncatedStd = Math.sqrt(1 - (4 * 0.053990967) / 0.95449974);
    expect(truncatedStd).toBeCloseTo(0.87962566, 6);
    const n = values.length;
    expect(Math.abs(mean)).toBeLessThan((5 * 0.01 * truncatedStd) / Math.sqrt(n));
    expect(Math.abs(std / 0.01 - truncatedStd)).toBeLessThan(0.01);
    // P(|Z| > 1 given |Z| ≤ 2) = (0.9544997 − 0.6826895) / 0.9544997 = 0.284767.
    const beyondOne = values.filter((v) => Math.abs(v) > 0.01).length / n;
    expect(Math.abs(beyondOne - 0.284767)).toBeLessThan(5 * Math.sqrt((0.284767 * 0.715233) / n));
    // Near the cut the density is still positive: values do reach close to ±2σ.
    expect(max).toBeGreaterThan(0.0195);
    expect(min).toBeLessThan(-0.0195);
    expect(() => init.truncatedNormal(1, 0)).toThrow(/bound/);
  });

  it('normal(std, mean) has the requested moments', () => {
    const { mean, std } = moments(init.normal(0.5, 2)([100000], new Rng(2)));
    expect(Math.abs(mean - 2)).toBeLessThan((5 * 0.5) / Math.sqrt(100000));
    expect(Math.abs(std - 0.5)).toBeLessThan(0.5 * 5 * Math.sqrt(1 / 200000));
  });

  it('xavierUniform uses ±sqrt(6/(fanIn+fanOut)) and heNormal variance 2/fanIn', () => {
    const xavier = init.xavierUniform()([300, 200], new Rng(3));
    const limit = Math.sqrt(6 / 500);
    const x = moments(xavier);
    expect(x.min).toBeGreaterThanOrEqual(-limit);
    expect(x.max).toBeLessThan(limit);
    expect(x.max).toBeGreaterThan(limit * 0.999);
    // Var of U(−a, a) is a²/3 = 2/(fanIn + fanOut).
    expect(x.std ** 2 / (2 / 500)).toBeCloseTo(1, 1);

    const he = moments(init.heNormal()([400, 150], new Rng(4)));
    expect(he.std ** 2 / (2 / 400)).toBeCloseTo(1, 1);
    expect(Math.abs(he.mean)).toBeLessThan(5 * Math.sqrt(2 / 400 / 60000));
  });

  it('computes fans in the [..., in, out] layout', () => {
    expect(computeFans([64, 256])).toEqual({ fanIn: 64, fanOut: 256 });
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 32 });
    expect(computeFans([10])).toEqual({ fanIn: 10, fanOut: 10 });
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
  });

  it('zeros, ones and constant', () => {
    expect(Array.from(init.zeros()([2, 2], new Rng()))).toEqual([0, 0, 0, 0]);
    expect(Array.from(init.ones()([3], new Rng()))).toEqual([1, 1, 1]);
    expect(Array.from(init.constant(0.5)([], new Rng()))).toEqual([0.5]);
  });
});

describe('ParameterStore', () => {
  function buildModel(seed: number, extra = false): ParameterStore {
    const store = new ParameterStore(new Rng(seed));
    if (extra) store.create('extra/w', [5, 5], init.normal());
    store.create('embed/g', [230, 32], init.truncatedNormal(0.01));
    store.create('linear/w', [65, 64], init.truncatedNormal(0.01));
    store.create('linear/b', [64], init.zeros());
    return store;
  }

  it('keeps creation order, counts values, and gets/sets/has by name', () => {
    const store = buildModel(0);
    expect(store.names()).toEqual(['embed/g', 'linear/w', 'linear/b']);
    expect(store.size).toBe(3);
    expect(store.totalCount()).toBe(230 * 32 + 65 * 64 + 64);
    expect(store.has('linear/w')).toBe(true);
    expect(store.has('nope')).toBe(false);
    expect(store.shape('linear/w')).toEqual([65, 64]);
    const replacement = new Float32Array(64).fill(3);
    store.set('linear/b', replacement);
    expect(store.get('linear/b')).toBe(replacement);
    expect(store.names()).toEqual(['embed/g', 'linear/w', 'linear/b']);
    store.set('new', new Float32Array([1, 2]), [2, 1]);
    expect(store.names().at(-1)).toBe('new');
    expect(() => store.get('missing')).toThrow(/no parameter named 'missing'/);
    expect(() => store.set('linear/b', new Float32Array(63))).toThrow(/needs 64 values, got 63/);
    expect(() => store.set('linear/b', new Float32Array(64), [8, 8])).toThrow(/has shape \[64\], cannot set shape \[8, 8\]/);
    expect(() => store.set('fresh', new Float32Array(1))).toThrow(/needs a shape/);
    expect(() => store.create('linear/w', [1], init.zeros())).toThrow(/already exists/);
    expect(() => store.create('bad', [2, -1], init.zeros())).toThrow(/invalid shape/);
  });

  it('is reproducible from a seed, and each parameter depends only on (seed, name)', () => {
    const a = buildModel(42);
    const b = buildModel(42);
    const c = buildModel(43);
    const withExtra = buildModel(42, true);
    for (const name of a.names()) {
      expect(b.get(name)).toEqual(a.get(name));
      expect(withExtra.get(name)).toEqual(a.get(name));
    }
    expect(c.get('linear/w')).not.toEqual(a.get('linear/w'));
    // Two parameters of the same shape in one store are not copies of each other.
    const store = new ParameterStore(new Rng(1));
    const p = store.create('p', [100], init.normal());
    const q = store.create('q', [100], init.normal());
    expect(p).not.toEqual(q);
  });

  it('round-trips through safetensors exactly, order and shapes included', () => {
    const store = buildModel(7);
    const bytes = store.toSafetensors({ model: 'test' });
    const parsed = parseSafetensors(bytes);
    expect(parsed.metadata).toEqual({ model: 'test' });
    expect([...parsed.tensors.values()].every((t) => t.dtype === 'F32')).toBe(true);
    const back = ParameterStore.fromSafetensors(bytes);
    expect(back.names()).toEqual(store.names());
    for (const name of store.names()) {
      expect(back.shape(name)).toEqual(store.shape(name));
      expect(back.get(name)).toEqual(store.get(name));
    }
  });

  it('loads F64/F16 weights as float32, filters by prefix, and rejects integer tensors', () => {
    const bytes = serializeSafetensors(new Map([
      ['params/w', { data: new Float64Array([0.1, 2]), shape: [2] }],
      // F16 raw bits: 0x3800 = 0.5, 0xBC00 = −1
      ['params/h', { data: new Uint16Array([0x3800, 0xbc00]), shape: [1, 2], dtype: 'F16' as const }],
      ['adam/m/w', { data: new Float32Array([9, 9]), shape: [2] }],
    ]));
    const store = ParameterStore.fromSafetensors(bytes, 'weights.st', 'params/');
    expect(store.names()).toEqual(['w', 'h']);
    expect(Array.from(store.get('w'))).toEqual([Math.fround(0.1), 2]);
    expect(Array.from(store.get('h'))).toEqual([0.5, -1]);
    const ints = serializeSafetensors({ step: { data: new Int32Array([1]), shape: [] } });
    expect(() => ParameterStore.fromSafetensors(ints, 'ints.st')).toThrow("ints.st: tensor 'step' is I32; parameters must be floating point");
  });

  it('assign copies matching weights and reports missing, unexpected and mis-shaped ones', () => {
    const target = buildModel(1);
    const source = buildModel(2);
    target.assign(source);
    expect(target.get('linear/w')).toEqual(source.get('linear/w'));
    expect(target.get('linear/w')).not.toBe(source.get('linear/w'));

    const partial = new ParameterStore();
    partial.set('linear/w', new Float32Array(65 * 64), [64, 65]);
    partial.set('stray', new Float32Array(1), [1]);
    expect(() => target.assign(partial, {}, 'ckpt.safetensors')).toThrow(
      "ckpt.safetensors: parameters do not match the model: missing 'embed/g', 'linear/b'; unexpected 'stray'; 'linear/w' has shape [64, 65], expected [65, 64]",
    );
    const ok = new ParameterStore();
    ok.set('linear/b', new Float32Array(64).fill(2), [64]);
    ok.set('stray', new Float32Array(1), [1]);
    target.assign(ok, { allowMissing: true, allowUnexpected: true });
    expect(target.get('linear/b')[0]).toBe(2);
  });

  it('clone is deep', () => {
    const store = buildModel(5);
    const copy = store.clone();
    copy.get('linear/w')[0] = 123;
    expect(store.get('linear/w')[0]).not.toBe(123);
    expect(copy.names()).toEqual(store.names());
  });
});
