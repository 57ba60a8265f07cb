import type { CrystalTokens } from '../../../shared/tokens/index.ts';
import type { TokenArrays as DatasetArrays } from '../train/dataset.ts';
import { ATOM_CLASSES, N_SLOTS, TOKENS_PER_SLOT, WYCKOFF_CLASSES } from './config.ts';
import { FORBIDDEN, type WyckoffTables, writeAtomMask, writeWyckoffMask } from './masks.ts';

/** Token arrays for many crystals, flat, as the dataset stores them (crystalformer.md §1.2): 21 slots each. */
export type TokenArrays = Omit<DatasetArrays, 'ids'>;

/**
 * Pack token sequences (sampled, encoded from structures, or MCMC states) into flat arrays for scoring.
 * A crystal without a lattice (e.g. an MCMC state, scored with the lattice term switched off) gets zeros.
 */
export function packTokens(crystals: readonly (Omit<CrystalTokens, 'lattice'> & { lattice?: ArrayLike<number> })[]): TokenArrays {
  const n = crystals.length;
  const data: TokenArrays = {
    count: n,
    spaceGroup: Int32Array.from(crystals, (c) => c.spaceGroup),
    numSites: Int32Array.from(crystals, (c) => c.numSites),
    wyckoff: new Int32Array(n * N_SLOTS),
    atoms: new Int32Array(n * N_SLOTS),
    coords: new Float32Array(n * N_SLOTS * 3),
    lattice: new Float32Array(n * 6),
  };
  crystals.forEach((c, i) => {
    data.wyckoff.set(c.wyckoff, i * N_SLOTS);
    data.atoms.set(c.atoms, i * N_SLOTS);
    data.coords.set(c.coords, i * N_SLOTS * 3);
    if (c.lattice) data.lattice.set(c.lattice, i * 6);
  });
  return data;
}

