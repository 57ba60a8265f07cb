import { ATOM_CLASSES, N_SLOTS, TOKENS_PER_SLOT, WYCKOFF_CLASSES } from './config.ts';
import { FORBIDDEN, type WyckoffTables, writeAtomMask, writeWyckoffMask } from './masks.ts';

/** Token arrays for many crystals, flat, as the dataset stores them (crystalformer.md §1.2): 21 slots each. */
export interface TokenArrays {
  count: number;
  spaceGroup: Int32Array; // [N], 1…230
  numSites: Int32Array; // [N]
  wyckoff: Int32Array; // [N·21], 0 = padding
  atoms: Int32Array; // [N·21], 0 = padding, else Z
  coords: Float32Array; // [N·21·3], fractional in [0,1)
  lattice: Float32Array; // [N·6], a,b,c / N^(1/3) and angles in radians
}

/**
 * Everything one forward/loss evaluation needs for a batch, as flat typed arrays with their shapes.
 * The sequence is cut to S = (most sites in the batch) + 1 slots: every slot after the first padding slot is forced
 * padding and contributes exactly 0 to the log-likelihood, so dropping them changes no number and saves most of the
 * compute on MP-20, where the median crystal has few Wyckoff sites.
 */
export interface ModelBatch {
  batchSize: number;
  slots: number;
  /** Space group index 0…229. [B] */
  spaceGroup: BigInt64Array;
  /** Wyckoff index per slot. [B, S] */
  wyckoff: BigInt64Array;
  /** Element per slot. [B, S] */
  atoms: BigInt64Array;
  /** Fractional coordinates per slot. [B, S, 3] */
  coords: Float32Array;
  /** Multiplicity of (g, W) per slot, fed raw into the W-token embedding. [B, S, 1] */
  multiplicity: Float32Array;
  /** Additive masks for the W and A logits at each slot. [B, S, 28], [B, S, 119] */
  wyckoffMask: Float32Array;
  atomMask: Float32Array;
  /** One-hot targets. [B, S, 28], [B, S, 119] */
  wyckoffTarget: Float32Array;
  atomTarget: Float32Array;
  /** 1 where a coordinate of a real site is scored (free in its Wyckoff position). [B, S, 3] */
  coordWeight: Float32Array;
  /** One-hot over slots selecting the row that predicts the lattice (the first padding slot). [B, S, 1] */
  latticeRow: Float32Array;
  /** Normalised lattice and which of its six parameters are free. [B, 6] */
  lattice: Float32Array;
  latticeWeight: Float32Array;
  /** Additive causal attention mask. [T, T] with T = 5·S */
  causalMask: Float32Array;
}

const causalMaskCache = new Map<number, Float32Array>();

export function causalMask(length: number): Float32Array {
  let mask = causalMaskCache.get(length);
  if (!mask) {
    mask = new Float32Array(length * length);
    for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) mask[i * length + j] = FORBIDDEN;
    causalMaskCache.set(length, mask);
  }
  return mask;
}

/** Build the batch for the crystals at `indices` of `data`. */
export function makeBatch(data: TokenArrays, indices: ArrayLike<number>, tables: WyckoffTables, minSlots = 1): ModelBatch {
  const B = indices.length;
  let maxSites = 0;
  for (let b = 0; b < B; b++) maxSites = Math.max(maxSites, data.numSites[indices[b]!]!);
  const S = Math.min(N_SLOTS, Math.max(minSlots, maxSites + 1));
  const batch: ModelBatch = {
    batchSize: B,
    slots: S,
    spaceGroup: new BigInt64Array(B),
    wyckoff: new BigInt64Array(B * S),
    atoms: new BigInt64Array(B * S),
    coords: new Float32Array(B * S * 3),
    multiplicity: new Float32Array(B * S),
    wyckoffMask: new Float32Array(B * S * WYCKOFF_CLASSES),
    atomMask: new Float32Array(B * S * ATOM_CLASSES),
    wyckoffTarget: new Float32Array(B * S * WYCKOFF_CLASSES),
    atomTarget: new Float32Array(B * S * ATOM_CLASSES),
    coordWeight: new Float32Array(B * S * 3),
    latticeRow: new Float32Array(B * S),
    lattice: new Float32Array(B * 6),
    latticeWeight: new Float32Array(B * 6),
    causalMask: causalMask(S * TOKENS_PER_SLOT),
  };
  for (let b = 0; b < B; b++) {
    const n = indices[b]!;
    const g = data.spaceGroup[n]!;
    const numSites = data.numSites[n]!;
    batch.spaceGroup[b] = BigInt(g - 1);
    let previous: number | null = null;
    for (let s = 0; s < S; s++) {
      const w = s < N_SLOTS ? data.wyckoff[n * N_SLOTS + s]! : 0;
      const a = s < N_SLOTS ? data.atoms[n * N_SLOTS + s]! : 0;
      const bs = b * S + s;
      batch.wyckoff[bs] = BigInt(w);
      batch.atoms[bs] = BigInt(a);
      batch.multiplicity[bs] = w > 0 ? tables.multiplicity[(g - 1) * WYCKOFF_CLASSES + w]! : 0;
      writeWyckoffMask(tables, g, previous, batch.wyckoffMask, bs * WYCKOFF_CLASSES);
      writeAtomMask(w, batch.atomMask, bs * ATOM_CLASSES);
      if (batch.wyckoffMask[bs * WYCKOFF_CLASSES + w] !== 0) {
        throw new Error(`crystal ${n} (space group ${g}): Wyckoff index ${w} at slot ${s} breaks the ordering rules`);
      }
      batch.wyckoffTarget[bs * WYCKOFF_CLASSES + w] = 1;
      batch.atomTarget[bs * ATOM_CLASSES + a] = 1;
      for (let d = 0; d < 3; d++) {
        batch.coords[bs * 3 + d] = s < numSites ? data.coords[(n * N_SLOTS + s) * 3 + d]! : 0;
        batch.coordWeight[bs * 3 + d] = s < numSites ? tables.fcMask[((g - 1) * WYCKOFF_CLASSES + w) * 3 + d]! : 0;
      }
      previous = w;
    }
    batch.latticeRow[b * S + Math.min(numSites, S - 1)] = 1;
    for (let j = 0; j < 6; j++) {
      batch.lattice[b * 6 + j] = data.lattice[n * 6 + j]!;
      batch.latticeWeight[b * 6 + j] = tables.latticeMask[(g - 1) * 6 + j]!;
    }
  }
  return batch;
}
