/**
 * Job 'csp': structure prediction from a formula, the app's side of `cfstudio csp` — the same plan
 * (electron/csp/plan.ts), the model's weighing of the space groups and the ranking (electron/csp/predict.ts).
 * The ranking is known only when every sample is drawn, matched and scored, so the `top` candidates are streamed
 * at the end, best first, each with its CIF. A cancel stops sampling or relaxing (predict.ts watches the signal)
 * and the job ends cancelled. The potential is the shipped M3GNet when present; without it the candidates are
 * ranked by the model's log-likelihood (as in the CLI), unless `relax` asks for it.
 */
import { existsSync } from 'node:fs';
import { Composition } from '../../../shared/crystal/composition.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { loadModel } from '../../engine/model/files.ts';
import { loadPotential } from '../../engine/potential/load.ts';
import type { Potential } from '../../engine/potential/types.ts';
import { CrystalSampler } from '../../engine/sample/sampler.ts';
import { planStructurePrediction } from '../../csp/plan.ts';
import { predictStructures, weighGroupsByModel } from '../../csp/predict.ts';
import { loadStability, structureCif } from '../../screening/records.ts';
import { checkpoint } from './read-sources.ts';
import type { JobRunner } from './types.ts';
import { potentialDirForParams } from './workspace-paths.ts';

/** Symmetry tolerance in Å for building, matching and reporting, as `cfstudio csp`. */
const SYMPREC = 0.1;

export const csp: JobRunner<'csp'> = async (params, context) => {
  await initSymmetry();
  const model = await loadModel(params.model);
  // An impossible formula (no Wyckoff combination gives it) fails here with the plan's one-line error.
  const prior = planStructurePrediction({
    formula: params.formula,
    ...(params.zs ? { zs: [...params.zs].sort((a, b) => a - b) } : {}),
    ...(params.atoms ? { atoms: params.atoms } : {}),
    ...(params.spaceGroups ? { spaceGroups: params.spaceGroups } : {}),
    spaceGroupCounts: model.card.spaceGroupCounts,
  });
  const potentialDir = potentialDirForParams(params.potential);
  if (params.relax && !existsSync(potentialDir)) throw new Error(`relax needs a potential: ${potentialDir} is missing`);
  const potential: Potential | null = params.potential !== undefined || existsSync(potentialDir) ? await loadPotential(potentialDir) : null;
  const sampler = await CrystalSampler.create(model.config, model.params);
  try {
    const stability = potential ? await loadStability() : undefined;
    let plan = prior;
    if (prior.groupChoice !== 'given') {
      context.progress({ done: 0, total: params.n, message: `weighing ${prior.groups.length} space groups by the model` });
      plan = await weighGroupsByModel(sampler, prior, { seed: params.seed });
    }
    const stageNames = { sample: 'sampling', match: 'merging duplicates', energy: 'single points', relax: 'relaxing' } as const;
    const result = await predictStructures(plan, {
      sampler,
      count: params.n,
      seed: params.seed,
      batchSize: params.batchSize,
      potential,
      relax: params.relax ? { fmax: 0.05, maxSteps: 300 } : null,
      ...(stability ? { stability } : {}),
      symprec: SYMPREC,
      signal: context.signal,
      onProgress: (stage, done, total) => context.progress({ done, total, message: `${stageNames[stage]} (${plan.unit.text})` }),
    });
    // predictStructures returns what it has when cancelled; the job itself ends cancelled.
    await checkpoint(context.signal);
    result.candidates.slice(0, params.top).forEach((c, i) => {
      const group = c.spaceGroupFound ?? c.record.spaceGroupRequested;
      context.output({
        rank: i + 1,
        formula: Composition.fromStructure(c.structure).reducedFormula,
        z: c.z,
        atoms: c.structure.numSites,
        spaceGroup: group,
        spaceGroupSymbol: getSpaceGroup(group).symbol,
        wyckoff: c.record.wyckoffLabel ?? null,
        energyPerAtom: c.energyPerAtom,
        eHull: c.stability?.eHull ?? null,
        logp: c.logp,
        samplesMatched: c.count,
        relaxStatus: c.relaxStatus,
        cif: structureCif(c.structure, SYMPREC, `${plan.unit.text}_rank${i + 1}`),
      });
    });
    return {
      formula: plan.unit.text,
      sampled: result.sampled,
      structurallyValid: result.structurallyValid,
      distinct: result.candidates.length,
      ranking: result.ranking,
      potential: potential?.name ?? null,
      ...(result.note ? { note: result.note } : {}),
      seconds: result.seconds.sample + result.seconds.match + result.seconds.energy,
    };
  } finally {
    await sampler.release();
    await potential?.close();
  }
};