/** A named tensor's data and shape, ready to become an onnxruntime feed. */
export interface FeedArray {
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/**
 * Everything one log-likelihood evaluation needs for a batch, keyed by graph input name (network.ts).
 * The sequence is cut to S = (most sites in the batch) + 1 slots: every later slot is forced padding and
 * contributes exactly 0 to the log-likelihood, so dropping them changes no number and saves most of the compute
 * on MP-20, where the median crystal has few Wyckoff sites.
 */
export interface ModelBatch {
  batchSize: number;
  slots: number;
  feeds: Record<string, FeedArray>;
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

export function positions(length: number): BigInt64Array {
  const out = new BigInt64Array(length);
  for (let i = 0; i < length; i++) out[i] = BigInt(i);
  return out;
}

/** Build the batch for the crystals at `indices` of `data`. `minSlots` forces a longer sequence (tests). */
export function makeBatch(data: TokenArrays, indices: ArrayLike<number>, tables: WyckoffTables, minSlots = 1): ModelBatch {
  const B = indices.length;
  let maxSites = 0;
  for (let b = 0; b < B; b++) maxSites = Math.max(maxSites, data.numSites[indices[b]!]!);
  const S = Math.min(N_SLOTS, Math.max(minSlots, maxSites + 1));
  const T = S * TOKENS_PER_SLOT;
  const W = WYCKOFF_CLASSES;
  const spaceGroup = new BigInt64Array(B);
  const wyckoff = new BigInt64Array(B * S);
  const atoms = new BigInt64Array(B * S);
  const coords = new Float32Array(B * S * 3);
  const multiplicity = new Float32Array(B * S);
  const firstWyckoffMask = new Float32Array(B * W);
  const firstWyckoffTarget = new Float32Array(B * W);
  const nextWyckoffMask = new Float32Array(B * S * W);
  const nextWyckoffTarget = new Float32Array(B * S * W);
  const atomMask = new Float32Array(B * S * ATOM_CLASSES);
  const atomTarget = new Float32Array(B * S * ATOM_CLASSES);
  const coordWeight = new Float32Array(B * S * 3);
  const latticeRow = new Float32Array(B * S);
  const lattice = new Float32Array(B * 6);
  const latticeWeight = new Float32Array(B * 6);

  for (let b = 0; b < B; b++) {
    const n = indices[b]!;
    const g = data.spaceGroup[n]!;
    const numSites = data.numSites[n]!;
    if (numSites < 1 || numSites >= N_SLOTS) throw new Error(`crystal ${n}: ${numSites} sites (must be 1…${N_SLOTS - 1})`);
    spaceGroup[b] = BigInt(g - 1);
    const letterAt = (s: number) => (s < N_SLOTS ? data.wyckoff[n * N_SLOTS + s]! : 0);
    // Slot 0's letter follows the space group alone; slot s+1's follows slot s's.
    writeWyckoffMask(tables, g, null, firstWyckoffMask, b * W);
    checkAllowed(firstWyckoffMask, b * W, letterAt(0), n, g, 0);
    firstWyckoffTarget[b * W + letterAt(0)] = 1;
    for (let s = 0; s < S; s++) {
      const w = letterAt(s);
      const a = s < N_SLOTS ? data.atoms[n * N_SLOTS + s]! : 0;
      const bs = b * S + s;
      wyckoff[bs] = BigInt(w);
      atoms[bs] = BigInt(a);
      multiplicity[bs] = tables.multiplicityOf(g, w);
      writeWyckoffMask(tables, g, w, nextWyckoffMask, bs * W, s + 1);
      checkAllowed(nextWyckoffMask, bs * W, letterAt(s + 1), n, g, s + 1);
      nextWyckoffTarget[bs * W + letterAt(s + 1)] = 1;
      writeAtomMask(w, atomMask, bs * ATOM_CLASSES);
      atomTarget[bs * ATOM_CLASSES + a] = 1;
      for (let d = 0; d < 3; d++) {
        coords[bs * 3 + d] = s < numSites ? data.coords[(n * N_SLOTS + s) * 3 + d]! : 0;
        coordWeight[bs * 3 + d] = s < numSites && tables.isFreeAxis(g, w, d) ? 1 : 0;
      }
    }
    latticeRow[b * S + Math.min(numSites, S - 1)] = 1;
    for (let j = 0; j < 6; j++) lattice[b * 6 + j] = data.lattice[n * 6 + j]!;
    latticeWeight.set(tables.freeLatticeParameters(g), b * 6);
  }
  return {
    batchSize: B,
    slots: S,
    feeds: {
      space_group: { data: spaceGroup, dims: [B] },
      wyckoff: { data: wyckoff, dims: [B, S] },
      atoms: { data: atoms, dims: [B, S] },
      coords: { data: coords, dims: [B, S, 3] },
      multiplicity: { data: multiplicity, dims: [B, S, 1] },
      positions: { data: positions(T), dims: [T] },
      causal_mask: { data: causalMask(T), dims: [T, T] },
      first_wyckoff_mask: { data: firstWyckoffMask, dims: [B, W] },
      first_wyckoff_target: { data: firstWyckoffTarget, dims: [B, W] },
      next_wyckoff_mask: { data: nextWyckoffMask, dims: [B, S, W] },
      next_wyckoff_target: { data: nextWyckoffTarget, dims: [B, S, W] },
      atom_mask: { data: atomMask, dims: [B, S, ATOM_CLASSES] },
      atom_target: { data: atomTarget, dims: [B, S, ATOM_CLASSES] },
      coord_weight: { data: coordWeight, dims: [B, S, 3] },
      lattice_row: { data: latticeRow, dims: [B, S, 1] },
      lattice: { data: lattice, dims: [B, 6] },
      lattice_weight: { data: latticeWeight, dims: [B, 6] },
    },
  };
}

function checkAllowed(mask: Float32Array, offset: number, letter: number, crystal: number, g: number, slot: number): void {
  if (mask[offset + letter] !== 0) {
    throw new Error(`crystal ${crystal} (space group ${g}): Wyckoff index ${letter} at slot ${slot} breaks the ordering rules`);
  }
}
