/**
 * Job 'csp': structure prediction from a formula, the app's side of `cfstudio csp` — the same plan
 * (electron/csp/plan.ts), the model's weighing of the space groups and the ranking (electron/csp/predict.ts).
 * The ranking is known only when every sample is drawn, matched and scored, so the `top` candidates are streamed
 * at the end, best first, each with its CIF. A cancel stops sampling or relaxing (predict.ts watches the signal)
 * and the job ends cancelled. The potential is the shipped M3GNet when present; without it the candidates are
 * ranked by the model's log-likelihood (as in the CLI), unless `relax` asks for it.
 */
import { Composition } from '../../../shared/crystal/composition.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { loadModel } from '../../engine/model/files.ts';
import { CrystalSampler } from '../../engine/sample/sampler.ts';
import { planStructurePrediction } from '../../csp/plan.ts';
import { predictStructures } from '../../csp/predict.ts';
import { CSP_RELAX_DEFAULTS, CSP_SYMPREC, candidateCif, chooseSpaceGroups, openCspPotential } from '../../csp/session.ts';
import { checkpoint } from './read-sources.ts';
import type { JobRunner } from './types.ts';
import { potentialDirForParams } from './workspace-paths.ts';

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
  const { potential, stability } = await openCspPotential({ dir: potentialDirForParams(params.potential), given: params.potential !== undefined, relax: params.relax });
  const sampler = await CrystalSampler.create(model.config, model.params);
  try {
    if (prior.groupChoice !== 'given') context.progress({ done: 0, total: params.n, message: `weighing ${prior.groups.length} space groups by the model` });
    const plan = await chooseSpaceGroups(sampler, prior, { mode: 'model', seed: params.seed });
    const stageNames = { sample: 'sampling', match: 'merging duplicates', energy: 'single points', relax: 'relaxing' } as const;
    const result = await predictStructures(plan, {
      sampler,
      count: params.n,
      seed: params.seed,
      batchSize: params.batchSize,
      potential,
      relax: params.relax ? CSP_RELAX_DEFAULTS : null,
      ...(stability ? { stability } : {}),
      symprec: CSP_SYMPREC,
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
        cif: candidateCif(plan, i + 1, c),
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
