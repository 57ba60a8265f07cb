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
import { type InputFailure, runEachInput } from '../../../shared/batch/each-input.ts';

export const analyzeStructures: JobRunner<'analyze-structures'> = async ({ sources, symprec }, context) => {
  await initSymmetry();
  let analyzed = 0;
  let failed = 0;
  const report = (failure: InputFailure) => {
    failed++;
    context.output({ ok: false, source: failure.file, error: failure.error });
  };
  // Each source, then each of its blocks, is an input of its own: a failure is one output and the rest go on.
  await runEachInput(
    sources,
    async (source) => {
      const name = sourceName(source);
      const text = await readSourceText(source);
      const format = formatFromFileName(name) ?? sniffFormat(text);
      const blocks = format === 'cif' ? readCifStructures(text, { fileName: name }) : [poscarBlock(readPoscar(text, { fileName: name }))];
      if (blocks.length === 0) throw new Error(`${name}: no data block with atom sites`);
      const symmetry = symmetryBudgetForFile();
      await runEachInput(
        blocks,
        (block) => {
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
        },
        { name: (block) => `${name} (data_${block.name})`, signal: context.signal, onFailure: report },
      );
    },
    {
      name: (source) => sourceName(source),
      signal: context.signal,
      before: async (source, index) => {
        await checkpoint(context.signal);
        context.progress({ done: index, total: sources.length, message: sourceName(source) });
      },
      onFailure: report,
    },
  );
  context.progress({ done: sources.length, total: sources.length });
  return { analyzed, failed };
};

function poscarBlock(poscar: PoscarResult): { name: string; structure: Structure; warnings: string[] } {
  return { name: poscar.comment, structure: poscar.structure, warnings: [] };
}
