/**
 * The layout of one row of the network's shared output projection (crystalformer.md §2.3), spelled out once for the
 * likelihood graph (network.ts), the sampler, MCMC's lattice draw and anything else that reads rows. What a row
 * holds depends on the token it predicts:
 * - the next Wyckoff letter (the row after a Z, or the first-letter head): 28 logits from 0;
 * - the element (the row after a W): 119 logits from 0, then, on the row after the stop, the lattice head from 119:
 *   K_l mixture logits, 6·K_l means, 6·K_l raw σ (σ = softplus(raw) + SIGMA_MIN);
 * - a coordinate (the rows after A, X, Y): the von Mises mixture from 0: K_x logits, K_x locations μ, K_x raw
 *   concentrations (κ = softplus(raw)).
 */
import { ATOM_CLASSES, type ModelConfig, WYCKOFF_CLASSES } from './config.ts';
import { softplus } from './distributions.ts';
import { type LatticeHead, latticeHead } from './lattice-distribution.ts';

/** A [start, end) range within a row. */
export type Span = readonly [start: number, end: number];

export interface OutputLayout {
  wyckoffLogits: Span;
  atomLogits: Span;
  /** The whole lattice head, and its parts relative to the row. */
  lattice: Span;
  latticeLogits: Span;
  latticeMeans: Span;
  latticeRawSigma: Span;
  /** The coordinate mixture, whole and in parts. */
  coordinate: Span;
  coordinateLogits: Span;
  coordinateMu: Span;
  coordinateRawKappa: Span;
}

/** Where each prediction sits in a row, for a model with `coordComponents` K_x and `latticeComponents` K_l. */
export function outputLayout(config: Pick<ModelConfig, 'coordComponents' | 'latticeComponents'>): OutputLayout {
  const kx = config.coordComponents;
  const kl = config.latticeComponents;
  const lattice = ATOM_CLASSES;
  return {
    wyckoffLogits: [0, WYCKOFF_CLASSES],
    atomLogits: [0, ATOM_CLASSES],
    lattice: [lattice, lattice + 13 * kl],
    latticeLogits: [lattice, lattice + kl],
    latticeMeans: [lattice + kl, lattice + 7 * kl],
    latticeRawSigma: [lattice + 7 * kl, lattice + 13 * kl],
    coordinate: [0, 3 * kx],
    coordinateLogits: [0, kx],
    coordinateMu: [kx, 2 * kx],
    coordinateRawKappa: [2 * kx, 3 * kx],
  };
}

/** A von Mises mixture read off a row: logits and locations are views into the row, concentrations are computed. */
export interface CoordinateMixture {
  logits: Float32Array;
  mu: Float32Array;
  kappa: Float64Array;
}

/**
 * Rows of one network step, [rows × width] flat, read by what they predict. The first step's Wyckoff head is
 * narrower (28 wide, `OutputRows.firstWyckoff`); every later step has the full output width.
 */
export class OutputRows {
  private constructor(
    readonly data: Float32Array,
    readonly width: number,
    private readonly layout: OutputLayout,
    private readonly latticeComponents: number,
  ) {}

  /** Full-width rows of a step of a model with this configuration. */
  static of(data: Float32Array, width: number, config: Pick<ModelConfig, 'coordComponents' | 'latticeComponents'>): OutputRows {
    return new OutputRows(data, width, outputLayout(config), config.latticeComponents);
  }

  /** The first step's rows: the Wyckoff logits of the first letter alone, 28 per crystal. */
  static firstWyckoff(data: Float32Array, config: Pick<ModelConfig, 'coordComponents' | 'latticeComponents'>): OutputRows {
    return new OutputRows(data, WYCKOFF_CLASSES, outputLayout(config), config.latticeComponents);
  }

  /** Offset in `data` of row r's Wyckoff logits (28 of them). */
  wyckoffLogits(r: number): number {
    return r * this.width + this.layout.wyckoffLogits[0];
  }

  /** Offset in `data` of row r's atom logits (119 of them). */
  atomLogits(r: number): number {
    return r * this.width + this.layout.atomLogits[0];
  }

  /** Offset in `data` of row r's coordinate mixture logits (K_x of them). */
  coordinateLogits(r: number): number {
    return r * this.width + this.layout.coordinateLogits[0];
  }

  /** Row r's coordinate mixture, κ = softplus(raw). */
  coordinateMixture(r: number): CoordinateMixture {
    const o = r * this.width;
    const [kappaStart, kappaEnd] = this.layout.coordinateRawKappa;
    const kappa = new Float64Array(kappaEnd - kappaStart);
    for (let i = 0; i < kappa.length; i++) kappa[i] = softplus(this.data[o + kappaStart + i]!);
    return {
      logits: this.data.subarray(o + this.layout.coordinateLogits[0], o + this.layout.coordinateLogits[1]),
      mu: this.data.subarray(o + this.layout.coordinateMu[0], o + this.layout.coordinateMu[1]),
      kappa,
    };
  }

  /** Location and concentration of component c of row r's coordinate mixture. */
  coordinateComponent(r: number, c: number): { mu: number; kappa: number } {
    const o = r * this.width;
    return { mu: this.data[o + this.layout.coordinateMu[0] + c]!, kappa: softplus(this.data[o + this.layout.coordinateRawKappa[0] + c]!) };
  }

  /** Row r's lattice head (the row after the stop token). */
  latticeHead(r: number): LatticeHead {
    return latticeHead(this.data, r * this.width + this.layout.lattice[0], this.latticeComponents);
  }

  /** The same rows with only the rows listed in `keep`, in that order (crystals that continue after a step). */
  keep(rows: readonly number[]): OutputRows {
    const out = new Float32Array(rows.length * this.width);
    rows.forEach((r, i) => out.set(this.data.subarray(r * this.width, (r + 1) * this.width), i * this.width));
    return new OutputRows(out, this.width, this.layout, this.latticeComponents);
  }
}
