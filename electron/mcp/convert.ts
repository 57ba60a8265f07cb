/**
 * The `convert` tool: one structure (a workspace file or inline text) to a symmetrized CIF, a P1 CIF, POSCAR or
 * extended XYZ — what `cfstudio convert` does for one input. It runs in the MCP process (reading and writing one
 * small file), with the symmetry analysis bounded as everywhere in Node (electron/symmetry/bounded.ts). The input
 * schema is built from the contract's structure source, and its paths are marked so that the same confinement as
 * every job's (electron/host/jobs/workspace-paths.ts) applies.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { workspacePath } from '../../shared/api/job-paths.ts';
import { sourceName, structureFileSchema } from '../../shared/api/jobs.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { readStructureText, writeCifP1, writeExtendedXyz, writePoscar, writeSymmetrizedCif } from '../../shared/io/index.ts';
import { wyckoffSequenceLabel } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { analyzeStructureBounded } from '../symmetry/bounded.ts';
import { readSourceText } from '../host/jobs/read-sources.ts';
import { confineJobPaths } from '../host/jobs/workspace-paths.ts';

export const CONVERT_TARGETS = ['cif', 'cif-p1', 'poscar', 'xyz'] as const;

export const convertParamsSchema = z
  .object({
    source: structureFileSchema,
    /** cif = symmetrized (space group + one atom per Wyckoff orbit), cif-p1 = every atom listed. */
    to: z.enum(CONVERT_TARGETS),
    /** Tolerance in Å of the space-group analysis (as `cfstudio convert --symprec`). */
    symprec: z.number().positive().max(1).default(0.01),
    allowPartialOccupancy: z.boolean().default(false),
    /** Also write the converted text to this file in the workspace. */
    output: workspacePath().optional(),
  })
  .strict();
export type ConvertParams = z.output<typeof convertParamsSchema>;

export interface ConvertResult {
  [key: string]: unknown;
  source: string;
  format: string;
  to: (typeof CONVERT_TARGETS)[number];
  formula: string;
  numAtoms: number;
  spaceGroup: number;
  spaceGroupSymbol: string;
  wyckoffLabel: string;
  text: string;
  output?: string;
  warnings: string[];
}

/** Converts one structure; an unreadable source or a path outside the workspace throws a one-line error. */
export async function convertStructure(params: ConvertParams, workspace: string): Promise<ConvertResult> {
  const confined = confineJobPaths(convertParamsSchema, params, workspace);
  const name = sourceName(confined.source);
  const text = await readSourceText(confined.source);
  await initSymmetry();
  const loaded = readStructureText(text, { fileName: name, ...(confined.allowPartialOccupancy ? { allowPartialOccupancy: true } : {}) });
  let analysis;
  try {
    analysis = analyzeStructureBounded(loaded.structure, { symprec: confined.symprec });
  } catch (error) {
    throw new Error(`${name}: symmetry analysis failed: ${(error as Error).message.split('\n')[0]}`);
  }
  const dataName = loaded.format === 'cif' ? loaded.name : undefined;
  const converted =
    confined.to === 'cif'
      ? writeSymmetrizedCif(analysis.description, dataName ? { dataName } : {})
      : confined.to === 'cif-p1'
        ? writeCifP1(loaded.structure, dataName ? { dataName } : {})
        : confined.to === 'poscar'
          ? writePoscar(loaded.structure, loaded.format === 'poscar' ? { comment: loaded.name } : {})
          : writeExtendedXyz(loaded.structure);
  if (confined.output !== undefined) {
    try {
      await mkdir(dirname(confined.output), { recursive: true });
      await writeFile(confined.output, converted);
    } catch (error) {
      throw new Error(`output: cannot write ${confined.output} (${(error as Error).message})`);
    }
  }
  return {
    source: name,
    format: loaded.format,
    to: confined.to,
    formula: Composition.fromStructure(loaded.structure).reducedFormula,
    numAtoms: loaded.structure.numSites,
    spaceGroup: analysis.spaceGroup,
    spaceGroupSymbol: analysis.symbol,
    wyckoffLabel: wyckoffSequenceLabel(analysis.description),
    text: converted,
    ...(confined.output !== undefined ? { output: confined.output } : {}),
    warnings: loaded.warnings,
  };
}
