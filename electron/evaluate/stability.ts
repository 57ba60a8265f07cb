/**
 * Stability part of the evaluation (`cfstudio evaluate --stability`, the evaluate job's `stability` option):
 * every structurally valid crystal is relaxed with the interatomic potential (FIRE + Fréchet cell filter as ASE,
 * space group kept by default as ASE's FixSymmetry; electron/engine/potential/relax.ts), its MP2020-corrected
 * energy placed against the reference hull (electron/stability), and the relaxed crystals matched among themselves
 * (uniqueness) and against the reference set (novelty) with the evaluation's structure matcher.
 *
 * Reported (the protocol travels with the numbers, because published S.U.N. figures differ mainly in it —
 * field.md §4):
 * - E_hull of the relaxed crystals: median, quartiles, histogram; shares ≤ 0, ≤ 0.08, ≤ 0.1 eV/atom over all
 *   samples drawn;
 * - S.U.N. = stable (E_hull ≤ threshold) ∧ unique (first of its group among the relaxed crystals) ∧ novel (no
 *   reference crystal matches the relaxed one), over ALL samples drawn (unbuilt, unreadable, invalid and failed
 *   relaxations count in the denominator), at each threshold (counts, LeMat-GenBench's "SUN/MetaSUN" style), and
 *   restricted to crystals whose relaxed space group is not P1 (WyFormer's "S.S.U.N.");
 * - relaxation: statuses, RMS displacement and volume change generated → relaxed, space group kept or lost;
 * - throughput: S.U.N. crystals per hour of wall time, with the load average during the run.
 *
 * Only converged and not-converged relaxations get an E_hull (of their last structure); exploded and failed ones
 * are never stable.
 */
import { cpus, loadavg } from 'node:os';
import type { Structure } from '../../shared/crystal/structure.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { relaxStructures } from '../engine/potential/relax.ts';
import type { Potential } from '../engine/potential/types.ts';
import type { RelaxStatus } from '../engine/potential/relax.ts';
import { type RelaxationRecord, relaxationRecord } from '../screening/records.ts';
import { PARTIAL_HULL_NOTE, type StabilityAnalyzer } from '../stability/index.ts';
import { type Histogram, type Summary, histogram, quantile, summarize } from './distributions.ts';
import { type EvaluationReport, type Rate, evaluateStructures } from './generation-metrics.ts';
import type { ReferenceSet } from './reference.ts';

/** E_hull thresholds (eV/atom) always reported: stable on the hull, CrystalFormer/WyFormer's 0.08, MatterGen's 0.1. */
export const E_HULL_THRESHOLDS: readonly number[] = [0, 0.08, 0.1];
/** Default stability threshold for S.U.N. (eV/atom), MatterGen's and CrystalFormer's `check_sun_materials.py`. */
export const DEFAULT_STABLE_THRESHOLD = 0.1;
const E_HULL_BIN = 0.05;

export interface StabilityEvaluationOptions {
  potential: Potential;
  /** The hull; without it (an error string) no E_hull is computed and nothing is stable. */
  stability: StabilityAnalyzer | { error: string };
  reference?: ReferenceSet;
  /** Symmetry tolerance (Å) for space groups, matching and the symmetry kept in relaxation (default 0.1). */
  symprec?: number;
  keepSymmetry?: boolean;
  fmax?: number;
  maxSteps?: number;
  /** eV/atom (default 0.1). */
  stableThreshold?: number;
  /** Every sample drawn, counting those without a readable structure (default: the items). */
  samplesDrawn?: number;
  /** performance.now() when the whole evaluation started, for the throughput (default: when this starts). */
  startedAt?: number;
  requireSameSpaceGroup?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, step: number) => void;
  /** Each relaxation as it ends (in the order they end): its record and the relaxed structure (converged or not-converged). */
  onRelaxed?: (record: RelaxationRecord, relaxed: Structure | null) => void;
}

export interface SampleStability {
  name: string;
  status: RelaxStatus;
  steps: number;
  fmax: number | null;
  energyPerAtom: number | null;
  formationEnergyPerAtom: number | null;
  eHull: number | null;
  rmsd: number | null;
  volumeChange: number | null;
  spaceGroupBefore: number | null;
  spaceGroupAfter: number | null;
  /** First of its group among the relaxed crystals. */
  unique: boolean;
  /** No reference crystal matches the relaxed crystal (null without a reference). */
  novel: boolean | null;
  matchedReference?: string;
  stable: boolean;
  sun: boolean;
  message?: string;
}

