/**
 * A small, fast, seedable pseudo-random number generator whose state can be saved and restored exactly.
 *
 * The core is xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018): four
 * 32-bit words of state, period 2^128 − 1, passes BigCrush, and needs only 32-bit integer arithmetic, which
 * JavaScript does exactly with `Math.imul` and `>>> 0`. Seeds are expanded into the state with a SplitMix-style
 * counter hashed by MurmurHash3's 32-bit finaliser, so nearby seeds (0, 1, 2, …) give unrelated streams.
 *
 * Pure TypeScript with no Node APIs, so the same sequences come out in the engine, the CLI and the browser.
 */

/** Everything needed to resume a generator exactly where it was; plain JSON. */
export interface RngState {
  /** The four xoshiro128** state words, each an unsigned 32-bit integer. */
  words: [number, number, number, number];
  /** The second normal deviate of the last Box–Muller pair, not yet returned (null when none is pending). */
  spareNormal: number | null;
}

const GOLDEN_GAMMA = 0x9e3779b9; // 2^32 / φ, the SplitMix increment
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** MurmurHash3's fmix32: a bijective 32-bit mixer with full avalanche. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

/** Hash a string to 32 bits (FNV-1a over UTF-16 code units, then mixed) so streams can be named. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Split a seed into 32-bit words: integers up to 2^53 use both halves, strings are hashed. */
function seedWords(seed: number | string): number[] {
  if (typeof seed === 'string') return [hashString(seed), seed.length >>> 0];
  if (!Number.isSafeInteger(seed)) throw new Error(`Rng seed must be a safe integer or a string, got ${seed}`);
  const magnitude = Math.abs(seed);
  const low = magnitude >>> 0;
  const high = Math.floor(magnitude / TWO_POW_32) >>> 0;
  return [low, high ^ (seed < 0 ? 0x80000000 : 0)];
}

/** Expand seed words into a non-zero xoshiro state (SplitMix: hash a counter that steps by the golden gamma). */
function expandSeed(words: readonly number[]): [number, number, number, number] {
  let counter = 0;
  for (const word of words) counter = mix32((counter + word + GOLDEN_GAMMA) >>> 0) ^ rotl(word, 7);
  const state: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    counter = (counter + GOLDEN_GAMMA) >>> 0;
    state[i] = mix32(counter ^ (words[i % words.length]! >>> 0));
  }
  // The all-zero state is the one fixed point of xoshiro; it cannot come out of four distinct mixes in practice,
  // but guard anyway so the generator can never get stuck.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = GOLDEN_GAMMA;
  return state;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** `seed`: a safe integer (negative allowed) or a string. Equal seeds give equal sequences everywhere. */
  constructor(seed: number | string = 0) {
    [this.s0, this.s1, this.s2, this.s3] = expandSeed(seedWords(seed));
  }

  /** A generator resumed from a saved state. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** The next raw output: a uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float64 uniform on [0, 1) with all 53 mantissa bits random (two raw draws). */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /** A float64 uniform on [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** An integer uniform on {0, …, n−1}, without modulo bias (rejection sampling). n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    if (n === TWO_POW_32) return this.nextUint32();
    // Accept draws below the largest multiple of n that fits in 32 bits; the rest would favour small values.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const draw = this.nextUint32();
      if (draw < limit) return draw % n;
    }
  }

  /** A standard normal deviate times `std` plus `mean` (Marsaglia's polar method; the spare is kept in the state). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return mean + std * spare;
    }
    let u: number;
    let v: number;
    let radiusSquared: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      radiusSquared = u * u + v * v;
    } while (radiusSquared >= 1 || radiusSquared === 0);
    const scale = Math.sqrt((-2 * Math.log(radiusSquared)) / radiusSquared);
    this.spareNormal = v * scale;
    return mean + std * u * scale;
  }

  /** Shuffle `items` in place (Fisher–Yates) and return it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = items[i]!;
      items[i] = items[j]!;
      items[j] = held;
    }
    return items;
  }

  /**
   * Draw an index from a categorical distribution. `weights` are non-negative and need not sum to one (they are
   * normalised); zero-weight entries are never chosen.
   */
  choice(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`Rng.choice: weight ${i} is ${w}; weights must be finite and ≥ 0`);
      total += w;
    }
    if (!(total > 0)) throw new Error('Rng.choice: weights sum to zero');
    const target = this.next() * total;
    let cumulative = 0;
    let lastPositive = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      cumulative += w;
      lastPositive = i;
      if (target < cumulative) return i;
    }
    // Rounding can leave `target` a hair above the accumulated sum; the last non-zero entry owns that sliver.
    return lastPositive;
  }

  /** A snapshot of the full state (JSON-serialisable); `setState` of it replays the exact same future. */
  getState(): RngState {
    return { words: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spareNormal };
  }

  setState(state: RngState): void {
    const words = state?.words;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new Error('Rng.setState: words must be four unsigned 32-bit integers');
    }
    if (words.every((w) => w === 0)) throw new Error('Rng.setState: the all-zero state is invalid for xoshiro128**');
    const spare = state.spareNormal;
    if (spare !== null && spare !== undefined && !Number.isFinite(spare)) throw new Error('Rng.setState: spareNormal must be a finite number or null');
    [this.s0, this.s1, this.s2, this.s3] = words;
    this.spareNormal = spare ?? null;
  }

  /** An independent copy that continues this exact sequence without affecting it. */
  clone(): Rng {
    return Rng.fromState(this.getState());
  }

  /**
   * An independent generator for a named or numbered sub-stream (e.g. one per worker or per data-loader epoch).
   * The child is derived by hashing this generator's current state with `stream`; the parent does not advance, so
   * `fork(k)` is a pure function of (state, k): the same key gives the same child, different keys unrelated ones.
   */
  fork(stream: number | string): Rng {
    return new Rng(0).reseedFrom([this.s0, this.s1, this.s2, this.s3, ...seedWords(stream), 0x5eed5eed]);
  }

  private reseedFrom(words: number[]): Rng {
    [this.s0, this.s1, this.s2, this.s3] = expandSeed(words);
    this.spareNormal = null;
    return this;
  }
}
