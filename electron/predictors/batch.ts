/**
 * Batches for the predictor network: token rows (from a prepared dataset or from `encodeCrystal`) packed into the
 * five graph inputs, padded to the largest number of sites in the batch (at least one slot).
 */
import type { CrystalTokens } from '../../shared/tokens/index.ts';
import { N_SLOTS } from '../../shared/tokens/index.ts';
import type { TokenArrays } from '../engine/train/dataset.ts';
import { float32Tensor, float64Tensor, int64Tensor, type ort } from '../engine/runtime.ts';

export interface PredictorBatch {
  size: number;
  slots: number;
  /** space group − 1 */
  spaceGroup: BigInt64Array;
  wyckoff: BigInt64Array;
  atoms: BigInt64Array;
  coords: Float64Array;
  lattice: Float64Array;
}

/** One crystal's tokens in the layout of the dataset arrays (slot-major, N_SLOTS slots). */
interface TokenRow {
  spaceGroup: number;
  numSites: number;
  wyckoff: ArrayLike<number>;
  atoms: ArrayLike<number>;
  coords: ArrayLike<number>;
  lattice: ArrayLike<number>;
}

function packRows(rows: readonly TokenRow[]): PredictorBatch {
  const size = rows.length;
  const slots = Math.max(1, ...rows.map((r) => r.numSites));
  const batch: PredictorBatch = {
    size,
    slots,
    spaceGroup: new BigInt64Array(size),
    wyckoff: new BigInt64Array(size * slots),
    atoms: new BigInt64Array(size * slots),
    coords: new Float64Array(size * slots * 3),
    lattice: new Float64Array(size * 6),
  };
  rows.forEach((row, b) => {
    batch.spaceGroup[b] = BigInt(row.spaceGroup - 1);
    for (let s = 0; s < row.numSites; s++) {
      batch.wyckoff[b * slots + s] = BigInt(row.wyckoff[s]!);
      batch.atoms[b * slots + s] = BigInt(row.atoms[s]!);
      for (let k = 0; k < 3; k++) batch.coords[(b * slots + s) * 3 + k] = row.coords[3 * s + k]!;
    }
    for (let k = 0; k < 6; k++) batch.lattice[b * 6 + k] = row.lattice[k]!;
  });
  return batch;
}

/** Rows `indices` of a token dataset. */
export function batchFromDataset(data: TokenArrays, indices: readonly number[]): PredictorBatch {
  return packRows(
    indices.map((i) => ({
      spaceGroup: data.spaceGroup[i]!,
      numSites: data.numSites[i]!,
      wyckoff: data.wyckoff.subarray(i * N_SLOTS, (i + 1) * N_SLOTS),
      atoms: data.atoms.subarray(i * N_SLOTS, (i + 1) * N_SLOTS),
      coords: data.coords.subarray(i * N_SLOTS * 3, (i + 1) * N_SLOTS * 3),
      lattice: data.lattice.subarray(i * 6, (i + 1) * 6),
    })),
  );
}

/** Crystals encoded with `encodeCrystal`. */
export function batchFromTokens(tokens: readonly CrystalTokens[]): PredictorBatch {
  return packRows(tokens);
}

/** The graph inputs for a batch; float inputs in the graph's dtype. */
export function batchFeeds(batch: PredictorBatch, dtype: 'float32' | 'float64' = 'float32'): Record<string, ort.Tensor> {
  const float = (values: Float64Array, dims: number[]) => (dtype === 'float64' ? float64Tensor(values, dims) : float32Tensor(Float32Array.from(values), dims));
  return {
    space_group: int64Tensor(batch.spaceGroup, [batch.size]),
    wyckoff: int64Tensor(batch.wyckoff, [batch.size, batch.slots]),
    atoms: int64Tensor(batch.atoms, [batch.size, batch.slots]),
    coords: float(batch.coords, [batch.size, batch.slots, 3]),
    lattice: float(batch.lattice, [batch.size, 6]),
  };
}
