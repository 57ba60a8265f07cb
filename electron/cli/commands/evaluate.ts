import { availableParallelism } from 'node:os';
import { appendFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Command, PROVIDERS_OPTION, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, intOption, numberOption, stringOption } from '../command.ts';
import { checkOutputFile } from '../output-paths.ts';
import { failureReportLines } from '../../../shared/batch/each-input.ts';
import { ProgressBar } from '../progress.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadStability, structureCif } from '../../screening/records.ts';
import { withStopSignal } from '../stop-signal.ts';
import { POTENTIAL_OPTION, THREADS_OPTION, WORKERS_OPTION, loadPotentialForCli } from './relax.ts';
import {
  DEFAULT_STABLE_THRESHOLD,
  EVALUATION_SYMPREC,
  type StabilityReport,
  evaluateStability,
  type EvaluationReport,
  type EvaluationStage,
  type Rate,
  type ReferenceSet,
  SampleDirectoryError,
  evaluateStructures,
  loadReferenceSet,
  readSampleDirectory,
  sampleDirectoryInput,
} from '../../evaluate/index.ts';

const STAGE_LABELS: Record<EvaluationStage, string> = { analyse: 'validity + symmetry', uniqueness: 'uniqueness', novelty: 'novelty' };

export const evaluateCommand: Command = {
  path: ['evaluate'],
  summary: 'validity, space groups, uniqueness, novelty and distributions of a directory of generated CIF files',
  positionals: 'DIR',
  notes: `With --stability the relaxations are also streamed, as they end, to REPORT.relaxed.jsonl (evaluation.relaxed.jsonl by default): the relax record (status, steps, energy, E_hull, RMSD, volume change, space groups) and the relaxed CIF. ${BATCH_EXIT_NOTE} CIF files that cannot be read are listed in the summary and in the report's input.unreadable ({file, error}); they count as invalid in "valid over all samples".`,
  options: {
    providers: PROVIDERS_OPTION,
    strict: STRICT_OPTION,
    reference: { type: 'string', description: 'known crystals for novelty and distribution distances: a CSV with a cif column (.csv or .csv.gz) or a dataset directory from `data prepare`', valueName: 'CSV|DATASET' },
    'reference-split': { type: 'string', description: 'with a dataset directory: train, val or all (default all)', valueName: 'SPLIT' },
    symprec: { type: 'string', description: `symmetry tolerance in Å for finding space groups (default ${EVALUATION_SYMPREC}, as CrystalFormer's and MatterGen's evaluations)`, valueName: 'Å' },
    'any-space-group': { type: 'boolean', description: 'let crystals with different space groups match (default: only within one space group and Wyckoff multiset)' },
    out: { type: 'string', description: 'where to write the JSON report (default DIR/evaluation.json)', valueName: 'FILE' },
    json: { type: 'boolean', description: 'print the JSON report on standard output instead of the summary' },
    'cache-dir': { type: 'string', description: 'cache for parsed reference CSVs (default $CFSTUDIO_CACHE_DIR, else ~/.cache/cfstudio)', valueName: 'DIR' },
    stability: { type: 'boolean', description: 'relax every structurally valid crystal with the potential and report E_hull, S.U.N. (stable ∧ unique ∧ novel vs --reference) and relaxation statistics' },
    'stable-threshold': { type: 'string', description: `with --stability: stable when E_hull ≤ this, eV/atom (default ${DEFAULT_STABLE_THRESHOLD})`, valueName: 'EV' },
    fmax: { type: 'string', description: 'with --stability: relaxation converged below this force, eV/Å (default 0.05)', valueName: 'EV_PER_A' },
    steps: { type: 'string', description: 'with --stability: FIRE steps at most (default 500)', valueName: 'N' },
    'keep-symmetry': { type: 'boolean', description: 'with --stability: keep each crystal in its space group while relaxing, as ASE FixSymmetry (the default)' },
    'no-keep-symmetry': { type: 'boolean', description: 'with --stability: let the crystals lower their symmetry while relaxing' },
    potential: POTENTIAL_OPTION,
    threads: THREADS_OPTION,
    workers: WORKERS_OPTION,
  },
  async run(values, positionals, ctx) {
    const startedAt = performance.now();
    const dir = positionals[0];
    if (!dir) throw new UserError('evaluate needs a DIR of CIF files');
    if (positionals.length > 1) throw new UserError(`evaluate takes one DIR, got ${positionals.length}`);
    const symprec = numberOption(values, 'symprec', EVALUATION_SYMPREC, 1e-6, 1);
    const split = stringOption(values, 'reference-split') ?? 'all';
    if (split !== 'train' && split !== 'val' && split !== 'all') throw new UserError(`--reference-split must be train, val or all, got '${split}'`);
    const referencePath = stringOption(values, 'reference');
    const cacheDir = stringOption(values, 'cache-dir');
    const outPath = stringOption(values, 'out') ?? join(dir, 'evaluation.json');
    const withStability = values.stability === true;
    const stabilityOnly = ['stable-threshold', 'fmax', 'steps', 'keep-symmetry', 'no-keep-symmetry', 'potential', 'threads', 'workers'].filter((name) => values[name] !== undefined);
    if (!withStability && stabilityOnly.length) throw new UserError(`--${stabilityOnly[0]} needs --stability`);
    if (values['keep-symmetry'] && values['no-keep-symmetry']) throw new UserError('give one of --keep-symmetry and --no-keep-symmetry');
    const stableThreshold = numberOption(values, 'stable-threshold', DEFAULT_STABLE_THRESHOLD, -10, 10);
    const fmax = numberOption(values, 'fmax', 0.05, 1e-6, 100);
    const maxSteps = intOption(values, 'steps', 500, 0, 1_000_000);

    await initSymmetry();
    let samples;
    try {
      samples = await readSampleDirectory(dir, { strict: values.strict === true });
    } catch (error) {
      if (error instanceof SampleDirectoryError) throw new UserError(error.message);
      throw error;
    }
    await checkOutputFile(outPath);
    for (const warning of samples.warnings) ctx.log(`warning: ${warning}`);
    if (samples.unbuilt.length) ctx.log(`${samples.unbuilt.length} sample(s) in samples.jsonl have no structure (the sampler could not build them)`);
    if (samples.items.length === 0) {
      throw new UserError(`${dir}: no crystal to evaluate (${samples.unreadable.length} unreadable CIF files, ${samples.unbuilt.length} samples without a structure)`);
    }

    let reference: ReferenceSet | undefined;
    if (referencePath) {
      let bar: ProgressBar | undefined;
      try {
        reference = await loadReferenceSet(referencePath, {
          split,
          ...(cacheDir ? { cacheDir } : {}),
          onProgress: (rows, bytesRead, totalBytes) => {
            bar ??= new ProgressBar({ total: totalBytes, label: `parsing ${basename(referencePath)} (cached afterwards)`, unit: 'B' });
            bar.update(bytesRead, `${rows} rows`);
          },
        });
      } catch (error) {
        throw new UserError(`reference: ${((error as Error)?.message ?? String(error)).split('\n')[0]}`);
      }
      bar?.finish();
      ctx.log(`reference: ${reference.size} crystals from ${referencePath}${reference.skipped.length ? ` (${reference.skipped.length} rows skipped)` : ''}`);
    }

    const bars = new Map<EvaluationStage, ProgressBar>();
    const report: EvaluationReport = evaluateStructures(samples.items, {
      ...(reference ? { reference } : {}),
      symprec,
      requireSameSpaceGroup: values['any-space-group'] !== true,
      onProgress: (stage, done, total) => {
        let bar = bars.get(stage);
        if (!bar) {
          for (const other of bars.values()) other.finish();
          bars.clear();
          bar = new ProgressBar({ total, label: STAGE_LABELS[stage], unit: 'crystals' });
          bars.set(stage, bar);
        }
        // The final count is drawn by finish(), once.
        if (done < total) bar.update(done);
      },
    });
    for (const bar of bars.values()) bar.finish();
    report.input = sampleDirectoryInput(dir, samples, report);
    if (withStability) {
      const stability = await loadStability();
      if ('error' in stability) ctx.log(`warning: E_hull is not computed, so nothing counts as stable (${stability.error})`);
      // Relaxing every valid sample is long: one potential worker per core (never more than crystals), as `cfstudio relax`.
      const potential = await loadPotentialForCli(values, Math.max(1, Math.min(availableParallelism(), report.validity.structural.count)));
      const bar = new ProgressBar({ total: report.validity.structural.count, label: 'relax', unit: 'crystals' });
      // Each relaxation is appended as it ends, so a long run that is stopped still leaves what finished.
      const relaxedPath = relaxedLinesPath(outPath);
      writeFileSync(relaxedPath, '');
      try {
        report.stability = await withStopSignal(ctx, 'the evaluation stops without a report', (signal) =>
          evaluateStability(samples.items, report, {
            potential,
            stability,
            ...(reference ? { reference } : {}),
            symprec,
            keepSymmetry: values['no-keep-symmetry'] !== true,
            fmax,
            maxSteps,
            stableThreshold,
            samplesDrawn: samples.items.length + samples.unreadable.length + samples.unbuilt.length,
            startedAt,
            signal,
            onProgress: (done, _total, step) => bar.update(done, `step ${step}`),
            onRelaxed: (record, relaxed) => appendFileSync(relaxedPath, JSON.stringify({ ...record, cif: relaxed ? structureCif(relaxed, symprec, basename(record.file, '.cif')) : null }) + '\n'),
          }),
        );
      } finally {
        bar.finish();
        await potential.close();
      }
    }
    const json = JSON.stringify(report, null, 1);
    try {
      await writeFile(outPath, json + '\n');
    } catch (error) {
      throw new UserError(`${outPath}: cannot write the report (${(error as Error).message})`);
    }
    if (values.json) ctx.out(json + '\n');
    else ctx.out(summaryText(report, outPath) + '\n');
    return batchExitCode(ctx, { failures: samples.unreadable, total: samples.items.length + samples.unreadable.length });
  },
};

