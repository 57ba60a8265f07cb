/**
 * Metropolis–Hastings over the token string with annealing (crystalformer.md §5.6, §5.7): many chains run in
 * lockstep as one batch, so every MH step is one run of the log-likelihood graph.
 *
 * Target at temperature T: π_T(A, X) ∝ exp((log p(W, A, X) + reward(A, X)) / T), with W fixed by the template and
 * the lattice term excluded (its weights are zeroed in the feeds, as §5.6 targets logp_w + logp_a + logp_xyz).
 * Step t works on the t-th movable site (cycling); one sweep visits every movable site once. Proposal for that
 * site, in every chain: a new element drawn uniformly from the site's allowed set (tied sites follow) AND a shift
 * of its free coordinate parameters by centred von Mises draws (κ = 1/width², added directly to the fractional
 * parameters, §5.6). The shift moves the parameters v of the representative form p = R·v + t, i.e. p' = p + R·δ,
 * so the proposal stays exactly on the form and is symmetric (δ and −δ are equally likely; a uniform element draw
 * is symmetric too), hence accepted with min(1, exp(Δ/T)).
 * Afterwards the lattice is sampled from the model conditioned on the final (W, A, X) (lattice.ts).
 */
import { Rng } from '../../../shared/random.ts';
import { N_SLOTS, indexToLetter, projectSampledCoordinates, wyckoffTables, type WyckoffTables } from '../../../shared/tokens/index.ts';
import { wrapUnit } from '../../../shared/crystal/linalg.ts';
import { elementSymbol } from '../../../shared/crystal/elements.ts';
import { createSession, ort, type EngineSession } from '../runtime.ts';
import type { ParameterStore } from '../params.ts';
import type { ModelConfig } from '../model/config.ts';
import { makeBatch, packTokens } from '../model/batch.ts';
import { buildLogLikelihoodGraph } from '../model/graphs.ts';
import { sampleVonMises } from '../model/distributions.ts';
import { toOrtFeeds } from '../train/evaluate-nll.ts';
import type { SampledCrystal } from '../sample/sampler.ts';
import { ConditionalLatticeSampler } from './lattice.ts';
import { type McmcTemplate, type ResolvedTemplate, movableSites, resolveTemplate } from './template.ts';

/** The token state of one chain (no lattice: the chain never looks at it). */
export interface McmcCrystal {
  spaceGroup: number;
  numSites: number;
  /** N_SLOTS entries, 0 = padding. */
  wyckoff: Int32Array;
  /** N_SLOTS entries, atomic numbers, 0 = padding. */
  atoms: Int32Array;
  /** N_SLOTS × 3 fractional coordinates of the orbit representatives. */
  coords: Float64Array;
}

/**
 * A reward for guided MCMC (higher is better): one finite number per crystal, in order. The chain targets
 * exp((log p + reward)/T). The crystals carry tokens only (no lattice); a reward that needs a lattice must build
 * one itself. The rewards module can plug in here through a small adapter.
 */
export type McmcReward = (crystals: readonly McmcCrystal[]) => Promise<ArrayLike<number>>;

export type AnnealingSchedule = 'inverse-linear' | 'geometric';

export interface McmcOptions {
  /** Chains run in parallel (one batch). Default 128. */
  chains?: number;
  /** Sweeps; each visits every movable site once. Default 20. */
  sweeps?: number;
  /** Temperature of the first and last sweep. Default 1 and 1 (plain MH on the model's distribution). */
  temperatureStart?: number;
  temperatureEnd?: number;
  /** How T goes from start to end: 1/T linear in the sweep (§5.7, default) or T geometric. */
  schedule?: AnnealingSchedule;
  /** von Mises width of the coordinate proposal (κ = 1/width²). Default 0.1 (§5.6). */
  width?: number;
  seed?: number;
  reward?: McmcReward;
  /** Called after every sweep. */
  onSweep?: (stats: SweepStats) => void;
}

