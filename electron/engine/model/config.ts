/**
 * Model hyper-parameters. Names follow crystalformer.md §2.1: Nf Fourier frequencies, Kx von Mises components per
 * coordinate, Kl Gaussian components for the lattice, l layers of H heads with key size k, model width m,
 * embedding size e, and the h0 MLP that predicts the first Wyckoff letter from the space group alone.
 */
export interface ModelConfig {
  /** Name of the preset this config came from, or 'custom'. */
  name: string;
  layers: number;
  heads: number;
  /** Per-head key (= value) size. Attention width is heads × keySize, independent of modelSize. */
  keySize: number;
  /** Width of the residual stream. */
  modelSize: number;
  /** Size of the space-group, Wyckoff-letter and element embeddings. */
  embedSize: number;
  /** Number of Fourier frequencies for coordinate inputs (sin/cos of 2πf·x, f = 1…Nf). */
  fourierFrequencies: number;
  /** Kx: von Mises mixture components per coordinate. */
  coordComponents: number;
  /** Kl: Gaussian mixture components for the lattice. */
  latticeComponents: number;
  /** Hidden size of the MLP predicting W₁ from the space group. */
  h0Size: number;
  /** MLP hidden width = mlpFactor × modelSize. */
  mlpFactor: number;
  /** Dropout on the residual branches and attention weights during training. */
  dropout: number;
}

export const N_SLOTS = 21;
export const TOKENS_PER_SLOT = 5;
export const MAX_SEQUENCE = N_SLOTS * TOKENS_PER_SLOT;
export const WYCKOFF_CLASSES = 28;
export const ATOM_CLASSES = 119;
export const NUM_SPACE_GROUPS = 230;
/** Lower bound added to the lattice σ (crystalformer.md §2.4). */
export const SIGMA_MIN = 1e-3;

/** Width of the shared output projection: max(119 + 13·Kl, 3·Kx, 28) (crystalformer.md §2.3). */
export function outputSize(config: ModelConfig): number {
  return Math.max(ATOM_CLASSES + 13 * config.latticeComponents, 3 * config.coordComponents, WYCKOFF_CLASSES);
}

export const MODEL_PRESETS: Record<string, ModelConfig> = {
  /** The published configuration (crystalformer.md §2.1): ≈4.8 M parameters. Builds here; trains on a GPU. */
  published: {
    name: 'published',
    layers: 16,
    heads: 16,
    keySize: 64,
    modelSize: 64,
    embedSize: 32,
    fourierFrequencies: 5,
    coordComponents: 16,
    latticeComponents: 4,
    h0Size: 256,
    mlpFactor: 4,
    dropout: 0.1,
  },
  /** The default shipped model, sized for a 2-core CPU (see models/*.card.json for what it was trained on). */
  default: {
    name: 'default',
    layers: 4,
    heads: 8,
    keySize: 16,
    modelSize: 128,
    embedSize: 32,
    fourierFrequencies: 5,
    coordComponents: 16,
    latticeComponents: 4,
    h0Size: 128,
    mlpFactor: 4,
    dropout: 0.1,
  },
  /** A very small model for tests. */
  tiny: {
    name: 'tiny',
    layers: 2,
    heads: 2,
    keySize: 8,
    modelSize: 16,
    embedSize: 8,
    fourierFrequencies: 2,
    coordComponents: 3,
    latticeComponents: 2,
    h0Size: 16,
    mlpFactor: 2,
    dropout: 0,
  },
};

/** Check a config for values the graph cannot be built from, naming the field. */
export function validateConfig(config: ModelConfig): ModelConfig {
  const positiveInts: (keyof ModelConfig)[] = ['layers', 'heads', 'keySize', 'modelSize', 'embedSize', 'fourierFrequencies', 'coordComponents', 'latticeComponents', 'h0Size', 'mlpFactor'];
  for (const key of positiveInts) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new Error(`model config: ${key} must be a positive integer, got ${String(value)}`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error(`model config: dropout must be in [0, 1), got ${config.dropout}`);
  return config;
}
