/**
 * The structures of a 'predict', 'relax' or 'energy' job: structure files (every CIF data block, or a POSCAR; by path or
 * uploaded) or library rows by id, read with the shared input loop — a source or row that cannot be read is reported
 * through `onFailure` and the others go on.
 */
import { type StructureFile, sourceName } from '../../../shared/api/jobs.ts';
import { type InputFailure, runEachInput } from '../../../shared/batch/each-input.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { formatFromFileName, readCifStructures, readPoscar, sniffFormat } from '../../../shared/io/index.ts';
import { workspaceLibrary } from './library-handle.ts';
import { checkpoint, readSourceText } from './read-sources.ts';

export interface StructureItem {
  /** Position among the structures read (0-based). */
  index: number;
  /** File name or `library #id`. */
  source: string;
  /** CIF data block, POSCAR comment or library row name. */
  block: string;
  libraryId?: number;
  structure: Structure;
}

interface Inputs {
  sources?: readonly StructureFile[] | undefined;
  ids?: readonly number[] | undefined;
}

export async function readStructureItems(
  params: Inputs,
  context: { signal: AbortSignal; workspace: string; progress(p: { done: number; message?: string }): void },
  onFailure: (failure: InputFailure) => void,
): Promise<StructureItem[]> {
  const items: Omit<StructureItem, 'index'>[] = [];
  if (params.sources) {
    const read = await runEachInput(
      params.sources,
      async (source) => {
        const name = sourceName(source);
        const text = await readSourceText(source);
        const format = formatFromFileName(name) ?? sniffFormat(text);
        if (format === 'cif') {
          const blocks = readCifStructures(text, { fileName: name });
          if (blocks.length === 0) throw new Error(`${name}: no data block with atom sites`);
          return blocks.map((block) => ({ source: name, block: block.name, structure: block.structure }));
        }
        const poscar = readPoscar(text, { fileName: name });
        return [{ source: name, block: poscar.comment, structure: poscar.structure }];
      },
      {
        name: (source) => sourceName(source),
        signal: context.signal,
        before: async (source) => {
          await checkpoint(context.signal);
          context.progress({ done: 0, message: `reading ${sourceName(source)}` });
        },
        onFailure,
      },
    );
    for (const s of read.succeeded) items.push(...s.value);
  } else {
    const library = workspaceLibrary(context.workspace);
    const read = await runEachInput(
      params.ids ?? [],
      (id) => {
        const source = `library #${id}`;
        const row = library.getStructure(id);
        if (!row) throw new Error(`${source}: no structure with this id in the library`);
        const [block] = readCifStructures(row.cif, { fileName: source });
        if (!block) throw new Error(`${source}: the stored CIF has no atom sites`);
        return { source, block: row.name ?? row.formula, libraryId: id, structure: block.structure };
      },
      { name: (id) => `library #${id}`, signal: context.signal, onFailure },
    );
    for (const s of read.succeeded) items.push(s.value);
  }
  return items.map((item, index) => ({ index, ...item }));
}
