/**
 * Structure prediction from a formula: sample crystals with exactly the formula (plan.ts, composition masks), build
 * them, keep the structurally valid ones, merge duplicates with the structure matcher, and rank what is left — by
 * energy per atom from the potential (after relaxation with the space group kept, or a single point), or by the
 * model's log-likelihood when there is no potential.
 */
import type { Structure } from '../../shared/crystal/structure.ts';
import { atomicNumber, elementSymbol } from '../../shared/crystal/elements.ts';
import { wyckoffPosition } from '../../shared/symmetry/spacegroups.ts';
import { errorLine } from '../../shared/text/safe-text.ts';
import type { RelaxOptions, RelaxResult, RelaxStatus } from '../engine/potential/relax.ts';
import { relaxStructures } from '../engine/potential/relax.ts';
import type { Potential } from '../engine/potential/types.ts';
import { type SampleRecord, buildSample } from '../engine/sample/build.ts';
import type { CrystalSampler } from '../engine/sample/sampler.ts';
import { DEFAULT_MATCH_TOLERANCES, type MatchableStructure, type MatchTolerances, prepareForMatching, structuresMatch } from '../evaluate/matcher.ts';
import { type StabilityRecord, spaceGroupOf, stabilityRecord } from '../screening/records.ts';
import type { StabilityAnalyzer } from '../stability/index.ts';
import { Rng } from '../../shared/random.ts';
import type { CspPlan } from './plan.ts';

export interface CspOptions {
  sampler: CrystalSampler;
  count: number;
  seed?: number;
  temperature?: number;
  topP?: number;
  batchSize?: number;
  /** Null: rank by the model's log-likelihood. */
  potential: Potential | null;
  /** Relax every unique candidate (space group kept) before ranking; null: single-point energies. */
  relax: { fmax: number; maxSteps: number } | null;
  /** For E_hull and formation energy (screening/records.ts); absent: not computed. */
  stability?: StabilityAnalyzer | { error: string };
  /** Symmetry tolerance for building, matching and reporting (Å, default 0.1). */
  symprec?: number;
  tolerances?: MatchTolerances;
  onProgress?: (stage: 'sample' | 'match' | 'energy' | 'relax', done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface CspCandidate {
  /** Index of the sample (0-based, in drawing order) that represents this structure. */
  sample: number;
  record: SampleRecord;
  /** As sampled and built (conventional cell). */
  initial: Structure;
  /** The structure ranked: relaxed when relaxation ran and did not explode or fail, else `initial`. */
  structure: Structure;
  /** Formula units in the conventional cell the model wrote. */
  z: number;
  /** Samples (this one included) that matched this structure. */
  count: number;
  spaceGroupFound: number | null;
  logp: number;
  energyPerAtom: number | null;
  relaxStatus: RelaxStatus | null;
  relaxSteps: number | null;
  stability: StabilityRecord | null;
}

export type CspRanking = 'energy after relaxation' | 'single-point energy' | 'log-likelihood';

export interface CspResult {
  sampled: number;
  built: number;
  /** Structurally valid, including those whose atoms merged when built (`merged`), which are not ranked. */
  structurallyValid: number;
  /** Crystals whose built cell lost atoms to merging (sites on one orbit), so no longer the formula. */
  merged: number;
  unique: number;
  ranking: CspRanking;
  /** Why the ranking is not by energy though a potential was given (e.g. an element it does not know). */
  note?: string;
  /** Ranked, best first. */
  candidates: CspCandidate[];
  seconds: { sample: number; match: number; energy: number };
}

/**
 * The model's own choice of space group for the formula: p(g | formula) ∝ p(g) · P(formula | g), where p(g) is the
 * plan's prior (training frequencies) and P(formula | g) — the probability that the model, sampling freely in g,
 * writes a Wyckoff/element sequence with the formula — is estimated by importance sampling: `perGroup` draws per
 * group with the composition masks, each weighted by the model probability the masks let through
 * (SampledCrystal.logAllowedMass), averaged. Returns a plan drawing groups with these weights (groups whose
 * estimate underflows to 0 are dropped); a plan with given groups is returned unchanged.
 */
export async function weighGroupsByModel(sampler: CrystalSampler, plan: CspPlan, options: { perGroup?: number; seed?: number; temperature?: number } = {}): Promise<CspPlan> {
  if (plan.groupChoice === 'given' || plan.groups.length <= 1) return plan;
  const perGroup = options.perGroup ?? 4;
  const rng = new Rng(`${options.seed ?? 0}/csp-groups`);
  const rows = plan.groups.flatMap((g) => Array.from({ length: perGroup }, () => g.group));
  const logMass = new Map<number, number[]>();
  const BATCH = 512;
  for (let start = 0; start < rows.length; start += BATCH) {
    const groups = Int32Array.from(rows.slice(start, start + BATCH));
    const batch = await sampler.sampleBatch(groups, plan.conditions, rng, { temperature: 1 });
    batch.forEach((crystal, i) => {
      const list = logMass.get(groups[i]!) ?? [];
      list.push(crystal?.logAllowedMass ?? -Infinity);
      logMass.set(groups[i]!, list);
    });
  }
  const logPosterior = plan.groups.map((g) => Math.log(g.weight) + logMeanExp(logMass.get(g.group) ?? []));
  const top = Math.max(...logPosterior);
  if (!Number.isFinite(top)) return plan;
  const unnormalised = logPosterior.map((l) => Math.exp(l - top));
  const total = unnormalised.reduce((a, b) => a + b, 0);
  const groups = plan.groups.map((g, i) => ({ ...g, weight: unnormalised[i]! / total })).filter((g) => g.weight > 0);
  const weights = new Array<number>(230).fill(0);
  for (const g of groups) weights[g.group - 1] = g.weight;
  return { ...plan, groups, groupChoice: 'model', conditions: { ...plan.conditions, spaceGroups: { kind: 'distribution', weights } } };
}

function logMeanExp(values: readonly number[]): number {
  if (values.length === 0) return -Infinity;
  const max = Math.max(...values);
  if (!Number.isFinite(max)) return -Infinity;
  return max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0) / values.length);
}

