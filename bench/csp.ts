/**
 * Structure prediction benchmark on the CDVAE protocol, over MP-20 validation formulas (held out from training):
 * for each of the first N crystals, `cfstudio csp`'s pipeline (electron/csp) is given its reduced formula and the
 * number of atoms of its cell, samples once, and the distinct candidates are ranked three ways — by the model's
 * log-likelihood, by single-point M3GNet energy per atom, and (CFSTUDIO_BENCH_RELAX=1) by energy per atom after
 * relaxation with the space group kept. For each ranking and k = 1, 20 the known structure is looked for among the
 * k best candidates with pymatgen's `StructureMatcher(stol=0.5, angle_tol=10, ltol=0.3).get_rms_dist` (our
 * `structureRmsDistance`, tested against pymatgen in tests/evaluate/pymatgen-rms.test.ts): a match when some
 * candidate has an RMS below stol; the RMSE averages, over matched formulas, the smallest normalised RMS among the k.
 *
 *   npm run bench:csp                                   # CFSTUDIO_BENCH_N formulas (default 20), CFSTUDIO_BENCH_SAMPLES each (default 50)
 *   CFSTUDIO_BENCH_RELAX=1 npm run bench:csp            # also rank after relaxation (every candidate, relaxed in batches of formulas)
 *   CFSTUDIO_BENCH_RELAX_TOP=20 …                        # relax only the 20 lowest single-point energies (default: every candidate)
 *   CFSTUDIO_BENCH_WORKERS=2 …                           # potential worker threads (default: one per core)
 *   CFSTUDIO_BENCH_RELAX_CHUNK=20 …                      # relax after every 20 formulas sampled (so an interrupted run has whole first formulas)
 *   CFSTUDIO_BENCH_RESUME=1 …                            # keep the finished formulas of CFSTUDIO_BENCH_OUT (same settings) and do the rest
 *   CFSTUDIO_BENCH_GROUPS=prior npm run bench:csp       # space groups by training frequency, not the model's p(g | formula)
 *   CFSTUDIO_BENCH_OUT=bench/results/csp-mp20-val.json  # where the per-formula results and the summary go (rewritten after each formula)
 *   CFSTUDIO_BENCH_CHECK=1 …                            # at the end, recompute every reported RMS with pymatgen (scripts/pymatgen_rms.py)
 *   CFSTUDIO_BENCH_PAIRS=runs/csp-pairs.json …          # keep those pairs (rewritten after each formula) for `/usr/bin/python3 scripts/pymatgen_rms.py FILE`
 *
 * The cell's atom count fixes Z in the dataset's cell; since the model writes conventional cells, Z, 2Z, 3Z and 4Z
 * are allowed (primitive, C/I, R, F centring). Unlike CDVAE/DiffCSP's k independent samples, k here counts ranked
 * distinct candidates out of CFSTUDIO_BENCH_SAMPLES samples. Structures are compared at symprec 0.01 Å, so that
 * symmetrization moves atoms far less than the displacements measured.
 *
 * With relaxation, each formula is first sampled and ranked by likelihood and single point (its result written
 * without the relaxed ranking); after every CFSTUDIO_BENCH_RELAX_CHUNK formulas their candidates relax together in one
 * `relaxStructures` batch over the potential's worker threads (a formula whose own candidates would leave the workers
 * idle while its slowest one finishes shares each step with the others) while the next chunk is sampled, and each
 * formula is ranked, scored and written as soon as its last candidate ends. Relaxation time per formula is the batches'
 * wall time divided by their formulas (`summary.relaxBatch`), not a per-formula measurement; `summary.run` holds the
 * wall and CPU time (all threads) of the whole run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { Composition } from '../shared/crystal/composition.ts';
import type { Structure } from '../shared/crystal/structure.ts';
import { readCifStructure } from '../shared/io/cif.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';
import { loadModel } from '../electron/engine/model/files.ts';
import { availableParallelism } from 'node:os';
import { defaultPotentialDir, loadPotential } from '../electron/engine/potential/load.ts';
import { type RelaxResult, relaxStructures } from '../electron/engine/potential/relax.ts';
import type { Potential } from '../electron/engine/potential/types.ts';
import { CrystalSampler } from '../electron/engine/sample/sampler.ts';
import { planStructurePrediction } from '../electron/csp/plan.ts';
import type { CspPlan } from '../electron/csp/plan.ts';
import { type CspCandidate, type CspResult, type CspSampled, candidateRelaxOptions, rankCandidates, sampleCandidates, weighGroupsByModel } from '../electron/csp/predict.ts';
import { type MatchTolerances, prepareForMatching, structureRmsDistance } from '../electron/evaluate/matcher.ts';

const CSP_TOLERANCES: MatchTolerances = { ltol: 0.3, stol: 0.5, angleTol: 10, scale: true };
const MATCH_SYMPREC = 0.01;
const KS = [1, 20] as const;
const N = Number(process.env.CFSTUDIO_BENCH_N ?? 20);
const SAMPLES = Number(process.env.CFSTUDIO_BENCH_SAMPLES ?? 50);
const RELAX = process.env.CFSTUDIO_BENCH_RELAX === '1';
const RELAX_TOP = process.env.CFSTUDIO_BENCH_RELAX_TOP ? Number(process.env.CFSTUDIO_BENCH_RELAX_TOP) : Infinity;
const GROUPS = process.env.CFSTUDIO_BENCH_GROUPS === 'prior' ? 'prior' : 'model';
const OUT = process.env.CFSTUDIO_BENCH_OUT;
const CHECK = process.env.CFSTUDIO_BENCH_CHECK === '1';
const PAIRS = process.env.CFSTUDIO_BENCH_PAIRS;
const WORKERS = Number(process.env.CFSTUDIO_BENCH_WORKERS ?? availableParallelism());
const RESUME = process.env.CFSTUDIO_BENCH_RESUME === '1';
const RELAX_CHUNK = Number(process.env.CFSTUDIO_BENCH_RELAX_CHUNK ?? 20);
const RELAX_SETTINGS = { fmax: 0.05, maxSteps: 300 } as const;
const ROOT = resolve(import.meta.dirname, '..');

type Ranking = 'log-likelihood' | 'single-point energy' | 'energy after relaxation';
interface AtK {
  /** Smallest normalised RMS among the k best candidates, or null when none matches. */
  rms: number | null;
}
interface FormulaResult {
  materialId: string;
  formula: string;
  spaceGroup: number;
  atoms: number;
  distinct: number;
  rankings: Partial<Record<Ranking, { firstMatchRank: number | null; atK: Record<string, AtK> }>>;
  /**
   * singlePoint: this formula's single points; relax: with the batch, seconds from the start of the batch until this
   * formula's last candidate ended (its share of the cost is in the summary).
   */
  seconds: { groups: number; sample: number; singlePoint: number; relax: number };
  /** Relaxation statuses of this formula's candidates (with relaxation). */
  relaxStatuses?: Record<string, number>;
  error?: string;
}

