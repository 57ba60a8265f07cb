/**
 * Batched autoregressive sampling (crystalformer.md §5): for each slot, W then A, X, Y, Z, in lockstep over a batch,
 * one network step per token. JavaScript draws every token in float64 (categoricals with temperature and top-p,
 * von Mises mixtures, the lattice Gaussian mixture), applies the masks and the user's conditions, projects
 * coordinates onto the Wyckoff position, and drops finished crystals from the batch.
 *
 * Log-probabilities are recorded under the model's own masks (what `cfstudio score` computes for the same sequence),
 * not under the sampling distribution reshaped by temperature, top-p or user conditions.
 */
import { Rng } from '../../../shared/random.ts';
import { type CrystalTokens, N_SLOTS, letterToIndex, projectSampledCoordinates, indexToLetter, wyckoffTables, type WyckoffTables } from '../../../shared/tokens/index.ts';
import { ATOM_CLASSES, type ModelConfig, WYCKOFF_CLASSES } from '../model/config.ts';
import { FORBIDDEN, writeAtomMask, writeWyckoffMask } from '../model/masks.ts';
import { logI0eApprox, sampleVonMises, vonMisesMixtureLogPdf } from '../model/distributions.ts';
import { type LatticeHead, sampleLattice } from '../model/lattice-distribution.ts';
import { OutputRows } from '../model/output-row.ts';
import type { ParameterStore } from '../params.ts';
import { KvCacheBackend, PrefixBackend, type StepBackend } from './backends.ts';
import { maskedLogSoftmax, sampleCategorical } from './categorical.ts';
import { SamplingLanes } from './lanes.ts';
import { type SamplingConditions, siteElementSet, validateConditions } from './conditions.ts';
import { compositionConstraint } from './composition.ts';

export interface SampleOptions {
  temperature?: number;
  topP?: number;
  seed?: number;
  batchSize?: number;
  /** When given, counts every crystal drawn and every one kept (met the whole-crystal conditions such as `requiredElements`). */
  statistics?: DrawStatistics;
  /** When given, accumulates the time spent in the network (benchmarks split a run into network and draws with it). */
  timing?: SamplerTiming;
}

/**
 * Where a sampler's time goes: `networkMs` is wall time inside the decode backend (onnxruntime runs plus writing the
 * new keys and values into the cache), `networkSteps` the number of those calls; the rest of a batch's time is the
 * JavaScript draws (masks, softmax, von Mises and lattice draws, coordinate projection, log-probabilities).
 */
export interface SamplerTiming {
  networkMs: number;
  networkSteps: number;
}

/** How many crystals were drawn and how many of them met the whole-crystal conditions. */
export interface DrawStatistics {
  drawn: number;
  kept: number;
}

/**
 * Redraw budget of a chunk whose crystals must meet whole-crystal conditions (`requiredElements`): at most this many
 * draws per crystal asked for, so conditions met by ≥ 1 % of draws fill the chunk, and rarer ones end with a report.
 */
export const MAX_DRAWS_PER_CRYSTAL = 100;
/** A chunk stops early when none of this many draws met the conditions (they are then met by well under 1 %). */
export const HOPELESS_AFTER_DRAWS = 2000;

/** One sampled token sequence (the lattice is normalised as the model sees it: lengths / N^(1/3), angles in rad). */
export interface SampledCrystal extends CrystalTokens {
  /** Log-probabilities per token type under the model's own masks, and their sum. */
  logp: { wyckoff: number; atoms: number; coords: number; lattice: number; total: number };
  /**
   * With an exact composition: Σ over the W and A tokens of log(model probability of the tokens the composition
   * allowed). exp() of it is the importance weight of this draw, so its mean over draws in a group estimates the
   * probability that the model, unconstrained in that group, writes the composition (csp/plan.ts uses it).
   */
  logAllowedMass?: number;
}

