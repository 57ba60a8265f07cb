/**
 * A `PropertyPredictor` backed by a predictor folder's model.onnx: candidates' Wyckoff descriptions are encoded
 * as tokens (shared/tokens), batched, and run through onnxruntime. A candidate that cannot be encoded (more than
 * 20 sites, unknown letter or element, non-finite lattice) gets NaN; the others are unaffected.
 *
 * A candidate is predicted from the description symmetry analysis gives its structure (`canonicalDescription`, ../rewards/canonical.ts), not
 * from the description it arrived with: one crystal has many descriptions (another representative of an orbit,
 * another cell), the models learned only the analysed one (training rows are converted by the same analysis,
 * electron/data/convert.ts), and their outputs differ between descriptions of one crystal — a sampled Sr₂DyNbO₆
 * scored a figure of merit of 408 as sampled and 78 read back from its own CIF. A fine-tuning run paid on sampled
 * descriptions learns such descriptions instead of better crystals (README, issue #24).
 */
import { join } from 'node:path';
import { encodeCrystal, type CrystalTokens } from '../../shared/tokens/index.ts';
import type { WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { createSession, type EngineSession } from '../engine/runtime.ts';
import { canonicalDescription } from '../rewards/canonical.ts';
import type { CandidateInput, PropertyPredictor } from '../rewards/types.ts';
import { batchFeeds, batchFromTokens } from './batch.ts';
import { type PredictorCard, readPredictorCard } from './files.ts';
import { PREDICTION_OUTPUT } from './graphs.ts';
import { type PredictionSpread, predictionSpread } from './uncertainty.ts';

export interface OnnxPredictorOptions {
  /**
   * Crystals per onnxruntime run (default 32; the run itself is rounded up to a multiple of RUN_ROW_MULTIPLE rows).
   * A run holds crystals of one number of sites, so it needs no padding slots; a mixed batch padded as one costs
   * more than the extra runs (`npm run bench:predictors` times a run of 100). Predictions do not depend on it.
   */
  batchSize?: number;
  /** onnxruntime threads (default 1: the graph is tiny, and the caller may be running other models). */
  threads?: number;
}

/**
 * Rows of every onnxruntime run are a multiple of this; the extra rows repeat a crystal of the run and are dropped.
 *
 * Why: a crystal's prediction must not depend on what else is in the call (a reward scores a batch of 500 or 2,000
 * and the same crystal must get the same value). It did, in the last float32 bits: of the first 500 of 2,000
 * generated crystals, 7 band gaps (relative change up to 8e-6) and 3 dielectric constants changed between a call on
 * the 500 and a call on the 2,000, and 572 of 1,999 band gaps differed from predicting each crystal alone.
 * onnxruntime's CPU kernels compute an element in a SIMD loop or in a remainder loop that rounds differently,
 * depending on where it falls in the tensor, and a softmax or sum over padding slots adds in another order. Runs of
 * one site count (no padding) whose row count is a multiple of 16 — one AVX-512 vector of float32, so no tensor with
 * a batch axis leaves a remainder at any vector width — gave bit-identical values for all 1,999 crystals with
 * batchSize 1, 7, 32 or 100 and in a call on 500 or 2,000, for all three shipped predictors (multiples of 4 and 8
 * already sufficed on this AVX-512 machine; 16 is the widest vector). The cost is at most 15 repeated rows per site
 * count in a call.
 */
export const RUN_ROW_MULTIPLE = 16;

/** Tokens of a description, or why it cannot be encoded. */
export function encodeForPredictor(description: WyckoffDescription): CrystalTokens | string {
  try {
    const tokens = encodeCrystal(description);
    for (const v of tokens.lattice) if (!Number.isFinite(v)) return 'lattice parameters are not finite';
    for (const v of tokens.coords) if (!Number.isFinite(v)) return 'coordinates are not finite';
    return tokens;
  } catch (error) {
    return (error as Error).message;
  }
}

export class OnnxPropertyPredictor implements PropertyPredictor {
  private session: Promise<EngineSession> | undefined;
  private constructor(
    readonly dir: string,
    readonly card: PredictorCard,
    private readonly options: OnnxPredictorOptions,
  ) {}

  get name(): string {
    return this.card.property;
  }

  get unit(): string {
    return this.card.unit;
  }

  /**
   * Candidates holding an element none of the training crystals held (the card's `domain.elements`); none when
   * the card names no domain.
   */
  async outOfDomain(batch: readonly CandidateInput[]): Promise<boolean[]> {
    const known = this.card.domain ? new Set(this.card.domain.elements) : undefined;
    return batch.map((c) => (known ? c.structure.sites.some((s) => !known.has(s.species)) : false));
  }

  /** Reads the card now; the onnxruntime session is created on the first prediction. */
  static async load(dir: string, options: OnnxPredictorOptions = {}): Promise<OnnxPropertyPredictor> {
    return new OnnxPropertyPredictor(dir, await readPredictorCard(dir), options);
  }

  private engine(): Promise<EngineSession> {
    this.session ??= createSession(join(this.dir, this.card.files.onnx), { intraOpNumThreads: this.options.threads ?? 1, cache: false, log: () => {} }).catch((error: Error) => {
      this.session = undefined;
      throw error;
    });
    return this.session;
  }

  async predict(batch: readonly CandidateInput[]): Promise<Float64Array> {
    await initSymmetry();
    return this.predictDescriptions(batch.map(canonicalDescription));
  }

  /** One value per description (clamped to the card's range), NaN where it cannot be encoded. */
  async predictDescriptions(descriptions: readonly WyckoffDescription[]): Promise<Float64Array> {
    await initSymmetry();
    const out = new Float64Array(descriptions.length).fill(NaN);
    const encoded: { index: number; tokens: CrystalTokens }[] = [];
    descriptions.forEach((d, index) => {
      const tokens = encodeForPredictor(d);
      if (typeof tokens !== 'string') encoded.push({ index, tokens });
    });
    if (encoded.length === 0) return out;
    const engine = await this.engine();
    // Runs of one number of sites, at most `size` crystals, padded to a multiple of RUN_ROW_MULTIPLE rows: each
    // crystal's value is then the same whatever else the call holds (see RUN_ROW_MULTIPLE).
    encoded.sort((a, b) => a.tokens.numSites - b.tokens.numSites);
    const size = Math.max(1, this.options.batchSize ?? 32);
    for (let start = 0; start < encoded.length; ) {
      const sites = encoded[start]!.tokens.numSites;
      let end = start + 1;
      while (end < encoded.length && end - start < size && encoded[end]!.tokens.numSites === sites) end++;
      const chunk = encoded.slice(start, end);
      const rows = chunk.map((c) => c.tokens);
      while (rows.length % RUN_ROW_MULTIPLE !== 0) rows.push(rows[0]!);
      const result = await engine.run(batchFeeds(batchFromTokens(rows)), [PREDICTION_OUTPUT]);
      const values = result[PREDICTION_OUTPUT]!.data as Float32Array;
      chunk.forEach((c, k) => (out[c.index] = values[k]!));
      start = end;
    }
    return out;
  }

  /** The card's calibrated 68 % interval for each value, or undefined when the card has no calibration. */
  async spread(values: ArrayLike<number>): Promise<PredictionSpread | undefined> {
    return this.card.uncertainty ? predictionSpread(this.card.uncertainty, values) : undefined;
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session) await (await session).release();
  }
}