/** Element counts of a structure in the plan's element order. */
function countsOf(structure: Structure, plan: CspPlan): number[] {
  const counts = new Map<string, number>();
  for (const site of structure.sites) counts.set(site.species, (counts.get(site.species) ?? 0) + 1);
  const symbols = plan.condition.elements.map((z) => elementSymbol(z));
  if ([...counts.keys()].some((s) => !symbols.includes(s))) return [];
  return symbols.map((s) => counts.get(s) ?? 0);
}

/** What sampling leaves to rank: the distinct exact-formula crystals, most likely first (`sampleCandidates`). */
export interface CspSampled {
  sampled: number;
  built: number;
  structurallyValid: number;
  merged: number;
  /** Distinct crystals as sampled (no energies yet), most likely first. */
  candidates: CspCandidate[];
  seconds: { sample: number; match: number };
}

/** Sampling, building and merging duplicates, then ranking (`rankCandidates`): the whole of `cfstudio csp`. */
export async function predictStructures(plan: CspPlan, options: CspOptions): Promise<CspResult> {
  return rankCandidates(plan, await sampleCandidates(plan, options), options);
}

/**
 * Stage 1: draw `count` crystals with exactly the formula, build them, keep the structurally valid ones whose built
 * cell still has the formula, and merge duplicates into their most likely sample.
 */
