/**
 * `evaluateStructures`: the field's metrics for a set of generated crystals (field.md §4), in one report.
 *
 * - Validity: CDVAE's structural and compositional (SMACT) rules, per crystal (validity.ts); "valid" = both.
 *   The mixed-valence extension is reported beside it, never instead of it.
 * - Symmetry: space group by moyo at `symprec` (default 0.1 Å, the tolerance CrystalFormer's and MatterGen's
 *   evaluations use with spglib) — at half the shortest interatomic distance for a crystal whose atoms are closer
 *   than symprec (moyo stalls and fails on those otherwise), and once more at a quarter of the tolerance when moyo
 *   reports an error; the share found equal to the requested group (over
 *   crystals whose requested group is known) and the P1 share (over all analysed crystals, and over novel ones as
 *   WyFormer reports it).
 * - Uniqueness: crystals are grouped greedily in input order; a crystal joins the first group whose first member
 *   matches it (as pymatgen's group_structures). Unique rate = groups / crystals.
 * - Novelty: a crystal is novel when no reference crystal matches it.
 * - Matching (matcher.ts): same reduced composition and primitive-cell size; with `requireSameSpaceGroup`
 *   (default, CrystalFormer's protocol) also the same space group and Wyckoff multiset; then pymatgen's
 *   StructureMatcher algorithm with ltol 0.2, stol 0.3, angle_tol 5°, scale on.
 * - Distributions: number of elements, density, atoms per cell, space groups; with a reference, the Wasserstein
 *   distances of density and number of elements between the VALID generated crystals and all reference crystals
 *   (CDVAE computes them on valid samples against the test set).
 *
 * Synchronous (moyo is synchronous once `initSymmetry()` has completed); `onProgress` reports each stage.
 */
import type { Structure } from '../../shared/crystal/structure.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { atomicMass } from '../../shared/crystal/elements.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { type StructuralValidity, PLAUSIBLE_CONTACT_FRACTION, compositionalValidity, physicalPlausibility, structuralValidity } from '../../shared/crystal/validity.ts';
import { DEFAULT_MATCH_TOLERANCES, type MatchTolerances, type MatchableStructure, prepareForMatching, structuresMatch } from './matcher.ts';
import type { ReferenceSet } from './reference.ts';
import { EVALUATION_SYMPREC } from '../../shared/symmetry/tolerance.ts';
import type { StabilityReport } from './stability.ts';
import { type Histogram, type Summary, histogram, integerHistogram, summarize, wassersteinDistance } from './distributions.ts';

/** Lower bound for the per-crystal tolerance used when atoms are closer than symprec (Å). */
const MIN_SYMPREC = 1e-4;

export interface EvaluationItem {
  name: string;
  structure: Structure;
  spaceGroupRequested?: number;
}

export type EvaluationStage = 'analyse' | 'uniqueness' | 'novelty';

export interface EvaluationOptions {
  reference?: ReferenceSet;
  /** Symmetry tolerance in Å (default 0.1). */
  symprec?: number;
  tolerances?: Partial<MatchTolerances>;
  /** Match only crystals with the same space group and Wyckoff multiset (default true). */
  requireSameSpaceGroup?: boolean;
  onProgress?: (stage: EvaluationStage, done: number, total: number) => void;
}

export interface Rate {
  count: number;
  total: number;
  /** count / total, or null when total is 0. */
  rate: number | null;
}

