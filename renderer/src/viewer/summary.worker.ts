/**
 * Web Worker: the structure panel's symmetry summary (structureSummary.ts) off the UI thread; the page terminates
 * it when it takes too long (summaryInWorker.ts), as moyo cannot be interrupted otherwise.
 */
import { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import { Structure, type Site } from '../../../shared/crystal/structure.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { summarizeStructure, type StructureSummary } from './structureSummary.ts';

export interface SummaryRequest {
  lattice: Mat3;
  sites: Site[];
  dataName?: string;
  wasmUrl?: string;
}
export type SummaryReply = { kind: 'summary'; summary: StructureSummary } | { kind: 'error'; message: string };

const scope = self as unknown as { onmessage: ((event: MessageEvent<SummaryRequest>) => void) | null; postMessage(message: SummaryReply): void };

scope.onmessage = (event) => {
  const { lattice, sites, dataName, wasmUrl } = event.data;
  initSymmetry(wasmUrl !== undefined ? { wasmUrl } : {}).then(
    () => {
      try {
        scope.postMessage({ kind: 'summary', summary: summarizeStructure(new Structure(new Lattice(lattice), sites), dataName) });
      } catch (error) {
        scope.postMessage({ kind: 'error', message: (error as Error)?.message ?? String(error) });
      }
    },
    (error: unknown) => scope.postMessage({ kind: 'error', message: (error as Error)?.message ?? String(error) }),
  );
};