/** A crystal being decoded: its tokens so far and what the conditions and the record need along the way. */
interface CrystalState extends CrystalTokens {
  atomsInCell: number;
  /** With a composition condition: atoms placed so far per element of the condition. */
  counts: Int32Array;
  logAllowedMass: number;
  previous: number | null;
  logp: { wyckoff: number; atoms: number; coords: number; lattice: number };
  /** This crystal's own random stream (crystalStreams): its draws do not depend on which rows share its batch. */
  uniform: () => number;
}

export class CrystalSampler {
  private readonly tables: WyckoffTables;
  private readonly scratch = new Float64Array(Math.max(ATOM_CLASSES, WYCKOFF_CLASSES));
  private readonly logProbs = new Float64Array(Math.max(ATOM_CLASSES, WYCKOFF_CLASSES));
  private readonly sampleLogProbs = new Float64Array(Math.max(ATOM_CLASSES, WYCKOFF_CLASSES));
  private readonly maskBuffer = new Float32Array(Math.max(ATOM_CLASSES, WYCKOFF_CLASSES));

  private constructor(
    readonly config: ModelConfig,
    /** Decodes on this thread; null when the batches go to lane workers. */
    private readonly backend: StepBackend | null,
    private readonly lanes: SamplingLanes | null,
  ) {
    this.tables = wyckoffTables();
  }