const percent = (r: Rate) => (r.rate === null ? 'n/a' : `${(100 * r.rate).toFixed(1)} %`);
const of = (r: Rate) => `${percent(r)} (${r.count}/${r.total})`;

/** The human-readable summary printed by `cfstudio evaluate`. */
export function summaryText(report: EvaluationReport, outPath: string): string {
  const { validity, symmetry, uniqueness, novelty, distributions, settings, timing } = report;
  const unreadable = report.input?.unreadable.length ?? 0;
  const unbuilt = report.input?.unbuilt.length ?? 0;
  const failed = [unreadable ? `${unreadable} unreadable CIF files` : '', unbuilt ? `${unbuilt} samples without a structure` : ''].filter(Boolean).join(', ');
  const lines = [
    `crystals        ${report.count}${failed ? ` (not counted: ${failed})` : ''}; ${timing.seconds.toFixed(1)} s, ${timing.structuresPerSecond.toFixed(1)} crystals/s`,
    `validity        structural ${of(validity.structural)} (≥ 0.5 Å), physically plausible ${of(validity.physicallyPlausible)} (≥ 0.5 (r_i + r_j)), compositional ${of(validity.compositional)}, both ${of(validity.valid)}`,
    `                (compositional with mixed valence allowed: ${percent(validity.compositionalMixedValence)})${failed && report.input ? `; valid over all samples ${of(report.input.validOverAllSamples)}` : ''}`,
    `space group     found = requested ${of(symmetry.matchesRequested)} at symprec ${settings.symprec} Å; P1 ${percent(symmetry.p1)}${symmetry.failed ? `; analysis failed for ${symmetry.failed}` : ''}`,
    `uniqueness      ${of(uniqueness.unique)} unique (ltol ${settings.tolerances.ltol}, stol ${settings.tolerances.stol}, angle ${settings.tolerances.angleTol}°${settings.requireSameSpaceGroup ? ', same space group' : ''})`,
  ];
  if (novelty && settings.reference) {
    lines.push(
      `novelty         ${of(novelty.novel)} novel vs ${settings.reference.size} crystals (${basename(settings.reference.source)}); unique ∧ novel ${percent(novelty.novelAmongUnique)} of unique; valid ∧ unique ∧ novel ${percent(novelty.validUniqueNovel)}`,
    );
    if (symmetry.p1AmongNovel) lines.push(`                P1 among novel ${percent(symmetry.p1AmongNovel)}`);
  }
  const density = distributions.density.summary;
  const w = distributions.wasserstein;
  lines.push(
    `density         mean ${density.mean?.toFixed(3) ?? 'n/a'} g/cm³, std ${density.std?.toFixed(3) ?? 'n/a'}${w ? `; Wasserstein to reference ${w.density.toFixed(3)} (${w.generated} valid crystals)` : ''}`,
  );
  const elements = distributions.numElements;
  const total = elements.counts.reduce((a, b) => a + b, 0);
  lines.push(
    `elements        ${elements.values.map((v, i) => `${v}: ${((100 * elements.counts[i]!) / Math.max(1, total)).toFixed(1)} %`).join(', ')}${w ? `; Wasserstein to reference ${w.numElements.toFixed(3)}` : ''}`,
  );
  const top = symmetry.histogram.slice(0, 8).map((h) => `${h.spaceGroup} ${h.symbol} ${h.count}`);
  if (top.length) lines.push(`top groups      ${top.join(', ')}`);
  if (report.stability) lines.push(...stabilityText(report.stability));
  lines.push(`report          ${outPath}`);
  if (report.input) lines.push(...failureReportLines(report.input.unreadable.map((u) => ({ file: u.file, error: u.error })), report.input.cifFiles));
  return lines.join('\n');
}

