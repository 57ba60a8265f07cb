/**
 * Job 'relax': FIRE relaxation of positions and cell with an interatomic potential (electron/engine/potential/
 * relax.ts; the shipped M3GNet unless `potential` names another folder), all structures together, the potential
 * evaluating every still-running one per step. Streams a 'step' item per structure and step (energy, fmax, volume,
 * optionally the structure for playback) and a 'relaxed' item as each one ends (the CLI's relaxed.jsonl record plus
 * the relaxed symmetrized CIF). Cancel: the relaxation stops after the step in progress and the job ends cancelled.
 */
import type { RelaxOutput } from '../../../shared/api/jobs.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadPotential } from '../../engine/potential/load.ts';
import { relaxStructures } from '../../engine/potential/relax.ts';
import { PARTIAL_HULL_NOTE, loadStability, relaxationRecord, structureCif } from '../../screening/records.ts';
import { readStructureItems } from './structure-inputs.ts';
import { potentialDirForParams } from './workspace-paths.ts';
import type { JobRunner } from './types.ts';

export const relax: JobRunner<'relax'> = async (params, context) => {
  await initSymmetry();
  let unreadable = 0;
  const items = await readStructureItems(params, context, (failure) => {
    unreadable++;
    context.output({ kind: 'failed', source: failure.file, error: failure.error });
  });
  const potential = await loadPotential(potentialDirForParams(params.potential));
  const started = performance.now();
  const counts = { converged: 0, 'not-converged': 0, exploded: 0, failed: 0, cancelled: 0 };
  try {
    const stability = await loadStability();
    context.signal.throwIfAborted();
    let done = 0;
    context.progress({ done, total: items.length, message: `relaxing with ${potential.name}` });
    await relaxStructures(
      potential,
      items.map((item) => item.structure),
      {
        fmax: params.fmax,
        maxSteps: params.maxSteps,
        keepSymmetry: params.keepSymmetry,
        symprec: params.symprec,
        signal: context.signal,
        onStep: (event) => {
          if (!params.trajectory || !Number.isFinite(event.energy) || !Number.isFinite(event.fmax)) return;
          const step: Extract<RelaxOutput, { kind: 'step' }> = { kind: 'step', index: event.index, step: event.step, energy: event.energy, fmax: event.fmax, volume: event.volume };
          if (params.frames) {
            step.lattice = event.structure.lattice.matrix;
            step.frac = event.structure.sites.map((site) => site.frac);
          }
          context.output(step);
        },
        onDone: (index, result) => {
          const item = items[index]!;
          counts[result.status]++;
          const written = result.status === 'converged' || result.status === 'not-converged';
          const { file: _file, output: _output, ...record } = relaxationRecord(item.source, item.structure, result, { symprec: params.symprec, output: null, stability });
          context.output({
            kind: 'relaxed',
            index,
            source: item.source,
            block: item.block,
            ...(item.libraryId !== undefined ? { libraryId: item.libraryId } : {}),
            ...record,
            cif: written ? structureCif(result.structure, params.symprec, item.block) : null,
          });
          done++;
          context.progress({ done, total: items.length, message: `relaxing with ${potential.name}` });
        },
      },
    );
    context.signal.throwIfAborted();
  } finally {
    await potential.close();
  }
  return {
    potential: potential.name,
    relaxed: items.length - counts.failed,
    converged: counts.converged,
    notConverged: counts['not-converged'],
    exploded: counts.exploded,
    failed: counts.failed + unreadable,
    seconds: (performance.now() - started) / 1000,
    hullReference: PARTIAL_HULL_NOTE,
  };
};