  /**
   * `threads`: how many cores sampling may use (default 1). With more than one, every batch is split row-wise into
   * `threads` lanes, each decoded by a worker thread with its own decode sessions on one onnxruntime thread
   * (lanes.ts): a decode step is mostly ops too small to split over threads, and onnxruntime-node runs a session
   * synchronously on the thread that calls it, so two whole lanes use two cores where two intra-op threads did not
   * (`npm run bench:vs-torch`, the "2T" rows). Each crystal has its own random stream, so the crystals are those of
   * one thread up to float32 rounding of the network's rows (lanes.ts), and exactly the same for the same `threads`. `backend: 'prefix'` re-runs the whole prefix each step (no KV cache), for benchmarks and tests, on one
   * thread with `threads` intra-op threads.
   * `weightsInGraph` (default true) builds the weights into the decoding graphs (see KvCacheBackend); fine-tuning,
   * which changes them every batch, passes false.
   */
  static async create(config: ModelConfig, params: ParameterStore, options: { backend?: 'kv-cache' | 'prefix'; threads?: number; weightsInGraph?: boolean } = {}): Promise<CrystalSampler> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`CrystalSampler: threads must be a positive integer, got ${threads}`);
    if (options.backend === 'prefix') return new CrystalSampler(config, await PrefixBackend.create(config, params, threads), null);
    const weightsInGraph = options.weightsInGraph ?? true;
    if (threads > 1) return new CrystalSampler(config, null, await SamplingLanes.start(config, params, threads, { weightsInGraph }));
    return new CrystalSampler(config, await KvCacheBackend.create(config, params, 1, { weightsInGraph }), null);
  }

  /** Worker threads decoding this sampler's batches (1: decoded on the calling thread). */
  get threads(): number {
    return this.lanes?.count ?? 1;
  }

  /** Continue sampling with new weights for the same configuration (the policy during RL fine-tuning). */
  setParameters(params: ParameterStore): void {
    this.backend?.setParameters(params);
    this.lanes?.setParameters(params);
  }

  async release(): Promise<void> {
    await this.backend?.release();
    await this.lanes?.close();
  }

  /** Draw the space groups of a batch from the conditions. */
  drawSpaceGroups(conditions: SamplingConditions, count: number, rng: Rng): Int32Array {
    const out = new Int32Array(count);
    if (conditions.spaceGroups.kind === 'list') {
      const groups = conditions.spaceGroups.groups;
      for (let i = 0; i < count; i++) out[i] = groups[groups.length === 1 ? 0 : rng.int(groups.length)]!;
    } else {
      const weights = conditions.spaceGroups.weights;
      for (let i = 0; i < count; i++) out[i] = rng.choice(weights) + 1;
    }
    return out;
  }

  /**
   * Sample one batch for the given space groups. Crystals that break a whole-crystal condition (required elements)
   * are returned as null so the caller can draw again. `rng` gives every crystal its own random stream
   * (crystalStreams), so how the batch is split between lanes changes a crystal only through float32 rounding.
   */
  async sampleBatch(spaceGroups: Int32Array, conditions: SamplingConditions, rng: Rng, options: SampleOptions = {}): Promise<(SampledCrystal | null)[]> {
    const streams = crystalStreams(rng, spaceGroups.length);
    if (this.lanes) return this.lanes.sample(spaceGroups, streams, conditions, options);
    return this.sampleStreams(spaceGroups, streams, conditions, options);
  }

  /**
   * Decode a batch on this thread: crystal r draws every token from `new Rng(streams[r])`. A lane worker (lanes.ts)
   * runs this on its share of a batch.
   */
  async sampleStreams(spaceGroups: Int32Array, streams: Float64Array, conditions: SamplingConditions, options: SampleOptions = {}): Promise<(SampledCrystal | null)[]> {
    if (!this.backend) throw new Error('internal error: a sampler with lanes decodes in its lane workers');
    if (streams.length !== spaceGroups.length) throw new Error(`internal error: ${streams.length} random streams for ${spaceGroups.length} crystals`);
    const temperature = options.temperature ?? 1;
    const topP = options.topP ?? 1;
    const backend = this.backend;
    const kx = this.config.coordComponents;
    const O = backend.outputWidth;
    const prompt = (conditions.wyckoffPrompt?.letters ?? []).map(letterToIndex);
    const maxSites = Math.min(conditions.maxSites ?? N_SLOTS - 1, N_SLOTS - 1);
    const composition = conditions.composition ? compositionConstraint(conditions.composition, this.tables) : null;

    const states: CrystalState[] = Array.from(spaceGroups, (g, i) => ({
      spaceGroup: g,
      wyckoff: new Int32Array(N_SLOTS),
      atoms: new Int32Array(N_SLOTS),
      coords: new Float64Array(N_SLOTS * 3),
      lattice: new Float64Array(6),
      numSites: 0,
      atomsInCell: 0,
      counts: new Int32Array(conditions.composition?.elements.length ?? 0),
      logAllowedMass: 0,
      previous: null,
      logp: { wyckoff: 0, atoms: 0, coords: 0, lattice: 0 },
      uniform: streamUniform(streams[i]!),
    }));
    const results: (SampledCrystal | null)[] = new Array(states.length).fill(null);
    let active = states.map((_, i) => i); // batch row → crystal index
    const timing = options.timing;
    const network = async (run: () => Promise<Float32Array>): Promise<Float32Array> => {
      if (!timing) return run();
      const t0 = performance.now();
      const out = await run();
      timing.networkMs += performance.now() - t0;
      timing.networkSteps++;
      return out;
    };
    const minSites = conditions.minSites ?? 0;
    let rows = OutputRows.firstWyckoff(await network(() => backend.start(spaceGroups)), this.config);

    for (let slot = 0; slot < N_SLOTS; slot++) {
      const B = active.length;
      // --- W_slot
      const chosenW = new Int32Array(B);
      const multiplicity = new Float32Array(B);
      for (let r = 0; r < B; r++) {
        const st = states[active[r]!]!;
        writeWyckoffMask(this.tables, st.spaceGroup, st.previous, this.maskBuffer, 0, slot);
        maskedLogSoftmax(rows.data, rows.wyckoffLogits(r), WYCKOFF_CLASSES, this.maskBuffer, 0, this.logProbs);
        // The user's conditions reshape what may be drawn (not the recorded model log-probability).
        this.sampleLogProbs.set(this.logProbs);
        const forced = slot < prompt.length ? prompt[slot]! : conditions.wyckoffPrompt?.complete && slot >= prompt.length ? 0 : slot >= maxSites ? 0 : -1;
        for (let w = 0; w < WYCKOFF_CLASSES; w++) {
          let ok = forced < 0 || w === forced;
          if (ok && w === 0 && forced < 0 && slot < minSites) ok = false;
          if (ok && w > 0 && conditions.maxAtoms !== undefined) ok = st.atomsInCell + this.tables.multiplicityOf(st.spaceGroup, w) <= conditions.maxAtoms;
          // Exact composition: stop only at an allowed cell; a letter only when some element can take it and the
          // rest can still be completed (composition.ts). Letters the model forbids here are already masked.
          if (ok && composition && this.logProbs[w]! > -1e8) ok = w === 0 ? composition.mayStop(st.counts) : composition.mayTakeLetter(st.spaceGroup, slot, st.counts, w);
          if (!ok) this.sampleLogProbs[w] = FORBIDDEN;
        }
        if (composition && forced < 0 && !this.sampleLogProbs.subarray(0, WYCKOFF_CLASSES).some((v) => v > -1e8)) {
          // Validation checked that every group drawn can reach the composition, and every token kept it reachable.
          throw new Error(`internal error: no Wyckoff letter completes the composition at slot ${slot + 1} in space group ${st.spaceGroup}`);
        }
        if (composition) st.logAllowedMass += allowedLogMass(this.logProbs, this.sampleLogProbs, WYCKOFF_CLASSES);
        let w: number;
        if (forced >= 0) w = forced;
        else if (this.sampleLogProbs.subarray(0, WYCKOFF_CLASSES).some((v) => v > -1e8)) w = sampleCategorical(this.sampleLogProbs, WYCKOFF_CLASSES, temperature, topP, st.uniform, this.scratch);
        else w = 0;
        if (this.logProbs[w]! <= -1e8) {
          // A forced letter the model's ordering rules forbid here (validated prompts never get here).
          throw new Error(`Wyckoff ${w === 0 ? 'stop' : indexToLetter(w)} is not allowed at slot ${slot + 1} in space group ${st.spaceGroup}`);
        }
        st.logp.wyckoff += this.logProbs[w]!;
        st.wyckoff[slot] = w;
        chosenW[r] = w;
        multiplicity[r] = this.tables.multiplicityOf(st.spaceGroup, w);
      }
      rows = OutputRows.of(await network(() => backend.step('w', 5 * slot, { ints: chosenW, multiplicity })), O, this.config);

      // Crystals that just stopped: sample the lattice from this row and leave the batch.
      const continuing: number[] = [];
      for (let r = 0; r < B; r++) {
        const st = states[active[r]!]!;
        if (chosenW[r] !== 0) {
          continuing.push(r);
          continue;
        }
        this.sampleLattice(st, rows.latticeHead(r), temperature, topP);
        results[active[r]!] = this.finish(st, conditions);
      }
      if (continuing.length === 0) break;
      if (continuing.length < B) {
        backend.keep(continuing);
        rows = rows.keep(continuing);
        active = continuing.map((r) => active[r]!);
      }
      const Bc = active.length;

      // --- A_slot
      const chosenA = new Int32Array(Bc);
      for (let r = 0; r < Bc; r++) {
        const st = states[active[r]!]!;
        const w = st.wyckoff[slot]!;
        writeAtomMask(w, this.maskBuffer, 0);
        maskedLogSoftmax(rows.data, rows.atomLogits(r), ATOM_CLASSES, this.maskBuffer, 0, this.logProbs);
        this.sampleLogProbs.set(this.logProbs);
        const tie = conditions.ties?.find(([, j]) => j === slot);
        const allowed = siteElementSet(conditions, slot < prompt.length ? slot : Number.MAX_SAFE_INTEGER);
        for (let a = 1; a < ATOM_CLASSES; a++) {
          if (tie ? a !== st.atoms[tie[0]] : allowed ? !allowed.has(a) : false) this.sampleLogProbs[a] = FORBIDDEN;
          else if (composition) {
            const element = composition.indexOf(a);
            if (element < 0 || !composition.mayTakeElement(st.spaceGroup, slot, st.counts, w, element)) this.sampleLogProbs[a] = FORBIDDEN;
          }
        }
        if (composition) st.logAllowedMass += allowedLogMass(this.logProbs, this.sampleLogProbs, ATOM_CLASSES);
        const a = sampleCategorical(this.sampleLogProbs, ATOM_CLASSES, temperature, topP, st.uniform, this.scratch);
        if (composition) st.counts[composition.indexOf(a)]! += composition.multiplicity(st.spaceGroup, w);
        st.logp.atoms += this.logProbs[a]!;
        st.atoms[slot] = a;
        chosenA[r] = a;
      }
      rows = OutputRows.of(await network(() => backend.step('a', 5 * slot + 1, { ints: chosenA })), O, this.config);

      // --- X, Y, Z of the slot: sample, project onto the Wyckoff position, score the projected value.
      for (let axis = 0; axis < 3; axis++) {
        const values = new Float32Array(Bc);
        for (let r = 0; r < Bc; r++) {
          const st = states[active[r]!]!;
          const w = st.wyckoff[slot]!;
          const raw = this.sampleCoordinate(rows, r, kx, temperature, topP, st.uniform);
          const current: [number, number, number] = [st.coords[slot * 3]!, st.coords[slot * 3 + 1]!, st.coords[slot * 3 + 2]!];
          current[axis] = raw;
          const projected = projectSampledCoordinates(st.spaceGroup, indexToLetter(w), current)[axis]!;
          st.coords[slot * 3 + axis] = projected;
          if (this.tables.isFreeAxis(st.spaceGroup, w, axis)) {
            const mixture = rows.coordinateMixture(r);
            st.logp.coords += vonMisesMixtureLogPdf(projected, mixture.logits, mixture.mu, mixture.kappa, logI0eApprox);
          }
          values[r] = projected;
        }
        rows = OutputRows.of(await network(() => backend.step(axis === 0 ? 'x' : axis === 1 ? 'y' : 'z', 5 * slot + 2 + axis, { floats: values })), O, this.config);
      }
      for (let r = 0; r < Bc; r++) {
        const st = states[active[r]!]!;
        st.previous = st.wyckoff[slot]!;
        st.numSites = slot + 1;
        st.atomsInCell += this.tables.multiplicityOf(st.spaceGroup, st.wyckoff[slot]!);
      }
    }
    return results;
  }

  private sampleCoordinate(rows: OutputRows, r: number, k: number, temperature: number, topP: number, uniform: () => number): number {
    maskedLogSoftmax(rows.data, rows.coordinateLogits(r), k, null, 0, this.logProbs);
    const component = sampleCategorical(this.logProbs, k, temperature, topP, uniform, this.scratch);
    const { mu, kappa } = rows.coordinateComponent(r, component);
    const theta = sampleVonMises(mu, kappa / Math.max(temperature, 1e-6), uniform);
    const x = theta / (2 * Math.PI) + 0.5;
    return x - Math.floor(x);
  }

  private sampleLattice(st: CrystalState, head: LatticeHead, temperature: number, topP: number): void {
    // Truncated mixtures: every draw is a cell (lattice-distribution.ts); the log-probability is the scoring graph's.
    const free = this.tables.freeLatticeParameters(st.spaceGroup);
    st.logp.lattice = sampleLattice(head, free, temperature, topP, st.uniform, st.lattice);
  }

  private finish(st: CrystalState, conditions: SamplingConditions): SampledCrystal | null {
    if (conditions.requiredElements?.some((z) => !st.atoms.includes(z))) return null;
    const { wyckoff, atoms, coords, lattice, atomsInCell } = st;
    void atomsInCell;
    return {
      spaceGroup: st.spaceGroup,
      wyckoff,
      atoms,
      coords,
      lattice,
      numSites: st.numSites,
      logp: { ...st.logp, total: st.logp.wyckoff + st.logp.atoms + st.logp.coords + st.logp.lattice },
      ...(conditions.composition ? { logAllowedMass: st.logAllowedMass } : {}),
    };
  }

  /**
   * Sample `count` crystals in chunks of one batch. Conditions are validated first. Chunk c draws from its own random
   * stream (`chunkSeed(seed, c)`), so a chunk can be sampled anywhere — another thread, another pipeline (see
   * pipelines.ts) — and give the same crystals.
   */
  async *sample(conditions: SamplingConditions, count: number, options: SampleOptions = {}): AsyncGenerator<SampledCrystal> {
    validateConditions(conditions);
    const batchSize = options.batchSize ?? 256;
    for (let chunk = 0; chunk * batchSize < count; chunk++) {
      yield* this.sampleChunk(conditions, Math.min(batchSize, count - chunk * batchSize), chunkSeed(options.seed ?? 0, chunk), options);
    }
  }

  /**
   * One chunk: `count` crystals (at most a batch) from the random stream `seed`. Crystals rejected by whole-crystal
   * conditions are drawn again until the chunk is full: each round draws as many as the acceptance rate seen so far
   * says are needed (at most a batch), up to MAX_DRAWS_PER_CRYSTAL draws per crystal asked for, and stops early when
   * HOPELESS_AFTER_DRAWS draws kept none. The result is shorter than `count` only then; `options.statistics` says how
   * many were drawn and kept, for the caller to report.
   */
  async *sampleChunk(conditions: SamplingConditions, count: number, seed: string, options: SampleOptions = {}): AsyncGenerator<SampledCrystal> {
    const rng = new Rng(seed);
    const batchSize = Math.max(options.batchSize ?? 256, count);
    const budget = MAX_DRAWS_PER_CRYSTAL * count;
    let produced = 0;
    let drawn = 0;
    while (produced < count && drawn < budget && !(produced === 0 && drawn >= HOPELESS_AFTER_DRAWS)) {
      const needed = count - produced;
      // Laplace-smoothed acceptance rate: the first round draws exactly what is needed (no conditions → rate 1).
      const rate = drawn === 0 ? 1 : (produced + 1) / (drawn + 2);
      const size = Math.min(batchSize, budget - drawn, Math.max(needed, Math.ceil(needed / rate)));
      const groups = this.drawSpaceGroups(conditions, size, rng);
      const batch = await this.sampleBatch(groups, conditions, rng, options);
      drawn += batch.length;
      if (options.statistics) options.statistics.drawn += batch.length;
      for (const crystal of batch) {
        if (crystal && produced < count) {
          produced++;
          if (options.statistics) options.statistics.kept++;
          yield crystal;
        }
      }
    }
  }
}

/**
 * One random stream per crystal of a batch, drawn from the batch's generator (which advances by two draws per
 * crystal): a crystal's tokens then depend on its stream and the network alone, not on the rows decoded beside it, so
 * a batch split between lanes gives the crystals it gives whole (to float32 rounding of the network's rows). Each
 * stream is a 53-bit integer seed (Rng(seed)).
 */
export function crystalStreams(rng: Rng, count: number): Float64Array {
  const streams = new Float64Array(count);
  for (let i = 0; i < count; i++) streams[i] = (rng.nextUint32() >>> 11) * 4294967296 + rng.nextUint32();
  return streams;
}

function streamUniform(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** The random stream of chunk `chunk` of a run with seed `seed`. */
export function chunkSeed(seed: number, chunk: number): string {
  return `${seed}/chunk/${chunk}`;
}

/** log Σ exp(model log-probability) over the classes the conditions left allowed (entries of `allowed` above −1e8). */
function allowedLogMass(model: Float64Array, allowed: Float64Array, length: number): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) if (allowed[i]! > -1e8 && model[i]! > max) max = model[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < length; i++) if (allowed[i]! > -1e8) sum += Math.exp(model[i]! - max);
  return max + Math.log(sum);
}