const file = resolve(ROOT, '../shared/data/structures/mp_20_val.csv.gz');
if (!existsSync(file)) {
  console.log(`skipped: ${file} not found`);
  process.exit(0);
}
await initSymmetry();
const rows = parse(gunzipSync(readFileSync(file)).toString('utf8'), { columns: true }) as { material_id: string; cif: string; 'spacegroup.number': string }[];
const model = await loadModel('default');
const sampler = await CrystalSampler.create(model.config, model.params);
const potential: Potential | null = existsSync(defaultPotentialDir()) ? await loadPotential(defaultPotentialDir(), { workers: WORKERS }) : null;
const rankings: Ranking[] = ['log-likelihood', ...(potential ? (['single-point energy'] as const) : []), ...(potential && RELAX ? (['energy after relaxation'] as const) : [])];
const settings = {
  dataset: 'MP-20 validation (first N rows)',
  n: N,
  samplesPerFormula: SAMPLES,
  zs: 'Z, 2Z, 3Z, 4Z of the dataset cell',
  spaceGroups: GROUPS === 'model' ? "the model's p(g | formula)" : 'training frequency',
  potential: potential?.name ?? null,
  relax: RELAX ? { ...candidateRelaxOptions(RELAX_SETTINGS), candidates: Number.isFinite(RELAX_TOP) ? `the ${RELAX_TOP} lowest single-point energies` : 'all', batch: `the candidates of ${RELAX_CHUNK} formulas in one relaxStructures call`, workers: WORKERS } : null,
  matcher: 'StructureMatcher(stol=0.5, angle_tol=10, ltol=0.3).get_rms_dist (electron/evaluate/matcher.ts structureRmsDistance)',
  matchSymprec: MATCH_SYMPREC,
  loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').trim(),
  started: new Date().toISOString(),
};
console.log(`MP-20 val, first ${N} crystals, ${SAMPLES} samples each, ranked by ${rankings.join(', ')}; groups by ${settings.spaceGroups}; load ${settings.loadAverageAtStart}`);