/** Where `--stability` streams the relaxations: next to the report, `NAME.relaxed.jsonl`. */
export function relaxedLinesPath(reportPath: string): string {
  return reportPath.replace(/(\.json)?$/, '.relaxed.jsonl');
}

const ev = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));

/** The stability part of the summary, protocol first. */
export function stabilityText(s: StabilityReport): string[] {
  const statuses = Object.entries(s.statuses)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  const groups = s.relaxation.spaceGroup;
  const lines = [
    ...s.protocol.text.map((line, i) => `${i === 0 ? 'protocol        ' : '                '}${line}`),
    `relaxation      ${s.relaxed} relaxed: ${statuses || 'none'}; space group kept ${groups.kept}, raised ${groups.raised}, lowered ${groups.lowered}${groups.other ? `, other ${groups.other}` : ''}${groups.unknown ? `, unknown ${groups.unknown}` : ''}`,
    `                RMS displacement median ${ev(s.relaxation.rmsd.median)} Å (mean ${ev(s.relaxation.rmsd.mean)}); volume change median ${percentOf(s.relaxation.volumeChange.median)} (mean ${percentOf(s.relaxation.volumeChange.mean)})`,
    `E_hull          ${s.eHull.count} crystals: median ${ev(s.eHull.median)} eV/atom, quartiles ${ev(s.eHull.q1)} – ${ev(s.eHull.q3)}`,
    `                over all ${s.samplesDrawn} samples drawn: ${s.eHull.shares.map((share) => `≤ ${share.threshold}: ${of(share.overDrawn)}`).join(', ')}`,
    `S.U.N.          ${of(s.sun.rate)} at E_hull ≤ ${s.protocol.stableThreshold}; non-P1 S.U.N. ${of(s.sun.symmetricRate)}`,
    ...s.sun.byThreshold.map((t) => `                ≤ ${t.threshold}: stable ${t.stable}, stable ∧ unique ${t.stableUnique}, stable ∧ novel ${t.stableNovel}, S.U.N. ${t.sun} (${percent(t.sunRate)}), non-P1 S.U.N. ${t.symmetricSunRate.count}`),
    `throughput      ${s.throughput.sunPerHour.toFixed(0)} S.U.N. crystals per hour (${s.throughput.wallSeconds.toFixed(0)} s wall for the whole evaluation, ${s.throughput.relaxSeconds.toFixed(0)} s relaxing, ${s.throughput.cpuSeconds.toFixed(0)} s CPU; load average ${s.throughput.loadAverage.map((l) => l.toFixed(1)).join(' ')} on ${s.throughput.cpus} CPUs)`,
  ];
  return lines;
}

const percentOf = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