export interface SunCounts {
  /** E_hull threshold, eV/atom. */
  threshold: number;
  stable: number;
  stableUnique: number;
  stableNovel: number;
  sun: number;
  /** S.U.N. over all samples drawn. */
  sunRate: Rate;
  /** S.U.N. whose relaxed space group is found and is not P1, over all samples drawn. */
  symmetricSunRate: Rate;
}

export interface StabilityReport {
  protocol: {
    potential: string;
    relaxation: string;
    fmax: number;
    maxSteps: number;
    keepSymmetry: boolean;
    symprec: number;
    hull: string;
    stableThreshold: number;
    sun: string;
    text: string[];
  };
  samplesDrawn: number;
  /** Structurally valid crystals sent to relaxation. */
  relaxed: number;
  statuses: Record<RelaxStatus, number>;
  eHull: {
    /** Crystals with an E_hull. */
    count: number;
    median: number | null;
    q1: number | null;
    q3: number | null;
    summary: Summary;
    /** 0.05 eV/atom bins from the smallest value (rounded down); values above 1 eV/atom beyond 200 bins are `outside`. */
    histogram: Histogram;
    /** Share with E_hull ≤ threshold over all samples drawn, and over the crystals with an E_hull. */
    shares: { threshold: number; overDrawn: Rate; overWithEHull: Rate }[];
  };
  sun: {
    /** At the chosen threshold. */
    rate: Rate;
    symmetricRate: Rate;
    byThreshold: SunCounts[];
    /** Non-P1 (relaxed space group found and > 1) crystals among the relaxed, and S.U.N. among them. */
    nonP1: { crystals: number; sun: Rate };
    uniqueRelaxed: Rate;
    novelRelaxed: Rate | null;
  };
  relaxation: {
    rmsd: Summary & { median: number | null };
    volumeChange: Summary & { median: number | null };
    /**
     * Space group at symprec before vs after (converged and not-converged relaxations whose groups were found):
     * kept, raised (the point group grew — a crystal can gain symmetry even with FixSymmetry), lowered (it shrank),
     * other (same point-group order, another group); unknown when either group was not found.
     */
    spaceGroup: { kept: number; raised: number; lowered: number; other: number; unknown: number };
    notConverged: number;
  };
  throughput: {
    /** Wall time from `startedAt` to the end, s. */
    wallSeconds: number;
    /** CPU time of this process (all threads) during the relaxation and matching, s: closer to what an idle machine would take. */
    cpuSeconds: number;
    relaxSeconds: number;
    sunPerHour: number;
    loadAverage: number[];
    cpus: number;
  };
  samples: SampleStability[];
}

/** Operations of the group's point group: conventional-cell operations over the centring translations. */
function pointGroupOrder(spaceGroup: number): number {
  const group = getSpaceGroup(spaceGroup);
  const translations = { P: 1, A: 2, B: 2, C: 2, I: 2, F: 4, R: 3 }[group.centering] ?? 1;
  return group.operations.length / translations;
}

const rate = (count: number, total: number): Rate => ({ count, total, rate: total > 0 ? count / total : null });

/**
 * Relaxes the structurally valid crystals of an evaluation and measures stability and S.U.N. (file comment).
 * `items` and `report` are the input and output of `evaluateStructures` (same order).
 */