const results: FormulaResult[] = [];
/**
 * Pairs for the pymatgen check: the best matching candidate of each ranking and k. Each names its formula itself: a
 * relaxation batch can write the pairs while the formula being sampled has pairs but no entry in `results` yet.
 */
const checkPairs: { materialId: string; ranking: Ranking; k: number; candidate: Structure; known: Structure; rms: number }[] = [];
/** Formulas sampled and ranked without relaxation, waiting for the relaxation batch. */
interface AwaitingRelaxation {
  index: number;
  plan: CspPlan;
  sampled: CspSampled;
  score: Scorer;
  result: FormulaResult;
}
const awaitingRelaxation: AwaitingRelaxation[] = [];
let relaxing: Promise<void> = Promise.resolve();
const runStart = { wall: performance.now(), cpu: process.cpuUsage() };
type Scorer = (ranking: Ranking, ranked: CspResult) => void;
/** The relaxation batch so far (updated as formulas finish, so that an interrupted run still says what it cost). */
interface RelaxBatch {
  /** Batches run (one per CFSTUDIO_BENCH_RELAX_CHUNK formulas); the other fields sum over them. */
  batches: number;
  formulas: number;
  candidates: number;
  formulasFinished: number;
  relaxationsEnded: number;
  /** Wall time of the batches (overlapping the sampling of the next chunk). */
  wallSeconds: number;
  statuses: Record<string, number>;
  loadAverageAtEnd?: string;
}
let relaxBatch: RelaxBatch | undefined;
let resumedFrom: string[] = [];
/** What the runs resumed from cost (their finished formulas are kept as they were). */
let earlierRuns: { run?: unknown; relaxBatch?: RelaxBatch }[] = [];
let resumedFormulas = 0;
const finished = new Set<string>();
if (RESUME && OUT && existsSync(resolve(ROOT, OUT))) {
  // Finished formulas (every ranking present, no error) are kept; the others are done again from the start.
  const previous = JSON.parse(readFileSync(resolve(ROOT, OUT), 'utf8')) as {
    settings: typeof settings & { resumedFrom?: string[] };
    summary: { run?: unknown; relaxBatch?: RelaxBatch; earlierRuns?: { run?: unknown; relaxBatch?: RelaxBatch }[] };
    formulas: FormulaResult[];
  };
  earlierRuns = [...(previous.summary.earlierRuns ?? []), { run: previous.summary.run, ...(previous.summary.relaxBatch ? { relaxBatch: previous.summary.relaxBatch } : {}) }];
  for (const key of ['n', 'samplesPerFormula', 'spaceGroups', 'potential', 'matchSymprec'] as const) {
    if (JSON.stringify(previous.settings[key]) !== JSON.stringify(settings[key])) throw new Error(`${OUT}: settings.${key} is ${JSON.stringify(previous.settings[key])}, this run ${JSON.stringify(settings[key])}: cannot resume`);
  }
  if (JSON.stringify(previous.settings.relax?.candidates) !== JSON.stringify(settings.relax?.candidates)) throw new Error(`${OUT}: relaxes ${previous.settings.relax?.candidates ?? 'nothing'}, this run ${settings.relax?.candidates ?? 'nothing'}: cannot resume`);
  for (const r of previous.formulas) {
    if (!r.error && rankings.every((ranking) => r.rankings[ranking])) {
      results.push(r);
      finished.add(r.materialId);
    }
  }
  resumedFrom = [...(previous.settings.resumedFrom ?? []), previous.settings.started];
  resumedFormulas = finished.size;
  console.log(`resuming: ${finished.size} formulas of ${OUT} finished`);
}
const runSettings = { ...settings, ...(resumedFrom.length > 0 ? { resumedFrom } : {}) };

