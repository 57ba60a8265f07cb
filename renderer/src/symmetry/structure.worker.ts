/**
 * Web Worker: reads one structure file and analyses its symmetry off the UI thread (readStructure.ts). The page
 * terminates the worker when it takes too long (openInWorker.ts); moyo cannot be interrupted any other way.
 */
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { type StructureWorkerMessage, type StructureWorkerRequest, readAndAnalyze } from './readStructure.ts';

// The DOM lib types `self` as a Window; in a dedicated worker it is a DedicatedWorkerGlobalScope.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<StructureWorkerRequest>) => void) | null;
  postMessage(message: StructureWorkerMessage): void;
};

scope.onmessage = (event) => {
  const { fileName, text, wasmUrl, allowPartialOccupancy } = event.data;
  initSymmetry(wasmUrl !== undefined ? { wasmUrl } : {}).then(
    () => readAndAnalyze(fileName, text, (message) => scope.postMessage(message), { allowPartialOccupancy: allowPartialOccupancy === true }),
    (error: unknown) => scope.postMessage({ kind: 'error', message: (error as Error)?.message ?? String(error) }),
  );
};