export interface SampleEvaluation {
  name: string;
  formula: string;
  numAtoms: number;
  numElements: number;
  /** g/cm³ */
  density: number;
  volume: number;
  /** Shortest distance between two different atoms (Å); null for a single atom. */
  minDistance: number | null;
  structurallyValid: boolean;
  /** Every contact ≥ 0.5 (r_i + r_j), Slater atomic radii (shared/crystal/validity.ts `physicalPlausibility`). */
  physicallyPlausible: boolean;
  /** Smallest contact / (r_i + r_j), own images included; null when not computed (degenerate cell). */
  shortestContactRatio: number | null;
  compositionallyValid: boolean;
  /** Compositional validity with the mixed-valence extension. */
  compositionallyValidMixedValence: boolean;
  valid: boolean;
  spaceGroupRequested: number | null;
  spaceGroupFound: number | null;
  /**
   * Set when the crystal was analysed at a smaller tolerance than asked: half its shortest interatomic distance
   * when atoms are closer than symprec, and/or a quarter after moyo failed.
   */
  symprecUsed?: number;
  symmetryError?: string;
  /** Index (into `samples`) of the first crystal of this crystal's uniqueness group. */
  duplicateOf: number | null;
  /** Null without a reference set. */
  novel: boolean | null;
  matchedReference?: string;
}

export interface EvaluationReport {
  format: 'cfstudio-evaluation';
  version: 1;
  createdAt: string;
  count: number;
  settings: {
    symprec: number;
    tolerances: MatchTolerances;
    requireSameSpaceGroup: boolean;
    validityRule: string;
    plausibilityRule: string;
    reference: { source: string; kind: string; size: number } | null;
  };
  validity: {
    structural: Rate;
    /** Shortest contact ≥ 0.5 (r_i + r_j), reported next to the 0.5 Å structural rule. */
    physicallyPlausible: Rate;
    compositional: Rate;
    valid: Rate;
    compositionalMixedValence: Rate;
  };
  symmetry: {
    analysed: number;
    failed: number;
    /** Found = requested, over crystals with a known requested group. */
    matchesRequested: Rate;
    p1: Rate;
    /** P1 among novel crystals (null without a reference). */
    p1AmongNovel: Rate | null;
    histogram: { spaceGroup: number; symbol: string; count: number }[];
  };
  uniqueness: { groups: number; unique: Rate };
  novelty: {
    novel: Rate;
    /** Novel among the first members of uniqueness groups. */
    novelAmongUnique: Rate;
    /** Valid, unique (first of its group) and novel, over all crystals. */
    validUniqueNovel: Rate;
  } | null;
  distributions: {
    numElements: { values: number[]; counts: number[] };
    atomsPerCell: { values: number[]; counts: number[] };
    density: Histogram & { summary: Summary };
    reference: { numElements: { values: number[]; counts: number[] }; density: Histogram & { summary: Summary } } | null;
    /** Valid generated crystals vs all reference crystals. */
    wasserstein: { density: number; numElements: number; generated: number; reference: number } | null;
  };
  samples: SampleEvaluation[];
  timing: { seconds: number; structuresPerSecond: number };
  /** With `--stability` (evaluateStability in stability.ts): relaxation, E_hull and S.U.N. */
  stability?: StabilityReport;
  /** Filled in by callers that read files (the CLI): what was read and what could not be. */
  input?: {
    directory: string;
    cifFiles: number;
    samplesFile: boolean;
    unreadable: { file: string; error: string }[];
    /** samples.jsonl lines for which the sampler wrote no structure. */
    unbuilt: { where: string; spaceGroupRequested: number | null; error: string }[];
    /** Valid crystals over every sample, counting unreadable and unbuilt ones as invalid (CDVAE counts failed constructions). */
    validOverAllSamples: Rate;
    warnings: string[];
  };
}

const DENSITY_BIN = 0.5;

const rate = (count: number, total: number): Rate => ({ count, total, rate: total > 0 ? count / total : null });

