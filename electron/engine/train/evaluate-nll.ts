import type { WyckoffTables } from '../../../shared/tokens/index.ts';
import { createSession, ort, type EngineSession } from '../runtime.ts';
import type { ModelConfig } from '../model/config.ts';
import { type FeedArray, type TokenArrays, makeBatch } from '../model/batch.ts';
import { buildLogLikelihoodGraph } from '../model/graphs.ts';
import { evaluationBatches } from './batching.ts';

export interface NllSummary {
  crystals: number;
  /** Mean negative log-likelihood per crystal, total and per token type. */
  total: number;
  wyckoff: number;
  atoms: number;
  coords: number;
  lattice: number;
}

export interface PerCrystalNll {
  total: Float64Array;
  wyckoff: Float64Array;
  atoms: Float64Array;
  coords: Float64Array;
  lattice: Float64Array;
}

export function toOrtFeeds(feeds: Record<string, FeedArray>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) out[name] = new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data, f.dims);
  return out;
}

/**
 * Scores token sequences with a model: negative log-likelihood per crystal, total and per token type.
 * Parameters are fed as inputs, so the same session scores any weights of this configuration (validation during
 * training uses the live weights without rebuilding anything).
 */
export class LikelihoodEvaluator {
  private constructor(
    private readonly engine: EngineSession,
    readonly parameterShapes: Map<string, number[]>,
  ) {}

  static async create(config: ModelConfig): Promise<LikelihoodEvaluator> {
    const { bytes, parameters } = buildLogLikelihoodGraph(config);
    const engine = await createSession(bytes, { cache: false, log: () => {} });
    return new LikelihoodEvaluator(engine, new Map(parameters.map((p) => [p.name, p.shape])));
  }

  async evaluate(data: TokenArrays, tables: WyckoffTables, parameters: ReadonlyMap<string, Float32Array>, batchSize = 256): Promise<PerCrystalNll> {
    const paramFeeds: Record<string, ort.Tensor> = {};
    for (const [name, shape] of this.parameterShapes) {
      const values = parameters.get(name);
      if (!values) throw new Error(`evaluate: no value for parameter '${name}'`);
      paramFeeds[name] = new ort.Tensor('float32', values, shape);
    }
    const result: PerCrystalNll = {
      total: new Float64Array(data.count),
      wyckoff: new Float64Array(data.count),
      atoms: new Float64Array(data.count),
      coords: new Float64Array(data.count),
      lattice: new Float64Array(data.count),
    };
    for (const indices of evaluationBatches(data.numSites, data.count, batchSize)) {
      const batch = makeBatch(data, indices, tables);
      const out = await this.engine.run({ ...toOrtFeeds(batch.feeds), ...paramFeeds }, ['logp_total', 'logp_wyckoff', 'logp_atoms', 'logp_coords', 'logp_lattice']);
      indices.forEach((n, b) => {
        result.total[n] = -(out.logp_total!.data as Float32Array)[b]!;
        result.wyckoff[n] = -(out.logp_wyckoff!.data as Float32Array)[b]!;
        result.atoms[n] = -(out.logp_atoms!.data as Float32Array)[b]!;
        result.coords[n] = -(out.logp_coords!.data as Float32Array)[b]!;
        result.lattice[n] = -(out.logp_lattice!.data as Float32Array)[b]!;
      });
    }
    return result;
  }

  async release(): Promise<void> {
    await this.engine.release();
  }
}

export function summarize(nll: PerCrystalNll): NllSummary {
  const mean = (a: Float64Array) => (a.length === 0 ? NaN : a.reduce((s, x) => s + x, 0) / a.length);
  return { crystals: nll.total.length, total: mean(nll.total), wyckoff: mean(nll.wyckoff), atoms: mean(nll.atoms), coords: mean(nll.coords), lattice: mean(nll.lattice) };
}