export interface SweepStats {
  /** 1-based. */
  sweep: number;
  temperature: number;
  /** Accepted / proposed over this sweep (all chains, all steps). */
  acceptance: number;
  /** Per movable site (template index → acceptance in this sweep). */
  siteAcceptance: Record<number, number>;
  /** log p(W, A, X) over chains after the sweep. */
  meanLogp: number;
  maxLogp: number;
  /** Mean reward over chains after the sweep, or null without a reward. */
  meanReward: number | null;
  steps: number;
  seconds: number;
}

export interface McmcChainResult {
  crystal: McmcCrystal;
  /** log p(W, A, X) of the final state (lattice excluded). */
  logp: number;
  reward: number | null;
}

export interface McmcResult {
  template: ResolvedTemplate;
  chains: McmcChainResult[];
  sweeps: SweepStats[];
  steps: number;
  /** MH steps per second (each step updates every chain). */
  stepsPerSecond: number;
  seconds: number;
}

/** Temperature of sweep k (0-based) of n. */
export function annealingTemperature(k: number, n: number, start: number, end: number, schedule: AnnealingSchedule): number {
  if (n <= 1) return end;
  const f = k / (n - 1);
  return schedule === 'geometric' ? start * Math.pow(end / start, f) : 1 / (1 / start + (1 / end - 1 / start) * f);
}

/** Scores token sequences: log p(W, A, X) per crystal in one graph run (lattice weights zeroed). */
export class TokenScorer {
  private constructor(
    private readonly engine: EngineSession,
    private readonly parameterFeeds: Record<string, ort.Tensor>,
    private readonly tables: WyckoffTables,
  ) {}

  static async create(config: ModelConfig, params: ParameterStore, threads?: number): Promise<TokenScorer> {
    const { bytes, parameters } = buildLogLikelihoodGraph(config);
    const engine = await createSession(bytes, { cache: false, log: () => {}, ...(threads ? { intraOpNumThreads: threads } : {}) });
    const feeds: Record<string, ort.Tensor> = {};
    for (const p of parameters) {
      if (!params.has(p.name)) throw new Error(`model has no parameter '${p.name}'`);
      feeds[p.name] = new ort.Tensor('float32', params.get(p.name), p.shape);
    }
    return new TokenScorer(engine, feeds, wyckoffTables());
  }

  /** log p(W, A, X) of each crystal (float32 graph, returned as float64). */
  async score(crystals: readonly McmcCrystal[]): Promise<Float64Array> {
    const n = crystals.length;
    const data = packTokens(crystals);
    const batch = makeBatch(data, Array.from({ length: n }, (_, i) => i), this.tables);
    (batch.feeds.lattice_weight!.data as Float32Array).fill(0);
    const out = await this.engine.run({ ...toOrtFeeds(batch.feeds), ...this.parameterFeeds }, ['logp_wyckoff', 'logp_atoms', 'logp_coords']);
    const w = out.logp_wyckoff!.data as Float32Array;
    const a = out.logp_atoms!.data as Float32Array;
    const x = out.logp_coords!.data as Float32Array;
    return Float64Array.from({ length: n }, (_, i) => w[i]! + a[i]! + x[i]!);
  }

  async release(): Promise<void> {
    await this.engine.release();
  }
}

function cloneCrystal(c: McmcCrystal): McmcCrystal {
  return { spaceGroup: c.spaceGroup, numSites: c.numSites, wyckoff: c.wyckoff, atoms: Int32Array.from(c.atoms), coords: Float64Array.from(c.coords) };
}

/** A random starting state for the template: masked elements uniform from their sets, free coordinates uniform. */
export function initialCrystal(t: ResolvedTemplate, rng: Rng): McmcCrystal {
  const n = t.letters.length;
  const wyckoff = new Int32Array(N_SLOTS);
  const atoms = new Int32Array(N_SLOTS);
  const coords = new Float64Array(N_SLOTS * 3);
  for (let s = 0; s < n; s++) {
    wyckoff[s] = t.wyckoff[s]!;
    const tie = t.tiedTo[s]!;
    atoms[s] = tie !== null ? atoms[tie]! : (t.fixedElement[s] ?? t.allowed[s]![rng.int(t.allowed[s]!.length)]!);
    const xyz = t.fixedCoords[s] ?? projectSampledCoordinates(t.spaceGroup, t.letters[s]!, [rng.next(), rng.next(), rng.next()]);
    coords.set(xyz, 3 * s);
  }
  return { spaceGroup: t.spaceGroup, numSites: n, wyckoff, atoms, coords };
}

