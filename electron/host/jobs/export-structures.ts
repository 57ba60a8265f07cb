/**
 * Job 'export-structures': library structures as CIF files + manifest.csv (one zip or a folder), POSCAR files +
 * manifest.csv (one zip), one extended XYZ file or one JSON file.
 */
import { join } from 'node:path';
import type { JobRunner } from './types.ts';
import { workspaceLibrary } from './library-handle.ts';

/** The file (or folder) an export writes into the job's own folder when no destination is given. */
const DEFAULT_NAMES = { zip: 'structures.zip', 'cif-files': 'structures', 'poscar-zip': 'structures-poscar.zip', extxyz: 'structures.extxyz', json: 'structures.json' } as const;

export const exportStructures: JobRunner<'export-structures'> = async ({ selection, format, destination }, context) => {
  const library = workspaceLibrary(context.workspace);
  const chosen = 'ids' in selection ? selection.ids : selection.query;
  const target = destination ?? join(context.outputDir, DEFAULT_NAMES[format]);
  const result =
    format === 'zip'
      ? await library.exportZip(chosen, target)
      : format === 'cif-files'
        ? await library.exportCifFiles(chosen, target)
        : await library.exportAs(chosen, format, target);
  context.progress({ done: result.count, total: result.count });
  return { path: result.path, count: result.count, files: result.files };
};