export async function sampleCandidates(plan: CspPlan, options: Omit<CspOptions, 'potential' | 'relax' | 'stability'>): Promise<CspSampled> {
  const symprec = options.symprec ?? 0.1;
  const tolerances = options.tolerances ?? DEFAULT_MATCH_TOLERANCES;
  const progress = options.onProgress ?? (() => {});
  const t0 = performance.now();

  // 1. Sample and build. The masks guarantee the formula; a crystal without it is a bug, not a bad sample.
  const built: { index: number; record: SampleRecord; structure: Structure; z: number }[] = [];
  let sampled = 0;
  let builtCount = 0;
  let merged = 0;
  const sampleOptions = { seed: options.seed ?? 0, temperature: options.temperature ?? 1, topP: options.topP ?? 1, batchSize: options.batchSize ?? 256 };
  for await (const sample of options.sampler.sample(plan.conditions, options.count, sampleOptions)) {
    const index = sampled++;
    const { record, structure } = buildSample(sample, index, symprec);
    progress('sample', sampled, options.count);
    if (!structure) continue;
    builtCount++;
    // The tokens have exactly the formula (the masks guarantee it; anything else is a bug)…
    const written = plan.condition.elements.map(() => 0);
    for (const site of record.sites) written[plan.condition.elements.indexOf(atomicNumber(site.element))]! += wyckoffPosition(record.spaceGroupRequested, site.letter).multiplicity;
    const cell = plan.condition.cellCounts.findIndex((target) => target.every((n, i) => n === written[i]));
    if (cell < 0) throw new Error(`internal error: sample ${index} (${record.wyckoffLabel}) does not have ${plan.unit.text} × Z`);
    if (!record.structurallyValid) continue;
    // …but the builder merges atoms closer than 0.01 Å: two sites sampled onto one orbit, or a free site onto a
    // special point whose orbit is smaller. Such a crystal is not the formula any more; it is left out.
    const counts = countsOf(structure, plan);
    if (!counts.every((n, i) => n === written[i])) {
      merged++;
      continue;
    }
    built.push({ index, record, structure, z: plan.zs[cell]! });
    if (options.signal?.aborted) break;
  }
  const t1 = performance.now();

  // 2. Merge duplicates: most likely first, so each structure is represented by its most likely sample.
  built.sort((a, b) => b.record.logp.total - a.record.logp.total);
  const unique = mergeDuplicates(
    built.map((b) => b.structure),
    symprec,
    tolerances,
    (done) => progress('match', done, built.length),
  );
  const candidates: CspCandidate[] = unique.map(({ representative, count, prepared }) => {
    const b = built[representative]!;
    return {
      sample: b.index,
      record: b.record,
      initial: b.structure,
      structure: b.structure,
      z: b.z,
      count,
      spaceGroupFound: prepared.spaceGroup,
      logp: b.record.logp.total,
      energyPerAtom: null,
      relaxStatus: null,
      relaxSteps: null,
      stability: null,
    };
  });
  const t2 = performance.now();
  return {
    sampled,
    built: builtCount,
    structurallyValid: built.length + merged,
    merged,
    candidates,
    seconds: { sample: (t1 - t0) / 1000, match: (t2 - t1) / 1000 },
  };
}

/**
 * Stage 2: energies (single point, or relaxation with the space group kept followed by a second merge) and the
 * ranking. The sampled candidates are not modified, so one sample can be ranked several ways (bench/csp.ts).
 */
export async function rankCandidates(
  plan: CspPlan,
  sampledCandidates: CspSampled,
  options: Pick<CspOptions, 'potential' | 'relax' | 'stability' | 'symprec' | 'tolerances' | 'onProgress' | 'signal'> & {
    /**
     * The relaxations of `sampledCandidates.candidates` (same order), already run with `candidateRelaxOptions(relax)`:
     * for a caller that relaxes the candidates of many formulas in one batch (bench/csp.ts). Absent: relaxed here.
     */
    relaxed?: readonly RelaxResult[];
  },
): Promise<CspResult> {
  const symprec = options.symprec ?? 0.1;
  const tolerances = options.tolerances ?? DEFAULT_MATCH_TOLERANCES;
  const progress = options.onProgress ?? (() => {});
  let candidates = sampledCandidates.candidates.map((c) => ({ ...c }));
  const t2 = performance.now();

  // 3. Energies.
  let ranking: CspRanking = 'log-likelihood';
  let note: string | undefined;
  const potential = options.potential;
  if (potential && candidates.length > 0) {
    const unknown = plan.unit.symbols.filter((s) => !potential.elements.has(s));
    if (unknown.length > 0) {
      note = `${potential.name} does not know ${unknown.join(', ')}: ranked by the model's log-likelihood`;
    } else if (options.relax) {
      ranking = 'energy after relaxation';
      let done = 0;
      if (options.relaxed && options.relaxed.length !== candidates.length) throw new Error(`internal error: ${options.relaxed.length} relaxations for ${candidates.length} candidates`);
      const results =
        options.relaxed ??
        (await relaxStructures(
          potential,
          candidates.map((c) => c.initial),
          { ...candidateRelaxOptions(options.relax), ...(options.signal ? { signal: options.signal } : {}), onDone: () => progress('relax', ++done, candidates.length) },
        ));
      results.forEach((r, i) => {
        const c = candidates[i]!;
        c.relaxStatus = r.status;
        c.relaxSteps = r.steps;
        if ((r.status === 'converged' || r.status === 'not-converged') && Number.isFinite(r.energy)) {
          c.structure = r.structure;
          c.energyPerAtom = r.energy / r.structure.numSites;
          c.spaceGroupFound = spaceGroupOf(r.structure, symprec);
          if (options.stability) c.stability = stabilityRecord(options.stability, r.structure, r.energy);
        }
      });
      // Relaxation often takes different starting points to one minimum: merge again, keeping the lowest energy.
      candidates = mergeRelaxed(candidates, symprec, tolerances);
    } else {
      ranking = 'single-point energy';
      try {
        const results = await potential.compute(
          candidates.map((c) => c.structure),
          { forces: false, stress: false },
        );
        results.forEach((r, i) => {
          const c = candidates[i]!;
          if (Number.isFinite(r.energy)) {
            c.energyPerAtom = r.energy / c.structure.numSites;
            if (options.stability) c.stability = stabilityRecord(options.stability, c.structure, r.energy);
          }
          progress('energy', i + 1, candidates.length);
        });
      } catch (error) {
        ranking = 'log-likelihood';
        note = `the potential failed (${errorLine(error)}): ranked by the model's log-likelihood`;
      }
    }
  }
  const t3 = performance.now();

  // 4. Rank: lowest energy per atom first (crystals without one after those), ties and the rest by likelihood.
  candidates.sort((a, b) => {
    if (ranking !== 'log-likelihood') {
      const ea = a.energyPerAtom ?? Number.POSITIVE_INFINITY;
      const eb = b.energyPerAtom ?? Number.POSITIVE_INFINITY;
      if (ea !== eb) return ea - eb;
    }
    return b.logp - a.logp;
  });
  return {
    sampled: sampledCandidates.sampled,
    built: sampledCandidates.built,
    structurallyValid: sampledCandidates.structurallyValid,
    merged: sampledCandidates.merged,
    unique: sampledCandidates.candidates.length,
    ranking,
    ...(note !== undefined ? { note } : {}),
    candidates,
    seconds: { ...sampledCandidates.seconds, energy: (t3 - t2) / 1000 },
  };
}

