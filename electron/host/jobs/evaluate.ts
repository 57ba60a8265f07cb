/**
 * Job 'evaluate': what `cfstudio evaluate` does (electron/cli/commands/evaluate.ts), for a folder inside the
 * workspace — read the CIFs (and samples.jsonl), optionally load a reference set for novelty, evaluate, write the
 * full JSON report into the job folder and return its headline numbers. The evaluation itself is one synchronous
 * pass, so a cancel is noticed before it starts (after the reference is loaded), not in the middle. With
 * `stability`, the structurally valid crystals are then relaxed with the potential (electron/evaluate/stability.ts,
 * cancellable after any step) and the report gains E_hull, S.U.N. and relaxation statistics.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvaluationSummary } from '../../../shared/api/jobs.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { type EvaluationStage, type ReferenceSet, evaluateStability, evaluateStructures, loadReferenceSet, readSampleDirectory, sampleDirectoryInput } from '../../evaluate/index.ts';
import { loadPotential } from '../../engine/potential/load.ts';
import { loadStability } from '../../screening/records.ts';
import type { JobRunner } from './types.ts';
import { checkpoint } from './read-sources.ts';
import { pathInWorkspace, potentialDirForParams } from './workspace-paths.ts';

const STAGE_LABELS: Record<EvaluationStage, string> = { analyse: 'validity + symmetry', uniqueness: 'uniqueness', novelty: 'novelty' };

export const evaluate: JobRunner<'evaluate'> = async (params, context) => {
  const startedAt = performance.now();
  const dir = pathInWorkspace(context.workspace, params.dir, 'dir');
  await initSymmetry();
  context.progress({ done: 0, message: `reading ${dir}` });
  const samples = await readSampleDirectory(dir);
  if (samples.items.length === 0) {
    throw new Error(`${dir}: no crystal to evaluate (${samples.unreadable.length} unreadable CIF files, ${samples.unbuilt.length} samples without a structure)`);
  }
  await checkpoint(context.signal);

  let reference: ReferenceSet | undefined;
  if (params.reference) {
    const path = params.reference;
    try {
      reference = await loadReferenceSet(path, {
        split: params.referenceSplit,
        onProgress: (rows, bytesRead, totalBytes) => context.progress({ done: bytesRead, total: totalBytes, message: `parsing reference ${path}: ${rows} rows` }),
      });
    } catch (error) {
      throw new Error(`reference: ${((error as Error)?.message ?? String(error)).split('\n')[0]}`);
    }
    await checkpoint(context.signal);
  }

  const report = evaluateStructures(samples.items, {
    ...(reference ? { reference } : {}),
    symprec: params.symprec,
    requireSameSpaceGroup: !params.anySpaceGroup,
    onProgress: (stage, done, total) => context.progress({ done, total, message: STAGE_LABELS[stage] }),
  });
  report.input = sampleDirectoryInput(dir, samples, report);
  if (params.stability) {
    await checkpoint(context.signal);
    const stability = await loadStability();
    const potential = await loadPotential(potentialDirForParams(params.potential));
    try {
      report.stability = await evaluateStability(samples.items, report, {
        potential,
        stability,
        ...(reference ? { reference } : {}),
        symprec: params.symprec,
        keepSymmetry: params.keepSymmetry,
        fmax: params.fmax,
        maxSteps: params.maxSteps,
        stableThreshold: params.stableThreshold,
        requireSameSpaceGroup: !params.anySpaceGroup,
        samplesDrawn: samples.items.length + samples.unreadable.length + samples.unbuilt.length,
        startedAt,
        signal: context.signal,
        onProgress: (done, total, step) => context.progress({ done, total, message: `relaxing with ${potential.name} (step ${step})` }),
      });
    } finally {
      await potential.close();
    }
  }
  const validOverAllSamples = report.input.validOverAllSamples;
  const reportPath = join(context.outputDir, 'evaluation.json');
  await writeFile(reportPath, JSON.stringify(report, null, 1) + '\n');

  const { validity, symmetry, uniqueness, novelty } = report;
  const summary: EvaluationSummary = {
    directory: dir,
    reportPath,
    count: report.count,
    unreadable: samples.unreadable.length,
    unbuilt: samples.unbuilt.length,
    validity: { structural: validity.structural, compositional: validity.compositional, valid: validity.valid, validOverAllSamples },
    spaceGroup: { matchesRequested: symmetry.matchesRequested, p1: symmetry.p1, failed: symmetry.failed },
    uniqueness: { groups: uniqueness.groups, unique: uniqueness.unique },
    novelty: novelty && reference ? { referenceSize: reference.size, novel: novelty.novel, novelAmongUnique: novelty.novelAmongUnique, validUniqueNovel: novelty.validUniqueNovel } : null,
    physicallyPlausible: validity.physicallyPlausible,
    ...(report.stability
      ? {
          stability: {
            potential: report.stability.protocol.potential,
            protocol: report.stability.protocol.text,
            stableThreshold: report.stability.protocol.stableThreshold,
            relaxed: report.stability.relaxed,
            notConverged: report.stability.relaxation.notConverged,
            eHullMedian: report.stability.eHull.median,
            eHullShares: report.stability.eHull.shares.map((share) => ({ threshold: share.threshold, rate: share.overDrawn })),
            sun: report.stability.sun.rate,
            symmetricSun: report.stability.sun.symmetricRate,
            sunPerHour: report.stability.throughput.sunPerHour,
          },
        }
      : {}),
    warnings: [...samples.warnings, ...samples.unreadable.map((u) => `unreadable: ${u.error}`)],
    seconds: report.timing.seconds,
  };
  return summary;
};