export async function evaluateStability(items: readonly { name: string; structure: Structure }[], report: EvaluationReport, options: StabilityEvaluationOptions): Promise<StabilityReport> {
  const startedAt = options.startedAt ?? performance.now();
  const symprec = options.symprec ?? report.settings.symprec;
  const keepSymmetry = options.keepSymmetry ?? true;
  const fmax = options.fmax ?? 0.05;
  const maxSteps = options.maxSteps ?? 500;
  const stableThreshold = options.stableThreshold ?? DEFAULT_STABLE_THRESHOLD;
  if (!Number.isFinite(stableThreshold)) throw new Error(`stable threshold must be a number of eV/atom, got ${stableThreshold}`);
  if (items.length !== report.samples.length) throw new Error(`evaluateStability: ${items.length} items for a report of ${report.samples.length} samples`);
  const samplesDrawn = options.samplesDrawn ?? items.length;

  const selected = items.map((item, index) => ({ item, index })).filter(({ index }) => report.samples[index]!.structurallyValid);
  const records: RelaxationRecord[] = new Array(selected.length);
  const relaxedStructures: (Structure | null)[] = new Array(selected.length).fill(null);
  const relaxStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  let done = 0;
  let lastStep = 0;
  await relaxStructures(
    options.potential,
    selected.map((s) => s.item.structure),
    {
      fmax,
      maxSteps,
      keepSymmetry,
      symprec,
      ...(options.signal ? { signal: options.signal } : {}),
      onStep: (event) => {
        if (event.step > lastStep) {
          lastStep = event.step;
          options.onProgress?.(done, selected.length, lastStep);
        }
      },
      onDone: (k, result) => {
        records[k] = relaxationRecord(selected[k]!.item.name, selected[k]!.item.structure, result, { symprec, output: null, stability: options.stability });
        relaxedStructures[k] = result.status === 'converged' || result.status === 'not-converged' ? result.structure : null;
        options.onRelaxed?.(records[k]!, relaxedStructures[k]!);
        done++;
        options.onProgress?.(done, selected.length, lastStep);
      },
    },
  );
  options.signal?.throwIfAborted();
  const relaxSeconds = (performance.now() - relaxStarted) / 1000;

  // Uniqueness and novelty of the relaxed crystals, with the evaluation's matcher and settings.
  const relaxedIndices = relaxedStructures.flatMap((s, k) => (s ? [k] : []));
  const relaxedReport = evaluateStructures(
    relaxedIndices.map((k) => ({ name: selected[k]!.item.name, structure: relaxedStructures[k]! })),
    {
      ...(options.reference ? { reference: options.reference } : {}),
      symprec,
      tolerances: report.settings.tolerances,
      requireSameSpaceGroup: options.requireSameSpaceGroup ?? report.settings.requireSameSpaceGroup,
    },
  );
  const matchOf = new Map(relaxedIndices.map((k, position) => [k, relaxedReport.samples[position]!]));

  const samples: SampleStability[] = records.map((record, k) => {
    const matched = matchOf.get(k);
    const eHull = record.eHull;
    const unique = matched !== undefined && matched.duplicateOf === null;
    const novel = matched === undefined ? (options.reference ? false : null) : matched.novel;
    const stable = eHull !== null && eHull <= stableThreshold;
    return {
      name: record.file,
      status: record.status,
      steps: record.steps,
      fmax: record.fmax,
      energyPerAtom: record.energyPerAtom,
      formationEnergyPerAtom: record.formationEnergyPerAtom,
      eHull,
      rmsd: record.rmsd,
      volumeChange: record.volumeChange,
      spaceGroupBefore: record.spaceGroupBefore,
      spaceGroupAfter: matched?.spaceGroupFound ?? record.spaceGroupAfter,
      unique,
      novel,
      ...(matched?.matchedReference !== undefined ? { matchedReference: matched.matchedReference } : {}),
      stable,
      sun: stable && unique && novel === true,
      ...(record.message !== undefined ? { message: record.message } : record.stabilityError !== undefined ? { message: record.stabilityError } : {}),
    };
  });

  const statuses: Record<RelaxStatus, number> = { converged: 0, 'not-converged': 0, exploded: 0, failed: 0, cancelled: 0 };
  for (const s of samples) statuses[s.status]++;
  const eHulls = samples.flatMap((s) => (s.eHull !== null ? [s.eHull] : []));
  const thresholds = [...new Set([...E_HULL_THRESHOLDS, stableThreshold])].sort((a, b) => a - b);
  const isSymmetric = (s: SampleStability) => s.spaceGroupAfter !== null && s.spaceGroupAfter > 1;
  const byThreshold: SunCounts[] = thresholds.map((threshold) => {
    const stable = samples.filter((s) => s.eHull !== null && s.eHull <= threshold);
    const sun = stable.filter((s) => s.unique && s.novel === true);
    return {
      threshold,
      stable: stable.length,
      stableUnique: stable.filter((s) => s.unique).length,
      stableNovel: stable.filter((s) => s.novel === true).length,
      sun: sun.length,
      sunRate: rate(sun.length, samplesDrawn),
      symmetricSunRate: rate(sun.filter(isSymmetric).length, samplesDrawn),
    };
  });
  const chosen = byThreshold.find((t) => t.threshold === stableThreshold)!;
  const nonP1 = samples.filter(isSymmetric);
  const withGroups = samples.filter((s) => (s.status === 'converged' || s.status === 'not-converged') && s.spaceGroupBefore !== null && s.spaceGroupAfter !== null);
  const kept = withGroups.filter((s) => s.spaceGroupBefore === s.spaceGroupAfter).length;
  const changed = withGroups.filter((s) => s.spaceGroupBefore !== s.spaceGroupAfter);
  const raised = changed.filter((s) => pointGroupOrder(s.spaceGroupAfter!) > pointGroupOrder(s.spaceGroupBefore!)).length;
  const lowered = changed.filter((s) => pointGroupOrder(s.spaceGroupAfter!) < pointGroupOrder(s.spaceGroupBefore!)).length;
  const withMedian = (values: number[]) => ({ ...summarize(values), median: quantile(values, 0.5) });
  const finite = (values: (number | null)[]) => values.filter((v): v is number => v !== null && Number.isFinite(v));
  const minEHull = eHulls.length ? Math.min(...eHulls) : 0;
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuStarted);

  const relaxationText = `FIRE + Fréchet cell filter (as ASE's FIRE(FrechetCellFilter)), fmax ${fmax} eV/Å, at most ${maxSteps} steps, ${keepSymmetry ? `space group kept (as ASE's FixSymmetry, symprec ${symprec} Å)` : 'symmetry free'}`;
  const sunText = `S.U.N. = E_hull ≤ ${stableThreshold} eV/atom ∧ unique among the relaxed crystals ∧ novel vs the reference (structure matcher ltol ${report.settings.tolerances.ltol}, stol ${report.settings.tolerances.stol}, angle ${report.settings.tolerances.angleTol}°${report.settings.requireSameSpaceGroup ? ', same space group' : ''}), over all ${samplesDrawn} samples drawn`;
  return {
    protocol: {
      potential: options.potential.name,
      relaxation: relaxationText,
      fmax,
      maxSteps,
      keepSymmetry,
      symprec,
      hull: PARTIAL_HULL_NOTE,
      stableThreshold,
      sun: sunText,
      text: [
        `relaxed the ${selected.length} structurally valid crystals with ${options.potential.name}: ${relaxationText}`,
        `E_hull: MP2020-corrected energy vs the reference hull. ${PARTIAL_HULL_NOTE}`,
        sunText + (options.reference ? '' : ' (no reference given: nothing counts as novel)'),
      ],
    },
    samplesDrawn,
    relaxed: selected.length,
    statuses,
    eHull: {
      count: eHulls.length,
      median: quantile(eHulls, 0.5),
      q1: quantile(eHulls, 0.25),
      q3: quantile(eHulls, 0.75),
      summary: summarize(eHulls),
      histogram: histogram(eHulls, Math.floor(minEHull / E_HULL_BIN) * E_HULL_BIN, E_HULL_BIN),
      shares: thresholds.map((threshold) => {
        const count = eHulls.filter((e) => e <= threshold).length;
        return { threshold, overDrawn: rate(count, samplesDrawn), overWithEHull: rate(count, eHulls.length) };
      }),
    },
    sun: {
      rate: chosen.sunRate,
      symmetricRate: chosen.symmetricSunRate,
      byThreshold,
      nonP1: { crystals: nonP1.length, sun: rate(nonP1.filter((s) => s.sun).length, nonP1.length) },
      uniqueRelaxed: rate(relaxedReport.uniqueness.groups, relaxedIndices.length),
      novelRelaxed: relaxedReport.novelty ? relaxedReport.novelty.novel : null,
    },
    relaxation: {
      rmsd: withMedian(finite(samples.map((s) => s.rmsd))),
      volumeChange: withMedian(finite(samples.map((s) => s.volumeChange))),
      spaceGroup: { kept, raised, lowered, other: changed.length - raised - lowered, unknown: statuses.converged + statuses['not-converged'] - withGroups.length },
      notConverged: statuses['not-converged'],
    },
    throughput: {
      wallSeconds,
      relaxSeconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      sunPerHour: wallSeconds > 0 ? (chosen.sun * 3600) / wallSeconds : 0,
      loadAverage: loadavg(),
      cpus: cpus().length,
    },
    samples,
  };
}
