/**
 * The PPO update of CrystalFormer-RL (crystalformer.md §6.1): one onnxruntime run computes the clipped surrogate
 * with the KL penalty to the frozen pretrained model, its gradient, and the Adam update.
 *
 *   ρ  = exp(log π_θ(x) − log π_old(x))
 *   Â  = A − β·(log π_θ(x) − log π_0(x))       (the KL term uses the current weights, inside the objective)
 *   J  = mean( min(ρ·Â, clip(ρ, 1 − ε, 1 + ε)·Â) )      loss = −J
 *
 * log π is the model's full log-probability of the token sequence (Wyckoff letters, elements, free coordinates,
 * lattice), computed with dropout off as the reference does for all three log-probabilities.
 */
import type { Graph, Tensor } from '../graph/index.ts';
import { CrystalFormerNetwork, declareLikelihoodInputs, declareNetworkInputs } from '../model/network.ts';
import type { ModelConfig } from '../model/config.ts';
import { type FeedArray, makeBatch, type TokenArrays } from '../model/batch.ts';
import type { WyckoffTables } from '../../../shared/tokens/index.ts';
import { TrainingStep, type StepResult } from '../train-step.ts';
import type { ParameterStore } from '../params.ts';
import { ort } from '../runtime.ts';
import { toOrtFeeds } from '../train/evaluate-nll.ts';

export interface PpoHyper {
  /** ε of the clipped ratio. */
  clip: number;
  /** β, weight of the KL penalty to the pretrained model. */
  beta: number;
  /** Global gradient-norm clipping. */
  clipNorm: number;
}

/** Names of the extra graph inputs (per crystal, [batch]). */
export const PPO_INPUTS = { logpOld: 'ppo_logp_old', logpPrior: 'ppo_logp_prior', advantage: 'ppo_advantage' } as const;

/** The policy is the pretrained network with dropout off. */
export function policyConfig(config: ModelConfig): ModelConfig {
  return { ...config, dropout: 0 };
}

/** Build −J in `graph` and the diagnostics PPO reports (KL to the prior, mean ratio, fraction of clipped ratios). */
export function buildPpoLoss(graph: Graph, config: ModelConfig, hyper: Pick<PpoHyper, 'clip' | 'beta'>): { loss: Tensor; metrics: Record<string, Tensor>; network: CrystalFormerNetwork } {
  const network = new CrystalFormerNetwork(graph, policyConfig(config));
  const ll = network.logLikelihood(declareNetworkInputs(graph), declareLikelihoodInputs(graph));
  const logpOld = graph.input(PPO_INPUTS.logpOld, 'float32', ['batch']);
  const logpPrior = graph.input(PPO_INPUTS.logpPrior, 'float32', ['batch']);
  const advantage = graph.input(PPO_INPUTS.advantage, 'float32', ['batch']);
  const logp = ll.total;
  const ratio = logp.sub(logpOld).exp();
  const klPerCrystal = logp.sub(logpPrior);
  const penalised = advantage.sub(klPerCrystal.mul(hyper.beta));
  const surrogate = ratio.mul(penalised).minimum(ratio.clip(1 - hyper.clip, 1 + hyper.clip).mul(penalised));
  return {
    loss: surrogate.mean().neg(),
    metrics: {
      kl: klPerCrystal.mean(),
      ratio: ratio.mean(),
      clipped: ratio.sub(1).abs().greater(hyper.clip).cast('float32').mean(),
    },
    network,
  };
}

/** One batch of sampled crystals with what the update needs. */
export interface PpoBatch {
  tokens: TokenArrays;
  logpOld: Float32Array;
  logpPrior: Float32Array;
  advantage: Float32Array;
}

/** The PPO optimiser: a TrainingStep over the PPO loss, initialised from the policy's current weights. */
export class PpoUpdater {
  private constructor(
    readonly step: TrainingStep,
    private readonly tables: WyckoffTables,
  ) {}

  static async create(config: ModelConfig, initial: ParameterStore, hyper: PpoHyper, tables: WyckoffTables, log: (line: string) => void = () => {}): Promise<PpoUpdater> {
    const step = await TrainingStep.create({
      build(graph) {
        const { loss, metrics } = buildPpoLoss(graph, config, hyper);
        return { loss, metrics };
      },
      parameters: initial,
      optimizer: { clipNorm: hyper.clipNorm, weightDecay: 0 },
      session: { log },
    });
    return new PpoUpdater(step, tables);
  }

  /**
   * Feeds for one update on the crystals `indices` of the batch (default: all of it); built once and reused by every
   * PPO epoch. The sequence is cut to the longest crystal among them, so grouping crystals of similar length into
   * mini-batches saves the work of padded slots.
   */
  feeds(batch: PpoBatch, indices: readonly number[] = Array.from({ length: batch.tokens.count }, (_, i) => i)): Record<string, ort.Tensor> {
    const n = indices.length;
    const model = makeBatch(batch.tokens, indices, this.tables);
    const pick = (values: Float32Array) => Float32Array.from(indices, (i) => values[i]!);
    const extra: Record<string, FeedArray> = {
      [PPO_INPUTS.logpOld]: { data: pick(batch.logpOld), dims: [n] },
      [PPO_INPUTS.logpPrior]: { data: pick(batch.logpPrior), dims: [n] },
      [PPO_INPUTS.advantage]: { data: pick(batch.advantage), dims: [n] },
    };
    return toOrtFeeds({ ...model.feeds, ...extra });
  }

  run(feeds: Record<string, ort.Tensor>, learningRate: number): Promise<StepResult> {
    return this.step.run(feeds, learningRate);
  }

  release(): Promise<void> {
    return this.step.release();
  }
}
