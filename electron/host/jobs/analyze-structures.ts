/** Job 'analyze-structures': space group and Wyckoff description of every structure in the given CIF/POSCAR files. */
import { Composition } from '../../../shared/crystal/composition.ts';
import { formatFromFileName, readCifStructures, readPoscar, sniffFormat } from '../../../shared/io/index.ts';
import { sourceName } from '../../../shared/api/jobs.ts';
import { wyckoffSequenceLabel } from '../../../shared/symmetry/analyze.ts';
import { symmetryBudgetForFile } from '../../symmetry/bounded.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import type { PoscarResult } from '../../../shared/io/index.ts';
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
      const text = await readSourceText(source);
      const format = formatFromFileName(name) ?? sniffFormat(text);
      blocks =
        format === 'cif'
          ? readCifStructures(text, { fileName: name })
          : [poscarBlock(readPoscar(text, { fileName: name }))];
      if (blocks.length === 0) throw new Error(`${name}: no data block with atom sites`);
    } catch (error) {
      failed++;
      context.output({ ok: false, source: name, error: (error as Error).message });
      continue;
    }
    const symmetry = symmetryBudgetForFile();
    for (const block of blocks) {
      try {
        const analysis = symmetry.analyze(block.structure, { symprec });
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

function poscarBlock(poscar: PoscarResult): { name: string; structure: Structure; warnings: string[] } {
  return { name: poscar.comment, structure: poscar.structure, warnings: [] };
}