/** Runs MCMC chains on templates with one model; `sampleLattices` finishes chains into full crystals. */
export class CrystalMcmc {
  private latticeSampler: ConditionalLatticeSampler | null = null;

  private constructor(
    readonly config: ModelConfig,
    private readonly params: ParameterStore,
    readonly scorer: TokenScorer,
    private readonly threads: number | undefined,
  ) {}

  static async create(config: ModelConfig, params: ParameterStore, options: { threads?: number } = {}): Promise<CrystalMcmc> {
    return new CrystalMcmc(config, params, await TokenScorer.create(config, params, options.threads), options.threads);
  }

  async run(template: McmcTemplate | ResolvedTemplate, options: McmcOptions = {}): Promise<McmcResult> {
    const t = 'letters' in template ? template : resolveTemplate(template);
    const chains = options.chains ?? 128;
    const sweeps = options.sweeps ?? 20;
    const t0 = options.temperatureStart ?? 1;
    const t1 = options.temperatureEnd ?? 1;
    const schedule = options.schedule ?? 'inverse-linear';
    const width = options.width ?? 0.1;
    if (!(Number.isInteger(chains) && chains >= 1)) throw new Error(`chains must be a positive integer, got ${chains}`);
    if (!(Number.isInteger(sweeps) && sweeps >= 0)) throw new Error(`sweeps must be a non-negative integer, got ${sweeps}`);
    if (!(t0 > 0 && t1 > 0 && Number.isFinite(t0) && Number.isFinite(t1))) throw new Error(`temperatures must be positive, got ${t0} and ${t1}`);
    if (!(width > 0 && Number.isFinite(width))) throw new Error(`width must be positive, got ${width}`);
    const rng = new Rng(options.seed ?? 0);
    const kappa = 1 / (width * width);
    const sites = movableSites(t);
    const tables = wyckoffTables();

    let state = Array.from({ length: chains }, () => initialCrystal(t, rng));
    let logp = await this.scorer.score(state);
    let reward = options.reward ? await this.rewards(options.reward, state) : null;
    const history: SweepStats[] = [];
    const started = performance.now();
    let steps = 0;

    for (let k = 0; k < sweeps; k++) {
      const sweepStart = performance.now();
      const temperature = annealingTemperature(k, sweeps, t0, t1, schedule);
      let proposed = 0;
      let accepted = 0;
      const siteAcceptance: Record<number, number> = {};
      for (const s of sites) {
        const proposal = state.map((c) => this.propose(t, c, s, rng, kappa, tables));
        const proposalLogp = await this.scorer.score(proposal);
        const proposalReward = options.reward ? await this.rewards(options.reward, proposal) : null;
        let siteAccepted = 0;
        const next = state.slice();
        for (let c = 0; c < chains; c++) {
          const delta = proposalLogp[c]! - logp[c]! + (reward && proposalReward ? proposalReward[c]! - reward[c]! : 0);
          // Compare in log space: accept when log u < Δ/T (u ∈ (0, 1]); NaN proposals are never accepted.
          if (Math.log(1 - rng.next()) < delta / temperature) {
            next[c] = proposal[c]!;
            logp[c] = proposalLogp[c]!;
            if (reward && proposalReward) reward[c] = proposalReward[c]!;
            siteAccepted++;
          }
        }
        state = next;
        proposed += chains;
        accepted += siteAccepted;
        siteAcceptance[s] = siteAccepted / chains;
        steps++;
      }
      let sum = 0;
      let max = -Infinity;
      for (const v of logp) {
        sum += v;
        if (v > max) max = v;
      }
      const stats: SweepStats = {
        sweep: k + 1,
        temperature,
        acceptance: proposed > 0 ? accepted / proposed : 0,
        siteAcceptance,
        meanLogp: sum / chains,
        maxLogp: max,
        meanReward: reward ? reward.reduce((a, b) => a + b, 0) / chains : null,
        steps: sites.length,
        seconds: (performance.now() - sweepStart) / 1000,
      };
      history.push(stats);
      options.onSweep?.(stats);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      template: t,
      chains: state.map((crystal, c) => ({ crystal, logp: logp[c]!, reward: reward ? reward[c]! : null })),
      sweeps: history,
      steps,
      stepsPerSecond: seconds > 0 ? steps / seconds : 0,
      seconds,
    };
  }

