/**
 * The lattice of a finished chain, sampled from the model given its (W, A, X) (crystalformer.md §5.6): decode the
 * fixed tokens through the KV-cache step graphs, feed the stop token after the last site, and draw the lattice
 * from the Gaussian-mixture head of that row, as the sampler does (§5.2: L = μ_k + σ_k·√T·ε). Along the way
 * the per-type log-probabilities of the fixed tokens are read off the same rows, so records carry the same numbers
 * `cfstudio generate` would report for this sequence.
 */
import type { Rng } from '../../../shared/random.ts';
import { N_SLOTS, wyckoffTables } from '../../../shared/tokens/index.ts';
import type { ParameterStore } from '../params.ts';
import { ATOM_CLASSES, WYCKOFF_CLASSES, type ModelConfig } from '../model/config.ts';
import { writeAtomMask, writeWyckoffMask } from '../model/masks.ts';
import { vonMisesMixtureLogPdf } from '../model/distributions.ts';
import { sampleLattice } from '../model/lattice-distribution.ts';
import { OutputRows } from '../model/output-row.ts';
import { KvCacheBackend } from '../sample/backends.ts';
import { maskedLogSoftmax, sampleCategorical } from '../sample/categorical.ts';
import type { SampledCrystal } from '../sample/sampler.ts';
import type { McmcCrystal } from './mcmc.ts';

export class ConditionalLatticeSampler {
  private constructor(
    private readonly config: ModelConfig,
    private readonly backend: KvCacheBackend,
  ) {}

  static async create(config: ModelConfig, params: ParameterStore, threads?: number): Promise<ConditionalLatticeSampler> {
    return new ConditionalLatticeSampler(config, await KvCacheBackend.create(config, params, threads));
  }

  /** One batch; every crystal must have the same number of sites (chains of one template do). */
  async sample(crystals: readonly McmcCrystal[], rng: Rng, temperature = 1): Promise<SampledCrystal[]> {
    const B = crystals.length;
    if (B === 0) return [];
    const n = crystals[0]!.numSites;
    if (crystals.some((c) => c.numSites !== n)) throw new Error('sampleLattices: crystals of one batch must have the same number of sites');
    const tables = wyckoffTables();
    const O = this.backend.outputWidth;
    const mask = new Float32Array(Math.max(ATOM_CLASSES, WYCKOFF_CLASSES));
    const logProbs = new Float64Array(Math.max(ATOM_CLASSES, WYCKOFF_CLASSES));
    const logp = crystals.map(() => ({ wyckoff: 0, atoms: 0, coords: 0, lattice: 0 }));
    const spaceGroups = Int32Array.from(crystals, (c) => c.spaceGroup);

    let rows = OutputRows.firstWyckoff(await this.backend.start(spaceGroups), this.config);
    for (let slot = 0; slot <= n && slot < N_SLOTS; slot++) {
      const w = Int32Array.from(crystals, (c) => (slot < n ? c.wyckoff[slot]! : 0));
      const multiplicity = Float32Array.from(crystals, (c, b) => tables.multiplicityOf(c.spaceGroup, w[b]!));
      for (let b = 0; b < B; b++) {
        const c = crystals[b]!;
        writeWyckoffMask(tables, c.spaceGroup, slot === 0 ? null : c.wyckoff[slot - 1]!, mask, 0, slot);
        maskedLogSoftmax(rows.data, rows.wyckoffLogits(b), WYCKOFF_CLASSES, mask, 0, logProbs);
        logp[b]!.wyckoff += logProbs[w[b]!]!;
      }
      rows = OutputRows.of(await this.backend.step('w', 5 * slot, { ints: w, multiplicity }), O, this.config);
      if (slot === n) break;
      const a = Int32Array.from(crystals, (c) => c.atoms[slot]!);
      for (let b = 0; b < B; b++) {
        writeAtomMask(w[b]!, mask, 0);
        maskedLogSoftmax(rows.data, rows.atomLogits(b), ATOM_CLASSES, mask, 0, logProbs);
        logp[b]!.atoms += logProbs[a[b]!]!;
      }
      rows = OutputRows.of(await this.backend.step('a', 5 * slot + 1, { ints: a }), O, this.config);
      for (let axis = 0; axis < 3; axis++) {
        const values = Float32Array.from(crystals, (c) => c.coords[3 * slot + axis]!);
        for (let b = 0; b < B; b++) {
          const c = crystals[b]!;
          if (!tables.isFreeAxis(c.spaceGroup, w[b]!, axis)) continue;
          const mixture = rows.coordinateMixture(b);
          logp[b]!.coords += vonMisesMixtureLogPdf(values[b]!, mixture.logits, mixture.mu, mixture.kappa);
        }
        rows = OutputRows.of(await this.backend.step(axis === 0 ? 'x' : axis === 1 ? 'y' : 'z', 5 * slot + 2 + axis, { floats: values }), O, this.config);
      }
    }

    // `rows` is now the row after the stop token: its lattice head parameterises L.
    return crystals.map((c, b) => {
      // The sampler's lattice draw (lattice-distribution.ts): truncated mixtures, so every draw is a cell.
      const lattice = new Float64Array(6);
      const free = tables.freeLatticeParameters(c.spaceGroup);
      logp[b]!.lattice += sampleLattice(rows.latticeHead(b), free, temperature, 1, () => rng.next(), lattice);
      const l = logp[b]!;
      return {
        spaceGroup: c.spaceGroup,
        wyckoff: Int32Array.from(c.wyckoff),
        atoms: Int32Array.from(c.atoms),
        coords: Float64Array.from(c.coords),
        lattice,
        numSites: n,
        logp: { ...l, total: l.wyckoff + l.atoms + l.coords + l.lattice },
      };
    });
  }

  async release(): Promise<void> {
    await this.backend.release();
  }
}
