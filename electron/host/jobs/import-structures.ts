/**
 * Job 'import-structures': CIF/POSCAR files into the workspace library through electron/library. Files are
 * imported one at a time under one 'import' run, so each structure is committed as soon as it is read (a crash
 * loses at most the file in flight) and a cancel takes effect between files.
 */
import { sourceName } from '../../../shared/api/jobs.ts';
import type { ImportOptions } from '../../library/index.ts';
import type { JobRunner } from './types.ts';
import { throttled, workspaceLibrary } from './library-handle.ts';
import { checkpoint } from './read-sources.ts';
import { type InputFailure, failureReason, runEachInput } from '../../../shared/batch/each-input.ts';

export const importStructures: JobRunner<'import-structures'> = async (params, context) => {
  const { sources, tags, symprec, allowPartialOccupancy, duplicates: onDuplicate } = params;
  const library = workspaceLibrary(context.workspace);
  const changed = throttled(() => context.libraryChanged());
  const run = library.createRun({ kind: 'import', status: 'running', config: { files: sources.length, symprec, allowPartialOccupancy, duplicates: onDuplicate, tags: tags ?? [] } });
  let imported = 0;
  let failed = 0;
  let duplicates = 0;
  const options: ImportOptions = {
    runId: run.id,
    symprec,
    allowPartialOccupancy,
    duplicates: onDuplicate,
    onDuplicate: (item) => {
      duplicates++;
      context.output({ ok: false, source: item.file, error: `${item.name || item.formula}: the library already holds this crystal as #${item.existingId}; not imported again`, duplicateOf: item.existingId });
    },
    ...(tags ? { tags } : {}),
    onImported: (item) => {
      imported++;
      context.output({ ok: true, id: item.id, source: item.file, name: item.name, formula: item.formula, spaceGroup: item.spaceGroup, warnings: item.warnings });
      changed.call();
    },
  };
  try {
    const report = (failure: InputFailure) => {
      failed++;
      context.output({ ok: false, source: failure.file, error: failure.error });
    };
    // One source at a time (runEachInput): the library reports the blocks it could not import, and a source that
    // throws is one failed output; the others are still imported.
    await runEachInput(
      sources,
      async (source) => {
        const result = 'path' in source ? await library.importFiles([source.path], options) : await library.importTexts([{ fileName: source.name, text: source.text }], options);
        for (const failure of result.failed) report({ file: failure.file, error: failureReason(failure.error, failure.file) });
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
    library.updateRun(run.id, {
      status: imported === 0 && failed > 0 ? 'failed' : 'completed',
      error: failed > 0 ? `${failed} of ${sources.length} files could not be imported` : null,
      ...(duplicates > 0 ? { config: { ...run.config, duplicatesSkipped: duplicates } } : {}),
    });
  } catch (error) {
    const cancelled = context.signal.aborted;
    library.updateRun(run.id, { status: cancelled ? 'cancelled' : 'failed', error: cancelled ? 'cancelled by the user' : (error as Error).message });
    throw error;
  } finally {
    changed.flush();
  }
  return { runId: run.id, imported, failed, duplicates };
};
