/** Job 'export-structures': library structures as CIF files + manifest.csv, in one zip or a folder. */
import { join } from 'node:path';
import type { JobRunner } from './types.ts';
import { workspaceLibrary } from './library-handle.ts';

export const exportStructures: JobRunner<'export-structures'> = async ({ selection, format, destination }, context) => {
  const library = workspaceLibrary(context.workspace);
  const chosen = 'ids' in selection ? selection.ids : selection.query;
  const target = destination ?? join(context.outputDir, format === 'zip' ? 'structures.zip' : 'structures');
  const result = format === 'zip' ? await library.exportZip(chosen, target) : await library.exportCifFiles(chosen, target);
  context.progress({ done: result.count, total: result.count });
  return { path: result.path, count: result.count, files: result.files };
};
