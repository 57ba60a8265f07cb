/**
 * Reading a structure file and finding its symmetry, as plain messages that cross a Web Worker boundary. Runs in
 * structure.worker.ts, never on the UI thread (a hostile file must not freeze the window); pure, so Node tests it.
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import type { Site } from '../../../shared/crystal/structure.ts';
import { readStructureText } from '../../../shared/io/index.ts';
import { analyzeStructure } from '../../../shared/symmetry/analyze.ts';

/** The worker's messages, in order: the structure as read (or why it could not be), then its symmetry. */
export type StructureWorkerMessage =
  | { kind: 'read'; name: string; lattice: Mat3; sites: Site[]; warnings: string[] }
  | { kind: 'symmetry'; symmetry: string; wyckoffLetters?: string[] }
  | { kind: 'error'; message: string };

export interface StructureWorkerRequest {
  fileName: string;
  text: string;
  /** Where the browser fetches moyo's .wasm (Vite's asset URL, made absolute by the page). */
  wasmUrl?: string;
  /** Read a disordered CIF with its partially occupied sites as full atoms (the user asked for it). */
  allowPartialOccupancy?: boolean;
}

/**
 * Reads `text` (CIF or POSCAR; errors name the file and line) and posts it, then analyses it within SYMMETRY_LIMITS
 * (refusals and moyo failures become the symmetry text) and posts that. The caller's time limit covers both.
 */
export function readAndAnalyze(fileName: string, text: string, post: (message: StructureWorkerMessage) => void, options: { allowPartialOccupancy?: boolean } = {}): void {
  let read;
  try {
    read = readStructureText(text, { fileName, ...(options.allowPartialOccupancy ? { allowPartialOccupancy: true } : {}) });
  } catch (error) {
    post({ kind: 'error', message: (error as Error)?.message ?? String(error) });
    return;
  }
  post({ kind: 'read', name: read.name, lattice: read.structure.lattice.matrix, sites: read.structure.sites.map((s) => ({ ...s })), warnings: read.warnings });
  try {
    const analysis = analyzeStructure(read.structure);
    post({ kind: 'symmetry', symmetry: `${analysis.symbol} (${analysis.spaceGroup})`, wyckoffLetters: analysis.inputWyckoffLetters });
  } catch (error) {
    post({ kind: 'symmetry', symmetry: `symmetry not found: ${(error as Error)?.message ?? String(error)}` });
  }
}