  /** The proposal for site s of one chain: new element (ties follow) and shifted free parameters. */
  private propose(t: ResolvedTemplate, current: McmcCrystal, s: number, rng: Rng, kappa: number, tables: WyckoffTables): McmcCrystal {
    const next = cloneCrystal(current);
    if (t.tiedTo[s] === null && t.fixedElement[s] === null && t.allowed[s]!.length > 1) {
      const z = t.allowed[s]![rng.int(t.allowed[s]!.length)]!;
      next.atoms[s] = z;
      for (let j = 0; j < t.letters.length; j++) if (t.tiedTo[j] === s) next.atoms[j] = z;
    }
    if (t.fixedCoords[s] === null && t.freeParameters[s]!.some(Boolean)) {
      const op = tables.representativeOp(t.spaceGroup, t.wyckoff[s]!);
      const delta = [0, 0, 0];
      for (let j = 0; j < 3; j++) if (t.freeParameters[s]![j]) delta[j] = sampleVonMises(0, kappa, () => rng.next());
      for (let i = 0; i < 3; i++) {
        let shift = 0;
        for (let j = 0; j < 3; j++) shift += op[3 * i + j]! * delta[j]!;
        next.coords[3 * s + i] = wrapUnit(current.coords[3 * s + i]! + shift);
      }
    }
    return next;
  }

  private async rewards(reward: McmcReward, crystals: readonly McmcCrystal[]): Promise<Float64Array> {
    const values = await reward(crystals);
    if (values.length !== crystals.length) throw new Error(`reward: returned ${values.length} values for ${crystals.length} crystals`);
    const out = Float64Array.from(values);
    const bad = out.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`reward: value ${out[bad]} for crystal ${bad + 1} is not a finite number`);
    return out;
  }

  /**
   * Complete chains into crystals: sample the lattice from the model given each chain's (W, A, X) (§5.6), and
   * report log p with the lattice term. `temperature` scales the lattice draw as in the sampler.
   */
  async sampleLattices(result: McmcResult | readonly McmcCrystal[], options: { seed?: number; temperature?: number; batchSize?: number } = {}): Promise<SampledCrystal[]> {
    const crystals = Array.isArray(result) ? (result as readonly McmcCrystal[]) : (result as McmcResult).chains.map((c) => c.crystal);
    this.latticeSampler ??= await ConditionalLatticeSampler.create(this.config, this.params, this.threads);
    const rng = new Rng(options.seed ?? 0);
    const out: SampledCrystal[] = [];
    const size = options.batchSize ?? 256;
    for (let i = 0; i < crystals.length; i += size) out.push(...(await this.latticeSampler.sample(crystals.slice(i, i + size), rng, options.temperature ?? 1)));
    return out;
  }

  async release(): Promise<void> {
    await this.scorer.release();
    await this.latticeSampler?.release();
  }
}

/** Human-readable letters+elements of a chain state, e.g. 'a:Ni b:W c:Ba e:O'. */
export function describeCrystal(c: McmcCrystal): string {
  return Array.from({ length: c.numSites }, (_, s) => `${indexToLetter(c.wyckoff[s]!)}:${elementSymbol(c.atoms[s]!)}`).join(' ');
}
