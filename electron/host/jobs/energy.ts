/**
 * Job 'energy': single points with an interatomic potential (the shipped M3GNet unless `potential` names another
 * folder): energy, forces, stress in GPa, and the MP2020-corrected formation energy and E_hull of the unrelaxed
 * structure. Structures go to the potential in chunks, so a cancel is noticed between them; one output per structure.
 * With `saveToLibrary` and library rows, each chunk's scores are written to the rows in one transaction.
 */
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { errorLine } from '../../../shared/text/safe-text.ts';
import { loadPotential } from '../../engine/potential/load.ts';
import { PARTIAL_HULL_NOTE, loadStability, singlePointRecord } from '../../screening/records.ts';
import { readStructureItems } from './structure-inputs.ts';
import { potentialDirForParams } from './workspace-paths.ts';
import { checkpoint } from './read-sources.ts';
import type { JobRunner } from './types.ts';
import type { JsonObject, StructureUpdate } from '../../library/index.ts';
import { workspaceLibrary } from './library-handle.ts';

/** Structures per compute call: the potential batches them, and a cancel waits for one chunk at most. */
const CHUNK = 64;

export const energy: JobRunner<'energy'> = async (params, context) => {
  await initSymmetry();
  let failed = 0;
  const fail = (source: string, error: string) => {
    failed++;
    context.output({ ok: false, source, error });
  };
  const items = await readStructureItems(params, context, (failure) => fail(failure.file, failure.error));
  const potential = await loadPotential(potentialDirForParams(params.potential));
  let computed = 0;
  let saved = 0;
  try {
    const stability = await loadStability();
    for (let start = 0; start < items.length; start += CHUNK) {
      await checkpoint(context.signal);
      context.progress({ done: start, total: items.length, message: `single points with ${potential.name}` });
      const chunk = items.slice(start, start + CHUNK).filter((item) => {
        const unknown = [...new Set(item.structure.species)].filter((e) => !potential.elements.has(e));
        if (unknown.length) fail(item.source, `${item.source}: ${potential.name} does not know ${unknown.join(', ')}`);
        return unknown.length === 0;
      });
      let results;
      try {
        results = await potential.compute(chunk.map((item) => item.structure));
      } catch (error) {
        for (const item of chunk) fail(item.source, `${item.source}: ${errorLine(error)}`);
        continue;
      }
      const records = chunk.map((item, k) => singlePointRecord(item.source, item.structure, results[k]!, { symprec: params.symprec, stability }));
      const stored = params.saveToLibrary ? storeScores(context.workspace, chunk, records, potential.name) : new Set<number>();
      saved += stored.size;
      if (stored.size) context.libraryChanged();
      chunk.forEach((item, k) => {
        const { file: _file, ...record } = records[k]!;
        computed++;
        context.output({
          ok: true,
          index: item.index,
          source: item.source,
          block: item.block,
          ...(item.libraryId !== undefined ? { libraryId: item.libraryId } : {}),
          ...record,
          ...(params.saveToLibrary ? { saved: stored.has(item.index) } : {}),
        });
      });
    }
  } finally {
    await potential.close();
  }
  context.progress({ done: items.length, total: items.length });
  return { potential: potential.name, computed, failed, saved, hullReference: PARTIAL_HULL_NOTE };
};

/** Writes single-point scores to the chunk's library rows (one transaction); returns the indices stored. */
function storeScores(
  workspace: string,
  chunk: readonly { index: number; libraryId?: number }[],
  records: readonly ReturnType<typeof singlePointRecord>[],
  potentialName: string,
): Set<number> {
  const library = workspaceLibrary(workspace);
  const updates: { id: number; update: StructureUpdate }[] = [];
  const stored = new Set<number>();
  chunk.forEach((item, k) => {
    if (item.libraryId === undefined) return;
    const row = library.getStructure(item.libraryId);
    const record = records[k]!;
    // A relaxed row's structure is the relaxation's result: its score stays labelled 'relaxed'.
    const kind = row?.energyKind === 'relaxed' ? 'relaxed' : 'single-point';
    const details: JsonObject = { ...(kind === 'relaxed' ? row!.stabilityDetails : {}), potential: potentialName, hullReference: PARTIAL_HULL_NOTE, decomposition: record.decomposition };
    if (record.stabilityError !== undefined) details['stabilityError'] = record.stabilityError;
    updates.push({ id: item.libraryId, update: { stability: { kind, eHull: record.eHull, energyPerAtom: record.energyPerAtom, formationEnergyPerAtom: record.formationEnergyPerAtom, details } } });
    stored.add(item.index);
  });
  library.updateStructures(updates);
  return stored;
}
