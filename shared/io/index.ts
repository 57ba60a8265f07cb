/**
 * Structure file I/O in one place: read CIF or POSCAR (format from the file name or, failing that, the
 * content), write P1 CIF, symmetrized CIF, POSCAR or extended XYZ.
 */
import type { Structure } from '../crystal/structure.ts';
import { readCifStructure } from './cif.ts';
import { readPoscar } from './poscar.ts';

export * from './cif.ts';
export { writeCifP1, writeSymmetrizedCif, type CifWriteOptions } from './cif-writer.ts';
export { readPoscar, writePoscar, PoscarError, type PoscarResult, type PoscarReadOptions, type PoscarWriteOptions } from './poscar.ts';
export { writeExtendedXyz, type XyzWriteOptions } from './xyz.ts';
export { parseSymmetryOperation, formatSymmetryOperation, SymmetryOperationError } from './symop.ts';

export type StructureFormat = 'cif' | 'poscar';

export interface StructureReadOptions {
  /** Skip format detection. */
  format?: StructureFormat;
  /** For messages and for detecting the format from the extension. */
  fileName?: string;
  /** CIF only: see `CifReadOptions.allowPartialOccupancy`. */
  allowPartialOccupancy?: boolean;
}

export interface StructureFileResult {
  structure: Structure;
  format: StructureFormat;
  /** CIF data block name or POSCAR comment line. */
  name: string;
  warnings: string[];
}

/** Format from a file name: *.cif → CIF; POSCAR*, CONTCAR*, *.vasp, *.poscar → POSCAR; otherwise undefined. */
export function formatFromFileName(fileName: string): StructureFormat | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const lower = base.toLowerCase();
  if (lower.endsWith('.cif') || lower.endsWith('.mcif')) return 'cif';
  if (lower.startsWith('poscar') || lower.startsWith('contcar') || lower.endsWith('.vasp') || lower.endsWith('.poscar')) return 'poscar';
  return undefined;
}

/** Format from content: a line starting with `data_` (after optional blanks) means CIF; anything else is tried as POSCAR. */
export function sniffFormat(text: string): StructureFormat {
  return /(^|[\r\n])[ \t]*data_/i.test(text) ? 'cif' : 'poscar';
}

/** Reads the first structure in CIF or POSCAR text. Errors name the file and line (CifError / PoscarError). */
export function readStructureText(text: string, options: StructureReadOptions = {}): StructureFileResult {
  const format = options.format ?? (options.fileName ? formatFromFileName(options.fileName) : undefined) ?? sniffFormat(text);
  if (format === 'cif') {
    const result = readCifStructure(text, {
      ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
      ...(options.allowPartialOccupancy !== undefined ? { allowPartialOccupancy: options.allowPartialOccupancy } : {}),
    });
    return { structure: result.structure, format, name: result.name, warnings: result.warnings };
  }
  const result = readPoscar(text, options.fileName !== undefined ? { fileName: options.fileName } : {});
  return { structure: result.structure, format, name: result.comment, warnings: [] };
}

/**
 * Reads a structure from a file path (Node only) or, when the argument contains a line break, from the text
 * itself. The format comes from `format`, else the file name, else the content.
 */
export async function readStructureFile(pathOrText: string, format?: StructureFormat, options: Omit<StructureReadOptions, 'format'> = {}): Promise<StructureFileResult> {
  if (/[\r\n]/.test(pathOrText)) return readStructureText(pathOrText, { ...options, ...(format ? { format } : {}) });
  // Loaded on demand so that browser bundles of shared/ never pull in node:fs.
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(pathOrText, 'utf8');
  return readStructureText(text, { ...options, fileName: options.fileName ?? pathOrText, ...(format ? { format } : {}) });
}
