/**
 * A `PropertyPredictor` backed by a predictor folder's model.onnx: candidates' Wyckoff descriptions are encoded
 * as tokens (shared/tokens), batched, and run through onnxruntime. A candidate that cannot be encoded (more than
 * 20 sites, unknown letter or element, non-finite lattice) gets NaN; the others are unaffected.
 *
 * A candidate is predicted from the description symmetry analysis gives its structure (`canonicalDescription`), not
 * from the description it arrived with: one crystal has many descriptions (another representative of an orbit,
 * another cell), the models learned only the analysed one (training rows are converted by the same analysis,
 * electron/data/convert.ts), and their outputs differ between descriptions of one crystal — a sampled Sr₂DyNbO₆
 * scored a figure of merit of 408 as sampled and 78 read back from its own CIF. A fine-tuning run paid on sampled
 * descriptions learns such descriptions instead of better crystals (README, issue #24).
 */
import { join } from 'node:path';
import { encodeCrystal, type CrystalTokens } from '../../shared/tokens/index.ts';
import { DEFAULT_SYMPREC, type WyckoffDescription } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { createSession, type EngineSession } from '../engine/runtime.ts';
import { analyzeStructureBounded } from '../symmetry/bounded.ts';
import type { CandidateInput, PropertyPredictor } from '../rewards/types.ts';
import { batchFeeds, batchFromTokens } from './batch.ts';
import { type PredictorCard, readPredictorCard } from './files.ts';
import { PREDICTION_OUTPUT } from './graphs.ts';
import { type PredictionSpread, predictionSpread } from './uncertainty.ts';

export interface OnnxPredictorOptions {
  /**
   * Crystals per onnxruntime run (default 32). Candidates are sorted by number of sites first, so small runs pad
   * little: a run is padded to its largest crystal, and a mixed batch padded as one costs more than the extra runs
   * (`npm run bench:predictors` times a run of 100).
   */
  batchSize?: number;
  /** onnxruntime threads (default 1: the graph is tiny, and the caller may be running other models). */
  threads?: number;
}

const analysed = new WeakMap<CandidateInput['structure'], WyckoffDescription>();

/**
 * The description symmetry analysis gives the candidate's structure at the default tolerance, as training rows and
 * `cfstudio predict`/`reward score` get theirs; the candidate's own description when the analysis fails (a crystal
 * moyo cannot analyse in time). Remembered per structure object: several predictors of one reward share it.
 */
export function canonicalDescription(candidate: CandidateInput): WyckoffDescription {
  const known = analysed.get(candidate.structure);
  if (known) return known;
  let description = candidate.description;
  try {
    description = analyzeStructureBounded(candidate.structure, { symprec: DEFAULT_SYMPREC }).description;
  } catch {
    // keep the description it came with
  }
  analysed.set(candidate.structure, description);
  return description;
}

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
    // Sorted by number of sites so each run pads little.
    encoded.sort((a, b) => a.tokens.numSites - b.tokens.numSites);
    const size = this.options.batchSize ?? 32;
    for (let start = 0; start < encoded.length; start += size) {
      const chunk = encoded.slice(start, start + size);
      const result = await engine.run(batchFeeds(batchFromTokens(chunk.map((c) => c.tokens))), [PREDICTION_OUTPUT]);
      const values = result[PREDICTION_OUTPUT]!.data as Float32Array;
      chunk.forEach((c, k) => (out[c.index] = values[k]!));
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