/** How a candidate is relaxed before ranking: FIRE to `fmax` or `maxSteps`, cell included, space group kept. */
export function candidateRelaxOptions(relax: { fmax: number; maxSteps: number }): RelaxOptions {
  return { fmax: relax.fmax, maxSteps: relax.maxSteps, keepSymmetry: true };
}

/**
 * Greedy grouping in input order: each structure joins the first earlier representative it matches (same number of
 * atoms, composition, space group found and Wyckoff orbits, then pymatgen's StructureMatcher geometry).
 */
export function mergeDuplicates(
  structures: readonly Structure[],
  symprec: number,
  tolerances: MatchTolerances = DEFAULT_MATCH_TOLERANCES,
  onProgress: (done: number) => void = () => {},
): { representative: number; members: number[]; count: number; prepared: MatchableStructure }[] {
  const groups: { representative: number; members: number[]; count: number; prepared: MatchableStructure }[] = [];
  structures.forEach((structure, index) => {
    const p = prepareForMatching(structure, symprec);
    const same = groups.find(
      (g) =>
        g.prepared.numSites === p.numSites &&
        g.prepared.compositionKey === p.compositionKey &&
        g.prepared.spaceGroup === p.spaceGroup &&
        g.prepared.orbitKey === p.orbitKey &&
        structuresMatch(g.prepared, p, tolerances),
    );
    if (same) {
      same.count++;
      same.members.push(index);
    } else groups.push({ representative: index, members: [index], count: 1, prepared: p });
    onProgress(index + 1);
  });
  return groups;
}

/** After relaxation: lowest energy first, then the same greedy grouping on the relaxed structures (sample counts summed). */
function mergeRelaxed(candidates: CspCandidate[], symprec: number, tolerances: MatchTolerances): CspCandidate[] {
  const byEnergy = (a: CspCandidate, b: CspCandidate) => (a.energyPerAtom ?? Number.POSITIVE_INFINITY) - (b.energyPerAtom ?? Number.POSITIVE_INFINITY) || b.logp - a.logp;
  const relaxed = candidates.filter((c) => c.energyPerAtom !== null).sort(byEnergy);
  const rest = candidates.filter((c) => c.energyPerAtom === null);
  const groups = mergeDuplicates(
    relaxed.map((c) => c.structure),
    symprec,
    tolerances,
  );
  const merged = groups.map((g) => ({ ...relaxed[g.representative]!, count: g.members.reduce((n, i) => n + relaxed[i]!.count, 0) }));
  return [...merged, ...rest];
}
