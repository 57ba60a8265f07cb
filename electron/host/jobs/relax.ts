/**
 * Job 'relax': FIRE relaxation of positions and cell with an interatomic potential (electron/engine/potential/
 * relax.ts; the shipped M3GNet unless `potential` names another folder), all structures together, the potential
 * evaluating every still-running one per step. Streams a 'step' item per structure and step (energy, fmax, volume,
 * optionally the structure for playback) and a 'relaxed' item as each one ends (the CLI's relaxed.jsonl record plus
 * the relaxed symmetrized CIF). Cancel: the relaxation stops after the step in progress and the job ends cancelled.
 * With `saveToLibrary`, each relaxed structure becomes a library row (source 'relaxed') linked to its parent row,
 * with its E_hull labelled 'relaxed', committed as it finishes.
 */
import type { RelaxOutput } from '../../../shared/api/jobs.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadPotential } from '../../engine/potential/load.ts';
import { relaxStructures } from '../../engine/potential/relax.ts';
import { PARTIAL_HULL_NOTE, loadStability, relaxationRecord, structureCif } from '../../screening/records.ts';
import { readStructureItems } from './structure-inputs.ts';
import { potentialDirForParams } from './workspace-paths.ts';
import type { JobRunner } from './types.ts';
import { structuralValidity } from '../../../shared/crystal/validity.ts';
import { errorLine } from '../../../shared/text/safe-text.ts';
import type { RelaxationRecord } from '../../screening/records.ts';
import type { JsonObject } from '../../library/index.ts';
import { workspaceLibrary } from './library-handle.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';

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
  let saved = 0;
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
          const cif = written ? structureCif(result.structure, params.symprec, item.block) : null;
          let stored: { savedId: number } | { saveError: string } | Record<string, never> = {};
          if (params.saveToLibrary && cif !== null) {
            try {
              stored = { savedId: saveRelaxed(context.workspace, item, result.structure, cif, record, potential.name) };
              saved++;
              context.libraryChanged();
            } catch (error) {
              stored = { saveError: errorLine(error) };
            }
          }
          context.output({
            kind: 'relaxed',
            index,
            source: item.source,
            block: item.block,
            ...(item.libraryId !== undefined ? { libraryId: item.libraryId } : {}),
            ...record,
            cif,
            ...stored,
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
    saved,
    seconds: (performance.now() - started) / 1000,
    hullReference: PARTIAL_HULL_NOTE,
  };
};

/** Stores one relaxed structure as a library row linked to its parent row (when it came from one); returns its id. */
function saveRelaxed(
  workspace: string,
  item: { block: string; libraryId?: number },
  structure: Structure,
  cif: string,
  record: Omit<RelaxationRecord, 'file' | 'output'>,
  potentialName: string,
): number {
  const library = workspaceLibrary(workspace);
  const parent = item.libraryId !== undefined ? library.getStructure(item.libraryId) : undefined;
  const validity = structuralValidity(structure);
  const details: JsonObject = {
    potential: potentialName,
    hullReference: PARTIAL_HULL_NOTE,
    status: record.status,
    steps: record.steps,
    fmax: record.fmax,
    volumeChange: record.volumeChange,
    rmsd: record.rmsd,
    spaceGroupBefore: record.spaceGroupBefore,
    spaceGroupAfter: record.spaceGroupAfter,
    spaceGroupKept: record.spaceGroupKept,
    decomposition: record.decomposition,
    ...(record.stabilityError !== undefined ? { stabilityError: record.stabilityError } : {}),
  };
  return library.addStructure({
    structure,
    cif,
    source: 'relaxed',
    name: `${parent?.name ?? item.block} (relaxed)`,
    ...(parent ? { parentId: parent.id } : {}),
    ...(parent?.runId != null ? { runId: parent.runId } : {}),
    ...(parent?.spaceGroupRequested != null ? { spaceGroupRequested: parent.spaceGroupRequested } : {}),
    ...(record.spaceGroupAfter !== null ? { spaceGroupFound: record.spaceGroupAfter } : {}),
    valid: validity.valid,
    validity: { minDistance: Number.isFinite(validity.minDistance) ? validity.minDistance : null, structurallyValid: validity.valid },
    stability: { kind: 'relaxed', eHull: record.eHull, energyPerAtom: record.energyPerAtom, formationEnergyPerAtom: record.formationEnergyPerAtom, details },
  });
}
