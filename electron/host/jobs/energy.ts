/**
 * Job 'energy': single points with an interatomic potential (the shipped M3GNet unless `potential` names another
 * folder): energy, forces, stress in GPa, and the MP2020-corrected formation energy and E_hull of the unrelaxed
 * structure. Structures go to the potential in chunks, so a cancel is noticed between them; one output per structure.
 */
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { errorLine } from '../../../shared/text/safe-text.ts';
import { loadPotential } from '../../engine/potential/load.ts';
import { PARTIAL_HULL_NOTE, loadStability, singlePointRecord } from '../../screening/records.ts';
import { readStructureItems } from './structure-inputs.ts';
import { potentialDirForParams } from './workspace-paths.ts';
import { checkpoint } from './read-sources.ts';
import type { JobRunner } from './types.ts';

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
      chunk.forEach((item, k) => {
        const { file: _file, ...record } = singlePointRecord(item.source, item.structure, results[k]!, { symprec: params.symprec, stability });
        computed++;
        context.output({ ok: true, index: item.index, source: item.source, block: item.block, ...(item.libraryId !== undefined ? { libraryId: item.libraryId } : {}), ...record });
      });
    }
  } finally {
    await potential.close();
  }
  context.progress({ done: items.length, total: items.length });
  return { potential: potential.name, computed, failed, hullReference: PARTIAL_HULL_NOTE };
};