for (const [index, row] of rows.slice(0, N).entries()) {
  if (finished.has(row.material_id)) continue;
  const known = readCifStructure(row.cif).structure;
  const composition = Composition.fromStructure(known);
  const { formula, factor } = composition.reducedFormulaAndFactor;
  const zs = [1, 2, 3, 4].map((k) => k * factor);
  const result: FormulaResult = {
    materialId: row.material_id,
    formula,
    spaceGroup: Number(row['spacegroup.number']),
    atoms: known.numSites,
    distinct: 0,
    rankings: {},
    seconds: { groups: 0, sample: 0, singlePoint: 0, relax: 0 },
  };
  try {
    const t0 = performance.now();
    const prior = planStructurePrediction({ formula, zs, spaceGroupCounts: model.card.spaceGroupCounts });
    const plan = GROUPS === 'model' ? await weighGroupsByModel(sampler, prior, { seed: 0 }) : prior;
    result.seconds.groups = (performance.now() - t0) / 1000;
    const sampled = await sampleCandidates(plan, { sampler, count: SAMPLES, seed: 0 });
    result.seconds.sample = sampled.seconds.sample + sampled.seconds.match;
    result.distinct = sampled.candidates.length;
    const target = prepareForMatching(known, MATCH_SYMPREC);
    const prepared = new Map<Structure, ReturnType<typeof prepareForMatching>>();
    const rmsOf = (c: CspCandidate) => {
      let p = prepared.get(c.structure);
      if (!p) prepared.set(c.structure, (p = prepareForMatching(c.structure, MATCH_SYMPREC)));
      return structureRmsDistance(p, target, CSP_TOLERANCES)?.rms ?? null;
    };
    const score: Scorer = (ranking, ranked) => {
      const rms = ranked.candidates.slice(0, Math.max(...KS)).map(rmsOf);
      const first = rms.findIndex((r) => r !== null);
      const atK: Record<string, AtK> = {};
      for (const k of KS) {
        const found = rms.slice(0, k).filter((r): r is number => r !== null);
        atK[`k${k}`] = { rms: found.length > 0 ? Math.min(...found) : null };
        if (found.length > 0) {
          const best = rms.indexOf(Math.min(...found));
          checkPairs.push({ materialId: row.material_id, ranking, k, candidate: ranked.candidates[best]!.structure, known, rms: Math.min(...found) });
        }
      }
      result.rankings[ranking] = { firstMatchRank: first < 0 ? null : first + 1, atK };
    };
    score('log-likelihood', await rankCandidates(plan, sampled, { potential: null, relax: null }));
    if (potential) {
      const singlePoint = await rankCandidates(plan, sampled, { potential, relax: null });
      result.seconds.singlePoint = singlePoint.seconds.energy;
      score('single-point energy', singlePoint);
      if (RELAX) {
        // With RELAX_TOP, only the lowest single-point energies are relaxed (the rest cannot be ranked after relaxation).
        const toRelax = Number.isFinite(RELAX_TOP) ? { ...sampled, candidates: sampled.candidates.filter((c) => singlePoint.candidates.slice(0, RELAX_TOP).some((s) => s.sample === c.sample)) } : sampled;
        awaitingRelaxation.push({ index, plan, sampled: toRelax, score, result });
      }
    }
  } catch (error) {
    result.error = (error as Error).message;
  }
  results.push(result);
  report(result, row.material_id);
  if (OUT) writeResults();
  if (PAIRS) writePairs(resolve(ROOT, PAIRS));
  if (awaitingRelaxation.length >= RELAX_CHUNK) {
    // One chunk relaxes (on the potential's workers) while the next is sampled (on this thread).
    await relaxing;
    relaxing = relaxChunk(awaitingRelaxation.splice(0));
  }
}
await relaxing;
await relaxChunk(awaitingRelaxation.splice(0));
await sampler.release();
await potential?.close();

/**
 * Relaxes the candidates of every formula waiting, in one batch: the potential evaluates all unfinished ones per FIRE
 * step, split over its workers, and a formula is ranked as soon as its last candidate ends.
 */
