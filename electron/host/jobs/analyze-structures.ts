/** Job 'analyze-structures': space group and Wyckoff description of every structure in the given CIF files. */
import { Composition } from '../../../shared/crystal/composition.ts';
import { readCifStructures } from '../../../shared/io/cif.ts';
import { sourceName } from '../../../shared/api/jobs.ts';
import { analyzeStructure, wyckoffSequenceLabel } from '../../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import type { JobRunner } from './types.ts';
import { checkpoint, readSourceText } from './read-sources.ts';

export const analyzeStructures: JobRunner<'analyze-structures'> = async ({ sources, symprec }, context) => {
  await initSymmetry();
  let analyzed = 0;
  let failed = 0;
  for (const [index, source] of sources.entries()) {
    await checkpoint(context.signal);
    const name = sourceName(source);
    context.progress({ done: index, total: sources.length, message: name });
    let blocks;
    try {
      blocks = readCifStructures(await readSourceText(source), { fileName: name });
      if (blocks.length === 0) throw new Error(`${name}: no data block with atom sites`);
    } catch (error) {
      failed++;
      context.output({ ok: false, source: name, error: (error as Error).message });
      continue;
    }
    for (const block of blocks) {
      try {
        const analysis = analyzeStructure(block.structure, { symprec });
        analyzed++;
        context.output({
          ok: true,
          source: name,
          block: block.name,
          reducedFormula: Composition.fromStructure(block.structure).reducedFormula,
          numSites: block.structure.numSites,
          spaceGroup: analysis.spaceGroup,
          symbol: analysis.symbol,
          crystalSystem: analysis.crystalSystem,
          wyckoffLabel: wyckoffSequenceLabel(analysis.description),
          warnings: block.warnings,
        });
      } catch (error) {
        failed++;
        context.output({ ok: false, source: `${name} (data_${block.name})`, error: (error as Error).message });
      }
    }
  }
  context.progress({ done: sources.length, total: sources.length });
  return { analyzed, failed };
};