/** Evaluate generated crystals (see the file comment). Needs `initSymmetry()` to have completed. */
export function evaluateStructures(items: readonly EvaluationItem[], options: EvaluationOptions = {}): EvaluationReport {
  const started = performance.now();
  const symprec = options.symprec ?? EVALUATION_SYMPREC;
  if (!(symprec > 0)) throw new Error(`symprec must be a positive length in Å, got ${symprec}`);
  const tolerances: MatchTolerances = { ...DEFAULT_MATCH_TOLERANCES, ...options.tolerances };
  const requireSameSpaceGroup = options.requireSameSpaceGroup ?? true;
  const reference = options.reference;
  const progress = options.onProgress ?? (() => {});
  const n = items.length;

  // 1. Per-crystal analysis.
  const prepared: MatchableStructure[] = [];
  const samples: SampleEvaluation[] = [];
  items.forEach((item, index) => {
    const s = item.structure;
    let structural: StructuralValidity;
    try {
      structural = structuralValidity(s);
    } catch {
      structural = { valid: false, minDistance: NaN, volume: s.volume };
    }
    let plausibility: { plausible: boolean; shortestContactRatio: number };
    try {
      plausibility = physicalPlausibility(s);
    } catch {
      plausibility = { plausible: false, shortestContactRatio: NaN };
    }
    const composition = Composition.fromStructure(s);
    const compositional = compositionalValidity(composition);
    const mixed = compositional.valid || compositionalValidity(composition, { mixedValence: true }).valid;
    // Atoms closer than symprec make moyo's search ill-posed (it stalls for seconds, then fails); analyse such a
    // crystal at half its shortest distance instead.
    const crystalSymprec = structural.minDistance < symprec ? Math.max(structural.minDistance / 2, MIN_SYMPREC) : symprec;
    const p = prepareForMatching(s, crystalSymprec);
    prepared.push(p);
    samples.push({
      name: item.name,
      formula: composition.reducedFormula,
      numAtoms: s.numSites,
      numElements: composition.elements.length,
      density: s.densityFrom(atomicMass),
      volume: s.volume,
      minDistance: Number.isFinite(structural.minDistance) ? structural.minDistance : null,
      structurallyValid: structural.valid,
      physicallyPlausible: plausibility.plausible,
      shortestContactRatio: Number.isFinite(plausibility.shortestContactRatio) ? plausibility.shortestContactRatio : null,
      compositionallyValid: compositional.valid,
      compositionallyValidMixedValence: mixed,
      valid: structural.valid && compositional.valid,
      spaceGroupRequested: item.spaceGroupRequested ?? null,
      spaceGroupFound: p.spaceGroup,
      ...(p.symprec !== symprec ? { symprecUsed: p.symprec } : {}),
      ...(p.symmetryError !== undefined ? { symmetryError: p.symmetryError } : {}),
      duplicateOf: null,
      novel: null,
    });
    progress('analyse', index + 1, n);
  });

  const compatible = (a: MatchableStructure, b: MatchableStructure): boolean => {
    if (a.numSites !== b.numSites || a.compositionKey !== b.compositionKey) return false;
    if (requireSameSpaceGroup && a.spaceGroup !== null && b.spaceGroup !== null) {
      return a.spaceGroup === b.spaceGroup && a.orbitKey === b.orbitKey;
    }
    return true;
  };

  // 2. Uniqueness: greedy grouping within composition buckets.
  const groupsByComposition = new Map<string, number[]>();
  let groupCount = 0;
  prepared.forEach((p, index) => {
    const firsts = groupsByComposition.get(p.compositionKey) ?? [];
    const first = firsts.find((candidate) => compatible(prepared[candidate]!, p) && structuresMatch(prepared[candidate]!, p, tolerances));
    if (first !== undefined) samples[index]!.duplicateOf = first;
    else {
      firsts.push(index);
      groupsByComposition.set(p.compositionKey, firsts);
      groupCount++;
    }
    progress('uniqueness', index + 1, n);
  });

  // 3. Novelty against the reference.
  if (reference) {
    prepared.forEach((p, index) => {
      let matched: string | undefined;
      for (const candidate of reference.candidates(p.compositionKey)) {
        const known = reference.prepared(candidate, symprec);
        if (compatible(known, p) && structuresMatch(p, known, tolerances)) {
          matched = reference.entries[candidate]!.id;
          break;
        }
      }
      samples[index]!.novel = matched === undefined;
      if (matched !== undefined) samples[index]!.matchedReference = matched;
      progress('novelty', index + 1, n);
    });
  }

  // 4. Aggregates.
  const count = (predicate: (s: SampleEvaluation) => boolean, subset: readonly SampleEvaluation[] = samples) => subset.filter(predicate).length;
  const analysed = samples.filter((s) => s.spaceGroupFound !== null);
  const withRequest = analysed.filter((s) => s.spaceGroupRequested !== null);
  const novel = reference ? samples.filter((s) => s.novel === true) : [];
  const novelAnalysed = novel.filter((s) => s.spaceGroupFound !== null);
  const firstsOfGroups = samples.filter((s) => s.duplicateOf === null);

  const spaceGroupCounts = new Map<number, number>();
  for (const s of analysed) spaceGroupCounts.set(s.spaceGroupFound!, (spaceGroupCounts.get(s.spaceGroupFound!) ?? 0) + 1);

  const densityOf = (values: number[]) => ({ ...histogram(values, 0, DENSITY_BIN), summary: summarize(values) });
  const validSamples = samples.filter((s) => s.valid);
  let wasserstein: EvaluationReport['distributions']['wasserstein'] = null;
  if (reference && reference.size > 0 && validSamples.length > 0) {
    wasserstein = {
      density: wassersteinDistance(
        validSamples.map((s) => s.density),
        reference.entries.map((e) => e.density),
      ),
      numElements: wassersteinDistance(
        validSamples.map((s) => s.numElements),
        reference.entries.map((e) => e.numElements),
      ),
      generated: validSamples.length,
      reference: reference.size,
    };
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    format: 'cfstudio-evaluation',
    version: 1,
    createdAt: new Date().toISOString(),
    count: n,
    settings: {
      symprec,
      tolerances,
      requireSameSpaceGroup,
      validityRule: 'CDVAE: min interatomic distance ≥ 0.5 Å, volume ≥ 0.1 Å³; SMACT charge neutrality (one state per element) + Pauling test, single elements and all-metal compositions valid',
      plausibilityRule: `every contact (own periodic images included) ≥ ${PLAUSIBLE_CONTACT_FRACTION} × (r_i + r_j), Slater atomic radii (pymatgen Element.atomic_radius), Cordero covalent where Slater has none`,
      reference: reference ? { source: reference.source, kind: reference.kind, size: reference.size } : null,
    },
    validity: {
      structural: rate(count((s) => s.structurallyValid), n),
      physicallyPlausible: rate(count((s) => s.physicallyPlausible), n),
      compositional: rate(count((s) => s.compositionallyValid), n),
      valid: rate(count((s) => s.valid), n),
      compositionalMixedValence: rate(count((s) => s.compositionallyValidMixedValence), n),
    },
    symmetry: {
      analysed: analysed.length,
      failed: n - analysed.length,
      matchesRequested: rate(count((s) => s.spaceGroupFound === s.spaceGroupRequested, withRequest), withRequest.length),
      p1: rate(count((s) => s.spaceGroupFound === 1, analysed), analysed.length),
      p1AmongNovel: reference ? rate(count((s) => s.spaceGroupFound === 1, novelAnalysed), novelAnalysed.length) : null,
      histogram: [...spaceGroupCounts]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .map(([spaceGroup, c]) => ({ spaceGroup, symbol: getSpaceGroup(spaceGroup).symbol, count: c })),
    },
    uniqueness: { groups: groupCount, unique: rate(groupCount, n) },
    novelty: reference
      ? {
          novel: rate(novel.length, n),
          novelAmongUnique: rate(count((s) => s.novel === true, firstsOfGroups), firstsOfGroups.length),
          validUniqueNovel: rate(count((s) => s.valid && s.novel === true, firstsOfGroups), n),
        }
      : null,
    distributions: {
      numElements: integerHistogram(samples.map((s) => s.numElements)),
      atomsPerCell: integerHistogram(samples.map((s) => s.numAtoms)),
      density: densityOf(samples.map((s) => s.density)),
      reference: reference
        ? { numElements: integerHistogram(reference.entries.map((e) => e.numElements)), density: densityOf(reference.entries.map((e) => e.density)) }
        : null,
      wasserstein,
    },
    samples,
    timing: { seconds, structuresPerSecond: seconds > 0 ? n / seconds : 0 },
  };
}