async function relaxChunk(awaitingRelaxation: AwaitingRelaxation[]) {
  if (!potential || !RELAX || awaitingRelaxation.length === 0) return;
  const owners = awaitingRelaxation.flatMap((f, slot) => f.sampled.candidates.map(() => slot));
  const structures = awaitingRelaxation.flatMap((f) => f.sampled.candidates.map((c) => c.initial));
  const firstOf = awaitingRelaxation.map((_, slot) => owners.indexOf(slot));
  const remaining = awaitingRelaxation.map((f) => f.sampled.candidates.length);
  const relaxed: (RelaxResult | undefined)[] = new Array(structures.length);
  const statuses: Record<string, number> = {};
  const ranked: Promise<void>[] = [];
  console.log(`relaxing ${structures.length} candidates of ${awaitingRelaxation.length} formulas in one batch (${WORKERS} potential workers; load ${readFileSync('/proc/loadavg', 'utf8').trim()})`);
  const wall0 = performance.now();
  const batch: RelaxBatch = (relaxBatch ??= { batches: 0, formulas: 0, candidates: 0, formulasFinished: 0, relaxationsEnded: 0, wallSeconds: 0, statuses: {} });
  batch.batches++;
  batch.formulas += awaitingRelaxation.length;
  batch.candidates += structures.length;
  const wallBefore = batch.wallSeconds;
  const updateBatch = () => {
    batch.wallSeconds = wallBefore + (performance.now() - wall0) / 1000;
  };
  let ended = 0;
  const finishFormula = async (slot: number) => {
    const f = awaitingRelaxation[slot]!;
    const own = relaxed.slice(firstOf[slot]!, firstOf[slot]! + f.sampled.candidates.length) as RelaxResult[];
    f.result.relaxStatuses = {};
    for (const r of own) f.result.relaxStatuses[r.status] = (f.result.relaxStatuses[r.status] ?? 0) + 1;
    try {
      const byRelaxedEnergy = await rankCandidates(f.plan, f.sampled, { potential, relax: RELAX_SETTINGS, relaxed: own });
      f.score('energy after relaxation', byRelaxedEnergy);
    } catch (error) {
      f.result.error = (error as Error).message;
    }
    f.result.seconds.relax = (performance.now() - wall0) / 1000;
    batch.formulasFinished++;
    updateBatch();
    report(f.result, f.result.materialId);
    if (OUT) writeResults();
    if (PAIRS) writePairs(resolve(ROOT, PAIRS));
  };
  const onDone = (i: number, r: RelaxResult) => {
    relaxed[i] = r;
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    batch.relaxationsEnded++;
    if (++ended % 100 === 0) console.log(`  ${ended}/${structures.length} relaxations ended after ${((performance.now() - wall0) / 1000).toFixed(0)} s (load ${readFileSync('/proc/loadavg', 'utf8').trim()})`);
    const slot = owners[i]!;
    if (--remaining[slot]! === 0) ranked.push(finishFormula(slot));
  };
  await relaxStructures(potential, structures, { ...candidateRelaxOptions(RELAX_SETTINGS), onDone });
  await Promise.all(ranked);
  updateBatch();
  for (const [status, n] of Object.entries(statuses)) batch.statuses[status] = (batch.statuses[status] ?? 0) + n;
  batch.loadAverageAtEnd = readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(`relaxation batch of ${awaitingRelaxation.length} formulas: ${JSON.stringify(statuses)}; all batches so far ${batch.wallSeconds.toFixed(0)} s wall`);
  if (OUT) writeResults();
}

function report(result: FormulaResult, materialId: string) {
  const cells = rankings.map((r) => `${r.split(' ')[0]} ${result.rankings[r]?.firstMatchRank ?? '-'}`).join(', ');
  const s = result.seconds;
  console.log(
    `${materialId.padEnd(11)} ${result.formula.padEnd(14)} sg ${String(result.spaceGroup).padStart(3)}  ${result.error ? `error: ${result.error}` : `${result.distinct} distinct; match at rank: ${cells}`}  ${(s.groups + s.sample).toFixed(1)} s + ${s.singlePoint.toFixed(1)} s sp${s.relax > 0 ? ` + relaxed by ${s.relax.toFixed(0)} s into the batch` : ''}`,
  );
}

function summarise() {
  const done = results.length;
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const table = rankings.map((ranking) => ({
    ranking,
    ...Object.fromEntries(
      KS.map((k) => {
        // Over the formulas this ranking has reached (all of them at the end; an error counts as no match).
        const reached = results.filter((r) => r.rankings[ranking] || r.error);
        const rms = reached.map((r) => r.rankings[ranking]?.atK[`k${k}`]?.rms ?? null).filter((x): x is number => x !== null);
        return [`k${k}`, { formulas: reached.length, matchRate: reached.length > 0 ? rms.length / reached.length : null, matched: rms.length, rmse: mean(rms) }];
      }),
    ),
  }));
  const seconds = {
    groupsAndSample: mean(results.map((r) => r.seconds.groups + r.seconds.sample)),
    singlePoint: mean(results.map((r) => r.seconds.singlePoint)),
    // The batch's wall time shared out over its formulas (per-formula relaxation times do not exist in a batch).
    relax: relaxBatch && relaxBatch.formulasFinished > 0 ? relaxBatch.wallSeconds / relaxBatch.formulasFinished : null,
  };
  // The whole run (sampling, single points and relaxation overlapping): wall and CPU time of this process, all threads.
  const cpu = process.cpuUsage(runStart.cpu);
  const run = { formulas: results.length - resumedFormulas, wallSeconds: (performance.now() - runStart.wall) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, loadAverage: readFileSync('/proc/loadavg', 'utf8').trim() };
  return { formulas: done, errors: results.filter((r) => r.error).length, table, secondsPerFormula: seconds, run, ...(relaxBatch ? { relaxBatch } : {}), ...(earlierRuns.length > 0 ? { earlierRuns } : {}) };
}

function writeResults(extra: Record<string, unknown> = {}) {
  const path = resolve(ROOT, OUT!);
  mkdirSync(dirname(path), { recursive: true });
  const order = new Map(rows.map((r, i) => [r.material_id, i]));
  const sorted = [...results].sort((a, b) => order.get(a.materialId)! - order.get(b.materialId)!);
  writeFileSync(path, JSON.stringify({ settings: runSettings, summary: summarise(), ...extra, formulas: sorted }, null, 1) + '\n');
}

const summary = summarise();
for (const row of summary.table) {
  const parts = KS.map((k) => {
    const cell = (row as unknown as Record<string, { matchRate: number; matched: number; rmse: number | null }>)[`k${k}`]!;
    return `k=${k}: ${(100 * cell.matchRate).toFixed(1)} % (${cell.matched}/${summary.formulas}), RMSE ${cell.rmse === null ? '-' : cell.rmse.toFixed(4)}`;
  });
  console.log(`${row.ranking.padEnd(24)} ${parts.join('; ')}`);
}
const sec = summary.secondsPerFormula;
console.log(`s per formula: groups + sampling + merging ${sec.groupsAndSample?.toFixed(1)}, single points ${sec.singlePoint?.toFixed(1)}, relaxation ${sec.relax?.toFixed(1)}; load at end ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

/** The pairs as scripts/pymatgen_rms.py reads them (a = candidate, b = known), with our RMS beside them. */
function writePairs(path: string) {
  const plain = (s: Structure) => ({ lattice: s.lattice.matrix, species: s.species, frac: s.sites.map((x) => x.frac) });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(checkPairs.map((p) => ({ materialId: p.materialId, ranking: p.ranking, k: p.k, rms: p.rms, a: plain(p.candidate), b: plain(p.known) }))));
}

let check: Record<string, unknown> | undefined;
if (CHECK && checkPairs.length > 0) {
  // Every reported RMS recomputed by pymatgen on the same two structures.
  const dir = mkdtempSync(join(tmpdir(), 'cfstudio-csp-check-'));
  try {
    const pairsFile = join(dir, 'pairs.json');
    writePairs(pairsFile);
    const run = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts/pymatgen_rms.py'), pairsFile], { encoding: 'utf8', timeout: 3_600_000 });
    if (run.status !== 0) throw new Error(`pymatgen check failed: ${run.stderr.trim().split('\n').pop()}`);
    const reference = JSON.parse(run.stdout) as ([number, number] | null)[];
    const differences = checkPairs.map((p, i) => (reference[i] ? Math.abs(reference[i]![0] - p.rms) : null));
    const agreed = differences.filter((d): d is number => d !== null);
    check = { pairs: checkPairs.length, pymatgenAlsoMatches: agreed.length, largestRmsDifference: agreed.length > 0 ? Math.max(...agreed) : null };
    console.log(`pymatgen check: ${agreed.length}/${checkPairs.length} reported matches are matches for pymatgen too; largest RMS difference ${check.largestRmsDifference}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (OUT) writeResults({ finished: new Date().toISOString(), loadAverageAtEnd: readFileSync('/proc/loadavg', 'utf8').trim(), ...(check ? { pymatgenCheck: check } : {}) });
